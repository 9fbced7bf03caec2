"""A signed JSON webhook: the gateway to SMS, Zalo or WeChat.

Each notification is one ``POST`` of a JSON object ``{"id", "kind", "created_at", "language", "trip_id",
"booking_id", "enterprise_id", "payload"}`` with the headers

* ``X-Cuakhau-Notification-Id`` — the notification id; the same on every retry, so the receiver de-duplicates on
  it (delivery is at least once);
* ``X-Cuakhau-Timestamp`` — unix seconds when this attempt was signed;
* ``X-Cuakhau-Signature`` — ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with the shared secret.

The receiver checks the signature and refuses stale timestamps (:func:`verify_signature`). Only a 2xx answer
counts as delivered; anything else — another status, a redirect, a timeout, a refused connection — raises
:class:`WebhookError` and the message is retried. Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from cuakhau.adapters.clock import SystemClock
from cuakhau.domain.clock import Clock
from cuakhau.domain.notification import Notification

ID_HEADER = "X-Cuakhau-Notification-Id"
TIMESTAMP_HEADER = "X-Cuakhau-Timestamp"
SIGNATURE_HEADER = "X-Cuakhau-Signature"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_S = 300

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class WebhookError(RuntimeError):
    """The gateway did not accept the notification (the message will be retried)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: str | None,
    body: bytes,
    header: str | None,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """For receivers: True when ``header`` signs ``body`` at ``timestamp`` and that is within ``tolerance_s`` of
    ``now`` (unix seconds, either side). The comparison is constant-time; missing headers are refused."""
    if not secret or timestamp is None or header is None or not _UNIX_SECONDS.fullmatch(timestamp):
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.strip().encode())


def body_of(n: Notification) -> bytes:
    """The JSON body sent for ``n`` (UTF-8, keys sorted)."""
    return json.dumps(
        {
            "id": n.id,
            "kind": n.kind,
            "created_at": n.created_at.isoformat(),
            "language": n.language,
            "trip_id": n.trip_id,
            "booking_id": n.booking_id,
            "enterprise_id": n.enterprise_id,
            "payload": dict(n.payload),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without its body: refuse it, so a 3xx is a failed attempt."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> NoReturn:
        raise WebhookError(f"webhook answered {code} (redirect refused)")


class WebhookNotifier:
    """POST each notification, signed, to ``url``; raise :class:`WebhookError` unless the answer is 2xx.

    ``proxies``: ``None`` follows the environment (``https_proxy`` …); ``{}`` always connects directly.
    ``clock`` dates the signature; it must be real time, since the receiver refuses stale timestamps.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = 5.0,
        *,
        clock: Clock | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the webhook URL must start with http:// or https://")
        if not secret:
            raise ValueError("the webhook secret must not be empty")
        if timeout <= 0:
            raise ValueError("the webhook timeout must be positive")
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self.clock: Clock = clock or SystemClock()
        proxy = urllib.request.ProxyHandler(None if proxies is None else dict(proxies))
        self._opener = urllib.request.build_opener(proxy, _NoRedirect())

    def __repr__(self) -> str:  # never the secret
        return f"WebhookNotifier(url={self.url!r}, timeout={self.timeout})"

    def request_for(self, notification: Notification) -> urllib.request.Request:
        body = body_of(notification)
        timestamp = str(int(self.clock.now().timestamp()))
        return urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                ID_HEADER: notification.id,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            },
        )

    def send(self, notification: Notification) -> None:
        request = self.request_for(notification)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise WebhookError(f"webhook answered {exc.code} {exc.reason}") from None
        except WebhookError:
            raise
        except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, reset, timed out, bad status line …
            raise WebhookError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise WebhookError(f"webhook answered {status}")
