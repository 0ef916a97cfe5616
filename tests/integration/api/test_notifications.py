"""Notifications end to end, with real receivers on loopback: an SMTP server (aiosmtpd) and an
HTTP webhook endpoint. E-mail goes to the job's owner, the webhook gets every finished job and
every worker that went offline, signed; failures are retried, counted and never reach the
request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from molyte.api.app import _sweep_once
from molyte.db.models import Worker
from molyte.notifications.messages import EVENT_HEADER, SIGNATURE_HEADER, signature
from receivers import SmtpReceiver, WebhookReceiver, wait_for
from support import Api, api_session, bearer, make_settings, qc_body

PUBLIC = "https://molyte.example.org"
SECRET = "whsec-test-0123456789"
SMTP_LOGIN = ("molyte-mailer", "smtp-pass-0123")
# The test SMTP server takes AUTH without TLS on loopback; aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "molyte.db"
    target.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{target}"


def _settings(url: str, tmp_path: Path, smtp: SmtpReceiver, hook: WebhookReceiver, **kw: object):  # type: ignore[no-untyped-def]
    return make_settings(
        url,
        tmp_path,
        public_url=PUBLIC,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_username=SMTP_LOGIN[0],
        smtp_password=SMTP_LOGIN[1],
        smtp_from="molyte@example.org",
        smtp_starttls=False,
        webhook_url=hook.url,
        webhook_secret=SECRET,
        **kw,
    )


@pytest.fixture
def receivers() -> Iterator[tuple[SmtpReceiver, WebhookReceiver]]:
    with SmtpReceiver(login=SMTP_LOGIN) as smtp, WebhookReceiver() as hook:
        yield smtp, hook


def _carol(api: Api) -> dict[str, str]:
    """A user with an e-mail address, created through the admin API."""
    r = api.client.post(
        "/api/v1/admin/users",
        json={"username": "carol", "password": "pass-word-9", "email": "carol@example.org"},
        headers=api.admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "carol@example.org"
    return bearer(api.ctx, "carol", "USER")


def _finish(api: Api, state: str, **extra: object) -> int:
    [job] = api.claim()
    if state == "COMPLETED":
        for step in ("QUEUED", "RUNNING", "POSTPROCESSING"):
            assert api.status(job, step).status_code == 200
    r = api.status(job, state, **extra)
    assert r.status_code == 200, r.text
    return int(job["id"])


def _metric(api: Api, series: str) -> float:
    """One series' value on /metrics; 0 while the series does not exist yet."""
    lines = [x for x in api.client.get("/metrics").text.splitlines() if x.startswith(series + " ")]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def test_owner_gets_mail_and_webhook_gets_signed_events(
    sqlite_url: str, tmp_path: Path, receivers: tuple[SmtpReceiver, WebhookReceiver]
) -> None:
    smtp, hook = receivers
    with api_session(_settings(sqlite_url, tmp_path, smtp, hook)) as api:
        carol = _carol(api)
        failed = api.submit(carol, qc_body("water opt"))
        failed_id = _finish(api, "FAILED", failure_reason="SCF_NOT_CONVERGED")
        assert failed_id == failed["id"]
        done = api.submit(carol, qc_body("water sp"))
        assert _finish(api, "COMPLETED") == done["id"]
        api.submit(api.alice, qc_body("no address"))  # alice has no e-mail: webhook only
        alice_job = _finish(api, "FAILED", failure_reason="LOST_ATOMS")
        cancelled = api.submit(carol, qc_body("never mind"))
        assert api.client.post(f"/api/v1/jobs/{cancelled['id']}/cancel", headers=carol).is_success

        wait_for(lambda: len(smtp.mails) == 2 and len(hook.hooks) == 3)
        time.sleep(0.3)  # nothing more arrives: not the cancellation, no duplicates
        assert len(smtp.mails) == 2 and len(hook.hooks) == 3

        assert smtp.logins == [SMTP_LOGIN, SMTP_LOGIN]  # one connection per mail
        mails = {m.message["Subject"]: m for m in smtp.mails}
        fail_mail = mails[f'[Molyte] Job {failed_id} "water opt" failed (SCF_NOT_CONVERGED)']
        assert fail_mail.rcpt_tos == ["carol@example.org"]
        assert fail_mail.mail_from == "molyte@example.org"
        body = fail_mail.message.get_content()
        assert "Failure reason: SCF_NOT_CONVERGED" in body
        assert f"{PUBLIC}/jobs/{failed_id}" in body
        ok_mail = mails[f'[Molyte] Job {done["id"]} "water sp" completed']
        assert f"{PUBLIC}/jobs/{done['id']}" in ok_mail.message.get_content()

        by_job = {h.json["job"]["id"]: h for h in hook.hooks}
        assert set(by_job) == {failed_id, done["id"], alice_job}
        h = by_job[failed_id]
        assert h.path == "/hooks/molyte"
        assert h.headers[SIGNATURE_HEADER] == signature(SECRET, h.body)
        assert h.headers[EVENT_HEADER] == "job.failed"
        assert h.json["job"]["state"] == "FAILED"
        assert h.json["job"]["failure_reason"] == "SCF_NOT_CONVERGED"
        assert h.json["job"]["owner"] == "carol"
        assert h.json["job"]["url"] == f"{PUBLIC}/jobs/{failed_id}"
        assert by_job[done["id"]].json["event"] == "job.completed"
        assert by_job[done["id"]].json["job"]["failure_reason"] is None
        assert by_job[alice_job].json["job"]["failure_reason"] == "LOST_ATOMS"

        # A worker that stops sending heartbeats: one webhook, however often the sweeper runs.
        beat = {"name": "node-a", "hostname": "login1", "version": "t", "capacity": 2}
        r = api.client.post("/api/v1/workers/heartbeat", json=beat, headers=api.worker)
        assert r.status_code == 200
        with api.ctx.sessions() as db:
            stale = datetime.now(UTC) - timedelta(seconds=api.settings.worker_offline_seconds + 5)
            db.execute(update(Worker).values(last_heartbeat=stale))
            db.commit()
        for _ in range(3):
            _sweep_once(api.ctx)
        wait_for(lambda: len(hook.events("worker.offline")) == 1)
        time.sleep(0.3)
        [offline] = hook.events("worker.offline")
        assert offline.json["worker"]["name"] == "node-a"
        assert offline.json["worker"]["hostname"] == "login1"
        assert offline.headers[SIGNATURE_HEADER] == signature(SECRET, offline.body)

        assert _metric(api, 'molyte_notifications_total{channel="email",result="sent"}') == 2
        assert _metric(api, 'molyte_notifications_total{channel="webhook",result="sent"}') == 4
        outcomes = 'molyte_job_outcomes_total{reason="SCF_NOT_CONVERGED",state="FAILED",type="QC"}'
        assert _metric(api, outcomes) == 1
        cancels = 'molyte_job_outcomes_total{reason="",state="CANCELLED",type="QC"}'
        assert _metric(api, cancels) == 1


