"""Batch scripts with environment modules run in a bare non-login bash (`env -i`, no `module`
function, `set -u`), with real Lmod: modules load, unknown ones fail by name, conda is guarded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from module_tree import ModuleTree
from molyte.domain.resources import Resources
from molyte.schedulers.base import BatchJob
from molyte.schedulers.local import render_local_script
from molyte.schedulers.script import EXIT_STATUS_FILE
from molyte.worker.check import check_engines
from molyte.worker.config import EngineSetup, parse_config
from molyte.worker.engine_setup import probe_binary

BARE_ENV = ["env", "-i", "PATH=/usr/bin:/bin", "LANG=C"]


def run_script(
    job: BatchJob, extra_env: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    job.workdir.mkdir(parents=True, exist_ok=True)
    script = job.workdir / "job.sh"
    script.write_text(render_local_script(job))
    return subprocess.run(
        [*BARE_ENV, *(extra_env or []), "bash", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=job.workdir,
    )


def module_job(tmp_path: Path, tree: ModuleTree, modules: list[str], **kw: object) -> BatchJob:
    return BatchJob(
        job_id=7,
        workdir=tmp_path / "job",
        commands=[
            [
                "bash",
                "-c",
                'command -v g16 > where.txt; printf "%s\\n" "$GAUSS_EXEDIR" > exedir.txt',
            ],
            ["bash", "-c", 'printf "%s\\n" "$GAUSS_SCRDIR" > scrdir.txt'],
        ],
        resources=Resources(),
        env={"GAUSS_SCRDIR": str(tmp_path / "scratch dir")},
        modules=modules,
        module_use=[str(tree.modulefiles)],
        setup=['mkdir -p "$GAUSS_SCRDIR"', "ulimit -s unlimited || true"],
        **kw,  # type: ignore[arg-type]
    )


def test_module_loads_in_a_bare_shell_without_module(
    tmp_path: Path, g16_module: ModuleTree
) -> None:
    bare = subprocess.run([*BARE_ENV, "bash", "-c", "type module"], capture_output=True)
    assert bare.returncode != 0  # the shell the script runs in really has no `module`
    job = module_job(tmp_path, g16_module, ["g16/16"])
    done = run_script(job)
    assert done.returncode == 0, done.stderr
    assert (job.workdir / "where.txt").read_text().strip() == str(g16_module.bindir / "g16")
    assert (job.workdir / "exedir.txt").read_text().strip() == str(g16_module.bindir)
    assert (job.workdir / "scrdir.txt").read_text().strip() == str(tmp_path / "scratch dir")
    assert (tmp_path / "scratch dir").is_dir()  # the setup line ran after the export
    assert (job.workdir / EXIT_STATUS_FILE).read_text() == "0\n"


def test_unknown_module_fails_the_script_by_name(tmp_path: Path, g16_module: ModuleTree) -> None:
    job = module_job(tmp_path, g16_module, ["g16/99"])
    done = run_script(job)
    assert done.returncode == 1
    assert "molyte: module load g16/99 failed" in done.stderr
    assert (job.workdir / EXIT_STATUS_FILE).read_text() == "1\n"  # "the script failed"
    assert not (job.workdir / "where.txt").exists()  # no command ran


def test_failing_setup_line_fails_the_script(tmp_path: Path, g16_module: ModuleTree) -> None:
    job = module_job(tmp_path, g16_module, ["g16/16"])
    job.setup.append("false")
    done = run_script(job)
    assert done.returncode == 1
    assert "molyte: an engine setup line failed (exit status 1)" in done.stderr
    assert (job.workdir / EXIT_STATUS_FILE).read_text() == "1\n"


def test_conda_activation_is_guarded_under_set_u(tmp_path: Path, g16_module: ModuleTree) -> None:
    # A `conda` whose hook defines activation that reads unset variables, as conda's does.
    bindir = tmp_path / "conda-bin"
    bindir.mkdir()
    conda = bindir / "conda"
    conda.write_text(
        "#!/bin/bash\n"
        "cat <<'HOOK'\n"
        'conda() { test -z "$CONDA_UNSET_PROBE"; export MOLYTE_TEST_ENV="$2"; }\n'
        "HOOK\n"
    )
    conda.chmod(0o755)
    job = module_job(tmp_path, g16_module, ["g16/16"], conda_env="molyte")
    job.commands.append(["bash", "-c", 'printf "%s\\n" "$MOLYTE_TEST_ENV" > conda.txt'])
    done = run_script(job, [f"PATH={bindir}:/usr/bin:/bin"])
    assert done.returncode == 0, done.stderr
    assert (job.workdir / "conda.txt").read_text() == "molyte\n"
    # The same activation without the guard fails under set -u: the guard is what helps.
    unguarded = subprocess.run(
        [
            *BARE_ENV,
            f"PATH={bindir}:/usr/bin:/bin",
            "bash",
            "-c",
            'set -eu; eval "$(conda shell.bash hook)"; conda activate molyte',
        ],
        capture_output=True,
        text=True,
    )
    assert unguarded.returncode != 0 and "CONDA_UNSET_PROBE" in unguarded.stderr


def test_probe_finds_the_binary_only_after_its_module(g16_module: ModuleTree) -> None:
    use = [str(g16_module.modulefiles)]
    found = probe_binary(EngineSetup(bin="g16", module_use=use, modules=["g16/16"]), "g16")
    assert (found.path, found.error) == (str(g16_module.bindir / "g16"), "")
    unknown = probe_binary(EngineSetup(bin="g16", module_use=use, modules=["g16/99"]), "g16")
    assert unknown.path is None and "module load g16/99 failed" in unknown.error
    other = probe_binary(EngineSetup(bin="g09", module_use=use, modules=["g16/16"]), "g09")
    assert other.path is None and other.error == "g09 not found on PATH after loading g16/16"


def test_worker_check_shows_modules_env_and_binary(tmp_path: Path, g16_module: ModuleTree) -> None:
    def check_line(modules: list[str]) -> str:
        cfg = parse_config(
            {
                "api": {"base_url": "http://127.0.0.1:9", "worker_token": "t"},
                "worker": {"name": "w1", "job_types": ["QC"]},
                "engines": {
                    "module_use": [str(g16_module.modulefiles)],
                    "gaussian": {"modules": modules, "env": {"GAUSS_SCRDIR": "/scratch/g16"}},
                },
            }
        )
        [line] = [c for c in check_engines(cfg) if c.name == "engine gaussian"]
        return f"{line.ok} {line.detail}"

    assert check_line(["g16/16"]) == (
        "True available; modules g16/16; env GAUSS_SCRDIR=/scratch/g16; "
        f"binary {g16_module.bindir / 'g16'}"
    )
    assert check_line(["g16/99"]) == (
        "False not found: not advertised; modules g16/99; env GAUSS_SCRDIR=/scratch/g16; "
        "molyte: module load g16/99 failed (unknown module or a load error)"
    )


def test_probe_fails_on_a_failing_setup_line(g16_module: ModuleTree) -> None:
    use = [str(g16_module.modulefiles)]
    setup = EngineSetup(bin="g16", module_use=use, modules=["g16/16"], setup=["false", "true"])
    probe = probe_binary(setup, "g16")
    assert (probe.path, probe.error) == (
        None,
        "molyte: an engine setup line failed (exit status 1)",
    )


def test_a_tcl_modulefile_loads_too(tmp_path: Path, g16_module: ModuleTree) -> None:
    job = module_job(tmp_path, g16_module, ["g16/16-tcl"])
    done = run_script(job)
    assert done.returncode == 0, done.stderr
    assert (job.workdir / "where.txt").read_text().strip() == str(g16_module.bindir / "g16")
    assert (job.workdir / "exedir.txt").read_text().strip() == str(g16_module.bindir)
