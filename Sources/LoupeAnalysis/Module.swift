// LoupeAnalysis module.
