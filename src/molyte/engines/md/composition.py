"""Molecule counts and box size from concentrations and solvent ratios (pure, fast).

The formula (used by `compose`, checked by hand in tests/unit/md/test_composition.py):

1. Solvent mole fractions x_i from the ratios r_i: by mole x_i ~ r_i; by mass x_i ~ r_i / M_i;
   by volume x_i ~ r_i rho_i / M_i (M in g/mol, rho of the pure liquid in g/cm^3).
2. Molar volume of the solvent mixture, ideal mixing: v_mix = sum_i x_i M_i / rho_i (cm^3/mol).
3. The concentration c (mol/L) is counted per litre of solvent mixture: the volume the salt adds
   on dissolving is neglected. So one litre holds 1000 / v_mix mol of solvent and c_tot = sum_k c_k
   mol of ion pairs, and each ion pair comes with s = 1000 / (c_tot v_mix) solvent molecules.
4. N ion pairs in all (the spec's `salt_pairs`, or from `box_length`, or the preset's default)
   are shared among the salts in proportion to c_k (largest remainders, at least one each);
   solvent i gets n_i = round(x_i N s), at least one.
5. The box: V = sum_i n_i M_i / (rho_i N_A) + sum_ions n_j v_j, where an ion's volume v_j is its
   RDKit van der Waals volume divided by the packing fraction of organic liquids (0.61, the mean
   over the library solvents). A `box_length` L sets N = round(L^3 / V(one pair and its s
   solvent molecules)).
A SMILES solvent without a given density gets rho = f M / (N_A V_vdW), f the same packing fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray
from rdkit import Chem
from rdkit.Chem import AllChem, Descriptors

from molyte.domain.md_spec import PRESET_SALT_PAIRS, MDSpec, RatioType
from molyte.engines.md.geometry import embed
from molyte.engines.md.library import (
    library_molecule,
    library_name_of,
    salt_record,
    species_record,
)
from molyte.engines.md.topology import Kind
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


@dataclass(frozen=True)
class Composition:
    species: list[Species]  # cations, anions, solvents, in box order
    counts: dict[str, int]
    salt_pairs: dict[str, int]
    box_length: float  # A, cube edge at the estimated liquid density

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
    record = species_record(name)
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
            result.append(library_species(solvent.name))
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


def compose(spec: MDSpec, solvents: list[Species] | None = None) -> Composition:
    """Counts of every species and the estimated box edge for `spec` (formula in module doc)."""
    solvents = solvent_species(spec) if solvents is None else solvents
    salts = [salt_record(s.name) for s in spec.salts]
    conc = [s.concentration for s in spec.salts]
    c_total = sum(conc)
    x = mole_fractions(
        [s.ratio for s in spec.solvents],
        spec.ratio_type,
        [s.molar_mass for s in solvents],
        [s.density or 0.0 for s in solvents],
    )
    v_mix = sum(xi * s.molar_mass / (s.density or 1.0) for xi, s in zip(x, solvents, strict=True))
    solvent_per_pair = 1000.0 / (c_total * v_mix)

    cations = [library_species(s["cation"]) for s in salts]
    anions = [library_species(s["anion"]) for s in salts]
    if spec.salt_pairs is not None:
        n_pairs = spec.salt_pairs
    elif spec.box_length is not None:
        pair_volume = solvent_per_pair * sum(
            xi * s.volume for xi, s in zip(x, solvents, strict=True)
        )
        pair_volume += sum(
            (c / c_total) * (cat.volume + an.volume)
            for c, cat, an in zip(conc, cations, anions, strict=True)
        )
        n_pairs = max(1, round(spec.box_length**3 / pair_volume))
    else:
        n_pairs = PRESET_SALT_PAIRS[spec.preset]
    pairs = apportion(n_pairs, conc)

    counts: dict[str, int] = {}
    for cat, an, n in zip(cations, anions, pairs, strict=True):
        counts[cat.name] = counts.get(cat.name, 0) + n
        counts[an.name] = counts.get(an.name, 0) + n
    n_solvent = sum(pairs) * solvent_per_pair
    for xi, s in zip(x, solvents, strict=True):
        counts[s.name] = max(1, round(xi * n_solvent))

    ordered = list(dict.fromkeys([*cations, *anions, *solvents]))
    volume = sum(counts[s.name] * s.volume for s in ordered)
    return Composition(
        species=ordered,
        counts=counts,
        salt_pairs={s["name"]: n for s, n in zip(salts, pairs, strict=True)},
        box_length=volume ** (1.0 / 3.0),
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
                "forcefield": "OPLS-AA" if s.library else "GAFF2",
                "count": composition.counts[s.name],
                "atoms_per_molecule": s.n_atoms,
            }
            for s in composition.species
        ],
        "counts": dict(composition.counts),
        "salt_pairs": composition.salt_pairs,
        "box_length": round(composition.box_length, 2),
        "atoms": composition.n_atoms,
        "total_charge": composition.total_charge,
    }
