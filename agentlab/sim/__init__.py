"""The simulated chat model: the lab's default model, and its skills."""
