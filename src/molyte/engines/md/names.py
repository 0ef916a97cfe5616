"""File names in an MD job's work directory that the engine (on the login node) and the
analysis (in the batch job) both use. Kept apart from `analyze` so that the worker, which only
checks for these files, does not import the analysis' numerical libraries (freud, scipy,
tidynamics: about 75 MiB and a second of start-up)."""

from __future__ import annotations

SUMMARY = "summary.json"
ERROR_FILE = "analysis_error.txt"
