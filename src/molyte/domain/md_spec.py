"""The MD job spec: an electrolyte (salts, solvents, concentration) and a simulation protocol."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from molyte.domain.common import ResourcesSpec, Smiles, StrictModel

# Salts and solvents the force-field library knows. Any other solvent is given by SMILES.
SALTS = ("LiPF6", "LiTFSI", "LiFSI", "LiBF4", "LiOTf", "NaPF6", "NaTFSI", "NaFSI", "NaBF4")
SOLVENTS = ("EC", "PC", "VC", "DMC", "EMC", "DEC", "DME", "DOL", "FEC", "ACN", "water")


class RatioType(StrEnum):
    MOLE = "mole"
    MASS = "mass"
    VOLUME = "volume"


class Preset(StrEnum):
    FAST = "fast"
    STANDARD = "standard"
    ACCURATE = "accurate"


class SaltSpec(StrictModel):
    name: str = Field(description="Library salt, e.g. LiPF6")
    concentration: float = Field(gt=0, le=10, description="mol/L")

    @model_validator(mode="after")
    def _known(self) -> Self:
        if self.name not in SALTS:
            raise ValueError(f"unknown salt {self.name!r}; choose one of {', '.join(SALTS)}")
        return self


class SolventSpec(StrictModel):
    name: str | None = Field(default=None, description="Library solvent, e.g. EC")
    smiles: Smiles | None = None
    ratio: float = Field(default=1.0, gt=0, le=1000)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.name is None) == (self.smiles is None):
            raise ValueError("give exactly one of name or smiles")
        if self.name is not None and self.name not in SOLVENTS:
            raise ValueError(
                f"unknown solvent {self.name!r}; choose one of {', '.join(SOLVENTS)} "
                "or give a SMILES"
            )
        return self


class StagesSpec(StrictModel):
    """Stage lengths in picoseconds."""

    minimize: bool = True
    npt_ps: float = Field(default=100, ge=0, le=100_000)
    anneal_ps: float = Field(default=0, ge=0, le=100_000)
    anneal_temperature: float = Field(default=400, ge=200, le=1000, description="K")
    nvt_ps: float = Field(default=200, ge=0, le=1_000_000)


PRESET_STAGES: dict[Preset, StagesSpec] = {
    Preset.FAST: StagesSpec(npt_ps=20, nvt_ps=20),
    Preset.STANDARD: StagesSpec(npt_ps=1000, nvt_ps=2000),
    Preset.ACCURATE: StagesSpec(npt_ps=2000, anneal_ps=500, nvt_ps=10000),
}


class MDSpec(StrictModel):
    salts: list[SaltSpec] = Field(min_length=1, max_length=4)
    solvents: list[SolventSpec] = Field(min_length=1, max_length=6)
    ratio_type: RatioType = RatioType.MOLE
    salt_pairs: int | None = Field(default=None, ge=1, le=5000)
    box_length: float | None = Field(default=None, ge=15, le=300, description="Angstrom")
    temperature: float = Field(default=298.15, ge=200, le=1000, description="K")
    pressure: float = Field(default=1.0, ge=0.1, le=10_000, description="atm")
    timestep: float = Field(default=1.0, gt=0, le=4, description="fs")
    preset: Preset = Preset.STANDARD
    stages: StagesSpec | None = None
    ion_charge_scale: float = Field(default=1.0, ge=0.5, le=1.0)
    thermo_interval: int = Field(default=1000, ge=1, le=1_000_000, description="steps")
    dump_interval: int = Field(default=5000, ge=1, le=10_000_000, description="steps")
    resources: ResourcesSpec = ResourcesSpec()

    @model_validator(mode="after")
    def _size(self) -> Self:
        if self.salt_pairs is not None and self.box_length is not None:
            raise ValueError("give salt_pairs or box_length, not both")
        return self

    @property
    def effective_stages(self) -> StagesSpec:
        return self.stages or PRESET_STAGES[self.preset]
