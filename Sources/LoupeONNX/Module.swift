// LoupeONNX module.
