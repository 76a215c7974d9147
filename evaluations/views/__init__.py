"""The HTML pages of evaluations, one module per subject; each module lists its own URLs."""
