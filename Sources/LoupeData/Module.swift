// LoupeData module.
