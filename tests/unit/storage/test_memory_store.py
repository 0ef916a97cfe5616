import hashlib
from pathlib import Path

import pytest

from molyte.errors import InvalidInput, NotFound
from molyte.storage.base import ObjectStore, UploadedPart
from molyte.storage.memory import MemoryStore


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


def test_memory_multipart_and_delete_prefix() -> None:
    store = MemoryStore()
    upload_id = store.create_multipart("results/2/t")
    e1 = store.put_part("results/2/t", upload_id, 1, b"ab")
    e2 = store.put_part("results/2/t", upload_id, 2, b"cd")
    store.complete_multipart("results/2/t", upload_id, [UploadedPart(1, e1), UploadedPart(2, e2)])
    assert store.get_bytes("results/2/t") == b"abcd"
    with pytest.raises(NotFound):
        store.abort_multipart("results/2/t", upload_id)
    store.create_multipart("results/2/u")
    assert store.delete_prefix("results/2/") == 1
    assert store.list_prefix("results/") == []
