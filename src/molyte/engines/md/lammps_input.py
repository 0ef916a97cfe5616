"""The LAMMPS input script: stage schedule, fresh start and continuation from a restart file.

Stages, in order (lengths from the spec, in steps of the timestep, rounded to multiples of 10):
1. `minimize`: energy minimisation of the packed box (no SHAKE: LAMMPS cannot minimise with it),
   then the step counter is reset to 0, velocities are drawn and SHAKE is switched on;
2. `compress`: NVT while `fix deform` shrinks the box from Packmol's loose packing to the edge
   at the estimated liquid density (`compress_to`) over the stage's first half, then NVT at that
   volume over its second half (its packing relaxes before the barostat acts; why and how long
   in `StagesSpec`), so NPT starts near its answer;
3. `anneal` (optional): NPT, heating from T to the anneal temperature over the first half and
   cooling back to T over the second half;
4. `npt`: NPT equilibration at (T, P). The box edge is averaged over the second half
   (`fix ave/time ... ave running`);
5. `nvt`: the box is scaled to that average edge, then NVT production with the trajectory
   (`dump dcd`, unwrapped, every `dump_interval` steps) and the off-diagonal pressure tensor
   every STRESS_INTERVAL steps (for the Green-Kubo viscosity; `fix ave/time` to a text file).
   LAMMPS cannot append to a DCD file, so each continuation writes its own segments
   (`traj.1.dcd`, `stress.1.dat`, ... numbered like its log); the analysis chains them.
Each `run` is written `run END upto`, so a continuation from a restart file at step s runs the
same script from s on: stages ending before s are skipped, the one holding s runs to its end.
Restart files alternate between restart.a.lammps and restart.b.lammps every `restart_interval`.
Thermo lines are preceded by a `MOLYTE_STAGE name` line so the log can be split by stage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from molyte.domain.md_spec import MDSpec

STEP_QUANTUM = 10  # stage lengths are multiples of this, the sampling period of the box average
RESTART_FILES = ("restart.a.lammps", "restart.b.lammps")
TRAJECTORY = "traj.dcd"
STRESS = "stress.dat"
LEGACY_TRAJECTORY = "traj.lammpstrj"  # the text dump of jobs run before the DCD trajectory
# Pressure tensor samples for Green-Kubo: every 5 steps (5 fs at 1 fs) resolves the stress
# autocorrelation's fast decay (~0.1 ps) at a few % of a step's cost.
STRESS_INTERVAL = 5
STAGE_MARK = "MOLYTE_STAGE"
DONE_MARK = "MOLYTE_DONE"
THERMO_KEYWORDS = (
    "step", "temp", "press", "density", "pe", "ke", "etotal", "evdwl", "ecoul", "elong",
    "ebond", "eangle", "edihed", "eimp", "vol", "lx",
)  # fmt: skip


@dataclass(frozen=True)
class Stage:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class ScriptSettings:
    temperature: float
    pressure: float
    timestep: float
    anneal_temperature: float
    thermo_interval: int
    dump_interval: int
    restart_interval: int
    seed: int
    cutoff: float
    minimize: bool
    dihedral_styles: list[str] = field(default_factory=list)
    shake_bonds: list[int] = field(default_factory=list)
    shake_angles: list[int] = field(default_factory=list)
    pair_ij: list[tuple[int, int, float, float]] = field(default_factory=list)
    compress_to: float | None = None  # A, the box edge the compress stage ends at


def segment_name(base: str, segment: int) -> str:
    """`traj.dcd` for the first run, `traj.1.dcd` for the first continuation, ..."""
    if segment == 0:
        return base
    stem, ext = base.rsplit(".", 1)
    return f"{stem}.{segment}.{ext}"


def segments(workdir: Path, base: str) -> list[Path]:
    """The existing segments of `base` in `workdir`, in run order."""
    stem, ext = base.rsplit(".", 1)
    numbered = []
    for path in workdir.glob(f"{stem}.*.{ext}"):
        middle = path.name[len(stem) + 1 : -len(ext) - 1]
        if middle.isdigit():
            numbered.append((int(middle), path))
    first = [workdir / base] if (workdir / base).is_file() else []
    return first + [path for _, path in sorted(numbered)]


def steps(ps: float, timestep_fs: float) -> int:
    """Steps for `ps` picoseconds, rounded to a multiple of STEP_QUANTUM."""
    n = round(ps * 1000.0 / timestep_fs / STEP_QUANTUM) * STEP_QUANTUM
    return int(max(n, STEP_QUANTUM)) if ps > 0 else 0


def schedule(spec: MDSpec) -> list[Stage]:
    """The MD stages with their first and last step (minimisation takes no steps)."""
    stages = spec.effective_stages
    result = [Stage("minimize", 0, 0)] if stages.minimize else []
    step = 0
    lengths = (
        ("compress", stages.effective_compress_ps),
        ("anneal", stages.anneal_ps),
        ("npt", stages.npt_ps),
        ("nvt", stages.nvt_ps),
    )
    for name, ps in lengths:
        n = steps(ps, spec.timestep)
        if n:
            result.append(Stage(name, step, step + n))
            step += n
    return result


def _half(stage: Stage) -> int:
    return stage.start + (stage.end - stage.start) // 2 // STEP_QUANTUM * STEP_QUANTUM


def _squeeze_end(stage: Stage, compress_to: float | None) -> int:
    """The step the compress stage's squeeze ends at: its middle (the rest holds the volume),
    its end when it is too short to halve, its start when there is no edge to squeeze to."""
    if compress_to is None:
        return stage.start
    half = _half(stage)
    return half if half > stage.start else stage.end


def render_input(
    settings: ScriptSettings,
    stages: list[Stage],
    *,
    restart_file: str | None = None,
    start_step: int = 0,
    segment: int = 0,
) -> str:
    """The input script: from system.data, or from `restart_file` at `start_step` (the
    continuation number `segment` names its trajectory and stress files)."""
    s = settings
    t, p, dt = s.temperature, s.pressure, s.timestep
    tdamp, pdamp = 100 * dt, 1000 * dt
    fresh = restart_file is None
    out = [
        "# Molyte MD input (generated). Units real: A, fs, kcal/mol, atm, K.",
        "units           real",
        "atom_style      full",
        "boundary        p p p",
        # The OPT package's pair styles: the same forces, the inner loop unrolled (about 10 %
        # faster here); a LAMMPS built without OPT ignores the suffix and uses the plain style.
        "suffix          opt",
    ]
    if fresh:
        dihedral = (
            s.dihedral_styles[0]
            if len(s.dihedral_styles) == 1
            else ("hybrid " + " ".join(s.dihedral_styles) if s.dihedral_styles else "opls")
        )
        out += [
            f"pair_style      lj/cut/coul/long {s.cutoff:.2f}",
            "pair_modify     mix geometric tail yes",
            "bond_style      harmonic",
            "angle_style     harmonic",
            f"dihedral_style  {dihedral}",
            "improper_style  cvff",
            "special_bonds   lj/coul 0.0 0.0 0.5",
            "read_data       system.data",
        ]
        if s.pair_ij:
            out.append("# GAFF2-GAFF2 pairs: Lorentz-Berthelot (all others: geometric)")
        out += [f"pair_coeff      {i} {j} {eps:.6f} {sig:.6f}" for i, j, eps, sig in s.pair_ij]
    else:
        out.append(f"read_restart    {restart_file}")
    out += [
        "kspace_style    pppm 1.0e-5",
        # A 1 A skin (LAMMPS's default in real units is 2 A): (cutoff + 1)^3 instead of
        # (cutoff + 2)^3 pairs to test each step; `check yes` rebuilds the list as soon as an
        # atom moved half the skin, so a thin skin costs rebuilds, never missed pairs.
        "neighbor        1.0 bin",
        "neigh_modify    delay 0 every 1 check yes",
        f"thermo_style    custom {' '.join(THERMO_KEYWORDS)}",
        "thermo_modify   flush yes",
        f"thermo          {s.thermo_interval}",
        f"timestep        {dt}",
    ]
    shake = "fix             shake all shake 1.0e-4 20 0"
    if s.shake_bonds:
        shake += " b " + " ".join(map(str, s.shake_bonds))
    if s.shake_angles:
        shake += " a " + " ".join(map(str, s.shake_angles))
    shake_line = shake if (s.shake_bonds or s.shake_angles) else None
    if fresh and any(st.name == "minimize" for st in stages):
        out += [
            f'print           "{STAGE_MARK} minimize"',
            "minimize        1.0e-4 1.0e-6 1000 10000",
            "reset_timestep  0",
        ]
    if shake_line:
        out.append(shake_line)
    if fresh:  # after SHAKE, so the drawn velocities count only the free degrees of freedom
        out.append(f"velocity        all create {t} {s.seed} mom yes rot yes dist gaussian")
    out.append(f"restart         {s.restart_interval} {' '.join(RESTART_FILES)}")

    for stage in stages:
        if stage.name == "minimize" or stage.end <= start_step:
            continue
        out += ["", f'print           "{STAGE_MARK} {stage.name}"']
        if stage.name == "compress":
            out += [f"fix             ens all nvt temp {t} {t} {tdamp}"]
            squeeze_end = _squeeze_end(stage, s.compress_to)
            if start_step < squeeze_end:
                # From the box at the start of this run (a continuation resumes from where the
                # restart left it) to the target edge at squeeze_end.
                edge = f"final 0.0 {s.compress_to:.6f}"
                box = f"x {edge} y {edge} z {edge}"
                out += [
                    f"fix             squeeze all deform 1 {box} remap x",
                    f"run             {squeeze_end} upto",
                    "unfix           squeeze",
                ]
            if squeeze_end < stage.end:
                if squeeze_end > stage.start:
                    out.append("# hold the squeezed box: its packing relaxes before the barostat")
                out.append(f"run             {stage.end} upto")
            out.append("unfix           ens")
        elif stage.name == "anneal":
            mid = _half(stage)
            ta = s.anneal_temperature
            for (t0, t1), end in (((t, ta), mid), ((ta, t), stage.end)):
                if end <= start_step:
                    continue
                begin = stage.start if end == mid else mid
                out += [
                    f"fix             ens all npt temp {t0} {t1} {tdamp} iso {p} {p} {pdamp}",
                    f"run             {end} upto start {begin} stop {end}",
                    "unfix           ens",
                ]
        elif stage.name == "npt":
            mid = _half(stage)
            out.append(f"fix             ens all npt temp {t} {t} {tdamp} iso {p} {p} {pdamp}")
            if start_step < mid:
                out.append(f"run             {mid} upto")
            out += [
                "variable        lx_now equal lx",
                f"fix             lavg all ave/time {STEP_QUANTUM} 1 {STEP_QUANTUM} v_lx_now"
                " ave running",
                f"run             {stage.end} upto",
                "unfix           ens",
                "# NVT at the mean box edge of the second half of NPT",
                "variable        scale equal f_lavg/lx",
                "change_box      all x scale $(v_scale) y scale $(v_scale) z scale $(v_scale)"
                " remap",
                "unfix           lavg",
            ]
        elif stage.name == "nvt":
            out += [
                f"fix             ens all nvt temp {t} {t} {tdamp}",
                f"dump            traj all dcd {s.dump_interval}"
                f" {segment_name(TRAJECTORY, segment)}",
                "dump_modify     traj unwrap yes",
                # c_thermo_press[4..6]: pxy pxz pyz (atm), kinetic part included
                f"fix             stress all ave/time {STRESS_INTERVAL} 1 {STRESS_INTERVAL}"
                " c_thermo_press[4] c_thermo_press[5] c_thermo_press[6]"
                f" file {segment_name(STRESS, segment)}",
                f"run             {stage.end} upto",
                "unfix           stress",
                "undump          traj",
                "unfix           ens",
            ]
    # `pair ij`: the explicit GAFF2 cross terms are kept in the final data file too
    out += ["", "write_data      final.data pair ij", f'print           "{DONE_MARK}"', ""]
    return "\n".join(out)


def restart_timestep(path: Path) -> int:
    """The timestep stored in a LAMMPS binary restart file (read from its header).

    Layout (write_restart.cpp): magic string "LammpS RestartT\\0", endian int, format revision
    int, then (flag, value) fields: VERSION string, SMALLINT, IMGINT, TAGINT, BIGINT ints,
    UNITS string, NTIMESTEP int64. A string is an int length followed by that many bytes.
    """
    data = path.read_bytes()[:4096]
    magic = b"LammpS RestartT\x00"
    if not data.startswith(magic):
        raise ValueError(f"{path.name} is not a LAMMPS restart file")
    pos = len(magic) + 8  # endian, revision

    def read_int() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<i", data, pos)
        pos += 4
        return int(value)

    def skip_string() -> None:
        nonlocal pos
        read_int()  # flag
        length = read_int()
        pos += length

    skip_string()  # VERSION
    for _ in range(4):  # SMALLINT, IMGINT, TAGINT, BIGINT
        read_int()
        read_int()
    skip_string()  # UNITS
    read_int()  # NTIMESTEP flag
    (step,) = struct.unpack_from("<q", data, pos)
    return int(step)
