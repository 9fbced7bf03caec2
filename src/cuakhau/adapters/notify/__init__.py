"""Notifiers: a signed webhook (the gateway to SMS, Zalo or WeChat) and a log for the demo."""

from __future__ import annotations

from cuakhau.adapters.notify.log import LogNotifier
from cuakhau.adapters.notify.webhook import WebhookNotifier, verify_signature
from cuakhau.config import Settings
from cuakhau.domain.errors import InvalidInput
from cuakhau.services.notifications import Notifier

__all__ = ["LogNotifier", "WebhookNotifier", "build_notifier", "verify_signature"]


def build_notifier(settings: Settings) -> Notifier:
    """The signed webhook when ``CUAKHAU_WEBHOOK_URL`` is set (its secret is then required), else the log."""
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret is not None else ""
        if not secret.strip():
            raise InvalidInput("config.webhook_secret", field="CUAKHAU_WEBHOOK_SECRET")
        return WebhookNotifier(settings.webhook_url, secret)  # ValueError names a URL that is not http(s)
    return LogNotifier()
