"""The builder: a packed, neutral box with coefficients for every type, and its input script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from molyte.domain.md_spec import MDSpec
from molyte.engines.md.builder import build
from molyte.engines.md.gaff import molecule_from_prmtop
from molyte.engines.md.lammps_data import BoxSystem, render_data
from molyte.engines.md.library import library_molecule
from molyte.errors import InvalidInput
from molyte.programs import find_program

DATA = Path(__file__).parents[2] / "data" / "md"
needs_packmol = pytest.mark.skipif(
    find_program("packmol", beside_python=True) is None, reason="packmol not installed"
)


def sections(text: str) -> dict[str, list[str]]:
    """Data-file sections (title -> non-empty lines, comments stripped)."""
    result: dict[str, list[str]] = {}
    current = "header"
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if re.fullmatch(r"[A-Z][A-Za-z ]+", body):
            current = body
            result[current] = []
        elif body:
            result.setdefault(current, []).append(body)
    return result


def check_data_file(text: str) -> None:
    """Neutral, and every type used by a term has exactly one coefficient line."""
    parts = sections(text)
    header = {" ".join(line.split()[1:]): int(line.split()[0]) for line in parts["header"][1:]
              if line.split()[0].isdigit() and len(line.split()) in (2, 3)}  # fmt: skip
    atoms = [line.split() for line in parts["Atoms"]]
    assert len(atoms) == header["atoms"]
    assert abs(sum(float(a[3]) for a in atoms)) < 1e-6
    assert {int(a[2]) for a in atoms} <= set(range(1, header["atom types"] + 1))
    assert len(parts["Masses"]) == len(parts["Pair Coeffs"]) == header["atom types"]
    for kind in ("Bond", "Angle", "Dihedral", "Improper"):
        n_types = header[f"{kind.lower()} types"]
        coeff_ids = [int(line.split()[0]) for line in parts.get(f"{kind} Coeffs", [])]
        assert coeff_ids == list(range(1, n_types + 1)), kind
        terms = parts.get(f"{kind}s", [])
        assert len(terms) == header[f"{kind.lower()}s"]
        used = {int(line.split()[1]) for line in terms}
        assert used == set(coeff_ids), f"{kind} types without terms or terms without types"


@needs_packmol
def test_build_writes_a_neutral_complete_box(tmp_path: Path) -> None:
    spec = MDSpec.model_validate(
        {
            "salts": [{"name": "LiPF6", "concentration": 1.0}],
            "solvents": [{"name": "EC", "ratio": 1}, {"name": "DMC", "ratio": 1}],
            "ratio_type": "mass", "salt_pairs": 3, "ion_charge_scale": 0.8, "preset": "fast",
        }
    )  # fmt: skip
    result = build(spec, tmp_path)
    text = (tmp_path / "system.data").read_text()
    check_data_file(text)
    charges = [float(line.split()[3]) for line in sections(text)["Atoms"]]
    assert max(charges) == pytest.approx(0.8 * 1.34)  # P of PF6-, scaled by 0.8
    assert 0.8 in {round(q, 6) for q in charges}  # Li+
    script = (tmp_path / "in.lammps").read_text()
    for needle in (
        "units           real", "atom_style      full", "pair_style      lj/cut/coul/long",
        "suffix          opt", "neighbor        1.0 bin",
        "kspace_style    pppm", "dihedral_style  opls", "special_bonds   lj/coul 0.0 0.0 0.5",
        "pair_modify     mix geometric", "fix             shake all shake", "npt temp",
        "nvt temp", "dump_modify     traj unwrap yes", "traj all dcd 5000 traj.dcd",
        "c_thermo_press[4] c_thermo_press[5] c_thermo_press[6] file stress.dat",
        "restart         10000 restart.a.lammps restart.b.lammps",
        "write_data      final.data pair ij", "thermo_style    custom step temp press density",
    ):  # fmt: skip
        assert needle in script, needle
    assert script.index("minimize ") < script.index("fix             shake")
    info = json.loads((tmp_path / "system.json").read_text())
    assert [s["name"] for s in info["species"]] == ["Li", "PF6", "EC", "DMC"]
    assert info["n_atoms"] == result.system.n_atoms
    assert info["concentrations"]["basis"] == "solvent"  # the analysis copies it to the summary
    assert info["concentrations"]["mol_per_l_solvent"] == pytest.approx(1.0, rel=0.15)
    coords = np.array([[float(v) for v in line.split()[4:7]] for line in sections(text)["Atoms"]])
    assert coords.min() >= 0 and coords.max() <= result.system.box_length


def test_gaff_and_opls_species_mix_with_stated_rules() -> None:
    pytest.importorskip("parmed")
    gaff = molecule_from_prmtop(DATA / "methyl_acetate_gaff2.prmtop", "S1", "S1", "CC(=O)OC", 0)
    assert gaff.bonds and gaff.dihedrals and gaff.impropers
    assert abs(gaff.total_charge) < 1e-9
    li, pf6 = library_molecule("Li"), library_molecule("PF6")
    molecules = [li, pf6, gaff]
    coords = np.concatenate([m.coords for m in molecules])
    system = BoxSystem(molecules, [1, 1, 1], coords, 20.0)
    assert system.dihedral_styles() == ["fourier"]  # PF6 has no torsions, methyl acetate GAFF
    text = render_data(system, "test")
    check_data_file(text)
    # Lorentz-Berthelot between GAFF types only; OPLS types are mixed geometrically by LAMMPS
    pairs = system.gaff_pair_coeffs()
    n_gaff = len(gaff.atom_types)
    assert len(pairs) == n_gaff * (n_gaff - 1) // 2
    i, j, eps, sigma = pairs[0]
    ti, tj = gaff.atom_types[0], gaff.atom_types[1]
    assert sigma == pytest.approx((ti.sigma + tj.sigma) / 2)
    assert eps == pytest.approx((ti.epsilon * tj.epsilon) ** 0.5)
    assert i > 3 and j > 3  # Li (1) and PF6 (2, 3) are not in the explicit list
    ec = library_molecule("EC")
    mixed = BoxSystem(
        [li, ec, gaff], [1, 1, 1], np.concatenate([li.coords, ec.coords, gaff.coords]), 20.0
    )
    assert mixed.dihedral_styles() == ["fourier", "opls"]
    text = render_data(mixed, "test")
    assert "Dihedral Coeffs # hybrid" in text
    assert re.search(r"^\d+ opls ", text, re.M) and re.search(r"^\d+ fourier \d ", text, re.M)


@needs_packmol
def test_charged_smiles_that_unbalances_the_box_is_refused(tmp_path: Path) -> None:
    spec = MDSpec.model_validate(
        {
            "salts": [{"name": "LiPF6", "concentration": 1.0}],
            "solvents": [{"name": "EC"}, {"smiles": "CC[N+](C)(C)C", "ratio": 0.1}],
            "salt_pairs": 2,
        }
    )
    with pytest.raises(InvalidInput, match="net charge"):
        build(spec, tmp_path)
