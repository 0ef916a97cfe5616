"""Molecule counts from concentration and ratios, checked against hand calculations."""

from __future__ import annotations

import pytest

from molyte.domain.md_spec import ConcentrationBasis, MDSpec, RatioType
from molyte.engines.md.composition import (
    A3_PER_CM3,
    AVOGADRO,
    apportion,
    compose,
    library_species,
    mole_fractions,
    preview,
    solution_limit_problem,
)
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
    # 30 pairs of 225.8 g/mol at 1.202 g/cm^3
    assert liquid.box_length**3 == pytest.approx(30 * 225.8 / 1.202 / 0.602214076, rel=2e-3)
    pc = compose(make(salts=[], solvents=[{"name": "PC"}], salt_pairs=None, box_length=30))
    assert pc.box_length == pytest.approx(30, rel=0.01)
    assert preview(make(salts=[], solvents=[{"name": "PC"}], salt_pairs=None))["counts"] == {
        "PC": 400  # the standard preset's salt-free size
    }


# LiPF6 in PC (102.089 g/mol, 1.200 g/cm^3 -> v_mix = 85.0742 cm^3/mol), 10 formula units.
# The ions' volumes of the model (RDKit vdW volume / 0.61, times N_A): Li+ 43.415 cm^3/mol,
# PF6- 71.642 cm^3/mol -> v_salt = 115.057 cm^3/mol.
V_LI, V_PF6 = 43.415, 71.642


def lipf6_in_pc(basis: str | None, concentration: float = 1.0) -> MDSpec:
    fields: dict[str, object] = {
        "salts": [{"name": "LiPF6", "concentration": concentration}],
        "solvents": [{"name": "PC"}],
        "ratio_type": "mole",
    }
    if basis is not None:
        fields["concentration_basis"] = basis
    return make(**fields)


def test_ion_volumes_of_the_model() -> None:
    li, pf6 = library_species("Li"), library_species("PF6")
    assert li.volume * AVOGADRO / A3_PER_CM3 == pytest.approx(V_LI, rel=1e-4)
    assert pf6.volume * AVOGADRO / A3_PER_CM3 == pytest.approx(V_PF6, rel=1e-4)


def test_per_litre_of_solvent_is_the_default_and_unchanged() -> None:
    # 1000 / 85.0742 = 11.7544 PC per pair; 10 pairs -> 117.54 -> 118 (as before the field).
    default = compose(lipf6_in_pc(None))
    assert default.counts == {"Li": 10, "PF6": 10, "PC": 118}
    assert compose(lipf6_in_pc("solvent")) == default
    assert lipf6_in_pc(None).concentration_basis is ConcentrationBasis.SOLVENT
    # What that box holds: 10 / (118 * 85.0742) * 1000 = 0.99612 mol/L of solvent (not 1.0:
    #   118 is rounded from 117.54), 10 / (10038.76 + 10 * 115.057) * 1000 = 0.89371 mol/L of
    #   solution (a "1 M" box of this basis is 0.89 M as a chemist counts it) and
    #   10 / (118 * 102.089) * 1000 = 0.83011 mol/kg.
    assert default.concentrations is not None
    assert default.concentrations.as_dict() == pytest.approx(
        {"basis": "solvent", "mol_per_l_solvent": 0.9961,
         "mol_per_l_solution_estimated": 0.8937, "mol_per_kg_solvent": 0.8301},
        abs=1e-4,
    )  # fmt: skip


def test_per_litre_of_solution() -> None:
    # 1000 / 1.0 = s * 85.0742 + 115.057 -> s = 884.943 / 85.0742 = 10.4021; 10 pairs -> 104 PC
    composition = compose(lipf6_in_pc("solution"))
    assert composition.counts == {"Li": 10, "PF6": 10, "PC": 104}
    # 104 * 85.0742 + 10 * 115.057 = 9998.29 cm^3 per mol of boxes -> 1.00017 mol/L (rounding
    # 10.4021 * 10 to 104 shifts it from 1.0 by 0.02 %); the box volume is the same sum.
    assert composition.concentrations is not None
    assert composition.concentrations.per_litre_solution == pytest.approx(
        10_000 / (104 * 102.089 / 1.2 + 10 * (V_LI + V_PF6)), rel=1e-4
    )
    assert composition.concentrations.per_litre_solution == pytest.approx(1.0, abs=3e-4)
    assert composition.box_length**3 * AVOGADRO / A3_PER_CM3 == pytest.approx(
        104 * 102.089 / 1.2 + 10 * (V_LI + V_PF6), rel=1e-4
    )


