"""Admin endpoints: users, worker tokens, workers, requeue and priority."""
