"""Find an engine's binary the way its batch job will: after its modules, env and setup lines.

An engine configured with `engines.<name>.modules` (or `module_use`, `setup`) is looked up by
running `bash -c '<define module>; module use ...; module load ...; <env>; <setup>; command -v
BIN'`; the engine is advertised only when that finds the binary, and the absolute path found is
what its batch scripts run. An engine without modules is looked up on PATH as before.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field

from molyte.errors import ConfigError
from molyte.schedulers.envsetup import fail_function, guarded, module_lines, setup_block
from molyte.worker.config import EngineSetup

PROBE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Probe:
    """What looking for one engine's binary found: the absolute path (None: not found), and
    what was loaded or why it failed, for `molyte worker --check` and the log."""

    path: str | None
    modules: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    error: str = ""


def probe_script(setup: EngineSetup, binary: str) -> str:
    """The bash text that sets `setup` up and prints where `binary` is (pure)."""
    lines = ["set -o pipefail", *fail_function(None)]
    lines += guarded(module_lines(setup.module_use, setup.modules))
    lines += [f"export {k}={shlex.quote(v)}" for k, v in setup.env.items()]
    lines += setup_block(setup.setup)
    lines.append("set +e")
    # Setup lines may print; the path is the last line of stdout.
    lines.append(f"command -v {shlex.quote(binary)} || {{ echo; exit 3; }}")
    return "\n".join(lines) + "\n"


def probe_binary(setup: EngineSetup, binary: str, timeout: float = PROBE_TIMEOUT) -> Probe:
    """Run `probe_script` in a fresh non-login bash (this process's environment)."""
    try:
        script = probe_script(setup, binary)
    except ConfigError as exc:
        return Probe(None, setup.modules, setup.env, exc.message)
    try:
        done = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Probe(None, setup.modules, setup.env, f"setup did not finish in {timeout:.0f} s")
    except OSError as exc:
        return Probe(None, setup.modules, setup.env, f"cannot run bash: {exc.strerror}")
    lines = done.stdout.strip().splitlines()
    found = lines[-1].strip() if lines else ""
    if done.returncode == 0 and found.startswith("/"):
        return Probe(found, setup.modules, setup.env)
    errors = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
    why = errors[-1] if errors else f"{binary} not found after the setup"
    if done.returncode == 3:
        why = f"{binary} not found on PATH after loading {', '.join(setup.modules) or 'nothing'}"
    return Probe(None, setup.modules, setup.env, why[:500])
