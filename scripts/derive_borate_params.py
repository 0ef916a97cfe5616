"""Derive the force field of the borate anions BOB- and DFOB- from quantum chemistry.

None of the library's parameter sources (OPLS-AA, CL&P, fftool) has boron-oxygen terms, so
this script makes them, once, and prints the lines that go into
`src/molyte/engines/md/data/opls_electrolytes.ff` (the committed block is its output):

1. the anion from its species.json SMILES, embedded by RDKit (the library's seed);
2. RHF/6-31G* (Cartesian d, as Gaussian runs 6-31G*) in PySCF: geometry optimised with
   geomeTRIC, then the analytic Hessian at the minimum (checked: no imaginary frequency);
3. RESP charges (Bayly et al. 1993, `molyte.engines.qc.resp`) fitted to the HF/6-31G*
   potential, the RESP convention; atoms of one type get the mean of their charges, rounded
   to 1e-4 e, and the boron takes up the rounding so the ion adds up to -1 e exactly;
4. bonds by the Seminario method and angles by its modified form (Allen, Payne and Cole
   2018; both in `molyte.engines.md.seminario`), from the Hessian times the square of a
   frequency scaling factor (`--frequency-scale`, default 0.8982, HF/6-31G(d)), and the
   equilibrium lengths and angles of the optimised geometry, each averaged over the terms
   that a symmetry of the molecular graph maps onto each other (so the two rings of BOB- get
   the same numbers; the geometry optimisation does not keep the symmetry exactly);
5. Lennard-Jones, torsions and impropers copied from analogue terms already in the file
   (the rules are `LJ_ANALOGUE`, `torsion_analogue` and `IMPROPER_ANALOGUE` below).

HF/6-31G* rather than B3LYP: the RESP convention, and the analytic Hessians of both ions take
minutes on one core (B3LYP's would take several times longer). HF harmonic frequencies are
higher than the observed fundamentals; the usual cure is a scaling factor, 0.8982 +/- 0.0230
for HF/6-31G(d) ("Uncertainties in scaling factors for ab initio vibrational frequencies",
see data/README.md). A force constant goes as the square of a frequency, so the Hessian is
multiplied by 0.8982^2 = 0.8068 before bonds and angles are fitted; `--frequency-scale 1`
turns this off. The output also lists, per angle type, what the original Seminario method and
the unscaled Hessian would give, for comparison.

Run from the repository root (one core, about half an hour for the quantum chemistry):
    PYTHONPATH=src .venv/bin/python scripts/derive_borate_params.py --qc-cache DIR > out.txt
With `--qc-cache DIR` each anion's quantum-chemistry results are kept in DIR/NAME.npz and
reused by a later run, which then only redoes steps 3-5.
"""

from __future__ import annotations

import argparse
import datetime
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rdkit import Chem

from molyte.engines.md.geometry import embed
from molyte.engines.md.library import ff_table, species_record
from molyte.engines.md.seminario import (
    HESSIAN_TO_KJ_MOL_A2,
    angle_constant,
    bond_constant,
    modified_angle_constants,
)
from molyte.engines.md.topology import angles_of, dihedrals_of, improper_centres
from molyte.engines.qc.esp import pyscf_esp_samples
from molyte.engines.qc.resp import RESP_METHOD, resp_charges

IONS = ("BOB", "DFOB")
BASIS = "6-31G*"
# HF/6-31G(d) harmonic -> fundamental frequency factor, 0.8982 +/- 0.0230 (data/README.md).
FREQUENCY_SCALE = 0.8982
MASSES = {"B": 10.811, "C": 12.011, "O": 15.999, "F": 18.998}
# Lennard-Jones of the analogue types in opls_electrolytes.ff, by the atom's role.
LJ_ANALOGUE = {
    "B": "B",  # CL&P's BF4- boron
    "F": "FB",  # CL&P's BF4- fluorine
    "C": "COC",  # carbonate carbonyl C (fftool, OPLS-AA)
    "O=": "OCC",  # carbonate carbonyl O
    "O-": "OSC",  # carbonate ring (ester) O, bonded to B and C here
}
IMPROPER_ANALOGUE = ("OS", "OS", "C_2", "O_2")  # the carbonate carbonyl C kept planar [FFT]


