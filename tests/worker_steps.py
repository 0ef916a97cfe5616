"""Drive leased jobs through the real worker protocol endpoints: QUEUED, RUNNING, an uploaded
result file, registered results with a summary, POSTPROCESSING, COMPLETED."""

from __future__ import annotations

import hashlib
from typing import Any

from support import Api


def lease_all(api: Api) -> dict[int, dict[str, Any]]:
    """Claim every claimable job; `{job id: leased job}`."""
    leased: dict[int, dict[str, Any]] = {}
    while batch := api.claim(limit=50):
        leased.update({j["id"]: j for j in batch})
    return leased


def complete(
    api: Api, leased: dict[str, Any], summary: dict[str, Any], *, file: bytes | None = None
) -> None:
    """Run one leased job to COMPLETED, registering `summary` (and `file` as `out.txt`)."""
    job_id = leased["id"]
    assert api.status(leased, "QUEUED", scheduler_job_id=f"90{job_id}").status_code == 200
    assert api.status(leased, "RUNNING").status_code == 200
    files = []
    if file is not None:
        entry = {"name": "out.txt", "size": len(file), "sha256": hashlib.sha256(file).hexdigest()}
        r = api.client.post(
            f"/api/v1/workers/jobs/{job_id}/uploads",
            json={"lease_token": leased["lease_token"], **entry},
            headers=api.worker,
        )
        assert r.status_code == 200, r.text
        put = api.client.put(r.json()["url"], content=file, headers=r.json().get("headers") or {})
        assert put.status_code in (200, 201, 204), put.text
        files.append(entry)
    r = api.client.post(
        f"/api/v1/workers/jobs/{job_id}/results",
        json={"lease_token": leased["lease_token"], "files": files, "summary": summary},
        headers=api.worker,
    )
    assert r.status_code == 200, r.text
    assert api.status(leased, "POSTPROCESSING").status_code == 200
    assert api.status(leased, "COMPLETED").status_code == 200


def md_summary(
    density: float, conductivity: float, core_hours: float | None = None
) -> dict[str, Any]:
    """An MD summary in the analysis's schema (molyte.engines.md.analyze), values given."""
    summary: dict[str, Any] = {
        "engine": "lammps",
        "density": {"mean": density, "std": 0.01, "unit": "g/cm^3"},
        "conductivity": {"value": conductivity, "unit": "S/m", "method": "Nernst-Einstein"},
        "diffusion": [
            {"species": "Li", "D": 1.5e-6, "unit": "cm^2/s"},
            {"species": "PF6", "D": 2.5e-6, "unit": "cm^2/s"},
        ],
        "transference_number": 0.375,
        "rdf": [{"pair": "Li-O(EC)", "coordination": 4.25, "unit": "A"}],
    }
    if core_hours is not None:
        summary["provenance"] = {
            "engine_version": "LAMMPS 22 Jul 2025",
            "host": "node-placeholder",
            "core_hours": core_hours,
        }
    return summary
