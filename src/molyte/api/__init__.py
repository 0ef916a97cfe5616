"""The HTTP API (FastAPI): one folder per feature, endpoints -> service -> repository."""
