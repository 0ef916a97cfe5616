"""Molecule counts and box size from concentrations and solvent ratios (pure, fast).

The formula (used by `compose`, checked by hand in tests/unit/md/test_composition.py):

1. Solvent mole fractions x_i from the ratios r_i: by mole x_i ~ r_i; by mass x_i ~ r_i / M_i;
   by volume x_i ~ r_i rho_i / M_i (M in g/mol, rho of the pure liquid in g/cm^3). An ionic
   liquid counts as one ion pair: M is the pair's mass, rho the liquid's density.
2. Molar volume of the solvent mixture, ideal mixing: v_mix = sum_i x_i M_i / rho_i (cm^3/mol).
3. The concentration c (mol/L) is counted per litre of solvent mixture: the volume the salt adds
   on dissolving is neglected. So one litre holds 1000 / v_mix mol of solvent and c_tot = sum_k c_k
   mol of salt formula units, and each formula unit comes with s = 1000 / (c_tot v_mix) solvent
   molecules. A formula unit is one cation and z+/|z-| anions (Mg(TFSI)2: one Mg2+, two TFSI-),
   so every salt is neutral by construction.
4. N formula units in all (the spec's `salt_pairs`, or from `box_length`, or the preset's
   default) are shared among the salts in proportion to c_k (largest remainders, at least one
   each); solvent i gets n_i = round(x_i N s), at least one. An ionic-liquid solvent adds n_i of
   its cation and n_i of its anion.
   Salt-free (`salts: []`): n_i = round(x_i N_solv), N_solv from the spec's `molecules`, from
   `box_length` (L^3 / sum_i x_i V_i), or the preset's default.
5. The box: V = sum_i n_i M_i / (rho_i N_A) + sum_ions n_j v_j, where an ion's volume v_j is its
   RDKit van der Waals volume divided by the packing fraction of organic liquids (0.61, the mean
   over the library solvents). A `box_length` L sets N = round(L^3 / V(one formula unit and its s
   solvent molecules)).
A SMILES solvent, a GAFF2 library entry or an ionic liquid without a given density gets
rho = f M / (N_A V_vdW), f the same packing fraction (for an ionic liquid, the sum of its ions'
volumes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.typing import NDArray
from rdkit import Chem
from rdkit.Chem import AllChem, Descriptors

from molyte.domain.md_spec import PRESET_MOLECULES, PRESET_SALT_PAIRS, MDSpec, RatioType
from molyte.engines.md.geometry import embed
from molyte.engines.md.library import (
    ionic_liquid_record,
    library_molecule,
    library_name_of,
    salt_record,
    species_record,
)
from molyte.engines.md.topology import ForceField, Kind
from molyte.errors import InvalidInput

AVOGADRO = 6.02214076e23
A3_PER_CM3 = 1e24
# van der Waals volume / molecular volume in the liquid, mean over the library solvents
# (RDKit ComputeMolVolume on ETKDG conformers; 0.61 +- 0.045).
PACKING_FRACTION = 0.61


@dataclass(frozen=True)
class Species:
    """One kind of molecule in the box."""

    name: str
    resname: str
    kind: Kind
    smiles: str
    library: bool  # OPLS-AA library species; else GAFF2 from SMILES
    molar_mass: float  # g/mol
    n_atoms: int
    formal_charge: int
    volume: float  # A^3 per molecule in the liquid
    density: float | None = None  # g/cm^3 of the pure liquid (solvents)
    forcefield: ForceField = ForceField.OPLS
    ions: tuple[str, ...] = ()  # an ionic liquid: its cation and anion (then not in the box)


@dataclass(frozen=True)
class Composition:
    species: list[Species]  # cations, anions, molecular solvents, in box order
    counts: dict[str, int]  # molecules per species of the box
    salt_pairs: dict[str, int]  # formula units per salt
    box_length: float  # A, cube edge at the estimated liquid density
    solvent_counts: dict[str, int] = field(default_factory=dict)  # per spec solvent

    @property
    def n_atoms(self) -> int:
        return sum(self.counts[s.name] * s.n_atoms for s in self.species)

    @property
    def total_charge(self) -> int:
        return sum(self.counts[s.name] * s.formal_charge for s in self.species)


def vdw_volume(mol: Chem.Mol) -> float:
    """RDKit grid van der Waals volume (A^3) of a molecule with one conformer."""
    return float(AllChem.ComputeMolVolume(mol, gridSpacing=0.2))  # type: ignore[no-untyped-call]


@cache
def library_species(name: str) -> Species:
    """A library ion or molecular solvent (no antechamber run for GAFF2 entries)."""
    record = species_record(name)
    if record.get("forcefield") == ForceField.GAFF2:
        gaff = smiles_species(record["smiles"], name, record.get("density"))
        return Species(
            **{**gaff.__dict__, "resname": record["resname"], "library": True},
        )
    molecule = library_molecule(name)
    mol = Chem.AddHs(Chem.MolFromSmiles(record["smiles"]))
    density = record.get("density")
    if density is not None:
        volume = molecule.molar_mass / density / AVOGADRO * A3_PER_CM3
    else:
        volume = _conformer_volume(mol, molecule.coords) / PACKING_FRACTION
    return Species(
        name=name,
        resname=record["resname"],
        kind=molecule.kind,
        smiles=record["smiles"],
        library=True,
        molar_mass=molecule.molar_mass,
        n_atoms=molecule.n_atoms,
        formal_charge=molecule.formal_charge,
        volume=volume,
        density=density,
    )


@cache
def ionic_liquid_species(name: str) -> Species:
    """An ionic liquid as one solvent unit: one cation and one anion, with the liquid's density."""
    record = ionic_liquid_record(name)
    if record is None:
        raise InvalidInput(f"{name!r} is not a library ionic liquid")
    cation, anion = library_species(record["cation"]), library_species(record["anion"])
    mass = cation.molar_mass + anion.molar_mass
    density = record.get("density")
    volume = (
        mass / density / AVOGADRO * A3_PER_CM3
        if density is not None
        else cation.volume + anion.volume
    )
    return Species(
        name=name,
        resname=name,
        kind=Kind.SOLVENT,
        smiles=f"{cation.smiles}.{anion.smiles}",
        library=True,
        molar_mass=mass,
        n_atoms=cation.n_atoms + anion.n_atoms,
        formal_charge=0,
        volume=volume,
        density=mass / (volume * AVOGADRO / A3_PER_CM3),
        ions=(cation.name, anion.name),
    )


