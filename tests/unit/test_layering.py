"""The layering of docs/architecture.md, checked on the imports of every module under src/.

Every `import molyte...` and `from molyte... import` counts, wherever it is (inside a function
or under TYPE_CHECKING too): a lazy import is still an arrow between the parts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class Rule:
    """`who` (a module and everything below it) must not import `forbidden`, save `allowed`."""

    who: str
    forbidden: tuple[str, ...]  # a name ending in "." covers everything under it, not itself
    why: str
    allowed: tuple[str, ...] = ()


RULES = [
    Rule(
        "molyte.domain",
        ("molyte.",),
        "the domain is pure rules and imports nothing of Molyte but errors",
        allowed=("molyte.errors",),
    ),
    Rule("molyte.programs", ("molyte.",), "the program lookup sits below every layer"),
    Rule(
        "molyte.protocol",
        ("molyte.",),
        "the wire protocol is shared by server and worker and builds on the domain only",
        allowed=("molyte.domain", "molyte.errors"),
    ),
    Rule(
        "molyte.engines",
        ("molyte.api", "molyte.db", "molyte.worker", "molyte.schedulers"),
        "engines know no web server, no database, no worker and no scheduler",
    ),
    Rule(
        "molyte.schedulers",
        ("molyte.api", "molyte.db", "molyte.worker", "molyte.engines"),
        "schedulers know no web server, no database, no worker and no engine "
        "(what a batch job asks, `Resources`, is in the domain)",
    ),
    Rule(
        "molyte.storage",
        ("molyte.api", "molyte.db", "molyte.worker", "molyte.engines", "molyte.schedulers"),
        "the object stores serve both sides and know neither",
    ),
    Rule(
        "molyte.worker", ("molyte.api", "molyte.db"), "the worker reaches the server over HTTP only"
    ),
    Rule(
        "molyte.api.context",
        ("molyte.api.",),
        "the app context is infrastructure: features import it and attach their state to it, "
        "it imports no feature",
    ),
]


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, src: Path = SRC) -> set[str]:
    """The Molyte modules `path` (a file under `src`) imports, relative imports resolved."""
    name = _module_name(path, src)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from molyte.api import context` imports the module molyte.api.context.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "molyte" or m.startswith("molyte.")}


def _under(module: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return module.startswith(prefix)
    return module == prefix or module.startswith(prefix + ".")


def _modules() -> dict[str, set[str]]:
    return {_module_name(p): imports_of(p) for p in sorted((SRC / "molyte").rglob("*.py"))}


MODULES = _modules()


@pytest.mark.parametrize("rule", RULES, ids=[r.who for r in RULES])
def test_layering(rule: Rule) -> None:
    members = [m for m in MODULES if _under(m, rule.who)]
    assert members, f"no module under {rule.who}: the rule is stale"
    broken = sorted(
        f"{module} imports {target}"
        for module in members
        for target in MODULES[module]
        if any(_under(target, f) for f in rule.forbidden)
        and not _under(target, rule.who)
        and not any(_under(target, a) for a in rule.allowed)
    )
    assert not broken, f"{rule.why}:\n" + "\n".join(broken)


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The rules above can fail: each form of import is found."""
    package = tmp_path / "molyte" / "worker"
    package.mkdir(parents=True)
    probe = package / "probe.py"
    probe.write_text(
        "import molyte.api.app\n"
        "from molyte.db import models\n"
        "from ..storage.keys import result_key\n"
        "def later() -> None:\n"
        "    from molyte.api.context import AppContext\n"
    )
    found = imports_of(probe, tmp_path)
    assert {
        "molyte.api.app",
        "molyte.db.models",
        "molyte.storage.keys",
        "molyte.api.context",
    } <= found


def test_only_the_memory_store_entry_loads_the_fakes() -> None:
    """Test doubles (`molyte.fakes`) are for tests and benchmarks: production code does not
    import them, except the `memory://` entry of the store registry."""
    users = {
        module
        for module, targets in MODULES.items()
        if not _under(module, "molyte.fakes") and any(_under(t, "molyte.fakes") for t in targets)
    }
    assert users == {"molyte.storage.registry"}


def test_both_sides_speak_through_the_protocol_package() -> None:
    """The worker's endpoints on the server and the worker import the same protocol models."""
    server = {t for m, ts in MODULES.items() if _under(m, "molyte.api.workers") for t in ts}
    server |= {t for m, ts in MODULES.items() if _under(m, "molyte.api.uploads") for t in ts}
    worker = {t for m, ts in MODULES.items() if _under(m, "molyte.worker") for t in ts}
    assert any(_under(t, "molyte.protocol") for t in server)
    assert any(_under(t, "molyte.protocol") for t in worker)


def test_the_worker_does_not_load_the_analysis_libraries() -> None:
    """The MD analysis runs in the batch job; the worker process on the login node only builds
    inputs and checks for result files, so it must not pay for freud, scipy and tidynamics
    (about 75 MiB of resident memory per worker)."""
    probe = (
        "import sys, molyte.worker.app, molyte.engines.md.engine, molyte.engines.registry\n"
        "print(sorted(m for m in ('freud', 'scipy', 'tidynamics', 'MDAnalysis')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"
