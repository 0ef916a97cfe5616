"""Batch schedulers behind the `Scheduler` protocol, chosen by short name (`slurm`, `local`)."""
