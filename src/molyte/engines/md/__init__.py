"""The MD engine: electrolyte spec -> force field -> packed box -> LAMMPS inputs -> run -> analysis.

Modules: `library` (OPLS-AA species, package data), `gaff` (GAFF2/AM1-BCC for any SMILES),
`composition` (counts and box size, `preview`), `packing` (Packmol), `lammps_data` and
`lammps_input` (LAMMPS files), `builder` (all of it into a work dir), `engine` (`MDEngine`),
`logparse` (thermo and failures from logs), `trajectory` (DCD, dump and data readers), and the
analysis after the run: `analyze` (the driver, `python -m molyte.engines.md.analyze`), `layout`,
`production`, `solvation`, `transport_summary` and `outputs`, over the math of `structure` (RDF
and shells per frame) and `transport` (diffusion, conductivity, viscosity with error bars);
`cli` (`molyte md build`).

`MDEngine`, `library_catalog` and `preview` are imported lazily, so that
`python -m molyte.engines.md.analyze` does not import its own module twice.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MDEngine", "library_catalog", "preview"]


def __getattr__(name: str) -> Any:
    if name == "MDEngine":
        from molyte.engines.md.engine import MDEngine

        return MDEngine
    if name == "library_catalog":
        from molyte.engines.md.library import library_catalog

        return library_catalog
    if name == "preview":
        from molyte.engines.md.composition import preview

        return preview
    raise AttributeError(name)
