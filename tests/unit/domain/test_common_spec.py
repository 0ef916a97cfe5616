"""Names and SMILES text: allow-lists that keep user text out of shells and input files."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from molyte.domain.common import JobName, Smiles

names = TypeAdapter(JobName)
smiles = TypeAdapter(Smiles)


@pytest.mark.parametrize("good", ["LiPF6 in EC-DMC (1.0 M)", "电解液 测试 1", "run_2.b+c"])
def test_good_names(good: str) -> None:
    assert names.validate_python(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " lead",
        "a;b",
        "x\ny",
        "a`id`",
        "$(id)",
        "a\u202eb",
        "zero\u200bwidth",
        "x" * 101,
        "#SBATCH",
        "a'b",
        'a"b',
    ],
)
def test_bad_names(bad: str) -> None:
    with pytest.raises(ValidationError):
        names.validate_python(bad)


@pytest.mark.parametrize(
    "good",
    ["C1COC(=O)O1", "[Li+]", "F[P-](F)(F)(F)(F)F", "C/C=C\\C", "c1ccccc1", "[13CH4]", "C%10CC%10"],
)
def test_good_smiles(good: str) -> None:
    assert smiles.validate_python(good) == good


@pytest.mark.parametrize(
    "bad", ["C;rm", "C C", "C|C", "C&&C", "C$(id)", "C`x`", "C\nC", "C>C", "C" * 301, "C'"]
)
def test_bad_smiles(bad: str) -> None:
    with pytest.raises(ValidationError):
        smiles.validate_python(bad)
