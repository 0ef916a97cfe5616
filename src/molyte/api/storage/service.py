"""Which registered files a result zip link serves."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from molyte.api.jobs import repository as jobs_repo
from molyte.errors import NotFound

_RESULT_PREFIX = re.compile(r"results/([1-9][0-9]{0,9})/([0-9a-f]{1,32})/")
MAX_ID = 2_147_483_647


def zip_entries(db: Session, prefix: str) -> list[tuple[str, str]]:
    """`(key, name)` of the registered files of the job whose result prefix is `prefix`;
    404 when no job has that prefix (deleted, or never existed)."""
    match = _RESULT_PREFIX.fullmatch(prefix)
    job = jobs_repo.get(db, int(match[1])) if match and int(match[1]) <= MAX_ID else None
    if job is None or match is None or job.storage_prefix != match[2]:
        raise NotFound("there are no results to zip")
    return [(f.storage_key, f.name) for f in jobs_repo.files(db, job.id)]
