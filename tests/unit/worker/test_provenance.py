"""The worker's provenance: engine versions parsed from real captured output, the batch
script's run record, the force-field hash."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from molyte.domain.resources import Resources
from molyte.schedulers.base import BatchJob
from molyte.schedulers.script import render_body
from molyte.worker import provenance

DATA = Path(__file__).resolve().parents[2] / "data"


def test_engine_versions_from_captured_output() -> None:
    assert provenance.lammps_version((DATA / "md" / "log_ok.lammps").read_text()) == (
        "22 Jul 2025 - Update 4"
    )
    log = (DATA / "gaussian" / "water_hf_solvent_pcm.log").read_text()
    assert provenance.gaussian_version(log) == "Gaussian 16 Revision C.01"
    out = (DATA / "gaussian" / "dvb_sp.out").read_text()
    assert provenance.gaussian_version(out) == "Gaussian 16 Revision A.03"
    xtb = (DATA / "qc" / "xtb_ec_ohess" / "xtb.out").read_text()
    assert provenance.xtb_version(xtb) == "6.5.1"
    assert provenance.lammps_version("no banner") is None


def test_run_record_written_by_the_batch_body_gives_core_hours(tmp_path: Path) -> None:
    job = BatchJob(
        job_id=3,
        workdir=tmp_path,
        commands=[["true"]],
        resources=Resources(tasks=2, cpus_per_task=3, memory_mb=100, walltime_minutes=1),
    )
    script = "\n".join(render_body(job)) + "\n"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    record = provenance.parse_run_record((tmp_path / "molyte-run").read_text())
    assert record.cpus == 6 and record.host
    assert record.started is not None and record.finished is not None
    assert record.finished >= record.started
    (tmp_path / "molyte-run").write_text("start 1767225600 node7 6\nend 1767229200\n")
    (tmp_path / "log.lammps").write_text("LAMMPS (22 Jul 2025)\n")
    (tmp_path / "system.json").write_text(
        json.dumps({"species": [{"forcefield": "opls"}, {"forcefield": "gaff2"}]})
    )
    (tmp_path / "system.data").write_text("coefficients\n")
    got = provenance.collect(tmp_path, "lammps", "991")
    assert got["core_hours"] == 6.0 and got["host"] == "node7" and got["cpus"] == 6
    assert got["started_at"] == "2026-01-01T00:00:00+00:00"
    assert got["engine_version"] == "22 Jul 2025" and got["scheduler_job_id"] == "991"
    assert got["forcefield"]["sources"] == ["gaff2", "opls"]
    first = got["forcefield"]["sha256"]
    (tmp_path / "system.data").write_text("other coefficients\n")
    assert provenance.collect(tmp_path, "lammps", "991")["forcefield"]["sha256"] != first


def test_a_garbled_or_missing_record_gives_no_core_hours(tmp_path: Path) -> None:
    assert provenance.parse_run_record("start x y z\nend\n").started is None
    got = provenance.collect(tmp_path, "xtb", None)
    assert got["core_hours"] is None and got["engine_version"] is None
