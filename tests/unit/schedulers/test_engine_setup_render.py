"""An engine's modules, env and setup lines in the batch body: order, guards, refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from molyte.domain.resources import Resources
from molyte.errors import ConfigError
from molyte.schedulers.base import BatchJob
from molyte.schedulers.script import render_body


def job(**kw: object) -> BatchJob:
    base: dict[str, object] = {
        "job_id": 3,
        "workdir": Path("/scratch/molyte/qc/job-3"),
        "commands": [["/opt/g16/g16", "input.gjf"]],
        "resources": Resources(),
        "env": {"GAUSS_SCRDIR": "/scratch/g16"},
        "modules": ["g16/C.01"],
        "module_use": ["/opt/site/modulefiles"],
        "setup": ['mkdir -p "$GAUSS_SCRDIR"'],
    }
    return BatchJob(**{**base, **kw})  # type: ignore[arg-type]


def test_modules_env_and_setup_come_in_order_under_guards() -> None:
    lines = render_body(job(conda_env="molyte"))
    at = {text: i for i, text in enumerate(lines)}
    use = at[
        "module use /opt/site/modulefiles || molyte_setup_failed "
        "'module use /opt/site/modulefiles failed'"
    ]
    load = next(i for i, ln in enumerate(lines) if ln.startswith("module load g16/C.01 || "))
    conda = at["    conda activate molyte || molyte_setup_failed 'conda activate molyte failed'"]
    # module init and loads and conda run with nounset/errexit off, switched back on after.
    assert at["set +eu"] < at["if ! type module >/dev/null 2>&1; then"] < use < load < conda
    assert conda < at["set -eu"] < at["export GAUSS_SCRDIR=/scratch/g16"]
    assert at["export GAUSS_SCRDIR=/scratch/g16"] < at['mkdir -p "$GAUSS_SCRDIR"']
    assert lines[at['mkdir -p "$GAUSS_SCRDIR"'] - 1].startswith("trap 'molyte_setup_failed")
    assert lines[at['mkdir -p "$GAUSS_SCRDIR"'] + 1] == "trap - ERR"
    assert at['mkdir -p "$GAUSS_SCRDIR"'] < at["    /opt/g16/g16 input.gjf"]
    text = "#!/bin/bash\n" + "\n".join(lines) + "\n"
    syntax = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True)
    assert (syntax.returncode, syntax.stderr) == (0, "")
    # Only the shebang starts with #: no line a scheduler could read as a directive.
    assert [ln for ln in text.splitlines() if ln.lstrip().startswith("#")] == ["#!/bin/bash"]


def test_without_modules_there_is_no_module_init() -> None:
    lines = render_body(job(modules=[], module_use=[], setup=[]))
    assert not [ln for ln in lines if "module" in ln and "molyte_setup_failed()" not in ln]
    assert "set +eu" not in lines and "trap - ERR" not in lines


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"setup": ["#SBATCH --exclusive"]}, "may not start with #"),
        ({"setup": ["echo a\necho b"]}, "line break"),
        ({"module_use": ["/opt/../etc"]}, "absolute plain path"),
        ({"module_use": ["relative"]}, "absolute plain path"),
        ({"modules": ["g16; id"]}, "module name"),
        ({"conda_env": "a b"}, "conda environment"),
    ],
)
def test_unsafe_setup_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        render_body(job(**change))
    assert message in err.value.message
