"""`molyte qc`: show the input a QC job would run, and parse a QC program's output to JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.gaussian import parse_gaussian_log
from molyte.engines.qc.registry import render_input, resolve_engine_name
from molyte.engines.qc.workdir import SUMMARY_FILE, validate_spec
from molyte.engines.qc.xtb import parse_xtb_output
from molyte.errors import MolyteError
from molyte.programs import find_program

qc_app = typer.Typer(
    help="Quantum chemistry: build inputs and parse outputs.", no_args_is_help=True
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def load_spec(path: Path) -> QCSpec:
    """The QC spec in a job request (`{"type": "QC", "spec": {...}}`) or a bare spec file."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise MolyteError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise MolyteError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MolyteError(f"{path} must hold a JSON object")
    if "spec" in data:
        if data.get("type", "QC") != "QC":
            raise MolyteError(f"{path} is a {data.get('type')} job request, not QC")
        data = data["spec"]
    return validate_spec(data)


@qc_app.command()
def build(
    spec_file: Path = typer.Argument(..., help="A POST /api/v1/jobs body or a bare QC spec"),
    gaussian_bin: str = typer.Option("g16", help="Gaussian command, to resolve engine auto"),
    xtb_bin: str = typer.Option("xtb", help="xtb command shown in xtb inputs"),
) -> None:
    """Print the input the job would run (.gjf, xtb command + XYZ, or PySCF parameters)."""
    try:
        spec = load_spec(spec_file)
        engine = resolve_engine_name(spec, find_program(gaussian_bin) is not None)
        text = render_input(spec, engine, xtb_bin)
    except (MolyteError, ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(text, nl=False)


def parse_output(path: Path) -> dict[str, Any]:
    """The summary of a Gaussian log, an xtb output, or a Molyte run's summary (PySCF)."""
    if path.is_dir():
        path = path / SUMMARY_FILE
    if not path.is_file():
        raise MolyteError(f"{path} does not exist")
    if path.suffix == ".json":
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    head = path.read_text(errors="replace")[:20_000]
    if "Gaussian, Inc." in head or "Entering Gaussian System" in head:
        return parse_gaussian_log(path)
    if "x T B" in head or "xtb version" in head:
        return parse_xtb_output(path)
    if "PySCF version" in head and (path.parent / SUMMARY_FILE).exists():
        # PySCF writes free-form logs; the runner's summary beside the log holds the numbers.
        summary: dict[str, Any] = json.loads((path.parent / SUMMARY_FILE).read_text())
        step = summary.get("steps", {}).get(path.stem) if "steps" in summary else None
        return step or summary
    raise MolyteError(f"{path} is not a Gaussian, xtb or Molyte PySCF output")


@qc_app.command()
def parse(
    file: Path = typer.Argument(..., help="Gaussian .log/.out, xtb output or run dir"),
) -> None:
    """Print the parsed summary as JSON (energies in hartree, frequencies in cm-1)."""
    try:
        summary = parse_output(file)
    except (MolyteError, OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(summary, indent=2))
