"""Settings: one typed object per process.

`ServerSettings` comes from the environment (prefix `MOLYTE_`). The worker's settings come from
its YAML file (see `molyte.worker.config`).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from molyte.errors import ConfigError

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "CHANGE_ME", "<secret>"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServerSettings(BaseSettings):
    """The API server's settings, from `MOLYTE_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="MOLYTE_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".molyte")
    database_url: str = ""
    storage_url: str = ""
    secret_key: str = ""
    # Previous signing keys still accepted for verifying tokens (key rotation), comma separated.
    previous_secret_keys: str = ""

    access_token_minutes: int = Field(default=12 * 60, ge=1)
    lease_seconds: float = Field(default=600, gt=0)
    grace_seconds: float = Field(default=1800, ge=0)
    worker_offline_seconds: float = Field(default=900, gt=0)
    sweep_interval_seconds: float = Field(default=10, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    claim_max_wait_seconds: float = Field(default=60, ge=0)
    max_claim_limit: int = Field(default=200, ge=1)
    # Jobs one study may create (the product of its variables' value counts).
    max_study_points: int = Field(default=200, ge=1, le=10_000)
    # Leased jobs a user may have at once when the account sets no limit; 0: no limit.
    default_max_running_jobs: int = Field(default=0, ge=0)
    # Submission quotas of an account that sets none (0: no limit): jobs waiting at once, and
    # jobs submitted in any 60 seconds. Beyond either, POST /jobs answers 429.
    default_max_pending_jobs: int = Field(default=1000, ge=0)
    default_max_submissions_per_minute: int = Field(default=120, ge=0)
    # POST /jobs/validate builds a preview (RDKit, composition): at most this many per user
    # per minute; a preview already built for the same request is answered from a cache.
    validations_per_minute: int = Field(default=30, ge=1)

    # Failed sign-ins per (account, address) in the window; an address gets 5x this over all
    # accounts. Past it, from all addresses, the account is slowed down for addresses that
    # have not signed in to it before: the slowdown, doubled per failure, up to the delay.
    login_max_failures: int = Field(default=10, ge=1)
    login_window_seconds: float = Field(default=300, gt=0)
    login_slowdown_seconds: float = Field(default=1, ge=0)
    login_max_delay_seconds: float = Field(default=60, ge=0)
    # Entries each per-key table in server memory (login throttles, caches) may hold.
    memory_table_entries: int = Field(default=10_000, ge=100)
    password_min_length: int = Field(default=8, ge=1)

    result_url_seconds: int = Field(default=900, ge=10)
    multipart_threshold_bytes: int = Field(default=64 * 1024 * 1024, ge=5 * 1024 * 1024)
    max_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)

    cors_origins: str = ""  # comma separated; empty: same origin only
    serve_ui: bool = True
    # The address users open, e.g. https://molyte.example.org; links in notifications.
    public_url: str = ""

    # Notifications (each channel is off while its host or URL is empty).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    webhook_url: str = ""
    webhook_secret: str = ""

    @model_validator(mode="after")
    def _production_secrets(self) -> Self:
        if self.env is Environment.PRODUCTION:
            if self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
                raise ConfigError(
                    "MOLYTE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production"
                )
            if not self.database_url:
                raise ConfigError("MOLYTE_DATABASE_URL must be set in production")
            optional = {
                "MOLYTE_SMTP_PASSWORD": self.smtp_password,
                "MOLYTE_WEBHOOK_SECRET": self.webhook_secret,
            }
            for name, value in optional.items():
                if value and value in PLACEHOLDER_SECRETS:
                    raise ConfigError(f"{name} is still a placeholder in production")
            if "CHANGE_ME" in self.database_url:
                raise ConfigError("MOLYTE_DATABASE_URL still contains the placeholder CHANGE_ME")
        return self

    @model_validator(mode="after")
    def _notifications(self) -> Self:
        if self.smtp_host and not self.smtp_from:
            raise ConfigError("MOLYTE_SMTP_FROM must be set when MOLYTE_SMTP_HOST is")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ConfigError("MOLYTE_WEBHOOK_URL must be an http:// or https:// URL")
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise ConfigError("MOLYTE_PUBLIC_URL must be an http:// or https:// URL")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL; a plain `postgresql://` URL is given the psycopg 3 driver."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'molyte.db').resolve()}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.data_dir / 'objects').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")

    @property
    def signing_key(self) -> str:
        """The secret key; on the embedded default it is generated once and kept on disk."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @property
    def verification_keys(self) -> list[str]:
        return [self.signing_key] + [k for k in self.previous_secret_keys.split(",") if k]

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


@lru_cache
def get_settings() -> ServerSettings:
    """The process's settings (read once)."""
    return ServerSettings()
