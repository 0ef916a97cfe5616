import io
import zipfile

import pytest

from molyte.errors import Forbidden
from molyte.fakes.storage import MemoryStore
from molyte.storage.signing import UrlSigner
from molyte.storage.zipstream import iter_zip, presign_zip_url


def test_zip_streams_all_entries_with_their_bytes() -> None:
    store = MemoryStore()
    big = bytes(range(256)) * 10_000  # 2.5 MB, several chunks
    store.put_bytes("results/1/traj.bin", big)
    store.put_bytes("results/1/log.txt", b"Step Temp\n0 298.15\n")
    chunks = list(
        iter_zip(store, [("results/1/traj.bin", "traj.bin"), ("results/1/log.txt", "log.txt")])
    )
    assert len([c for c in chunks if c]) > 3  # produced incrementally, not in one piece
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.namelist() == ["traj.bin", "log.txt"]
    assert archive.read("traj.bin") == big
    assert archive.read("log.txt") == b"Step Temp\n0 298.15\n"


def test_zip_url_is_signed_over_prefix_and_name() -> None:
    signer = UrlSigner("k")
    url = presign_zip_url(signer, "/api/v1/storage", "results/4/", 60, "job-4.zip")
    path, query = url.split("?")
    assert path == "/api/v1/storage/zip/results/4/"
    params = dict(p.split("=") for p in query.split("&"))
    signer.check("GET", ["zip", "results/4/", "job-4.zip"], params["expires"], params["signature"])
    with pytest.raises(Forbidden):
        signer.check(
            "GET", ["zip", "results/", "job-4.zip"], params["expires"], params["signature"]
        )