def role(mol: Chem.Mol, index: int) -> str:
    """The atom's role for the LJ analogue: element, and for O carbonyl (=) or ring (-)."""
    atom = mol.GetAtomWithIdx(index)
    symbol = str(atom.GetSymbol())
    if symbol == "O":
        return "O=" if atom.GetDegree() == 1 else "O-"
    return symbol


def torsion_analogue(mol: Chem.Mol, quad: tuple[int, int, int, int]) -> tuple[str, ...]:
    """The [FFT] torsion whose parameters a borate dihedral borrows (its bonded types)."""
    symbols = [mol.GetAtomWithIdx(i).GetSymbol() for i in quad]
    i, j, k, m = quad
    if symbols[2] == "B":  # look at the torsion from the boron's side
        symbols.reverse()
        i, j, k, m = m, k, j, i
    centre = (symbols[1], symbols[2])
    if centre == ("B", "O"):
        # X-B-O-C: a ring torsion when X closes the same ring (EC's C-C-O-C), else an
        # exocyclic substituent on the sp3 ring atom (EC's H-C-O-C).
        same_ring = any({i, j, k, m} <= set(ring) for ring in mol.GetRingInfo().AtomRings())
        return ("CT", "CT", "OS", "C_2") if same_ring else ("HC", "CT", "OS", "C_2")
    if centre in (("O", "C"), ("C", "O")):
        # B-O-C=O and B-O-C-C: the ester torsions of carbonates, CT-OS-C_2-O_2 and -OS.
        far = symbols[3] if centre == ("O", "C") else symbols[0]
        far_atom = m if centre == ("O", "C") else i
        carbonyl = far == "O" and mol.GetAtomWithIdx(far_atom).GetDegree() == 1
        return ("CT", "OS", "C_2", "O_2") if carbonyl else ("CT", "OS", "C_2", "OS")
    if centre == ("C", "C"):
        # No oxalate C(O)-C(O) torsion in our sources: the ester V2 term (minima at 0 and
        # 180 deg) keeps the conjugated, planar ring planar.
        return ("CT", "OS", "C_2", "OS")
    raise ValueError(f"no torsion analogue for {'-'.join(symbols)}")


def optimise_and_hessian(
    symbols: list[str], coords: NDArray[np.float64], workdir: Path
) -> tuple[Any, NDArray[np.float64], dict[str, float]]:
    """RHF/6-31G* minimum of the anion and the Hessian there (hartree/bohr^2, (3N, 3N))."""
    from pyscf import gto, lib, scf
    from pyscf.geomopt import geometric_solver

    lib.num_threads(1)
    times: dict[str, float] = {}

    def build(xyz: NDArray[np.float64]) -> Any:
        return gto.M(
            atom=list(zip(symbols, map(tuple, xyz), strict=True)),
            basis=BASIS, cart=True, charge=-1, spin=0, verbose=0,
        )  # fmt: skip

    start = time.perf_counter()
    mf = scf.RHF(build(coords))
    mf.kernel()
    mol_eq = geometric_solver.optimize(mf, maxsteps=200, prefix=str(workdir / "opt"))
    times["optimisation_s"] = time.perf_counter() - start
    mf = scf.RHF(build(mol_eq.atom_coords(unit="Angstrom")))
    mf.conv_tol = 1e-10
    mf.kernel()
    if not mf.converged:
        raise RuntimeError("the SCF at the optimised geometry did not converge")
    start = time.perf_counter()
    hessian = mf.Hessian().kernel()  # (natm, natm, 3, 3)
    times["hessian_s"] = time.perf_counter() - start
    n = len(symbols)
    return mf, hessian.transpose(0, 2, 1, 3).reshape(3 * n, 3 * n), times


def frequencies(mf: Any, hessian: NDArray[np.float64]) -> list[float]:
    """Harmonic wavenumbers (cm^-1, imaginary ones negative) of the Hessian."""
    from pyscf.hessian import thermo

    n = mf.mol.natm
    blocks = hessian.reshape(n, 3, n, 3).transpose(0, 2, 1, 3)
    modes = thermo.harmonic_analysis(mf.mol, blocks, imaginary_freq=False)
    return [float(f) for f in modes["freq_wavenumber"]]


