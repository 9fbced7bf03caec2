"""The guarded uvicorn protocols (adapters/web/server.py), httptools and h11 alike, in a server in this process:
a silent connection is closed, half a head or half a body is answered 408 and closed, within the deadlines; a
complete request is served; a request over the concurrency cap gets 503 ``service.busy``."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from cuakhau.adapters.web import server
from tests.e2e.conftest import free_port

TIMEOUT = 0.5


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body") or message["type"] != "http.request":
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


CLASSES = [pytest.param(server.GuardedH11Protocol, id="h11")]
if server.HttpToolsProtocol is not None:
    CLASSES.append(pytest.param(server.GuardedHttpToolsProtocol, id="httptools"))


@pytest.fixture(params=CLASSES)
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    limits = server.HttpLimits(header_timeout=TIMEOUT, body_timeout=TIMEOUT, limit_concurrency=2)
    bound = type("Bound", (request.param,), {"limits": limits})
    port = free_port()
    config = uvicorn.Config(
        echo_app, host="127.0.0.1", port=port, http=bound, loop="asyncio", log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(srv.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(10)


def connect(port: int, first: bytes = b"") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if first:
        s.sendall(first)
    return s


def until_closed(s: socket.socket) -> tuple[float, bytes]:
    started, data = time.monotonic(), b""
    while chunk := s.recv(65536):
        data += chunk
    return time.monotonic() - started, data


def test_deadlines(port: int) -> None:
    silent = connect(port)
    half_head = connect(port, b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: vi\r\nX-")
    half_body = connect(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    with silent, half_head, half_body:
        seconds, data = until_closed(silent)
        assert data == b"" and seconds < TIMEOUT + 2
        for s in (half_head, half_body):
            seconds, data = until_closed(s)
            assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and seconds < TIMEOUT + 2
            assert json.loads(data.partition(b"\r\n\r\n")[2])["error"]["code"] == "request.timeout"
    # a trickled head: each byte in time, the whole too slow
    with connect(port) as trickle:
        started = time.monotonic()
        with pytest.raises(OSError):
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\n" * 4:
                trickle.sendall(bytes([byte]))
                time.sleep(0.05)
        assert time.monotonic() - started < TIMEOUT + 2


def test_complete_requests_are_served_and_the_busy_get_503(port: int) -> None:
    with connect(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello") as s:
        assert until_closed(s)[1].endswith(b"\r\n\r\nhello")
    stalled = [connect(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n") for _ in range(2)]
    time.sleep(0.1)
    with connect(port, b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: zh\r\n\r\n") as s:
        _, data = until_closed(s)
    for s in stalled:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ") and b"retry-after: 2" in head.lower()
    assert json.loads(body)["error"]["code"] == "service.busy"
