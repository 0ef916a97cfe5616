"""The worker API: pending list, leased claims with long poll, status, heartbeat, results."""
