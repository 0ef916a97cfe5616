"""deploy/prometheus/alerts.yml and deploy/grafana/molyte-dashboard.json use only metrics and
labels that a live server's /metrics has, so they cannot drift from the code."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from molyte.api.app import _sweep_once
from molyte.db.models import Job
from receivers import WebhookReceiver, wait_for
from support import ROOT, api_session, make_settings, qc_body

ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "molyte-dashboard.json"
SELECTOR = re.compile(r"\b(molyte_[A-Za-z0-9_]+)\b\s*(\{[^}]*\})?")
MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|on|without|ignoring|group_left|group_right)\s*\(([^)]*)\)")
ALERT_LABEL = re.compile(r"\$labels\.([A-Za-z_][A-Za-z0-9_]*)")  # in annotations
LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")  # in legends
GENERIC_LABELS = {"le", "instance", "job"}  # added by histograms and by Prometheus


def _alert_exprs() -> list[tuple[str, set[str]]]:
    """(expression, the labels its annotations show) for every alerting rule."""
    rules = yaml.safe_load(ALERTS.read_text())
    out = []
    for group in rules["groups"]:
        for rule in group["rules"]:
            annotations = " ".join(rule.get("annotations", {}).values())
            out.append((rule["expr"], set(ALERT_LABEL.findall(annotations))))
    return out


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in panels:
        out.append(p)
        out.extend(_panels(p.get("panels", [])))
    return out


def _dashboard_exprs() -> list[tuple[str, set[str]]]:
    """(expression, the labels its legend shows) for every panel's query."""
    dash = json.loads(DASHBOARD.read_text())
    return [
        (t["expr"], set(LEGEND_LABEL.findall(t.get("legendFormat", ""))))
        for p in _panels(dash["panels"])
        for t in p.get("targets", [])
    ]


def _live_metrics(tmp_path: Path, sqlite_template: Path) -> dict[str, set[str]]:
    """Sample name -> label names, from /metrics of a server that has done a bit of
    everything (so that every family has samples and its labels can be checked)."""
    db = tmp_path / "molyte.db"
    db.write_bytes(sqlite_template.read_bytes())
    with WebhookReceiver() as hook:
        settings = make_settings(f"sqlite:///{db}", tmp_path, webhook_url=hook.url)
        with api_session(settings) as api:
            beat = {"name": "node-a", "hostname": "h", "version": "t", "capacity": 2}
            assert api.client.post(
                "/api/v1/workers/heartbeat", json=beat, headers=api.worker
            ).is_success
            api.submit(api.alice, qc_body("fails"))
            [job] = api.claim()
            assert api.status(job, "FAILED", failure_reason="LOST_ATOMS").status_code == 200
            api.submit(api.alice, qc_body("expires"))
            [job] = api.claim()
            with api.ctx.sessions() as s:
                past = datetime.now(UTC) - timedelta(seconds=api.settings.grace_seconds + 60)
                s.execute(update(Job).where(Job.id == job["id"]).values(lease_expires_at=past))
                s.commit()
            done = _sweep_once(api.ctx)
            assert done is not None and done.requeued == 1
            api.submit(api.bob, qc_body("waits"))
            wait_for(lambda: len(hook.hooks) == 1)
            wait_for(lambda: "molyte_notifications_total{" in api.client.get("/metrics").text)
            text = api.client.get("/metrics").text
    labels: dict[str, set[str]] = defaultdict(set)
    families = list(text_string_to_metric_families(text))
    assert families and all(f.name.startswith("molyte_") for f in families)
    empty = [f.name for f in families if not f.samples]
    assert empty == [], f"families without samples: {empty}"
    for family in families:
        for sample in family.samples:
            labels[sample.name] |= set(sample.labels)
    return labels


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_metric_and_label_used_exists(
    source: str, tmp_path: Path, sqlite_template: Path
) -> None:
    live = _live_metrics(tmp_path, sqlite_template)
    exprs = _alert_exprs() if source == "alerts" else _dashboard_exprs()
    assert len(exprs) >= (8 if source == "alerts" else 20)
    used: set[str] = set()
    for expr, shown in exprs:
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
        names = set()
        for name, selector in SELECTOR.findall(expr):
            assert name in live, f"{name} (in {expr!r}) is not on /metrics"
            names.add(name)
            for label in MATCHER.findall(selector or ""):
                assert label in live[name] | GENERIC_LABELS, f"{name} has no label {label}"
        available = set().union(GENERIC_LABELS, *(live[n] for n in names))
        grouped = {x.strip() for g in GROUPING.findall(expr) for x in g.split(",") if x.strip()}
        for label in grouped | shown:
            assert label in available, f"label {label!r} is on none of {sorted(names)}"
        used |= names
    # Each of the quantities the issue lists is shown or alerted on.
    wanted = {
        "dashboard": {
            "molyte_queue_depth",
            "molyte_oldest_pending_job_age_seconds",
            "molyte_claims_total",
            "molyte_lease_expiries_total",
            "molyte_job_outcomes_total",
            "molyte_worker_heartbeats_total",
            "molyte_upload_bytes_total",
            "molyte_http_request_duration_seconds_bucket",
            "molyte_storage_errors_total",
        },
        "alerts": {
            "molyte_worker_online",
            "molyte_oldest_pending_job_age_seconds",
            "molyte_job_outcomes_total",
            "molyte_storage_errors_total",
        },
    }[source]
    assert wanted <= used, wanted - used


def test_dashboard_is_an_importable_grafana_dashboard() -> None:
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] and dash["title"] == "Molyte" and dash["schemaVersion"] >= 36
    [var] = [v for v in dash["templating"]["list"] if v["type"] == "datasource"]
    panels = _panels(dash["panels"])
    assert len({p["id"] for p in panels}) == len(panels)
    for p in panels:
        grid = p["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0
        if p["type"] != "row":
            assert p["datasource"] == {"type": "prometheus", "uid": f"${{{var['name']}}}"}
            assert p["targets"] and all(t["expr"] and t["refId"] for t in p["targets"])
    # No two panels overlap on the grid.
    cells: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridPos"]
        xs, ys = range(g["x"], g["x"] + g["w"]), range(g["y"], g["y"] + g["h"])
        mine = {(x, y) for x in xs for y in ys}
        assert not cells & mine, p["title"]
        cells |= mine
