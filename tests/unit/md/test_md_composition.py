"""Molecule counts from concentration and ratios, checked against hand calculations."""

from __future__ import annotations

import pytest

from molyte.domain.md_spec import MDSpec, RatioType
from molyte.engines.md.composition import apportion, compose, mole_fractions, preview
from molyte.errors import InvalidInput


def make(**fields: object) -> MDSpec:
    data: dict[str, object] = {
        "salts": [{"name": "LiPF6", "concentration": 1.0}],
        "solvents": [{"name": "EC", "ratio": 1}, {"name": "DMC", "ratio": 1}],
        "ratio_type": "mass",
        "salt_pairs": 10,
    }
    data.update(fields)
    return MDSpec.model_validate(data)


def test_lipf6_in_ec_dmc_by_mass_matches_hand_calculation() -> None:
    # Hand calculation (EC C3H4O3 88.062 g/mol, 1.321 g/cm^3; DMC C3H6O3 90.078 g/mol,
    # 1.063 g/cm^3), 1:1 by mass, 1.0 mol/L counted per litre of solvent:
    #   1 g EC + 1 g DMC = 1/88.062 + 1/90.078 = 0.0113556 + 0.0111015 = 0.0224571 mol
    #   in 1/1.321 + 1/1.063 = 0.757002 + 0.940734 = 1.697736 cm^3
    #   -> 0.0224571 / 1.697736 * 1000 = 13.2277 mol of solvent per litre
    #   -> 13.2277 solvent molecules per ion pair at 1.0 mol/L; 10 pairs -> 132.277 molecules
    #   EC: 132.277 * 0.0113556 / 0.0224571 = 66.887 -> 67
    #   DMC: 132.277 * 0.0111015 / 0.0224571 = 65.390 -> 65
    composition = compose(make())
    assert composition.counts == {"Li": 10, "PF6": 10, "EC": 67, "DMC": 65}
    assert composition.salt_pairs == {"LiPF6": 10}
    assert composition.total_charge == 0
    assert composition.n_atoms == 10 * 1 + 10 * 7 + 67 * 10 + 65 * 12
    # box: solvent volumes from the liquid densities plus the two ions' estimated volumes
    solvent_volume = (67 * 88.062 / 1.321 + 65 * 90.078 / 1.063) / 6.02214076e23 * 1e24
    assert composition.box_length**3 > solvent_volume
    assert composition.box_length**3 < solvent_volume * 1.15


def test_mole_and_volume_ratios() -> None:
    masses, densities = [88.062, 90.078], [1.321, 1.063]
    assert mole_fractions([3, 7], RatioType.MOLE, masses, densities) == pytest.approx([0.3, 0.7])
    # 1:1 by volume: moles 1.321/88.062 = 0.015001 and 1.063/90.078 = 0.011801
    x = mole_fractions([1, 1], RatioType.VOLUME, masses, densities)
    assert x[0] == pytest.approx(0.015001 / (0.015001 + 0.011801), rel=1e-4)


def test_two_salts_share_the_pairs_by_concentration() -> None:
    spec = make(
        salts=[{"name": "LiPF6", "concentration": 0.9}, {"name": "LiFSI", "concentration": 0.3}],
        salt_pairs=8,
    )
    composition = compose(spec)
    assert composition.salt_pairs == {"LiPF6": 6, "LiFSI": 2}
    assert composition.counts["Li"] == 8
    assert apportion(5, [1, 1, 1]) == [2, 2, 1]
    assert apportion(1, [10, 1]) == [1, 1]  # every salt gets at least one pair


def test_box_length_sets_the_number_of_pairs() -> None:
    small = compose(make(salt_pairs=None, box_length=30))
    large = compose(make(salt_pairs=None, box_length=60))
    assert large.salt_pairs["LiPF6"] == pytest.approx(8 * small.salt_pairs["LiPF6"], rel=0.15)
    assert small.box_length == pytest.approx(30, rel=0.05)


def test_preview_is_quick_and_handles_smiles() -> None:
    result = preview(make(solvents=[{"smiles": "COCCOCCOC", "ratio": 1}], ratio_type="mole"))
    assert result["counts"]["Li"] == 10  # type: ignore[index]
    diglyme = result["species"][2]  # type: ignore[index]
    assert diglyme["forcefield"] == "GAFF2" and diglyme["atoms_per_molecule"] == 23
    assert result["atoms"] == 10 + 70 + 23 * result["counts"]["S1"]  # type: ignore[index]
    assert 15 < result["box_length"] < 40  # type: ignore[operator]
    # diglyme is 0.94 g/cm^3; the RDKit estimate must be near enough to size the box
    assert result["counts"]["S1"] == pytest.approx(1000 / (134.17 / 0.94) * 10, rel=0.2)  # type: ignore[index]


