"""Claim throughput and pickup latency over HTTP on PostgreSQL.

    .venv/bin/python bench/claims.py

Throughput: N PENDING jobs, K claimer threads each looping `POST /workers/jobs/claim` with
`limit` 1 or 25 until the queue is empty; jobs/s = N / wall time.
Pickup: one worker long-polls (`wait_seconds=30`) while jobs are submitted one at a time at
random intervals; latency = claim answer - submission sent. The baseline is the 30-second
polling design, evaluated on the same submission times (a poller at a random phase picks a job
up at its next poll).
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    bench_database,
    insert_jobs,
    make_accounts,
    percentile,
    server_process,
    table,
)

JOBS = 4000
POLL_BASELINE_SECONDS = 30.0


def throughput(url: str, token: str, claimers: int, per_claim: int) -> float:
    lock = threading.Lock()
    claimed: list[int] = []

    def claimer() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            while True:
                r = http.post(
                    "/api/v1/workers/jobs/claim", json={"job_types": ["QC"], "limit": per_claim}
                )
                r.raise_for_status()
                got = len(r.json())
                if not got:
                    return
                with lock:
                    claimed.append(got)

    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return sum(claimed) / elapsed


def pickup(url: str, token: str, password: str, samples: int = 60) -> list[float]:
    latencies: list[float] = []
    sent: dict[int, float] = {}
    stop = threading.Event()

    def long_poller() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            while not stop.is_set():
                r = http.post(
                    "/api/v1/workers/jobs/claim",
                    json={"job_types": ["QC"], "limit": 1, "wait_seconds": 30},
                )
                now = time.perf_counter()
                for job in r.json():
                    latencies.append(now - sent[job["name"]])

    poller = threading.Thread(target=long_poller)
    poller.start()
    with httpx.Client(base_url=url, timeout=60) as http:
        login = http.post("/api/v1/auth/login", data={"username": "bench", "password": password})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        body = {
            "type": "QC",
            "name": "",
            "spec": {
                "molecule": {"smiles": "O"},
                "task": "sp",
                "method": "HF",
                "basis": "STO-3G",
                "engine": "pyscf",
            },
        }
        time.sleep(0.5)
        for i in range(samples):
            time.sleep(random.uniform(0.05, 0.25))
            body["name"] = f"pickup {i}"
            sent[i] = 0.0
            t0 = time.perf_counter()
            sent[f"pickup {i}"] = t0  # type: ignore[index]
            http.post("/api/v1/jobs", json=body, headers=auth).raise_for_status()
        deadline = time.monotonic() + 10
        while len(latencies) < samples and time.monotonic() < deadline:
            time.sleep(0.05)
    stop.set()
    with httpx.Client(base_url=url, timeout=60) as http:  # wake the poller so it can stop
        http.post("/api/v1/jobs", json={**body, "name": "wake"}, headers=auth)
    poller.join(timeout=40)
    return latencies[:samples]


def polling_baseline(samples: int) -> list[float]:
    phase = random.uniform(0, POLL_BASELINE_SECONDS)
    arrivals = [random.uniform(0, 600) for _ in range(samples)]
    return [(phase - a) % POLL_BASELINE_SECONDS for a in arrivals]


def run() -> str:
    rows = []
    with bench_database() as db_url, tempfile.TemporaryDirectory() as tmp:
        password, token = make_accounts(db_url)
        with server_process(db_url, Path(tmp)) as url:
            for claimers, per_claim in ((1, 1), (10, 1), (1, 25), (10, 25)):
                insert_jobs(db_url, JOBS)
                rate = throughput(url, token, claimers, per_claim)
                rows.append((claimers, per_claim, JOBS, f"{rate:,.0f}"))
            lat = pickup(url, token, password)
    base = polling_baseline(len(lat))
    out = [
        "## Claims (PostgreSQL, HTTP, one server process)",
        "",
        table(["claimers", "jobs per claim", "jobs", "jobs/s"], rows),
        "",
        "## Pickup latency",
        "",
        table(
            ["design", "samples", "p50 (ms)", "p95 (ms)", "p99 (ms)"],
            [
                (
                    "long poll (measured)",
                    len(lat),
                    f"{percentile(lat, 0.5) * 1000:.1f}",
                    f"{percentile(lat, 0.95) * 1000:.1f}",
                    f"{percentile(lat, 0.99) * 1000:.1f}",
                ),
                (
                    "30 s polling (baseline, same arrivals)",
                    len(base),
                    f"{percentile(base, 0.5) * 1000:.0f}",
                    f"{percentile(base, 0.95) * 1000:.0f}",
                    f"{percentile(base, 0.99) * 1000:.0f}",
                ),
            ],
        ),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run())
