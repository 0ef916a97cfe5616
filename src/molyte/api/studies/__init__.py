"""Studies: parameter sweeps, one job per point of the Cartesian product of the varied values."""
