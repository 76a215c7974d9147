"""The API of evaluations, one module per subject; each module lists its own URLs."""
