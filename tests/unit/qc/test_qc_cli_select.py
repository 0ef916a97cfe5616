"""`molyte qc build/parse` and the engine choice (`auto`, what a worker may advertise)."""

import json
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from molyte.domain.qc_spec import QCSpec
from molyte.engines.base import EngineContext
from molyte.engines.qc.cli import qc_app
from molyte.engines.qc.registry import (
    QC_ENGINES,
    engines_available,
    resolve_engine_name,
    select_engine,
)
from molyte.errors import InvalidInput

ROOT = Path(__file__).parents[3]
DATA = ROOT / "tests" / "data"
runner = CliRunner()


def _fake_g16(tmp_path: Path) -> str:
    path = tmp_path / "g16"
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_build_example_job_prints_pyscf_parameters() -> None:
    result = runner.invoke(qc_app, ["build", str(ROOT / "examples" / "qc-job.json")])
    assert result.exit_code == 0, result.output
    params = json.loads(result.stdout)
    assert params["method"] == "HF"
    assert params["basis"] == "6-31G*"
    assert params["task"] == "opt_freq"
    assert [a[0] for a in params["atoms"]] == ["O", "H", "H"]


def test_build_bare_spec_for_gaussian(tmp_path: Path) -> None:
    spec = {
        "molecule": {"xyz": "O 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692"},
        "task": "sp",
        "method": "PBE0",
        "basis": "cc-pVDZ",
        "engine": "gaussian",
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = runner.invoke(qc_app, ["build", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[3] == "#p PBE1PBE/cc-pVDZ SP Pop=MK"
    assert result.stdout.startswith("%chk=input.chk\n")


def test_build_xtb_shows_command_and_xyz(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"}))
    result = runner.invoke(qc_app, ["build", str(path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# step molecule: xtb input.xyz --gfn 2 --opt --chrg 0 --uhf 0 --json"
    assert lines[1] == "3"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"molecule": {"smiles": "C1CC(("}}', "not a valid SMILES"),
        ('{"molecule": {"smiles": "O"}, "method": "B3LYP\\n--Link1--"}', "method"),
        ('{"type": "MD", "spec": {}}', "not QC"),
        ("not json", "is not JSON"),
    ],
)
def test_build_refuses_a_bad_spec(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "spec.json"
    path.write_text(content)
    result = runner.invoke(qc_app, ["build", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert words in result.stderr


def test_parse_gaussian_log_prints_json_only() -> None:
    result = runner.invoke(qc_app, ["parse", str(DATA / "gaussian" / "dvb_ir.out")])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["scf_energy_hartree"] == pytest.approx(-382.308266602)
    assert summary["frequencies_cm1"][0] == pytest.approx(53.1981)
    assert summary["free_energy_hartree"] == pytest.approx(-382.164915)


def test_parse_xtb_output() -> None:
    result = runner.invoke(qc_app, ["parse", str(DATA / "qc" / "xtb_ec_ohess" / "xtb.out")])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["engine"] == "xtb"
    assert summary["free_energy_hartree"] == pytest.approx(-20.653047855934)


@pytest.mark.parametrize("name", ["missing.log", "README.md"])
def test_parse_refuses_missing_or_unknown_files(name: str) -> None:
    result = runner.invoke(qc_app, ["parse", str(DATA / "qc" / "gaussian_failures" / name)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error:" in result.stderr


def test_worker_without_gaussian_never_advertises_it(tmp_path: Path) -> None:
    ctx = EngineContext(python=sys.executable, gaussian_bin=str(tmp_path / "no-g16"))
    assert "gaussian" not in engines_available(ctx)
    assert "pyscf" in engines_available(ctx)
    with_g16 = EngineContext(python=sys.executable, gaussian_bin=_fake_g16(tmp_path))
    assert "gaussian" in engines_available(with_g16)
    not_executable = tmp_path / "g16-plain"
    not_executable.write_text("")
    assert not QC_ENGINES["gaussian"].available(
        EngineContext(python=sys.executable, gaussian_bin=str(not_executable))
    )


def test_auto_engine_choice(tmp_path: Path) -> None:
    auto = QCSpec.model_validate({"molecule": {"smiles": "O"}})
    assert resolve_engine_name(auto, gaussian_available=True) == "gaussian"
    assert resolve_engine_name(auto, gaussian_available=False) == "pyscf"
    svpd = QCSpec.model_validate({"molecule": {"smiles": "O"}, "basis": "def2-SVPD"})
    assert resolve_engine_name(svpd, gaussian_available=True) == "pyscf"
    xtb = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"})
    assert resolve_engine_name(xtb, gaussian_available=True) == "xtb"
    no_g16 = EngineContext(python=sys.executable, gaussian_bin=str(tmp_path / "none"))
    assert select_engine(auto, no_g16).name == "pyscf"
    assert (
        select_engine(auto, EngineContext(sys.executable, gaussian_bin=_fake_g16(tmp_path))).name
        == "gaussian"
    )
    named = QCSpec.model_validate({"molecule": {"smiles": "O"}, "engine": "gaussian"})
    with pytest.raises(InvalidInput, match="gaussian is not available"):
        select_engine(named, no_g16)


def test_runner_engine_collect_without_summary(tmp_path: Path) -> None:
    engine = QC_ENGINES["pyscf"]
    spec = {"molecule": {"smiles": "O"}, "method": "HF", "basis": "STO-3G", "engine": "pyscf"}
    plan = engine.prepare(spec, tmp_path, EngineContext(python="/opt/py/bin/python"))
    assert plan.commands == [["/opt/py/bin/python", "-m", "molyte.engines.qc.run", "."]]
    assert plan.env["OMP_NUM_THREADS"] == "1"
    assert engine.collect(tmp_path).failure_reason is not None
    assert engine.collect(tmp_path).failure_reason.value == "SCRIPT_FAILED"
    (tmp_path / "summary.json").unlink()
    (tmp_path / "slurm-7.out").write_text(
        "*** JOB 7 ON n1 CANCELLED AT 2024 DUE TO TIME LIMIT ***\n"
    )
    result = engine.collect(tmp_path)
    assert result.failure_reason is not None and result.failure_reason.value == "TIMEOUT"
    assert (tmp_path / "summary.json").exists()
