"""Charges from a QC job for a species of an MD job: which QC results qualify and how their
atom order becomes the MD species' atom order.

A QC job of a SMILES molecule numbers its atoms as RDKit's AddHs does (heavy atoms in SMILES
order, hydrogens appended); so does the MD job's GAFF2 route. Two SMILES of the same molecule
may still number atoms differently (`OCC` and `CCO`), so the charges are carried over through a
graph match of the two molecules, hydrogens included, never by position alone.
"""

from __future__ import annotations

from typing import Any

from rdkit import Chem
from rdkit.rdBase import BlockLogs

# The summary keys whose charges may feed an MD job, best first: RESP charges (a job asked for
# them), else the plain electrostatic-potential charges. Mulliken charges never (they depend on
# the basis set and do not reproduce the potential outside).
CHARGES_KEYS = ("resp_charges", "esp_charges")


def charges_for_species(
    qc_spec: dict[str, Any], summary: dict[str, Any] | None, species_smiles: str
) -> list[float]:
    """The QC job's RESP charges, else its ESP charges, in the atom order of `species_smiles`;
    ValueError saying why they do not fit (no charges, an XYZ molecule, another molecule)."""
    found = summary or {}
    # A job with RESP charges always has ESP charges too, so "no ESP charges" says it all.
    charges = next((found[key] for key in CHARGES_KEYS if found.get(key)), None)
    if not charges:
        raise ValueError("it has no ESP charges (run it on pyscf, or on gaussian with Pop=MK)")
    qc_smiles = (qc_spec.get("molecule") or {}).get("smiles")
    if qc_smiles is None:
        raise ValueError("its molecule is given as XYZ, so its atoms cannot be matched to a SMILES")
    return map_charges(qc_smiles, [float(q) for q in charges], species_smiles)


def map_charges(source_smiles: str, charges: list[float], target_smiles: str) -> list[float]:
    """`charges` (AddHs order of `source_smiles`) reordered to the AddHs order of
    `target_smiles`; ValueError when the two are not the same molecule or counts differ."""
    with BlockLogs():
        source = Chem.AddHs(Chem.MolFromSmiles(source_smiles))
        target = Chem.AddHs(Chem.MolFromSmiles(target_smiles))
    if len(charges) != source.GetNumAtoms():
        raise ValueError(
            f"it has {len(charges)} charges for the {source.GetNumAtoms()} atoms of its molecule"
        )
    same_size = source.GetNumAtoms() == target.GetNumAtoms()
    same_charge = Chem.GetFormalCharge(source) == Chem.GetFormalCharge(target)
    match = target.GetSubstructMatch(source) if same_size and same_charge else ()
    if len(match) != source.GetNumAtoms():
        raise ValueError(f"its molecule {source_smiles} is not {target_smiles}")
    mapped = [0.0] * len(charges)
    for source_index, target_index in enumerate(match):
        mapped[target_index] = charges[source_index]
    return mapped
