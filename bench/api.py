"""The job API with 100,000 jobs on PostgreSQL: submissions/s, `GET /jobs` latency, server memory.

    .venv/bin/python bench/api.py [--jobs 100000] [--baseline-jobs 1000] [--explain]

For each table size (the baseline, 1,000 jobs, then 100,000) in a fresh, migrated database:
- the jobs are written with one `COPY` (not over HTTP): 60 users; `alice` owns half of them, the
  others share the rest; a mix of MD and QC, of states (most COMPLETED, some FAILED with a log
  tail, a few PENDING or RUNNING), created over the last year; then VACUUM ANALYZE, as
  autovacuum would soon do on its own;
- `molyte server --workers 2` starts on loopback; `alice` and an admin sign in;
- `GET /jobs` is timed from one client, request after request (after a warm-up): the default
  page, `state=FAILED`, a search `q=` (a word in 15 % of the names), an offset 40 %
  deep into the list, and the search filters of issue 16: by salt, by a rarer solvent, by salt
  and solvent, a temperature range, a result (density) range and a salt with a density range,
  each as `alice` and as the admin (the MD jobs vary salt, solvent mix, concentration and
  temperature; completed ones have a density and conductivity, completed QC ones an energy);
- `POST /jobs` is timed from 8 concurrent clients (one connection each) to get submissions/s;
- the resident memory (VmRSS) of every server process is sampled throughout; the peak is kept.
Targets: `GET /jobs` p99 < 100 ms and < 300 MiB per server process at 100,000 jobs. The
1,000-job run, same queries, same run, is the baseline that shows how the figures scale.
`--explain` also prints EXPLAIN ANALYZE of the repository's list and count queries.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Target,
    bench_database,
    number,
    percentile,
    rss_mib,
    server_process_pid,
    session_pids,
    table,
    targets_table,
)

JOBS = 100_000
BASELINE_JOBS = 1_000
USERS = 60
HEAVY_SHARE = 0.5  # alice's share of all jobs
REQUESTS = 120  # timed requests per query (after WARMUP)
WARMUP = 10
SUBMIT_CLIENTS = 8
SUBMISSIONS = 1_200
SERVER_WORKERS = 2
P99_TARGET_MS = 100.0
RSS_TARGET_MIB = 300.0
PASSWORD = "bench-pass-1"
SEARCH_WORD = "FEC"  # in 2 of the 8 solvent mixes, so in about 15 % of all names (`chemistry`)

STATES = (
    ("COMPLETED", 0.70), ("FAILED", 0.10), ("CANCELLED", 0.05), ("PENDING", 0.08),
    ("QUEUED", 0.03), ("RUNNING", 0.04),
)  # fmt: skip
SALTS = ("LiPF6", "LiTFSI", "LiFSI", "NaPF6", "LiBF4")
SOLVENT_MIXES = ("EC DMC", "EC EMC", "PC", "EC DEC", "DME DOL", "FEC DMC", "ACN", "EC DMC FEC")
MD_SPEC = {
    "salts": [{"name": "LiPF6", "concentration": 1.0}],
    "solvents": [{"name": "EC", "ratio": 1.0}, {"name": "DMC", "ratio": 1.0}],
    "ratio_type": "mole",
    "preset": "standard",
    "temperature": 298.15,
    "timestep": 1.0,
}
QC_SPEC = {
    "molecule": {"smiles": "O=C1OCCO1", "charge": 0, "multiplicity": 1},
    "task": "opt",
    "method": "B3LYP",
    "basis": "6-31G*",
    "engine": "pyscf",
}
LOG_TAIL = "Step Temp Press Density\n" + "  1000 298.1 1.0 1.21\n" * 40 + "ERROR: Lost atoms\n"


# --- seeding ---------------------------------------------------------------------------------


TEMPERATURES = (273.15, 298.15, 313.15, 333.15, 353.15)


@dataclass(frozen=True)
class Chemistry:
    """One seeded job's spec and the search keys submission would copy out of it."""

    name: str
    spec: dict[str, Any]
    salt: str | None = None
    solvents: tuple[str, ...] = ()
    molar: float | None = None
    temperature: float | None = None


