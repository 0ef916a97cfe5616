"""Gaussian 16: the `.gjf` writer, the `.log` parser (cclib 1.8.1), named failures, the repair
policy and the `Engine`.

Three pieces, as for every external program: `build_gjf` (pure: spec, step and attempt state to
input text; the route line is assembled only from typed, allow-listed fields), the batch script
runs `g16 STEM.gjf` (writing `STEM.log`), and `parse_gaussian_log` / `detect_failure` (pure
functions of the log) turn the output into the summary of `molyte.engines.qc`.

Repairs: after a named failure, `repair(attempt, failure)` gives the next attempt's settings
(a changed route, a restart from the checkpoint, more memory) or None when the failure cannot
be repaired or `MAX_ATTEMPTS` is used up; `GaussianEngine.prepare_repair` writes those inputs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason
from molyte.domain.qc_spec import (
    DEFAULT_TEMPERATURE_K,
    ELEMENTS,
    NOT_IN_GAUSSIAN,
    SOLVENT_TABLE,
    QCSpec,
    SolvationModel,
    Task,
)
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, EngineResult, RunPlan
from molyte.engines.qc.geometry import initial_geometry
from molyte.engines.qc.steps import Step, combine, empty_step_summary, plan_steps
from molyte.engines.qc.workdir import (
    INPUT_FILE,
    engine_result,
    load_run_input,
    scheduler_timeout,
    step_from_json,
    validate_spec,
    write_results,
    write_run_input,
)
from molyte.errors import InvalidInput
from molyte.programs import find_program

# Route keywords for the spec's methods (Gaussian spells several functionals differently).
METHOD_KEYWORDS = {
    "HF": "HF",
    "B3LYP": "B3LYP",
    "PBE0": "PBE1PBE",
    "M06-2X": "M062X",
    "wB97X-D": "wB97XD",
    "PBE": "PBEPBE",
    "TPSS": "TPSSTPSS",
    "MP2": "MP2",
    "CCSD(T)": "CCSD(T)",
}
BASIS_KEYWORDS = {
    "def2-SVP": "Def2SVP",
    "def2-TZVP": "Def2TZVP",
    "def2-QZVP": "Def2QZVP",
    "aug-cc-pVDZ": "Aug-cc-pVDZ",
    "aug-cc-pVTZ": "Aug-cc-pVTZ",
}
TASK_KEYWORDS = {Task.SP: "SP", Task.OPT: "Opt", Task.OPT_FREQ: "Opt Freq"}
# Elements with a Merz-Kollman radius of their own in Gaussian: a plain task (sp, opt,
# opt_freq) of a molecule made of them asks for ESP charges with Pop=MK (at the final
# geometry). Other elements (Li, Na, B, ...) would need radii read from the input, and the
# steps of compound tasks need no charges, so those jobs are left as they were.
MK_ELEMENTS = frozenset({"H", "C", "N", "O", "F", "P", "S", "Cl"})
ESP_TASKS = (Task.SP, Task.OPT, Task.OPT_FREQ)
# Gaussian's %mem is its working memory; the process needs headroom above it in the batch job.
MEM_FRACTION = 0.8
MAX_ATTEMPTS = 3
MAX_MEMORY_FACTOR = 4


@dataclass(frozen=True)
class Attempt:
    """The settings of one try of a Gaussian job; repairs change them."""

    number: int = 1
    memory_factor: int = 1
    scf_xqc: bool = False
    restart: bool = False
    opt_calcfc: bool = False


def repair(attempt: Attempt, failure: FailureReason) -> Attempt | None:
    """The next attempt after `failure`, or None when it cannot be repaired or tries are used up.

    The table: SCF_NOT_CONVERGED -> `SCF=(XQC,MaxCycle=512)`; OPT_NOT_CONVERGED and LINK9999 ->
    restart from the checkpoint (`Geom=Check Guess=Read`) with `Opt=(CalcFC,MaxCycles=200)`;
    TIMEOUT -> restart from the checkpoint; QC_MEMORY -> twice the memory (at most 4x).
    WRONG_CHARGE_MULTIPLICITY, BASIS_NOT_FOUND and anything else are not repaired.
    """
    if attempt.number >= MAX_ATTEMPTS:
        return None
    nxt = replace(attempt, number=attempt.number + 1)
    if failure is FailureReason.SCF_NOT_CONVERGED and not attempt.scf_xqc:
        return replace(nxt, scf_xqc=True)
    if failure in (FailureReason.OPT_NOT_CONVERGED, FailureReason.LINK9999):
        return replace(nxt, restart=True, opt_calcfc=True)
    if failure is FailureReason.TIMEOUT:
        return replace(nxt, restart=True)
    if failure is FailureReason.QC_MEMORY and attempt.memory_factor < MAX_MEMORY_FACTOR:
        return replace(nxt, memory_factor=attempt.memory_factor * 2)
    return None


def wants_esp(spec: QCSpec, step: Step) -> bool:
    """True when the step's route asks for Merz-Kollman ESP charges (`Pop=MK`)."""
    return spec.task in ESP_TASKS and {a[0] for a in step.atoms} <= MK_ELEMENTS


