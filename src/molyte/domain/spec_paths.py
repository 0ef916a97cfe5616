"""Dotted paths into a job spec (`salts.0.concentration`, `temperature`): studies vary them,
clones change them."""

from __future__ import annotations

import copy
from typing import Any


class PathNotFound(ValueError):
    """The path names nothing in the spec."""


def set_path(spec: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `spec` with `path` set to `value`; `PathNotFound` if the path does not exist.

    A path exists when each part names a key of a mapping or an index of a list; nothing is
    created on the way. Give the spec with every field (`common.full_dump`), so that fields left
    at their defaults exist, also those stored specs leave out.
    """
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise PathNotFound(f"{path!r} is not a dotted path")
    out = copy.deepcopy(spec)
    node: Any = out
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                break
            if last:
                node[part] = value
                return out
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                break
            if last:
                node[int(part)] = value
                return out
            node = node[int(part)]
        else:
            break
    raise PathNotFound(f"{path} does not exist in the spec")