def canonical(key: tuple[str, ...]) -> tuple[str, ...]:
    return min(key, key[::-1])


def quantum_chemistry(name: str, cache: Path | None) -> dict[str, Any]:
    """Steps 1-3 for one anion: geometry, Hessian (hartree/bohr^2), frequencies, RESP charges
    and wall times; from `cache`/NAME.npz when a previous run left it there."""
    stored = cache / f"{name}.npz" if cache else None
    if stored is not None and stored.is_file():
        with np.load(stored) as data:
            qc = {k: data[k] for k in data.files}
        qc["times"] = json.loads(str(qc["times"]))
        return qc
    record = species_record(name)
    mol = Chem.MolFromSmiles(record["smiles"])
    symbols = [str(a.GetSymbol()) for a in mol.GetAtoms()]
    with tempfile.TemporaryDirectory() as tmp:
        mf, hessian, times = optimise_and_hessian(symbols, embed(mol), Path(tmp))
    freqs = frequencies(mf, hessian)
    if min(freqs) < 0:
        raise RuntimeError(f"{name}: imaginary frequencies {[f for f in freqs if f < 0]}")
    start = time.perf_counter()
    charges = resp_charges(pyscf_esp_samples(mf))
    times["resp_s"] = time.perf_counter() - start
    qc = {
        "coords": np.asarray(mf.mol.atom_coords(unit="Angstrom")),
        "hessian": hessian,
        "frequencies": np.asarray(freqs),
        "charges": np.asarray(charges),
        "energy_hartree": np.asarray(float(mf.e_tot)),
        "times": times,
    }
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.savez(stored, **{**qc, "times": np.asarray(json.dumps(times))})
    return qc


def symmetry_orbits(mol: Chem.Mol, terms: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """For each term (atom indices), a label shared by exactly the terms that an automorphism
    of the molecular graph maps onto it (either direction of the term)."""
    automorphisms = mol.GetSubstructMatches(mol, uniquify=False, maxMatches=100000)
    return [
        min(canonical(tuple(perm[i] for i in term)) for perm in automorphisms) for term in terms
    ]


def averaged(
    mol: Chem.Mol, types: list[str], fits: dict[tuple[int, ...], tuple[float, float]]
) -> dict[tuple[str, ...], tuple[float, float, int, float, float]]:
    """Per type key: (x0, k) averaged over each symmetry orbit, the number of terms and the
    range of k before averaging. A type key spanning two orbits would mix different terms
    and is refused; several keys may share one orbit (BOB's two rings)."""
    terms = list(fits)
    orbits = symmetry_orbits(mol, terms)
    members: dict[tuple[int, ...], list[tuple[int, ...]]] = defaultdict(list)
    for term, orbit in zip(terms, orbits, strict=True):
        members[orbit].append(term)
    keys: dict[tuple[str, ...], set[tuple[int, ...]]] = defaultdict(set)
    for term, orbit in zip(terms, orbits, strict=True):
        keys[canonical(tuple(types[i] for i in term))].add(orbit)
    out = {}
    for key, found in sorted(keys.items()):
        if len(found) != 1:
            raise ValueError(f"{'-'.join(key)} covers terms that are not symmetry-equivalent")
        group = members[found.pop()]
        x0 = float(np.mean([fits[t][0] for t in group]))
        ks = [fits[t][1] for t in group]
        out[key] = (x0, float(np.mean(ks)), len(group), min(ks), max(ks))
    return out


def derive(name: str, cache: Path | None, frequency_scale: float) -> dict[str, Any]:
    """Everything the .ff block of one anion needs, plus the figures the README quotes."""
    record = species_record(name)
    mol = Chem.MolFromSmiles(record["smiles"])
    types: list[str] = list(record["types"])
    symbols = [str(a.GetSymbol()) for a in mol.GetAtoms()]
    qc = quantum_chemistry(name, cache)
    coords = qc["coords"]
    raw = qc["hessian"] * HESSIAN_TO_KJ_MOL_A2  # kJ/mol/A^2; with A coordinates
    hessian = raw * frequency_scale**2
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]
    bond_fits: dict[tuple[int, ...], tuple[float, float]] = {}
    for a, b in bonds:
        fit = bond_constant(hessian, coords, a, b)
        bond_fits[(a, b)] = (fit.length, fit.k)
    angles = angles_of(len(types), bonds)
    angle_fits: dict[tuple[int, ...], tuple[float, float]] = {
        fit.atoms: (fit.theta, fit.k) for fit in modified_angle_constants(hessian, coords, angles)
    }
    # For the record only: the original method, and both methods on the unscaled Hessian.
    variants = {
        "original, unscaled": [angle_constant(raw, coords, *t) for t in angles],
        "modified, unscaled": modified_angle_constants(raw, coords, angles),
        "original, scaled": [angle_constant(hessian, coords, *t) for t in angles],
    }
    angle_variants = {
        label: averaged(mol, types, {f.atoms: (f.theta, f.k) for f in fits})
        for label, fits in variants.items()
    }
    torsions: dict[tuple[str, ...], tuple[str, ...]] = {}
    for quad in dihedrals_of(len(types), bonds):
        key = canonical(tuple(types[i] for i in quad))
        analogue = torsion_analogue(mol, quad)
        if torsions.setdefault(key, analogue) != analogue:
            raise ValueError(f"{'-'.join(key)} would need two different torsion analogues")
    impropers = set()
    for centre, (x, y, z) in improper_centres(len(types), bonds):
        oxygen = next(o for o in (x, y, z) if role(mol, o) == "O=")
        others = sorted((t for t in (x, y, z) if t != oxygen), key=lambda t: types[t])
        impropers.add((types[others[0]], types[others[1]], types[centre], types[oxygen]))
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(types):
        by_type[t].append(i)
    return {
        "name": name,
        "types": by_type,
        "roles": {t: role(mol, idx[0]) for t, idx in by_type.items()},
        "symbols": symbols,
        "charges": [float(q) for q in qc["charges"]],
        "bonds": averaged(mol, types, bond_fits),
        "angles": averaged(mol, types, angle_fits),
        "angle_variants": angle_variants,
        "torsions": torsions,
        "impropers": sorted(impropers),
        "energy_hartree": float(qc["energy_hartree"]),
        "coords": coords,
        "frequencies": [float(f) for f in qc["frequencies"]],
        "times": qc["times"],
    }


