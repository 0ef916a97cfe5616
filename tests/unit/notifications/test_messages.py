"""The notification builder (pure) and the settings that switch notifications on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from molyte.config import Environment, ServerSettings
from molyte.errors import ConfigError
from molyte.notifications.messages import (
    SIGNATURE_HEADER,
    JobFinished,
    WorkerOffline,
    job_email,
    signature,
    webhook_body,
    webhook_headers,
)

FINISHED = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)


def _job(**overrides: object) -> JobFinished:
    values: dict[str, object] = {
        "job_id": 42,
        "job_type": "QC",
        "name": "water opt",
        "state": "FAILED",
        "failure_reason": "SCF_NOT_CONVERGED",
        "owner": "alice",
        "owner_email": "alice@example.org",
        "worker": "cluster-a",
        "attempts": 1,
        "finished_at": FINISHED,
    }
    values.update(overrides)
    return JobFinished(**values)  # type: ignore[arg-type]


def test_failure_email_names_job_state_reason_and_link() -> None:
    msg = job_email(_job(), "molyte@example.org", "https://molyte.example.org/")
    assert msg["Subject"] == '[Molyte] Job 42 "water opt" failed (SCF_NOT_CONVERGED)'
    assert msg["To"] == "alice@example.org" and msg["From"] == "molyte@example.org"
    body = msg.get_content()
    assert "Failure reason: SCF_NOT_CONVERGED" in body
    assert "State:          FAILED" in body
    assert "https://molyte.example.org/jobs/42" in body
    assert "2026-03-01T12:30:05+00:00" in body


def test_completed_email_has_no_reason_and_no_link_without_public_url() -> None:
    msg = job_email(_job(state="COMPLETED", failure_reason=None), "m@example.org", "")
    assert msg["Subject"] == '[Molyte] Job 42 "water opt" completed'
    body = msg.get_content()
    assert "Failure reason" not in body and "/jobs/42" not in body


def test_a_job_name_cannot_add_mail_headers() -> None:
    msg = job_email(_job(name="x\r\nBcc: eve@example.org"), "m@example.org", "")
    assert "\n" not in msg["Subject"] and msg["Bcc"] is None
    assert "Bcc: eve@example.org" not in msg.as_string().split("\n\n", 1)[0].splitlines()


def test_webhook_body_for_a_job_and_for_a_worker() -> None:
    body = json.loads(webhook_body(_job(), "https://m.example.org", FINISHED, "d1"))
    assert body["id"] == "d1" and body["event"] == "job.failed"
    assert body["job"] == {
        "id": 42,
        "type": "QC",
        "name": "water opt",
        "state": "FAILED",
        "failure_reason": "SCF_NOT_CONVERGED",
        "owner": "alice",
        "worker": "cluster-a",
        "attempts": 1,
        "finished_at": "2026-03-01T12:30:05+00:00",
        "url": "https://m.example.org/jobs/42",
    }
    assert "alice@example.org" not in json.dumps(body)  # addresses stay out of webhooks
    offline = json.loads(
        webhook_body(WorkerOffline("node-a", "login1", FINISHED), "", FINISHED, "d2")
    )
    assert offline["event"] == "worker.offline"
    assert offline["worker"] == {
        "name": "node-a",
        "hostname": "login1",
        "last_heartbeat": "2026-03-01T12:30:05+00:00",
    }


def test_signature_is_hmac_sha256_of_the_body() -> None:
    # The RFC 4231-style example everyone checks against (key "key", the quick brown fox).
    body = b"The quick brown fox jumps over the lazy dog"
    expected = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert signature("key", body) == expected
    assert webhook_headers("job.failed", body, "key")[SIGNATURE_HEADER] == expected
    assert SIGNATURE_HEADER not in webhook_headers("job.failed", body, "")


def _settings(**values: object) -> ServerSettings:
    return ServerSettings(**values)  # type: ignore[arg-type]


def test_smtp_needs_a_sender_and_urls_need_a_scheme() -> None:
    with pytest.raises(ConfigError, match="MOLYTE_SMTP_FROM"):
        _settings(smtp_host="mail.example.org")
    with pytest.raises(ConfigError, match="MOLYTE_WEBHOOK_URL"):
        _settings(webhook_url="hooks.example.org/x")
    with pytest.raises(ConfigError, match="MOLYTE_PUBLIC_URL"):
        _settings(public_url="molyte.example.org")
    ok = _settings(smtp_host="mail.example.org", smtp_from="m@example.org")
    assert ok.smtp_port == 587 and ok.smtp_starttls is True


def test_production_refuses_placeholder_notification_secrets() -> None:
    base = {
        "env": Environment.PRODUCTION,
        "secret_key": "k" * 40,
        "database_url": "postgresql://molyte:pw@db/molyte",
    }
    with pytest.raises(ConfigError, match="MOLYTE_WEBHOOK_SECRET"):
        _settings(**base, webhook_url="https://h.example.org", webhook_secret="CHANGE_ME")
    with pytest.raises(ConfigError, match="MOLYTE_SMTP_PASSWORD"):
        _settings(**base, smtp_password="changeme")
    with pytest.raises(ConfigError, match="MOLYTE_DATABASE_URL"):
        _settings(**{**base, "database_url": "postgresql://molyte:CHANGE_ME@db/molyte"})
    assert _settings(**base).webhook_secret == ""
