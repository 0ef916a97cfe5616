"""A module tree made by the test: Lua modulefile `g16/16` puts a stand-in `g16` on PATH.

The stand-in writes a real Gaussian log (`tests/data/gaussian/water_mp2.log`) as the output of
the `.gjf` it is given, so the Gaussian engine's parser reads real output. Needs Debian's Lmod
(`make test-deps` installs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LMOD_INIT = Path("/usr/share/lmod/lmod/init/bash")
DATA = Path(__file__).resolve().parent / "data" / "gaussian"
WATER_MP2_LOG = DATA / "water_mp2.log"


@dataclass(frozen=True)
class ModuleTree:
    modulefiles: Path  # the `module use` directory
    bindir: Path  # where g16/16 puts the stand-in g16


def make_g16_module(tmp_path: Path) -> ModuleTree:
    """Write the stand-in `g16` and the modulefile `g16/16.lua` under `tmp_path`."""
    bindir = tmp_path / "g16-root" / "bin"
    bindir.mkdir(parents=True)
    g16 = bindir / "g16"
    g16.write_text(
        "#!/bin/bash\n"
        "# A stand-in for Gaussian 16: the real log of a water MP2/STO-3G run as STEM.log.\n"
        "set -eu\n"
        'test -f "$1"\n'
        f'cp {WATER_MP2_LOG} "${{1%.gjf}}.log"\n'
    )
    g16.chmod(0o755)
    modulefiles = tmp_path / "modulefiles"
    (modulefiles / "g16").mkdir(parents=True)
    (modulefiles / "g16" / "16.lua").write_text(
        f'prepend_path("PATH", "{bindir}")\nsetenv("GAUSS_EXEDIR", "{bindir}")\n'
    )
    # The same as a Tcl modulefile (Environment Modules' format, which Lmod also reads).
    (modulefiles / "g16" / "16-tcl").write_text(
        f"#%Module1.0\nprepend-path PATH {bindir}\nsetenv GAUSS_EXEDIR {bindir}\n"
    )
    return ModuleTree(modulefiles, bindir)
