"""Hostile text in every string field of both job specs and in the job's name and type.

The string fields are found by walking the pydantic models (lists and nested models included),
so a field added later is covered without editing this test. Each field of a valid job gets
each payload (alone, after the field's valid value, or as a look-alike of it). A payload is
either refused with 422 naming that field, or, where the field takes it (a job name may hold
`python x input 0 format`), the job's inputs are built with the real builders (LAMMPS inputs,
PySCF/xtb runner input, Gaussian .gjf, the Slurm batch script) and the payload is in none of
the generated files.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from molyte.api.jobs.schemas import JobCreate
from molyte.domain.specs import SPEC_MODELS
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, RunPlan
from molyte.engines.md.engine import MDEngine
from molyte.engines.qc.registry import QC_ENGINES
from molyte.errors import InvalidInput
from molyte.schedulers.base import BatchJob
from molyte.schedulers.slurm import SlurmScheduler
from support import Api, md_body, qc_body

Path_ = tuple[str | int, ...]

# Text that means something to LAMMPS, sbatch, Gaussian or a shell, and Unicode tricks.
PAYLOADS: dict[str, str] = {
    "lammps shell": "shell rm -rf ~",
    "lammps include": "include /etc/passwd",
    "lammps python": "python x input 0 format",
    "newline lammps shell": "\nshell touch /tmp/pwn",
    "newline sbatch": "\n#SBATCH --wrap=touch /tmp/pwn",
    "gaussian link1": "--Link1--",
    "newline link1": "\n--Link1--\n#p HF/STO-3G",
    "command substitution": "$(id)",
    "backticks": "`id`",
    "semicolon": "; rm -rf /",
    "and": "&& id",
    "pipe": "| id",
    "NUL": "\x00",
    "CR": "\rshell touch /tmp/pwn",
    "RTL override": "\u202e",
    "zero-width joiner": "\u200d",
    "10 kB": "A" * 10_240,
}
CYRILLIC = str.maketrans("ACEHKMOPTXaceopxy", "АСЕНКМОРТХасеорху")


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def other_digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if "0" <= c <= "9" else c for c in text)


# Each variant: (label, valid value -> hostile value, the injected text to look for in files).
Variant = tuple[str, Callable[[str], str], Callable[[str], str]]
VARIANTS: list[Variant] = [
    *((f"{k} alone", lambda v, p=p: p, lambda v, p=p: p) for k, p in PAYLOADS.items()),
    *((f"{k} after", lambda v, p=p: v + p, lambda v, p=p: p) for k, p in PAYLOADS.items()),
    ("fullwidth look-alike", fullwidth, fullwidth),
    ("cyrillic look-alike", lambda v: v.translate(CYRILLIC), lambda v: v.translate(CYRILLIC)),
    ("zero-width inside", lambda v: v[:1] + "\u200d" + v[1:], lambda v: v[:1] + "\u200d" + v[1:]),
    # Digits Python's int() and float() read, but no input file should see.
    ("fullwidth digits", lambda v: other_digits(v, 0xFF10), lambda v: other_digits(v, 0xFF10)),
    ("arabic-indic digits", lambda v: other_digits(v, 0x660), lambda v: other_digits(v, 0x660)),
]
# The comment line of a full XYZ file is dropped when the job is stored, so it gets the payloads
# as a whole line too.
WATER = ["O 0.0 0.0 0.117", "H 0.0 0.757 -0.467", "H 0.0 -0.757 -0.467"]
# A job may ask for a cluster and a partition (the partition goes into the batch script).
ROUTE = {"cluster": "hpc-b", "partition": "gpu"}
XYZ_COMMENT_VARIANTS: list[Variant] = [
    (
        f"{k} as xyz comment",
        lambda v, p=p: "\n".join(["3", p, *WATER]),
        lambda v, p=p: p,
    )
    for k, p in PAYLOADS.items()
]


def _unwrap(tp: Any) -> list[Any]:
    """The member types of an annotation: Annotated and Optional/unions taken apart."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _unwrap(a) if a is not type(None)]
    return [tp]


