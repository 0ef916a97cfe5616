"""Finding and running the external programs of the build step (packmol, antechamber, ...)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from molyte.errors import ExternalCommandError
from molyte.programs import BESIDE_PYTHON as _BESIDE_PYTHON
from molyte.programs import find_program


def require_tool(name: str) -> str:
    """Absolute path of program `name` (on PATH, else beside the running Python), or
    `ExternalCommandError` saying where it was looked for."""
    found = find_program(name, beside_python=True)
    if found is None:
        raise ExternalCommandError(
            f"{name} is not installed (looked on PATH and in {_BESIDE_PYTHON})"
        )
    return found


def run_tool(
    argv: list[str], cwd: Path, *, stdin: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run one program in `cwd`; raise `ExternalCommandError` with its output's tail on failure.

    `stdin` is a file, not a pipe: packmol rewinds its standard input and fails on a pipe.
    """
    env = dict(os.environ)
    env["PATH"] = (
        f"{Path(argv[0]).parent}{os.pathsep}{_BESIDE_PYTHON}{os.pathsep}{env.get('PATH', '')}"
    )
    try:
        with open(stdin if stdin is not None else os.devnull) as handle:
            proc = subprocess.run(
                argv,
                cwd=cwd,
                stdin=handle,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=False,
            )
    except subprocess.TimeoutExpired as exc:
        raise ExternalCommandError(
            f"{Path(argv[0]).name} took longer than {timeout:.0f} s"
        ) from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise ExternalCommandError(
            f"{Path(argv[0]).name} failed (exit {proc.returncode}):\n" + "\n".join(tail)
        )
    return proc
