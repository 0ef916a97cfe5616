"""`make bench`: run every benchmark under bench/ and write docs/benchmarks.md from their output.

Each benchmark prints Markdown with its own baseline measured in the same run; this runner
adds the machine and the command, and never edits figures by hand.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = [
    ("Claims and pickup latency", ["bench/claims.py"]),
    ("Result upload throughput", ["bench/transfer.py"]),
    ("MD density validation", ["bench/md_density.py", "--ps", "100"]),
]


def machine() -> str:
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB memory"
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{mem}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    sections = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python bench/run_all.py`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}. "
        "Each figure is compared with its baseline from the same run. "
        "The machines are shared: read the figures as of this run, not as constants.",
        "",
    ]
    status = 0
    for title, args in BENCHES:
        script = ROOT / args[0]
        if not script.exists():
            continue
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800
        )
        took = time.monotonic() - started
        sections += [f"## {title}", "", f"Command: `python {' '.join(args)}` ({took:.0f} s)", ""]
        if proc.returncode != 0:
            status = 1
            sections += ["Failed:", "", "```", proc.stderr[-3000:], "```", ""]
        else:
            body = proc.stdout.strip().replace("\n## ", "\n### ")
            sections += [body.replace("## ", "### ", 1) if body.startswith("## ") else body, ""]
        print(f"{title}: {took:.0f} s", file=sys.stderr)
    out = ROOT / "docs" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(sections))
    print(out.read_text())
    return status


if __name__ == "__main__":
    raise SystemExit(main())
