"""The worker's upload endpoints: where to send a result file, multipart completion, and the
registration of a job's files and summary (`/api/v1/workers/jobs/{id}/uploads|results`)."""
