"""How the validation benchmark reads a summary: which conductivity it compares, the box's
real concentration, and the table with its numbered sources."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

from md_validation import (  # noqa: E402
    FULL,
    Sigma,
    box_molarity,
    compared,
    conductivities,
    report,
    resolved,
)


def summary(eh: float | None, ne: float | None) -> dict[str, Any]:
    def entry(value: float | None) -> dict[str, Any]:
        if value is None:
            return {"value": None, "error": None, "too_short": "blocks of 0.8 ps: too short"}
        return {"value": value, "error": value / 10}

    return {
        # the older whole-run estimate, given even when the MSD is not diffusive: never used
        "conductivity": {"value": 99.0, "unit": "S/m", "method": "Nernst-Einstein"},
        "transport": {
            "conductivity_einstein_helfand": entry(eh),
            "conductivity_nernst_einstein": entry(ne),
        },
    }


def test_einstein_helfand_is_compared_when_the_run_gave_it() -> None:
    eh, ne = conductivities(summary(0.5, 0.8))
    assert (eh.value, eh.error) == pytest.approx((5.0, 0.5))  # S/m -> mS/cm
    assert (ne.value, ne.error) == pytest.approx((8.0, 0.8))
    best = compared(eh, ne)
    assert best is not None and best.method == "Einstein-Helfand"
    assert eh.cell() == "5.00 ± 0.50"


def test_nernst_einstein_stands_in_and_a_too_short_run_compares_nothing() -> None:
    eh, ne = conductivities(summary(None, 0.8))
    assert eh.value is None and "too short" in eh.why_not and eh.cell() == "none"
    best = compared(eh, ne)
    assert best is not None and best.method == "Nernst-Einstein"
    eh, ne = conductivities(summary(None, None))
    assert compared(eh, ne) is None
    eh, ne = conductivities({"conductivity": {"value": 1.0}})  # no transport block at all
    assert (eh.value, ne.value) == (None, None) and eh.why_not == "not in the summary"


def test_an_unresolved_einstein_helfand_gives_way_to_nernst_einstein() -> None:
    # LiTFSI in DME:DOL after 1 ns: EH 4.2 ± 9.8 mS/cm is noise; NE 25.2 ± 4.0 is compared
    eh = Sigma("Einstein-Helfand", 4.2, 9.8)
    ne = Sigma("Nernst-Einstein", 25.2, 4.0)
    assert not resolved(eh) and resolved(ne)
    assert compared(eh, ne) is ne
    # twice its error is the bar: 7.69 ± 2.33 (LiPF6 in PC) is resolved, 4.6 ± 2.33 is not
    pc = Sigma("Einstein-Helfand", 7.69, 2.33)
    assert compared(pc, ne) is pc
    assert compared(Sigma("Einstein-Helfand", 4.6, 2.33), ne) is ne
    # with no Nernst-Einstein, an unresolved Einstein-Helfand is still shown
    none = Sigma("Nernst-Einstein", None, None, "too short")
    assert compared(eh, none) is eh


def test_box_molarity_counts_formula_units_per_litre_of_box() -> None:
    # 6 pairs in a 22.76 A box: 6 / (N_A * 11,790 A^3 * 1e-27 L/A^3) = 0.845 mol/L
    value = box_molarity({"salt_pairs": {"LiPF6": 6}, "box_length": 22.76})
    assert value == pytest.approx(0.845, abs=0.001)
    assert box_molarity({"salt_pairs": {}, "box_length": 22.76}) is None
    assert box_molarity({"salt_pairs": {"LiPF6": 6}, "box_length": None}) is None


def test_the_electrolyte_table_numbers_its_sources() -> None:
    row = ("1 M X in Y", 1000, 6, "0.84", "1.1500", "400", "5.00 ± 0.50", "8.00 ± 0.80",
           "1.6 ± 0.3", "2.10 ± 0.40", "6.1", "0.82 (Einstein-Helfand)", "a long citation",
           "12")  # fmt: skip
    text = report([], [row, (*row[:-2], "another citation", "13")], [], FULL, False, 1.0)
    assert "| [E1]" in text and "| [E2]" in text
    assert "- [E1] a long citation" in text and "- [E2] another citation" in text
    assert "a long citation |" not in text
