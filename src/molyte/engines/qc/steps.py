"""The calculations a QC task needs (its steps) and how their results combine into one summary.

A plain task (`sp`, `opt`, `opt_freq`) is one step named `molecule`. The compound tasks:

- `binding_energy` (ion M+ = Li+ or Na+, one solvent molecule S): steps `solvent` (opt),
  `ion` (single point) and `complex` (opt of S with M+ placed at its best donor atom);
  `binding_energy_kcal_mol = E(complex) - E(ion) - E(solvent)` from the final SCF energies,
  negative when binding is favourable; no counterpoise (BSSE) correction, no thermal terms.
- `redox` in an implicit solvent: steps `initial` (the given N-electron state) and `oxidized`
  (N-1 electrons, charge +1) or `reduced` (N+1 electrons, charge -1), each an opt+freq so each
  has a free energy G. With dG = G(N-1) - G(N) for oxidation, the absolute potential is
  E_abs = dG / e, and for reduction dG = G(N+1) - G(N), E_abs = -dG / e. The absolute potential
  of the standard hydrogen electrode is 4.44 V (IUPAC, Trasatti 1986) and Li/Li+ lies at
  -3.04 V vs SHE, so E(vs Li/Li+) = E_abs - 4.44 V + 3.04 V = E_abs - 1.40 V.
  The N+-1 state takes multiplicity 2 from a singlet, else one less unpaired electron.
  With xtb the numbers are raw GFN2-xTB free energies, which overestimate ionisation energies
  by several eV (xtb's own IP/EA mode adds an empirical shift): use them for trends only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from molyte.domain.qc_spec import QCSpec, RedoxKind, Task
from molyte.engines.qc.geometry import Atom, place_ion

HARTREE_TO_EV = 27.211386245988  # CODATA 2018
HARTREE_TO_KCAL_MOL = 627.5094740631
SHE_ABSOLUTE_V = 4.44
LI_VS_SHE_V = -3.04
LI_REFERENCE_SHIFT_V = SHE_ABSOLUTE_V + LI_VS_SHE_V  # 1.40 V, subtracted from E_abs
REDOX_REFERENCE = (
    "Li/Li+: E = E_abs - 1.40 V (absolute SHE 4.44 V, IUPAC; Li/Li+ at -3.04 V vs SHE)"
)


@dataclass(frozen=True)
class Step:
    """One calculation of a task: what to run on which charge state and starting geometry."""

    name: str
    task: Task
    charge: int
    multiplicity: int
    atoms: tuple[Atom, ...]


def plan_steps(spec: QCSpec, atoms: list[Atom]) -> list[Step]:
    """The calculations `spec` needs, starting from the molecule's `atoms`."""
    mol = spec.molecule
    if spec.task is Task.BINDING_ENERGY:
        assert spec.ion is not None
        return [
            Step("solvent", Task.OPT, mol.charge, mol.multiplicity, tuple(atoms)),
            Step("ion", Task.SP, 1, 1, ((spec.ion, 0.0, 0.0, 0.0),)),
            Step(
                "complex",
                Task.OPT,
                mol.charge + 1,
                mol.multiplicity,
                tuple(place_ion(atoms, spec.ion)),
            ),
        ]
    if spec.task is Task.REDOX:
        other_mult = 2 if mol.multiplicity == 1 else mol.multiplicity - 1
        if spec.redox is RedoxKind.OXIDATION:
            other = Step("oxidized", Task.OPT_FREQ, mol.charge + 1, other_mult, tuple(atoms))
        else:
            other = Step("reduced", Task.OPT_FREQ, mol.charge - 1, other_mult, tuple(atoms))
        return [
            Step("initial", Task.OPT_FREQ, mol.charge, mol.multiplicity, tuple(atoms)),
            other,
        ]
    return [Step("molecule", spec.task, mol.charge, mol.multiplicity, tuple(atoms))]


# The implicit-solvent model each engine actually runs for the spec's pcm / smd.
ENGINE_SOLVATION_MODELS = {
    "gaussian": {"pcm": "IEFPCM", "smd": "SMD"},
    "pyscf": {"pcm": "IEF-PCM", "smd": "SMD"},
    "xtb": {"pcm": "ALPB", "smd": "ALPB"},
}


