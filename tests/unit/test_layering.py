"""The layering rules of docs/architecture.md ("The tree"), checked on every import statement
of the package (lazy imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "molyte"


def _imports(package: str) -> dict[str, set[str]]:
    """`{module file: molyte modules it imports}` for every file of `molyte.<package>`."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(SRC))] = {n for n in names if n.split(".")[0] == "molyte"}
    return found


def _allowed(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# package -> the molyte modules it may import (besides itself)
RULES = {
    "domain": ("molyte.errors",),
    "protocol": ("molyte.domain",),
}
# package -> the molyte modules it must never import
FORBIDDEN = {
    "worker": ("molyte.api", "molyte.db"),
    "engines": ("molyte.api", "molyte.db", "molyte.worker"),
    "schedulers": ("molyte.api", "molyte.db", "molyte.worker"),
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_imports_only_what_it_may(package: str) -> None:
    own = f"molyte.{package}"
    outside = {
        module: sorted(n for n in names if not _allowed(n, (own, *RULES[package])))
        for module, names in _imports(package).items()
    }
    assert {m: n for m, n in outside.items() if n} == {}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_the_server(package: str) -> None:
    found = {
        module: sorted(n for n in names if _allowed(n, FORBIDDEN[package]))
        for module, names in _imports(package).items()
    }
    assert {m: n for m, n in found.items() if n} == {}


def test_both_sides_speak_through_the_protocol_package() -> None:
    server = set().union(*_imports("api/workers").values(), *_imports("api/uploads").values())
    worker = set().union(*_imports("worker").values())
    assert any(_allowed(n, ("molyte.protocol",)) for n in server)
    assert any(_allowed(n, ("molyte.protocol",)) for n in worker)
