"""The sbatch script: exact text for a typical job, and every unsafe value refused."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from molyte.domain.resources import Resources
from molyte.errors import ConfigError
from molyte.schedulers.base import BatchJob
from molyte.schedulers.local import parse_walltime, render_local_script
from molyte.schedulers.slurm import render_script

JOB = BatchJob(
    job_id=42,
    workdir=Path("/scratch/molyte/jobs/42"),
    commands=[["lmp", "-in", "in.lammps"], ["python3", "-m", "molyte.post", "it's"]],
    resources=Resources(tasks=4, cpus_per_task=2, memory_mb=8000, walltime_minutes=90),
    env={"OMP_NUM_THREADS": "2", "NOTE": "a $HOME `x`"},
    partition="cpu",
    account="chem-lab",
    qos="normal",
    modules=["lammps/2023.08", "openmpi/4.1.5-gcc"],
    conda_env="molyte",
    extra_directives=["--constraint=avx2", "--exclusive"],
)

EXPECTED = """\
#!/bin/bash
#SBATCH --job-name=molyte-42
#SBATCH --chdir=/scratch/molyte/jobs/42
#SBATCH --output=/scratch/molyte/jobs/42/slurm-%j.out
#SBATCH --ntasks=4
#SBATCH --cpus-per-task=2
#SBATCH --mem=8000M
#SBATCH --time=90
#SBATCH --partition=cpu
#SBATCH --account=chem-lab
#SBATCH --qos=normal
#SBATCH --constraint=avx2
#SBATCH --exclusive
set -euo pipefail
molyte_setup_failed() { printf "molyte: %s\\n" "$1" >&2; printf "1\\n" > molyte-exit-status; \
exit 1; }
cd -- /scratch/molyte/jobs/42
set +eu
if ! type module >/dev/null 2>&1; then
    for molyte_init in /usr/share/lmod/lmod/init/bash /etc/profile.d/lmod.sh \
/usr/share/modules/init/bash /etc/profile.d/modules.sh /usr/share/Modules/init/bash \
/opt/ohpc/admin/lmod/lmod/init/bash /usr/local/lmod/lmod/init/bash; do
        if [ -r "$molyte_init" ]; then . "$molyte_init"; break; fi
    done
fi
type module >/dev/null 2>&1 || molyte_setup_failed 'the module command is not defined and \
no environment-modules init file was found'
module load lammps/2023.08 || molyte_setup_failed 'module load lammps/2023.08 failed \
(unknown module or a load error)'
module load openmpi/4.1.5-gcc || molyte_setup_failed 'module load openmpi/4.1.5-gcc failed \
(unknown module or a load error)'
if command -v conda >/dev/null 2>&1; then
    eval "$(conda shell.bash hook)" || molyte_setup_failed 'conda shell.bash hook failed'
    conda activate molyte || molyte_setup_failed 'conda activate molyte failed'
