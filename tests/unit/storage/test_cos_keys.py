"""The server's S3 store takes Tencent COS keys under the names the worker's YAML uses
(`MOLYTE_COS_SECRET_ID`/`MOLYTE_COS_SECRET_KEY`) when the standard `AWS_*` ones are not set."""

from __future__ import annotations

import boto3
import pytest

from molyte.errors import ConfigError
from molyte.storage.s3 import S3Store

URL = "s3://results-1250000000?endpoint=https://cos.ap-shanghai.myqcloud.com&region=ap-shanghai"


@pytest.fixture(autouse=True)
def _fresh_boto3_session(monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3's default session resolves credentials once and keeps them: an earlier test's
    # keys would otherwise stick.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def access_key(store: S3Store) -> str:
    # boto3 has no public getter for the credentials a client signs with.
    credentials = store.client._request_signer._credentials
    return str(credentials.access_key)


def test_cos_names_are_used_without_aws_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("MOLYTE_COS_SECRET_ID", "AKIDexampleSecretId")
    monkeypatch.setenv("MOLYTE_COS_SECRET_KEY", "exampleSecretKey")
    store = S3Store.from_url(URL)
    assert access_key(store) == "AKIDexampleSecretId"
    assert store.endpoint_url == "https://cos.ap-shanghai.myqcloud.com"


def test_aws_names_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-aws")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-aws-secret")
    monkeypatch.setenv("MOLYTE_COS_SECRET_ID", "AKIDexampleSecretId")
    monkeypatch.setenv("MOLYTE_COS_SECRET_KEY", "exampleSecretKey")
    assert access_key(S3Store.from_url(URL)) == "from-aws"


def test_half_a_cos_key_pair_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.setenv("MOLYTE_COS_SECRET_ID", "AKIDexampleSecretId")
    monkeypatch.delenv("MOLYTE_COS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="MOLYTE_COS_SECRET_KEY"):
        S3Store.from_url(URL)
