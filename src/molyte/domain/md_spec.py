"""The MD job spec: an electrolyte (salts, solvents, concentration) and a simulation protocol.

Units: concentration mol/L (or mol/kg, see below), lengths in Angstrom, temperature K,
pressure atm, timestep fs, stage lengths ps, intervals in MD steps, density g/cm^3.

A solvent is a library name (see `molyte.engines.md.library_catalog()`) or a SMILES string.
A SMILES must be one molecule RDKit can parse, made of elements GAFF2 covers; it is then
parameterised with GAFF2/AM1-BCC when the job is built. A library solvent may be an ionic
liquid (`[EMIM][TFSI]`, ...): in ratios it counts as one ion pair, with the liquid's density.

Salts: a concentration is mol of the salt's formula unit per litre of solvent mixture
(`concentration_basis: "solvent"`, the default), per litre of solution (`"solution"`: what
"1 M LiPF6 in EC:EMC" means in the laboratory) or per kg of solvent mixture (`"molal"`, mol/kg);
`molyte.engines.md.composition` turns each into molecule counts. A multivalent salt brings as
many anions as balance its cation (Mg(TFSI)2: one Mg2+, two TFSI-).
`salts` may be empty (a neat solvent or blend); such a box is sized by `molecules` (solvent
molecules, ionic-liquid ion pairs counting one each), `box_length`, or the preset.

Ion charges (of every species with a net charge) are multiplied by `ion_charge_scale`. When a
spec leaves it out it is chosen from the composition (`default_charge_scale`) and stored, so a
stored spec always says which scale its job ran with.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator
from rdkit import Chem
from rdkit.rdBase import BlockLogs

from molyte.domain.common import ResourcesSpec, Smiles, StrictModel, leave_out_unset

# Salts and solvents the force-field library knows (kept equal to the engine's library by a
# unit test). Any other solvent is given by SMILES.
SALTS = (
    "LiPF6", "LiTFSI", "LiFSI", "LiBF4", "LiOTf",
    "NaPF6", "NaTFSI", "NaFSI", "NaBF4", "NaOTf",
    "LiNO3", "LiClO4", "NaClO4", "Mg(TFSI)2", "Zn(OTf)2",
    "LiBOB", "LiDFOB", "NaBOB", "NaDFOB",
)  # fmt: skip
IONIC_LIQUIDS = tuple(
    f"[{cation}][{anion}]"
    for cation in ("EMIM", "BMIM", "C4mpyr")
    for anion in ("TFSI", "FSI", "BF4", "PF6")
)
SOLVENTS = (
    "EC", "PC", "VC", "DMC", "EMC", "DEC", "DME", "DOL", "FEC", "ACN", "water", "TTE", "BTFE",
    *IONIC_LIQUIDS,
)  # fmt: skip

# Default ion charge scales (`default_charge_scale`). With full charges the ions of 1 M LiPF6 in
# EC:EMC are still caged after 160 ps and a run gives no conductivity; at 0.8 (the usual
# electronic-polarisation correction of fixed-charge models) the validation benchmark puts the
# Einstein-Helfand conductivity of LP57, LiPF6/PC and LiTFSI in DME:DOL within 0.73-1.26x of
# experiment in 1 ns runs (engines/md/data/README.md). CL&P's ionic
# liquids are fitted to densities at full charge, so boxes with one keep it.
SALT_CHARGE_SCALE = 0.8
FULL_CHARGE_SCALE = 1.0

# Elements GAFF2 has atom types for.
GAFF2_ELEMENTS = frozenset({"H", "C", "N", "O", "F", "P", "S", "Cl", "Br", "I"})
SMILES_MAX_HEAVY_ATOMS = 60
# Given charges must add up to the molecule's formal charge within this (e); they are then
# shifted evenly to the exact value.
CHARGE_SUM_TOLERANCE = 0.01


class RatioType(StrEnum):
    MOLE = "mole"
    MASS = "mass"
    VOLUME = "volume"


class ConcentrationBasis(StrEnum):
    """What a salt's `concentration` counts per: litre of solvent mixture, litre of solution,
    or kg of solvent mixture (mol/kg)."""

    SOLVENT = "solvent"
    SOLUTION = "solution"
    MOLAL = "molal"


class Preset(StrEnum):
    FAST = "fast"
    STANDARD = "standard"
    ACCURATE = "accurate"


def check_solvent_smiles(smiles: str) -> str:
    """Refuse a SMILES that RDKit cannot parse or that is not one GAFF2-typable molecule."""
    with BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"RDKit cannot parse the SMILES {smiles!r}")
    if len(Chem.GetMolFrags(mol)) != 1:
        raise ValueError("give one molecule per SMILES (no '.')")
    elements = {atom.GetSymbol() for atom in mol.GetAtoms()}
    unsupported = sorted(elements - GAFF2_ELEMENTS)
    if unsupported:
        raise ValueError(
            f"GAFF2 has no parameters for {', '.join(unsupported)}; "
            f"it covers {', '.join(sorted(GAFF2_ELEMENTS))}"
        )
    if mol.GetNumHeavyAtoms() > SMILES_MAX_HEAVY_ATOMS:
        raise ValueError(f"more than {SMILES_MAX_HEAVY_ATOMS} heavy atoms")
    if any(atom.GetNumRadicalElectrons() for atom in mol.GetAtoms()):
        raise ValueError("radicals are not supported (GAFF2/AM1-BCC needs a closed shell)")
    return smiles


def check_charges(smiles: str, charges: list[float]) -> None:
    """Raise ValueError unless `charges` has one finite value per atom of `smiles` (hydrogens
    included) and adds up to its formal charge."""
    with BlockLogs():
        mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    if len(charges) != mol.GetNumAtoms():
        raise ValueError(
            f"{len(charges)} charges for {mol.GetNumAtoms()} atoms of {smiles} "
            "(one per atom, hydrogens included)"
        )
    if not all(math.isfinite(q) and abs(q) <= 4 for q in charges):
        raise ValueError("each charge must be a finite number between -4 and 4")
    formal = Chem.GetFormalCharge(mol)
    if abs(sum(charges) - formal) > CHARGE_SUM_TOLERANCE:
        raise ValueError(
            f"the charges add up to {sum(charges):+.4f} e, not to the formal charge {formal:+d} "
            f"of {smiles} (tolerance {CHARGE_SUM_TOLERANCE} e)"
        )


class SaltSpec(StrictModel):
    name: str = Field(description="Library salt, e.g. LiPF6")
    concentration: float = Field(
        gt=0, le=10, description="mol/L, or mol/kg with concentration_basis molal"
    )

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SALTS:
            raise ValueError(f"unknown salt {value!r}; choose one of {', '.join(SALTS)}")
        return value


class SolventSpec(StrictModel):
    """A library solvent by name, or any molecule by SMILES. A SMILES solvent may carry its own
    `charges` (one per atom in the SMILES order with hydrogens appended, as RDKit's AddHs
    numbers them) for GAFF2 types instead of AM1-BCC; the server copies them from a QC job's
    RESP charges, or its ESP charges, when the request names the job (`charges_from_job`)."""

    name: str | None = Field(default=None, description="Library solvent, e.g. EC")
    smiles: Smiles | None = None
    ratio: float = Field(default=1.0, gt=0, le=1000)
    density: float | None = Field(
        default=None,
        gt=0.3,
        le=3.0,
        description="g/cm^3 of the pure liquid, for a SMILES solvent; estimated when absent",
    )
    # These two, newer than the first workers, are left out of dumps while unset (see
    # `leave_out_unset`).
    charges: list[Annotated[float, Field(ge=-4, le=4, allow_inf_nan=False)]] | None = Field(
        default=None,
        max_length=1000,
        description="e per atom, SMILES order with hydrogens appended; replace AM1-BCC",
        exclude_if=leave_out_unset,
    )
    charges_from_job: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="a completed QC job of this molecule whose RESP (else ESP) charges become "
        "`charges`",
        exclude_if=leave_out_unset,
    )

    @field_validator("name")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in SOLVENTS:
            raise ValueError(
                f"unknown solvent {value!r}; choose one of {', '.join(SOLVENTS)} or give a SMILES"
            )
        return value

    @field_validator("smiles")
    @classmethod
    def _parsable(cls, value: str | None) -> str | None:
        return None if value is None else check_solvent_smiles(value)

    @field_validator("charges")
    @classmethod
    def _charges_fit(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        smiles = info.data.get("smiles")
        if value is None or smiles is None:
            return value  # a library solvent with charges is refused below
        check_charges(smiles, value)
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.name is None) == (self.smiles is None):
            raise ValueError("give exactly one of name or smiles")
        if self.smiles is None and (self.charges is not None or self.charges_from_job is not None):
            raise ValueError("charges and charges_from_job are only for SMILES solvents")
        if self.name is not None and self.density is not None:
            raise ValueError("density is only for SMILES solvents; library solvents have theirs")
        return self


COMPRESS_PS_MAX = 10.0  # ps, the compress stage when the spec does not say


class StagesSpec(StrictModel):
    """Stage lengths in picoseconds: minimise, compress, optional anneal, NPT, NVT production.

    Packmol fills a box looser than the liquid (it needs room to place molecules without
    overlaps); `compress_ps` of NVT squeezes it to the estimated liquid density over its first
    half and holds that volume over its second, so NPT starts near its answer instead of
    spending tens of ps contracting from 80 % of it. Unset, it is a tenth of NPT and at most
    COMPRESS_PS_MAX: the squeezed packing needs several ps to relax (in a 600-atom EC box its
    pressure fell from 6,000 atm to about zero in 6-8 ps); cut short, the barostat's first
    swing overshoots to a density 10 % low, opens voids, and the box creeps back for 50 ps.
    """

    minimize: bool = True
    # Newer than the first workers: left out of dumps while unset (see `leave_out_unset`).
    compress_ps: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="default: a tenth of npt_ps, at most 10 ps",
        exclude_if=leave_out_unset,
    )
    npt_ps: float = Field(default=100, ge=0, le=100_000)
    anneal_ps: float = Field(default=0, ge=0, le=100_000)
    anneal_temperature: float = Field(default=400, ge=200, le=1000, description="K")
    nvt_ps: float = Field(default=200, ge=0, le=1_000_000)

    @property
    def effective_compress_ps(self) -> float:
        if self.compress_ps is not None:
            return self.compress_ps
        return min(COMPRESS_PS_MAX, self.npt_ps / 10.0)


PRESET_STAGES: dict[Preset, StagesSpec] = {
    Preset.FAST: StagesSpec(npt_ps=20, nvt_ps=20),
    Preset.STANDARD: StagesSpec(npt_ps=1000, nvt_ps=2000),
    Preset.ACCURATE: StagesSpec(npt_ps=2000, anneal_ps=500, nvt_ps=10000),
}

# System size when the spec gives neither salt_pairs nor box_length.
PRESET_SALT_PAIRS: dict[Preset, int] = {Preset.FAST: 10, Preset.STANDARD: 50, Preset.ACCURATE: 100}
# Salt-free boxes: solvent molecules (ionic-liquid ion pairs) when neither molecules nor
# box_length is given.
PRESET_MOLECULES: dict[Preset, int] = {Preset.FAST: 100, Preset.STANDARD: 400, Preset.ACCURATE: 800}


class MDSpec(StrictModel):
    salts: list[SaltSpec] = Field(max_length=4, description="empty for a neat solvent or blend")
    solvents: list[SolventSpec] = Field(min_length=1, max_length=6)
    ratio_type: RatioType = RatioType.MOLE
    # Left out of dumps (the stored spec, the worker's copy) at its default, so that a worker
    # from before this field, whose spec refuses unknown fields, still runs the usual jobs
    # (see `common.leave_out_unset`).
    concentration_basis: ConcentrationBasis = Field(
        default=ConcentrationBasis.SOLVENT,
        description="salt concentrations per litre of solvent mixture (solvent), per litre of "
        "solution (solution) or per kg of solvent mixture (molal, mol/kg)",
        exclude_if=lambda basis: basis is ConcentrationBasis.SOLVENT,
    )
    salt_pairs: int | None = Field(
        default=None,
        ge=1,
        le=5000,
        description="total formula units over all salts (ion pairs for 1:1 salts)",
    )
    molecules: int | None = Field(  # newer than the first workers: see `leave_out_unset`
        default=None,
        ge=2,
        le=20_000,
        description="solvent molecules of a salt-free box (an ionic-liquid ion pair counts one)",
        exclude_if=leave_out_unset,
    )
    box_length: float | None = Field(default=None, ge=15, le=300, description="Angstrom")
    temperature: float = Field(default=298.15, ge=200, le=1000, description="K")
    pressure: float = Field(default=1.0, ge=0.1, le=10_000, description="atm")
    timestep: float = Field(default=1.0, gt=0, le=4, description="fs")
    preset: Preset = Preset.STANDARD
    stages: StagesSpec | None = None
    ion_charge_scale: float = Field(
        default=SALT_CHARGE_SCALE,
        ge=0.5,
        le=1.0,
        description="factor on every ion's charges; when absent, 0.8 for salts in molecular "
        "solvents and 1.0 when a solvent is an ionic liquid or there is no salt",
    )
    thermo_interval: int = Field(default=1000, ge=1, le=1_000_000, description="steps")
    dump_interval: int = Field(default=5000, ge=1, le=10_000_000, description="steps")
    restart_interval: int = Field(default=10_000, ge=100, le=10_000_000, description="steps")
    cutoff: float = Field(default=12.0, ge=6, le=20, description="Angstrom, LJ and real-space")
    seed: int = Field(default=20240, ge=1, le=900_000_000, description="velocities, packing")
    resources: ResourcesSpec = ResourcesSpec()

    @model_validator(mode="before")
    @classmethod
    def _charge_scale(cls, data: Any) -> Any:
        """Fill in `ion_charge_scale` from the composition when the spec leaves it out."""
        if isinstance(data, dict) and "ion_charge_scale" not in data:
            scale = default_charge_scale(data.get("salts"), data.get("solvents"))
            return {**data, "ion_charge_scale": scale}
        return data

    @model_validator(mode="after")
    def _size(self) -> Self:
        if self.salt_pairs is not None and self.box_length is not None:
            raise ValueError("give salt_pairs or box_length, not both")
        if self.molecules is not None and self.box_length is not None:
            raise ValueError("give molecules or box_length, not both")
        if self.salts and self.molecules is not None:
            raise ValueError("molecules sizes a salt-free box; with salts give salt_pairs")
        if not self.salts and self.salt_pairs is not None:
            raise ValueError("salt_pairs needs salts; size a salt-free box with molecules")
        if not self.salts and self.concentration_basis is not ConcentrationBasis.SOLVENT:
            raise ValueError(
                "concentration_basis applies to salt concentrations; a salt-free box "
                "(salts: []) takes none"
            )
        names = [s.name for s in self.salts]
        if len(set(names)) != len(names):
            raise ValueError("each salt may appear once")
        solvents = [s.name or s.smiles for s in self.solvents]
        if len(set(solvents)) != len(solvents):
            raise ValueError("each solvent may appear once")
        return self

    @property
    def effective_stages(self) -> StagesSpec:
        return self.stages or PRESET_STAGES[self.preset]


def default_charge_scale(salts: object, solvents: object) -> float:
    """The ion charge scale of a spec that gives none: SALT_CHARGE_SCALE for salts in
    molecular solvents, FULL_CHARGE_SCALE when a solvent is an ionic liquid or there is no salt.

    Takes the request's raw values (lists of dicts, or of SaltSpec/SolventSpec when built in
    code) before they are validated: anything it cannot read counts as no salt or a molecular
    solvent, and validation then reports what is wrong with it.
    """
    if not isinstance(salts, list | tuple) or not salts:
        return FULL_CHARGE_SCALE
    items = solvents if isinstance(solvents, list | tuple) else ()
    names = [
        item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
        for item in items
    ]
    return (
        FULL_CHARGE_SCALE
        if any(n in IONIC_LIQUIDS for n in names if isinstance(n, str))
        else SALT_CHARGE_SCALE
    )
