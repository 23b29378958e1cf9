"""mmengine wiring: datasets, model wrapper, hooks and the evaluation Runner."""