def type_charges(result: dict[str, Any]) -> dict[str, float]:
    """Mean RESP charge per type, rounded to 1e-4 e; boron absorbs the rounding."""
    charges = result["charges"]
    rounded = {t: round(float(np.mean([charges[i] for i in idx])), 4)
               for t, idx in result["types"].items()}  # fmt: skip
    boron = next(t for t, r in result["roles"].items() if r == "B")
    others = sum(rounded[t] * len(idx) for t, idx in result["types"].items() if t != boron)
    rounded[boron] = round(-1.0 - others, 4)
    total = sum(rounded[t] * len(idx) for t, idx in result["types"].items())
    assert abs(total + 1.0) < 1e-9, total
    return rounded


def ff_lines(result: dict[str, Any]) -> dict[str, list[str]]:
    """The ATOMS, BONDS, ANGLES, DIHEDRALS and IMPROPER lines of one anion."""
    table = ff_table()
    charges = type_charges(result)
    out: dict[str, list[str]] = {"ATOMS": [], "BONDS": [], "ANGLES": [], "DIHEDRALS": [],
                                 "IMPROPER": []}  # fmt: skip
    for t, idx in result["types"].items():
        lj = table.atoms[LJ_ANALOGUE[result["roles"][t]]]
        element = result["symbols"][idx[0]]
        out["ATOMS"].append(
            f"{t:<5} {t:<4} {MASSES[element]:7.3f}  {charges[t]:7.4f}  lj    "
            f"{lj.sigma:<7.3f}  {lj.epsilon_kj:.5f}   # LJ of {lj.name}"
        )
    for key, (r0, k, n, k_min, k_max) in result["bonds"].items():
        out["BONDS"].append(
            f"{key[0]:<4} {key[1]:<5} harm   {r0:.3f}   {k:7.1f}"
            f"   # mean of {n}, k {k_min:.0f}-{k_max:.0f}"
        )
    for key, (theta, k, n, k_min, k_max) in result["angles"].items():
        out["ANGLES"].append(
            f"{key[0]:<4} {key[1]:<4} {key[2]:<5} harm   {theta:6.2f}   {k:7.1f}"
            f"   # mean of {n}, k {k_min:.0f}-{k_max:.0f}"
        )
    for key, analogue in sorted(result["torsions"].items()):
        v = table.dihedrals.get(analogue, table.dihedrals.get(analogue[::-1]))
        assert v is not None, analogue
        coeffs = "".join(f"{x:10.4f}" for x in v)
        out["DIHEDRALS"].append(
            f"{key[0]:<4} {key[1]:<4} {key[2]:<4} {key[3]:<5} opls{coeffs}"
            f"   # as {'-'.join(analogue)}"
        )
    improper = table.impropers[IMPROPER_ANALOGUE]
    for key in result["impropers"]:
        coeffs = "".join(f"{x:10.4f}" for x in improper)
        out["IMPROPER"].append(
            f"{key[0]:<4} {key[1]:<4} {key[2]:<4} {key[3]:<5} opls{coeffs}"
            f"   # as {'-'.join(IMPROPER_ANALOGUE)}"
        )
    return out


