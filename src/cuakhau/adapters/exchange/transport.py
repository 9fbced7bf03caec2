"""HTTP transport of the exchange: POST the signed envelope to the peer's inbox (standard library, like the
webhook notifier). 2xx means the peer has the message; so does 409 ``exchange.replayed`` (it had it already —
our earlier attempt arrived but its answer was lost). Anything else is a failed attempt, retried later."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from cuakhau.domain.exchange import FINAL_REFUSALS
from cuakhau.services.exchange import DeliveryFailed, DeliveryRejected


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> NoReturn:
        raise DeliveryFailed(f"peer answered {code} (redirect refused)")


class HttpTransport:
    def __init__(self, timeout: float = 5.0, *, proxies: Mapping[str, str] | None = None) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        # The peer is reached directly unless proxies are given: an environment proxy must not sit in between.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(dict(proxies or {})), _NoRedirect())

    def post(self, url: str, document: Mapping[str, Any]) -> None:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json", "Accept-Language": "en"}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            detail = _error_code(exc)
            exc.close()
            if exc.code == 409 and detail == "exchange.replayed":
                return  # the peer already has it
            if detail in FINAL_REFUSALS:
                raise DeliveryRejected(f"peer refused {exc.code} {detail}") from None
            raise DeliveryFailed(f"peer answered {exc.code} {detail or exc.reason}") from None
        except DeliveryFailed:
            raise
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise DeliveryFailed(f"peer unreachable: {type(exc).__name__}: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"peer answered {status}")


def _error_code(exc: urllib.error.HTTPError) -> str | None:
    try:
        data = json.loads(exc.read(64 * 1024) or b"{}")
        code = data.get("error", {}).get("code")
    except (ValueError, AttributeError, OSError, http.client.HTTPException):
        return None
    return code if isinstance(code, str) else None
