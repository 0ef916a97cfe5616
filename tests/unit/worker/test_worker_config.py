"""The worker's YAML: the seed's format is read unchanged; mistakes name the key's path."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from molyte.errors import ConfigError
from molyte.worker.config import load_config, parse_config, server_root

ROOT = Path(__file__).resolve().parents[3]

SEED = """
api:
  base_url: https://molyte.example.org
  worker_token: tok-123
  poll_interval: 30
  verify_ssl: true
cos:
  secret_id: SID
  secret_key: SKEY
  region: ap-shanghai
  bucket: results-1250000000
local:
  md_work_dir: /data/molyte/md
  qc_work_dir: /data/molyte/qc
  lammps_bin: lmp_mpi
  gaussian_bin: /opt/g16/g16
  conda_env: molyte
worker:
  name: hpc-login01
  max_concurrent_jobs: 8
  heartbeat_interval: 300
"""


def test_seed_config_is_read_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(SEED)
    cfg = load_config(path)
    assert cfg.api.base_url == "https://molyte.example.org"
    assert cfg.api.poll_interval == 30 and cfg.verify is True
    assert cfg.cos is not None and cfg.cos.usable and cfg.cos.region == "ap-shanghai"
    assert cfg.local.lammps_bin == "lmp_mpi" and cfg.local.conda_env == "molyte"
    assert cfg.worker.heartbeat_interval == 300 and cfg.worker.max_concurrent_jobs == 8
    assert cfg.scheduler.type == "slurm"  # the optional section's default
    assert cfg.work_dir("QC") == Path("/data/molyte/qc")
    assert cfg.worker.cluster is None and cfg.partitions == []  # no routing by default


def test_cluster_and_partitions_a_worker_offers() -> None:
    cfg = parse_config(
        {
            "api": {"base_url": "https://x", "worker_token": "t"},
            "worker": {"name": "w1", "cluster": "hpc-b"},
            "scheduler": {"partition": "cpu", "partitions": ["gpu", "cpu", "bigmem"]},
        }
    )
    assert cfg.worker.cluster == "hpc-b"
    assert cfg.partitions == ["cpu", "gpu", "bigmem"]  # the default first, no repeats


def test_example_config_in_deploy_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOLYTE_WORKER_TOKEN", "from-env")
    cfg = load_config(ROOT / "deployment" / "polling_worker_config.example.yaml")
    assert cfg.api.worker_token == "from-env"


@pytest.mark.parametrize(
    "patch,message",
    [
        (
            {"api": {"base_url": "https://x", "worker_token": "t", "verfy_ssl": False}},
            "api.verfy_ssl: Extra inputs are not permitted",
        ),
        (
            {"api": {"base_url": "https://x", "worker_token": "t", "poll_interval": "often"}},
            "api.poll_interval",
        ),
        (
            {
                "api": {"base_url": "https://x", "worker_token": "t"},
                "scheduler": {"type": "torque"},
            },
            "scheduler.type",
        ),
        (
            {
                "api": {"base_url": "https://x", "worker_token": "t"},
                "scheduler": {"modules": ["lammps; rm -rf /"]},
            },
            "scheduler.modules.0",
        ),
        ({"api": {"base_url": "https://x"}}, "worker_token is missing"),
        (
            {
                "api": {"base_url": "https://x", "worker_token": "t"},
                "worker": {"name": "w1", "cluster": "a b"},
            },
            "worker.cluster",
        ),
        (
            {
                "api": {"base_url": "https://x", "worker_token": "t"},
                "scheduler": {"partitions": ["gpu", "-x"]},
            },
            "scheduler.partitions.1",
        ),
        ({"api": {"base_url": "ftp://x", "worker_token": "t"}}, "api.base_url"),
    ],
)
def test_mistakes_name_the_key(patch: dict[str, object], message: str) -> None:
    data = {"worker": {"name": "w1"}, **patch}
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert message in err.value.message


def test_secrets_from_environment_and_tls_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MOLYTE_WORKER_TOKEN", "env-token")
    monkeypatch.setenv("MOLYTE_COS_SECRET_KEY", "env-key")
    with caplog.at_level(logging.WARNING):
        cfg = parse_config(
            {
                "api": {"base_url": "https://x", "verify_ssl": False},
                "worker": {"name": "w1"},
                "cos": {"secret_id": "id", "region": "ap-beijing", "bucket": "b"},
            }
        )
    assert cfg.api.worker_token == "env-token"
    assert cfg.cos is not None and cfg.cos.secret_key == "env-key"
    assert cfg.verify is False
    assert "NOT checked" in caplog.text
    assert "env-token" not in caplog.text and "env-key" not in caplog.text


@pytest.mark.parametrize(
    "base_url",
    [
        "https://host.example",
        "https://host.example/",
        "https://host.example/api/v1",
        "https://host.example/api/v1/",
    ],
)
def test_base_url_with_or_without_the_api_prefix_means_the_server(base_url: str) -> None:
    cfg = parse_config(
        {"api": {"base_url": base_url, "worker_token": "t"}, "worker": {"name": "w"}}
    )
    assert cfg.api.base_url == "https://host.example"
    assert server_root("https://host.example/molyte/api/v1") == "https://host.example/molyte"