def versions() -> str:
    import geometric
    import pyscf

    return f"PySCF {pyscf.__version__}, geomeTRIC {geometric.__version__}"


def angle_comparison(result: dict[str, Any]) -> list[str]:
    """Comment lines: each angle type's k (kJ/mol/rad^2) by the two methods, on the unscaled
    and the scaled Hessian; the .ff uses the last column."""
    variants = result["angle_variants"]
    labels = [*variants, "modified, scaled (.ff)"]
    lines = ["# angle k by method (kJ/mol/rad^2): " + " | ".join(labels)]
    for key, fit in result["angles"].items():
        ks = [variants[label][key][1] for label in variants] + [fit[1]]
        lines.append(f"# {'-'.join(key):<14}" + "".join(f"{k:9.1f}" for k in ks))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--qc-cache", type=Path, help="keep/reuse the QC results here")
    parser.add_argument(
        "--frequency-scale",
        type=float,
        default=FREQUENCY_SCALE,
        help="frequency scaling factor; force constants are multiplied by its square "
        f"(default {FREQUENCY_SCALE}, HF/6-31G(d); 1 for none)",
    )
    args = parser.parse_args()
    if not 0.5 < args.frequency_scale <= 1.5:
        parser.error(f"--frequency-scale {args.frequency_scale} is not a frequency factor")
    stamp = datetime.date.today().isoformat()
    scale = args.frequency_scale
    print(f"# derive_borate_params.py, {stamp}: RHF/{BASIS} (Cartesian d), {versions()}")
    print(f"# charges: {RESP_METHOD}")
    print(
        "# bonds: Seminario (1996); angles: modified Seminario (Allen, Payne, Cole 2018); "
        f"Hessian scaled by {scale}^2 = {scale**2:.4f} (frequency scaling factor)"
    )
    summary: dict[str, Any] = {}
    for name in IONS:
        result = derive(name, args.qc_cache, scale)
        summary[name] = {k: round(v, 1) for k, v in result["times"].items()}
        print(f"\n## {name}: E = {result['energy_hartree']:.8f} hartree")
        print("# optimised geometry (A), SMILES order")
        for s, xyz in zip(result["symbols"], result["coords"], strict=True):
            print(f"#   {s:<2} {xyz[0]:10.5f} {xyz[1]:10.5f} {xyz[2]:10.5f}")
        freqs = result["frequencies"]
        print(f"# lowest frequencies (cm^-1, unscaled): {', '.join(f'{f:.1f}' for f in freqs[:4])}")
        print(f"# highest: {freqs[-1]:.1f}; imaginary: none")
        print("# RESP charges per atom: " + " ".join(f"{q:+.4f}" for q in result["charges"]))
        print("\n".join(angle_comparison(result)))
        for section, lines in ff_lines(result).items():
            print(f"{section}")
            print("\n".join(lines))
    print("\n# QC wall times (s, one core): " + json.dumps(summary))


if __name__ == "__main__":
    main()
