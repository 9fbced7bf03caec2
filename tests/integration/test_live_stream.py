"""The live dashboard stream over ASGI on a quiet gate: it stays open through 20 s without a change, sending
keep-alive comments (it used to end itself after 15 s with ``async generator raised StopAsyncIteration``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI

from cuakhau.domain.accounts import Role
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import GATE

SILENCE = 21.0  # seconds: more than the 20 s, and two keep-alive intervals (10 s each)


async def _listen(app: FastAPI, path: str, token: str, seconds: float) -> tuple[list[bytes], bool, bool]:
    """Read the stream for ``seconds``, then go away; returns the chunks, whether the stream was still open when
    the reader left, and whether it then ended."""
    chunks: list[bytes] = []
    leave = asyncio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await leave.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"lang=vi",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    served = asyncio.create_task(app(scope, receive, send))
    await asyncio.sleep(seconds)
    open_then = not served.done()
    leave.set()
    await asyncio.wait_for(served, timeout=15)
    return chunks, open_then, served.done()


# The stream does not depend on the database: one 21 s run, on SQLite, is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_quiet_gate_keeps_its_stream_open_with_keepalives(
    ctx: ServiceContext, world: World, app: FastAPI, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    token = token_for(ctx, Role.CUSTOMS_OFFICER, gates=[GATE])
    caplog.set_level(logging.DEBUG)
    chunks, open_then, ended = asyncio.run(_listen(app, f"/gates/{GATE}/dashboard/events", token, SILENCE))
    text = b"".join(chunks).decode()
    assert text.startswith("retry:") and text.count("event: snapshot\n") == 1
    assert "event: patch" not in text  # nothing changed: the silence is real
    assert open_then, "the stream ended by itself on a quiet gate"
    assert text.count(": keep-alive\n\n") == 2, text[-200:]  # at about 10 s and 20 s
    assert ended, "the stream ends when its reader goes away"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "StopAsyncIteration" not in logged and not [r for r in caplog.records if r.levelno >= logging.ERROR]