def route_line(spec: QCSpec, task: Task, attempt: Attempt, restart: bool, esp: bool = False) -> str:
    """The `#p` route line from typed fields only; `esp` adds `Pop=MK`."""
    words = [f"#p {METHOD_KEYWORDS[spec.method]}/{BASIS_KEYWORDS.get(spec.basis, spec.basis)}"]
    if task in (Task.OPT, Task.OPT_FREQ) and attempt.opt_calcfc:
        words.append("Opt=(CalcFC,MaxCycles=200)")
        if task is Task.OPT_FREQ:
            words.append("Freq")
    else:
        words.append(TASK_KEYWORDS[task])
    if spec.dispersion.value == "GD3BJ":
        words.append("EmpiricalDispersion=GD3BJ")
    solv = spec.solvation
    if solv.model is not SolvationModel.NONE:
        model = "PCM" if solv.model is SolvationModel.PCM else "SMD"
        if solv.solvent is not None:
            words.append(f"SCRF=({model},Solvent={SOLVENT_TABLE[solv.solvent].gaussian})")
        else:
            words.append(f"SCRF=({model},Read)")
    if task is Task.OPT_FREQ and spec.temperature != DEFAULT_TEMPERATURE_K:
        words.append(f"Temperature={spec.temperature:.2f}")
    if attempt.scf_xqc:
        words.append("SCF=(XQC,MaxCycle=512)")
    if esp:
        words.append("Pop=MK")
    if restart:
        words.append("Geom=Check Guess=Read")
    return " ".join(words)


def build_gjf(spec: QCSpec, step: Step, stem: str, attempt: Attempt, restart: bool) -> str:
    """The complete `.gjf` text for one step; `restart` reads geometry and guess from `%chk`."""
    res = spec.resources
    memory_mb = int(res.memory_mb * attempt.memory_factor * MEM_FRACTION)
    lines = [
        f"%chk={stem}.chk",
        f"%mem={memory_mb}MB",
        f"%nprocshared={res.cpus_per_task}",
        route_line(spec, step.task, attempt, restart, wants_esp(spec, step)),
        "",
        f"Molyte {spec.task.value} {step.name} {spec.method}/{spec.basis}",
        "",
        f"{step.charge} {step.multiplicity}",
    ]
    if not restart:
        lines += [f"{s:<2} {x:14.8f} {y:14.8f} {z:14.8f}" for s, x, y, z in step.atoms]
    lines.append("")
    if spec.solvation.epsilon is not None:
        # SCRF=(PCM,Read) keeps the default solvent's other parameters and takes Eps from here.
        lines += [f"Eps={spec.solvation.epsilon:.4f}", ""]
    return "\n".join(lines) + "\n"


