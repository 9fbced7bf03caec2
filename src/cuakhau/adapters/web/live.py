"""Live dashboards: one feed per watched gate, fanned out to its subscribers as server-sent events.

A feed holds the gate's last dashboard (the same JSON a fresh page load renders) and a version. It recomputes
when something may have changed and sends each subscriber only the sections that differ, with the new version;
a new subscriber first gets the whole dashboard. So a client that starts from the snapshot and applies every
patch in order holds exactly what a fresh load shows (``tests/integration/test_live_dashboard.py``).

How a feed learns of a change:

* **In this process**: the unit of work calls :meth:`LiveHub.poke` after every commit (a device message applied
  by the web API, a transition, a booking), which wakes every feed at once.
* **From other processes** (``cuakhau devices listen``, another server worker, a CLI command): every
  ``poll_seconds`` a feed reads a cheap change marker (the gate pair's ``gate_activity`` counters, bumped by
  triggers in the transaction of every write to its trips, lane calls, yard visits, reviews, device messages,
  closures and incidents, plus the gates' revision) and recomputes only when it moved.
* Every ``refresh_seconds`` it recomputes anyway, since some figures change with the clock alone (a truck
  passing its wait bound, the hour of the throughput chart).

Whatever the number of viewers of a gate, a change costs one marker read and one dashboard computation for that
gate: the feed computes, its viewers share the result (a subscriber arriving while the first snapshot is being
computed waits for that computation rather than starting its own). A viewer of a quiet gate is sent a
``{"type": "keepalive"}`` message every ``keepalive_seconds`` (the stream writes it as an SSE comment), so its
stream stays open however long nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("cuakhau.web.live")

Snapshot = dict[str, Any]


@dataclass
class _Feed:
    gate_id: str
    subscribers: set[asyncio.Queue[dict[str, Any]]] = field(default_factory=set)
    snapshot: Snapshot | None = None
    computed_at: str | None = None
    version: int = 0
    marker: tuple[object, ...] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    #: One computation at a time per gate: the feed's loop and a first subscriber never compute side by side.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LiveHub:
    """Per-gate feeds of dashboard patches. ``snapshot(gate_id)`` -> (computed_at ISO, sections);
    ``marker(gate_id)`` -> a value that changes with the data. Both are blocking: run in a worker thread."""

    def __init__(
        self,
        snapshot: Callable[[str], tuple[str, Snapshot]],
        marker: Callable[[str], tuple[object, ...]],
        *,
        poll_seconds: float = 0.5,
        refresh_seconds: float = 15.0,
        queue_size: int = 64,
        keepalive_seconds: float = 10.0,
    ) -> None:
        self._snapshot = snapshot
        self._marker = marker
        self.poll_seconds = poll_seconds
        self.refresh_seconds = refresh_seconds
        #: A subscriber sent nothing for this long is sent a keep-alive message.
        self.keepalive_seconds = keepalive_seconds
        self._queue_size = queue_size
        self._feeds: dict[str, _Feed] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def poke(self) -> None:
        """Something was committed: wake every feed (safe from any thread; a no-op before the first subscriber)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for feed in self._feeds.values():
            feed.wake.set()

    async def subscribe(self, gate_id: str) -> AsyncIterator[dict[str, Any]]:
        """Messages for one subscriber: ``{"type": "snapshot", ...}`` first, then ``{"type": "patch", ...}``, and
        ``{"type": "keepalive"}`` after ``keepalive_seconds`` without either. It ends only when closed."""
        self._loop = asyncio.get_running_loop()
        feed = self._feeds.get(gate_id)
        if feed is None:
            feed = self._feeds[gate_id] = _Feed(gate_id)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=self._queue_size)
        try:
            if feed.snapshot is None:
                async with feed.lock:  # the first of several subscribers computes; the others wait for it
                    if feed.snapshot is None:
                        await self._recompute(feed, force=True)
            assert feed.snapshot is not None
            feed.subscribers.add(queue)
            if feed.task is None or feed.task.done():
                feed.task = asyncio.create_task(self._run(feed), name=f"live:{gate_id}")
            yield {
                "type": "snapshot",
                "version": feed.version,
                "computed_at": feed.computed_at,
                "data": feed.snapshot,
            }
            while True:
                try:  # cancelling a queue read loses nothing: the generator itself is never cancelled here
                    message = await asyncio.wait_for(queue.get(), timeout=self.keepalive_seconds)
                except TimeoutError:
                    yield {"type": "keepalive"}
                    continue
                if message["type"] == "resync":  # this subscriber fell behind: start it again from the whole
                    message = {
                        "type": "snapshot",
                        "version": feed.version,
                        "computed_at": feed.computed_at,
                        "data": feed.snapshot,
                    }
                yield message
        finally:
            feed.subscribers.discard(queue)
            if not feed.subscribers and feed.task is not None:
                feed.task.cancel()
                feed.task = None
                self._feeds.pop(gate_id, None)

    async def _run(self, feed: _Feed) -> None:
        loop = asyncio.get_running_loop()
        last_full = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(feed.wake.wait(), timeout=self.poll_seconds)
            poked = feed.wake.is_set()
            feed.wake.clear()
            try:
                due = loop.time() - last_full >= self.refresh_seconds
                async with feed.lock:
                    await self._recompute(feed, force=due or poked)
                if due:
                    last_full = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed read (database restarting) must not end the feed
                log.exception("live feed %s: recompute failed", feed.gate_id)
                await asyncio.sleep(self.poll_seconds)

    async def _recompute(self, feed: _Feed, *, force: bool) -> None:
        marker = await asyncio.to_thread(self._marker, feed.gate_id)
        if not force and marker == feed.marker and feed.snapshot is not None:
            return
        computed_at, fresh = await asyncio.to_thread(self._snapshot, feed.gate_id)
        feed.marker = marker
        old = feed.snapshot
        feed.computed_at = computed_at
        if old is None:
            feed.snapshot = fresh
            return
        changed = {k: v for k, v in fresh.items() if old.get(k) != v}
        removed = [k for k in old if k not in fresh]
        if not changed and not removed:
            return
        feed.snapshot = fresh
        feed.version += 1
        patch = {
            "type": "patch",
            "version": feed.version,
            "computed_at": computed_at,
            "changed": changed,
            "removed": removed,
        }
        for queue in list(feed.subscribers):
            try:
                queue.put_nowait(patch)
            except asyncio.QueueFull:
                # Too slow to keep up: drop its backlog and send it the whole dashboard once.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "resync"})


def apply(state: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """What a client does with a message (the browser's ``dashboard.js`` does the same)."""
    if message["type"] == "snapshot":
        return dict(message["data"])
    if message["type"] == "keepalive":
        return state
    out = dict(state)
    out.update(message["changed"])
    for key in message["removed"]:
        out.pop(key, None)
    return out
