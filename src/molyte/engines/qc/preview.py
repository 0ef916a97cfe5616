"""What a QC job would contain, for the job form's live summary (`POST /jobs/validate`).

Runs on the API server for every keystroke, so it only counts atoms and electrons: no 3D
embedding, no engine."""

from __future__ import annotations

from collections import Counter
from typing import Any

from molyte.domain.qc_spec import QCSpec, RedoxKind, Task, parse_xyz_atoms


def _elements(spec: QCSpec) -> list[str]:
    mol = spec.molecule
    if mol.xyz is not None:
        return [a[0] for a in parse_xyz_atoms(mol.xyz)]
    from rdkit import Chem, rdBase

    assert mol.smiles is not None
    with rdBase.BlockLogs():
        rd = Chem.AddHs(Chem.MolFromSmiles(mol.smiles))
    return [atom.GetSymbol() for atom in rd.GetAtoms()]


def hill_formula(elements: list[str]) -> str:
    """The Hill formula (C first, then H, then the rest alphabetically; else alphabetical)."""
    counts = Counter(elements)
    order = sorted(counts)
    if "C" in counts:
        order = ["C", *(["H"] if "H" in counts else []), *(e for e in order if e not in ("C", "H"))]
    return "".join(f"{e}{counts[e] if counts[e] > 1 else ''}" for e in order)


def _step_names(spec: QCSpec) -> list[str]:
    """The names `molyte.engines.qc.steps.plan_steps` gives the job's calculations."""
    if spec.task is Task.BINDING_ENERGY:
        return ["solvent", "ion", "complex"]
    if spec.task is Task.REDOX:
        return ["initial", "oxidized" if spec.redox is RedoxKind.OXIDATION else "reduced"]
    return ["molecule"]


def preview(spec: QCSpec) -> dict[str, Any]:
    """Atoms, electrons, formula and the calculations the job would run."""
    elements = _elements(spec)
    return {
        "atoms": len(elements),
        "electrons": spec.molecule.electrons,
        "formula": hill_formula(elements),
        "charge": spec.molecule.charge,
        "multiplicity": spec.molecule.multiplicity,
        "steps": _step_names(spec),
    }