# Ordered: the first pattern found names the failure.
_FAILURE_PATTERNS: list[tuple[re.Pattern[str], FailureReason]] = [
    (re.compile(r"DUE TO TIME LIMIT"), FailureReason.TIMEOUT),
    (
        re.compile(r"combination of multiplicity\s+\d+\s+and\s+\d+\s+electrons is impossible"),
        FailureReason.WRONG_CHARGE_MULTIPLICITY,
    ),
    (
        re.compile(r"could not allocate memory|Out-of-memory error|not enough memory", re.I),
        FailureReason.QC_MEMORY,
    ),
    (
        re.compile(r"Atomic number out of range for|End of file reading basis center"),
        FailureReason.BASIS_NOT_FOUND,
    ),
    (re.compile(r"Convergence failure -- run terminated"), FailureReason.SCF_NOT_CONVERGED),
    (re.compile(r"Number of steps exceeded"), FailureReason.OPT_NOT_CONVERGED),
    (re.compile(r"Error termination via Lnk1e in \S*l9999\.exe"), FailureReason.LINK9999),
]


def normal_termination(text: str) -> bool:
    """True when the log's last line is Gaussian's normal-termination line."""
    lines = text.rstrip().splitlines()
    return bool(lines) and "Normal termination of Gaussian" in lines[-1]


def detect_failure(text: str) -> FailureReason | None:
    """The named failure in a Gaussian log (or its tail), None when it terminated normally;
    UNKNOWN for an error or a cut-off log that matches no known message."""
    for pattern, reason in _FAILURE_PATTERNS:
        if pattern.search(text):
            return reason
    if normal_termination(text):
        return None
    return FailureReason.UNKNOWN


def route_from_log(text: str) -> str:
    """The route section as Gaussian echoes it (wrapped lines joined)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(" #"):
            parts = []
            for follow in lines[i:]:
                if follow.startswith(" ---"):
                    break
                parts.append(follow[1:])
            return "".join(parts).strip()
    return ""


def task_from_route(route: str) -> str:
    """`opt_freq`, `opt`, `freq` or `sp` from the route's keywords."""
    words = re.findall(r"[a-z]+", route.lower())
    opt, freq = "opt" in words, "freq" in words
    return "opt_freq" if opt and freq else "opt" if opt else "freq" if freq else "sp"


def _fortran_float(text: str) -> float:
    """A number as Gaussian prints it, with a Fortran `D` exponent or none."""
    return float(text.replace("D", "E").replace("d", "e"))


_NUM = r"(-?\d+\.\d+(?:[DE][-+]\d+)?)"
# Post-HF total energies as Gaussian prints them, lowest level first. A job prints the lower
# levels on its way (an MP4 job prints MP2, MP3, MP4(DQ), MP4(SDQ) and MP4(SDTQ); a CCSD(T)
# job prints MP2 to MP4(SDQ), then CCSD and CCSD(T)); the last one found is the job's method.
_POST_HF: list[tuple[str, re.Pattern[str]]] = [
    ("MP2", re.compile(rf"EUMP2 =\s*{_NUM}")),
    ("MP3", re.compile(rf"EUMP3=\s*{_NUM}")),
    ("MP4(DQ)", re.compile(rf"UMP4\(DQ\)=\s*{_NUM}")),
    ("MP4(SDQ)", re.compile(rf"UMP4\(SDQ\)=\s*{_NUM}")),
    ("MP4(SDTQ)", re.compile(rf"UMP4\(SDTQ\)=\s*{_NUM}")),
    ("CCSD", re.compile(rf"Wavefunction amplitudes converged\. E\(Corr\)=\s*{_NUM}")),
    # The D exponent tells the result line from the archive entry "CCSD(T)=-75.0177604\".
    ("CCSD(T)", re.compile(r"^ CCSD\(T\)=\s*(-?\d+\.\d+D[-+]\d+)", re.M)),
]


