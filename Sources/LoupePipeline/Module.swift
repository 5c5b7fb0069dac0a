// LoupePipeline module.
