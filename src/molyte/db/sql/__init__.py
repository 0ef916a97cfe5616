"""SQL statements kept as `.sql` files next to this module, one file per statement and
dialect (`claim_pending.postgresql.sql` beside `claim_pending.sqlite.sql`), read with
importlib.resources so they ship inside the wheel (pyproject: package data `db/sql/*.sql`).

A file holds named sections, each starting with a line `-- name: <section>`; comment lines
before the first section describe the file. A section may name `{placeholders}`: another
section of the same file, or a value the caller renders in. Rendered values are SQL text
chosen by the code (e.g. a state word from the lifecycle, as a literal, where a partial index
must see the literal), never input: input is a bound parameter in the driver's style.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files

_SECTION = re.compile(r"^-- name: ([a-z_]+)[ \t]*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_WORD = re.compile(r"[A-Z][A-Z_]*")


@cache
def sections(file: str) -> dict[str, str]:
    """The named sections of `<file>.sql` in this package, without their trailing blanks."""
    text = (files(__name__) / f"{file}.sql").read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    if len(parts) < 3:
        raise ValueError(f"{file}.sql has no `-- name:` section")
    names = parts[1::2]
    if len(set(names)) != len(names):
        raise ValueError(f"{file}.sql names a section twice")
    return {name: body.strip() for name, body in zip(names, parts[2::2], strict=True)}


def statement(file: str, name: str, values: Mapping[str, str]) -> str:
    """Section `name` of `<file>.sql` with its placeholders filled: other sections of the file
    (themselves filled), then `values`. An unknown placeholder is an error."""
    parts = sections(file)

    def fill(text: str, seen: tuple[str, ...]) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in values:
                return values[key]
            if key in parts and key not in seen:
                return fill(parts[key], (*seen, key))
            raise KeyError(f"{file}.sql: nothing to fill {{{key}}} with in section {seen[-1]}")

        return _PLACEHOLDER.sub(one, text)

    return fill(parts[name], (name,))


def word(value: str) -> str:
    """A code-chosen word (a job state) as an SQL string literal: `PENDING` -> `'PENDING'`."""
    if not _WORD.fullmatch(value):
        raise ValueError(f"not a word to render into SQL: {value!r}")
    return f"'{value}'"


def words(values: Iterable[str]) -> str:
    """Several words as a list of literals for `IN (...)`."""
    return ", ".join(word(v) for v in values)
