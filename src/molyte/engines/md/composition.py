"""Molecule counts and box size from concentrations and solvent ratios (pure, fast).

The formula (used by `compose`, checked by hand in tests/unit/md/test_md_composition.py):

1. Solvent mole fractions x_i from the ratios r_i: by mole x_i ~ r_i; by mass x_i ~ r_i / M_i;
   by volume x_i ~ r_i rho_i / M_i (M in g/mol, rho of the pure liquid in g/cm^3). An ionic
   liquid counts as one ion pair: M is the pair's mass, rho the liquid's density.
2. Molar volume and mass of the solvent mixture, ideal mixing: v_mix = sum_i x_i M_i / rho_i
   (cm^3/mol), M_mix = sum_i x_i M_i (g/mol).
3. A formula unit is one cation and z+/|z-| anions (Mg(TFSI)2: one Mg2+, two TFSI-), so every
   salt is neutral by construction. With c_tot = sum_k c_k, each formula unit comes with s solvent
   molecules, by the spec's `concentration_basis`:
   - "solvent" (default), mol per litre of solvent mixture: a litre of solvent holds 1000 / v_mix
     mol of solvent, so s = 1000 / (c_tot v_mix); the volume the salt adds is neglected.
   - "solution", mol per litre of solution: the litre is solvent and salt together, in the
     volume model of step 5, 1000 / c_tot = s v_mix + v_salt, so s = (1000 / c_tot - v_salt) /
     v_mix, where v_salt = sum_k (c_k / c_tot) sum_{j in unit k} v_j N_A (cm^3 per mol of formula
     units, v_j as in step 5). At c_tot >= 1000 / v_salt the salt alone fills the litre (s <= 0):
     the spec is refused (`solution_limit_problem`), never clamped.
   - "molal", mol per kg of solvent mixture: s = 1000 / (c_tot M_mix).
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
6. What the box holds, in all three bases (`Concentrations`, from the rounded counts, so it may
   differ a little from the spec): N / (sum_i n_i M_i / rho_i) per litre of solvent, N / V per
   litre of (estimated) solution, N / (sum_i n_i M_i) per kg of solvent; an ionic-liquid solvent
   counts as its n_i ion pairs.
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

from molyte.domain.md_spec import (
    PRESET_MOLECULES,
    PRESET_SALT_PAIRS,
    ConcentrationBasis,
    MDSpec,
    RatioType,
)
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
class Concentrations:
    """Salt formula units (all salts) the box holds, in each basis (module doc, step 6)."""

    basis: ConcentrationBasis  # the one the spec's concentrations are given in
    per_litre_solvent: float  # mol/L of solvent mixture
    per_litre_solution: float  # mol/L of the estimated box volume
    per_kg_solvent: float  # mol/kg of solvent mixture

    def as_dict(self) -> dict[str, object]:
        return {
            "basis": str(self.basis),
            "mol_per_l_solvent": round(self.per_litre_solvent, 4),
            "mol_per_l_solution_estimated": round(self.per_litre_solution, 4),
            "mol_per_kg_solvent": round(self.per_kg_solvent, 4),
        }


@dataclass(frozen=True)
class Composition:
    species: list[Species]  # cations, anions, molecular solvents, in box order
    counts: dict[str, int]  # molecules per species of the box
    salt_pairs: dict[str, int]  # formula units per salt
    box_length: float  # A, cube edge at the estimated liquid density
    solvent_counts: dict[str, int] = field(default_factory=dict)  # per spec solvent
    concentrations: Concentrations | None = None  # None for a salt-free box

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


@dataclass(frozen=True)
class SaltUnit:
    """One formula unit of a salt: a cation and as many anions as balance it."""

    name: str
    cation: Species
    anion: Species
    anions: int

    @property
    def volume(self) -> float:
        """A^3, the ions' estimated volumes in the liquid."""
        return self.cation.volume + self.anions * self.anion.volume


def salt_units(spec: MDSpec) -> list[SaltUnit]:
    """The spec's salts as formula units, in spec order."""
    units = []
    for salt in spec.salts:
        record = salt_record(salt.name)
        cation, anion = library_species(record["cation"]), library_species(record["anion"])
        units.append(
            SaltUnit(salt.name, cation, anion, anions_per_cation(salt.name, cation, anion))
        )
    return units


def salt_molar_volume(spec: MDSpec, units: list[SaltUnit]) -> float:
    """v_salt, cm^3 per mol of formula units averaged over the salts by concentration."""
    c_total = sum(s.concentration for s in spec.salts)
    mean = sum(s.concentration / c_total * u.volume for s, u in zip(spec.salts, units, strict=True))
    return mean * AVOGADRO / A3_PER_CM3


def solution_limit_problem(spec: MDSpec) -> str | None:
    """Why a spec's per-litre-of-solution concentration cannot be built (its salt alone would
    fill the litre, module doc step 3), or None. The server asks at submission."""
    if not spec.salts or spec.concentration_basis is not ConcentrationBasis.SOLUTION:
        return None
    return _room_for_solvent(spec, salt_molar_volume(spec, salt_units(spec)))


