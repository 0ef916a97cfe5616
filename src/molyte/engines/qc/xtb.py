"""xtb (GFN2-xTB): the command builder, the runner of one step, and the parser of its output
(`xtbout.json` from `--json` plus the text log), for fast pre-optimisation and screening.

A named solvent runs in xtb's ALPB implicit model (whether the spec says pcm or smd: xtb has
neither). xtb's `partial charges` are its Mulliken-type GFN2 charges.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason, describe_exit
from molyte.domain.qc_spec import DEFAULT_TEMPERATURE_K, SOLVENT_TABLE, QCSpec, Task
from molyte.engines.qc.geometry import read_xyz, xyz_text
from molyte.engines.qc.steps import Step, empty_step_summary

XTB_TASK_FLAGS = {Task.SP: [], Task.OPT: ["--opt"], Task.OPT_FREQ: ["--ohess"]}
STEP_INPUT = "input.xyz"
STEP_CONTROL = "xcontrol"  # xtb's detailed input, for a thermochemistry temperature
STEP_LOG = "xtb.out"
AU_TO_DEBYE = 2.541746473  # e*bohr in Debye (CODATA 2018)

_FAILURES: list[tuple[re.Pattern[str], FailureReason]] = [
    (re.compile(r"FAILED TO CONVERGE GEOMETRY OPTIMIZATION"), FailureReason.OPT_NOT_CONVERGED),
    (
        re.compile(r"did not converge|SCC iterations? did not", re.I),
        FailureReason.SCF_NOT_CONVERGED,
    ),
    (re.compile(r"could not allocate|out of memory", re.I), FailureReason.QC_MEMORY),
]


def xtb_command(xtb_bin: str, spec: QCSpec, step: Step) -> list[str]:
    """The argv that runs one step on `input.xyz` in its own directory."""
    argv = [xtb_bin, STEP_INPUT, "--gfn", "2", *XTB_TASK_FLAGS[step.task]]
    argv += ["--chrg", str(step.charge), "--uhf", str(step.multiplicity - 1), "--json"]
    if xtb_control(spec, step) is not None:
        argv += ["--input", STEP_CONTROL]
    solvent = spec.solvation.solvent
    if solvent is not None:
        name = SOLVENT_TABLE[solvent].xtb
        if name is None:
            raise ValueError(f"xtb has no implicit model of solvent {solvent}")
        argv += ["--alpb", name]
    return argv


def xtb_control(spec: QCSpec, step: Step) -> str | None:
    """The `xcontrol` text setting the thermochemistry temperature of a frequency step, or
    None when xtb's default (298.15 K) applies."""
    if step.task is not Task.OPT_FREQ or spec.temperature == DEFAULT_TEMPERATURE_K:
        return None
    return f"$thermo\n    temp={spec.temperature:.2f}\n$end\n"


def step_xyz(step: Step) -> str:
    """The `input.xyz` xtb reads for a step."""
    return xyz_text(list(step.atoms), f"molyte {step.name}")


