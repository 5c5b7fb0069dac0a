// LoupeEngine module.
