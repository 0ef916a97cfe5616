"""The pure helpers of the benchmarks: percentiles, targets, the report's Markdown, LAMMPS loops."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

from common import Target, number, percentile, table, targets_table  # noqa: E402
from run_all import (  # noqa: E402
    demote_headings,
    parse_tables,
    target_rows,
    transfer_targets,
)

DATA = ROOT / "tests" / "data" / "md"


def test_percentile_interpolates_between_ranks() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 1.0) == 5.0
    assert percentile(values, 0.99) == pytest.approx(4.96)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_number_keeps_the_digits_a_figure_deserves() -> None:
    assert [number(v) for v in (1234.5, 45.67, 3.14159, 0.012345)] == [
        "1,234",
        "45.7",
        "3.14",
        "0.0123",
    ]
    assert number(float("nan")) == "n/a"


def test_target_compares_as_told() -> None:
    assert Target("p99", 99.0, 100, "ms").met
    assert not Target("p99", 100.0, 100, "ms").met
    assert Target("ratio", 0.8, 0.8, "", compare=">=").met
    assert not Target("ratio", 0.79, 0.8, "", compare=">=").met
    assert Target("calls", 1.0, 1.0, "", compare="==").met
    assert not Target("calls", 2.0, 1.0, "", compare="==").met
    assert not Target("nothing measured", float("nan"), 1, "s").met
    assert Target("p99", 120.0, 100, "ms").row == ("p99", "< 100 ms", "120 ms", "NOT MET")
    with pytest.raises(ValueError, match="unknown comparison"):
        _ = Target("x", 1, 1, "", compare="<=").met


def test_tables_written_by_the_benchmarks_read_back() -> None:
    text = "\n".join(
        [
            "## Something",
            "",
            table(["a", "b"], [(1, "x"), (22, "yy")]),
            "",
            "### Targets",
            "",
            targets_table([Target("speed", 2.0, 1.0, "x", compare=">="), Target("t", 5, 1, "s")]),
        ]
    )
    tables = parse_tables(text)
    assert tables[0] == (["a", "b"], [["1", "x"], ["22", "yy"]])
    assert target_rows(text) == [
        ["speed", ">= 1.00 x", "2.00 x", "met"],
        ["t", "< 1.00 s", "5.00 s", "NOT MET"],
    ]


def test_a_pipe_in_a_cell_survives_the_round_trip() -> None:
    text = table(["name", "value"], [("|x| in a name", 1)])
    assert parse_tables(text) == [(["name", "value"], [["|x| in a name", "1"]])]


def test_headings_move_down_but_not_inside_code() -> None:
    text = "## Title\ntext\n```\n# a comment in a plan\n```\n### Sub"
    assert demote_headings(text) == "### Title\ntext\n```\n# a comment in a plan\n```\n#### Sub"


def test_transfer_target_is_read_from_its_figure() -> None:
    transfer = "Worker/boto3 throughput ratio (S3 on moto): **0.51** (misses the target of 0.8)."
    [ratio] = transfer_targets(transfer)
    assert (ratio.measured, ratio.limit, ratio.met) == (0.51, 0.8, False)
    assert transfer_targets("no ratio") == []


def test_lammps_loops_with_their_cpu_use() -> None:
    from md_perf import first_thermo, loop_times

    log = (DATA / "log_npt_two_runs.lammps").read_text()
    loops = loop_times(log)
    assert [steps for steps, _, _ in loops] == [200, 200]
    (_, wall1, cpu1), (_, wall2, cpu2) = loops
    assert wall1 == pytest.approx(4.05311) and cpu1 == pytest.approx(4.05311 * 0.578)
    assert wall2 == pytest.approx(3.91876) and cpu2 == pytest.approx(3.91876 * 0.629)
    assert first_thermo(log, "PotEng") == pytest.approx(-9799.2871)