def solvation_summary(spec: QCSpec, engine: str) -> dict[str, Any]:
    """The solvation settings as the summary reports them, with the engine's own model name."""
    solv = spec.solvation
    return {
        "model": solv.model.value,
        "solvent": solv.solvent,
        "epsilon": solv.epsilon,
        "engine_model": ENGINE_SOLVATION_MODELS[engine].get(solv.model.value),
    }


def empty_step_summary(step: Step) -> dict[str, Any]:
    """A step summary with every key present and nothing measured yet."""
    return {
        "charge": step.charge,
        "multiplicity": step.multiplicity,
        "normal_termination": False,
        "scf_energy_hartree": None,
        "homo_ev": None,
        "lumo_ev": None,
        "gap_ev": None,
        "dipole_debye": None,
        "dipole_vector_debye": None,
        "mulliken_charges": None,
        "frequencies_cm1": [],
        "imaginary_frequencies": [],
        "ir_intensities": None,
        "free_energy_hartree": None,
        "zero_point_energy_hartree": None,
        "enthalpy_hartree": None,
        "thermal_energy_hartree": None,
        "thermo_temperature_k": None,
        "thermo_pressure_atm": None,
        "post_hf_energies_hartree": None,
        "energy_method": None,
        "energy_hartree": None,
        "esp_charges": None,
        "esp_charges_method": None,
        "resp_charges": None,
        "resp_charges_method": None,
        "geometry": [list(a) for a in step.atoms],
        "failure_reason": None,
        "message": None,
    }


def combine(
    spec: QCSpec, engine: str, steps: list[Step], results: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The job's summary from its steps' summaries (see the package docstring for the keys)."""
    main = steps[-1] if spec.task is Task.BINDING_ENERGY else steps[0]
    summary: dict[str, Any] = {
        "engine": engine,
        "task": spec.task.value,
        "method": spec.method,
        "basis": None if engine == "xtb" else spec.basis,
        "dispersion": spec.dispersion.value,
        "solvation": solvation_summary(spec, engine),
    }
    summary.update(results.get(main.name) or empty_step_summary(main))
    failed = [s.name for s in steps if not (results.get(s.name) or {}).get("normal_termination")]
    summary["normal_termination"] = not failed
    if failed:
        first = results.get(failed[0]) or {}
        summary["failure_reason"] = first.get("failure_reason") or "UNKNOWN"
        summary["message"] = f"step {failed[0]}: {first.get('message') or 'did not finish'}"
    if len(steps) > 1:
        summary["steps"] = {s.name: results.get(s.name) for s in steps}
        if not failed:
            summary.update(_compound(spec, results))
    return summary


def _compound(spec: QCSpec, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if spec.task is Task.BINDING_ENERGY:
        e = {name: results[name]["scf_energy_hartree"] for name in ("complex", "ion", "solvent")}
        de = e["complex"] - e["ion"] - e["solvent"]
        return {
            "binding_energy_hartree": de,
            "binding_energy_kcal_mol": de * HARTREE_TO_KCAL_MOL,
            "binding_energy_definition": f"E(complex) - E({spec.ion}+) - E(solvent), no BSSE",
        }
    other = "oxidized" if spec.redox is RedoxKind.OXIDATION else "reduced"
    g_n = results["initial"]["free_energy_hartree"]
    g_other = results[other]["free_energy_hartree"]
    dg_ev = (g_other - g_n) * HARTREE_TO_EV
    absolute = dg_ev if spec.redox is RedoxKind.OXIDATION else -dg_ev
    return {
        "redox_kind": spec.redox.value,
        "redox_delta_g_ev": dg_ev,
        "redox_potential_absolute_v": absolute,
        "redox_potential_v": absolute - LI_REFERENCE_SHIFT_V,
        "redox_reference": REDOX_REFERENCE,
    }


def start_from_results(spec: QCSpec, step: Step, results: dict[str, dict[str, Any]]) -> Step:
    """`step` starting from an earlier step's optimised geometry when one exists: the complex
    from the optimised solvent (ion re-placed), the N+-1 state from the optimised N state."""
    source = {"complex": "solvent", "oxidized": "initial", "reduced": "initial"}.get(step.name)
    earlier = results.get(source or "")
    if not earlier or not earlier.get("normal_termination") or not earlier.get("geometry"):
        return step
    atoms: list[Atom] = [(str(a[0]), a[1], a[2], a[3]) for a in earlier["geometry"]]
    if step.name == "complex":
        assert spec.ion is not None
        atoms = place_ion(atoms, spec.ion)
    return Step(step.name, step.task, step.charge, step.multiplicity, tuple(atoms))
