"""The QC progress watcher on real Gaussian and xtb logs cut at arbitrary points."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from molyte.engines.qc.progress import QcWatch, overall_progress

DATA = Path(__file__).parents[2] / "data"
GOPT = (DATA / "gaussian" / "dvb_gopt.out").read_text()
XTB = (DATA / "qc" / "xtb_ec_ohess" / "xtb.out").read_text()


def feed_in_pieces(program: str, text: str, seed: int) -> QcWatch:
    watch = QcWatch(program)
    rng = random.Random(seed)
    at = 0
    while at < len(text):
        size = rng.randint(1, 2000)
        watch.feed(text[at : at + size])
        at += size
    return watch


@pytest.mark.parametrize("seed", range(40))
def test_a_gaussian_optimisation_cut_anywhere(seed: int) -> None:
    cut = random.Random(seed).randint(0, len(GOPT))
    text = GOPT[:cut]
    complete = text[: text.rfind("\n") + 1]
    watch = feed_in_pieces("gaussian", text, seed)
    steps = re.findall(r"Step number\s+(\d+) out of a maximum of\s+(\d+)", complete)
    energies = [float(e) for e in re.findall(r"SCF Done:\s+E\(\S+\)\s+=\s+(\S+)", complete)]
    if "Normal termination" in complete:
        assert watch.jobs_done == 1 and watch.opt_step is None
    elif steps:
        assert watch.opt_step == int(steps[-1][0]) and watch.opt_max == 100
        assert watch.fraction == pytest.approx(int(steps[-1][0]) / 100)
        assert watch.stage_text().startswith(f"optimisation step {steps[-1][0]} of at most 100")
    else:
        assert watch.opt_step is None and watch.fraction == 0.0
    assert [r[1] for r in watch.rows()] == energies


def test_the_gaussian_optimisation_energies_per_step() -> None:
    watch = feed_in_pieces("gaussian", GOPT[: GOPT.index("Optimization completed")], 5)
    assert watch.opt_step == 5
    assert watch.rows() == [
        [1.0, -382.294279146],
        [2.0, -382.307286501],
        [3.0, -382.308239279],
        [4.0, -382.308265702],
        [5.0, -382.308266602],
    ]
    assert watch.stage_text() == "optimisation step 5 of at most 100"
    # Cut after the first SCF, before its step line: the SCF's cycles are what is known.
    first = feed_in_pieces("gaussian", GOPT[: GOPT.index("Step number   1 ")], 7)
    assert first.stage_text() == "SCF cycle 12" and first.fraction == 0.0


@pytest.mark.parametrize("seed", range(20))
def test_an_xtb_optimisation_cut_anywhere(seed: int) -> None:
    cut = random.Random(seed).randint(0, len(XTB))
    complete = XTB[:cut][: XTB[:cut].rfind("\n") + 1]
    watch = feed_in_pieces("xtb", XTB[:cut], seed)
    cycles = re.findall(r"\.+ CYCLE\s+(\d+) \.+", complete)
    assert watch.opt_step == (int(cycles[-1]) if cycles else None)
    if "max. optcycles" in complete:
        assert watch.opt_max == 200
    energies = re.findall(r"^\s*\* total energy\s+:\s+(-?\d+\.\d+) Eh", complete, re.M)
    assert [r[1] for r in watch.rows()] == [float(e) for e in energies]


def test_overall_progress_of_steps() -> None:
    assert overall_progress(0, 2, 0.5) == 0.25
    assert overall_progress(1, 2, 0.0) == 0.5
    assert overall_progress(0, 0, 0.3) == 0.0
