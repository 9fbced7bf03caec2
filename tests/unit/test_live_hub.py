"""The live hub on its own (no database): patches carry only changed sections, every subscriber converges to the
latest dashboard, a subscriber too slow to keep up is resynchronised, and an idle feed stops."""

from __future__ import annotations

import asyncio
from typing import Any

from cuakhau.adapters.web.live import LiveHub, apply


class Source:
    """A dashboard that changes when told to; counts how often it was computed."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {"stages": {"arrived": 0}, "yards": [1], "reviews": {"open": 0}}
        self.version = 0
        self.computed = 0

    def snapshot(self, gate_id: str) -> tuple[str, dict[str, Any]]:
        self.computed += 1
        return f"t{self.version}", {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in self.data.items()}

    def marker(self, gate_id: str) -> tuple[object, ...]:
        return (self.version,)

    def change(self, arrived: int) -> None:
        self.data["stages"]["arrived"] = arrived
        self.version += 1


def test_patches_carry_changed_sections_and_converge() -> None:
    async def scenario() -> None:
        source = Source()
        hub = LiveHub(source.snapshot, source.marker, poll_seconds=0.01, refresh_seconds=3600)
        feed = hub.subscribe("vn-chi-ma")
        first = await anext(feed)
        assert first["type"] == "snapshot" and first["version"] == 0
        state = apply({}, first)
        source.change(3)
        patch = await asyncio.wait_for(anext(feed), 2)
        assert patch["type"] == "patch" and set(patch["changed"]) == {"stages"} and patch["removed"] == []
        state = apply(state, patch)
        assert state == source.snapshot("vn-chi-ma")[1]
        # Nothing changed: the marker stays, nothing is recomputed, nothing is sent.
        computed = source.computed
        await asyncio.sleep(0.1)
        assert source.computed == computed
        await feed.aclose()  # type: ignore[attr-defined]
        await asyncio.sleep(0)
        assert hub._feeds == {}  # the last subscriber left: the feed stopped

    asyncio.run(scenario())


def test_a_slow_subscriber_is_sent_the_whole_dashboard_again() -> None:
    async def scenario() -> None:
        source = Source()
        hub = LiveHub(source.snapshot, source.marker, poll_seconds=0.005, refresh_seconds=3600, queue_size=2)
        slow = hub.subscribe("vn-chi-ma")
        state = apply({}, await anext(slow))
        for n in range(1, 30):  # many changes while the slow subscriber reads nothing
            source.change(n)
            hub.poke()
            await asyncio.sleep(0.02)
        seen = []
        while state != source.snapshot("vn-chi-ma")[1]:
            message = await asyncio.wait_for(anext(slow), 2)
            seen.append(message["type"])
            state = apply(state, message)
        assert "snapshot" in seen  # resynchronised instead of a backlog
        assert state["stages"]["arrived"] == 29
        await slow.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_poke_wakes_the_feed_before_the_poll() -> None:
    async def scenario() -> None:
        source = Source()
        hub = LiveHub(source.snapshot, source.marker, poll_seconds=30, refresh_seconds=3600)
        hub.poke()  # before any subscriber: a no-op, not an error
        feed = hub.subscribe("vn-chi-ma")
        await anext(feed)
        source.change(1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.to_thread(hub.poke)  # from another thread, as the unit of work calls it
        message = await asyncio.wait_for(anext(feed), 2)
        assert message["type"] == "patch" and loop.time() - started < 1
        await feed.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_a_quiet_feed_sends_keepalives_and_stays_open() -> None:
    async def scenario() -> None:
        source = Source()
        hub = LiveHub(source.snapshot, source.marker, poll_seconds=0.01, refresh_seconds=3600, keepalive_seconds=0.05)
        feed = hub.subscribe("vn-chi-ma")
        state = apply({}, await anext(feed))
        kinds = [(await asyncio.wait_for(anext(feed), 2))["type"] for _ in range(4)]
        assert kinds == ["keepalive"] * 4  # nothing changed: keep-alives, and the feed is still there
        source.change(5)
        message = await asyncio.wait_for(anext(feed), 2)
        while message["type"] == "keepalive":
            message = await asyncio.wait_for(anext(feed), 2)
        state = apply(state, message)
        assert message["type"] == "patch" and state == source.snapshot("vn-chi-ma")[1]
        await feed.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_five_viewers_of_a_gate_share_one_computation_per_change() -> None:
    async def scenario() -> None:
        source = Source()
        markers = 0

        def marker(gate_id: str) -> tuple[object, ...]:
            nonlocal markers
            markers += 1
            return source.marker(gate_id)

        hub = LiveHub(source.snapshot, marker, poll_seconds=30, refresh_seconds=3600)
        feeds = [hub.subscribe("vn-chi-ma") for _ in range(5)]
        firsts = await asyncio.gather(*(anext(f) for f in feeds))  # five viewers arrive together
        assert [m["type"] for m in firsts] == ["snapshot"] * 5
        assert source.computed == 1 and markers == 1  # one computation for the five
        source.change(2)
        hub.poke()
        patches = await asyncio.wait_for(asyncio.gather(*(anext(f) for f in feeds)), 2)
        assert {(m["type"], m["version"]) for m in patches} == {("patch", 1)}
        assert source.computed == 2 and markers == 2  # the change: one marker read, one dashboard, five viewers
        for f in feeds:
            await f.aclose()  # type: ignore[attr-defined]
        assert hub._feeds == {}

    asyncio.run(scenario())