def parse_post_hf(text: str) -> dict[str, Any]:
    """Post-HF total energies (hartree) printed in a Gaussian log, by method name, and the
    highest level found as `energy_method`/`energy_hartree`; empty when there are none.
    Of repeated blocks (an optimisation) the last is kept."""
    energies: dict[str, float] = {}
    for name, pattern in _POST_HF:
        found = pattern.findall(text)
        if found:
            energies[name] = _fortran_float(found[-1])
    if not energies:
        return {}
    method = list(energies)[-1]
    return {
        "post_hf_energies_hartree": energies,
        "energy_method": method,
        "energy_hartree": energies[method],
    }


# Gaussian's thermochemistry block (after a frequency calculation); totals in hartree.
_THERMO: list[tuple[str, re.Pattern[str]]] = [
    ("zero_point_energy_hartree", re.compile(rf"Zero-point correction=\s*{_NUM}")),
    ("thermal_energy_hartree", re.compile(rf"Sum of electronic and thermal Energies=\s*{_NUM}")),
    ("enthalpy_hartree", re.compile(rf"Sum of electronic and thermal Enthalpies=\s*{_NUM}")),
    ("free_energy_hartree", re.compile(rf"Sum of electronic and thermal Free Energies=\s*{_NUM}")),
]
_THERMO_CONDITIONS = re.compile(rf"Temperature\s+{_NUM} Kelvin\.\s+Pressure\s+{_NUM} Atm\.")


def parse_thermochemistry(text: str) -> dict[str, Any]:
    """ZPE, E, H and G (hartree, totals but the ZPE correction) and the temperature (K) and
    pressure (atm) they are at, from the last thermochemistry block of a Gaussian log."""
    out: dict[str, Any] = {}
    for key, pattern in _THERMO:
        found = pattern.findall(text)
        if found:
            out[key] = _fortran_float(found[-1])
    conditions = _THERMO_CONDITIONS.findall(text)
    if out and conditions:
        out["thermo_temperature_k"] = float(conditions[-1][0])
        out["thermo_pressure_atm"] = float(conditions[-1][1])
    return out


# The fit's header, a few lines (RMS; in Gaussian 16 and 09 D "ESP charges:", in older
# versions "Charge= ... Dipole= ..."), the column number "1" alone on its line, then one row
# per atom: number, element, charge.
_ESP_BLOCK = re.compile(
    r"Fitting point charges to electrostatic potential\n(?:.*\n){1,3}?\s+1\n"
    r"(?P<rows>(?:\s+\d+\s+[A-Z][a-z]?\s+-?\d+\.\d+\n)+)"
)


def parse_esp_charges(text: str) -> list[float] | None:
    """The atomic charges of the last ESP fit (`Pop=MK`, `Pop=CHELPG`) in a Gaussian log, in
    atom order, or None when the log has no fit."""
    blocks = list(_ESP_BLOCK.finditer(text))
    if not blocks:
        return None
    return [float(line.split()[2]) for line in blocks[-1]["rows"].strip().splitlines()]


