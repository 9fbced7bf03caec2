"""The e-queue's standby list on SQLite and PostgreSQL (issue 21.11): a place freed by a cancellation or a truck
not at the gate 20 minutes into its slot goes to the first standby truck that can reach the gate, exactly once,
with its cause as a sentence in vi, zh and en; the order is the published one; leaving works."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db import tables as t
from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue, periodic
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, dry_line, fruit_line

DAY = date(2026, 6, 2)  # the fixtures' clock: 08:00 at Hữu Nghị
COUNTERPART = Actor("cn-youyiguan:exchange", ActorRole.COUNTERPART)
DRY = dry_line()


def limit_hourly(ctx: ServiceContext, per_hour: int) -> None:
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        direction="export",
        day=DAY,
        daily_quota=None,
        hourly_quota=per_hour,
        actor=COUNTERPART,
    )


def trip_with(world: World, line: dict | None = None) -> str:
    return world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[line or DRY])).id


def booking(ctx: ServiceContext, trip_id: str):  # type: ignore[no-untyped-def]
    return equeue.get_booking(ctx.uow(), trip_id)[0]


def stand_by(ctx: ServiceContext, trip_id: str, minutes: int = 10) -> None:
    equeue.join_standby(ctx.uow(), clock=ctx.clock, trip_id=trip_id, reach_minutes=minutes)


def slot_booked(engine: Engine, hour: int) -> int:
    start = ctx_hour(hour)
    with engine.connect() as conn:
        return int(conn.execute(select(t.slots.c.booked).where(t.slots.c.starts_at == start)).scalar_one())


def ctx_hour(hour: int):  # type: ignore[no-untyped-def]
    from tests.conftest import DEMO_NOW

    return DEMO_NOW.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hour)


@pytest.fixture
def day(ctx: ServiceContext, world: World) -> dict[str, str]:
    """One place an hour: ``first`` holds 08:00, ``second`` 09:00, ``third`` 10:00; ``waiting`` has no slot."""
    limit_hourly(ctx, 1)
    trips = {name: trip_with(world) for name in ("first", "second", "third")}
    for trip_id in trips.values():
        world.book(trip_id, hours=3)
    trips["waiting"] = trip_with(world)
    world.book(trips["waiting"], hours=3)
    assert booking(ctx, trips["waiting"]).status is BookingStatus.WAITING
    return trips


def test_a_late_truck_lends_its_place_to_the_first_standby_truck_exactly_once(
    ctx: ServiceContext, day: dict[str, str], clock: ManualClock, engine: Engine
) -> None:
    stand_by(ctx, day["third"])
    stand_by(ctx, day["second"])
    clock.advance(timedelta(minutes=10))
    assert equeue.offer_late_places(ctx.uow(), clock=clock) == 0  # within the grace: the place is held
    clock.advance(timedelta(minutes=15))  # 08:25: the 08:00 truck is not at the gate
    assert periodic.NO_SHOWS.run(periodic.JobContext(uow=ctx.uow, clock=clock)) == 1
    moved = booking(ctx, day["second"])  # the earliest booked slot goes first
    assert (moved.status, moved.slot_start, moved.rule) == (BookingStatus.ACTIVE, ctx_hour(0), "standby")
    assert moved.reason_params["cause"] == "late" and moved.reason_params["slot"] == "2026-06-02 08:00 (UTC+07:00)"
    assert booking(ctx, day["third"]).slot_start == ctx_hour(2)  # not moved
    assert booking(ctx, day["first"]).status is BookingStatus.ACTIVE  # the late truck keeps its booking
    # the 09:00 place it left went to the waiting list; the lent 08:00 place changed no counter
    assert booking(ctx, day["waiting"]).slot_start == ctx_hour(1)
    assert slot_booked(engine, 0) == 1 and slot_booked(engine, 1) == 1
    # exactly once: later rounds give the late truck's place to nobody else
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        assert equeue.offer_late_places(ctx.uow(), clock=clock) == 0
    offers = equeue.standby_offers(ctx.uow(), day["second"])
    assert [(o["cause"], o["slot_start"]) for o in offers] == [("late", ctx_hour(0))]
    with engine.connect() as conn:
        kinds = conn.execute(
            select(t.notifications.c.kind, t.notifications.c.payload).where(t.notifications.c.trip_id == day["second"])
        ).all()
    text = [p["reason_text"] for k, p in kinds if k == "slot_changed" and "reason_text" in p]
    assert text and "08:00 (UTC+07:00)" in text[0]["vi"] and "20" in text[0]["en"]
    _, history = equeue.get_booking(ctx.uow(), day["second"])
    assert history[-1]["reason"] == "standby_place_freed" and history[-1]["actor_id"] == "cuakhau:standby:late"


def test_a_cancellation_gives_its_place_to_standby_before_the_waiting_list(
    ctx: ServiceContext, day: dict[str, str], clock: ManualClock, engine: Engine, world: World
) -> None:
    stand_by(ctx, day["third"])
    clock.advance(timedelta(minutes=5))
    exporter = Actor(world.exporter.id, ActorRole.EXPORTER)
    equeue.cancel_booking(ctx.uow(), clock=clock, trip_id=day["first"], actor=exporter, reason="Xe hỏng / 车辆故障")
    moved = booking(ctx, day["third"])
    assert (moved.slot_start, moved.reason_params["cause"]) == (ctx_hour(0), "cancelled")
    assert booking(ctx, day["waiting"]).slot_start == ctx_hour(2)  # the 10:00 place it left
    assert [slot_booked(engine, h) for h in (0, 1, 2)] == [1, 1, 1]


def test_order_is_earliest_slot_then_most_perishable_then_joined(
    ctx: ServiceContext, day: dict[str, str], world: World, clock: ManualClock
) -> None:
    fruit = trip_with(world, fruit_line())
    world.book(fruit, hours=3)  # a re-plan may place it: the order is read from what each booking holds
    joined = [day["waiting"], fruit, day["third"], day["second"]]
    for trip_id in joined:
        if booking(ctx, trip_id).slot_start != ctx_hour(0):
            clock.advance(timedelta(seconds=1))
            stand_by(ctx, trip_id)
    _, places = equeue.standby_list(ctx.uow(), gate_id="vn-huu-nghi", direction="export", day=DAY)
    listed = [p.trip_id for p in places]
    far = ctx_hour(99)

    def rule(trip_id: str) -> tuple[object, int, int]:
        b = booking(ctx, trip_id)
        return (b.slot_start or far, -PROFILES[b.perishability].weight, joined.index(trip_id))

    assert len(listed) >= 3 and listed == sorted(listed, key=rule)
    assert [p.position for p in places] == list(range(1, len(listed) + 1))


def test_a_truck_too_far_away_is_skipped_and_one_that_left_is_not_asked(
    ctx: ServiceContext, day: dict[str, str], clock: ManualClock
) -> None:
    stand_by(ctx, day["second"], minutes=50)  # at 08:25 it would reach the gate at 09:15: the slot is over
    stand_by(ctx, day["third"], minutes=10)
    stand_by(ctx, day["waiting"], minutes=10)
    equeue.leave_standby(ctx.uow(), clock=clock, trip_id=day["third"])
    with pytest.raises(Conflict) as info:
        equeue.leave_standby(ctx.uow(), clock=clock, trip_id=day["third"])
    assert info.value.code == "standby.not_standing_by"
    clock.advance(timedelta(minutes=25))
    assert equeue.offer_late_places(ctx.uow(), clock=clock) == 1
    assert booking(ctx, day["second"]).slot_start == ctx_hour(1)
    assert booking(ctx, day["third"]).slot_start == ctx_hour(2)
    moved = booking(ctx, day["waiting"])
    assert moved.slot_start == ctx_hour(0) and moved.reason_params["skipped_too_far"] == 1
    [offer] = equeue.standby_offers(ctx.uow(), day["waiting"])
    assert offer["skipped"] == [day["second"]]


def test_only_a_waiting_or_later_booking_may_stand_by(
    ctx: ServiceContext, day: dict[str, str], client: TestClient
) -> None:
    with pytest.raises(Conflict) as info:
        stand_by(ctx, day["first"])  # its slot is the current one
    assert info.value.code == "standby.not_eligible"
    r = client.post(f"/api/v1/trips/{day['second']}/standby", json={"reach_minutes": -1})
    assert r.status_code == 422
    r = client.post(f"/api/v1/trips/{day['second']}/standby", json={"reach_minutes": 30})
    assert r.status_code == 201, r.text
    r = client.get("/api/v1/gates/vn-huu-nghi/standby", params={"date": DAY.isoformat()})
    assert r.status_code == 200 and [p["trip_id"] for p in r.json()] == [day["second"]]
    assert r.json()[0]["position"] == 1 and r.json()[0]["reach_minutes"] == 30
    assert client.delete(f"/api/v1/trips/{day['second']}/standby").status_code == 204
    assert client.get("/api/v1/gates/vn-huu-nghi/standby", params={"date": DAY.isoformat()}).json() == []


def test_the_reason_is_a_sentence_in_each_language() -> None:
    for cause in ("cancelled", "no_show", "late"):
        text = equeue.reason_sentences({"cause": cause, "slot": "2026-06-02 08:00 (UTC+07:00)", "grace_minutes": 20})
        assert set(text) == {"vi", "zh", "en"}
        for sentence in text.values():
            assert "08:00 (UTC+07:00)" in sentence and "{" not in sentence and "_" not in sentence
    assert "cancellation" in equeue.reason_sentences({"cause": "cancelled", "slot": "x"})["en"]
    assert "không đến" in equeue.reason_sentences({"cause": "no_show", "slot": "x"})["vi"]
    assert "迟到" in equeue.reason_sentences({"cause": "late", "slot": "x", "grace_minutes": 20})["zh"]


# The race needs concurrent writers: PostgreSQL only (SQLite takes one writer at a time).
@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_concurrent_frees_never_give_one_place_twice(
    ctx: ServiceContext, world: World, clock: ManualClock, engine: Engine, database_url: str
) -> None:
    assert engine.dialect.name == "postgresql"
    limit_hourly(ctx, 2)
    holders = [trip_with(world) for _ in range(2)]
    for trip_id in holders:
        world.book(trip_id, hours=1)  # both 08:00 places
    standby = trip_with(world)
    world.book(standby, hours=1)  # waiting
    stand_by(ctx, standby)
    clock.advance(timedelta(minutes=25))  # both holders are late: each frees its place twice over
    exporter = Actor(world.exporter.id, ActorRole.EXPORTER)
    barrier, errors = threading.Barrier(4), []

    def cancel(trip_id: str) -> None:
        try:
            barrier.wait(timeout=30)
            equeue.cancel_booking(ctx.uow(), clock=clock, trip_id=trip_id, actor=exporter, reason="Hủy / 取消")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def late_round() -> None:
        try:
            barrier.wait(timeout=30)
            equeue.offer_late_places(ctx.uow(), clock=clock)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=cancel, args=(h,)) for h in holders]
    threads += [threading.Thread(target=late_round) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    with engine.connect() as conn:
        offers = conn.execute(select(func.count()).select_from(t.standby_offers)).scalar_one()
        active = conn.execute(
            select(func.count()).select_from(t.bookings).where(t.bookings.c.status == "active")
        ).scalar_one()
    assert offers == 1  # the one standby truck got one place, once
    assert booking(ctx, standby).slot_start == ctx_hour(0)
    assert active == 1 and slot_booked(engine, 0) == 1  # counters agree with the bookings, whatever the order