fi
set -eu
export OMP_NUM_THREADS=2
export NOTE='a $HOME `x`'
printf "start %s %s 8\\n" "$(date +%s)" "$(uname -n)" > molyte-run
set +e
(
    set -e
    lmp -in in.lammps
    python3 -m molyte.post 'it'"'"'s'
)
status=$?
printf "end %s\\n" "$(date +%s)" >> molyte-run
set -e
printf "%d\\n" "$status" > molyte-exit-status
exit "$status"
"""


def test_render_gives_the_expected_script() -> None:
    assert render_script(JOB) == EXPECTED
    syntax = subprocess.run(["bash", "-n"], input=EXPECTED, text=True, capture_output=True)
    assert (syntax.returncode, syntax.stderr) == (0, "")


def test_render_leaves_out_unset_options() -> None:
    plain = replace(
        JOB,
        partition=None,
        account=None,
        qos=None,
        modules=[],
        conda_env=None,
        extra_directives=[],
        env={},
    )
    text = render_script(plain)
    assert "--partition" not in text and "--account" not in text and "--qos" not in text
    assert "module load" not in text and "conda" not in text and "export" not in text
    assert text.count("#SBATCH") == 7


# Values only the Slurm header uses (the local scheduler ignores them).
SLURM_ONLY = [
    ({"partition": "cpu; rm -rf /"}, "partition"),
    ({"account": "a b"}, "account"),
    ({"qos": "normal\n#SBATCH --uid=0"}, "qos"),
    ({"extra_directives": ["--wrap=id"]}, "--wrap"),
    ({"extra_directives": ["--output=/etc/passwd"]}, "--output"),
    ({"extra_directives": ["--job-name=x"]}, "--job-name"),
    ({"extra_directives": ["-x"]}, "-x"),
    ({"extra_directives": ["--constraint=a b"]}, "--constraint=a b"),
    ({"extra_directives": ["--comment=$(id)"]}, "--comment"),
    ({"extra_directives": ["--gres=gpu:1\n--uid=0"]}, "--gres"),
]
# Values in the body both schedulers render.
COMMON = [
    ({"modules": ["gcc; curl x"]}, "module"),
    ({"modules": ["-f"]}, "module"),
    ({"conda_env": "env && id"}, "conda"),
    ({"env": {"BAD NAME": "1"}}, "BAD NAME"),
    ({"env": {"PATH=x;": "1"}}, "PATH"),
    ({"env": {"X": "line\nbreak"}}, "line break"),
    ({"workdir": Path("relative/dir")}, "absolute"),
    ({"workdir": Path("/scratch/with space")}, "absolute"),
    ({"workdir": Path("/scratch/%j")}, "absolute"),
    ({"workdir": Path("/scratch/../etc")}, "absolute"),
    ({"commands": []}, "no commands"),
    ({"commands": [[]]}, "empty command"),
    ({"commands": [["echo", "a\x00b"]]}, "NUL"),
    ({"resources": Resources(tasks=0)}, "tasks"),
    ({"resources": Resources(walltime_minutes=-5)}, "walltime_minutes"),
    ({"job_id": 0}, "job id"),
]


@pytest.mark.parametrize(("change", "message"), SLURM_ONLY + COMMON)
def test_slurm_render_refuses_unsafe_values(change: dict[str, object], message: str) -> None:
    job = replace(JOB, **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        render_script(job)
    assert message in info.value.message


@pytest.mark.parametrize(("change", "message"), COMMON)
def test_local_render_refuses_unsafe_values(change: dict[str, object], message: str) -> None:
    job = replace(JOB, **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        render_local_script(job)
    assert message in info.value.message


def test_hostile_command_words_reach_the_program_verbatim(tmp_path: Path) -> None:
    hostile = ["$(touch pwned)", "`touch pwned`", "; touch pwned", "a'b\"c", "*", "$HOME"]
    job = replace(
        JOB,
        workdir=tmp_path,
        modules=[],
        conda_env=None,
        env={"V": "$(touch pwned)"},
        commands=[["printf", "%s\\n", *hostile], ["printenv", "V"]],
    )
    script = tmp_path / "job.sh"
    script.write_text(render_local_script(job))
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [*hostile, "$(touch pwned)"]
    assert not (tmp_path / "pwned").exists()
    assert (tmp_path / "molyte-exit-status").read_text() == "0\n"


def test_script_records_the_status_of_the_failing_command(tmp_path: Path) -> None:
    job = replace(
        JOB,
        workdir=tmp_path,
        modules=[],
        conda_env=None,
        env={},
        commands=[["true"], ["bash", "-c", "exit 7"], ["touch", "not-reached"]],
    )
    script = tmp_path / "job.sh"
    script.write_text(render_local_script(job))
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 7
    assert (tmp_path / "molyte-exit-status").read_text() == "7\n"
    assert not (tmp_path / "not-reached").exists()


def test_local_script_carries_its_time_limit() -> None:
    text = render_local_script(JOB)
    assert "#SBATCH" not in text
    assert parse_walltime(text) == 90 * 60
    assert parse_walltime("#!/bin/bash\necho hi\n") is None