def test_molal() -> None:
    # s = 1000 / (1.0 * 102.089) = 9.7954 PC per pair; 10 pairs -> 97.95 -> 98 PC,
    #   i.e. 10 / (98 * 102.089) * 1000 = 0.99953 mol/kg
    composition = compose(lipf6_in_pc("molal"))
    assert composition.counts == {"Li": 10, "PF6": 10, "PC": 98}
    assert composition.concentrations is not None
    assert composition.concentrations.per_kg_solvent == pytest.approx(0.99953, rel=1e-4)
    assert composition.concentrations.basis is ConcentrationBasis.MOLAL


def test_molal_blend_and_ionic_liquid_count_per_solvent_unit() -> None:
    # EC:DMC 1:1 by mass: x_EC = 0.50566, M_mix = 2 g / 0.0224571 mol = 89.059 g/mol (the
    #   first test's numbers); 0.5 mol/kg -> s = 1000 / (0.5 * 89.059) = 22.457; 10 pairs ->
    #   224.57 solvent: EC 224.57 * 0.50566 = 113.56 -> 114, DMC 111.01 -> 111
    blend = compose(make(salts=[{"name": "LiPF6", "concentration": 0.5}],
                         concentration_basis="molal"))  # fmt: skip
    assert (blend.counts["EC"], blend.counts["DMC"]) == (114, 111)
    # [EMIM][TFSI] ion pairs are the solvent units: 391.306 g/mol; 0.5 mol/kg LiTFSI ->
    #   s = 1000 / (0.5 * 391.306) = 5.1111; 4 LiTFSI -> 20.44 -> 20 ion pairs
    liquid = compose(make(salts=[{"name": "LiTFSI", "concentration": 0.5}],
                          solvents=[{"name": "[EMIM][TFSI]"}], salt_pairs=4,
                          concentration_basis="molal"))  # fmt: skip
    assert liquid.counts == {"Li": 4, "EMIM": 20, "TFSI": 24}
    assert liquid.concentrations is not None
    assert liquid.concentrations.per_kg_solvent == pytest.approx(4000 / (20 * 391.306), rel=1e-3)


def test_solution_basis_refuses_a_salt_that_fills_the_litre() -> None:
    # 1000 / 115.057 = 8.691 mol/L: the salt alone fills the litre; just below is buildable.
    assert solution_limit_problem(lipf6_in_pc("solution", 8.6)) is None
    problem = solution_limit_problem(lipf6_in_pc("solution", 8.7))
    assert problem is not None
    assert "8.7 mol of LiPF6 per litre of solution" in problem and "less than 8.69 mol" in problem
    with pytest.raises(InvalidInput, match="leaves no room for solvent"):
        compose(lipf6_in_pc("solution", 8.7))
    # the other bases have no such limit (the spec's own bound, 10, applies)
    assert compose(lipf6_in_pc("solvent", 8.7)).counts["PC"] >= 1
    assert solution_limit_problem(lipf6_in_pc("molal", 8.7)) is None


def test_preview_reports_the_basis_and_all_three_concentrations() -> None:
    result = preview(lipf6_in_pc("molal"))
    assert result["concentrations"] == {
        "basis": "molal",
        "mol_per_l_solvent": pytest.approx(10_000 / (98 * 85.0742), abs=1e-4),
        "mol_per_l_solution_estimated": pytest.approx(
            10_000 / (98 * 85.0742 + 10 * (V_LI + V_PF6)), abs=2e-4
        ),
        "mol_per_kg_solvent": pytest.approx(0.9995, abs=1e-4),
    }
    neat = preview(make(salts=[], solvents=[{"name": "PC"}], salt_pairs=None))
    assert neat["concentrations"] is None
