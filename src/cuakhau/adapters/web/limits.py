"""Refuse request bodies over the limit before they are read into memory."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuakhau import i18n
from cuakhau.adapters.web.errors import error_body


class BodySizeLimit:
    """Pure ASGI middleware: checks ``Content-Length`` and counts streamed bytes (chunked bodies too)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = i18n.negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, language)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, language)

    async def _refuse(self, send: Send, language: str) -> None:
        body = json.dumps(
            error_body(language, "request.too_large", params={"max_bytes": self.max_bytes}),
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"content-language", language.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI lets HTTPExceptions through its body parser untouched."""

    def __init__(self) -> None:
        super().__init__(status_code=413)
