"""Named failures from Gaussian log tails, the repair table, and repairs through the engine."""

import os
import stat
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.engines.base import EngineContext
from molyte.engines.qc.gaussian import (
    MAX_ATTEMPTS,
    Attempt,
    GaussianEngine,
    detect_failure,
    normal_termination,
    repair,
)

DATA = Path(__file__).parents[2] / "data"
TAILS = DATA / "qc" / "gaussian_failures"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("scf_not_converged.log", F.SCF_NOT_CONVERGED),
        ("opt_steps_exceeded.log", F.OPT_NOT_CONVERGED),
        ("link9999.log", F.LINK9999),
        ("wrong_multiplicity.log", F.WRONG_CHARGE_MULTIPLICITY),
        ("memory.log", F.QC_MEMORY),
        ("basis_not_found.log", F.BASIS_NOT_FOUND),
        ("timeout_slurm.out", F.TIMEOUT),
        ("timeout_truncated.log", F.UNKNOWN),
    ],
)
def test_failure_is_named(name: str, reason: F) -> None:
    text = (TAILS / name).read_text()
    assert detect_failure(text) is reason
    assert normal_termination(text) is False


@pytest.mark.parametrize("name", ["dvb_gopt.out", "dvb_ir.out", "water_hf_solvent_smd.log"])
def test_normal_logs_have_no_failure(name: str) -> None:
    text = (DATA / "gaussian" / name).read_text()
    assert detect_failure(text) is None
    assert normal_termination(text) is True


def test_repair_table() -> None:
    first = Attempt()
    assert repair(first, F.SCF_NOT_CONVERGED) == Attempt(number=2, scf_xqc=True)
    assert repair(first, F.OPT_NOT_CONVERGED) == Attempt(number=2, restart=True, opt_calcfc=True)
    assert repair(first, F.LINK9999) == Attempt(number=2, restart=True, opt_calcfc=True)
    assert repair(first, F.TIMEOUT) == Attempt(number=2, restart=True)
    assert repair(first, F.QC_MEMORY) == Attempt(number=2, memory_factor=2)
    assert repair(first, F.WRONG_CHARGE_MULTIPLICITY) is None
    assert repair(first, F.BASIS_NOT_FOUND) is None
    assert repair(first, F.UNKNOWN) is None


def test_repair_is_bounded() -> None:
    attempt = Attempt()
    tries = 1
    while (nxt := repair(attempt, F.TIMEOUT)) is not None:
        attempt, tries = nxt, tries + 1
    assert tries == MAX_ATTEMPTS
    # the same SCF repair is not applied twice
    assert repair(Attempt(number=2, scf_xqc=True), F.SCF_NOT_CONVERGED) is None
    assert repair(Attempt(number=1, memory_factor=4), F.QC_MEMORY) is None


def _fake_g16(tmp_path: Path) -> str:
    path = tmp_path / "bin" / "g16"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


WATER = {
    "molecule": {"xyz": "O 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692"},
    "task": "opt",
    "method": "B3LYP",
    "basis": "6-31G*",
    "engine": "gaussian",
}


def test_collect_names_the_failure_and_repair_rewrites_the_route(tmp_path: Path) -> None:
    ctx = EngineContext(python="python3", gaussian_bin=_fake_g16(tmp_path))
    engine = GaussianEngine()
    work = tmp_path / "job"
    plan = engine.prepare(WATER, work, ctx)
    assert plan.commands == [[ctx.gaussian_bin, "input.gjf"]]
    (work / "input.log").write_text((TAILS / "opt_steps_exceeded.log").read_text())
    (work / "input.chk").write_bytes(b"checkpoint")
    result = engine.collect(work)
    assert result.failure_reason is F.OPT_NOT_CONVERGED
    assert result.summary["normal_termination"] is False
    assert (work / "summary.json").exists()

    again = engine.prepare_repair(WATER, work, ctx, F.OPT_NOT_CONVERGED)
    assert again is not None
    gjf = (work / "input.gjf").read_text()
    assert "#p B3LYP/6-31G* Opt=(CalcFC,MaxCycles=200) Pop=MK Geom=Check Guess=Read\n" in gjf
    assert "O  " not in gjf  # the geometry comes from the checkpoint
    # two more tries at most
    assert engine.prepare_repair(WATER, work, ctx, F.OPT_NOT_CONVERGED) is not None
    assert engine.prepare_repair(WATER, work, ctx, F.OPT_NOT_CONVERGED) is None


def test_collect_timeout_from_scheduler_output(tmp_path: Path) -> None:
    ctx = EngineContext(python="python3", gaussian_bin=_fake_g16(tmp_path))
    engine = GaussianEngine()
    work = tmp_path / "job"
    engine.prepare(WATER, work, ctx)
    (work / "input.log").write_text((TAILS / "timeout_truncated.log").read_text())
    (work / "slurm-4242.out").write_text((TAILS / "timeout_slurm.out").read_text())
    assert engine.collect(work).failure_reason is F.TIMEOUT


def test_memory_repair_raises_mem_and_job_memory(tmp_path: Path) -> None:
    ctx = EngineContext(python="python3", gaussian_bin=_fake_g16(tmp_path))
    engine = GaussianEngine()
    work = tmp_path / "job"
    spec = {**WATER, "resources": {"memory_mb": 4000}}
    plan = engine.prepare(spec, work, ctx)
    assert plan.resources.memory_mb == 4000
    assert "%mem=3200MB\n" in (work / "input.gjf").read_text()
    plan2 = engine.prepare_repair(spec, work, ctx, F.QC_MEMORY)
    assert plan2 is not None
    assert plan2.resources.memory_mb == 8000
    assert "%mem=6400MB\n" in (work / "input.gjf").read_text()


def test_collect_of_a_real_log(tmp_path: Path) -> None:
    """A finished opt job: collect reads the log into summary.json and final.xyz."""
    ctx = EngineContext(python="python3", gaussian_bin=_fake_g16(tmp_path))
    engine = GaussianEngine()
    work = tmp_path / "job"
    engine.prepare({**WATER, "method": "HF", "basis": "STO-3G", "task": "sp"}, work, ctx)
    (work / "input.log").write_text((DATA / "gaussian" / "water_hf_solvent_pcm.log").read_text())
    result = engine.collect(work)
    assert result.ok
    assert result.summary["scf_energy_hartree"] == pytest.approx(-74.9663496977)
    assert result.summary["dipole_vector_debye"] == pytest.approx([0.0, 0.0, -1.7068])
    assert result.summary["engine"] == "gaussian"
    assert {p.name for p in result.files} >= {"input.log", "summary.json", "final.xyz"}
    assert (work / "final.xyz").read_text().splitlines()[0] == "3"
    assert os.access(work / "summary.json", os.R_OK)


def test_prepare_refuses_a_bad_spec_with_invalid_input(tmp_path: Path) -> None:
    from molyte.errors import InvalidInput

    ctx = EngineContext(python="python3", gaussian_bin=_fake_g16(tmp_path))
    with pytest.raises(InvalidInput, match=r"molecule\.multiplicity: .*2 is impossible"):
        GaussianEngine().prepare(
            {**WATER, "molecule": {"smiles": "O", "multiplicity": 2}}, tmp_path / "job", ctx
        )
    assert not (tmp_path / "job").exists()