def string_paths(model: type[BaseModel], prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path to a str-typed field (enums included) of `model`; `*` marks a list item."""
    for name, field in model.model_fields.items():
        yield from _paths_of(field.annotation, (*prefix, name))


def _paths_of(tp: Any, path: Path_) -> Iterator[Path_]:
    for member in _unwrap(tp):
        origin = typing.get_origin(member)
        if origin in (list, tuple, set, frozenset):
            for item in typing.get_args(member):
                yield from _paths_of(item, (*path, "*"))
        elif isinstance(member, type) and issubclass(member, BaseModel):
            yield from string_paths(member, path)
        elif isinstance(member, type) and issubclass(member, str | Enum):
            yield path


def xtb_spec() -> dict[str, Any]:
    return {
        "molecule": {"smiles": "C1COC(=O)O1"},
        "task": "opt",
        "method": "GFN2-xTB",
        "basis": "def2-SVP",
        "engine": "xtb",
    }


def bases(job_type: JobType) -> list[dict[str, Any]]:
    """Valid jobs that together hold a value in every string field of the type's spec."""
    if job_type is JobType.MD:
        smiles = md_body("SMILES solvent")
        smiles["spec"]["solvents"] = [{"smiles": "C1COC(=O)O1", "ratio": 1.0, "density": 1.3}]
        smiles["spec"]["concentration_basis"] = "molal"
        smiles |= ROUTE
        return [md_body("base"), smiles]
    xyz = qc_body("xyz molecule")
    xyz["spec"]["molecule"] = {"xyz": "\n".join(WATER), "charge": 0, "multiplicity": 1}
    xyz["spec"]["charges"] = "resp"
    xyz |= ROUTE
    redox = qc_body("redox")
    redox["spec"] |= {
        "task": "redox",
        "redox": "reduction",
        "solvation": {"model": "pcm", "solvent": "water"},
    }
    binding = qc_body("binding")
    binding["spec"] |= {
        "task": "binding_energy",
        "ion": "Li",
        "molecule": {"smiles": "C1COC(=O)O1"},
    }
    xtb = qc_body("xtb")
    xtb["spec"] = xtb_spec()
    return [qc_body("base"), xyz, redox, binding, xtb]


def concrete(body: dict[str, Any], path: Path_) -> list[Path_]:
    """`path` with `*` replaced by every index the body has there; [] when it has no value."""
    found: list[Path_] = []

    def walk(node: Any, rest: Path_, done: Path_) -> None:
        if not rest:
            if isinstance(node, str):
                found.append(done)
            return
        head, *tail = rest
        if head == "*":
            for i, item in enumerate(node if isinstance(node, list) else []):
                walk(item, tuple(tail), (*done, i))
        elif isinstance(node, dict) and head in node:
            walk(node[head], tuple(tail), (*done, head))

    walk(body, path, ())
    return found


def targets() -> list[tuple[JobType, dict[str, Any], Path_]]:
    """(job type, base body, concrete path) for every string field, first base that has it."""
    out = []
    top = [p for p in string_paths(JobCreate) if p[0] != "spec"]
    for job_type, model in SPEC_MODELS.items():
        paths = top + [("spec", *p) for p in string_paths(model)]
        for path in paths:
            holders = [(b, c) for b in bases(job_type) if (c := concrete(b, path))]
            assert holders, f"add a base {job_type} job with a value at {path}"
            base, where = holders[0]
            out += [(job_type, base, p) for p in where]
    return out


def replaced(body: dict[str, Any], path: Path_, value: str) -> dict[str, Any]:
    new = json.loads(json.dumps(body))
    node = new
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return new


def test_introspection_finds_the_string_fields() -> None:
    md = set(string_paths(SPEC_MODELS[JobType.MD]))
    qc = set(string_paths(SPEC_MODELS[JobType.QC]))
    assert {("salts", "*", "name"), ("solvents", "*", "smiles"), ("preset",)} <= md
    assert {("molecule", "xyz"), ("solvation", "solvent"), ("ion",), ("method",)} <= qc
    assert {("name",), ("type",)} <= set(string_paths(JobCreate))


def build_all(job_type: JobType, spec: dict[str, Any], job_id: int, root: Path) -> list[Path]:
    """Every input the real builders write for `spec` (each engine that takes it), and the
    Slurm batch script for each; the work directories."""
    ctx = EngineContext(python=sys.executable)
    engines: dict[str, Any] = {"lammps": MDEngine()} if job_type is JobType.MD else QC_ENGINES
    workdirs = []
    for name, engine in engines.items():
        workdir = root / f"job-{job_id}-{name}"
        try:
            plan: RunPlan = engine.prepare(spec, workdir, ctx)
        except InvalidInput:
            continue  # this engine does not run this spec (e.g. xtb and HF)
        job = BatchJob(job_id, workdir, plan.commands, plan.resources, plan.env)
        (workdir / "job.sh").write_text(SlurmScheduler().render(job))
        workdirs.append(workdir)
    assert workdirs, f"no builder took the spec {spec}"
    return workdirs


def test_every_string_field_refuses_or_never_reaches_a_file(api: Api, tmp_path: Path) -> None:
    for job_type in SPEC_MODELS:
        for base in bases(job_type):
            r = api.client.post("/api/v1/jobs", json=base, headers=api.alice)
            assert r.status_code == 201, (base, r.text)
    refused = 0
    accepted: list[tuple[int, str, str, Path_]] = []  # job id, variant, injected text, path
    unnamed: list[tuple[str, Path_, list[list[Any]]]] = []  # refused without naming the field
    for _job_type, base, path in targets():
        valid = base
        for key in path:
            valid = valid[key]
        assert isinstance(valid, str)
        variants = VARIANTS + (XYZ_COMMENT_VARIANTS if path[-1] == "xyz" else [])
        for label, make, injected in variants:
            if make(valid) == valid:
                continue  # no look-alike for this value (e.g. no Latin letter to swap)
            body = replaced(base, path, make(valid))
            r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
            if r.status_code == 422:
                locs = [list(e["loc"]) for e in r.json()["detail"]]
                if ["body", *path] not in locs:
                    unnamed.append((label, path, locs))
                refused += 1
            else:
                assert r.status_code == 201, (label, path, r.status_code, r.text)
                accepted.append((r.json()["id"], label, injected(valid), path))
    print(f"hostile strings: {refused} refused with 422, {len(accepted)} taken")
    assert unnamed == []
    allowed = {("name",), ("spec", "molecule", "xyz")}
    assert {a[3] for a in accepted} <= allowed, sorted({(a[3], a[1]) for a in accepted})
    print("taken:", sorted({(a[3], a[1]) for a in accepted}))

    built: dict[str, list[Path]] = {}
    for job_id, label, text, path in accepted:
        job = api.job(job_id, api.alice)
        key = json.dumps([job["type"], job["spec"]], sort_keys=True)
        if key not in built:
            built[key] = build_all(JobType(job["type"]), job["spec"], job_id, tmp_path)
        needles = [text, *(line for line in text.replace("\r", "\n").split("\n") if line.strip())]
        for workdir in built[key]:
            for file in (f for f in workdir.rglob("*") if f.is_file()):
                content = file.read_bytes().decode("utf-8", "replace")
                for needle in needles:
                    assert needle not in content, (label, path, file.name, needle)
    assert len(built) >= 2  # the MD and QC builders both ran
