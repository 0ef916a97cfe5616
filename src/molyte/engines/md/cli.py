"""`molyte md ...`: build MD inputs from a job file without running anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from molyte.domain.md_spec import MDSpec
from molyte.engines.md.builder import build
from molyte.errors import MolyteError

md_app = typer.Typer(help="Molecular dynamics (LAMMPS): build inputs, preview a system.")


def load_spec(path: Path) -> MDSpec:
    """An MDSpec from a job request body `{"type": "MD", "spec": {...}}` or a bare spec."""
    data: Any = json.loads(path.read_text())
    if isinstance(data, dict) and "spec" in data:
        if data.get("type", "MD") != "MD":
            raise ValueError(f"{path} is a {data.get('type')} job, not MD")
        data = data["spec"]
    return MDSpec.model_validate(data)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _spec_or_exit(spec_file: Path) -> MDSpec:
    try:
        return load_spec(spec_file)
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors()]
        _fail(f"invalid MD spec in {spec_file}:\n" + "\n".join(lines))
    except (OSError, ValueError) as exc:
        _fail(f"cannot read {spec_file}: {exc}")
    raise AssertionError("unreachable")


@md_app.command("build")
def build_command(
    spec_file: Annotated[Path, typer.Argument(help="job JSON (as POSTed) or a bare MD spec")],
    out: Annotated[Path, typer.Option("--out", help="directory for the inputs")],
) -> None:
    """Write system.data, in.lammps and the rest of the inputs into OUT (runs nothing)."""
    spec = _spec_or_exit(spec_file)
    try:
        result = build(spec, out)
    except MolyteError as exc:
        _fail(exc.message)
    composition = ", ".join(f"{n} {name}" for name, n in result.composition.counts.items())
    typer.echo(
        f"{composition}; {result.system.n_atoms} atoms; box {result.system.box_length:.2f} A"
    )
    for name in result.files:
        typer.echo(str(out / name))


@md_app.command("preview")
def preview_command(
    spec_file: Annotated[Path, typer.Argument(help="job JSON (as POSTed) or a bare MD spec")],
) -> None:
    """Print molecule counts, box length and atom count as JSON (fast: no packing)."""
    from molyte.engines.md.composition import preview

    spec = _spec_or_exit(spec_file)
    typer.echo(json.dumps(preview(spec), indent=1))


@md_app.command("analyze")
def analyze_command(
    workdir: Annotated[Path, typer.Argument(help="a finished MD job's folder")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="where to write the summary (default: WORKDIR/summary.json)"),
    ] = None,
) -> None:
    """Re-run the analysis of a finished job's folder (trajectory, logs, stress samples)."""
    from molyte.engines.md.analyze import analyze

    if not (workdir / "system.json").is_file():
        _fail(f"{workdir} has no system.json: not an MD job folder")
    summary = analyze(workdir, out)
    target = out or workdir / "summary.json"
    typer.echo(f"{summary['frames']} frames, {summary['production_ps']:g} ps; summary: {target}")
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
