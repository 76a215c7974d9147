"""Every non-trivial read of evaluations, scoped to the user, one module per subject."""
