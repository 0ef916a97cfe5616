"""Build an MD work directory from a spec: molecules -> counts -> packed box -> LAMMPS inputs.

Files written: `system.data` (LAMMPS data), `in.lammps` (input script), `system.json` (what the
analysis needs: species, counts, atom names, stages), `packmol.inp`, `packed.xyz` and one
`mol_<species>.xyz` per species.

Mixing OPLS-AA and GAFF2 species in one box (also in data/README.md):
- dihedrals: `dihedral_style opls` when every species is OPLS-AA; with GAFF2 species present,
  `dihedral_style hybrid opls fourier` (OPLS-AA torsions stay `opls`, Amber torsions become
  `fourier`); impropers of both are `cvff`;
- LJ: geometric mixing for every pair involving an OPLS-AA type (`pair_modify mix geometric`),
  explicit Lorentz-Berthelot `pair_coeff i j` between two GAFF2 types (see `lammps_data`);
- 1-4 scaling is global in LAMMPS: `special_bonds lj/coul 0.0 0.0 0.5` (OPLS-AA). GAFF2
  molecules therefore get 1-4 electrostatics scaled by 0.5 instead of Amber's 1/1.2; their 1-4
  LJ factor (0.5) is Amber's.
The real-space cutoff is the spec's, but at most half the estimated box edge minus 1 A (and at
least 6 A), so a small test box does not interact with many images of itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from molyte.domain.md_spec import MDSpec
from molyte.engines.md.composition import Composition, Species, compose
from molyte.engines.md.gaff import gaff2_molecule
from molyte.engines.md.lammps_data import BoxSystem, render_data
from molyte.engines.md.lammps_input import ScriptSettings, Stage, render_input, schedule
from molyte.engines.md.library import library_molecule, species_record
from molyte.engines.md.packing import pack
from molyte.engines.md.topology import Kind, MoleculeFF
from molyte.errors import InvalidInput

# Packmol fills a box at this fraction of the estimated liquid density; the `compress` stage
# squeezes it to that density before NPT.
PACK_DENSITY = 0.8
MIN_CUTOFF = 6.0
DATA_FILE = "system.data"
INPUT_FILE = "in.lammps"
SYSTEM_FILE = "system.json"
CHARGE_TOLERANCE = 1e-6


@dataclass
class Build:
    composition: Composition
    system: BoxSystem
    stages: list[Stage]
    settings: ScriptSettings
    files: list[str]


def parameterise(
    species: Species, ion_charge_scale: float, charges: list[float] | None = None
) -> MoleculeFF:
    """The force field of one species: OPLS-AA from the library, else GAFF2 from its SMILES,
    with `charges` (one per atom, SMILES order with hydrogens appended) instead of AM1-BCC.

    Ions (any species with a net charge) have their charges scaled by `ion_charge_scale`.
    """
    if species.library:
        molecule = library_molecule(species.name)
    else:
        molecule = gaff2_molecule(species.smiles, species.name, species.resname, charges)
    if molecule.formal_charge != 0 and ion_charge_scale != 1.0:
        molecule = molecule.scaled(ion_charge_scale)
    return molecule


def cutoff_for(spec: MDSpec, box_length: float) -> float:
    return max(MIN_CUTOFF, min(spec.cutoff, math.floor(box_length / 2.0) - 1.0))


def build(spec: MDSpec, workdir: Path, *, title: str = "Molyte MD") -> Build:
    """Write every input of the MD run into `workdir` (runs packmol, and antechamber for SMILES)."""
    workdir.mkdir(parents=True, exist_ok=True)
    composition = compose(spec)
    if composition.total_charge != 0:
        raise InvalidInput(
            f"the box would carry a net charge of {composition.total_charge:+d} e: "
            "charged SMILES solvents must balance each other"
        )
    # Charges given for a SMILES solvent (e.g. a QC job's ESP charges) replace AM1-BCC.
    given = {s.smiles: s.charges for s in spec.solvents if s.smiles and s.charges is not None}
    molecules = [
        parameterise(s, spec.ion_charge_scale, None if s.library else given.get(s.smiles))
        for s in composition.species
    ]
    counts = [composition.counts[s.name] for s in composition.species]
    pack_length = composition.box_length / PACK_DENSITY ** (1.0 / 3.0)
    coords = pack(molecules, counts, pack_length, spec.seed, workdir)
    system = BoxSystem(molecules, counts, coords, pack_length)
    if abs(system.total_charge) > CHARGE_TOLERANCE:
        raise InvalidInput(f"the box is not neutral: total charge {system.total_charge:.6f} e")
    shake_bonds, shake_angles = system.shake_types()
    stages = spec.effective_stages
    settings = ScriptSettings(
        temperature=spec.temperature,
        pressure=spec.pressure,
        timestep=spec.timestep,
        anneal_temperature=stages.anneal_temperature,
        thermo_interval=spec.thermo_interval,
        dump_interval=spec.dump_interval,
        restart_interval=spec.restart_interval,
        seed=spec.seed,
        cutoff=cutoff_for(spec, composition.box_length),
        minimize=stages.minimize,
        dihedral_styles=system.dihedral_styles(),
        shake_bonds=shake_bonds,
        shake_angles=shake_angles,
        pair_ij=system.gaff_pair_coeffs(),
        compress_to=composition.box_length,
    )
    plan = schedule(spec)
    (workdir / DATA_FILE).write_text(render_data(system, f"{title} (Molyte; units real)"))
    (workdir / INPUT_FILE).write_text(render_input(settings, plan))
    info = system_info(spec, composition, system, plan, settings, pack_length)
    (workdir / SYSTEM_FILE).write_text(json.dumps(info, indent=1))
    files = [DATA_FILE, INPUT_FILE, SYSTEM_FILE, "packmol.inp", "packed.xyz"]
    files += [f"mol_{m.name}.xyz" for m in molecules]
    return Build(composition, system, plan, settings, files)


def system_info(
    spec: MDSpec,
    composition: Composition,
    system: BoxSystem,
    stages: list[Stage],
    settings: ScriptSettings,
    pack_length: float,
) -> dict[str, Any]:
    """What the analysis and a continuation need to know about the box (system.json)."""
    species = []
    for s, (molecule, count) in enumerate(zip(system.molecules, system.counts, strict=True)):
        record = species_record(molecule.name) if composition.species[s].library else {}
        species.append(
            {
                "name": molecule.name,
                "resname": molecule.resname,
                "kind": str(molecule.kind),
                "smiles": molecule.smiles,
                "forcefield": str(molecule.forcefield),
                "count": count,
                "formal_charge": molecule.formal_charge,
                "elements": molecule.elements,
                "atom_names": [molecule.atom_types[t].name for t in molecule.type_of],
                "masses": molecule.masses,
                "charges": molecule.charges,
                "type_ids": [system.atom_type_id(s, t) for t in molecule.type_of],
                "coordinating": record.get(
                    "coordinating", ["O", "N"] if molecule.kind is Kind.ANION else []
                ),
            }
        )
    return {
        "temperature": spec.temperature,
        "pressure": spec.pressure,
        "timestep_fs": spec.timestep,
        "thermo_interval": spec.thermo_interval,
        "dump_interval": spec.dump_interval,
        "restart_interval": spec.restart_interval,
        "ion_charge_scale": spec.ion_charge_scale,
        "cutoff": settings.cutoff,
        "box_length_estimate": round(composition.box_length, 3),
        "initial_box_length": round(pack_length, 3),
        "n_atoms": system.n_atoms,
        "resources": spec.resources.model_dump(),
        "salt_pairs": composition.salt_pairs,
        "concentrations": (
            composition.concentrations.as_dict() if composition.concentrations else None
        ),
        "stages": [{"name": st.name, "start": st.start, "end": st.end} for st in stages],
        "settings": {
            "anneal_temperature": settings.anneal_temperature,
            "seed": settings.seed,
            "minimize": settings.minimize,
            "dihedral_styles": settings.dihedral_styles,
            "shake_bonds": settings.shake_bonds,
            "shake_angles": settings.shake_angles,
        },
        "species": species,
    }
