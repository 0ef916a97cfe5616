"""The QC job spec: a molecule and what to compute on it, with every keyword from an allow-list.

Every string a user gives is either matched against an allow-list (method, basis, solvent, ion)
or parsed into typed values (SMILES through RDKit, XYZ through an element table), so nothing
typed by a user reaches a Gaussian route line or any other generated file. Errors are raised
as `ValueError` inside validators, so the API answers 422 naming the field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from molyte.domain.common import ResourcesSpec, Smiles, StrictModel

METHODS = (
    "HF", "B3LYP", "PBE0", "M06-2X", "wB97X-D", "PBE", "TPSS", "GFN2-xTB", "MP2", "CCSD(T)",
)  # fmt: skip
# Correlated wave-function methods, run on Gaussian only (the PySCF runner does HF and DFT).
# CCSD(T) has no analytic gradient in Gaussian, so it is a single point only.
POST_HF_METHODS = ("MP2", "CCSD(T)")
BASIS_SETS = (
    "STO-3G", "3-21G", "6-31G", "6-31G*", "6-31G**", "6-31+G*", "6-31+G**", "6-311G*",
    "6-311G**", "6-311+G*", "6-311+G**", "6-311++G**", "def2-SVP", "def2-SVPD", "def2-TZVP",
    "def2-TZVPD", "def2-QZVP", "cc-pVDZ", "cc-pVTZ", "aug-cc-pVDZ", "aug-cc-pVTZ",
)  # fmt: skip
SOLVENTS = (
    "water", "acetonitrile", "dmso", "thf", "methanol", "ethanol", "acetone",
    "dichloromethane", "chloroform", "toluene", "benzene", "n,n-dimethylformamide",
)  # fmt: skip


# Each allowed solvent as the programs name it, with its dielectric constant at 298 K from the
# Minnesota Solvent Descriptor Database (Winget et al., comp.chem.umn.edu/solvation/mnsddb.pdf),
# the values Gaussian and PySCF use. xtb's ALPB model has no ethanol.
class SolventNames(NamedTuple):
    """One solvent's keyword in Gaussian, name in PySCF's SMD table, ALPB name in xtb, epsilon."""

    gaussian: str
    pyscf: str
    xtb: str | None
    epsilon: float


SOLVENT_TABLE: dict[str, SolventNames] = {
    "water": SolventNames("Water", "water", "water", 78.3553),
    "acetonitrile": SolventNames("Acetonitrile", "acetonitrile", "acetonitrile", 35.688),
    "dmso": SolventNames("DiMethylSulfoxide", "dimethylsulfoxide", "dmso", 46.826),
    "thf": SolventNames("TetraHydroFuran", "tetrahydrofuran", "thf", 7.4257),
    "methanol": SolventNames("Methanol", "methanol", "methanol", 32.613),
    "ethanol": SolventNames("Ethanol", "ethanol", None, 24.852),
    "acetone": SolventNames("Acetone", "acetone", "acetone", 20.493),
    "dichloromethane": SolventNames("DiChloroMethane", "dichloromethane", "ch2cl2", 8.93),
    "chloroform": SolventNames("Chloroform", "chloroform", "chcl3", 4.7113),
    "toluene": SolventNames("Toluene", "toluene", "toluene", 2.3741),
    "benzene": SolventNames("Benzene", "benzene", "benzene", 2.2706),
    "n,n-dimethylformamide": SolventNames(
        "n,n-DiMethylFormamide", "N,N-dimethylformamide", "dmf", 37.219
    ),
}
IONS = ("Li", "Na")
# The temperature every engine's thermochemistry uses unless told otherwise (at 1 atm).
DEFAULT_TEMPERATURE_K = 298.15
XTB_METHOD = "GFN2-xTB"
# Methods that carry their own dispersion correction: adding GD3BJ would count it twice.
SELF_DISPERSED = ("wB97X-D", XTB_METHOD)
# Basis sets Gaussian 16 does not ship (it has Def2SVP/TZVP/QZVP, not the diffuse "D" sets).
NOT_IN_GAUSSIAN = ("def2-SVPD", "def2-TZVPD")
# Functionals PySCF cannot evaluate (PySCF refuses wB97X-D: its dispersion term is not wired).
NOT_IN_PYSCF = ("wB97X-D",)

# Element symbols in atomic-number order (H = 1 ... Rn = 86).
ELEMENTS = (
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si",
    "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni",
    "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo",
    "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba",
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
    "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po",
    "At", "Rn",
)  # fmt: skip
ATOMIC_NUMBERS = {symbol: number for number, symbol in enumerate(ELEMENTS, 1)}

_NUMBER = r"-?\d+(\.\d+)?([eE][-+]?\d+)?"
# A line of an XYZ block: element symbol and three coordinates; nothing else is accepted.
# ASCII only: Python's \d and \s also match other scripts' digits (float() reads "١.٥") and
# Unicode spaces, which would be stored in the spec as the user typed them.
_XYZ_LINE = re.compile(rf"^\s*[A-Z][a-z]?\s+{_NUMBER}\s+{_NUMBER}\s+{_NUMBER}\s*$", re.ASCII)
# The comment line of a full XYZ file is dropped, but it still may not smuggle input syntax.
_XYZ_COMMENT = re.compile(r"^[\w .,:;=()+\-*/]*$")
XYZ_MAX_ATOMS = 200
# Angstrom; a molecule spans a few tens. Far larger numbers (1e999 reads as inf) would be
# written as they are into the Gaussian and xtb inputs.
XYZ_MAX_COORDINATE = 1000.0


class Task(StrEnum):
    SP = "sp"
    OPT = "opt"
    OPT_FREQ = "opt_freq"
    BINDING_ENERGY = "binding_energy"
    REDOX = "redox"


class RedoxKind(StrEnum):
    OXIDATION = "oxidation"
    REDUCTION = "reduction"


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


class ChargeScheme(StrEnum):
    """Which charges are fitted to the electrostatic potential: `esp` the plain Merz-Kollman
    fit (where the engine has one), `resp` also the two-stage restrained fit (PySCF only)."""

    ESP = "esp"
    RESP = "resp"


def parse_xyz_atoms(text: str) -> list[tuple[str, float, float, float]]:
    """Atoms of a validated XYZ block as (element, x, y, z) in Angstrom."""
    atoms = []
    for line in text.splitlines():
        symbol, x, y, z = line.split()
        atoms.append((symbol, float(x), float(y), float(z)))
    return atoms


def _check_xyz(value: str) -> str:
    lines = [ln for ln in value.strip().splitlines() if ln.strip()]
    # Accept a plain block of atom lines, or a full XYZ file (count, comment, atoms).
    if lines and lines[0].strip().isdigit():
        count = int(lines[0])
        if len(lines) >= count + 2:
            comment = lines[1].strip()
            if not _XYZ_COMMENT.match(comment) or "link1" in comment.lower():
                raise ValueError("xyz comment line may hold only letters, digits and . , : ; =")
            lines = lines[2:]
        else:
            lines = lines[1:]
        if len(lines) != count:
            raise ValueError(f"xyz says {count} atoms but has {len(lines)} atom lines")
    if not lines:
        raise ValueError("xyz has no atoms")
    if len(lines) > XYZ_MAX_ATOMS:
        raise ValueError(f"xyz has more than {XYZ_MAX_ATOMS} atoms")
    for number, line in enumerate(lines, 1):
        if not _XYZ_LINE.match(line):
            raise ValueError(f"xyz atom line {number} is not 'Element x y z'")
        symbol, *coordinates = line.split()
        if symbol not in ATOMIC_NUMBERS:
            raise ValueError(f"xyz atom line {number}: unknown element {symbol!r}")
        if any(not abs(float(c)) <= XYZ_MAX_COORDINATE for c in coordinates):
            raise ValueError(
                f"xyz atom line {number}: coordinates must be finite numbers from "
                f"-{XYZ_MAX_COORDINATE:g} to {XYZ_MAX_COORDINATE:g} Angstrom"
            )
    return "\n".join(" ".join(ln.split()) for ln in lines)


def smiles_nuclear_charge(smiles: str) -> tuple[int, int]:
    """(sum of atomic numbers with implicit hydrogens, formal charge) of a SMILES; ValueError
    when RDKit cannot read it."""
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"smiles {smiles!r} is not a valid SMILES (RDKit cannot parse it)")
    mol = Chem.AddHs(mol)
    protons = sum(atom.GetAtomicNum() for atom in mol.GetAtoms())
    return protons, Chem.GetFormalCharge(mol)


class MoleculeSpec(StrictModel):
    """A molecule by SMILES (RDKit adds hydrogens) or XYZ, with its charge and multiplicity.

    Fields are validated in order, so the checks of `charge` and `multiplicity` see the
    already validated structure and an error names the field at fault."""

    smiles: Smiles | None = None
    xyz: str | None = Field(default=None, max_length=20_000)
    charge: int = Field(default=0, ge=-4, le=4, validate_default=True)
    multiplicity: int = Field(default=1, ge=1, le=6, validate_default=True)

    @field_validator("smiles")
    @classmethod
    def _smiles(cls, value: str | None) -> str | None:
        if value is not None:
            smiles_nuclear_charge(value)
        return value

    @field_validator("xyz")
    @classmethod
    def _xyz(cls, value: str | None) -> str | None:
        return None if value is None else _check_xyz(value)

    @field_validator("charge")
    @classmethod
    def _charge(cls, value: int, info: ValidationInfo) -> int:
        smiles = info.data.get("smiles")
        if smiles is not None:
            formal = smiles_nuclear_charge(smiles)[1]
            if formal != value:
                raise ValueError(f"charge {value} does not match the SMILES formal charge {formal}")
        protons = _protons(smiles, info.data.get("xyz"))
        if protons is not None and protons - value < 0:
            raise ValueError(f"charge {value} leaves a negative number of electrons")
        return value

    @field_validator("multiplicity")
    @classmethod
    def _multiplicity(cls, value: int, info: ValidationInfo) -> int:
        protons = _protons(info.data.get("smiles"), info.data.get("xyz"))
        charge = info.data.get("charge")
        if protons is not None and charge is not None:
            check_charge_multiplicity(protons, charge, value)
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.smiles is None) == (self.xyz is None):
            raise ValueError("give exactly one of smiles or xyz")
        return self

    @property
    def electrons(self) -> int:
        """Number of electrons of the molecule with its charge."""
        protons = _protons(self.smiles, self.xyz)
        assert protons is not None
        return protons - self.charge


def _protons(smiles: str | None, xyz: str | None) -> int | None:
    """Sum of atomic numbers of a validated SMILES (with hydrogens) or XYZ block."""
    if smiles is not None:
        return smiles_nuclear_charge(smiles)[0]
    if xyz is not None:
        return sum(ATOMIC_NUMBERS[a[0]] for a in parse_xyz_atoms(xyz))
    return None


def check_charge_multiplicity(protons: int, charge: int, multiplicity: int) -> None:
    """Raise ValueError unless `multiplicity` fits the electron count (parity and size)."""
    electrons = protons - charge
    if electrons < 0:
        raise ValueError(f"charge {charge} leaves a negative number of electrons")
    unpaired = multiplicity - 1
    if unpaired > electrons or (electrons - unpaired) % 2:
        raise ValueError(
            f"multiplicity {multiplicity} is impossible with {electrons} electrons "
            f"(charge {charge}): an {'even' if electrons % 2 == 0 else 'odd'} electron count "
            f"needs an {'odd' if electrons % 2 == 0 else 'even'} multiplicity"
        )


class SolvationSpec(StrictModel):
    model: SolvationModel = SolvationModel.NONE
    solvent: str | None = None
    epsilon: float | None = Field(default=None, gt=1, le=200)

    @field_validator("solvent")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in SOLVENTS:
            raise ValueError(f"unknown solvent {value!r}; choose one of {', '.join(SOLVENTS)}")
        return value

    @model_validator(mode="after")
    def _solvent(self) -> Self:
        if self.model is SolvationModel.NONE:
            if self.solvent is not None or self.epsilon is not None:
                raise ValueError("solvent and epsilon need a solvation model (pcm or smd)")
            return self
        if (self.solvent is None) == (self.epsilon is None):
            raise ValueError("give exactly one of solvent or epsilon")
        if self.model is SolvationModel.SMD and self.epsilon is not None:
            # SMD's non-electrostatic terms need the solvent's descriptors, not only epsilon.
            raise ValueError("smd needs a named solvent; use pcm with an epsilon")
        return self


class QCSpec(StrictModel):
    """What a QC job computes: the molecule, the task, the level of theory and the engine."""

    molecule: MoleculeSpec
    task: Task = Task.OPT
    method: str = "B3LYP"
    basis: str = "6-31G*"
    dispersion: Dispersion = Dispersion.NONE
    solvation: SolvationSpec = SolvationSpec()
    engine: QCEngineName = QCEngineName.AUTO
    ion: str | None = Field(default=None, description="Li or Na, for binding_energy")
    redox: RedoxKind = Field(
        default=RedoxKind.OXIDATION, description="oxidation or reduction, for redox"
    )
    # These two are newer than the first workers: left out of dumps (the stored spec, the
    # worker's copy) at their defaults, so a worker from before them still runs the usual jobs.
    charges: ChargeScheme = Field(
        default=ChargeScheme.ESP,
        description="esp (Merz-Kollman) or resp (also two-stage RESP charges; engine pyscf)",
        exclude_if=lambda scheme: scheme is ChargeScheme.ESP,
    )
    temperature: float = Field(
        default=DEFAULT_TEMPERATURE_K,
        ge=50,
        le=2000,
        description="K, of the thermochemistry (ZPE, H, G) of frequency steps",
        exclude_if=lambda kelvin: kelvin == DEFAULT_TEMPERATURE_K,
    )
    resources: ResourcesSpec = ResourcesSpec()

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value not in METHODS:
            raise ValueError(f"unknown method {value!r}; choose one of {', '.join(METHODS)}")
        return value

    @field_validator("basis")
    @classmethod
    def _basis(cls, value: str) -> str:
        if value not in BASIS_SETS:
            raise ValueError(f"unknown basis {value!r}; choose one of {', '.join(BASIS_SETS)}")
        return value

    @field_validator("ion")
    @classmethod
    def _ion(cls, value: str | None) -> str | None:
        if value is not None and value not in IONS:
            raise ValueError(f"unknown ion {value!r}; choose one of {', '.join(IONS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.task is Task.BINDING_ENERGY and self.ion is None:
            raise ValueError("task binding_energy needs ion 'Li' or 'Na'")
        if self.task is not Task.BINDING_ENERGY and self.ion is not None:
            raise ValueError("ion is only used by task binding_energy")
        if self.task is Task.REDOX and self.solvation.model is SolvationModel.NONE:
            raise ValueError("task redox needs an implicit solvent (solvation pcm or smd)")
        is_xtb = self.method == XTB_METHOD
        if is_xtb and self.engine not in (QCEngineName.XTB, QCEngineName.AUTO):
            raise ValueError(f"method {XTB_METHOD} runs only on engine xtb")
        if self.engine is QCEngineName.XTB and not is_xtb:
            raise ValueError(f"engine xtb runs only method {XTB_METHOD}")
        if is_xtb and self.solvation.epsilon is not None:
            raise ValueError("engine xtb needs a named solvent, not an epsilon")
        solvent = self.solvation.solvent
        if is_xtb and solvent is not None and SOLVENT_TABLE[solvent].xtb is None:
            raise ValueError(f"engine xtb has no implicit model of solvent {solvent}")
        if self.method in POST_HF_METHODS:
            if self.engine is not QCEngineName.GAUSSIAN:
                raise ValueError(f"method {self.method} runs only on engine gaussian (give it)")
            if self.dispersion is not Dispersion.NONE:
                raise ValueError(f"method {self.method} takes no empirical dispersion; use none")
            if self.method == "CCSD(T)" and self.task is not Task.SP:
                raise ValueError("method CCSD(T) runs as a single point only (task sp)")
        if self.dispersion is Dispersion.GD3BJ and self.method in SELF_DISPERSED:
            raise ValueError(f"method {self.method} already includes dispersion; use none")
        if self.engine is QCEngineName.GAUSSIAN and self.basis in NOT_IN_GAUSSIAN:
            raise ValueError(f"basis {self.basis} is not built into Gaussian")
        if self.engine is QCEngineName.PYSCF and self.method in NOT_IN_PYSCF:
            raise ValueError(f"method {self.method} is not available in PySCF")
        return self

    @model_validator(mode="after")
    def _charge_scheme(self) -> Self:
        """RESP is fitted by Molyte to the potential PySCF evaluates on the grid; xtb has no
        potential and Gaussian's log has only its own fit, so neither can give RESP."""
        if self.charges is not ChargeScheme.RESP:
            return self
        if self.method == XTB_METHOD or self.engine is QCEngineName.XTB:
            raise ValueError(
                f"charges resp needs the electrostatic potential of an HF or DFT density; "
                f"{XTB_METHOD} on engine xtb has none (use charges esp, or HF/DFT on pyscf)"
            )
        if self.engine is QCEngineName.GAUSSIAN:
            raise ValueError(
                "charges resp runs on engine pyscf (or auto), not gaussian: the RESP fit needs "
                "the potential at the grid points, which Molyte does not read from Gaussian"
            )
        if self.method in NOT_IN_PYSCF:
            raise ValueError(
                f"charges resp runs on engine pyscf, which has no method {self.method}"
            )
        return self
