"""deploy/server: the example settings are real settings with placeholders the server refuses,
and the bucket lifecycle rule is accepted by an S3 server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest

from molyte.config import ServerSettings
from molyte.errors import ConfigError
from support import ROOT, Moto

SERVER = ROOT / "deploy" / "server"


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (surrounding quotes removed)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().removeprefix('"').removesuffix('"')
    return values


def test_example_env_names_real_settings_and_holds_only_placeholders() -> None:
    path = SERVER / "molyte-server.env.example"
    values = _env_file(path)
    mentioned = set(re.findall(r"\bMOLYTE_([A-Z_]+)=", path.read_text()))  # commented ones too
    fields = {name.upper() for name in ServerSettings.model_fields}
    assert mentioned and mentioned <= fields, mentioned - fields
    assert values["MOLYTE_ENV"] == "production"
    settings = {k.removeprefix("MOLYTE_").lower(): v for k, v in values.items() if "MOLYTE_" in k}
    # As shipped, the server refuses to start: the secret key is a placeholder.
    with pytest.raises(ConfigError, match="MOLYTE_SECRET_KEY"):
        ServerSettings(_env_file=None, **settings)  # type: ignore[call-arg]
    settings["secret_key"] = "s" * 48
    with pytest.raises(ConfigError, match="MOLYTE_DATABASE_URL"):
        ServerSettings(_env_file=None, **settings)  # type: ignore[call-arg]
    # With every placeholder filled in it is a valid production configuration.
    filled = {k: v.replace("CHANGE_ME", "x7-real-value") for k, v in settings.items()}
    ready = ServerSettings(_env_file=None, **filled)  # type: ignore[call-arg]
    assert ready.is_postgres and ready.resolved_storage_url.startswith("s3://molyte-results?")
    assert ready.smtp_from == "Molyte <molyte@example.org>" and ready.smtp_host == ""
    assert {k for k, v in values.items() if "CHANGE_ME" in v} == {
        "MOLYTE_DATABASE_URL",
        "MOLYTE_SECRET_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }


@pytest.mark.s3
def test_bucket_versioning_and_lifecycle_rule_are_accepted(moto: Moto) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="molyte-results")
    s3.put_bucket_versioning(Bucket="molyte-results", VersioningConfiguration={"Status": "Enabled"})
    rules = json.loads((SERVER / "s3-lifecycle.json").read_text())
    s3.put_bucket_lifecycle_configuration(Bucket="molyte-results", LifecycleConfiguration=rules)
    stored = s3.get_bucket_lifecycle_configuration(Bucket="molyte-results")["Rules"]
    by_id = {r["ID"]: r for r in stored}
    assert by_id["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }
    assert by_id["expire-old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
