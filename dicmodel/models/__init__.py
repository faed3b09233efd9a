"""Model helpers shared by the hf describer and training: tiny offline models, compat patches."""
