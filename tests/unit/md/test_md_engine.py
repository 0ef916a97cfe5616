"""MDEngine: run plans, continuation and collect (no LAMMPS run here; see integration/md)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer import Typer
from typer.testing import CliRunner

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobType
from molyte.engines.base import Engine, EngineContext
from molyte.engines.md import MDEngine
from molyte.engines.md.cli import md_app
from molyte.errors import InvalidInput
from molyte.programs import find_program

DATA = Path(__file__).parents[2] / "data" / "md"
EXAMPLE = Path(__file__).parents[3] / "examples" / "md-job.json"
CTX = EngineContext(python=sys.executable, lammps_bin="lmp", mpirun="mpirun")
needs_packmol = pytest.mark.skipif(
    find_program("packmol", beside_python=True) is None, reason="packmol not installed"
)


def small_spec(tasks: int = 1) -> dict[str, object]:
    spec: dict[str, object] = json.loads(EXAMPLE.read_text())["spec"]
    spec["salt_pairs"] = 2
    spec["resources"] = {"tasks": tasks, "walltime_minutes": 10}
    return spec


def test_engine_satisfies_the_protocol() -> None:
    engine: Engine = MDEngine()
    assert engine.name == "lammps" and engine.job_type is JobType.MD
    missing = EngineContext(python=sys.executable, lammps_bin="/nonexistent/lmp")
    assert not engine.available(missing)


@needs_packmol
def test_prepare_serial_and_mpi_plans(tmp_path: Path) -> None:
    engine = MDEngine()
    plan = engine.prepare(small_spec(), tmp_path / "serial", CTX)
    assert plan.commands[0] == ["lmp", "-in", "in.lammps", "-log", "log.lammps"]
    assert plan.commands[1] == [sys.executable, "-m", "molyte.engines.md.analyze", "."]
    assert plan.env["OMPI_ALLOW_RUN_AS_ROOT"] == "1"
    assert plan.env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] == "1"
    assert "system.data" in plan.files and "in.lammps" in plan.files
    assert plan.resources.walltime_minutes == 10
    mpi = engine.prepare(small_spec(tasks=4), tmp_path / "mpi", CTX)
    assert mpi.commands[0][:4] == ["mpirun", "-np", "4", "lmp"]
    assert mpi.commands[0][4:] == ["-in", "in.lammps", "-log", "log.lammps"]
    assert mpi.resources.tasks == 4


def test_prepare_refuses_a_bad_spec(tmp_path: Path) -> None:
    spec = small_spec()
    spec["salts"] = [{"name": "KPF6", "concentration": 1.0}]
    with pytest.raises(InvalidInput, match="unknown salt"):
        MDEngine().prepare(spec, tmp_path, CTX)


@needs_packmol
def test_continue_from_the_newest_restart(tmp_path: Path) -> None:
    engine = MDEngine()
    engine.prepare(small_spec(), tmp_path, CTX)
    shutil.copy(DATA / "log_timeout.lammps", tmp_path / "log.lammps")
    shutil.copy(DATA / "restart_step1500.lammps", tmp_path / "restart.b.lammps")
    result = engine.collect(tmp_path)
    assert result.failure_reason is FailureReason.TIMEOUT
    plan = engine.prepare_continue(tmp_path, CTX)
    assert plan.commands[0] == ["lmp", "-in", "in.continue.lammps", "-log", "log.1.lammps"]
    text = (tmp_path / "in.continue.lammps").read_text()
    assert "read_restart    restart.b.lammps" in text and "read_data" not in text
    # Step 1500 is in the second half of the fast preset's 2 ps compress stage (a tenth of its
    # 20 ps NPT), where the squeezed box is held: its rest runs NVT at the restart's volume
    # without squeezing again, then NPT runs.
    assert "deform" not in text
    compress = text.index('"MOLYTE_STAGE compress"')
    assert compress < text.index("run             2000 upto") < text.index('"MOLYTE_STAGE npt"')
    assert "run             22000 upto" in text  # the end of the fast preset's NPT stage


@needs_packmol
def test_continue_skips_a_restart_file_cut_while_written(tmp_path: Path) -> None:
    engine = MDEngine()
    engine.prepare(small_spec(), tmp_path, CTX)
    shutil.copy(DATA / "restart_step1500.lammps", tmp_path / "restart.a.lammps")
    whole = (DATA / "restart_step1500.lammps").read_bytes()
    (tmp_path / "restart.b.lammps").write_bytes(whole[: len(whole) // 2])  # same header
    engine.prepare_continue(tmp_path, CTX)
    assert "read_restart    restart.a.lammps" in (tmp_path / "in.continue.lammps").read_text()


def test_continue_without_restart_is_refused(tmp_path: Path) -> None:
    (tmp_path / "system.json").write_text("{}")
    with pytest.raises(InvalidInput, match="no restart file"):
        MDEngine().prepare_continue(tmp_path, CTX)


@pytest.mark.parametrize(
    ("log", "reason"),
    [
        ("log_lost_atoms.lammps", FailureReason.LOST_ATOMS),
        ("log_out_of_range.lammps", FailureReason.OUT_OF_RANGE),
        ("log_timeout.lammps", FailureReason.TIMEOUT),
    ],
)
def test_collect_names_the_failure(tmp_path: Path, log: str, reason: FailureReason) -> None:
    shutil.copy(DATA / log, tmp_path / "log.lammps")
    result = MDEngine().collect(tmp_path)
    assert result.failure_reason is reason and not result.ok
    assert result.summary["failure"]["reason"] == reason
    assert tmp_path / "log.lammps" in result.files


def test_collect_without_summary_is_analysis_failed(tmp_path: Path) -> None:
    shutil.copy(DATA / "log_ok.lammps", tmp_path / "log.lammps")
    (tmp_path / "analysis_error.txt").write_text("Traceback ...\nKeyError: 'species'\n")
    result = MDEngine().collect(tmp_path)
    assert result.failure_reason is FailureReason.ANALYSIS_FAILED
    assert result.message == "KeyError: 'species'"


def test_collect_a_finished_run(tmp_path: Path) -> None:
    shutil.copy(DATA / "log_ok.lammps", tmp_path / "log.lammps")
    (tmp_path / "summary.json").write_text(json.dumps({"engine": "lammps", "density": {}}))
    (tmp_path / "rdf_Li_O_EC.csv").write_text("r,g,cn\n")
    result = MDEngine().collect(tmp_path)
    assert result.ok and result.summary["engine"] == "lammps"
    names = {p.name for p in result.files}
    assert {"summary.json", "rdf_Li_O_EC.csv", "log.lammps"} <= names


def cli() -> Typer:
    app = Typer()
    app.add_typer(md_app, name="md")
    return app


@needs_packmol
def test_cli_build_writes_inputs(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["md", "build", str(EXAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "system.data").is_file() and (tmp_path / "in.lammps").is_file()
    assert not (tmp_path / "log.lammps").exists()


def test_cli_build_refuses_a_bad_spec(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"salts": [{"name": "LiPF6", "concentration": 1}],
                               "solvents": [{"smiles": "C1CC"}]}))  # fmt: skip
    result = CliRunner().invoke(cli(), ["md", "build", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "solvents.0.smiles" in result.output and "RDKit cannot parse" in result.output
    assert not (tmp_path / "o" / "system.data").exists()


def test_cli_preview_prints_counts() -> None:
    result = CliRunner().invoke(cli(), ["md", "preview", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["Li"] == 4 and data["atoms"] > 100


def test_optional_engine_steps_are_declared_capabilities() -> None:
    """The worker finds `prepare_continue` and `prepare_repair` by their protocols."""
    from molyte.engines.base import ContinuableEngine, RepairableEngine
    from molyte.engines.qc.gaussian import GaussianEngine
    from molyte.fakes.engine import ScriptEngine

    md, gaussian = MDEngine(), GaussianEngine()
    script = ScriptEngine(JobType.MD, [["true"]])
    assert all(isinstance(e, Engine) for e in (md, gaussian, script))
    assert isinstance(md, ContinuableEngine) and not isinstance(md, RepairableEngine)
    assert isinstance(gaussian, RepairableEngine) and not isinstance(gaussian, ContinuableEngine)
    assert not isinstance(script, ContinuableEngine) and not isinstance(script, RepairableEngine)
