"""The one place that reads the environment.

Every value has a safe embedded default, so a new user can run the product with no configuration at all.
Nothing here connects to anything: engines and transports are built by the composition root
(`flows/bootstrap.py`) from a Settings instance.
"""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.timezone import DEFAULT_TIMEZONE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LINEOFSIGHT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite:///lineofsight.db",
        description="SQLAlchemy URL. SQLite (embedded, the default) or postgresql+psycopg://user@host/db.",
    )
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="Zone for 'today' and naive times.")
    smtp_url: SecretStr | None = Field(
        default=None,
        description="smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465.",
    )
    mail_from: str = Field(
        default="lineofsight@example.org",
        description="The sender: an address, or a name and address ('Line of Sight <los@council.example>').",
    )
    outbox_dir: Path = Field(default=Path("outbox"), description="Where messages go with no transport.")
    packs_dir: Path = Field(default=Path("board_packs"), description="Where board packs (PDF and HTML) go.")
    teams_verify_tls: bool = Field(default=True, description="Check the Workflows endpoint's certificate.")
    policy_file: Path | None = Field(
        default=None, description="The escalation policy (default: the packaged one)."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The address of `lineofsight web` that links in messages name (https in production).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs links in messages: 32 or more random characters, kept secret (`doctor` checks).",
    )
    link_days: int = Field(default=21, ge=1, le=90, description="How many days a link in a message works.")
    link_rate_limit: int = Field(
        default=30, ge=1, le=100_000, description="Requests a minute one link may make of each web process."
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Addresses of the proxies whose X-Forwarded-* headers `lineofsight web` believes.",
    )
    prefect_api_url: str | None = Field(
        default=None,
        validation_alias="PREFECT_API_URL",  # Prefect's own name: one variable tells both where the API is
        description="The Prefect server `lineofsight serve` schedules on (http://127.0.0.1:4200/api).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # Checked here, or a misspelt zone surfaces later as a baffling complaint about a date.
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):  # not found, or not even shaped like a zone name
            raise ValueError(f"{value!r} is not a time zone name such as {DEFAULT_TIMEZONE}") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _a_web_address(cls, value: str) -> str:
        url = urlparse(value.strip())
        if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
            raise ValueError(
                f"{value!r} is not a web address such as https://lineofsight.council.example.org"
            )
        return value.strip().rstrip("/")

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str) -> str:
        _, address = parseaddr(value)
        local, at, domain = address.rpartition("@")
        if not (local and at and domain) or any(c.isspace() for c in address):
            raise ValueError(f"{value!r} is not an email address such as lineofsight@council.example.org")
        return value
