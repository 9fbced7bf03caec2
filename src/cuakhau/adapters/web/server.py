"""The HTTP server's guard against slow, idle and crowding clients: uvicorn's protocols with deadlines.

uvicorn bounds only the idle time between two requests of a keep-alive connection (``timeout_keep_alive``). A
client that opens a connection and sends nothing, or sends its request line and headers a byte at a time, or its
body slower than it could, holds the connection — a file descriptor — for as long as it likes; a few hundred such
clients exhaust a process's descriptors and the server stops accepting anyone. ASGI middleware cannot help with the
headers: the app sees a request only once they have all arrived. So the protocol classes below (uvicorn's own, for
httptools and for h11, with a timer) add:

* **a deadline for the request head** (line and headers): ``header_timeout`` seconds from the connection's opening,
  from the end of the previous response, or from the first byte of the request, whichever is last;
* **a deadline for the body**: ``body_timeout`` seconds from the end of the headers to the end of the body, not
  counting time the server itself holds back reading (the app has not taken what was sent);
* **a cap on open connections** (``max_connections``, by default below the process's file-descriptor limit): over
  it, the connection that has waited longest for a request head is closed to make room, so a crowd of idle
  connections cannot keep anyone else out; when every connection is busy with a request, the new one is answered
  503 ``service.busy``;
* **a cap on requests in progress** (``limit_concurrency``): over it a request is answered 503 ``service.busy``
  with ``Retry-After``, in the one error shape (uvicorn's own cap answers in plain text).

A request cut off half-way is answered 408 ``request.timeout`` before the connection is closed; a connection that
sent nothing is closed without a word, like an idle keep-alive connection. A reverse proxy in front (docs/security.md,
"Timeouts and overload") does the same at the edge; these bounds hold whether or not there is one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from cuakhau import i18n
from cuakhau.adapters.web.errors import BUSY_RETRY_AFTER, error_body

if TYPE_CHECKING:
    from cuakhau.config import Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency except on Windows
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

log = logging.getLogger("cuakhau.server")

#: File descriptors each process keeps for other things than client connections: the listening socket, database
#: connections and files, logs, the event loop's own, the notifier's and the exchange's outgoing connections.
FD_RESERVE = 64
_HEAD, _BODY, _APP = "head", "body", "app"
_STATUS = {408: b"HTTP/1.1 408 Request Timeout\r\n", 503: b"HTTP/1.1 503 Service Unavailable\r\n"}


@dataclass(frozen=True, slots=True)
class HttpLimits:
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    #: 0: as many as the file-descriptor limit allows (:func:`connection_budget`).
    max_connections: int = 0
    limit_concurrency: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(
            header_timeout=settings.http_header_timeout_seconds,
            body_timeout=settings.http_body_timeout_seconds,
            max_connections=settings.http_max_connections,
            limit_concurrency=settings.http_limit_concurrency or None,
        )


def connection_budget(configured: int = 0) -> int:
    """Client connections one process may hold: ``configured`` (0: no own limit), but never so many that the
    process runs out of file descriptors and can no longer accept a connection to close an idle one."""
    fd_limit = 0
    if resource is not None:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY:
            fd_limit = max(16, soft - FD_RESERVE)
    if configured and fd_limit:
        return min(configured, fd_limit)
    return configured or fd_limit or 10_000


def _language(headers: list[tuple[bytes, bytes]] | None) -> str:
    for name, value in headers or ():
        if name.lower() == b"accept-language":
            return i18n.negotiate(value.decode("latin-1"))
    return i18n.negotiate(None)


def _error_response(status: int, code: str, language: str, **params: Any) -> bytes:
    body = json.dumps(error_body(language, code, params=params or None), ensure_ascii=False).encode()
    head = [
        _STATUS[status],
        b"content-type: application/json\r\n",
        b"content-length: %d\r\n" % len(body),
        b"content-language: " + language.encode() + b"\r\n",
        b"connection: close\r\n",
    ]
    if "retry_after" in params:
        head.append(b"retry-after: %d\r\n" % params["retry_after"])
    return b"".join([*head, b"\r\n", body])


async def busy_app(scope: Any, receive: Any, send: Any) -> None:
    """The answer to a request over ``limit_concurrency``: 503 ``service.busy`` with Retry-After."""
    language = _language(scope.get("headers"))
    body = json.dumps(
        error_body(language, "service.busy", params={"retry_after": BUSY_RETRY_AFTER}), ensure_ascii=False
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"content-language", language.encode()),
        (b"retry-after", str(BUSY_RETRY_AFTER).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Guard:
    """The deadlines and the connection cap, over either of uvicorn's protocol classes (see the module doc)."""

    #: None: read from the environment's settings once per process (``cuakhau serve --workers N``).
    limits: ClassVar[HttpLimits | None] = None
    _process_limits: ClassVar[HttpLimits | None] = None
    _budget: ClassVar[int | None] = None

    # provided by uvicorn's protocol class
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    connections: set[Any]
    tasks: set[Any]
    app: Any
    headers: list[tuple[bytes, bytes]]
    cycle: Any
    flow: Any
    timeout_keep_alive: int

    def _guard_init(self) -> None:
        cls = type(self)
        if cls.limits is None and _Guard._process_limits is None:
            from cuakhau.config import Settings

            _Guard._process_limits = HttpLimits.from_settings(Settings())
        self._limits: HttpLimits = cls.limits or _Guard._process_limits or HttpLimits()
        if _Guard._budget is None:
            _Guard._budget = connection_budget(self._limits.max_connections)
        self._app = self.app
        self._timer: asyncio.TimerHandle | None = None
        self._phase = _HEAD
        self._partial = False  # bytes of the awaited request head have arrived
        self._waiting_since = 0.0

    # --- phases -------------------------------------------------------------------------------------------

    def _to_head(self, *, idle: float = 0.0) -> None:
        """Waiting for a request head: on opening, and after a response when nothing else is pending (``idle``:
        uvicorn's keep-alive timeout then closes the connection first, unless a request begins)."""
        self._phase, self._partial = _HEAD, False
        self._waiting_since = self.loop.time()
        self._arm(max(self._limits.header_timeout, idle), self._head_late)

    def _first_byte(self) -> None:
        if self._phase == _HEAD and not self._partial:
            self._partial = True
            self._arm(self._limits.header_timeout, self._head_late)

    def _to_body(self) -> None:
        self._phase = _BODY
        self._arm(self._limits.body_timeout, self._body_late)

    def _to_app(self) -> None:
        self._phase = _APP
        self._disarm()
        if self.cycle is not None and self.cycle.response_complete:  # answered before its body was all in
            self._to_head(idle=self.timeout_keep_alive + 1)

    def _busy(self) -> bool:
        limit = self._limits.limit_concurrency
        return limit is not None and len(self.tasks) >= limit

    # --- timers -------------------------------------------------------------------------------------------

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_late(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._phase != _HEAD:
            return
        if self._partial:
            log.info("request head not received within %ss: connection closed", self._limits.header_timeout)
            self._refuse(408, "request.timeout")
        else:
            self.transport.close()

    def _body_late(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._phase != _BODY:
            return
        if self.flow.read_paused:  # the app has not taken what came: the wait is ours, not the client's
            self._arm(self._limits.body_timeout, self._body_late)
            return
        log.info("request body not received within %ss: connection closed", self._limits.body_timeout)
        if self.cycle is not None and not self.cycle.response_started:
            self._refuse(408, "request.timeout")
        else:
            self.transport.close()

    def _refuse(self, status: int, code: str, **params: Any) -> None:
        language = _language(self.headers if self._phase != _HEAD or self._partial else None)
        self.transport.write(_error_response(status, code, language, **params))
        self.transport.close()

    # --- the connection cap -------------------------------------------------------------------------------

    def _make_room(self) -> None:
        budget = _Guard._budget or 0
        if len(self.connections) <= budget:
            return
        waiting = [
            c
            for c in self.connections
            if isinstance(c, _Guard) and c is not self and c._phase == _HEAD and not c.transport.is_closing()
        ]
        open_now = sum(1 for c in self.connections if not getattr(c, "transport", None) or not c.transport.is_closing())
        if open_now <= budget:
            return
        if waiting:
            oldest = min(waiting, key=lambda c: c._waiting_since)
            log.info("%d connections open (at most %d): closing the one idle longest", open_now, budget)
            oldest._phase = _APP  # no longer counted as waiting; its timer is moot
            oldest._disarm()
            if oldest._partial:
                oldest._refuse(408, "request.timeout")
            else:
                oldest.transport.close()
        else:
            log.warning("%d connections open (at most %d), all busy: new connection refused", open_now, budget)
            self._phase = _APP
            self._disarm()
            self._refuse(503, "service.busy", retry_after=BUSY_RETRY_AFTER)


if HttpToolsProtocol is not None:

    class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
        """uvicorn's httptools protocol with the deadlines and caps of :class:`_Guard`."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._guard_init()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._to_head()
            self._make_room()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            self._first_byte()
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._to_body()  # until on_message_complete, called at once when there is no body
            if self._busy():
                self.app = busy_app
            try:
                super().on_headers_complete()
            finally:
                self.app = self._app

        def on_message_complete(self) -> None:
            super().on_message_complete()
            if self._phase == _BODY:
                self._to_app()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._phase == _APP and not self.pipeline and not self.transport.is_closing():
                self._to_head(idle=self.timeout_keep_alive + 1)

        def handle_websocket_upgrade(self) -> None:
            self._to_app()
            super().handle_websocket_upgrade()


class GuardedH11Protocol(_Guard, H11Protocol):
    """uvicorn's h11 protocol (where httptools is not installed) with the deadlines and caps of :class:`_Guard`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard_init()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._to_head()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._first_byte()
        super().data_received(data)

    def handle_events(self) -> None:
        if self._phase == _HEAD and self._busy():
            self.app = busy_app
        try:
            super().handle_events()
        finally:
            self.app = self._app
        state = self.conn.their_state
        if state is h11.SEND_BODY and self._phase == _HEAD:
            self._to_body()
        elif state is not h11.IDLE and state is not h11.SEND_BODY and self._phase != _APP:
            self._to_app()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._phase == _APP and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._to_head(idle=self.timeout_keep_alive + 1)


def protocol_class(limits: HttpLimits | None = None) -> type[asyncio.Protocol]:
    """The guarded protocol class for this platform; ``limits`` bound to it (None: from the environment)."""
    base: type[_Guard] = GuardedHttpToolsProtocol if HttpToolsProtocol is not None else GuardedH11Protocol
    if limits is None:
        return base  # type: ignore[return-value]
    return type(base.__name__, (base,), {"limits": limits})


def protocol_path() -> str:
    """The import path of the guarded class, for worker processes that build their own (``--workers N``)."""
    name = "GuardedHttpToolsProtocol" if HttpToolsProtocol is not None else "GuardedH11Protocol"
    return f"{__name__}:{name}"
