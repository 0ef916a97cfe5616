"""Failure reasons and how a failed program's exit is put in words."""

from __future__ import annotations

from molyte.domain.failures import describe_exit


def test_exit_status_in_words() -> None:
    assert describe_exit(3) == "exit status 3"
    assert describe_exit(137) == "exit status 137: killed by signal 9, SIGKILL"
    assert describe_exit(139) == "exit status 139: killed by signal 11, SIGSEGV"
    assert describe_exit(255) == "exit status 255: killed by signal 127"
