"""The live dashboard: what a client builds from the first snapshot and every patch equals a fresh load, within a
second of each change — woken by this process's commits, or by polling when another process writes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.adapters.web.live import LiveHub, apply
from cuakhau.adapters.web.pages import dashboard
from cuakhau.domain.accounts import Principal
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import gates, lanes, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import GATE, dispatched, plate_of, read

QUARANTINE = Actor("vn-chi-ma:quarantine-02", ActorRole.QUARANTINE)
CUSTOMS = Actor("vn-chi-ma:customs-03", ActorRole.CUSTOMS)
GUARD = Actor("vn-chi-ma:border-guard-01", ActorRole.BORDER_GUARD)
ADMIN = Actor("vn-chi-ma:admin", ActorRole.GATE_ADMIN)


def steps(ctx: ServiceContext, world: World) -> list[tuple[str, Callable[[], Any]]]:
    """Changes an officer watches, each through the real use cases: trip steps, device reads (one changes no
    trip: the truck reaching its lane), call-forward, a hold, a review item, a closure, a crossing."""
    box: dict[str, str] = {}

    def move(action: str, actor: Actor, reason: str | None = None) -> None:
        assert isinstance(ctx.clock, ManualClock)
        ctx.clock.advance(timedelta(minutes=7))
        trips.transition_trip(
            ctx.uow(), clock=ctx.clock, trip_id=box["trip"], action=action, actor=actor, reason=reason
        )

    def start() -> None:
        box["trip"] = dispatched(world)
        box["plate"] = plate_of(ctx, box["trip"])

    return [
        ("declared, booked and dispatched", start),
        ("the yard camera reads it in", lambda: read(ctx, box["plate"], Checkpoint.YARD_ENTRY)),
        (
            "call-forward sends it to a lane",
            lambda: lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN),
        ),
        ("the lane camera sees it arrive (no trip step)", lambda: read(ctx, box["plate"], Checkpoint.LANE)),
        ("quarantine inspects", lambda: move("inspect", QUARANTINE)),
        ("quarantine holds it", lambda: move("hold", QUARANTINE, "Lấy mẫu kiểm nghiệm / 抽样送检 / sampled")),
        ("an unreadable plate goes to review", lambda: read(ctx, "29A-123.45", Checkpoint.YARD_ENTRY, confidence=0.4)),
        (
            "the gate publishes a closure",
            lambda: gates.add_closure(
                ctx.uow(),
                clock=ctx.clock,
                gate_id=GATE,
                starts_at=ctx.clock.now() + timedelta(days=2),
                ends_at=ctx.clock.now() + timedelta(days=2, hours=6),
                reason="Bảo trì cầu / 桥梁检修 / bridge maintenance",
                kind="suspension",
                actor=ADMIN,
            ),
        ),
        ("released", lambda: move("release", QUARANTINE)),
        ("cleared", lambda: move("clear", CUSTOMS)),
        ("crossed", lambda: move("cross", GUARD)),
    ]


async def _follow(
    ctx: ServiceContext, hub: LiveHub, changes: list[tuple[str, Callable[[], Any]]]
) -> list[tuple[str, float, int]]:
    feed: AsyncIterator[dict[str, Any]] = hub.subscribe(GATE)
    first = await anext(feed)
    assert first["type"] == "snapshot"
    state = apply({}, first)
    assert state == dashboard.snapshot(ctx, GATE)[1]
    timings = []
    for name, change in changes:
        await asyncio.to_thread(change)
        fresh = await asyncio.to_thread(lambda: dashboard.snapshot(ctx, GATE)[1])
        assert fresh != state, f"{name}: the change shows nowhere on the dashboard"
        started, patches = time.monotonic(), 0
        while state != fresh:
            message = await asyncio.wait_for(anext(feed), timeout=3)
            state = apply(state, message)
            patches += 1
        timings.append((name, time.monotonic() - started, patches))
    await feed.aclose()  # type: ignore[attr-defined]
    return timings


def test_events_applied_to_the_first_snapshot_equal_a_fresh_load(ctx: ServiceContext, world: World) -> None:
    """In one process: the commit wakes the feed (no waiting for the poll)."""
    hub = dashboard.make_hub(ctx)
    hub.poll_seconds = 30.0  # so only the commit hook can explain a prompt patch
    assert isinstance(ctx.uow, SqlUnitOfWorkFactory)
    ctx.uow.after_commit = hub.poke
    try:
        timings = asyncio.run(_follow(ctx, hub, steps(ctx, world)))
    finally:
        ctx.uow.after_commit = None
    assert len(timings) == 11
    slow = [(name, round(seconds, 3)) for name, seconds, _ in timings if seconds > 1.0]
    assert not slow, slow


def test_changes_written_by_another_process_arrive_by_polling(ctx: ServiceContext, world: World) -> None:
    """No commit hook (as for ``cuakhau devices listen`` in its own process): the change marker is polled."""
    assert isinstance(ctx.uow, SqlUnitOfWorkFactory) and ctx.uow.after_commit is None
    hub = dashboard.make_hub(ctx)
    hub.poll_seconds = 0.2
    hub.refresh_seconds = 3600.0  # nothing but the marker may trigger a recompute
    timings = asyncio.run(_follow(ctx, hub, steps(ctx, world)))
    slow = [(name, round(seconds, 3)) for name, seconds, _ in timings if seconds > 1.0]
    assert not slow, slow


def Officer() -> Principal:
    return principal("customs_officer", gates=[GATE], username="chi-ma-customs")


def test_the_dashboard_page_and_its_snapshot_are_for_officers_of_that_gate(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    client = anon
    trip_id = dispatched(world)
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
    assert client.get(f"/gates/{GATE}/dashboard", follow_redirects=False).status_code == 303
    assert client.get(f"/gates/{GATE}/dashboard.json").status_code == 401
    client.app.state.page_principal_resolver = lambda request: Officer()  # type: ignore[attr-defined]
    page = client.get(f"/gates/{GATE}/dashboard?lang=zh")
    assert page.status_code == 200 and '<html lang="zh">' in page.text
    snap = client.get(f"/gates/{GATE}/dashboard.json").json()
    assert snap["data"] == dashboard.snapshot(ctx, GATE)[1]
    assert snap["data"]["stages"]["export"]["arrived"] == 1 and snap["data"]["yards"][0]["occupancy"] == 1
    assert client.get("/gates/vn-huu-nghi/dashboard.json").status_code == 403
    assert client.get("/gates/vn-huu-nghi/dashboard").status_code == 403


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
def test_public_waits_json_and_page(ctx: ServiceContext, world: World, client: TestClient, language: str) -> None:
    trip_id = dispatched(world)
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
    body = client.get("/api/v1/public/waits").json()
    gate = next(g for g in body["gates"] if g["id"] == GATE)
    export = next(d for d in gate["directions"] if d["direction"] == "export")
    assert export["trucks_waiting"] == 1
    assert export["sample_size"] == 0 and export["confidence"] == "none" and export["expected_wait_minutes"] is None
    assert gate["counterpart"]["id"] == "cn-aidian" and "hours_today" in gate["counterpart"]
    assert body["computed_at"] and body["age_seconds"] == 0
    assert client.get("/api/v1/public/waits").headers["cache-control"] == "public, max-age=15"
    assert client.get("/api/v1/public/waits?gate_id=vn-nowhere").status_code == 404
    page = client.get(f"/waits?lang={language}")
    assert page.status_code == 200 and f'<html lang="{language}">' in page.text
    assert page.cookies.get("cuakhau_lang") == language
