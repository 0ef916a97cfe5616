"""`molyte status`'s progress line: percent, stage, time left counted down from the report."""

from __future__ import annotations

from datetime import UTC, datetime

from molyte.client import duration_text, progress_text

NOW = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


def job(**fields: object) -> dict[str, object]:
    base = {"state": "RUNNING", "progress": 42.5, "stage": "npt: step 1500 of 2000"}
    return {**base, "updated_at": "2026-12-06T11:59:40Z", "eta_seconds": 3920, **fields}


def test_the_progress_line_counts_the_time_left_down_from_the_report() -> None:
    assert progress_text(job(), NOW) == (
        "42.5 %, npt: step 1500 of 2000, about 1 h 05 min left (updated 20 s ago)"
    )


def test_without_estimate_or_stage() -> None:
    line = progress_text(job(eta_seconds=None, stage=None, progress=3.0), NOW)
    assert line == "3 % (updated 20 s ago)"


def test_no_line_without_progress_or_after_the_end() -> None:
    assert progress_text(job(progress=None), NOW) is None
    assert progress_text(job(state="COMPLETED", progress=100.0), NOW) is None


def test_durations() -> None:
    spans = (0, 59.6, 61, 3600, 3 * 3600 + 5 * 60, 2 * 86400 + 4 * 3600)
    texts = ["0 s", "1 min", "1 min", "1 h 00 min", "3 h 05 min", "2 d 4 h"]
    assert [duration_text(s) for s in spans] == texts