def parse_gaussian_log(path: Path) -> dict[str, Any]:
    """The summary of one Gaussian log: the step keys plus engine, task, method, basis and
    solvation as read from the log. Energies in hartree, orbitals in eV, dipole in Debye."""
    from cclib.io.ccio import ccread
    from cclib.parser.utils import convertor

    text = path.read_text(errors="replace")
    route = route_from_log(text)
    failure = detect_failure(text)
    summary: dict[str, Any] = {
        "engine": "gaussian",
        "task": task_from_route(route),
        "route": route,
        "method": None,
        "basis": None,
        "solvation": {"model": "none", "solvent": None, "epsilon": None},
        "charge": None,
        "multiplicity": None,
        **empty_step_summary(Step("log", Task.SP, 0, 1, ())),
        "normal_termination": normal_termination(text),
        "geometry": [],
        "failure_reason": None if failure is None else failure.value,
    }
    try:
        data = ccread(str(path))
    except Exception as exc:  # cclib raises many kinds on a truncated or error log
        summary["message"] = f"cclib could not read the log: {exc}"
        return summary
    if data is None:
        summary["message"] = "cclib did not recognise the file as a Gaussian log"
        return summary
    attrs = data.getattributes()
    meta = attrs.get("metadata", {})
    summary["method"] = meta.get("functional") or (meta.get("methods") or [None])[-1]
    summary["basis"] = meta.get("basis_set")
    summary["charge"] = attrs.get("charge")
    summary["multiplicity"] = attrs.get("mult")
    if "solvent_model" in meta:
        raw_model = str(meta["solvent_model"])
        summary["solvation"] = {
            "model": "smd" if "SMD" in raw_model.upper() else "pcm",
            "gaussian_model": raw_model,
            "solvent": meta.get("solvent_name"),
            "epsilon": meta.get("solvent_params", {}).get("epsilon"),
        }
    if "scfenergies" in attrs:
        # cclib 1.8.1 reports SCF energies in eV.
        summary["scf_energy_hartree"] = float(convertor(attrs["scfenergies"][-1], "eV", "hartree"))
    if "moenergies" in attrs and "homos" in attrs:
        summary.update(_frontier(attrs["moenergies"], attrs["homos"]))
    if "moments" in attrs and len(attrs["moments"]) > 1:
        vector = [float(v) for v in attrs["moments"][1]]
        summary["dipole_debye"] = sum(v * v for v in vector) ** 0.5
        summary["dipole_vector_debye"] = vector
    if "mulliken" in attrs.get("atomcharges", {}):
        summary["mulliken_charges"] = [float(q) for q in attrs["atomcharges"]["mulliken"]]
    if "vibfreqs" in attrs:
        freqs = [float(f) for f in attrs["vibfreqs"]]
        summary["frequencies_cm1"] = freqs
        summary["imaginary_frequencies"] = [f for f in freqs if f < 0]
        if "vibirs" in attrs:
            summary["ir_intensities"] = [float(i) for i in attrs["vibirs"]]
    summary.update(parse_thermochemistry(text))
    summary.update(parse_post_hf(text))
    esp = parse_esp_charges(text)
    if esp is not None:
        summary["esp_charges"] = esp
        summary["esp_charges_method"] = "gaussian"
    if "atomcoords" in attrs:
        coords = attrs["atomcoords"][-1]
        summary["geometry"] = [
            [ELEMENTS[int(z) - 1], *(float(c) for c in xyz)]
            for z, xyz in zip(attrs["atomnos"], coords, strict=True)
        ]
    if "optdone" in attrs and summary["task"].startswith("opt") and not attrs["optdone"]:
        summary["normal_termination"] = False
    return summary


def _frontier(moenergies: Any, homos: Any) -> dict[str, float]:
    """HOMO, LUMO and gap in eV over both spins (cclib gives orbital energies in eV)."""
    homo = max(float(moenergies[s][h]) for s, h in enumerate(homos))
    lumos = [float(moenergies[s][h + 1]) for s, h in enumerate(homos) if h + 1 < len(moenergies[s])]
    out = {"homo_ev": homo}
    if lumos:
        out["lumo_ev"] = min(lumos)
        out["gap_ev"] = out["lumo_ev"] - homo
    return out


def log_stem(step_count: int, name: str) -> str:
    """The file stem of a step's `.gjf` and `.log`: `input` for a lone step, else its name."""
    return "input" if step_count == 1 else name


def _stem(steps: list[Step], step: Step) -> str:
    return log_stem(len(steps), step.name)


