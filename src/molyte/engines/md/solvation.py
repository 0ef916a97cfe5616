"""Solvation structure of a production run, in two streamed passes over its frames.

The first pass keeps box edges and drift-free centres of mass (for the MSDs) and accumulates
the cation-donor RDFs; from the RDFs come the first-shell cutoffs, and the second pass counts
SSIP/CIP/AGG anions and the residence time of each partner in each cation's first shell.
Memory is O(frames x molecules), never x atoms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.layout import SpeciesLayout, donor_elements
from molyte.engines.md.outputs import write_csv
from molyte.engines.md.production import Production
from molyte.engines.md.structure import (
    RDFAccumulator,
    first_shell,
    first_shell_contacts,
    molecule_centres,
    shell_counts,
)
from molyte.engines.md.transport import ResidenceCounter

RDF_DR = 0.05
RDF_MAX = 12.0
RESIDENCE_METHOD = (
    "bound time / exits; bound while any donor atom is within the Li-donor first-shell "
    "cutoff, excursions up to {tolerance} frames bridged"
)
RESIDENCE_TOLERANCE_PS = 2.0


@dataclass
class Streamed:
    """What the first pass over the frames keeps: O(frames x molecules), not x atoms."""

    lengths: np.ndarray  # (frames, 3)
    centres: dict[str, np.ndarray]  # species -> (frames, molecules, 3), drift removed
    rdfs: dict[tuple[str, str], tuple[str, RDFAccumulator]]  # (cation, partner) -> (label, g)


def _partners(
    cation: SpeciesLayout, species: list[SpeciesLayout]
) -> list[tuple[SpeciesLayout, set[str]]]:
    """The species around a cation whose donor atoms make its first shell."""
    result = [(s, donor_elements(s)) for s in species if s.kind == "solvent"]
    result += [(s, set(s.coordinating)) for s in species if s.kind == "anion"]
    return [(s, e) for s, e in result if len(s.atoms_of(e))]


def first_pass(run: Production, species: list[SpeciesLayout]) -> Streamed:
    """Stream the frames once: box edges, centres of mass, cation-donor RDFs (freud)."""
    all_masses = np.concatenate([np.tile(s.masses, s.count) for s in species])
    total_mass = all_masses.sum()
    centres = {s.name: np.zeros((run.n_frames, s.count, 3)) for s in species}
    lengths = np.zeros((run.n_frames, 3))
    cations = [s for s in species if s.kind == "cation"]
    pairs = [(c, other, el) for c in cations for other, el in _partners(c, species)]
    rdfs: dict[tuple[str, str], tuple[str, RDFAccumulator]] = {}
    index: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for frame_no, frame in enumerate(run.frames()):
        lengths[frame_no] = frame.lengths
        drift = all_masses @ frame.positions / total_mass
        for s in species:
            com = molecule_centres(frame.positions, s.masses, s.molecule_starts(), s.n_atoms)
            centres[s.name][frame_no] = com - drift
        if frame_no == 0:
            r_max = min(RDF_MAX, float(frame.lengths.min()) / 2.0 - 1e-6)
            for c, other, el in pairs:
                rdfs[(c.name, other.name)] = ("/".join(sorted(el)), RDFAccumulator(r_max, RDF_DR))
                index[(c.name, other.name)] = (c.atoms_of(set(c.elements)), other.atoms_of(el))
        for key, (_, accumulator) in rdfs.items():
            a_idx, b_idx = index[key]
            accumulator.add(frame.lengths, frame.positions[a_idx], frame.positions[b_idx])
    return Streamed(lengths, centres, rdfs)


def write_rdfs(
    streamed: Streamed,
    species: list[SpeciesLayout],
    workdir: Path,
    summary: dict[str, Any],
    files: dict[str, Any],
    warnings: list[str],
) -> dict[tuple[str, str], float]:
    """RDF files and first-shell entries; the cation-partner first-shell cutoffs."""
    cutoffs: dict[tuple[str, str], float] = {}
    for (cat, other), (element, acc) in streamed.rdfs.items():
        result = acc.result()
        r, g, cn = result.r, result.g, result.cn
        name = f"rdf_{cat}_{element.replace('/', '')}_{other}.csv"
        write_csv(workdir / name, ["r", "g", "cn"], [r, g, cn])
        files["rdf"].append(name)
        peak, cutoff = first_shell(r, g)
        if cutoff is None:
            warnings.append(f"{cat}-{element}({other}): no first minimum in g(r)")
        else:
            cutoffs[(cat, other)] = cutoff
        coordination = result.coordination_at(cutoff) if cutoff else None
        summary["rdf"].append(
            {
                "pair": f"{cat}-{element}({other})", "file": name, "first_peak_r": peak,
                "cutoff": cutoff, "coordination": coordination, "unit": "A",
            }
        )  # fmt: skip
    kinds = {s.name: s.kind for s in species}
    if any(kinds[o] == "anion" for _, o in streamed.rdfs) and not any(
        kinds[o] == "anion" for _, o in cutoffs
    ):
        warnings.append("no cation-anion first-shell cutoff: solvation shell not classified")
    return cutoffs


def second_pass(
    run: Production,
    species: list[SpeciesLayout],
    cutoffs: dict[tuple[str, str], float],
    frame_ps: float,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Stream the frames again with the first-shell cutoffs: SSIP/CIP/AGG fractions of the
    anions and the residence time of each partner species in each cation's first shell."""
    by_name = {s.name: s for s in species}
    tolerance = int(RESIDENCE_TOLERANCE_PS / frame_ps) if frame_ps > 0 else 0
    counters: dict[tuple[str, str], ResidenceCounter] = {}
    sites: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for cat, other in cutoffs:
        c, o = by_name[cat], by_name[other]
        if c.n_atoms != 1:
            # Shells and residence times are counted around metal ions (one atom each); a
            # molecular cation such as an ionic liquid's imidazolium has no single centre.
            continue
        donors = donor_elements(o) if o.kind == "solvent" else set(o.coordinating)
        local = [i for i, e in enumerate(o.elements) if e in donors]
        owner = np.repeat(np.arange(o.count), len(local))
        sites[(cat, other)] = (c.atoms_of(set(c.elements)), o.atoms_of(donors), owner)
        counters[(cat, other)] = ResidenceCounter((c.count, o.count), tolerance, run.n_frames)
    anion_keys = [k for k in cutoffs if by_name[k[1]].kind == "anion"]
    tally = {"SSIP": 0.0, "CIP": 0.0, "AGG": 0.0}
    if counters:
        for frame in run.frames():
            contacts = {}
            for key, (c_idx, s_idx, owner) in sites.items():
                contact = first_shell_contacts(
                    frame.lengths, frame.positions[c_idx], frame.positions[s_idx], owner,
                    by_name[key[1]].count, cutoffs[key],
                )  # fmt: skip
                contacts[key] = contact
                counters[key].update(contact.T)
            for an in {k[1] for k in anion_keys}:
                partners = sum(contacts[k].sum(axis=1) for k in anion_keys if k[1] == an)
                for name, count in shell_counts(np.asarray(partners)).items():
                    tally[name] += count
    total = sum(tally.values())
    shells = None
    if total:
        shells = {
            **{k: v / total for k, v in tally.items()},
            "definition": "fraction of anions with 0 (SSIP), 1 (CIP) or >=2 (AGG) cations within "
            "the cation-anion first-shell cutoff of any of their coordinating atoms",
        }
    method = RESIDENCE_METHOD.format(tolerance=tolerance)
    residence = [
        {"cation": cat, "partner": other, **counter.result(frame_ps).as_dict("ps", method)}
        for (cat, other), counter in counters.items()
    ]
    return shells, residence