def run_xtb_step(xtb_bin: str, spec: QCSpec, step: Step, stepdir: Path) -> dict[str, Any]:
    """Run one step in `stepdir` (xtb writes fixed file names in its working dir) and parse it."""
    stepdir.mkdir(parents=True, exist_ok=True)
    for stale in ("xtbout.json", "xtbopt.xyz"):  # from an earlier try in the same dir
        (stepdir / stale).unlink(missing_ok=True)
    (stepdir / STEP_INPUT).write_text(step_xyz(step))
    control = xtb_control(spec, step)
    if control is not None:
        (stepdir / STEP_CONTROL).write_text(control)
    argv = xtb_command(xtb_bin, spec, step)
    threads = str(spec.resources.cpus_per_task)
    env = {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "OMP_STACKSIZE": "1G"}
    try:
        with (stepdir / STEP_LOG).open("w") as out:
            proc = subprocess.run(
                argv, cwd=stepdir, stdout=out, stderr=subprocess.PIPE, text=True,
                env={**os.environ, **env}, check=False,
            )  # fmt: skip
    except FileNotFoundError:
        missing = empty_step_summary(step)
        missing["failure_reason"] = FailureReason.ENGINE_UNAVAILABLE.value
        missing["message"] = f"xtb program {xtb_bin!r} not found on this node"
        return missing
    (stepdir / "xtb.err").write_text(proc.stderr)
    # Copies beside the summary, named by step, so result files have unique names.
    for name in (STEP_LOG, "xtbout.json"):
        if (stepdir / name).exists():
            (stepdir.parent / f"{step.name}.{name}").write_bytes((stepdir / name).read_bytes())
    json_path = stepdir / "xtbout.json"
    opt_xyz = stepdir / "xtbopt.xyz"
    return parse_xtb(
        step,
        (stepdir / STEP_LOG).read_text(errors="replace"),
        proc.stderr,
        json_path.read_text() if json_path.exists() else None,
        read_xyz(opt_xyz) if opt_xyz.exists() else list(step.atoms),
        returncode=proc.returncode,
    )


def parse_xtb(
    step: Step,
    log_text: str,
    err_text: str,
    json_text: str | None,
    atoms: list[tuple[str, float, float, float]],
    returncode: int = 0,
) -> dict[str, Any]:
    """The step summary of an xtb run from its log, stderr, `xtbout.json`, final geometry and
    exit status (negative: killed by that signal, as `subprocess` reports it)."""
    summary = empty_step_summary(step)
    summary["geometry"] = [list(a) for a in atoms]
    for pattern, reason in _FAILURES:
        if pattern.search(log_text) or pattern.search(err_text):
            summary["failure_reason"] = reason.value
            summary["message"] = f"xtb: {pattern.pattern}"
            break
    # xtb prints its termination line on stderr; a captured stdout ends with its timings.
    finished = "normal termination of xtb" in err_text + log_text or bool(
        re.search(r"^ \* finished run on", log_text, re.M)
    )
    if not finished and summary["failure_reason"] is None and returncode != 0:
        # The program itself crashed or refused to run (a broken build, a bad node).
        summary["failure_reason"] = FailureReason.SCRIPT_FAILED.value
        how = describe_exit(128 - returncode if returncode < 0 else returncode)
        summary["message"] = f"xtb crashed ({how}): " + err_text.strip()[-300:]
    elif not finished and summary["failure_reason"] is None:
        summary["failure_reason"] = FailureReason.UNKNOWN.value
        summary["message"] = "xtb did not terminate normally: " + err_text.strip()[-300:]
    summary["normal_termination"] = finished and summary["failure_reason"] is None
    energy = _last_float(r"TOTAL ENERGY\s+(-?\d+\.\d+)\s+Eh", log_text)
    summary["scf_energy_hartree"] = energy
    summary.update(parse_xtb_thermo(log_text))
    # The "full:" line of the dipole block: x, y, z in atomic units, then the total in Debye.
    dipole = re.findall(
        r"molecular dipole:[^\n]*\n[^\n]*\n[^\n]*\n\s*full:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)",
        log_text,
    )
    if dipole:
        summary["dipole_vector_debye"] = [float(v) * AU_TO_DEBYE for v in dipole[-1][:3]]
        summary["dipole_debye"] = float(dipole[-1][3])
    if json_text:
        summary.update(_from_json(json.loads(json_text), atoms))
    return summary


def parse_xtb_thermo(log_text: str) -> dict[str, float | None]:
    """G, H and ZPE (hartree) and the temperature (K) of xtb's thermochemistry (`--hess`,
    `--ohess`); the values are null for a run without it. xtb's G and H are totals (electronic
    energy plus the RRHO terms); it prints no thermal energy or pressure."""
    temperature = re.findall(r"T/K\s+H\(0\)-H\(T\)\+PV.*\n\s*-+\n\s*(\d+\.\d+)", log_text)
    return {
        "free_energy_hartree": _last_float(r"TOTAL FREE ENERGY\s+(-?\d+\.\d+)\s+Eh", log_text),
        "enthalpy_hartree": _last_float(r"TOTAL ENTHALPY\s+(-?\d+\.\d+)\s+Eh", log_text),
        "zero_point_energy_hartree": _last_float(
            r":: zero point energy\s+(-?\d+\.\d+)\s+Eh", log_text
        ),
        "thermo_temperature_k": float(temperature[-1]) if temperature else None,
    }


