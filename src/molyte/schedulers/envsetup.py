"""Shell lines that set up a batch job's environment: environment modules, conda, engine
set-up lines. Pure builders, shared by the batch script (`render_body`) and the worker's
engine probe (`molyte.worker.engine_setup`).

A `#!/bin/bash` batch script is not a login shell, so `module` is usually undefined there: it
is defined by sourcing the first init file that exists (Lmod's or Environment Modules'). Module
and conda scripts read unset variables, so they run with `set +eu` and each step's failure is
reported by name instead.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from molyte.errors import ConfigError

# Where Lmod and Environment Modules keep their bash init, on Debian/Ubuntu, RHEL-likes and
# OpenHPC; the first readable one is sourced when `module` is not defined.
MODULE_INIT_FILES = (
    "/usr/share/lmod/lmod/init/bash",
    "/etc/profile.d/lmod.sh",
    "/usr/share/modules/init/bash",
    "/etc/profile.d/modules.sh",
    "/usr/share/Modules/init/bash",
    "/opt/ohpc/admin/lmod/lmod/init/bash",
    "/usr/local/lmod/lmod/init/bash",
)
FAIL_FUNCTION = "molyte_setup_failed"

_MODULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+/-]*$")
_DIR_RE = re.compile(r"^/[A-Za-z0-9_./+@:-]*$")
_CONDA_ENV_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*|/[A-Za-z0-9_./+@-]+)$")
_MAX_LINE = 4096


def check_module(name: str) -> str:
    """A module name such as `g16/16` or `lammps/2Aug2023`; else `ConfigError`."""
    if not _MODULE_RE.match(name):
        raise ConfigError(f"module name {name!r} may contain only letters, digits and _ . + / -")
    return name


def check_setup_line(line: str) -> str:
    """One free-text setup line: no NUL or line break, not a `#` line (schedulers such as
    Grid Engine read `#$` lines anywhere in the script); else `ConfigError`."""
    if "\x00" in line or "\n" in line or "\r" in line:
        raise ConfigError(f"setup line {line[:40]!r} contains a NUL or line break")
    if line.lstrip().startswith("#"):
        raise ConfigError(f"setup line {line[:40]!r} may not start with #")
    if len(line) > _MAX_LINE:
        raise ConfigError(f"a setup line is longer than {_MAX_LINE} characters")
    return line


def fail_function(status_file: str | None) -> list[str]:
    """`molyte_setup_failed MESSAGE`: say what failed on stderr, record exit status 1 in
    `status_file` (so the worker reads "the script failed", not "the job was lost"), exit 1."""
    record = f'; printf "1\\n" > {shlex.quote(status_file)}' if status_file else ""
    return [f'{FAIL_FUNCTION}() {{ printf "molyte: %s\\n" "$1" >&2{record}; exit 1; }}']


def module_lines(module_use: Sequence[str], modules: Sequence[str]) -> list[str]:
    """Define `module` when it is missing, then `module use` each dir and `module load` each
    module, failing by name on the first that does not work. Runs under `set +u`."""
    if not modules and not module_use:
        return []
    inits = " ".join(shlex.quote(f) for f in MODULE_INIT_FILES)
    lines = [
        "if ! type module >/dev/null 2>&1; then",
        f"    for molyte_init in {inits}; do",
        '        if [ -r "$molyte_init" ]; then . "$molyte_init"; break; fi',
        "    done",
        "fi",
        "type module >/dev/null 2>&1 || "
        + FAIL_FUNCTION
        + " 'the module command is not defined and no environment-modules init file was found'",
    ]
    for directory in module_use:
        if not _DIR_RE.match(directory) or ".." in directory.split("/"):
            raise ConfigError(f"module directory {directory!r} must be an absolute plain path")
        quoted = shlex.quote(directory)
        msg = shlex.quote(f"module use {directory} failed")
        lines.append(f"module use {quoted} || {FAIL_FUNCTION} {msg}")
    for module in modules:
        check_module(module)
        msg = shlex.quote(f"module load {module} failed (unknown module or a load error)")
        lines.append(f"module load {module} || {FAIL_FUNCTION} {msg}")
    return lines


def conda_lines(conda_env: str | None) -> list[str]:
    """Activate `conda_env` where conda is installed (the worker config says so); under `set +u`."""
    if conda_env is None:
        return []
    if not _CONDA_ENV_RE.match(conda_env):
        raise ConfigError(f"conda environment {conda_env!r} must be a name or an absolute path")
    env = shlex.quote(conda_env)
    failed = shlex.quote(f"conda activate {conda_env} failed")
    return [
        "if command -v conda >/dev/null 2>&1; then",
        '    eval "$(conda shell.bash hook)" || '
        + FAIL_FUNCTION
        + " 'conda shell.bash hook failed'",
        f"    conda activate {env} || {FAIL_FUNCTION} {failed}",
        "fi",
    ]


def guarded(lines: list[str]) -> list[str]:
    """`lines` run with errexit and nounset off (module and conda scripts need both off),
    both switched back on after."""
    return ["set +eu", *lines, "set -eu"] if lines else []


def setup_block(setup: Sequence[str]) -> list[str]:
    """The engine's free setup lines under `set +u` with errexit: a failing line ends the
    shell through `molyte_setup_failed`, naming its exit status."""
    if not setup:
        return []
    return [
        "set -e +u",
        f"trap '{FAIL_FUNCTION} \"an engine setup line failed (exit status $?)\"' ERR",
        *(check_setup_line(line) for line in setup),
        "trap - ERR",
        "set -u",
    ]
