"""`molyte.programs.find_program`: the one lookup of an external program (engines and worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from molyte.programs import find_program
from molyte.worker.app import resolve_binary


def _program(folder: Path, name: str, executable: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755 if executable else 0o644)
    return path


def test_a_command_is_found_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = _program(tmp_path / "bin", "molyte-test-tool")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert find_program("molyte-test-tool") == str(tool)
    assert find_program("molyte-no-such-tool") is None


def test_a_path_must_be_an_executable_file(tmp_path: Path) -> None:
    tool = _program(tmp_path, "g16")
    plain = _program(tmp_path, "notes", executable=False)
    assert find_program(str(tool)) == str(tool)
    assert find_program(str(plain)) is None
    assert find_program(str(tmp_path / "missing")) is None
    assert find_program(str(tmp_path)) is None  # a directory is not a program


def test_beside_python_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv_bin = tmp_path / "venv" / "bin"
    tool = _program(venv_bin, "packmol")
    _program(venv_bin, "parmchk2", executable=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_program("packmol", python_dir=venv_bin) is None
    assert find_program("packmol", beside_python=True, python_dir=venv_bin) == str(tool)
    assert find_program("parmchk2", beside_python=True, python_dir=venv_bin) is None


def test_path_wins_over_beside_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _program(tmp_path / "bin", "lmp")
    _program(tmp_path / "venv", "lmp")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert find_program("lmp", beside_python=True, python_dir=tmp_path / "venv") == str(on_path)


def test_the_worker_resolves_a_binary_or_keeps_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _program(tmp_path / "bin", "xtb")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert resolve_binary("xtb") == str(tool)
    # Not found here: the batch job's own PATH may still have it.
    assert resolve_binary("molyte-no-such-tool") == "molyte-no-such-tool"
    # A path is taken as given (after ~), checked by the engine, not here.
    assert resolve_binary("~/g16/g16") == str(Path("~/g16/g16").expanduser())
