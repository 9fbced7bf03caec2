"""The request id: ``X-Request-ID`` accepted from the client (or the proxy in front) when it is a plausible id,
else generated; set as the logging context of everything the request causes (``adapters/logs.py``) and returned
on every answer, 500s included.

When the answer is complete, one access line (logger ``cuakhau.access``) gives the method, the path (never the
query string, which may carry a secret), the status, the duration and the client, with the request id and the
account (uvicorn's own access log is turned off for it).

An accepted id is 1 to 128 characters of letters, digits and ``-._:``; anything else (too long, spaces, control
characters, another charset) is replaced by a new one, so a client cannot forge log lines through it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuakhau.adapters import logs

log = logging.getLogger("cuakhau.access")

HEADER = b"x-request-id"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(raw: bytes | None) -> str:
    """The incoming id if it is valid, else a new one."""
    if raw is not None:
        text = raw.decode("latin-1")
        if VALID.fullmatch(text):
            return text
    return logs.new_id()


class RequestId:
    """Pure ASGI middleware (streams pass through): the request's logging context and its ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope.get("headers") or () if name.lower() == HEADER), None)
        request_id = request_id_of(incoming)
        scope.setdefault("state", {})["request_id"] = request_id

        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                raw = [(n, v) for n, v in message.get("headers") or () if n.lower() != HEADER]
                message = {**message, "headers": [*raw, (HEADER, request_id.encode("latin-1"))]}
            await send(message)

        with logs.scope(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                client = scope.get("client")
                log.info(
                    "%s %s %d",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": client[0] if client else None,
                    },
                )


def install(app: FastAPI) -> None:
    """Wrap the whole middleware stack (outside the security headers and Starlette's error middleware), so the
    500 answer of an unexpected error and its log line carry the id too."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_id() -> ASGIApp:
        return RequestId(build())

    app.build_middleware_stack = build_with_id  # type: ignore[method-assign]
