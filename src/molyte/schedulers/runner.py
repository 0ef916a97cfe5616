"""How schedulers run external commands: an injectable `CommandRunner` and the real one."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from molyte.errors import ExternalCommandError


class CommandResult(NamedTuple):
    """What a finished command left behind."""

    returncode: int
    stdout: str
    stderr: str


CommandRunner = Callable[[Sequence[str]], CommandResult]
"""argv -> result; never a shell. Tests inject a fake that records calls."""


class InputCommandRunner(Protocol):
    """A `CommandRunner` that can also feed text on standard input (`bsub` reads its script
    there). `run_command` is one; a plain `CommandRunner` fake need not be."""

    def __call__(self, argv: Sequence[str], stdin: str | None = None) -> CommandResult: ...


COMMAND_TIMEOUT_SECONDS = 60.0


def run_command(argv: Sequence[str], stdin: str | None = None) -> CommandResult:
    """Run `argv` (no shell) with `stdin` as its input (none by default) and return its exit
    status and output."""
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ExternalCommandError(f"{argv[0]} is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise ExternalCommandError(
            f"{argv[0]} did not answer within {COMMAND_TIMEOUT_SECONDS:.0f} s"
        ) from exc
    return CommandResult(done.returncode, done.stdout, done.stderr)
