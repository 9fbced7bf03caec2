"""A fault-injecting HTTP proxy on 127.0.0.1 (asyncio): drops, duplicates, reorders and delays requests.

It reads one HTTP/1.1 request per connection (the exchange sender closes after each), then, with seeded odds:

* **drop** — close the client's connection without forwarding (the message never arrives);
* **lose the answer** — forward, then close without answering (it arrives; the sender thinks it did not);
* **duplicate** — forward twice (the receiver sees the same message twice);
* **reorder** — close the client's connection at once but forward the request later, after the next request
  passed (or within a second): it arrives after messages sent after it, and the sender also retries it;
* **delay** — wait up to ``max_delay`` seconds before forwarding.

Everything else is forwarded as is. Counters say what happened, so a test can check faults really occurred.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Odds:
    drop: float = 0.12
    lose_answer: float = 0.10
    duplicate: float = 0.10
    reorder: float = 0.10
    delay: float = 0.20
    max_delay: float = 0.4


class FaultProxy:
    def __init__(self, listen_port: int, upstream_port: int, *, seed: int, odds: Odds = Odds()) -> None:
        self.listen_port = listen_port
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.odds = odds
        self.counts: Counter[str] = Counter()
        self.enabled = True
        self._held: list[bytes] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for request in self._held:  # nothing held is lost for good: it is what a slow network still delivers
            await self._forward(request)
        self._held.clear()

    async def _read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            return None
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = await reader.readexactly(length) if length else b""
        return head + body

    async def _forward(self, request: bytes) -> bytes:
        """Send the request upstream; the whole answer (b"" when upstream is down)."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self.counts["upstream_down"] += 1
            return b""
        try:
            writer.write(request)
            await writer.drain()
            return await asyncio.wait_for(reader.read(-1), 15)
        except (OSError, TimeoutError):
            self.counts["upstream_error"] += 1
            return b""
        finally:
            writer.close()

    async def _release_held(self, delay: float) -> None:
        await asyncio.sleep(delay)
        while self._held:
            await self._forward(self._held.pop(0))
            self.counts["reordered_delivered"] += 1

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            self.counts["requests"] += 1
            fault = self._pick() if self.enabled else "pass"
            self.counts[fault] += 1
            if fault == "drop":
                return
            if fault == "reorder":
                self._held.append(request)
                self._tasks.add(asyncio.ensure_future(self._release_held(self.rng.uniform(0.2, 1.0))))
                return
            if fault == "delay":
                await asyncio.sleep(self.rng.uniform(0, self.odds.max_delay))
            answer = await self._forward(request)
            if self._held:  # a later request went through: the held one may follow it now
                self._tasks.add(asyncio.ensure_future(self._release_held(0.05)))
            if fault == "duplicate":
                await self._forward(request)
            if fault == "lose_answer" or not answer:
                return
            writer.write(answer)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            self.counts["client_error"] += 1
        finally:
            writer.close()

    def _pick(self) -> str:
        x = self.rng.random()
        for name in ("drop", "lose_answer", "duplicate", "reorder", "delay"):
            p = getattr(self.odds, name)
            if x < p:
                return name
            x -= p
        return "pass"
