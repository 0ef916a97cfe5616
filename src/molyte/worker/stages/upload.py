"""Upload (in POSTPROCESSING): each result file straight to the object store, then the
registration of the files and the summary with the run's provenance."""

from __future__ import annotations

import time
from pathlib import Path

from molyte.engines.base import EngineResult
from molyte.errors import MolyteError
from molyte.protocol import FileEntry, RegisterRequest
from molyte.worker import provenance
from molyte.worker.client import LeaseLost, ServerUnavailable, WorkerClient
from molyte.worker.stages.context import Jobs, Uploader, story
from molyte.worker.state import TrackedJob
from molyte.worker.uploads import upload_result


def upload(jobs: Jobs, job: TrackedJob, result: EngineResult) -> list[FileEntry]:
    """Upload every result file; their entries for the registration."""
    files = []
    started = time.monotonic()
    for path in result.files:
        files.append(jobs.upload(job, path))
    total = sum(f.size for f in files)
    story(
        job,
        f"uploaded {len(files)} result files, {total:,} bytes in "
        f"{time.monotonic() - started:.1f} s",
        "upload",
    )
    return files


def register(jobs: Jobs, job: TrackedJob, result: EngineResult, files: list[FileEntry]) -> None:
    """Register the uploaded files and the summary, with what made the run (provenance)."""
    run = provenance.collect(job.workdir, job.engine, job.scheduler_id)
    summary = {**result.summary, "provenance": run}
    body = RegisterRequest(lease_token=job.lease_token, files=files, summary=summary)
    jobs.client.register_results(job.job_id, body)


def through_server(client: WorkerClient) -> Uploader:
    """Upload with the server's presigned URLs (`molyte.worker.uploads`); a stale lease raises
    LeaseLost (the job is dropped), any other failure ServerUnavailable (tried again)."""

    def upload_one(job: TrackedJob, path: Path) -> FileEntry:
        try:
            return upload_result(client.http, client.base_url, job.job_id, job.lease_token, path)
        except MolyteError as exc:
            if exc.status_code == 409:
                raise LeaseLost(exc.message) from exc
            raise ServerUnavailable(f"upload of {path.name} failed: {exc.message}") from exc

    return upload_one
