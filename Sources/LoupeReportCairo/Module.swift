// LoupeReportCairo module.