def smiles_species(smiles: str, name: str, density: float | None) -> Species:
    """A GAFF2 solvent: size and mass from RDKit, density given or estimated."""
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    mass = float(Descriptors.MolWt(mol))  # type: ignore[attr-defined]
    if density is None:
        volume = _conformer_volume(mol, embed(mol)) / PACKING_FRACTION
        density = mass / (volume * AVOGADRO / A3_PER_CM3)
    charge = Chem.GetFormalCharge(mol)
    return Species(
        name=name,
        resname=name,
        kind=Kind.SOLVENT if charge == 0 else (Kind.CATION if charge > 0 else Kind.ANION),
        smiles=smiles,
        library=False,
        molar_mass=mass,
        n_atoms=mol.GetNumAtoms(),
        formal_charge=charge,
        volume=mass / density / AVOGADRO * A3_PER_CM3,
        density=density,
        forcefield=ForceField.GAFF2,
    )


def _conformer_volume(mol: Chem.Mol, coords: NDArray[np.float64]) -> float:
    work = Chem.Mol(mol)
    conformer = Chem.Conformer(work.GetNumAtoms())
    for i, xyz in enumerate(coords):
        conformer.SetAtomPosition(i, [float(v) for v in xyz])
    work.RemoveAllConformers()
    work.AddConformer(conformer)
    return vdw_volume(work)


def solvent_species(spec: MDSpec) -> list[Species]:
    """The spec's solvents; a SMILES of a library molecule uses the library species."""
    result = []
    for number, solvent in enumerate(spec.solvents, 1):
        if solvent.name is not None:
            is_liquid_salt = ionic_liquid_record(solvent.name) is not None
            maker = ionic_liquid_species if is_liquid_salt else library_species
            result.append(maker(solvent.name))
            continue
        assert solvent.smiles is not None
        if solvent.charges_from_job is not None and solvent.charges is None:
            # The server copies the QC job's charges in at submission; never fall back to AM1-BCC.
            raise InvalidInput(f"solvent {number}: charges_from_job was not resolved into charges")
        known = library_name_of(solvent.smiles)
        # Given charges go with GAFF2 types (`builder.build`), not with the library's OPLS-AA.
        if known is not None and solvent.density is None and solvent.charges is None:
            result.append(library_species(known))
        else:
            result.append(smiles_species(solvent.smiles, f"S{number}", solvent.density))
    names = [s.name for s in result]
    for name in names:
        if names.count(name) > 1:
            raise InvalidInput(f"solvent {name} is given twice (by name and by SMILES)")
    return result


