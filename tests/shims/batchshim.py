"""Stand-ins for the PBS (`qsub`, `qstat`, `qdel`) and LSF (`bsub`, `bjobs`, `bkill`) clients,
so the real worker can run jobs end to end on a machine with neither scheduler.

They keep their jobs in `$MOLYTE_SHIM_STATE/jobs.json` (under a lock) and really run each
batch script: submitting starts a detached runner process that marks the job running, runs the
script with bash (its output to the `-o` file), enforces the time limit and records how the
job ended. Output follows the real commands closely enough for Molyte's parsers: `qstat -f -F
json -x` prints a `Jobs` object with `job_state`, `Exit_status` and the walltimes; `bjobs -json`
prints `RECORDS` with `JOBID`, `STAT`, `EXIT_CODE`, `EXIT_REASON`. Unknown ids get the real
messages ("Unknown Job Id", "Job <N> is not found").

`MOLYTE_SHIM_WALLTIME_SECONDS`, when set at submission, replaces the requested time limit (in
seconds): tests cannot wait a minute for the smallest limit PBS or LSF can express.

Standard library only; run by the executables next to this file.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

SERVER = "pbs-server.example"


def state_dir() -> Path:
    path = Path(os.environ["MOLYTE_SHIM_STATE"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def jobs() -> Iterator[dict[str, dict[str, Any]]]:
    """The job table, locked for the duration and written back after."""
    base = state_dir()
    with open(base / "jobs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = base / "jobs.json"
        table: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
        yield table
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(table, indent=1))
        tmp.replace(path)


def next_id(table: dict[str, dict[str, Any]]) -> str:
    return str(100 + len(table))


def hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def directives(script: str, prefix: str) -> list[str]:
    return [line[len(prefix) :].strip() for line in script.splitlines() if line.startswith(prefix)]


def time_limit(requested: float) -> float:
    override = os.environ.get("MOLYTE_SHIM_WALLTIME_SECONDS")
    return float(override) if override else requested


def start(kind: str, job_id: str, script: str, record: dict[str, Any]) -> None:
    """Spool the script, record the job queued and start its detached runner."""
    spool = state_dir() / f"{job_id}.sh"
    spool.write_text(script)
    record.update(id=job_id, kind=kind, script=str(spool), state="queued", submitted=time.time())
    with jobs() as table:
        table[job_id] = record
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "run", job_id],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )


def run(job_id: str) -> int:
    """The runner: run the script, enforce the limit, record the end."""
    time.sleep(0.5)  # long enough for a status call to see the job queued
    with jobs() as table:
        job = table[job_id]
        if job["state"] != "queued":  # deleted before it started
            return 0
        out = open(job["output"], "ab")  # noqa: SIM115 - closed below
        env = dict(os.environ)
        env["PBS_JOBID" if job["kind"] == "pbs" else "LSB_JOBID"] = (
            f"{job_id}.{SERVER}" if job["kind"] == "pbs" else job_id
        )
        child = subprocess.Popen(
            ["bash", job["script"]],
            cwd=job["cwd"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
        job.update(state="running", pgid=child.pid, runner=os.getpid(), started=time.time())
    timed_out = False
    try:
        status = child.wait(timeout=job["limit"])
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGKILL)
        status = child.wait()
    out.close()
    with jobs() as table:
        job = table[job_id]
        job.update(ended=time.time(), returncode=status, timed_out=timed_out)
        job["state"] = "cancelled" if job.get("cancelled") else "finished"
    return 0


# --- PBS ---------------------------------------------------------------------------------------


def qsub(args: list[str]) -> int:
    script_path = Path(args[-1])
    script = script_path.read_text()
    record: dict[str, Any] = {"cwd": str(script_path.parent), "limit": 3600.0, "name": "job"}
    for line in directives(script, "#PBS"):
        option, _, value = line.partition(" ")
        if option == "-o":
            record["output"] = value
        elif option == "-N":
            record["name"] = value
        elif option == "-l" and value.startswith("walltime="):
            h, m, s = (int(x) for x in value.split("=", 1)[1].split(":"))
            record["walltime"] = value.split("=", 1)[1]
            record["limit"] = time_limit(h * 3600 + m * 60 + s)
    record.setdefault("output", str(script_path.parent / f"{record['name']}.o"))
    with jobs() as table:
        job_id = next_id(table)
        table[job_id] = {"state": "reserved"}
    start("pbs", job_id, script, record)
    print(f"{job_id}.{SERVER}")
    return 0


def pbs_record(job: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    record: dict[str, Any] = {
        "Job_Name": job["name"],
        "Resource_List": {"walltime": job.get("walltime", "01:00:00")},
    }
    if job["state"] == "queued":
        record["job_state"] = "Q"
    elif job["state"] == "running":
        record["job_state"] = "R"
        record["resources_used"] = {"walltime": hms(now - job["started"])}
    else:
        record["job_state"] = "F"
        if "started" in job:
            record["resources_used"] = {"walltime": hms(job["ended"] - job["started"])}
            code = job["returncode"]
            if job["timed_out"]:
                record["Exit_status"] = -29  # JOB_EXEC_KILL_WALLTIME
            elif code < 0:
                record["Exit_status"] = 256 - code  # killed by signal -code
            else:
                record["Exit_status"] = code
    return record


def qstat(args: list[str]) -> int:
    ids = [a for a in args if re.match(r"^[0-9]+(\.|$)", a)]
    found: dict[str, Any] = {}
    errors = []
    with jobs() as table:
        for full in ids:
            job = table.get(full.split(".", 1)[0])
            if job is None or "kind" not in job:
                errors.append(f"qstat: Unknown Job Id {full}")
                continue
            found[f"{job['id']}.{SERVER}"] = pbs_record(job)
    if found or not errors:
        document = {"timestamp": int(time.time()), "pbs_version": "shim", "pbs_server": SERVER}
        document["Jobs"] = found
        print(json.dumps(document, indent=4))
    for line in errors:
        print(line, file=sys.stderr)
    return 153 if errors else 0


def qdel(args: list[str]) -> int:
    full = args[-1]
    with jobs() as table:
        job = table.get(full.split(".", 1)[0])
        if job is None or "kind" not in job:
            print(f"qdel: Unknown Job Id {full}", file=sys.stderr)
            return 35
        return kill(job, lambda: print(f"qdel: Job has finished {full}", file=sys.stderr))


def kill(job: dict[str, Any], finished: Any) -> int:
    """Delete a queued job, signal a running one; a finished one is an error, as for real."""
    if job["state"] == "queued":
        job.update(state="cancelled", cancelled=True, ended=time.time())
        return 0
    if job["state"] == "running":
        job["cancelled"] = True
        with suppress(ProcessLookupError):
            os.killpg(job["pgid"], signal.SIGTERM)
        return 0
    finished()
    return 35


# --- LSF ---------------------------------------------------------------------------------------


def bsub(args: list[str]) -> int:
    script = sys.stdin.read()
    record: dict[str, Any] = {"cwd": os.getcwd(), "limit": 3600.0, "name": "job"}
    for line in directives(script, "#BSUB"):
        option, _, value = line.partition(" ")
        if option == "-cwd":
            record["cwd"] = value
        elif option == "-o":
            record["output"] = value
        elif option == "-J":
            record["name"] = value
        elif option == "-W":
            record["limit"] = time_limit(int(value) * 60)
    with jobs() as table:
        job_id = next_id(table)
        table[job_id] = {"state": "reserved"}
    record["output"] = record.get("output", f"{record['cwd']}/lsf.out").replace("%J", job_id)
    start("lsf", job_id, script, record)
    print(f"Job <{job_id}> is submitted to queue <normal>.")
    return 0


def lsf_record(job: dict[str, Any]) -> dict[str, Any]:
    record = {"JOBID": job["id"], "STAT": "", "EXIT_CODE": "", "EXIT_REASON": ""}
    if job["state"] == "queued":
        record["STAT"] = "PEND"
    elif job["state"] == "running":
        record["STAT"] = "RUN"
    elif job["state"] == "finished" and job["returncode"] == 0:
        record["STAT"] = "DONE"
    else:
        record["STAT"] = "EXIT"
        code = job.get("returncode")
        if code is not None:
            record["EXIT_CODE"] = str(128 - code if code < 0 else code)
        if job.get("timed_out"):
            record["EXIT_REASON"] = "TERM_RUNLIMIT: job killed after reaching LSF run time limit"
        elif job.get("cancelled"):
            record["EXIT_REASON"] = "TERM_OWNER: job killed by owner"
    return record


def bjobs(args: list[str]) -> int:
    ids = [a for a in args if a.isdigit()]
    records = []
    with jobs() as table:
        for job_id in ids:
            job = table.get(job_id)
            if job is None or "kind" not in job:
                records.append({"JOBID": job_id, "ERROR": f"Job <{job_id}> is not found"})
            else:
                records.append(lsf_record(job))
    print(json.dumps({"COMMAND": "bjobs", "JOBS": len(records), "RECORDS": records}, indent=2))
    return 0


def bkill(args: list[str]) -> int:
    job_id = args[-1]
    with jobs() as table:
        job = table.get(job_id)
        if job is None or "kind" not in job:
            print(f"Job <{job_id}> is not found", file=sys.stderr)
            return 255
        status = kill(
            job, lambda: print(f"Job <{job_id}>: Job has already finished", file=sys.stderr)
        )
    if status == 0:
        print(f"Job <{job_id}> is being terminated")
    return 255 if status else 0


COMMANDS = {
    "qsub": qsub,
    "qstat": qstat,
    "qdel": qdel,
    "bsub": bsub,
    "bjobs": bjobs,
    "bkill": bkill,
}


def main(command: str, args: list[str]) -> int:
    """Run one shim command with its arguments."""
    return COMMANDS[command](args)


def cleanup(state: Path) -> None:
    """Kill what is still running (tests call this when they end)."""
    path = state / "jobs.json"
    if not path.exists():
        return
    for job in json.loads(path.read_text()).values():
        for key in ("pgid",):
            if job.get("state") == "running" and key in job:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(job[key], signal.SIGKILL)


if __name__ == "__main__" and sys.argv[1:2] == ["run"]:
    sys.exit(run(sys.argv[2]))
