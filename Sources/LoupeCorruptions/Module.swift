// LoupeCorruptions module.
