"""The electronic queue on SQLite and PostgreSQL: booking, waiting list, perishables first, capacity changes,
dispatch gating, no-shows, idempotency — each decision with its reason, each change notified."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cuakhau import i18n
from cuakhau.adapters.db import tables as t
from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.trip import Actor, ActorRole, Trip
from cuakhau.services import equeue, plant_registry, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, dry_line, fruit_line

API = "/api/v1"
COUNTERPART = Actor("cn-youyiguan:exchange", ActorRole.COUNTERPART)
DAY = date(2026, 6, 2)  # the fixtures' clock: 08:00 at Hữu Nghị


def outbox(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.notifications.c.kind, t.notifications.c.trip_id).order_by(t.notifications.c.created_at)
        )
        return [(r.kind, r.trip_id) for r in rows]


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


def trip_with(world: World, line: dict | None = None, **over: object) -> str:
    shipment = world.shipment(lines=[line or fruit_line()])
    return world.declare(vehicle_id=world.new_truck(), shipment=shipment, **over).id


DRY = dry_line()


def test_booking_takes_the_earliest_slot_and_tells_the_holder(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    trip_id = trip_with(world)
    booking = world.book(trip_id)
    assert booking.status is BookingStatus.ACTIVE
    assert booking.slot_start == ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    assert (booking.rule, booking.reason) == ("fcfs", "earliest_free_slot")
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "booked"
    assert ("slot_assigned", trip_id) in outbox(engine)
    _, history = equeue.get_booking(ctx.uow(), trip_id)
    assert history[0]["reason"] == "earliest_free_slot"


def test_one_open_booking_per_vehicle(ctx: ServiceContext, world: World) -> None:
    first = world.declare()
    # A truck on an open trip is refused at declaration now; a second open trip of the same truck can only be one
    # declared before that rule, written here directly: booking still refuses it.
    legacy = Trip.declare(
        gate_id=first.gate_id,
        direction=first.direction,
        vehicle_id=first.vehicle_id,
        driver_id=first.driver_id,
        shipment_id=world.declare(vehicle_id=world.new_truck()).shipment_id,
        actor=Actor(world.exporter.id, ActorRole.EXPORTER),
        clock=ctx.clock,
    )
    with ctx.uow() as uow:
        uow.trips.add(legacy)
        uow.commit()
    second = legacy.id
    world.book(first.id)
    with pytest.raises(Conflict) as info:
        world.book(second)
    assert info.value.code == "booking.vehicle_busy"


def test_full_slots_send_trucks_to_the_waiting_list_and_a_cancellation_promotes(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    limit_hourly(ctx, 1)
    dry = [trip_with(world, DRY) for _ in range(3)]
    for trip_id in dry:
        world.book(trip_id, hours=2)  # 08:00 and 09:00 have one place each
    before = [equeue.get_booking(ctx.uow(), d)[0] for d in dry]
    assert [b.status for b in before] == [BookingStatus.ACTIVE, BookingStatus.ACTIVE, BookingStatus.WAITING]
    assert before[2].reason == "no_capacity_in_window"
    durian = trip_with(world, fruit_line(hs_code="081060", description="Sầu riêng Ri6 / 榴莲"))
    booking = world.book(durian, hours=1)  # must cross at 08:00, which dry goods hold
    assert booking.status is BookingStatus.ACTIVE and booking.rule == "optimal"
    assert booking.slot_start == ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    after = [equeue.get_booking(ctx.uow(), d)[0] for d in dry]
    assert sum(b.status is BookingStatus.ACTIVE for b in after) == 1  # one dry truck gave way
    equeue.cancel_booking(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=durian,
        reason="Xe hỏng / 车辆故障",
        actor=Actor(world.exporter.id, ActorRole.EXPORTER),
    )
    final = [equeue.get_booking(ctx.uow(), d)[0] for d in dry]
    assert sum(b.status is BookingStatus.ACTIVE for b in final) == 2
    promoted = [b for b in final if b.rule == "waiting_list"]
    assert len(promoted) == 1 and promoted[0].reason == "promoted_from_waiting_list"
    assert ("promoted", promoted[0].trip_id) in outbox(engine)
    assert trips.get_trip(ctx.uow(), durian).state.value == "cancelled"


def test_perishables_first_re_plan_moves_dry_goods_later_within_their_windows(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    limit_hourly(ctx, 2)
    dry = [trip_with(world, DRY) for _ in range(2)]
    for trip_id in dry:
        world.book(trip_id, hours=6)  # both take 08:00 though they could come as late as 13:00
    fruit = trip_with(world)
    booking = world.book(fruit, hours=1)  # dragon fruit that must cross by 09:00
    assert booking.status is BookingStatus.ACTIVE
    assert booking.slot_start == ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    assert booking.rule == "optimal"
    moved = [equeue.get_booking(ctx.uow(), d)[0] for d in dry]
    assert sorted(m.slot_start for m in moved if m.slot_start) != [booking.slot_start] * 2
    assert any(m.rule == "optimal" and m.reason for m in moved)
    kinds = [k for k, trip_id in outbox(engine) if trip_id in dry]
    assert "slot_changed" in kinds


def test_counterpart_lowering_its_quota_moves_bookings_and_notifies(
    ctx: ServiceContext, world: World, engine: Engine, client: TestClient
) -> None:
    booked = [trip_with(world, DRY) for _ in range(4)] + [trip_with(world)]
    for trip_id in booked:
        world.book(trip_id, hours=3)
    r = client.post(
        f"{API}/gates/vn-huu-nghi/acceptance",
        json={
            "direction": "export",
            "date": DAY.isoformat(),
            "daily_quota": 2,
            "reason": "Trạm kiểm dịch quá tải",
            "actor": {"id": "cn-youyiguan:exchange", "role": "counterpart"},
        },
    )
    assert r.status_code == 200, r.text
    plan = client.get(f"{API}/gates/vn-huu-nghi/plan", params={"date": DAY.isoformat()}).json()
    active = [b for b in plan if b["status"] == "active"]
    assert len(active) == 2
    assert any(b["trip_id"] == booked[-1] for b in active)  # the dragon fruit kept its place
    waitlisted = [b for b in plan if b["status"] == "waiting"]
    assert len(waitlisted) == 3 and all(b["reason"] == "counterpart_daily_quota" for b in waitlisted)
    assert sum(1 for k, _ in outbox(engine) if k == "waitlisted") >= 3
    slots = client.get(f"{API}/gates/vn-huu-nghi/slots", params={"date": DAY.isoformat()}).json()
    assert sum(s["booked"] for s in slots) == 2


def test_a_closure_across_the_line_moves_affected_bookings(
    ctx: ServiceContext, world: World, client: TestClient, clock: ManualClock
) -> None:
    trip_id = trip_with(world, DRY)
    booking = world.book(trip_id, hours=8)
    assert booking.slot_start == clock.now().replace(minute=0, second=0, microsecond=0)
    r = client.post(
        f"{API}/gates/cn-youyiguan/closures",
        json={
            "starts_at": "2026-06-02T09:00:00+08:00",
            "ends_at": "2026-06-02T11:00:00+08:00",
            "reason": "Hệ thống hải quan gián đoạn / 海关系统故障",
            "actor": {"id": "gx", "role": "gate_admin"},
        },
    )
    assert r.status_code == 201, r.text
    moved = client.get(f"{API}/trips/{trip_id}/booking").json()
    assert moved["status"] == "active"
    assert moved["slot_start_local"] >= "2026-06-02T10:00:00+07:00"  # after the Chinese side reopens
    assert moved["history"][-1]["reason"]


def test_a_closure_of_one_hour_moves_only_the_bookings_that_held_it(
    ctx: ServiceContext, world: World, client: TestClient, clock: ManualClock, engine: Engine
) -> None:
    """Six dry trucks booked two an hour from 08:00; the Chinese side closes 09:00–10:00 (VN time). The two that
    held 09:00 move to the first hour with room (11:00); the four others keep their slots and hear nothing.
    (Re-planned as if nothing had been booked, the first come took the earliest hours: four moved.)"""
    limit_hourly(ctx, 2)
    booked = [world.book(trip_with(world, DRY), hours=8) for _ in range(6)]
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    assert [b.slot_start for b in booked] == [hour + timedelta(hours=i // 2) for i in range(6)]
    before = len(outbox(engine))
    r = client.post(
        f"{API}/gates/cn-youyiguan/closures",
        json={
            "starts_at": "2026-06-02T10:00:00+08:00",
            "ends_at": "2026-06-02T11:00:00+08:00",
            "reason": "Bảo trì máy soi / X光机维护",
            "actor": {"id": "gx", "role": "gate_admin"},
        },
    )
    assert r.status_code == 201, r.text
    after = [client.get(f"{API}/trips/{b.trip_id}/booking").json()["slot_start_local"] for b in booked]
    local = [f"2026-06-02T{h:02d}:00:00+07:00" for h in (8, 8, 11, 11, 10, 10)]
    assert after == local
    # the two moved, and only they, are told (written in one transaction at one instant: in no particular order)
    changed = [trip for kind, trip in outbox(engine) if kind == "slot_changed"]
    assert len(outbox(engine)) == before + 2
    assert sorted(changed) == sorted([booked[2].trip_id, booked[3].trip_id])


def test_dispatch_gating_lists_every_reason(ctx: ServiceContext, world: World, client: TestClient) -> None:
    # Registered when declared (declaration refuses unregistered codes); the board's new list drops both later.
    trip_id = world.declare(shipment=world.shipment(phytosanitary_certificate_no=None)).id
    plant_registry.import_registry(
        ctx.uow(),
        clock=ctx.clock,
        text="kind,code,holder,province,crops,status\n"
        "planting_area,VN-BTOR-0102,HTX Thanh Long Hàm Minh,Bình Thuận,thanh long,suspended\n",
    )
    now = ctx.clock.now()
    booking = equeue.book(
        ctx.uow(),
        clock=ctx.clock,
        request=equeue.BookingRequest(
            trip_id=trip_id,
            earliest=now + timedelta(hours=20),
            latest=now + timedelta(hours=24),
            travel_minutes=120,
            actor=Actor(world.exporter.id, ActorRole.EXPORTER),
            idempotency=equeue.Idempotency("t", "gating", "h"),
        ),
    ).booking
    assert booking.status is BookingStatus.ACTIVE
    r = client.post(
        f"{API}/trips/{trip_id}/transitions",
        json={"action": "dispatch", "actor": {"id": "driver-1", "role": "driver"}},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "dispatch.refused"
    codes = {d["code"] for d in err["details"]}
    assert codes == {
        "dispatch.too_early",
        "dispatch.no_phytosanitary_certificate",
        "dispatch.unregistered_planting_area",
        "dispatch.unregistered_packing_house",
    }
    assert all(d["message"] for d in err["details"])
    early = next(d["message"] for d in err["details"] if d["code"] == "dispatch.too_early")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+0[78]:00", early) and "T" not in early.split(" ")[0], early
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "booked"


def test_no_show_rule_and_penalty(ctx: ServiceContext, world: World, clock: ManualClock, engine: Engine) -> None:
    for _ in range(3):
        trip_id = trip_with(world, DRY)
        world.book(trip_id, hours=2)
        clock.advance(timedelta(hours=4))  # slot + 2 h grace passed
        assert equeue.mark_no_shows(ctx.uow(), clock=clock) == 1
        assert trips.get_trip(ctx.uow(), trip_id).state.value == "no_show"
        assert equeue.get_booking(ctx.uow(), trip_id)[0].status is BookingStatus.NO_SHOW
    with pytest.raises(Conflict) as info:
        world.book(trip_with(world, DRY))
    assert info.value.code == "booking.suspended"
    for language, words in (("vi", "tạm ngừng"), ("zh", "暂停")):
        text = i18n.render(info.value.code, language, info.value.params)
        assert words in text
        # until when, on the gate's clock with its offset (the world's gate is in Vietnam), never a UTC stamp
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+07:00", text), text
        assert not re.search(r"\d{4}-\d\d-\d\dT|\+00:00", text), text
    assert ("no_show", trip_id) in outbox(engine)


def test_idempotent_booking_over_http(client: TestClient, world: World, clock: ManualClock) -> None:
    trip_id = trip_with(world)
    now = clock.now()
    body = {
        "earliest": now.isoformat(),
        "latest": (now + timedelta(hours=4)).isoformat(),
        "travel_minutes": 30,
        "actor": {"id": world.exporter.id, "role": "exporter"},
    }
    first = client.post(f"{API}/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": "abc"})
    again = client.post(f"{API}/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = client.post(
        f"{API}/trips/{trip_id}/booking", json={**body, "travel_minutes": 31}, headers={"Idempotency-Key": "abc"}
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency.mismatch"
    missing = client.post(f"{API}/trips/{trip_id}/booking", json=body)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "Idempotency-Key"


def test_reschedule_is_limited(ctx: ServiceContext, world: World) -> None:
    trip_id = trip_with(world, DRY)
    world.book(trip_id)
    now = ctx.clock.now()
    exporter = Actor(world.exporter.id, ActorRole.EXPORTER)
    for i in range(3):
        b = equeue.reschedule_booking(
            ctx.uow(),
            clock=ctx.clock,
            trip_id=trip_id,
            earliest=now + timedelta(hours=2 + i),
            latest=now + timedelta(hours=5 + i),
            actor=exporter,
        )
        assert (
            b.slot_start == (now + timedelta(hours=2 + i)).replace(minute=0, second=0, microsecond=0)
            and b.changes == i + 1
        )
    with pytest.raises(Conflict) as info:
        equeue.reschedule_booking(
            ctx.uow(),
            clock=ctx.clock,
            trip_id=trip_id,
            earliest=now + timedelta(hours=9),
            latest=now + timedelta(hours=12),
            actor=exporter,
        )
    assert info.value.code == "booking.too_many_changes"


@pytest.mark.parametrize(("hours", "code"), [(0, "time.end_before_start"), (72, "booking.window_too_wide")])
def test_bad_windows(world: World, hours: int, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        world.book(trip_with(world), hours=hours)
    assert info.value.code == code


def test_generic_transition_cannot_book_or_skip_the_gating(client: TestClient, world: World) -> None:
    trip_id = trip_with(world)
    r = client.post(
        f"{API}/trips/{trip_id}/transitions", json={"action": "book", "actor": {"id": "x", "role": "exporter"}}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "trip.book_via_booking"


def test_replan_over_http_under_each_published_policy(client: TestClient, world: World) -> None:
    for _ in range(3):
        world.book(trip_with(world, DRY), hours=4)
    for policy in ("fcfs", "priority", "optimal"):
        r = client.post(
            f"{API}/gates/vn-huu-nghi/plan",
            json={
                "direction": "export",
                "date": DAY.isoformat(),
                "policy": policy,
                "actor": {"id": "lang-son:ban-quan-ly", "role": "gate_admin"},
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["policy"] == policy and r.json()["placed"] == 3 and r.json()["waiting"] == 0
    bad = client.post(
        f"{API}/gates/vn-huu-nghi/plan",
        json={
            "direction": "export",
            "date": DAY.isoformat(),
            "policy": "bribes",
            "actor": {"id": "x", "role": "gate_admin"},
        },
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "policy"
    driver = client.post(
        f"{API}/gates/vn-huu-nghi/plan",
        json={"direction": "export", "date": DAY.isoformat(), "actor": {"id": "d", "role": "driver"}},
    )
    assert driver.status_code == 422 and driver.json()["error"]["code"] == "actor.role_not_allowed"
