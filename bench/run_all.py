"""`make bench`: run every benchmark under bench/ and write docs/benchmarks.md from their output.

    .venv/bin/python bench/run_all.py [--only api worker ...] [--output docs/benchmarks.md]

Each benchmark prints Markdown with its own baseline measured in the same run, and a table of
its targets (`common.targets_table`); this runner runs them one after another, each within a
time budget, and adds the machine, the commands, the times and a summary of every target. It
never edits a figure. One benchmark prints no target table of its own (transfer): its target is
read here from the figure it prints (`derived_targets`).

Budget: `make bench` must finish in about half an hour on the project's 2-core machine, venv
included (md_analysis alone runs MDAnalysis for about six minutes on the full 2,000-frame
trajectory the target names), so the whole run gets TOTAL_BUDGET seconds and each benchmark the
smaller of its own budget and what is left; one that overruns is interrupted (SIGINT, so its
servers and databases are cleaned up) and the report says so. md_validation runs shortened
here (see BENCHES); alone it runs at full length.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PG_ADMIN_URL, TARGET_HEADERS, Target, percentile, psycopg, table

ROOT = Path(__file__).resolve().parents[1]
# Seconds for all benchmarks: on a fresh clone `make bench` first creates the venv (about 3
# minutes here), and the whole must stay near half an hour.
TOTAL_BUDGET = 27 * 60
INTERRUPT_GRACE = 60  # seconds a benchmark gets to clean up after SIGINT
COMMAND = "make bench"
RAW_DIR = ROOT / ".bench" / "run_all"  # each benchmark's output as it finishes
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class Bench:
    key: str
    title: str
    argv: tuple[str, ...]
    budget: float  # seconds
    note: str = ""


BENCHES = (
    Bench("claims", "Claims and pickup latency", ("bench/claims.py",), 240),
    Bench("transfer", "Result upload throughput", ("bench/transfer.py",), 180),
    Bench("api", "Job API at 100,000 jobs", ("bench/api.py",), 300),
    Bench("worker", "Worker with 1,000 tracked jobs", ("bench/worker.py",), 300),
    Bench("md_perf", "MD build time and LAMMPS speed", ("bench/md_perf.py",), 240),
    Bench(
        "md_analysis", "MD analysis at 15,000 atoms x 2,000 frames", ("bench/md_analysis.py",), 600
    ),
    Bench(
        "md_validation",
        "MD validation against experiment (shortened)",
        ("bench/md_validation.py", "--short"),
        480,
        "Shortened to fit `make bench`: boxes of about 300 atoms, 3 ps of NPT (and 2 ps of NVT "
        "for the electrolytes) per system, so densities are taken from boxes still settling "
        "from their packing density and conductivities from a few ps: the table shows that "
        "every library liquid and the three standard electrolytes build, run and are "
        "analysed, not how good the force fields are (`python bench/md_validation.py`: boxes "
        "of 3,000 atoms, 200 ps NPT, 1 ns NVT). It replaces md_density here (same solvents and "
        "more); `python bench/md_density.py` still runs alone.",
    ),
)


# --- the machine ------------------------------------------------------------------------------


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    kib = int(Path("/proc/meminfo").read_text().split()[1])
    return kib / 1024 / 1024


def os_name() -> str:
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    return f"{platform.system()} {platform.release()}"


def postgres_version() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(psycopg(PG_ADMIN_URL))
    try:
        with engine.connect() as conn:
            return str(conn.scalar(text("SHOW server_version")))
    except Exception as exc:  # the report still says what it could not learn
        return f"unknown ({exc.__class__.__name__})"
    finally:
        engine.dispose()


def lammps_version() -> str:
    lmp = Path(sys.executable).with_name("lmp")
    try:
        out = subprocess.run([str(lmp), "-h"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    match = re.search(r"Large-scale Atomic/Molecular Massively Parallel Simulator - (.+)", out)
    return match.group(1).strip() if match else "unknown"


def machine() -> list[tuple[str, str]]:
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory_gib():.0f} GiB"),
        ("OS", os_name()),
        ("Python", platform.python_version()),
        ("PostgreSQL", postgres_version()),
        ("LAMMPS", lammps_version()),
    ]


def load_average() -> float:
    return os.getloadavg()[0]


# --- reading the benchmarks' Markdown ---------------------------------------------------------


def demote_headings(markdown: str) -> str:
    """Every heading one level down (outside code blocks), to nest under the runner's."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(out)


def parse_tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every Markdown table: its header cells and its rows of cells."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    block: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if len(block) >= 2 and set(block[1]) <= set("|-: "):
            cells = [
                [c.strip().replace("\\|", "|") for c in UNESCAPED_PIPE.split(row.strip()[1:-1])]
                for row in block
            ]
            tables.append((cells[0], cells[2:]))
        block = []
    return tables


def target_rows(markdown: str) -> list[list[str]]:
    """The rows of every targets table a benchmark printed."""
    return [
        row
        for headers, rows in parse_tables(markdown)
        if tuple(headers) == TARGET_HEADERS
        for row in rows
    ]


