"""The QC job spec: a molecule and what to compute on it, with every keyword from an allow-list."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from molyte.domain.common import ResourcesSpec, Smiles, StrictModel

METHODS = ("HF", "B3LYP", "PBE0", "M06-2X", "wB97X-D", "PBE", "TPSS", "GFN2-xTB")
BASIS_SETS = (
    "STO-3G", "3-21G", "6-31G", "6-31G*", "6-31G**", "6-31+G*", "6-31+G**", "6-311G*",
    "6-311G**", "6-311+G*", "6-311+G**", "6-311++G**", "def2-SVP", "def2-SVPD", "def2-TZVP",
    "def2-TZVPD", "def2-QZVP", "cc-pVDZ", "cc-pVTZ", "aug-cc-pVDZ", "aug-cc-pVTZ",
)  # fmt: skip
SOLVENTS = (
    "water", "acetonitrile", "dmso", "thf", "methanol", "ethanol", "acetone",
    "dichloromethane", "chloroform", "toluene", "benzene", "n,n-dimethylformamide",
)  # fmt: skip

# A line of an XYZ block: element symbol and three coordinates; nothing else is accepted.
_XYZ_LINE = re.compile(
    r"^\s*[A-Z][a-z]?\s+-?\d+(\.\d+)?([eE][-+]?\d+)?\s+-?\d+(\.\d+)?([eE][-+]?\d+)?"
    r"\s+-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$"
)
XYZ_MAX_ATOMS = 200


class Task(StrEnum):
    SP = "sp"
    OPT = "opt"
    OPT_FREQ = "opt_freq"
    BINDING_ENERGY = "binding_energy"
    REDOX = "redox"


class QCEngineName(StrEnum):
    AUTO = "auto"
    GAUSSIAN = "gaussian"
    PYSCF = "pyscf"
    XTB = "xtb"


class SolvationModel(StrEnum):
    NONE = "none"
    PCM = "pcm"
    SMD = "smd"


class Dispersion(StrEnum):
    NONE = "none"
    GD3BJ = "GD3BJ"


def _check_xyz(value: str) -> str:
    lines = [ln for ln in value.strip().splitlines() if ln.strip()]
    # Accept a plain block of atom lines, or a full XYZ file (count, comment, atoms).
    if lines and lines[0].strip().isdigit():
        count = int(lines[0])
        lines = lines[2:] if len(lines) >= count + 2 else lines[1:]
        if len(lines) != count:
            raise ValueError(f"xyz says {count} atoms but has {len(lines)} atom lines")
    if not lines:
        raise ValueError("xyz has no atoms")
    if len(lines) > XYZ_MAX_ATOMS:
        raise ValueError(f"xyz has more than {XYZ_MAX_ATOMS} atoms")
    for number, line in enumerate(lines, 1):
        if not _XYZ_LINE.match(line):
            raise ValueError(f"xyz atom line {number} is not 'Element x y z'")
    return "\n".join(ln.strip() for ln in lines)


class MoleculeSpec(StrictModel):
    smiles: Smiles | None = None
    xyz: str | None = Field(default=None, max_length=20_000)
    charge: int = Field(default=0, ge=-4, le=4)
    multiplicity: int = Field(default=1, ge=1, le=6)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.smiles is None) == (self.xyz is None):
            raise ValueError("give exactly one of smiles or xyz")
        if self.xyz is not None:
            object.__setattr__(self, "xyz", _check_xyz(self.xyz))
        return self


class SolvationSpec(StrictModel):
    model: SolvationModel = SolvationModel.NONE
    solvent: str | None = None
    epsilon: float | None = Field(default=None, gt=1, le=200)

    @model_validator(mode="after")
    def _solvent(self) -> Self:
        if self.model is SolvationModel.NONE:
            if self.solvent is not None or self.epsilon is not None:
                raise ValueError("solvent and epsilon need a solvation model (pcm or smd)")
            return self
        if (self.solvent is None) == (self.epsilon is None):
            raise ValueError("give exactly one of solvent or epsilon")
        if self.solvent is not None and self.solvent not in SOLVENTS:
            raise ValueError(f"unknown solvent {self.solvent!r}; choose one of {', '.join(SOLVENTS)}")
        return self


class QCSpec(StrictModel):
    molecule: MoleculeSpec
    task: Task = Task.OPT
    method: str = "B3LYP"
    basis: str = "6-31G*"
    dispersion: Dispersion = Dispersion.NONE
    solvation: SolvationSpec = SolvationSpec()
    engine: QCEngineName = QCEngineName.AUTO
    ion: str | None = Field(default=None, description="Li or Na, for binding_energy")
    resources: ResourcesSpec = ResourcesSpec()

    @model_validator(mode="after")
    def _allowed(self) -> Self:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if self.basis not in BASIS_SETS:
            raise ValueError(f"unknown basis {self.basis!r}; choose one of {', '.join(BASIS_SETS)}")
        if self.task is Task.BINDING_ENERGY and self.ion not in ("Li", "Na"):
            raise ValueError("binding_energy needs ion 'Li' or 'Na'")
        if self.task is not Task.BINDING_ENERGY and self.ion is not None:
            raise ValueError("ion is only used by binding_energy")
        return self