def _last_float(pattern: str, text: str) -> float | None:
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def _is_linear(atoms: list[tuple[str, float, float, float]]) -> bool:
    """True when every atom lies on the line through the first two (within 1e-3 Angstrom)."""
    if len(atoms) < 3:
        return True
    a, b = (atoms[0][1], atoms[0][2], atoms[0][3]), (atoms[1][1], atoms[1][2], atoms[1][3])
    axis = [b[k] - a[k] for k in range(3)]
    length = math.sqrt(sum(c * c for c in axis))
    for atom in atoms[2:]:
        v = [atom[1] - a[0], atom[2] - a[1], atom[3] - a[2]]
        cross = [
            axis[1] * v[2] - axis[2] * v[1],
            axis[2] * v[0] - axis[0] * v[2],
            axis[0] * v[1] - axis[1] * v[0],
        ]
        if math.sqrt(sum(c * c for c in cross)) / length > 1e-3:
            return False
    return True


def _from_json(
    data: dict[str, Any], atoms: list[tuple[str, float, float, float]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "total energy" in data:
        out["scf_energy_hartree"] = float(data["total energy"])
    if "partial charges" in data:
        out["mulliken_charges"] = [float(q) for q in data["partial charges"]]
    energies = data.get("orbital energies/eV")
    occupations = data.get("fractional occupation")
    if energies and occupations:
        occupied = [e for e, n in zip(energies, occupations, strict=True) if n > 0.5]
        empty = [e for e, n in zip(energies, occupations, strict=True) if n < 0.5]
        if occupied:
            out["homo_ev"] = float(max(occupied))
        if empty:
            out["lumo_ev"] = float(min(empty))
        if occupied and empty:
            out["gap_ev"] = out["lumo_ev"] - out["homo_ev"]
    freqs = data.get("vibrational frequencies/rcm")
    if freqs:
        # xtb lists all 3N modes; drop the 6 (5 for a linear molecule) with the smallest
        # magnitude: translations and rotations, which it reports as ~0 cm-1.
        trivial = 5 if _is_linear(atoms) else 6
        order = sorted(range(len(freqs)), key=lambda i: abs(freqs[i]))
        kept = sorted(order[trivial:], key=lambda i: freqs[i])
        out["frequencies_cm1"] = [float(freqs[i]) for i in kept]
        out["imaginary_frequencies"] = [f for f in out["frequencies_cm1"] if f < 0]
        intensities = data.get("IR intensities/amu")  # km/mol, despite the key's name
        if intensities and len(intensities) == len(freqs):
            out["ir_intensities"] = [float(intensities[i]) for i in kept]
    return out


def parse_xtb_output(path: Path) -> dict[str, Any]:
    """The summary of an xtb text output, with `xtbout.json`/`xtbopt.xyz` beside it if present."""
    text = path.read_text(errors="replace")
    json_path = path.parent / "xtbout.json"
    opt_xyz = path.parent / "xtbopt.xyz"
    err_path = path.parent / "xtb.err"
    atoms = read_xyz(opt_xyz) if opt_xyz.exists() else []
    charge = _last_float(r"--chrg\s+(-?\d+)", text)
    uhf = _last_float(r"--uhf\s+(\d+)", text)
    step = Step("log", Task.SP, int(charge or 0), int(uhf or 0) + 1, tuple(atoms))
    summary = parse_xtb(
        step,
        text,
        err_path.read_text() if err_path.exists() else "",
        json_path.read_text() if json_path.exists() else None,
        atoms,
    )
    return {"engine": "xtb", "method": "GFN2-xTB", "basis": None, **summary}
