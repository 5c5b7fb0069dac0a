// LoupeReport module.
