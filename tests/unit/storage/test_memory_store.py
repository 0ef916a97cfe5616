import hashlib
from pathlib import Path

import pytest

from molyte.errors import InvalidInput, NotFound
from molyte.fakes.storage import MemoryStore
from molyte.storage.base import ObjectStore, UploadedPart


def test_memory_store_keeps_the_rules(tmp_path: Path) -> None:
    store: ObjectStore = MemoryStore()
    source = tmp_path / "a.txt"
    source.write_bytes(b"abc")
    store.put("results/1/a.txt", source)
    info = store.head("results/1/a.txt")
    assert info is not None and info.sha256 == hashlib.sha256(b"abc").hexdigest()
    assert b"".join(store.iter_bytes("results/1/a.txt")) == b"abc"
    assert store.presign_get("results/1/a.txt", 60).startswith("memory://results/1/a.txt?")
    with pytest.raises(InvalidInput):
        store.put("../a", source)
    with pytest.raises(InvalidInput):
        store.verify("results/1/a.txt", 3, hashlib.sha256(b"abd").hexdigest())
    assert store.head("results/1/a.txt") is None


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_memory_multipart_and_delete_prefix() -> None:
    store = MemoryStore()
    upload_id = store.create_multipart("results/2/t", sha(b"abcd"), [sha(b"ab"), sha(b"cd")])
    e1 = store.put_part("results/2/t", upload_id, 1, b"ab")
    e2 = store.put_part("results/2/t", upload_id, 2, b"cd")
    parts = [UploadedPart(1, e1, sha(b"ab")), UploadedPart(2, e2, sha(b"cd"))]
    store.complete_multipart("results/2/t", upload_id, parts)
    assert store.get_bytes("results/2/t") == b"abcd"
    with pytest.raises(NotFound):
        store.abort_multipart("results/2/t", upload_id)
    store.create_multipart("results/2/u", sha(b""), [])
    assert store.delete_prefix("results/2/") == 1
    assert store.list_prefix("results/") == []


def test_memory_multipart_refuses_a_mismatched_part_and_aborts() -> None:
    store = MemoryStore()
    stale = store.create_multipart("results/3/t", sha(b"ab"), [sha(b"ab")])
    upload_id = store.create_multipart("results/3/t", sha(b"ab"), [sha(b"ab")])
    with pytest.raises(NotFound):
        store.abort_multipart("results/3/t", stale)  # the new upload dropped the stale one
    etag = store.put_part("results/3/t", upload_id, 1, b"ab")
    with pytest.raises(InvalidInput, match="does not match"):
        store.complete_multipart("results/3/t", upload_id, [UploadedPart(1, etag, sha(b"xy"))])
    with pytest.raises(NotFound):
        store.abort_multipart("results/3/t", upload_id)
    assert store.head("results/3/t") is None
