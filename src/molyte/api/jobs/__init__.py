"""Users' jobs: submit, list, get, cancel, delete, results."""