def _room_for_solvent(spec: MDSpec, v_salt: float) -> str | None:
    """The refusal of `solution_limit_problem` for a known v_salt (cm^3/mol), or None."""
    c_total = sum(s.concentration for s in spec.salts)
    if 1000.0 / c_total > v_salt:
        return None
    names = " + ".join(s.name for s in spec.salts)
    return (
        f"{c_total:g} mol of {names} per litre of solution leaves no room for solvent: by the "
        f"ions' estimated volume ({v_salt:.1f} cm^3 per mol of formula units) a litre of "
        f"solution holds less than {1000.0 / v_salt:.2f} mol; give a lower concentration, or "
        "concentration_basis 'solvent' or 'molal'"
    )


def solvent_per_unit(spec: MDSpec, v_mix: float, m_mix: float, v_salt: float) -> float:
    """s: solvent molecules per salt formula unit in the spec's basis (module doc, step 3)."""
    c_total = sum(s.concentration for s in spec.salts)
    if spec.concentration_basis is ConcentrationBasis.MOLAL:
        return 1000.0 / (c_total * m_mix)
    if spec.concentration_basis is ConcentrationBasis.SOLUTION:
        problem = _room_for_solvent(spec, v_salt)  # v_salt is already known: not recomputed
        if problem is not None:
            raise InvalidInput(problem)
        return (1000.0 / c_total - v_salt) / v_mix
    return 1000.0 / (c_total * v_mix)


def compose(spec: MDSpec, solvents: list[Species] | None = None) -> Composition:
    """Counts of every species and the estimated box edge for `spec` (formula in module doc)."""
    solvents = solvent_species(spec) if solvents is None else solvents
    units = salt_units(spec)
    conc = [s.concentration for s in spec.salts]
    x = mole_fractions(
        [s.ratio for s in spec.solvents],
        spec.ratio_type,
        [s.molar_mass for s in solvents],
        [s.density or 0.0 for s in solvents],
    )
    v_mix = sum(xi * s.molar_mass / (s.density or 1.0) for xi, s in zip(x, solvents, strict=True))
    m_mix = sum(xi * s.molar_mass for xi, s in zip(x, solvents, strict=True))
    solvent_volume = sum(xi * s.volume for xi, s in zip(x, solvents, strict=True))  # A^3 per mol.

    if units:
        c_total = sum(conc)
        solvent_per_pair = solvent_per_unit(spec, v_mix, m_mix, salt_molar_volume(spec, units))
        if spec.salt_pairs is not None:
            n_pairs = spec.salt_pairs
        elif spec.box_length is not None:
            pair_volume = solvent_per_pair * solvent_volume + sum(
                (c / c_total) * u.volume for c, u in zip(conc, units, strict=True)
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

    for unit, n in zip(units, pairs, strict=True):
        add(unit.cation.name, n)
        add(unit.anion.name, unit.anions * n)
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
    ions_in_box = [
        *(u.cation for u in units),
        *liquid_ions,
        *(u.anion for u in units),
    ]
    ordered = list(
        dict.fromkeys(
            [
                *(i for i in ions_in_box if i.kind is Kind.CATION),
                *(i for i in ions_in_box if i.kind is Kind.ANION),
                *molecular,
            ]
        )
    )
    volume = sum(n * u.volume for n, u in zip(pairs, units, strict=True))
    volume += sum(solvent_counts[s.name] * s.volume for s in solvents)
    concentrations = None
    if units:
        # Step 6: in mol of boxes, so counts read as mol and A^3 as cm^3/mol after the factor.
        n_units = sum(pairs)
        solvent_cm3 = sum(
            solvent_counts[s.name] * s.molar_mass / (s.density or 1.0) for s in solvents
        )
        solvent_g = sum(solvent_counts[s.name] * s.molar_mass for s in solvents)
        concentrations = Concentrations(
            basis=spec.concentration_basis,
            per_litre_solvent=1000.0 * n_units / solvent_cm3,
            per_litre_solution=1000.0 * n_units / (volume * AVOGADRO / A3_PER_CM3),
            per_kg_solvent=1000.0 * n_units / solvent_g,
        )
    return Composition(
        species=ordered,
        counts={s.name: counts[s.name] for s in ordered},
        salt_pairs={u.name: n for u, n in zip(units, pairs, strict=True)},
        box_length=volume ** (1.0 / 3.0),
        solvent_counts=solvent_counts,
        concentrations=concentrations,
    )


def preview(spec: MDSpec) -> dict[str, object]:
    """Counts per species, box edge (A), atom count and the salt concentration in all three
    bases (`concentrations`, null without salts), without packmol or antechamber."""
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
        "concentrations": (
            composition.concentrations.as_dict() if composition.concentrations else None
        ),
    }
