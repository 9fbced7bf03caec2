"""Settings from the environment (prefix ``CUAKHAU_``). Nothing is read at import time: call :func:`load`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUAKHAU_", extra="ignore")

    #: SQLite file by default (no set-up); a ``postgresql://`` URL for production.
    database_url: str = "sqlite:///cuakhau.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: Requests with a larger body are refused with 413 before they are read.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    default_language: Literal["vi", "zh", "en"] = "en"
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    #: Where notifications go: an SMS, Zalo or WeChat gateway that accepts signed JSON webhooks.
    #: Unset: notifications are written to the log (the demo does this).
    webhook_url: str | None = None
    #: Shared secret for the HMAC-SHA256 signature header; required when ``webhook_url`` is set.
    webhook_secret: SecretStr | None = None
    #: How often the notification dispatcher looks for due messages.
    notify_poll_seconds: float = Field(default=2.0, gt=0)
    #: Run the notification dispatcher inside each server worker. False when ``cuakhau notify`` runs it in a
    #: process of its own, so that delivery does not take the booking workers' CPU (docs/benchmarks.md).
    notify_in_server: bool = True


def load(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
