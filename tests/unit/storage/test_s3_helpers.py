import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError, EndpointConnectionError

from molyte.errors import ConfigError
from molyte.storage.s3 import (
    S3Store,
    addressing_style,
    composite_sha256,
    cos_endpoint,
    is_transient,
    sha256_base64_to_hex,
    sha256_hex_to_base64,
)


def test_addressing_style_by_endpoint() -> None:
    assert addressing_style(None) == "virtual"
    assert addressing_style("https://cos.ap-guangzhou.myqcloud.com") == "virtual"
    assert addressing_style("https://s3.eu-west-1.amazonaws.com") == "virtual"
    assert addressing_style("http://127.0.0.1:9000") == "path"
    assert addressing_style("https://minio.campus.edu") == "path"


def test_cos_section_maps_to_the_s3_endpoint() -> None:
    store = S3Store.from_cos("AKID", "key", "ap-shanghai", "results-1250000000")
    assert store.client.meta.endpoint_url == "https://cos.ap-shanghai.myqcloud.com"
    assert store.client.meta.region_name == "ap-shanghai"
    assert store.bucket == "results-1250000000"
    url = store.presign_get("results/1/a.txt", 60)
    assert url.startswith(
        "https://results-1250000000.cos.ap-shanghai.myqcloud.com/results/1/a.txt?"
    )
    with pytest.raises(ConfigError):
        cos_endpoint("ap/../evil")
    with pytest.raises(ConfigError):
        S3Store.from_cos("", "key", "ap-shanghai", "b")


def test_checksum_forms_round_trip() -> None:
    digest = hashlib.sha256(b"x")
    b64 = base64.b64encode(digest.digest()).decode()
    assert sha256_hex_to_base64(digest.hexdigest()) == b64
    assert sha256_base64_to_hex(b64) == digest.hexdigest()
    assert sha256_base64_to_hex(b64 + "-3") is None
    assert sha256_base64_to_hex("not base64!") is None


def test_bound_upload_signs_length_and_checksum() -> None:
    store = S3Store(
        "bkt",
        endpoint_url="http://127.0.0.1:9",
        region="us-east-1",
        access_key_id="a",
        secret_access_key="b",
    )
    request = store.presign_upload("results/1/a", 42, "cd" * 32, 300)
    query = parse_qs(urlsplit(request.url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;host;x-amz-checksum-sha256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert urlsplit(request.url).path == "/bkt/results/1/a"
    assert request.headers == {
        "Content-Length": "42",
        "x-amz-checksum-sha256": sha256_hex_to_base64("cd" * 32),
    }
    get_url = store.presign_get("results/1/a", 60, filename="a.csv")
    assert parse_qs(urlsplit(get_url).query)["response-content-disposition"] == [
        "attachment; filename=\"a.csv\"; filename*=UTF-8''a.csv"
    ]


def test_transient_errors() -> None:
    def client_error(status: int, code: str) -> ClientError:
        return ClientError(
            {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}},  # type: ignore[typeddict-item]
            "PutObject",
        )

    assert is_transient(EndpointConnectionError(endpoint_url="http://x"))
    assert is_transient(client_error(503, "ServiceUnavailable"))
    assert is_transient(client_error(400, "RequestTimeout"))
    assert not is_transient(client_error(403, "AccessDenied"))
    assert not is_transient(ValueError())
    wrapped = S3UploadFailedError("upload failed")
    wrapped.__cause__ = client_error(500, "InternalError")
    assert is_transient(wrapped)
    refused = S3UploadFailedError("upload failed")
    refused.__cause__ = client_error(403, "AccessDenied")
    assert not is_transient(refused)


def test_composite_checksum_is_the_sha256_of_the_part_digests() -> None:
    parts = [hashlib.sha256(b"hello ").hexdigest(), hashlib.sha256(b"world").hexdigest()]
    joined = hashlib.sha256(b"hello ").digest() + hashlib.sha256(b"world").digest()
    expected = base64.b64encode(hashlib.sha256(joined).digest()).decode()
    assert composite_sha256(parts) == f"{expected}-2"
    assert composite_sha256(parts) != composite_sha256(parts[::-1])  # order matters
