"""The API under test: the app on a clean database with an admin, two users, a worker token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Api, build_api, make_settings


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL."""
    yield from build_api(make_settings(database_url, tmp_path))