def test_smiles_of_a_library_solvent_uses_the_library() -> None:
    result = preview(make(solvents=[{"smiles": "O=C1OCCO1"}], ratio_type="mole"))
    assert result["species"][2]["name"] == "EC"  # type: ignore[index]
    assert result["species"][2]["forcefield"] == "OPLS-AA"  # type: ignore[index]
    with pytest.raises(InvalidInput, match="EC is given twice"):
        preview(make(solvents=[{"name": "EC"}, {"smiles": "C1COC(=O)O1"}]))


def test_divalent_salt_brings_two_anions_per_cation() -> None:
    # Mg(TFSI)2 0.5 mol/L in DME (90.122 g/mol, 0.862 g/cm^3): 0.862 / 90.122 * 1000
    #   = 9.5648 mol/L of DME -> 19.130 DME per formula unit; 5 units -> 95.65 -> 96
    composition = compose(
        make(salts=[{"name": "Mg(TFSI)2", "concentration": 0.5}],
             solvents=[{"name": "DME"}], salt_pairs=5)
    )  # fmt: skip
    assert composition.counts == {"Mg": 5, "TFSI": 10, "DME": 96}
    assert composition.salt_pairs == {"Mg(TFSI)2": 5}
    assert composition.total_charge == 0


def test_divalent_and_monovalent_salts_together_stay_neutral() -> None:
    composition = compose(
        make(
            salts=[
                {"name": "Zn(OTf)2", "concentration": 1.0},
                {"name": "LiTFSI", "concentration": 1.0},
            ],
            solvents=[{"name": "water"}],
            salt_pairs=6,
        )
    )
    counts = composition.counts
    assert (counts["Zn"], counts["OTf"], counts["Li"], counts["TFSI"]) == (3, 6, 3, 3)
    assert composition.total_charge == 0
    assert [s.name for s in composition.species] == ["Zn", "Li", "OTf", "TFSI", "water"]


def test_ionic_liquid_as_solvent_of_a_lithium_salt() -> None:
    # [EMIM][TFSI]: 111.168 + 280.138 = 391.306 g/mol at 1.519 g/cm^3 -> 257.60 cm^3/mol
    #   -> 3.8820 mol/L of ion pairs; at 0.5 mol/L LiTFSI: 7.7639 pairs per LiTFSI;
    #   4 LiTFSI -> 31.06 -> 31 [EMIM][TFSI]; TFSI- = 4 (salt) + 31 (liquid)
    composition = compose(
        make(salts=[{"name": "LiTFSI", "concentration": 0.5}],
             solvents=[{"name": "[EMIM][TFSI]"}], salt_pairs=4)
    )  # fmt: skip
    assert composition.counts == {"Li": 4, "EMIM": 31, "TFSI": 35}
    assert composition.solvent_counts == {"[EMIM][TFSI]": 31}
    assert composition.total_charge == 0
    assert composition.n_atoms == 4 + 31 * 19 + 35 * 15


def test_salt_free_blend_by_mass() -> None:
    # EC:EMC 3:7 by mass: 3/88.062 = 0.034067 and 7/104.105 = 0.067240 mol
    #   -> x_EC = 0.33628; 100 molecules -> 33.6 -> 34 EC, 66 EMC
    composition = compose(
        make(salts=[], solvents=[{"name": "EC", "ratio": 3}, {"name": "EMC", "ratio": 7}],
             salt_pairs=None, molecules=100)
    )  # fmt: skip
    assert composition.counts == {"EC": 34, "EMC": 66}
    assert composition.salt_pairs == {} and composition.total_charge == 0
    volume = (34 * 88.062 / 1.321 + 66 * 104.105 / 1.006) / 6.02214076e23 * 1e24
    assert composition.box_length**3 == pytest.approx(volume, rel=1e-3)


def test_neat_ionic_liquid_and_box_length_of_a_neat_solvent() -> None:
    liquid = compose(make(salts=[], solvents=[{"name": "[BMIM][BF4]"}], salt_pairs=None,
                          molecules=30))  # fmt: skip
    assert liquid.counts == {"BMIM": 30, "BF4": 30}
    assert [s.name for s in liquid.species] == ["BMIM", "BF4"]
    # 30 pairs of 225.8 g/mol at 1.201 g/cm^3
    assert liquid.box_length**3 == pytest.approx(30 * 225.8 / 1.201 / 0.602214076, rel=2e-3)
    pc = compose(make(salts=[], solvents=[{"name": "PC"}], salt_pairs=None, box_length=30))
    assert pc.box_length == pytest.approx(30, rel=0.01)
    assert preview(make(salts=[], solvents=[{"name": "PC"}], salt_pairs=None))["counts"] == {
        "PC": 400  # the standard preset's salt-free size
    }
