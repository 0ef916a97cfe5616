"""The worker's `engines:` section: typed, strict, merged with the flat `local.*_bin` keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from molyte.errors import ConfigError
from molyte.worker.config import parse_config
from molyte.worker.engine_setup import probe_binary, probe_script

BASE = {"api": {"base_url": "https://x", "worker_token": "t"}, "worker": {"name": "w1"}}

CLUSTER = """
api: {base_url: https://molyte.example.org/api/v1, worker_token: tok}
worker: {name: hpc-login01}
local:
  gaussian_bin: /opt/g09/g09
  xtb_bin: /opt/xtb/bin/xtb
engines:
  module_use: [/opt/site/modulefiles]
  gaussian:
    bin: g16
    modules: [g16/C.01]
    env: {GAUSS_SCRDIR: /scratch/g16 tmp}
    setup: ["ulimit -s unlimited"]
  lammps:
    module_use: [/opt/lammps/modulefiles]
    modules: [lammps/2Aug2023, openmpi/4.1.5-gcc]
"""


def test_engines_section_merges_with_flat_binaries() -> None:
    cfg = parse_config(yaml.safe_load(CLUSTER))
    g16 = cfg.engine_setup("gaussian")
    # engines.gaussian.bin wins over local.gaussian_bin
    assert g16.bin == "g16"
    assert g16.modules == ["g16/C.01"] and g16.module_use == ["/opt/site/modulefiles"]
    assert g16.env == {"GAUSS_SCRDIR": "/scratch/g16 tmp"}
    assert g16.setup == ["ulimit -s unlimited"] and g16.needs_probe
    lmp = cfg.engine_setup("lammps")
    assert lmp.bin == "lmp" and lmp.module_use == [
        "/opt/site/modulefiles",
        "/opt/lammps/modulefiles",
    ]
    assert lmp.modules == ["lammps/2Aug2023", "openmpi/4.1.5-gcc"]
    # No engines.xtb: the flat key alone, nothing to probe.
    xtb = cfg.engine_setup("xtb")
    assert (xtb.bin, xtb.modules, xtb.needs_probe) == ("/opt/xtb/bin/xtb", [], False)
    assert cfg.engine_setup("pyscf").bin is None
    assert cfg.engine_setup("script").modules == []


def test_config_without_engines_is_unchanged() -> None:
    cfg = parse_config(BASE)
    assert cfg.engine_setup("gaussian").bin == "g16"
    assert not cfg.engine_setup("gaussian").needs_probe


@pytest.mark.parametrize(
    ("engines", "where"),
    [
        ({"gaussian": {"modules": ["g16; rm -rf /"]}}, "engines.gaussian.modules.0"),
        ({"gaussian": {"env": {"BAD-NAME": "x"}}}, "engines.gaussian.env"),
        ({"gaussian": {"env": {"GAUSS_SCRDIR": "a\nb"}}}, "line break"),
        ({"gaussian": {"setup": ["echo a\necho b"]}}, "line break"),
        ({"gaussian": {"setup": ["ulimit -s\r"]}}, "line break"),
        ({"gaussian": {"setup": ["x\x00"]}}, "NUL"),
        ({"gaussian": {"setup": ["#SBATCH --exclusive"]}}, "may not start with #"),
        ({"gaussian": {"setup": ["  #$ -l h_rt=1"]}}, "may not start with #"),
        ({"gaussian": {"bin": "g16 -x"}}, "engines.gaussian.bin"),
        ({"gaussian": {"bin": "bin/g16"}}, "engines.gaussian.bin"),
        ({"gaussian": {"module_use": ["relative/dir"]}}, "engines.gaussian.module_use.0"),
        ({"module_use": ["/a b"]}, "engines.module_use.0"),
        ({"orca": {"bin": "orca"}}, "engines.orca"),
        ({"gaussian": {"modules": "g16"}}, "engines.gaussian.modules"),
        ({"gaussian": {"module": ["g16"]}}, "engines.gaussian.module"),
        ({"pyscf": {"bin": "python3"}}, "engines.pyscf.bin: PySCF runs in the worker's Python"),
    ],
)
def test_engine_mistakes_name_the_key(engines: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, "engines": engines})
    assert where in err.value.message


def test_probe_script_runs_setup_then_looks_for_the_binary(tmp_path: Path) -> None:
    cfg = parse_config(yaml.safe_load(CLUSTER))
    text = probe_script(cfg.engine_setup("gaussian"), "g16")
    lines = text.splitlines()
    use = lines.index(
        "module use /opt/site/modulefiles || molyte_setup_failed "
        "'module use /opt/site/modulefiles failed'"
    )
    load = next(i for i, ln in enumerate(lines) if ln.startswith("module load g16/C.01 ||"))
    export = lines.index("export GAUSS_SCRDIR='/scratch/g16 tmp'")
    assert use < load < export < lines.index("ulimit -s unlimited")
    assert lines[-1] == "command -v g16 || { echo; exit 3; }"


def test_home_in_module_dirs_and_binary_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/chem")
    engines = {"xtb": {"bin": "~/xtb/bin/xtb", "module_use": ["~/mf"], "modules": ["xtb/6"]}}
    xtb = parse_config({**BASE, "engines": engines}).engine_setup("xtb")
    assert (xtb.bin, xtb.module_use) == ("/home/chem/xtb/bin/xtb", ["/home/chem/mf"])


def test_a_module_dir_the_script_refuses_is_reported_not_raised() -> None:
    engines = {"xtb": {"module_use": ["/opt/../etc"], "modules": ["xtb/6"]}}
    setup = parse_config({**BASE, "engines": engines}).engine_setup("xtb")
    probe = probe_binary(setup, "xtb")
    assert probe.path is None and "must be an absolute plain path" in probe.error
