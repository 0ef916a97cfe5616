"""The worker protocol's bodies: what goes on the wire, what is refused, and what an older
server still accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobState, JobType
from molyte.protocol import (
    ROUTES,
    ClaimRequest,
    CompletedPart,
    CompleteRequest,
    FileEntry,
    Heartbeat,
    HeartbeatReply,
    LeasedJob,
    LiveSeries,
    MultipartUpload,
    RegisterRequest,
    RunningJob,
    SingleUpload,
    StatusUpdate,
    UploadRequest,
    WorkerStage,
    parse_upload_reply,
)
from molyte.protocol import engine_route as protocol_route

SHA = "ab" * 32
LEASED = {
    "id": 7,
    "type": "QC",
    "name": "water",
    "priority": 0,
    "spec": {"molecule": {"smiles": "O"}, "method": "HF", "basis": "6-31G*"},
    "engine": "gaussian|pyscf",
    "partition": None,
    "cluster": None,
    "attempts": 1,
    "lease_token": "tok",
    "lease_expires_at": "2030-01-01T00:00:00+00:00",
    "result_prefix": "results/7/abc/def/",
}


def wire(body: Any) -> Any:
    """What the worker puts on the wire, read back as the server reads it."""
    return json.loads(json.dumps(body.dump()))


def test_claim_without_cluster_or_partitions_leaves_them_out_for_older_servers() -> None:
    claim = ClaimRequest(
        worker_name="w", job_types=[JobType.QC], engines=["pyscf"], limit=2, wait_seconds=5.0
    )
    assert wire(claim) == {
        "worker_name": "w",
        "job_types": ["QC"],
        "engines": ["pyscf"],
        "limit": 2,
        "wait_seconds": 5.0,
    }
    routed = ClaimRequest(worker_name="w", partitions=["gpu"], cluster="hpc-b")
    assert wire(routed)["cluster"] == "hpc-b" and wire(routed)["partitions"] == ["gpu"]
    assert ClaimRequest.model_validate(wire(routed)) == routed  # the server reads it back


def test_heartbeat_round_trip_and_cluster_only_when_set() -> None:
    beat = Heartbeat(
        name="login-1",
        hostname="login-1.cluster",
        version="1.0",
        capacity=4,
        job_types=[JobType.MD],
        engines=["lammps"],
        partitions=["cpu"],
        running=[RunningJob(job_id=3, lease_token="t3")],
    )
    body = wire(beat)
    assert "cluster" not in body
    assert body["running"] == [{"job_id": 3, "lease_token": "t3"}]
    assert Heartbeat.model_validate(body) == beat
    assert wire(beat.model_copy(update={"cluster": "hpc-b"}))["cluster"] == "hpc-b"


def test_status_update_sends_only_what_is_set() -> None:
    queued = StatusUpdate(lease_token="t", state=JobState.QUEUED, scheduler_job_id="123")
    assert wire(queued) == {"lease_token": "t", "state": "QUEUED", "scheduler_job_id": "123"}
    failed = StatusUpdate(
        lease_token="t",
        state=JobState.FAILED,
        failure_reason=FailureReason.SCF_NOT_CONVERGED,
        message="SCF",
    )
    assert wire(failed) == {
        "lease_token": "t",
        "state": "FAILED",
        "failure_reason": "SCF_NOT_CONVERGED",
        "message": "SCF",
    }
    running = StatusUpdate(
        lease_token="t",
        state=JobState.RUNNING,
        progress=0.25,
        live=LiveSeries(columns=["step", "temp"], rows=[[0.0, None], [10.0, 300.5]]),
    )
    body = wire(running)
    assert body["live"] == {"columns": ["step", "temp"], "rows": [[0.0, None], [10.0, 300.5]]}
    assert StatusUpdate.model_validate(body) == running


def test_a_summary_keeps_its_null_values() -> None:
    """Only unset top-level fields are left out; the summary is sent as the engine wrote it."""
    summary = {"density": {"mean": 1.2, "std": None}, "provenance": {"host": None}}
    body = RegisterRequest(
        lease_token="t", files=[FileEntry(name="a.txt", size=3, sha256=SHA)], summary=summary
    )
    assert wire(body) == {
        "lease_token": "t",
        "files": [{"name": "a.txt", "size": 3, "sha256": SHA}],
        "summary": summary,
    }


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (ClaimRequest, {"limit": 1, "color": "red"}),
        (Heartbeat, {"name": "w", "extra": 1}),
        (RunningJob, {"job_id": 1, "lease_token": "t", "state": "RUNNING"}),
        (StatusUpdate, {"lease_token": "t", "state": "RUNNING", "percent": 5}),
        (LiveSeries, {"columns": ["a"], "rows": [], "units": ["K"]}),
        (UploadRequest, {"lease_token": "t", "name": "a", "size": 1, "sha256": SHA, "x": 1}),
        (CompletedPart, {"part_number": 1, "etag": "e", "sha256": SHA, "size": 5}),
        (FileEntry, {"name": "a", "size": 1, "sha256": SHA, "url": "u"}),
        (RegisterRequest, {"lease_token": "t", "files": [], "note": ""}),
    ],
)
def test_requests_refuse_unknown_fields(model: Any, body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate(body)


def test_requests_keep_their_bounds() -> None:
    with pytest.raises(ValidationError):
        ClaimRequest(limit=1001)
    with pytest.raises(ValidationError):
        StatusUpdate(lease_token="t", state=JobState.RUNNING, progress=1.5)
    with pytest.raises(ValidationError, match="has 1 values for 2 columns"):
        LiveSeries(columns=["a", "b"], rows=[[1.0]])
    with pytest.raises(ValidationError):
        StatusUpdate(lease_token="t", state=JobState.QUEUED, scheduler_job_id="1; rm -rf")
    with pytest.raises(ValidationError):
        CompleteRequest(lease_token="t", name="a", upload_id="u", parts=[])


def test_replies_ignore_fields_a_newer_server_adds() -> None:
    job = LeasedJob.model_validate({**LEASED, "queue_position": 3})
    assert (job.id, job.type, job.lease_token, job.result_prefix) == (
        7,
        JobType.QC,
        "tok",
        "results/7/abc/def/",
    )
    reply = HeartbeatReply.model_validate({"cancel": [3], "lease_seconds": 600, "motd": "hi"})
    assert reply.cancel == [3] and reply.lease_seconds == 600.0


def test_a_leased_job_from_an_older_server_has_no_result_prefix() -> None:
    older = {k: v for k, v in LEASED.items() if k not in ("result_prefix", "cluster", "partition")}
    job = LeasedJob.model_validate(older)
    assert (job.result_prefix, job.partition, job.cluster) == (None, None, None)
    assert LeasedJob.model_validate(job.model_dump(mode="json")) == job  # round trip


def test_upload_replies_are_told_apart_by_multipart() -> None:
    single = parse_upload_reply(
        {
            "name": "a",
            "key": "k",
            "multipart": False,
            "url": "/u",
            "headers": {"Content-Length": "3"},
            "expires_in": 60,
        }
    )
    assert isinstance(single, SingleUpload) and single.headers == {"Content-Length": "3"}
    multi = parse_upload_reply(
        {
            "name": "a",
            "key": "k",
            "multipart": True,
            "upload_id": "u1",
            "part_size": 5 << 20,
            "parts": [{"part_number": 1, "url": "/p1", "headers": {}, "sha256": SHA}],
            "expires_in": 60,
        }
    )
    assert isinstance(multi, MultipartUpload) and multi.parts[0].url == "/p1"
    with pytest.raises(ValidationError):
        parse_upload_reply({"name": "a", "key": "k", "url": "/u", "expires_in": 60})


def test_stages_keep_their_stored_names_and_map_onto_server_states() -> None:
    # These strings are in the worker's state files: a restart must read them back.
    assert [s.value for s in WorkerStage] == [
        "CLAIMED",
        "PREPARED",
        "SUBMITTING",
        "QUEUED",
        "RUNNING",
        "POSTPROCESSING",
    ]
    assert WorkerStage("SUBMITTING").server_state is JobState.CLAIMED
    assert WorkerStage.RUNNING.server_state is JobState.RUNNING
    assert [s for s in WorkerStage if s.in_scheduler] == [WorkerStage.QUEUED, WorkerStage.RUNNING]


def test_routes_are_the_domains() -> None:
    from molyte.domain import engines

    assert ROUTES is engines.ROUTES and protocol_route is engines.engine_route