def chemistry(rng: random.Random, job_type: str, i: int) -> Chemistry:
    if job_type == "MD":
        salt, mix = rng.choice(SALTS), rng.choice(SOLVENT_MIXES)
        molar, temperature = rng.choice((0.5, 1.0, 1.2, 2.0)), rng.choice(TEMPERATURES)
        spec = {
            **MD_SPEC,
            "salts": [{"name": salt, "concentration": molar}],
            "solvents": [{"name": s, "ratio": 1.0} for s in mix.split()],
            "temperature": temperature,
        }
        name = f"{salt} {molar}M {mix} run {i}"
        return Chemistry(name, spec, salt, tuple(mix.split()), molar, temperature)
    return Chemistry(f"{rng.choice(('EC', 'DMC', 'PF6', 'TFSI', 'FSI'))} B3LYP opt {i}", QC_SPEC)


def seed(db_url: str, n_jobs: int) -> dict[str, int]:
    """Users (admin and alice with real passwords) and `n_jobs` jobs with one COPY; returns
    the number of jobs each signed-in user sees."""
    from molyte.api.auth.security import hash_password

    rng = random.Random(20240)
    now = datetime.now(UTC)
    digest = hash_password(PASSWORD)
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        users = [("admin", "ADMIN"), ("alice", "USER")]
        users += [(f"user{k:02d}", "USER") for k in range(USERS - 2)]
        with cur.copy(
            "COPY users (username, password_hash, role, active, max_priority, created_at) "
            "FROM STDIN"
        ) as copy:
            for name, role in users:
                copy.write_row((name, digest, role, True, 5, now))
        cur.execute("SELECT username, id FROM users")
        ids: dict[str, int] = dict(cur.fetchall())
        others = [ids[name] for name, _ in users[2:]]
        states = [s for s, _ in STATES]
        weights = [w for _, w in STATES]
        alice_jobs = 0
        species: list[tuple[int, str, str]] = []
        with cur.copy(
            "COPY jobs (id, owner_id, type, name, spec, engine, state, priority, attempts, "
            "worker_name, scheduler_job_id, failure_reason, log_tail, summary, created_at, "
            "updated_at, finished_at, temperature, concentration, concentration_basis, method, "
            "basis, density, conductivity, energy_hartree, gap_ev, core_hours, storage_prefix) "
            "FROM STDIN"
        ) as copy:
            for i in range(n_jobs):
                owner = ids["alice"] if rng.random() < HEAVY_SHARE else rng.choice(others)
                alice_jobs += owner == ids["alice"]
                job_type = "MD" if rng.random() < 0.6 else "QC"
                state = rng.choices(states, weights)[0]
                created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
                finished = state in ("COMPLETED", "FAILED", "CANCELLED")
                started = state not in ("PENDING", "CANCELLED")
                chem = chemistry(rng, job_type, i)
                done = state == "COMPLETED"
                density = round(rng.uniform(1.0, 1.5), 4) if done and job_type == "MD" else None
                conductivity = round(rng.uniform(0.1, 1.5), 4) if density else None
                energy = round(rng.uniform(-700, -300), 4) if done and job_type == "QC" else None
                summary = {"density": {"mean": density}} if density else None
                species += [(i + 1, "salt", chem.salt)] if chem.salt else []
                species += [(i + 1, "solvent", name) for name in chem.solvents]
                copy.write_row(
                    (
                        i + 1,
                        owner,
                        job_type,
                        chem.name,
                        json.dumps(chem.spec),
                        "lammps" if job_type == "MD" else "pyscf",
                        state,
                        rng.choice((0, 0, 0, 5, -5)),
                        1 if started else 0,
                        "hpc-login-1" if started else None,
                        str(100000 + i) if started else None,
                        "LOST_ATOMS" if state == "FAILED" else None,
                        LOG_TAIL if state == "FAILED" else None,
                        json.dumps(summary or {"scf_energy_hartree": energy}) if done else None,
                        created,
                        created + timedelta(hours=2) if finished else created,
                        created + timedelta(hours=2) if finished else None,
                        chem.temperature,
                        chem.molar,
                        "solvent" if chem.molar is not None else None,
                        "B3LYP" if job_type == "QC" else None,
                        "6-31G*" if job_type == "QC" else None,
                        density,
                        conductivity,
                        energy,
                        round(rng.uniform(4, 10), 3) if energy else None,
                        round(rng.uniform(1, 64), 2) if done else None,
                        f"{rng.getrandbits(128):032x}",
                    )
                )
        cur.execute("SELECT setval(pg_get_serial_sequence('jobs', 'id'), %s)", (n_jobs,))
        with cur.copy("COPY job_species (job_id, kind, name) FROM STDIN") as copy:
            for row in species:
                copy.write_row(row)
    # Autovacuum would start on its own after such an insert (PostgreSQL 13+ vacuums after
    # inserts too) and race with the timings; doing it now gives the steady state, with the
    # visibility map set for index-only scans.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"alice": alice_jobs, "admin": n_jobs}


