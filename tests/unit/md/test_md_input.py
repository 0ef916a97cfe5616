"""Stage schedule and input scripts, fresh and continued."""

from __future__ import annotations

from molyte.domain.md_spec import MDSpec
from molyte.engines.md.lammps_input import ScriptSettings, Stage, render_input, schedule, steps

SETTINGS = ScriptSettings(
    temperature=300.0, pressure=1.0, timestep=2.0, anneal_temperature=450.0,
    thermo_interval=100, dump_interval=500, restart_interval=1000, seed=7, cutoff=10.0,
    minimize=True, dihedral_styles=["fourier", "opls"], shake_bonds=[3, 4], shake_angles=[9],
    pair_ij=[(5, 6, 0.1, 3.3)], compress_to=21.5,
)  # fmt: skip


def test_schedule_in_steps() -> None:
    spec = MDSpec.model_validate(
        {
            "salts": [{"name": "LiPF6", "concentration": 1}], "solvents": [{"name": "EC"}],
            "timestep": 2.0,
            "stages": {"npt_ps": 10, "anneal_ps": 4, "nvt_ps": 20.001, "compress_ps": 2},
        }
    )  # fmt: skip
    assert schedule(spec) == [
        Stage("minimize", 0, 0), Stage("compress", 0, 1000), Stage("anneal", 1000, 3000),
        Stage("npt", 3000, 8000), Stage("nvt", 8000, 18000),
    ]  # fmt: skip
    no_squeeze = spec.model_copy(
        update={"stages": spec.effective_stages.model_copy(update={"compress_ps": 0})}
    )
    assert [stage.name for stage in schedule(no_squeeze)] == ["minimize", "anneal", "npt", "nvt"]
    unset = spec.model_copy(
        update={"stages": spec.effective_stages.model_copy(update={"compress_ps": None})}
    )
    assert schedule(unset)[1] == Stage("compress", 0, 500)  # a tenth of the 10 ps NPT
    fast = MDSpec.model_validate({**spec.model_dump(), "stages": None, "preset": "fast"})
    assert schedule(fast)[1] == Stage("compress", 0, 1000)  # a tenth of its 20 ps NPT
    standard = MDSpec.model_validate({**spec.model_dump(), "stages": None, "preset": "standard"})
    assert schedule(standard)[1] == Stage("compress", 0, 5000)  # 10 ps at most (of 1 ns NPT)
    assert steps(0.0, 1.0) == 0 and steps(0.001, 1.0) == 10


def test_fresh_script_runs_every_stage_in_order() -> None:
    stages = [Stage("minimize", 0, 0), Stage("anneal", 0, 2000), Stage("npt", 2000, 7000),
              Stage("nvt", 7000, 17000)]  # fmt: skip
    text = render_input(SETTINGS, stages)
    assert "dihedral_style  hybrid fourier opls" in text
    assert "pair_coeff      5 6 0.100000 3.300000" in text
    assert "fix             shake all shake 1.0e-4 20 0 b 3 4 a 9" in text
    order = [
        "minimize ", "fix             shake", "velocity        all create 300.0 7",
        "npt temp 300.0 450.0", "run             1000 upto start 0 stop 1000",
        "npt temp 450.0 300.0", "run             2000 upto start 1000 stop 2000",
        "run             4500 upto", "fix             lavg", "run             7000 upto",
        "change_box", "nvt temp 300.0 300.0 200.0", "dump            traj",
        "run             17000 upto", "write_data      final.data pair ij",
        'print           "MOLYTE_DONE"',
    ]  # fmt: skip
    positions = [text.index(needle) for needle in order]
    assert positions == sorted(positions)


def test_continuation_starts_at_the_restart_step() -> None:
    stages = [Stage("minimize", 0, 0), Stage("npt", 0, 5000), Stage("nvt", 5000, 15000)]
    mid_npt = render_input(SETTINGS, stages, restart_file="restart.b.lammps", start_step=3000)
    assert "read_restart    restart.b.lammps" in mid_npt
    assert "read_data" not in mid_npt and "minimize " not in mid_npt
    assert "velocity" not in mid_npt and "pair_style" not in mid_npt
    assert "run             2500 upto" not in mid_npt  # first half of NPT is done
    assert "run             5000 upto" in mid_npt and "change_box" in mid_npt
    in_nvt = render_input(
        SETTINGS, stages, restart_file="restart.a.lammps", start_step=9000, segment=2
    )
    assert "npt" not in in_nvt and "change_box" not in in_nvt
    # LAMMPS cannot append to a DCD file: a continuation writes its own numbered segments
    assert "dump            traj all dcd 500 traj.2.dcd" in in_nvt
    assert "file stress.2.dat" in in_nvt
    assert "run             15000 upto" in in_nvt


def test_compress_stage_squeezes_the_box_to_the_liquid_edge_then_holds_it() -> None:
    stages = [Stage("minimize", 0, 0), Stage("compress", 0, 1000), Stage("npt", 1000, 6000)]
    text = render_input(SETTINGS, stages)
    order = [
        "velocity        all create", '"MOLYTE_STAGE compress"',
        "fix             ens all nvt temp 300.0 300.0 200.0",
        "fix             squeeze all deform 1 x final 0.0 21.500000 y final 0.0 21.500000"
        " z final 0.0 21.500000 remap x",
        "run             500 upto", "unfix           squeeze",  # squeezed over the first half
        "run             1000 upto", "unfix           ens",  # held at that volume
        '"MOLYTE_STAGE npt"', "npt temp 300.0 300.0",
    ]  # fmt: skip
    positions = [text.index(needle) for needle in order]
    assert positions == sorted(positions)
    # a continuation inside the hold does not squeeze again; one after the stage skips it
    holding = render_input(SETTINGS, stages, restart_file="restart.a.lammps", start_step=700)
    assert "deform" not in holding and "run             1000 upto" in holding
    assert holding.index("MOLYTE_STAGE compress") < holding.index("MOLYTE_STAGE npt")
    squeezing = render_input(SETTINGS, stages, restart_file="restart.a.lammps", start_step=300)
    assert "deform" in squeezing and "run             500 upto" in squeezing
    after = render_input(SETTINGS, stages, restart_file="restart.a.lammps", start_step=2000)
    assert "deform" not in after and "MOLYTE_STAGE compress" not in after
    # a stage of one step quantum cannot be halved: it squeezes all the way, once
    tiny = render_input(SETTINGS, [Stage("compress", 0, 10), Stage("npt", 10, 100)])
    assert "deform" in tiny and tiny.count("run             10 upto") == 1
