"""2D drawings of molecules (RDKit) for the web forms."""

from __future__ import annotations

from rdkit import Chem, RDLogger
from rdkit.Chem.Draw import rdMolDraw2D

from molyte.errors import InvalidInput

RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]


def smiles_to_svg(smiles: str, width: int = 300, height: int = 220) -> str:
    """An SVG drawing of `smiles`; InvalidInput when RDKit cannot read it."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InvalidInput(f"smiles: RDKit cannot parse {smiles!r}")
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.drawOptions().clearBackground = False  # type: ignore[assignment]
    drawer.DrawMolecule(mol)
    drawer.FinishDrawing()
    return str(drawer.GetDrawingText())
