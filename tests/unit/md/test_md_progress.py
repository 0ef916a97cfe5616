"""The LAMMPS progress watcher on real logs (tests/data/md) cut at arbitrary points."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from molyte.engines.md.logparse import parse_thermo
from molyte.engines.md.progress import MAX_ROWS, SERIES_COLUMNS, LammpsWatch, run_plan

DATA = Path(__file__).parents[2] / "data" / "md"
LOG_OK = (DATA / "log_ok.lammps").read_text()
# The log echoes every input line, so the finished log holds the whole script's plan.
PLAN = run_plan(LOG_OK)


def feed_in_pieces(text: str, seed: int) -> LammpsWatch:
    watch = LammpsWatch(PLAN)
    rng = random.Random(seed)
    at = 0
    while at < len(text):
        size = rng.randint(1, 700)
        watch.feed(text[at : at + size])
        at += size
    return watch


def test_plan_of_the_generated_input() -> None:
    assert PLAN.stages == (("minimize", 0), ("npt", 2000), ("nvt", 4000))
    assert PLAN.timestep_fs == 1.0
    assert PLAN.total_steps == 4000


@pytest.mark.parametrize("seed", range(40))
def test_a_log_cut_anywhere_gives_the_last_complete_step(seed: int) -> None:
    cut = random.Random(seed).randint(0, len(LOG_OK))
    text = LOG_OK[:cut]
    watch = feed_in_pieces(text, seed)
    complete = text[: text.rfind("\n") + 1]
    rows = [r for r in parse_thermo(complete) if r["stage"] != "minimize"]
    expected_step = int(rows[-1]["step"]) if rows else None
    assert watch.step == expected_step
    assert watch.progress == pytest.approx((expected_step or 0) / 4000)
    marks = [line.split()[1] for line in complete.splitlines() if line.startswith("MOLYTE_STAGE")]
    assert watch.stage == (marks[-1] if marks else None)
    series = watch.rows()
    # One row per step: the row a stage boundary repeats (npt's last = nvt's first) once.
    assert [r[0] for r in series] == sorted({float(r["step"]) for r in rows})
    if rows:
        density = series[-1][SERIES_COLUMNS.index("density")]
        assert density == pytest.approx(rows[-1]["density"], rel=1e-6)  # single precision


def test_the_timed_out_log_stops_in_npt_at_step_1600() -> None:
    watch = feed_in_pieces((DATA / "log_timeout.lammps").read_text(), 1)
    assert watch.step == 1600
    assert watch.progress == pytest.approx(0.4)
    assert watch.stage_text() == "npt: step 1600 of 2000"
    last = watch.rows()[-1]
    assert last[:2] == [1600.0, 1.6]  # step, time in ps at 1 fs
    assert last[SERIES_COLUMNS.index("temp")] == pytest.approx(296.11527)


def test_the_whole_run_ends_at_full_progress_without_repeated_boundary_rows() -> None:
    watch = feed_in_pieces(LOG_OK, 2)
    steps = [r[0] for r in watch.rows()]
    assert watch.progress == 1.0 and watch.stage_text() == "nvt: step 4000 of 4000"
    assert steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == 4000


def test_a_continuation_log_replaces_rows_from_its_first_step() -> None:
    watch = feed_in_pieces((DATA / "log_timeout.lammps").read_text(), 3)
    watch.restart()
    # A continuation from the restart file at step 1500 logs its rows again from 1500 on.
    npt_from_1000 = LOG_OK[LOG_OK.index("run             2000 upto") :]
    watch.feed("MOLYTE_STAGE npt\n" + npt_from_1000.replace("  1000   ", "  1500   ", 1))
    steps = [r[0] for r in watch.rows()]
    assert steps == sorted(set(steps)) and steps[-1] == 4000


def test_the_series_stays_bounded_and_keeps_the_newest_rows() -> None:
    plan = run_plan('print "MOLYTE_STAGE npt"\nrun 100000 upto\ntimestep 2.0\n')
    watch = LammpsWatch(plan)
    watch.feed("MOLYTE_STAGE npt\nStep Temp Density\n")
    for step in range(0, 100_000, 10):
        watch.feed(f"{step} 300.0 1.2\n")
    rows = watch.rows()
    assert len(rows) <= MAX_ROWS
    assert rows[-1][0] == 99_990 and rows[0][0] == 0  # the newest row and the whole run
    gaps = {b[0] - a[0] for a, b in itertools.pairwise(rows[:-1])}  # (the last: the tail)
    assert len(gaps) == 1  # evenly thinned
    assert rows[-1][SERIES_COLUMNS.index("press")] is None  # a column the log does not have