def transfer_targets(markdown: str) -> list[Target]:
    """The ratio transfer.py prints with its own target."""
    match = re.search(r"throughput ratio[^*]*\*\*([\d.]+)\*\*.*?target of ([\d.]+)", markdown)
    if match is None:
        return []
    ratio, limit = float(match.group(1)), float(match.group(2))
    return [Target("worker/boto3 upload throughput ratio", ratio, limit, "", compare=">=")]


DERIVED: dict[str, Callable[[str], list[Target]]] = {
    "transfer": transfer_targets,
}


def derived_targets(key: str, markdown: str) -> list[list[str]]:
    return [list(t.row) for t in DERIVED[key](markdown)] if key in DERIVED else []


# --- running -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    bench: Bench
    status: str  # ok, failed, stopped, skipped
    seconds: float = 0.0
    budget: float = 0.0
    stdout: str = ""
    stderr: str = ""
    load: tuple[float, float] = (0.0, 0.0)
    targets: list[list[str]] = field(default_factory=list)  # its own and the derived ones
    derived: list[list[str]] = field(default_factory=list)


def run_bench(bench: Bench, budget: float) -> Outcome:
    """One benchmark in its own process, interrupted (SIGINT) when it overruns `budget`."""
    if budget <= 0:
        return Outcome(bench, "skipped", budget=budget)
    load_before = load_average()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, *bench.argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    status = "ok"
    try:
        stdout, stderr = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        status = "stopped"
        proc.send_signal(signal.SIGINT)  # KeyboardInterrupt: its `finally` blocks clean up
        try:
            stdout, stderr = proc.communicate(timeout=INTERRUPT_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    seconds = time.monotonic() - started
    if status == "ok" and proc.returncode != 0:
        status = "failed"
    outcome = Outcome(bench, status, seconds, budget, stdout, stderr, (load_before, load_average()))
    if status == "ok":
        outcome.derived = derived_targets(bench.key, stdout)
        outcome.targets = target_rows(stdout) + outcome.derived
    return outcome


# --- the report ------------------------------------------------------------------------------


def command_line(bench: Bench) -> str:
    return "python " + " ".join(bench.argv)


def render(
    outcomes: Sequence[Outcome], facts: list[tuple[str, str]], started: datetime, total: float
) -> str:
    """docs/benchmarks.md."""
    summary = [[o.bench.title, *row] for o in outcomes for row in o.targets]
    for o in outcomes:
        if o.status != "ok":
            summary.append([o.bench.title, "(the benchmark did not finish)", "", "", o.status])
    met = sum(1 for row in summary if row[-1] == "met")
    loads = [x for o in outcomes if o.status != "skipped" for x in o.load]
    out = [
        "# Benchmarks",
        "",
        f"Written by `{COMMAND}` (which runs `python bench/run_all.py`) on "
        f"{started:%Y-%m-%d %H:%M} UTC in {total / 60:.1f} minutes. Every figure below is "
        "printed by the benchmark itself and compared with a baseline measured in the same "
        "run; the runner adds only the machine, the commands, the times and the summary.",
        "",
        table(["machine", ""], facts),
        "",
        "The machine is shared (other jobs ran alongside: the 1-minute load average was "
        f"{min(loads, default=0):.1f} to {max(loads, default=0):.1f} on 2 cores during the "
        "run, median "
        f"{percentile(loads, 0.5) if loads else 0:.1f}): wall-clock figures are noisy, the "
        "tail latencies most. Read them as of this run, not as constants.",
        "",
        f"## Summary: {met} of {len(summary)} targets met",
        "",
        table(["benchmark", *TARGET_HEADERS], summary) if summary else "(no targets)",
        "",
    ]
    for o in outcomes:
        out += [
            f"## {o.bench.title}",
            "",
            f"Command: `{command_line(o.bench)}`; took {o.seconds:.0f} s of a "
            f"{o.budget:.0f} s budget; load average {o.load[0]:.1f} before, "
            f"{o.load[1]:.1f} after.",
            "",
        ]
        if o.bench.note:
            out += [o.bench.note, ""]
        if o.status == "ok":
            out += [demote_headings(o.stdout.strip()), ""]
            if o.derived:
                out += [
                    "#### Targets (read by the runner from the figures above)",
                    "",
                    table(TARGET_HEADERS, o.derived),
                    "",
                ]
        elif o.status == "skipped":
            out += ["Not run: the total budget was used up.", ""]
        else:
            what = "Stopped at its budget" if o.status == "stopped" else "Failed"
            out += [f"{what}. Its last output:", "", "```", o.stderr[-3000:].strip(), "```", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=[b.key for b in BENCHES], default=None)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if args.only is None or b.key in args.only]
    started_at = datetime.now(UTC)
    started = time.monotonic()
    facts = machine()
    outcomes = []
    for bench in chosen:
        left = TOTAL_BUDGET - (time.monotonic() - started)
        outcome = run_bench(bench, min(bench.budget, left))
        outcomes.append(outcome)
        RAW_DIR.mkdir(parents=True, exist_ok=True)
        (RAW_DIR / f"{bench.key}.md").write_text(outcome.stdout + "\n" + outcome.stderr)
        print(f"{bench.key}: {outcome.status} in {outcome.seconds:.0f} s", file=sys.stderr)
    total = time.monotonic() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(outcomes, facts, started_at, total) + "\n")
    print(f"wrote {args.output} in {total:.0f} s", file=sys.stderr)
    return 0 if all(o.status == "ok" for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
