"""The `g16_module` fixture: a module tree made by the test (`tests/module_tree.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from module_tree import LMOD_INIT, ModuleTree, make_g16_module


@pytest.fixture
def g16_module(tmp_path: Path) -> ModuleTree:
    if not LMOD_INIT.exists():
        pytest.skip("Lmod is not installed (make test-deps installs it)")
    return make_g16_module(tmp_path)
