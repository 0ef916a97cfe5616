from pathlib import Path

import pytest

from molyte.errors import ConfigError
from molyte.fakes.storage import MemoryStore
from molyte.storage.local import LocalStore
from molyte.storage.registry import store_from_url
from molyte.storage.s3 import S3Store


def test_file_urls_absolute_and_relative(tmp_path: Path) -> None:
    absolute = store_from_url(f"file://{tmp_path}/abs", "k", tmp_path / "data")
    assert isinstance(absolute, LocalStore) and absolute.root == tmp_path / "abs"
    relative = store_from_url("file://res", "k", tmp_path)
    assert isinstance(relative, LocalStore) and relative.root == tmp_path / "res"
    default = store_from_url("file://", "k", tmp_path)
    assert isinstance(default, LocalStore) and default.root == tmp_path / "results"
    assert (default.root / "objects").is_dir()


def test_memory_and_s3_urls(tmp_path: Path) -> None:
    assert isinstance(store_from_url("memory://", "k", tmp_path), MemoryStore)
    store = store_from_url(
        "s3://molyte-results?endpoint=http://127.0.0.1:9&region=eu-west-1", "k", tmp_path
    )
    assert isinstance(store, S3Store)
    assert store.bucket == "molyte-results"
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert store.client.meta.region_name == "eu-west-1"


@pytest.mark.parametrize(
    "url",
    ["ftp://x", "results", "s3://", "s3://b/path", "s3://b?endpoint=x&style=y", "file://x?y=1"],
)
def test_bad_urls_name_the_problem(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        store_from_url(url, "k", tmp_path)
