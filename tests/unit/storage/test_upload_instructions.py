import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from molyte.errors import InvalidInput
from molyte.fakes.storage import MemoryStore
from molyte.storage.local import LocalStore
from molyte.storage.signing import UrlSigner
from molyte.storage.uploads import (
    MIB,
    complete_upload,
    part_size_for,
    result_links,
    upload_instructions,
    verify_results,
)

SHA = "ab" * 32
# Lease key prefixes (keys.lease_prefix): results/<job id>/<storage prefix>/<lease>/
P9 = "results/9/9f/l1/"
P3 = "results/3/3f/l1/"


def test_small_file_gets_one_bound_put(tmp_path: Path) -> None:
    store = LocalStore(tmp_path, UrlSigner("k"))
    body = upload_instructions(store, P9, "log.lammps", 1000, SHA, expires_seconds=120)
    assert body["multipart"] is False
    assert body["key"] == P9 + "log.lammps"
    assert body["headers"] == {"Content-Length": "1000"}
    assert body["expires_in"] == 120
    query = parse_qs(urlsplit(body["url"]).query)
    assert query["size"] == ["1000"] and query["sha256"] == [SHA]


def test_large_file_gets_parts_bound_to_their_sha256(tmp_path: Path) -> None:
    store = LocalStore(tmp_path, UrlSigner("k"))
    size = 12 * MIB + 1
    hashes = [f"{n:064x}" for n in (1, 2, 3)]
    body = upload_instructions(
        store, P9, "traj.dcd", size, SHA, 5 * MIB, hashes, multipart_threshold=5 * MIB
    )
    assert body["multipart"] is True and body["part_size"] == 5 * MIB
    assert [p["part_number"] for p in body["parts"]] == [1, 2, 3]
    assert [p["sha256"] for p in body["parts"]] == hashes
    assert [p["headers"] for p in body["parts"]] == [
        {"Content-Length": str(n)} for n in (5 * MIB, 5 * MIB, 2 * MIB + 1)
    ]
    first = body["parts"][0]["url"]
    assert first.startswith(f"/api/v1/storage/multipart/{body['upload_id']}/1?")
    assert parse_qs(urlsplit(first).query)["sha256"] == [hashes[0]]
    assert store.upload_key(body["upload_id"]) == P9 + "traj.dcd"
    # exactly at the threshold is still a single PUT, whatever parts the worker offers
    assert (
        upload_instructions(
            store, P9, "x", 5 * MIB, SHA, 5 * MIB, [SHA], multipart_threshold=5 * MIB
        )["multipart"]
        is False
    )


@pytest.mark.parametrize(
    ("part_size", "hashes", "message"),
    [
        (None, None, "needs part_size and part_sha256"),
        (5 * MIB, None, "needs part_size and part_sha256"),
        (4 * MIB, [SHA] * 3, "part_size must be from"),
        (5 * MIB, [SHA] * 2, "need 3 part_sha256 values"),
        (5 * MIB, [SHA, SHA, "zz"], "64 hexadecimal digits"),
    ],
)
def test_multipart_needs_parts_that_fit(
    tmp_path: Path, part_size: int | None, hashes: list[str] | None, message: str
) -> None:
    store = LocalStore(tmp_path, UrlSigner("k"))
    with pytest.raises(InvalidInput, match=message):
        upload_instructions(
            store, P9, "t", 12 * MIB, SHA, part_size, hashes, multipart_threshold=5 * MIB
        )
    assert list((tmp_path / "multipart").iterdir()) == []


def test_part_size_grows_to_stay_within_10000_parts() -> None:
    assert part_size_for(100 * MIB) == 16 * MIB
    assert part_size_for(1024**4) == 109_951_163  # ceil(1 TiB / 10000)
    with pytest.raises(InvalidInput):
        part_size_for(10 * MIB, 4 * MIB)


@pytest.mark.parametrize(
    ("name", "size", "sha"),
    [("../x", 1, SHA), ("ok", -1, SHA), ("ok", True, SHA), ("ok", 1, "zz"), (".env", 1, SHA)],
)
def test_bad_requests_are_refused(name: str, size: int, sha: str) -> None:
    with pytest.raises(InvalidInput):
        upload_instructions(MemoryStore(), P9, name, size, sha)


def test_complete_verify_and_links_on_memory_store() -> None:
    store = MemoryStore()
    digest = hashlib.sha256(b"0123456789").hexdigest()
    body = upload_instructions(
        store, P3, "t.bin", 10, digest, 5 * MIB, [digest], multipart_threshold=4
    )
    assert body["multipart"] is True
    etag = store.put_part(body["key"], body["upload_id"], 1, b"0123456789")
    with pytest.raises(InvalidInput, match="part_number"):
        complete_upload(store, P3, "t.bin", body["upload_id"], [{"etag": etag, "sha256": digest}])
    with pytest.raises(InvalidInput, match="a sha256"):
        complete_upload(store, P3, "t.bin", body["upload_id"], [{"part_number": 1, "etag": etag}])
    part = {"part_number": 1, "etag": etag, "sha256": digest}
    complete_upload(store, P3, "t.bin", body["upload_id"], [part])
    files = [{"name": "t.bin", "size": 10, "sha256": digest}]
    assert verify_results(store, P3, files) == [
        {"name": "t.bin", "key": P3 + "t.bin", "size": 10, "sha256": digest}
    ]
    with pytest.raises(InvalidInput, match="unique"):
        verify_results(store, P3, files * 2)
    with pytest.raises(InvalidInput, match="does not match"):
        verify_results(store, P3, [{"name": "t.bin", "size": 11, "sha256": digest}])
    registered = [{**files[0], "key": P3 + "t.bin"}]
    links = result_links(store, UrlSigner("k"), "results/3/3f/", registered, zip_name="j.zip")
    assert links["files"][0]["url"].startswith(f"memory://{P3}t.bin?")
    assert links["zip_url"].startswith("/api/v1/storage/zip/results/3/3f/?filename=j.zip")
