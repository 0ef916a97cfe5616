import hashlib
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from molyte.errors import Forbidden, InvalidInput, NotFound
from molyte.storage.base import UploadedPart
from molyte.storage.local import LocalStore
from molyte.storage.signing import UrlSigner


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store", UrlSigner("secret"), max_object_bytes=1024)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_get_head_records_sha256(store: LocalStore, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"density 1.21\n")
    store.put("results/1/in.txt", source)
    info = store.head("results/1/in.txt")
    assert info is not None
    assert (info.size, info.sha256) == (13, sha(b"density 1.21\n"))
    store.get("results/1/in.txt", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == b"density 1.21\n"
    assert store.head("results/1/missing") is None
    assert list((store.root / "tmp").iterdir()) == []


def test_stale_record_does_not_vouch_for_replaced_bytes(store: LocalStore) -> None:
    store.write_stream("results/1/a", iter([b"abcd"]))
    # Simulate a crash after the new bytes landed but before their record was written.
    path = store.object_path("results/1/a")
    replacement = path.with_name("a.new")
    replacement.write_bytes(b"wxyz")
    os.replace(replacement, path)
    info = store.head("results/1/a")
    assert info is not None and info.size == 4 and info.sha256 is None
    # verify falls back to hashing the bytes themselves
    assert store.verify("results/1/a", 4, sha(b"wxyz")).sha256 == sha(b"wxyz")


def test_write_stream_refuses_mismatch_and_keeps_nothing(store: LocalStore) -> None:
    with pytest.raises(InvalidInput, match="sha256"):
        store.write_stream("results/1/a", iter([b"abc"]), 3, sha(b"abd"))
    with pytest.raises(InvalidInput, match="3 bytes, expected 4"):
        store.write_stream("results/1/a", iter([b"abc"]), 4, sha(b"abc"))
    with pytest.raises(InvalidInput, match="larger than the 2 bytes"):
        store.write_stream("results/1/a", iter([b"ab", b"c"]), 2, None)
    with pytest.raises(InvalidInput, match="larger than the 1024 bytes"):
        store.write_stream("results/1/a", iter([b"x" * 1025]))
    assert store.head("results/1/a") is None
    assert list((store.root / "tmp").iterdir()) == []


@pytest.mark.parametrize("key", ["../escape", "results/../../x", "/etc/passwd", "results/1/.meta"])
def test_keys_cannot_leave_the_root(store: LocalStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        store.write_stream(key, iter([b"x"]))
    with pytest.raises(InvalidInput):
        store.head(key)
    assert not (store.root.parent / "escape").exists()


def test_verify_deletes_a_mismatch(store: LocalStore) -> None:
    store.write_stream("results/2/a", iter([b"hello"]))
    assert store.verify("results/2/a", 5, sha(b"hello")).size == 5
    with pytest.raises(InvalidInput, match="does not match"):
        store.verify("results/2/a", 5, sha(b"HELLO"))
    assert store.head("results/2/a") is None
    with pytest.raises(InvalidInput, match="was not uploaded"):
        store.verify("results/2/a", 5, sha(b"hello"))


def test_list_and_delete_prefix(store: LocalStore) -> None:
    for key in ["results/1/a", "results/1/b", "results/12/a"]:
        store.write_stream(key, iter([b"x"]))
    upload_id = store.create_multipart("results/1/c", sha(b""), [])
    assert store.list_prefix("results/1/") == ["results/1/a", "results/1/b"]
    assert store.delete_prefix("results/1/") == 2
    assert store.list_prefix("results/") == ["results/12/a"]
    with pytest.raises(NotFound):
        store.upload_key(upload_id)
    assert not (store.root / "objects" / "results" / "1").exists()


def test_presigned_urls_are_relative_and_signed(store: LocalStore) -> None:
    url = store.presign_get("results/3/rdf.csv", 60)
    parts = urlsplit(url)
    assert parts.path == "/api/v1/storage/objects/results/3/rdf.csv"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["filename"] == "rdf.csv"
    store.signer.check(
        "GET", ["object", "results/3/rdf.csv", "rdf.csv"], query["expires"], query["signature"]
    )
    request = store.presign_upload("results/3/rdf.csv", 10, "A" * 64, 60)
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert (query["size"], query["sha256"]) == ("10", "a" * 64)
    assert request.headers == {"Content-Length": "10"}
    with pytest.raises(Forbidden):
        store.signer.check(
            "PUT",
            ["object", "results/3/rdf.csv", "11", "a" * 64],
            query["expires"],
            query["signature"],
        )
    with pytest.raises(InvalidInput):
        store.presign_upload("results/3/big", 1025, "a" * 64, 60)


def _parts(store: LocalStore, key: str, chunks: list[bytes]) -> tuple[str, list[UploadedPart]]:
    upload_id = store.create_multipart(key, sha(b"".join(chunks)), [sha(c) for c in chunks])
    parts = []
    for number, data in reversed(list(enumerate(chunks, start=1))):  # any order
        writer = store.open_writer()
        writer.write(data)
        parts.insert(
            0, UploadedPart(number, store.commit_part(upload_id, number, writer), sha(data))
        )
    return upload_id, parts


def test_multipart_assembles_parts_in_order(store: LocalStore) -> None:
    upload_id, parts = _parts(store, "results/4/traj", [b"hello ", b"world"])
    writer = store.open_writer()
    writer.write(b"hello ")
    assert store.commit_part(upload_id, 1, writer) == parts[0].etag  # part 1 sent twice
    assert parts[0].etag == sha(b"hello ")
    with pytest.raises(InvalidInput, match="ascending"):
        store.complete_multipart("results/4/traj", upload_id, parts[::-1])
    with pytest.raises(InvalidInput, match="another key"):
        store.complete_multipart("results/4/other", upload_id, parts)
    quoted = UploadedPart(1, f'"{parts[0].etag}"', parts[0].sha256)
    store.complete_multipart("results/4/traj", upload_id, [quoted, parts[1]])
    info = store.head("results/4/traj")
    assert info is not None and (info.size, info.sha256) == (11, sha(b"hello world"))
    assert list((store.root / "multipart").iterdir()) == []
    meta = json.loads((store.root / "meta" / "results/4/traj").read_text())
    assert meta["sha256"] == sha(b"hello world")


@pytest.mark.parametrize("field", ["etag", "sha256"])
def test_a_part_that_does_not_match_aborts_the_upload(store: LocalStore, field: str) -> None:
    upload_id, parts = _parts(store, "results/6/traj", [b"hello ", b"world"])
    wrong = {"etag": parts[0].etag, "sha256": parts[0].sha256, field: sha(b"other")}
    with pytest.raises(InvalidInput, match="ETag or sha256 does not match"):
        store.complete_multipart("results/6/traj", upload_id, [UploadedPart(1, **wrong), parts[1]])
    assert list((store.root / "multipart").iterdir()) == []
    assert store.head("results/6/traj") is None


def test_a_new_upload_of_a_key_aborts_the_unfinished_one(store: LocalStore) -> None:
    first, _ = _parts(store, "results/7/traj", [b"hello "])
    other, _ = _parts(store, "results/7/other", [b"x"])
    second = store.create_multipart("results/7/traj", sha(b"hi"), [sha(b"hi")])
    with pytest.raises(NotFound):
        store.upload_key(first)
    assert store.upload_key(second) == "results/7/traj"
    assert store.upload_key(other) == "results/7/other"


def test_part_urls_are_bound_to_size_and_sha256(store: LocalStore) -> None:
    upload_id = store.create_multipart("results/8/t", sha(b"abc"), [sha(b"abc")])
    request = store.presign_part("results/8/t", upload_id, 1, 3, sha(b"abc").upper(), 60)
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert (query["size"], query["sha256"]) == ("3", sha(b"abc"))
    assert request.headers == {"Content-Length": "3"}
    fields = ["part", upload_id, "1", "3", sha(b"abc")]
    store.signer.check("PUT", fields, query["expires"], query["signature"])
    with pytest.raises(Forbidden):
        store.signer.check(
            "PUT", [*fields[:3], "4", fields[4]], query["expires"], query["signature"]
        )


def test_abort_and_unknown_uploads(store: LocalStore) -> None:
    upload_id = store.create_multipart("results/5/x", sha(b"x"), [sha(b"x")])
    store.abort_multipart("results/5/x", upload_id)
    with pytest.raises(NotFound):
        store.presign_part("results/5/x", upload_id, 1, 1, sha(b"x"), 60)
    with pytest.raises(NotFound):
        store.upload_key("../../etc")
    upload_id = store.create_multipart("results/5/x", sha(b"x"), [sha(b"x")])
    with pytest.raises(InvalidInput):
        store.presign_part("results/5/x", upload_id, 10_001, 1, sha(b"x"), 60)
    with pytest.raises(InvalidInput):
        store.presign_part("results/5/x", upload_id, 1, 1025, sha(b"x"), 60)