# --- measuring -------------------------------------------------------------------------------


class RssSampler:
    """Samples VmRSS of every process of the server's session in a thread; keeps each peak."""

    def __init__(self, leader: int) -> None:
        self.leader = leader
        self.first: dict[int, float] = {}
        self.peak: dict[int, float] = defaultdict(float)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)

    def sample(self) -> None:
        for pid in session_pids(self.leader):
            try:
                mib = rss_mib(pid)
            except OSError:
                continue  # the process ended between listing and reading
            self.first.setdefault(pid, mib)
            self.peak[pid] = max(self.peak[pid], mib)

    def by_role(self) -> dict[str, tuple[float, float]]:
        """(first sample, peak) in MiB per process, named by what the process is."""
        roles = {}
        workers = 0
        for pid in sorted(self.peak):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_text()
            except OSError:
                cmdline = ""
            if pid == self.leader:
                role = "supervisor (molyte server)"
            elif "resource_tracker" in cmdline:
                role = "multiprocessing resource tracker"
            else:
                workers += 1
                role = f"uvicorn worker {workers}"
            roles[role] = (self.first[pid], self.peak[pid])
        return roles

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.sample()


def login(url: str, username: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/login", data={"username": username, "password": PASSWORD}, timeout=60
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def queries(visible: int) -> list[tuple[str, dict[str, Any]]]:
    """The `GET /jobs` rows of the table, for a user who sees `visible` jobs."""
    return [
        ("default page (50 newest)", {}),
        ("state=FAILED", {"state": "FAILED"}),
        (f"q={SEARCH_WORD}", {"q": SEARCH_WORD}),
        ("offset 40 % deep", {"offset": int(visible * 0.4)}),
        ("salt=LiTFSI", {"salt": "LiTFSI"}),
        ("solvent=DOL", {"solvent": "DOL"}),
        ("salt=LiPF6, solvent=FEC", {"salt": "LiPF6", "solvent": "FEC"}),
        ("temperature 300-340 K", {"temperature_min": 300, "temperature_max": 340}),
        ("density 1.20-1.25 g/cm3", {"density_min": 1.2, "density_max": 1.25}),
        ("salt=LiFSI, density >= 1.4", {"salt": "LiFSI", "density_min": 1.4}),
    ]


def time_query(
    http: httpx.Client, headers: dict[str, str], params: dict[str, Any], requests: int
) -> tuple[list[float], int]:
    """WARMUP untimed, then `requests` timed `GET /jobs`; latencies in seconds and the total."""
    latencies = []
    total = -1
    for i in range(WARMUP + requests):
        start = time.perf_counter()
        r = http.get("/api/v1/jobs", params=params, headers=headers)
        elapsed = time.perf_counter() - start
        r.raise_for_status()
        body = r.json()
        total = int(body["total"])
        if i >= WARMUP:
            latencies.append(elapsed)
    return latencies, total


def submissions_per_second(url: str, headers: dict[str, str]) -> tuple[float, list[float]]:
    """SUBMISSIONS `POST /jobs` from SUBMIT_CLIENTS threads; jobs/s and each latency."""
    per_client = SUBMISSIONS // SUBMIT_CLIENTS
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(k: int) -> None:
        mine = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for i in range(per_client):
                body = {"type": "QC", "name": f"submitted {k} {i}", "spec": QC_SPEC}
                start = time.perf_counter()
                r = http.post("/api/v1/jobs", json=body)
                mine.append(time.perf_counter() - start)
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                    return
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(SUBMIT_CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"submission failed: {errors[0]}")
    return len(latencies) / elapsed, latencies


@dataclass
class SizeResult:
    jobs: int
    seed_seconds: float
    visible: dict[str, int]
    latencies: dict[tuple[str, str], list[float]]
    totals: dict[tuple[str, str], int]
    submit_rate: float
    submit_latencies: list[float]
    rss: dict[str, tuple[float, float]]  # process -> (after start-up, peak) MiB
    explain: str = ""


def measure(n_jobs: int, explain: bool, requests: int) -> SizeResult:
    with bench_database() as db_url, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        visible = seed(db_url, n_jobs)
        seed_seconds = time.perf_counter() - start
        plans = explain_queries(db_url) if explain else ""
        latencies: dict[tuple[str, str], list[float]] = {}
        totals: dict[tuple[str, str], int] = {}
        server = server_process_pid(db_url, Path(tmp), workers=SERVER_WORKERS)
        with server as (url, pid), RssSampler(pid) as rss:
            heads = {who: login(url, who) for who in ("alice", "admin")}
            with httpx.Client(base_url=url, timeout=60) as http:
                for who, headers in heads.items():
                    for name, params in queries(visible[who]):
                        lat, total = time_query(http, headers, params, requests)
                        latencies[(name, who)] = lat
                        totals[(name, who)] = total
            rate, submit_lat = submissions_per_second(url, heads["alice"])
            roles = rss.by_role()  # while the processes still exist
        for who in heads:  # the API must count what was seeded
            counted = totals[("default page (50 newest)", who)]
            if counted != visible[who]:
                raise RuntimeError(f"{who} sees {counted} jobs, {visible[who]} were seeded")
        return SizeResult(
            n_jobs, seed_seconds, visible, latencies, totals, rate, submit_lat, roles, plans
        )


def explain_queries(db_url: str) -> str:
    """EXPLAIN ANALYZE of the repository's own count and page statements (alice, admin)."""
    from sqlalchemy.dialects import postgresql

    from molyte.api.jobs.repository import JobFilters, list_statements

    out = []
    with psycopg.connect(db_url) as conn:
        alice = conn.execute("SELECT id FROM users WHERE username = 'alice'").fetchone()
        assert alice is not None
        cases: list[tuple[str, JobFilters]] = [
            ("alice, default page", JobFilters(owner_id=alice[0])),
            ("admin, default page", JobFilters()),
            ("alice, state=FAILED", JobFilters(owner_id=alice[0], state="FAILED")),
            ("admin, q", JobFilters(q=SEARCH_WORD)),
            ("alice, salt=LiTFSI", JobFilters(owner_id=alice[0], salt="LiTFSI")),
            ("admin, solvent=DOL", JobFilters(solvent="DOL")),
            (
                "alice, temperature 300-340",
                JobFilters(owner_id=alice[0], ranges=(("temperature", 300, 340),)),
            ),
            ("admin, density 1.20-1.25", JobFilters(ranges=(("density", 1.2, 1.25),))),
        ]
        for label, filters in cases:
            count, page = list_statements(filters, limit=50, offset=0)
            for what, stmt in (("count", count), ("page", page)):
                literal = {"literal_binds": True}
                dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
                sql = str(stmt.compile(dialect=dialect, compile_kwargs=literal))
                sql = sql.replace("%%", "%")  # the psycopg dialect escapes % for its paramstyle
                plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
                out += [f"-- {label}: {what}", *(row[0] for row in plan), ""]
    return "\n".join(out)


def report(results: list[SizeResult]) -> str:
    base, big = results[0], results[-1]
    rows = []
    for key in big.latencies:
        name, who = key
        cells: list[str] = [name, who]
        for res in results:
            lat = res.latencies[key]
            cells += [
                f"{res.totals[key]:,}",
                f"{percentile(lat, 0.5) * 1000:.1f}",
                f"{percentile(lat, 0.99) * 1000:.1f}",
            ]
        rows.append(cells)
    headers = ["query", "as"]
    for res in results:
        headers += [f"total ({res.jobs:,})", f"p50 ms ({res.jobs:,})", f"p99 ms ({res.jobs:,})"]
    worst = max(big.latencies.items(), key=lambda kv: percentile(kv[1], 0.99))
    submit_rows = [
        (
            f"{res.jobs:,}",
            SUBMIT_CLIENTS,
            len(res.submit_latencies),
            f"{res.submit_rate:,.0f}",
            f"{percentile(res.submit_latencies, 0.5) * 1000:.1f}",
            f"{percentile(res.submit_latencies, 0.99) * 1000:.1f}",
        )
        for res in results
    ]
    roles = sorted({r for res in results for r in res.rss})
    rss_rows = []
    for role in roles:
        cells = [role]
        for res in results:
            first, peak = res.rss.get(role, (float("nan"), float("nan")))
            cells += [number(first), number(peak)]
        rss_rows.append(cells)
    rss_headers = ["process"]
    for res in results:
        rss_headers += [f"at start ({res.jobs:,})", f"peak ({res.jobs:,})"]
    worst_rss = max(peak for _first, peak in big.rss.values())
    out = [
        f"## Job API on PostgreSQL: {big.jobs:,} jobs against a {base.jobs:,}-job baseline",
        "",
        f"`molyte server --workers {SERVER_WORKERS}`; jobs seeded with one COPY "
        f"({', '.join(f'{r.jobs:,} in {r.seed_seconds:.1f} s' for r in results)}); alice owns "
        f"{big.visible['alice']:,} of {big.jobs:,}. `GET /jobs`: {len(worst[1])} requests per row "
        f"from one client, one after another, after {WARMUP} untimed ones (default limit 50).",
        "",
        table(headers, rows),
        "",
        f"`POST /jobs` (QC), {SUBMIT_CLIENTS} concurrent clients:",
        "",
        table(["table size", "clients", "jobs", "jobs/s", "p50 ms", "p99 ms"], submit_rows),
        "",
        "Resident memory (VmRSS, MiB) of each server process: at the first sample after "
        "start-up, and the peak while serving all of the above (sampled every 0.2 s):",
        "",
        table(rss_headers, rss_rows),
        "",
        "### Targets",
        "",
        targets_table(
            [
                Target(
                    f"GET /jobs p99 at {big.jobs:,} jobs (slowest row: {worst[0][0]}, "
                    f"{worst[0][1]})",
                    percentile(worst[1], 0.99) * 1000,
                    P99_TARGET_MS,
                    "ms",
                ),
                Target(
                    f"server RSS, largest process, at {big.jobs:,} jobs",
                    worst_rss,
                    RSS_TARGET_MIB,
                    "MiB",
                ),
            ]
        ),
    ]
    if big.explain:
        out += ["", "EXPLAIN ANALYZE at the larger size:", "", "```", big.explain, "```"]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--baseline-jobs", type=int, default=BASELINE_JOBS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="timed, per row")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    args = parser.parse_args()
    sizes = (args.baseline_jobs, args.jobs)
    results = [measure(n, args.explain, args.requests) for n in sizes]
    print(report(results))


if __name__ == "__main__":
    main()
