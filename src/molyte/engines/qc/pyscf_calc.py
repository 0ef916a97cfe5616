"""PySCF: the run parameters of a step (pure) and the calculation itself (HF/DFT, geomeTRIC
optimisation, analytic Hessian frequencies and thermochemistry, PCM or SMD from pyscf.solvent).

`pyscf_params` is what `molyte qc build` shows and what the runner executes; `run_pyscf` runs
one step in-process (the runner module calls it on the compute node) and returns its summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason
from molyte.domain.qc_spec import SOLVENT_TABLE, ChargeScheme, QCSpec, SolvationModel, Task
from molyte.engines.qc.esp import ESP_METHOD, NoRadiusError, esp_charges, pyscf_esp_samples
from molyte.engines.qc.resp import RESP_METHOD, RespNotConvergedError, resp_charges
from molyte.engines.qc.steps import HARTREE_TO_EV, Step, empty_step_summary

# libxc names of the spec's functionals as PySCF spells them (B3LYP is the VWN-RPA variant,
# the same as Gaussian's, since PySCF 2.3).
XC_NAMES = {"B3LYP": "b3lyp", "PBE0": "pbe0", "M06-2X": "m062x", "PBE": "pbe", "TPSS": "tpss"}
PRESSURE_PA = 101325.0
MAX_OPT_STEPS = 100
# Gaussian runs 3-21G and the 6-31G family with Cartesian d shells (6D), the convention these
# basis sets were fitted with; doing the same makes PySCF and Gaussian energies comparable.
CARTESIAN_BASES = ("3-21G", "6-31G", "6-31G*", "6-31G**", "6-31+G*", "6-31+G**")


def pyscf_params(spec: QCSpec, step: Step) -> dict[str, Any]:
    """The complete, JSON-ready parameters of one PySCF step."""
    if spec.method != "HF" and spec.method not in XC_NAMES:
        raise ValueError(f"method {spec.method} is not available in PySCF")
    solv = spec.solvation
    solvent: dict[str, Any] | None = None
    if solv.model is not SolvationModel.NONE:
        names = SOLVENT_TABLE[solv.solvent] if solv.solvent else None
        solvent = {
            "model": solv.model.value,
            "solvent": names.pyscf if names else None,
            "eps": names.epsilon if names else solv.epsilon,
        }
    return {
        "name": step.name,
        "task": step.task.value,
        "atoms": [list(a) for a in step.atoms],
        "charge": step.charge,
        "spin": step.multiplicity - 1,
        "method": spec.method,
        "xc": XC_NAMES.get(spec.method),
        "basis": spec.basis,
        "cartesian": spec.basis in CARTESIAN_BASES,
        "disp": "d3bj" if spec.dispersion.value == "GD3BJ" else None,
        "solvent": solvent,
        "max_memory_mb": int(spec.resources.memory_mb * 0.9),
        "threads": spec.resources.cpus_per_task,
        "temperature_k": spec.temperature,
        "pressure_pa": PRESSURE_PA,
        "charges": spec.charges.value,
    }


def run_pyscf(params: dict[str, Any], log_path: Path) -> dict[str, Any]:
    """Run one step from its parameters; return its summary (see `molyte.engines.qc`)."""
    from pyscf import lib

    step = Step(
        params["name"],
        Task(params["task"]),
        params["charge"],
        params["spin"] + 1,
        tuple((a[0], a[1], a[2], a[3]) for a in params["atoms"]),
    )
    summary = empty_step_summary(step)
    lib.num_threads(params["threads"])
    try:
        _calculate(params, log_path, summary)
    except _StepFailedError as failed:
        summary["failure_reason"] = failed.reason.value
        summary["message"] = str(failed)
    except Exception as exc:  # PySCF raises plain RuntimeError/KeyError/... for input problems
        reason = _classify(exc)
        summary["failure_reason"] = reason.value
        summary["message"] = f"{type(exc).__name__}: {exc}"
    else:
        summary["normal_termination"] = True
    return summary


class _StepFailedError(Exception):
    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _classify(exc: Exception) -> FailureReason:
    from pyscf.lib.exceptions import BasisNotFoundError

    text = str(exc).lower()
    if isinstance(exc, BasisNotFoundError):
        return FailureReason.BASIS_NOT_FOUND
    if isinstance(exc, MemoryError):
        return FailureReason.QC_MEMORY
    if "spin" in text and "electron" in text:  # "Electron number 9 and spin 0 are not consistent"
        return FailureReason.WRONG_CHARGE_MULTIPLICITY
    return FailureReason.UNKNOWN


def _build_mol(params: dict[str, Any], atoms: list[list[Any]], log_path: Path) -> Any:
    from pyscf import gto

    mol = gto.Mole()
    mol.atom = [(a[0], (a[1], a[2], a[3])) for a in atoms]
    mol.unit = "Angstrom"
    mol.basis = params["basis"]
    mol.cart = params["cartesian"]
    mol.charge = params["charge"]
    mol.spin = params["spin"]
    mol.max_memory = params["max_memory_mb"]
    mol.output = str(log_path)
    mol.verbose = 4
    mol.build()
    return mol


def _build_mf(params: dict[str, Any], mol: Any) -> Any:
    from pyscf import dft, scf

    open_shell = params["spin"] != 0
    if params["method"] == "HF":
        mf = scf.UHF(mol) if open_shell else scf.RHF(mol)
    else:
        mf = dft.UKS(mol) if open_shell else dft.RKS(mol)
        mf.xc = params["xc"]
        if params["disp"]:
            mf.disp = params["disp"]
    mf.max_cycle = 200
    solvent = params["solvent"]
    if solvent is not None:
        if solvent["model"] == "smd":
            mf = mf.SMD()
            mf.with_solvent.solvent = solvent["solvent"]
        else:
            mf = mf.PCM()
            mf.with_solvent.method = "IEF-PCM"
            mf.with_solvent.eps = solvent["eps"]
    return mf


def _converged_scf(mf: Any) -> Any:
    """Run the SCF; on failure retry once with a level shift, then second-order SCF."""
    mf.kernel()
    if mf.converged:
        return mf
    mf.level_shift = 0.3
    mf.kernel()
    if mf.converged:
        return mf
    mf = mf.newton()
    mf.kernel()
    if not mf.converged:
        raise _StepFailedError(FailureReason.SCF_NOT_CONVERGED, "the SCF did not converge")
    return mf


def _calculate(params: dict[str, Any], log_path: Path, summary: dict[str, Any]) -> None:
    from pyscf.geomopt import geometric_solver
    from pyscf.hessian import thermo

    task = Task(params["task"])
    mol = _build_mol(params, params["atoms"], log_path)
    mf = _converged_scf(_build_mf(params, mol))
    if task in (Task.OPT, Task.OPT_FREQ):
        prefix = str(log_path.with_suffix("")) + "_geomopt"
        conv, mol_eq = geometric_solver.kernel(mf, maxsteps=MAX_OPT_STEPS, prefix=prefix)
        if not conv:
            raise _StepFailedError(
                FailureReason.OPT_NOT_CONVERGED,
                f"the optimisation did not converge in {MAX_OPT_STEPS} steps",
            )
        coords = mol_eq.atom_coords(unit="Angstrom")
        atoms = [[params["atoms"][i][0], *map(float, coords[i])] for i in range(mol_eq.natm)]
        mol = _build_mol(params, atoms, log_path)
        mf = _converged_scf(_build_mf(params, mol))
    coords = mol.atom_coords(unit="Angstrom")
    summary["geometry"] = [[params["atoms"][i][0], *map(float, coords[i])] for i in range(mol.natm)]
    summary["scf_energy_hartree"] = float(mf.e_tot)
    summary.update(_frontier(mf))
    dipole = [float(d) for d in mf.dip_moment(unit="Debye", verbose=0)]
    summary["dipole_vector_debye"] = dipole
    summary["dipole_debye"] = sum(d * d for d in dipole) ** 0.5
    summary["mulliken_charges"] = [float(q) for q in mf.mulliken_pop(verbose=0)[1]]
    _fit_charges(params, mf, summary)
    if task is Task.OPT_FREQ:
        hessian = mf.Hessian().kernel()
        modes = thermo.harmonic_analysis(mol, hessian, imaginary_freq=False)
        freqs = [float(f) for f in modes["freq_wavenumber"]]
        summary["frequencies_cm1"] = freqs
        summary["imaginary_frequencies"] = [f for f in freqs if f < 0]
        result = thermo.thermo(mf, modes["freq_au"], params["temperature_k"], params["pressure_pa"])
        summary["free_energy_hartree"] = float(result["G_tot"][0])
        summary["enthalpy_hartree"] = float(result["H_tot"][0])
        summary["thermal_energy_hartree"] = float(result["E_tot"][0])
        summary["zero_point_energy_hartree"] = float(result["ZPE"][0])
        summary["thermo_temperature_k"] = float(params["temperature_k"])
        summary["thermo_pressure_atm"] = float(params["pressure_pa"]) / PRESSURE_PA


def _fit_charges(params: dict[str, Any], mf: Any, summary: dict[str, Any]) -> None:
    """ESP charges, and RESP charges when the spec asks for them, fitted to one evaluation of
    the potential; a fit that cannot be made leaves a message, and the rest of the job stands."""
    try:
        samples = pyscf_esp_samples(mf)
    except NoRadiusError as exc:  # an element MK gives no radius
        summary["message"] = f"no ESP charges: {exc}"
        return
    summary["esp_charges"] = esp_charges(samples)
    summary["esp_charges_method"] = ESP_METHOD
    # Parameters written before the charge scheme existed have no "charges": plain ESP.
    if params.get("charges") == ChargeScheme.RESP.value:
        try:
            summary["resp_charges"] = resp_charges(samples)
            summary["resp_charges_method"] = RESP_METHOD
        except (NoRadiusError, RespNotConvergedError) as exc:
            summary["message"] = f"no RESP charges: {exc}"


def _frontier(mf: Any) -> dict[str, float]:
    """HOMO, LUMO and gap in eV over both spins."""
    import numpy as np

    energies = np.atleast_2d(np.asarray(mf.mo_energy))
    occupations = np.atleast_2d(np.asarray(mf.mo_occ))
    occupied = energies[occupations > 0]
    virtual = energies[occupations == 0]
    out = {"homo_ev": float(occupied.max()) * HARTREE_TO_EV}
    if virtual.size:
        out["lumo_ev"] = float(virtual.min()) * HARTREE_TO_EV
        out["gap_ev"] = out["lumo_ev"] - out["homo_ev"]
    return out
