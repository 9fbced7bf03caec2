"""Refuse request bodies over the limit before they are read into memory, and JSON too deep or too big before it
is parsed."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuakhau import i18n
from cuakhau.adapters.bounds import MAX_JSON_DEPTH, MAX_JSON_ITEMS, json_shape
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
        await refuse(send, 413, language, "request.too_large", {"max_bytes": self.max_bytes})


async def refuse(send: Send, status: int, language: str, code: str, params: dict[str, int]) -> None:
    """Answer in the one error shape, from a middleware (before any route runs)."""
    body = json.dumps(error_body(language, code, params=params), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"content-language", language.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _is_json(content_type: bytes | None) -> bool:
    """What FastAPI parses as JSON: no content type, ``application/json`` or ``application/*+json``."""
    if not content_type:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


class JsonShapeLimit:
    """Pure ASGI middleware: a JSON body nested deeper than ``max_depth`` (422 ``request.too_deep``) or holding
    more than ``max_items`` values (413 ``request.too_many_items``) is refused before any parser sees it.

    It reads the body (already bounded by :class:`BodySizeLimit`, which must wrap it) and hands it on whole.
    ``exempt`` paths check their own bodies with :func:`~cuakhau.adapters.bounds.json_shape` (the exchange inbox,
    which logs every refusal).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_depth: int = MAX_JSON_DEPTH,
        max_items: int = MAX_JSON_ITEMS,
        exempt: frozenset[str] = frozenset(),
    ) -> None:
        self.app, self.max_depth, self.max_items, self.exempt = app, max_depth, max_items, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not _is_json(headers.get(b"content-type")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = json_shape(body, max_depth=self.max_depth, max_items=self.max_items)
        if problem is not None:
            language = i18n.negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
            if problem == "depth":
                await refuse(send, 422, language, "request.too_deep", {"max_depth": self.max_depth})
            else:
                await refuse(send, 413, language, "request.too_many_items", {"max_items": self.max_items})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI lets HTTPExceptions through its body parser untouched."""

    def __init__(self) -> None:
        super().__init__(status_code=413)
