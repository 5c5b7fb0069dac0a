import LoupePipeline
print("loupe")