def mole_fractions(
    ratios: list[float], ratio_type: RatioType, molar_masses: list[float], densities: list[float]
) -> list[float]:
    """Mole fractions of the solvents from ratios by mole, mass or volume."""
    if ratio_type is RatioType.MOLE:
        moles = list(ratios)
    elif ratio_type is RatioType.MASS:
        moles = [r / m for r, m in zip(ratios, molar_masses, strict=True)]
    else:
        moles = [r * d / m for r, d, m in zip(ratios, densities, molar_masses, strict=True)]
    total = sum(moles)
    return [n / total for n in moles]


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), at least one each."""
    total = max(total, len(weights))
    shares = [total * w / sum(weights) for w in weights]
    counts = [max(1, math.floor(s)) for s in shares]
    order = sorted(
        range(len(weights)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True
    )
    for i in order:
        if sum(counts) >= total:
            break
        counts[i] += 1
    return counts


def anions_per_cation(salt: str, cation: Species, anion: Species) -> int:
    """Anions in one formula unit of `salt`: the cation's charge over the anion's."""
    z_cation, z_anion = cation.formal_charge, -anion.formal_charge
    if z_cation <= 0 or z_anion <= 0 or z_cation % z_anion:
        raise ValueError(f"salt {salt}: charges {z_cation:+d} and {-z_anion:+d} do not balance")
    return z_cation // z_anion


def compose(spec: MDSpec, solvents: list[Species] | None = None) -> Composition:
    """Counts of every species and the estimated box edge for `spec` (formula in module doc)."""
    solvents = solvent_species(spec) if solvents is None else solvents
    salts = [salt_record(s.name) for s in spec.salts]
    conc = [s.concentration for s in spec.salts]
    x = mole_fractions(
        [s.ratio for s in spec.solvents],
        spec.ratio_type,
        [s.molar_mass for s in solvents],
        [s.density or 0.0 for s in solvents],
    )
    v_mix = sum(xi * s.molar_mass / (s.density or 1.0) for xi, s in zip(x, solvents, strict=True))
    solvent_volume = sum(xi * s.volume for xi, s in zip(x, solvents, strict=True))  # A^3 per mol.

    cations = [library_species(s["cation"]) for s in salts]
    anions = [library_species(s["anion"]) for s in salts]
    nu = [
        anions_per_cation(s["name"], cat, an)
        for s, cat, an in zip(salts, cations, anions, strict=True)
    ]
    unit_volumes = [
        cat.volume + n * an.volume for cat, an, n in zip(cations, anions, nu, strict=True)
    ]
    if salts:
        c_total = sum(conc)
        solvent_per_pair = 1000.0 / (c_total * v_mix)
        if spec.salt_pairs is not None:
            n_pairs = spec.salt_pairs
        elif spec.box_length is not None:
            pair_volume = solvent_per_pair * solvent_volume + sum(
                (c / c_total) * v for c, v in zip(conc, unit_volumes, strict=True)
            )
            n_pairs = max(1, round(spec.box_length**3 / pair_volume))
        else:
            n_pairs = PRESET_SALT_PAIRS[spec.preset]
        pairs = apportion(n_pairs, conc)
        n_solvent = sum(pairs) * solvent_per_pair
    else:
        pairs = []
        if spec.molecules is not None:
            n_solvent = spec.molecules
        elif spec.box_length is not None:
            n_solvent = max(1, round(spec.box_length**3 / solvent_volume))
        else:
            n_solvent = PRESET_MOLECULES[spec.preset]

    counts: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n

    for cat, an, n_anions, n in zip(cations, anions, nu, pairs, strict=True):
        add(cat.name, n)
        add(an.name, n_anions * n)
    solvent_counts = {
        s.name: max(1, round(xi * n_solvent)) for xi, s in zip(x, solvents, strict=True)
    }
    liquid_ions: list[Species] = []
    for s in solvents:
        if s.ions:
            ions = [library_species(name) for name in s.ions]
            liquid_ions += ions
            for ion in ions:
                add(ion.name, solvent_counts[s.name])
        else:
            add(s.name, solvent_counts[s.name])

    molecular = [s for s in solvents if not s.ions]
    ions_in_box = [*cations, *liquid_ions, *anions]
    ordered = list(
        dict.fromkeys(
            [
                *(i for i in ions_in_box if i.kind is Kind.CATION),
                *(i for i in ions_in_box if i.kind is Kind.ANION),
                *molecular,
            ]
        )
    )
    volume = sum(n * v for n, v in zip(pairs, unit_volumes, strict=True))
    volume += sum(solvent_counts[s.name] * s.volume for s in solvents)
    return Composition(
        species=ordered,
        counts={s.name: counts[s.name] for s in ordered},
        salt_pairs={s["name"]: n for s, n in zip(salts, pairs, strict=True)},
        box_length=volume ** (1.0 / 3.0),
        solvent_counts=solvent_counts,
    )


def preview(spec: MDSpec) -> dict[str, object]:
    """Counts per species, box edge (A) and atom count, without packmol or antechamber."""
    composition = compose(spec)
    return {
        "species": [
            {
                "name": s.name,
                "kind": str(s.kind),
                "smiles": s.smiles,
                "forcefield": str(s.forcefield),
                "count": composition.counts[s.name],
                "atoms_per_molecule": s.n_atoms,
            }
            for s in composition.species
        ],
        "counts": dict(composition.counts),
        "salt_pairs": composition.salt_pairs,
        "solvent_counts": dict(composition.solvent_counts),
        "box_length": round(composition.box_length, 2),
        "atoms": composition.n_atoms,
        "total_charge": composition.total_charge,
    }
