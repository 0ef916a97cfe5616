"""The log parser on real captured LAMMPS output (tests/data/md/README.md: how each was made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason
from molyte.engines.md.lammps_input import restart_timestep
from molyte.engines.md.logparse import find_failure, log_files, merge_thermo, parse_thermo

DATA = Path(__file__).parents[2] / "data" / "md"


@pytest.mark.parametrize(
    ("log", "reason", "words"),
    [
        ("log_lost_atoms.lammps", FailureReason.LOST_ATOMS, "Lost atoms"),
        ("log_bond_atoms_missing.lammps", FailureReason.BOND_ATOMS_MISSING, "Bond atoms 279 287"),
        ("log_out_of_range.lammps", FailureReason.OUT_OF_RANGE, "Out of range atoms"),
        ("log_nonnumeric_coords.lammps", FailureReason.NAN_ENERGY, "Non-numeric atom coords"),
        ("log_nonnumeric_box.lammps", FailureReason.NAN_ENERGY, "Non-numeric box"),
        ("log_timeout.lammps", FailureReason.TIMEOUT, "after step 1600"),
    ],
)
def test_failures_are_named(log: str, reason: FailureReason, words: str) -> None:
    failure = find_failure((DATA / log).read_text())
    assert failure is not None
    assert failure.reason is reason
    assert words in failure.message


def test_a_finished_log_has_no_failure() -> None:
    assert find_failure((DATA / "log_ok.lammps").read_text()) is None


def test_nan_in_thermo_is_nan_energy() -> None:
    text = (DATA / "log_ok.lammps").read_text()
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("1000 "))
    words = lines[row].split()
    words[4] = "-nan"
    lines[row] = "  ".join(words)
    failure = find_failure("\n".join(lines))
    assert failure is not None and failure.reason is FailureReason.NAN_ENERGY


def test_thermo_rows_carry_their_stage() -> None:
    rows = parse_thermo((DATA / "log_ok.lammps").read_text())
    stages = [r["stage"] for r in rows]
    assert stages[0] == "minimize" and "npt" in stages and stages[-1] == "nvt"
    npt = [r for r in rows if r["stage"] == "npt"]
    steps = [r["step"] for r in npt]
    assert steps == sorted(set(steps))  # the row repeated between the two NPT runs is kept once
    assert steps[0] == 0 and steps[-1] == 2000
    assert {"temp", "press", "density", "pe", "etotal", "lx"} <= set(npt[0])
    assert 0.9 < float(npt[-1]["density"]) < 1.3


def test_continuation_rows_replace_the_cut_ones() -> None:
    cut = (DATA / "log_timeout.lammps").read_text()
    rows = parse_thermo(cut)
    assert rows[-1]["step"] == 1600
    continuation = "\n".join(
        ["MOLYTE_STAGE npt", "   Step          Temp          Press         Density",
         "      1500   300.0   1.0   1.10", "      1600   301.0   2.0   1.11",
         "      1700   302.0   3.0   1.12", "Loop time of 1.0 on 1 procs"]
    )  # fmt: skip
    merged = merge_thermo([cut, continuation])
    npt = [r for r in merged if r["stage"] == "npt"]
    assert [r["step"] for r in npt][-4:] == [1400, 1500, 1600, 1700]
    assert npt[-2]["temp"] == 301.0  # the continuation's row, not the cut run's


def test_restart_header_timestep() -> None:
    assert restart_timestep(DATA / "restart_step1500.lammps") == 1500
    with pytest.raises(ValueError, match="not a LAMMPS restart"):
        restart_timestep(DATA / "log_ok.lammps")


def test_log_files_order(tmp_path: Path) -> None:
    for name in ("log.lammps", "log.10.lammps", "log.2.lammps", "log.x.lammps"):
        (tmp_path / name).write_text("")
    assert [p.name for p in log_files(tmp_path)] == ["log.lammps", "log.2.lammps", "log.10.lammps"]
