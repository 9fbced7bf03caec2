"""Slow, idle and crowding clients against a real ``cuakhau serve`` process on 127.0.0.1.

Hundreds of connections that send half a request head, a head and half a body, nothing at all, or one request and
then nothing, are closed by the server within the configured timeouts while a normal client is served meanwhile.
With a low file-descriptor limit, a crowd of idle connections no longer keeps other clients out, and requests over
the concurrency cap are answered 503 ``service.busy`` in the one error shape. Bounded in count and time.
"""

from __future__ import annotations

import json
import resource
import selectors
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.migrate import upgrade
from tests.e2e.conftest import free_port, running

pytestmark = pytest.mark.e2e

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
KEEP_ALIVE = 1
SLACK = 4.0  # two shared cores: the server's timers fire late under load

HALF_HEAD = b"GET /api/v1/gates HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Lang"
HALF_BODY = (
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b'Accept-Language: zh\r\nContent-Length: 64\r\n\r\n{"username": '
)
FULL_GET = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'slow.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def env(url: str, **settings: object) -> dict[str, str]:
    return {
        "CUAKHAU_DATABASE_URL": url,
        "CUAKHAU_NOTIFY_IN_SERVER": "false",
        "CUAKHAU_LOG_LEVEL": "warning",
        **{f"CUAKHAU_{k.upper()}": str(v) for k, v in settings.items()},
    }


@contextmanager
def sockets(port: int, count: int, first: bytes = b"") -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if first:
                s.sendall(first)
            opened.append(s)
        yield opened
    finally:
        for s in opened:
            s.close()


def read_until_closed(socks: list[socket.socket], within: float) -> dict[socket.socket, tuple[float, bytes]]:
    """Read every socket until the server closes it or ``within`` seconds pass: {socket: (seconds, data)}."""
    start = time.monotonic()
    data = {s: b"" for s in socks}
    closed: dict[socket.socket, tuple[float, bytes]] = {}
    with selectors.DefaultSelector() as sel:
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while len(closed) < len(socks):
            left = start + within - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                s = key.fileobj
                assert isinstance(s, socket.socket)
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    chunk = b""
                if chunk:
                    data[s] += chunk
                else:
                    sel.unregister(s)
                    closed[s] = (time.monotonic() - start, data[s])
    return closed


def error_of(raw: bytes) -> tuple[int, dict[str, object], dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), json.loads(body)["error"], headers


def test_slow_and_idle_connections_are_closed_in_time_and_others_are_served(tmp_path: Path) -> None:
    port = free_port()
    settings = env(
        migrated(tmp_path),
        http_header_timeout_seconds=HEADER_TIMEOUT,
        http_body_timeout_seconds=BODY_TIMEOUT,
        http_keep_alive_seconds=KEEP_ALIVE,
    )
    with (
        running(["serve", "--port", str(port)], cwd=tmp_path, port=port, env=settings) as api,
        sockets(port, 60) as idle,
        sockets(port, 80, HALF_HEAD) as half_head,
        sockets(port, 40, HALF_BODY) as half_body,
        sockets(port, 20, FULL_GET) as kept_alive,
    ):
        opened = time.monotonic()
        # A normal client is served while 200 connections stall.
        for _ in range(5):
            started = time.monotonic()
            r = api.get("/api/v1/gates")
            assert r.status_code == 200 and time.monotonic() - started < 5
        closed = read_until_closed(idle + half_head + half_body + kept_alive, within=BODY_TIMEOUT + SLACK + 5)
        waited = time.monotonic() - opened

        assert len(closed) == 200, f"{200 - len(closed)} connections still open after {waited:.1f}s"
        for s in idle:
            seconds, data = closed[s]
            assert data == b"" and seconds <= HEADER_TIMEOUT + SLACK
        for s in half_head:
            seconds, data = closed[s]
            status, error, headers = error_of(data)
            assert (status, error["code"], headers["connection"]) == (408, "request.timeout", "close")
            assert seconds <= HEADER_TIMEOUT + SLACK
        for s in half_body:
            seconds, data = closed[s]
            status, error, headers = error_of(data)
            assert (status, error["code"], headers["content-language"]) == (408, "request.timeout", "zh")
            assert "请求发送过慢" in str(error["message"])
            assert seconds <= BODY_TIMEOUT + SLACK
        for s in kept_alive:
            seconds, data = closed[s]
            assert data.startswith(b"HTTP/1.1 200 ") and seconds <= KEEP_ALIVE + SLACK
        # and the server is still there for everyone else
        assert api.get("/healthz").status_code == 200


def _low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


FD_LIMIT = 160  # the server keeps 64 for itself: at most 96 client connections


def test_with_few_file_descriptors_an_idle_crowd_no_longer_keeps_others_out(tmp_path: Path) -> None:
    """One client holds 250 idle connections open (the head timeout is long: 60 s) on a server allowed 160 file
    descriptors. Each new connection over the budget closes the one idle longest, so a normal client still gets
    in and is served. Then requests over the concurrency cap get 503 service.busy with Retry-After."""
    port = free_port()
    settings = env(
        migrated(tmp_path),
        http_header_timeout_seconds=60,
        http_body_timeout_seconds=BODY_TIMEOUT,
        http_limit_concurrency=3,
    )
    with running(
        ["serve", "--port", str(port)], cwd=tmp_path, port=port, env=settings, preexec_fn=_low_fd_limit
    ) as api:
        with sockets(port, 250) as crowd:
            time.sleep(1)  # the server accepts what it can
            started = time.monotonic()
            r = httpx2.get(f"http://127.0.0.1:{port}/api/v1/gates", timeout=15)
            assert r.status_code == 200, r.text
            assert time.monotonic() - started < 10
            evicted = read_until_closed(crowd, within=3)
            assert len(evicted) >= 250 - (FD_LIMIT - 64)  # the oldest idle ones made room

        # Three requests waiting for their bodies are in progress: a fourth is answered 503 busy.
        with sockets(port, 3, HALF_BODY) as stalled:
            time.sleep(0.5)
            r = api.get("/api/v1/gates", headers={"Accept-Language": "vi"})
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == "2"
            assert r.json()["error"]["code"] == "service.busy" and "quá tải" in r.json()["error"]["message"]
            read_until_closed(stalled, within=BODY_TIMEOUT + SLACK)
        assert api.get("/api/v1/gates").status_code == 200
