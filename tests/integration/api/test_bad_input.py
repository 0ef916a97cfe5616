"""Text no database can store and numbers no input file should hold.

The text test walks the live server's own OpenAPI schema, so every string field of every
endpoint (bodies, form fields, query and path parameters) is tried, including endpoints
added later: NUL must be refused with 422 naming the field, and lone surrogates too; nothing
may end in a 500. It runs on PostgreSQL, whose text types cannot hold NUL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from molyte.api.app import create_app
from molyte.api.textguard import MESSAGE
from molyte.db.models import User
from support import Api, LiveServer, bearer, make_settings, password_hash, qc_body

Loc = tuple[str | int, ...]
NUL = "a\x00b"
SURROGATE = "a\ud800b"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def instance(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A small value of `schema` with its required fields (valid enough to be parsed)."""
    schema = _resolve(schema, defs)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if o.get("type") != "null"]
        if options:
            return instance(options[0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {
            k: instance(v, defs) for k, v in schema.get("properties", {}).items() if k in required
        }
    if kind == "array":
        return []
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def string_locs(schema: dict[str, Any], defs: dict[str, Any], loc: Loc = ()) -> Iterator[Loc]:
    """Every place in a body of `schema` where a string goes (free-form objects: a new key)."""
    schema = _resolve(schema, defs)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from string_locs(option, defs, loc)
    kind = schema.get("type")
    if kind == "string":
        yield loc
    elif kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            yield from string_locs(sub, defs, (*loc, name))
        if schema.get("additionalProperties") not in (None, False):
            yield (*loc, "extra")
    elif kind == "array" and isinstance(schema.get("items"), dict):
        yield from string_locs(schema["items"], defs, (*loc, 0))


def placed(base: Any, loc: Loc, value: str) -> Any:
    """`base` with `value` at `loc`, creating the containers on the way."""
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(base) if isinstance(base, list) else []
        if not items:
            items.append({} if rest and isinstance(rest[0], str) else [])
        items[0] = placed(items[0], rest, value)
        return items
    obj = dict(base) if isinstance(base, dict) else {}
    obj[head] = placed(obj.get(head, {} if rest and isinstance(rest[0], str) else []), rest, value)
    return obj


@pytest.fixture
def live(pg_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    app = create_app(make_settings(pg_url, tmp_path))
    with app.state.ctx.sessions() as db:
        db.add(User(username="admin", password_hash=password_hash(), role="ADMIN"))
        db.commit()
    with LiveServer(app) as server:
        yield server, bearer(app.state.ctx, "admin", "ADMIN")


def _refused(r: httpx.Response, loc: list[Any]) -> bool:
    if r.status_code != 422:
        return False
    detail = r.json()["detail"]
    return isinstance(detail, list) and {"loc": loc, "msg": MESSAGE} in [
        {"loc": d.get("loc"), "msg": d.get("msg")} for d in detail
    ]


def test_every_string_field_refuses_nul_and_lone_surrogates(
    live: tuple[LiveServer, dict[str, str]],
) -> None:
    server, admin = live
    http = httpx.Client(base_url=server.url, headers=admin, timeout=30)
    schema = http.get("/api/v1/openapi.json").json()
    defs = schema["components"]["schemas"]
    wrong: list[str] = []
    tried = 0
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            args = {p["name"]: instance(p["schema"], defs) for p in params if p["in"] == "path"}
            query = {
                p["name"]: instance(p["schema"], defs)
                for p in params
                if p["in"] == "query" and p.get("required")
            }
            url = path.format(**args)
            body = op.get("requestBody", {}).get("content", {})
            json_schema = body.get("application/json", {}).get("schema")
            form_schema = body.get("application/x-www-form-urlencoded", {}).get("schema")
            base = instance(json_schema or form_schema or {}, defs)

            def send(
                url: str, query: dict[str, Any], method: str = method, **kw: Any
            ) -> httpx.Response:
                try:
                    return http.request(method.upper(), url, params=query, **kw)
                except httpx.TransportError as exc:  # the server dropped the connection
                    return httpx.Response(599, text=repr(exc))

            cases: list[tuple[str, list[Any], httpx.Response]] = []
            for p in params:
                if "string" not in json.dumps(_resolve(p["schema"], defs)):
                    continue
                if p["in"] == "query":
                    r = send(url, {**query, p["name"]: NUL})
                    cases.append((f"query {p['name']}", ["query", p["name"]], r))
                elif p["in"] == "path":
                    bad = path.format(**{**args, p["name"]: "a%00b"})
                    cases.append((f"path {p['name']}", ["path"], send(bad, query)))
            if json_schema is not None:
                for loc in dict.fromkeys(string_locs(json_schema, defs)):
                    for text in (NUL, SURROGATE):
                        content = json.dumps(placed(base, loc, text))  # ASCII: "\u0000", "\ud800"
                        r = send(
                            url,
                            query,
                            content=content,
                            headers={"Content-Type": "application/json"},
                        )
                        cases.append((f"body {loc} {text!r}", ["body", *loc], r))
            if form_schema is not None:
                for loc in dict.fromkeys(string_locs(form_schema, defs)):
                    r = send(url, query, data={**base, loc[0]: NUL})
                    cases.append((f"form {loc}", ["body", *loc], r))
            for what, loc, r in cases:
                tried += 1
                if not _refused(r, loc):
                    wrong.append(f"{method.upper()} {path} {what}: {r.status_code} {r.text[:200]}")
            # Raw bytes that are not UTF-8 (a surrogate written out) may be refused any way but 5xx.
            if json_schema is not None:
                raw = b'{"name": "a\xed\xa0\x80b"}'
                r = send(url, query, content=raw, headers={"Content-Type": "application/json"})
                if r.status_code >= 500:
                    wrong.append(f"{method.upper()} {path} raw surrogate bytes: {r.status_code}")
    http.close()
    print("\n".join(wrong))
    assert tried > 60
    assert wrong == []
    # The server still answers on the same connection pool after all of it.
    assert httpx.get(server.url + "/healthz").status_code == 200


def test_bad_xyz_numbers_are_refused(api: Api) -> None:
    body = qc_body()
    body["spec"]["molecule"] = {"xyz": "O 1e999 0 0\nH 0 0 0.96\nH 0.93 0 -0.24"}
    r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["loc"] == ["body", "spec", "molecule", "xyz"]
    assert "coordinates must be finite numbers from -1000 to 1000" in error["msg"]
    assert api.client.get("/api/v1/jobs", headers=api.alice).json()["total"] == 0


def test_nan_and_infinity_are_refused_in_specs(api: Api) -> None:
    body = json.dumps(qc_body()).replace('"memory_mb": 2000', '"memory_mb": 2000')
    spec = json.loads(body)
    spec["spec"]["solvation"] = {"model": "pcm", "epsilon": 1e400}
    for raw in (json.dumps(spec), json.dumps(spec).replace("Infinity", "NaN")):
        r = api.client.post(
            "/api/v1/jobs", content=raw, headers={**api.alice, "Content-Type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "spec", "solvation", "epsilon"]
