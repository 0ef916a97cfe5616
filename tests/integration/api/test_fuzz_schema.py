"""Schemathesis against the OpenAPI schema: a few hundred generated requests, no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from support import Api, api_session, make_settings, qc_body


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("fuzz")
    from molyte.db.migrate import upgrade

    settings_ = make_settings(
        f"sqlite:///{tmp / 'fuzz.sqlite'}",
        tmp,
        login_max_failures=10**6,
        claim_max_wait_seconds=0.2,
    )
    upgrade(settings_.resolved_database_url)
    with api_session(settings_) as api:
        api.submit(api.alice, qc_body("seed job"))
        yield api


def _headers(api: Api, path: str) -> dict[str, str]:
    if path.startswith("/api/v1/admin"):
        return api.admin
    if path.startswith("/api/v1/workers"):
        return api.worker
    return api.alice


def test_no_server_errors(fuzz_api: Api) -> None:
    """Every operation, with generated valid and invalid inputs, as the right kind of caller."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_api.app)
    calls: list[tuple[str, str, int]] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: Any) -> None:
            response = case.call(headers=_headers(fuzz_api, case.path))
            calls.append((case.method, case.path, response.status_code))
            assert response.status_code < 500, (case.method, case.path, response.text[:500])

        run()
    assert len(calls) >= 200, len(calls)
    assert len({(m, p) for m, p, _ in calls}) >= 25  # every operation was exercised


def test_schema_lists_the_contract(fuzz_api: Api, tmp_path: Path) -> None:
    paths = fuzz_api.client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}/results",
        "/api/v1/workers/jobs/claim",
        "/api/v1/workers/jobs/{job_id}/status",
        "/api/v1/workers/heartbeat",
        "/api/v1/workers/jobs/{job_id}/uploads",
        "/api/v1/workers/jobs/{job_id}/results",
        "/api/v1/admin/worker-tokens",
    ):
        assert path in paths
