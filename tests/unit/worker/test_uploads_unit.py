import hashlib
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest

from molyte.errors import Conflict, InvalidInput
from molyte.protocol import MultipartUpload, SingleUpload, parse_upload_reply
from molyte.storage.retry import RetryPolicy, StoreUnavailableError
from molyte.worker.uploads import (
    UploadRefusedError,
    digest_file,
    put_with_instructions,
    sha256_file,
    upload_result,
)

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


def reply(**fields: Any) -> SingleUpload | MultipartUpload:
    """An upload reply as the server sends it, with `fields` in it."""
    return parse_upload_reply({"name": "data.bin", "key": "k", "expires_in": 60, **fields})


def make_file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes((bytes(range(251)) * (size // 251 + 1))[:size])  # i % 251 at offset i
    return path


def test_sha256_file(tmp_path: Path) -> None:
    path = make_file(tmp_path, 3 * 1024 * 1024 + 5)
    assert sha256_file(path) == (3 * 1024 * 1024 + 5, hashlib.sha256(path.read_bytes()).hexdigest())


def test_digest_file_hashes_the_file_and_each_part(tmp_path: Path) -> None:
    path = make_file(tmp_path, 12 * 1024 * 1024 + 7)
    data = path.read_bytes()
    step = 5 * 1024 * 1024
    digest = digest_file(path, step)
    assert (digest.size, digest.sha256, digest.part_size) == (
        len(data),
        hashlib.sha256(data).hexdigest(),
        step,
    )
    assert digest.part_sha256 == [
        hashlib.sha256(data[i : i + step]).hexdigest() for i in (0, step, 2 * step)
    ]
    assert digest_file(path).part_size == 16 * 1024 * 1024  # the default part size
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert digest_file(empty).part_sha256 == []


def test_single_put_joins_url_sends_signed_headers_and_no_bearer(tmp_path: Path) -> None:
    path = make_file(tmp_path, 1000)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, headers={"ETag": '"abc"'})

    http = httpx.Client(
        transport=httpx.MockTransport(handler), headers={"Authorization": "Bearer t"}
    )
    instructions = reply(
        multipart=False,
        url="/api/v1/storage/objects/results/1/data.bin?expires=1&signature=s",
        headers={"Content-Length": "1000", "x-amz-checksum-sha256": "q"},
    )
    assert put_with_instructions(http, instructions, path, "https://molyte.example/api/v1") == []
    (request,) = seen
    assert (
        str(request.url)
        == "https://molyte.example/api/v1/storage/objects/results/1/data.bin?expires=1&signature=s"
    )
    assert request.headers["content-length"] == "1000"
    assert request.headers["x-amz-checksum-sha256"] == "q"
    assert "authorization" not in request.headers
    assert "transfer-encoding" not in request.headers
    assert request.content == path.read_bytes()


def test_multipart_sends_each_byte_range_with_its_headers(tmp_path: Path) -> None:
    path = make_file(tmp_path, 2500)
    data = path.read_bytes()
    received: dict[int, tuple[bytes, str]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.path.rsplit("/", 1)[-1])
        received[number] = (request.read(), request.headers["x-amz-checksum-sha256"])
        return httpx.Response(200, headers={"ETag": f'"etag-{number}"'})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    lengths = {1: 1000, 2: 1000, 3: 500}
    parts = [
        {
            "part_number": n,
            "url": f"http://s3.local/b/k/{n}",
            "headers": {"Content-Length": str(lengths[n]), "x-amz-checksum-sha256": f"c{n}"},
            "sha256": f"{n:064x}",
        }
        for n in (3, 1, 2)
    ]
    instructions = reply(multipart=True, upload_id="u", part_size=1000, parts=parts)
    sent = put_with_instructions(http, instructions, path, "http://server")
    assert [p.model_dump() for p in sent] == [
        {"part_number": n, "etag": f"etag-{n}", "sha256": f"{n:064x}"} for n in (1, 2, 3)
    ]
    assert received == {1: (data[:1000], "c1"), 2: (data[1000:2000], "c2"), 3: (data[2000:], "c3")}
    parts[0]["headers"]["Content-Length"] = "499"  # signed for another length
    instructions = reply(multipart=True, upload_id="u", part_size=1000, parts=parts)
    with pytest.raises(InvalidInput, match="signed for 499"):
        put_with_instructions(http, instructions, path, "http://server")


def test_transient_failures_are_retried_with_the_same_bytes(tmp_path: Path) -> None:
    path = make_file(tmp_path, 300)
    bodies: list[bytes] = []
    outcomes = iter([0, 503, 429, 200])  # 0: the connection is refused

    def handler(request: httpx.Request) -> httpx.Response:
        outcome = next(outcomes)
        if outcome == 0:
            raise httpx.ConnectError("refused", request=request)
        bodies.append(request.read())
        return httpx.Response(outcome)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    instructions = reply(multipart=False, url="http://s3/b/k", headers={})
    waits: list[float] = []
    put_with_instructions(http, instructions, path, "http://server", FAST, waits.append)
    assert bodies == [path.read_bytes()] * 3
    assert len(waits) == 3


def test_refusals_and_exhaustion(tmp_path: Path) -> None:
    path = make_file(tmp_path, 10)
    calls: list[int] = []

    def forbidden(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(403, text="expired")

    instructions = reply(multipart=False, url="http://s3/b/k", headers={})
    with pytest.raises(UploadRefusedError, match="403") as caught:
        put_with_instructions(
            httpx.Client(transport=httpx.MockTransport(forbidden)),
            instructions,
            path,
            "http://s",
            FAST,
            lambda _: None,
        )
    assert caught.value.status == 403 and calls == [1]

    down = httpx.MockTransport(lambda request: httpx.Response(502))
    with pytest.raises(StoreUnavailableError):
        put_with_instructions(
            httpx.Client(transport=down), instructions, path, "http://s", FAST, lambda _: None
        )


def test_instructions_that_do_not_fit_the_file_are_refused(tmp_path: Path) -> None:
    path = make_file(tmp_path, 10)
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(InvalidInput, match="10 bytes to send but the upload was signed for 11"):
        put_with_instructions(
            http,
            reply(multipart=False, url="/x", headers={"Content-Length": "11"}),
            path,
            "http://s",
        )
    with pytest.raises(InvalidInput, match="without gaps"):
        put_with_instructions(
            http,
            reply(
                multipart=True,
                upload_id="u",
                part_size=5,
                parts=[{"part_number": n, "url": "/p", "sha256": "0" * 64} for n in (1, 3)],
            ),
            path,
            "http://s",
        )
    with pytest.raises(InvalidInput, match="does not fit"):
        put_with_instructions(
            http,
            reply(
                multipart=True,
                upload_id="u",
                part_size=5,
                parts=[{"part_number": 1, "url": "/p", "sha256": "0" * 64}],
            ),
            path,
            "http://s",
        )


def test_a_large_file_is_streamed_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with path.open("wb") as out:
        for _ in range(48):
            out.write(b"\x5a" * (1024 * 1024))
    received = hashlib.sha256()

    class HashingTransport(httpx.BaseTransport):
        # MockTransport reads the whole body first; this one consumes it as a server would.
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            assert isinstance(request.stream, httpx.SyncByteStream)
            for chunk in request.stream:
                received.update(chunk)
            return httpx.Response(200)

    http = httpx.Client(transport=HashingTransport())
    instructions = reply(multipart=False, url="http://s3/b/k", headers={})
    tracemalloc.start()
    put_with_instructions(http, instructions, path, "http://s")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert received.hexdigest() == sha256_file(path)[1]
    assert peak < 8 * 1024 * 1024  # a 48 MiB file never sits in memory


def test_stale_lease_raises_conflict(tmp_path: Path) -> None:
    path = make_file(tmp_path, 10)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"detail": "stale lease token"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(Conflict, match="stale lease token"):
        upload_result(http, "http://server", 5, "old-token", path)
