"""The bash body every batch script shares, and the checks that keep it safe.

Every scheduler renders the same body: `set -euo pipefail`, `module use`/`module load` (with
`module` defined when the shell lacks it), conda activation, exported environment, the engine's
setup lines, then the job's commands with every word quoted. The commands run in a
subshell whose exit status is written to `EXIT_STATUS_FILE`, so the worker can tell "the script
failed" (file present, non-zero) from "the scheduler killed or lost the job" (file missing).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from molyte.errors import ConfigError, ExternalCommandError, InvalidInput, SchedulerUnavailable
from molyte.schedulers.base import BatchJob
from molyte.schedulers.envsetup import (
    conda_lines,
    fail_function,
    guarded,
    module_lines,
    setup_block,
)

EXIT_STATUS_FILE = "molyte-exit-status"
# `start EPOCH HOST CPUS` when the commands begin, `end EPOCH` when they end: the run's wall
# time, node and CPUs for its provenance and core-hours, the same on every scheduler.
RUN_RECORD_FILE = "molyte-run"

# Absolute paths of plain characters only: they appear in #SBATCH lines, which sbatch parses
# with its own (not a shell's) idea of quoting.
_PATH_RE = re.compile(r"^/[A-Za-z0-9_./+@:-]*$")
_SLURM_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIRECTIVE_RE = re.compile(r"^--[a-z][a-z-]*(=[A-Za-z0-9_:.,/@+-]+)?$")
# Options the worker relies on; a configured directive may not override them.
_RESERVED_DIRECTIVES = frozenset({"--job-name", "--chdir", "--output", "--error", "--wrap"})
_MAX_TEXT = 4096


def check_path(path: Path, what: str) -> str:
    """`path` as text when it is absolute and made of plain characters; else `ConfigError`."""
    text = str(path)
    if not _PATH_RE.match(text) or ".." in path.parts:
        raise ConfigError(
            f"{what} {text!r} must be an absolute path of letters, digits and _ . / + @ : -"
        )
    return text


def check_slurm_name(value: str, what: str) -> str:
    """A partition, account or QoS name (comma lists allowed); else `ConfigError`."""
    if not _SLURM_NAME_RE.match(value):
        raise ConfigError(f"{what} {value!r} may contain only letters, digits, _ . - and commas")
    return value


def check_directive(directive: str) -> str:
    """An extra `#SBATCH` option such as `--constraint=avx2`; else `ConfigError`."""
    if not _DIRECTIVE_RE.match(directive):
        raise ConfigError(
            f"extra directive {directive!r} is not of the form --option or --option=value "
            "(value of letters, digits and _ : . , / @ + -)"
        )
    option = directive.split("=", 1)[0]
    if option in _RESERVED_DIRECTIVES:
        raise ConfigError(f"extra directive {option} is set by Molyte and may not be overridden")
    return directive


def command_failure(what: str, output: str, unavailable: tuple[str, ...]) -> ExternalCommandError:
    """The error for a failed scheduler command: `SchedulerUnavailable` when its output has one
    of the `unavailable` markers (the scheduler's server did not answer; the call may work
    later), else `ExternalCommandError`."""
    message = f"{what} failed: {output.strip()[:500]}"
    if any(marker in output for marker in unavailable):
        return SchedulerUnavailable(message)
    return ExternalCommandError(message)


def check_scheduler_id(scheduler_id: str, pattern: re.Pattern[str], kind: str) -> str:
    """A job id as the worker stored it when it matches `pattern`; else `InvalidInput`."""
    if not pattern.match(scheduler_id):
        raise InvalidInput(f"{scheduler_id!r} is not {kind} job id")
    return scheduler_id


def check_option_directive(
    directive: str, pattern: re.Pattern[str], reserved: frozenset[str], form: str
) -> str:
    """An extra `-option [value]` header line (Grid Engine, PBS, LSF); else `ConfigError`."""
    if not pattern.match(directive):
        raise ConfigError(
            f"extra directive {directive!r} is not of the form {form} "
            "(value of letters, digits and _ = : . , / @ + -)"
        )
    option = directive.split(" ", 1)[0]
    if option in reserved:
        raise ConfigError(f"extra directive {option} is set by Molyte")
    return directive


def _check_word(word: str, what: str) -> str:
    if "\x00" in word or "\n" in word or "\r" in word:
        raise ConfigError(f"{what} {word[:40]!r} contains a NUL or line break")
    if len(word) > _MAX_TEXT:
        raise ConfigError(f"{what} is longer than {_MAX_TEXT} characters")
    return word


def check_resources(job: BatchJob) -> None:
    """Refuse resources no scheduler could honour (zero or negative counts)."""
    res = job.resources
    for name, value in (
        ("tasks", res.tasks),
        ("cpus_per_task", res.cpus_per_task),
        ("memory_mb", res.memory_mb),
        ("walltime_minutes", res.walltime_minutes),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"resource {name} must be a positive integer, not {value!r}")
    if not isinstance(job.job_id, int) or isinstance(job.job_id, bool) or job.job_id < 1:
        raise ConfigError(f"job id must be a positive integer, not {job.job_id!r}")


def render_body(job: BatchJob) -> list[str]:
    """The lines after the header: environment set-up, then the quoted commands."""
    workdir = check_path(job.workdir, "work directory")
    if not job.commands:
        raise ConfigError(f"job {job.job_id} has no commands to run")
    lines = ["set -euo pipefail", *fail_function(EXIT_STATUS_FILE)]
    lines.append(f"cd -- {shlex.quote(workdir)}")
    lines += guarded(module_lines(job.module_use, job.modules) + conda_lines(job.conda_env))
    for name, value in job.env.items():
        if not _ENV_NAME_RE.match(name):
            raise ConfigError(f"environment variable name {name!r} is not valid")
        lines.append(f"export {name}={shlex.quote(_check_word(value, f'value of {name}'))}")
    # Free text from the worker's config (never from a job): a failing line ends the script
    # with exit status 1 recorded and says so.
    lines += setup_block(job.setup)
    cpus = job.resources.tasks * job.resources.cpus_per_task
    lines.append(
        f'printf "start %s %s {int(cpus)}\\n" "$(date +%s)" "$(uname -n)" > {RUN_RECORD_FILE}'
    )
    # errexit works in the subshell only because nothing tests its status (no `||`); the
    # parent switches errexit off around it so it can record the status.
    lines += ["set +e", "(", "    set -e"]
    for argv in job.commands:
        if not argv:
            raise ConfigError(f"job {job.job_id} has an empty command")
        lines.append("    " + " ".join(shlex.quote(_check_word(w, "command word")) for w in argv))
    lines += [
        ")",
        "status=$?",
        f'printf "end %s\\n" "$(date +%s)" >> {RUN_RECORD_FILE}',
        "set -e",
        f'printf "%d\\n" "$status" > {EXIT_STATUS_FILE}',
        'exit "$status"',
    ]
    return lines


def read_exit_status(workdir: Path) -> int | None:
    """The exit status the script recorded for its commands, or None if they never finished."""
    try:
        text = (workdir / EXIT_STATUS_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None
