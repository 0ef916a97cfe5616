"""Storage URLs the API serves itself (local store downloads and uploads, result zips)."""