def test_failures_are_retried_counted_and_never_hold_up_the_request(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The webhook answers 500 twice (retried, then delivered), then 404 (given up at once),
    # each answer after 0.5 s; the SMTP server refuses the password.
    with (
        SmtpReceiver(login=("molyte-mailer", "another-password")) as smtp,
        WebhookReceiver(statuses=[500, 500, 200, 404], delay=0.5) as hook,
        api_session(_settings(sqlite_url, tmp_path, smtp, hook)) as api,
    ):
        api.ctx.notifications.retry_delays = (0.05, 0.05)
        carol = _carol(api)
        caplog.set_level(logging.WARNING, logger="molyte.notifications")
        api.submit(carol, qc_body("first"))
        [job] = api.claim()
        # The receiver answers nothing until the gate opens, 3 s from now: a request that
        # waited for the delivery would come back only after an answer.
        hook.gate.clear()
        opener = threading.Timer(3.0, hook.gate.set)
        opener.start()
        r = api.status(job, "FAILED", failure_reason="SCF_NOT_CONVERGED")
        assert r.status_code == 200
        assert hook.answered == 0
        opener.join()
        wait_for(lambda: len(hook.hooks) == 3)
        assert len({h.json["id"] for h in hook.hooks}) == 1  # one delivery, tried three times
        api.submit(carol, qc_body("second"))
        _finish(api, "FAILED", failure_reason="LOST_ATOMS")
        wait_for(
            lambda: (
                _metric(api, 'molyte_notifications_total{channel="webhook",result="failed"}') == 1
            )
        )
        wait_for(
            lambda: _metric(api, 'molyte_notifications_total{channel="email",result="failed"}') == 2
        )
        assert len(hook.hooks) == 4  # the 404 was not retried
        assert _metric(api, 'molyte_notifications_total{channel="webhook",result="sent"}') == 1
        assert smtp.mails == [] and smtp.logins
    logged = caplog.text
    # A refused login is not retried: one try per mail.
    assert logged.count("email notification") == 2
    assert logged.count("(try 1 of 3): SMTP 535") == 2
    assert "HTTP 500" in logged and "HTTP 404" in logged and "SMTP 535" in logged
    for secret in (SMTP_LOGIN[1], SECRET, hook.url, "carol@example.org"):
        assert secret not in logged
