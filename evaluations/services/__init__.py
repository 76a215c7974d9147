"""Every write of evaluations, one module per subject."""