class GaussianEngine:
    """Gaussian 16 (or 09) run as `GAUSSIAN_BIN STEM.gjf` in the work dir."""

    name = "gaussian"
    job_type = JobType.QC

    def available(self, ctx: EngineContext) -> bool:
        """True when `ctx.gaussian_bin` is an executable path or a command on PATH."""
        return find_program(ctx.gaussian_bin) is not None

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        """Write one `.gjf` per step and `qc_input.json`; the plan runs Gaussian on each."""
        qc = validate_spec(spec)
        if qc.method not in METHOD_KEYWORDS:
            raise InvalidInput(f"method {qc.method} does not run on Gaussian")
        if qc.basis in NOT_IN_GAUSSIAN:
            raise InvalidInput(f"basis {qc.basis} is not built into Gaussian")
        steps = plan_steps(qc, initial_geometry(qc.molecule))
        return self._write(qc, steps, workdir, ctx, Attempt(), set())

    def prepare_repair(
        self, spec: dict[str, Any], workdir: Path, ctx: EngineContext, failure: FailureReason
    ) -> RunPlan | None:
        """Rewrite the inputs of the steps that failed for the next attempt; None when the
        repair policy gives up. Steps that already ended normally are not run again."""
        qc = validate_spec(spec)
        state = load_run_input(workdir)
        nxt = repair(Attempt(**state["attempt"]), failure)
        if nxt is None:
            return None
        steps = [step_from_json(s) for s in state["steps"]]
        done = {
            s.name
            for s in steps
            if (workdir / f"{_stem(steps, s)}.log").exists()
            and normal_termination((workdir / f"{_stem(steps, s)}.log").read_text(errors="replace"))
        }
        return self._write(qc, steps, workdir, ctx, nxt, done)

    def _write(
        self,
        qc: QCSpec,
        steps: list[Step],
        workdir: Path,
        ctx: EngineContext,
        attempt: Attempt,
        done: set[str],
    ) -> RunPlan:
        workdir.mkdir(parents=True, exist_ok=True)
        commands, files = [], [INPUT_FILE]
        for step in steps:
            if step.name in done:
                continue
            stem = _stem(steps, step)
            restart = attempt.restart and (workdir / f"{stem}.chk").exists()
            (workdir / f"{stem}.gjf").write_text(build_gjf(qc, step, stem, attempt, restart))
            commands.append([ctx.gaussian_bin, f"{stem}.gjf"])
            files.append(f"{stem}.gjf")
        write_run_input(workdir, qc, self.name, steps, {"attempt": asdict(attempt)})
        res = qc.resources
        resources = Resources(
            tasks=1,
            cpus_per_task=res.cpus_per_task,
            memory_mb=res.memory_mb * attempt.memory_factor,
            walltime_minutes=res.walltime_minutes,
        )
        return RunPlan(commands=commands, resources=resources, files=files)

    def collect(self, workdir: Path) -> EngineResult:
        """Parse each step's log, combine them, write `summary.json` and `final.xyz`."""
        state = load_run_input(workdir)
        qc = QCSpec.model_validate(state["spec"])
        steps = [step_from_json(s) for s in state["steps"]]
        timed_out = scheduler_timeout(workdir)
        results: dict[str, dict[str, Any]] = {}
        files: list[Path] = []
        for step in steps:
            log = workdir / f"{_stem(steps, step)}.log"
            result = empty_step_summary(step)
            if log.exists():
                files.append(log)
                parsed = parse_gaussian_log(log)
                # Keep the planned charge, multiplicity and geometry where the log has none
                # (a run that stopped before printing them).
                result.update({k: v for k, v in parsed.items() if k in result and v is not None})
                result["normal_termination"] = parsed["normal_termination"]
                result["failure_reason"] = parsed["failure_reason"]
                if not parsed["geometry"]:
                    result["geometry"] = [list(a) for a in step.atoms]
            else:
                result["failure_reason"] = FailureReason.SCRIPT_FAILED.value
                result["message"] = f"{log.name} was not written"
            if not result["normal_termination"] and timed_out:
                result["failure_reason"] = FailureReason.TIMEOUT.value
            results[step.name] = result
        summary = combine(qc, self.name, steps, results)
        files += write_results(workdir, summary)
        files += [workdir / f"{_stem(steps, s)}.gjf" for s in steps]
        return engine_result(summary, files)
