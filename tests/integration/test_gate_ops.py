"""Gate operations on SQLite and PostgreSQL: device reads applied once, the review queue, barrier commands only
for trips allowed through, the yard and its fees, call-forward with perishables first, skips, manual fallback and
its reconciliation, the weighbridge flag, and the stage clock."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db import tables as t
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import BarrierPosition, BarrierState, Checkpoint, PlateRead, WeighbridgeReading
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import customs, gate_ops, lanes, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, dry_line, fruit_line

GATE = "vn-chi-ma"  # export lanes: X1 cargo, X2 perishable (fresh produce green lane)
CUSTOMS = Actor("vn-chi-ma:customs-03", ActorRole.CUSTOMS)
GUARD = Actor("vn-chi-ma:border-guard-01", ActorRole.BORDER_GUARD)
ADMIN = Actor("vn-chi-ma:admin", ActorRole.GATE_ADMIN)
DRY = dry_line()
_ids = itertools.count(1)


def plate_of(ctx: ServiceContext, trip_id: str) -> str:
    with ctx.uow() as uow:
        trip = uow.trips.get(trip_id)
        assert trip is not None
        vehicle = uow.vehicles.get(trip.vehicle_id)
        assert vehicle is not None
        return vehicle.plate.display


def dispatched(world: World, line: dict | None = None) -> str:
    """A trip booked at Chi Ma and on its way."""
    trip_id = world.declare(
        GATE, vehicle_id=world.new_truck(), shipment=world.shipment(lines=[line or fruit_line()])
    ).id
    world.book(trip_id)
    trips.transition_trip(
        world.ctx.uow(), clock=world.ctx.clock, trip_id=trip_id, action="dispatch", actor=Actor("d1", ActorRole.DRIVER)
    )
    return trip_id


def read(ctx: ServiceContext, plate: str, point: Checkpoint, *, confidence: float = 0.97, msg: str | None = None):
    message = PlateRead(
        message_id=msg or f"cam-{next(_ids)}",
        device_id=f"{GATE}:anpr-{point.value}",
        gate_id=GATE,
        checkpoint=point,
        plate_text=plate,
        confidence=confidence,
        at=ctx.clock.now(),
        image_ref=f"s3://anpr/{GATE}/{next(_ids)}.jpg",
    )
    return gate_ops.apply_device_message(ctx.uow(), clock=ctx.clock, message=message)


def state(ctx: ServiceContext, trip_id: str) -> TripState:
    return trips.get_trip(ctx.uow(), trip_id).state


def test_a_plate_read_is_applied_once_and_opens_the_barrier_only_for_an_allowed_trip(
    ctx: ServiceContext, world: World, engine: Engine
) -> None:
    trip_id = dispatched(world)
    plate = plate_of(ctx, trip_id)
    first = read(ctx, plate.replace("-", " ").lower(), Checkpoint.YARD_ENTRY, msg="entry-1")
    assert first.outcome == "applied" and first.trip_id == trip_id
    assert [(c.checkpoint, c.trip_id) for c in first.commands] == [(Checkpoint.YARD_ENTRY, trip_id)]
    assert state(ctx, trip_id) is TripState.ARRIVED
    events = len(trips.timeline(ctx.uow(), trip_id)[1])
    # The broker redelivers the same message: recognised, not applied again, no second barrier command.
    again = read(ctx, plate, Checkpoint.YARD_ENTRY, msg="entry-1")
    assert again.outcome == "duplicate" and again.commands == []
    assert len(trips.timeline(ctx.uow(), trip_id)[1]) == events
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.device_messages)).scalar_one() == 1
    # At the border line before customs cleared it: the barrier stays shut and an officer is asked to look.
    early = read(ctx, plate, Checkpoint.BORDER_LINE)
    assert early.outcome == "review" and early.commands == []
    items, _ = gate_ops.review_queue(ctx.uow(), GATE, "open", limit=10, offset=0)
    assert [(i.kind, i.detail["state"], i.detail["needs"]) for i in items] == [("not_allowed", "arrived", "cleared")]
    # The yard shows the truck with its dwell and no fee inside the free hours.
    (yard,) = gate_ops.yard_status(ctx.uow(), clock=ctx.clock, gate_id=GATE)
    assert yard.occupancy == 1 and yard.trucks[0][0].visit.trip_id == trip_id and yard.trucks[0][1] == 0
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(hours=17))  # 4 free hours, then two started 12-hour blocks
    (yard,) = gate_ops.yard_status(ctx.uow(), clock=ctx.clock, gate_id=GATE)
    assert yard.trucks[0][1] == Decimal("300000") and yard.yard.tariff.currency == "VND"


def test_low_confidence_unknown_and_malformed_reads_go_to_review_never_dropped(
    ctx: ServiceContext, world: World
) -> None:
    trip_id = dispatched(world)
    plate = plate_of(ctx, trip_id)
    low = read(ctx, plate, Checkpoint.YARD_ENTRY, confidence=0.55)
    unknown = read(ctx, "51C-999.99", Checkpoint.YARD_ENTRY)
    garbled = read(ctx, "5?C-9", Checkpoint.YARD_ENTRY)
    assert (low.outcome, unknown.outcome, garbled.outcome) == ("review", "review", "review")
    assert state(ctx, trip_id) is TripState.DISPATCHED
    rid = gate_ops.reject_message(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=GATE,
        topic=f"cuakhau/{GATE}/plate/yard_entry/cam-1",
        payload=b'{"message_id": 7}',
        error=InvalidInput("device.payload", field="message_id"),
    )
    items, total = gate_ops.review_queue(ctx.uow(), GATE, "open", limit=10, offset=0)
    assert total == 4
    kinds = {i.kind: i for i in items}
    assert set(kinds) == {"low_confidence", "unknown_plate", "unreadable_plate", "malformed"}
    assert kinds["low_confidence"].detail["threshold"] == 0.85 and kinds["low_confidence"].plate == plate
    assert kinds["malformed"].id == rid and kinds["malformed"].detail["field"] == "message_id"
    # An officer looks at the photo and confirms the low-confidence read: it is applied as a manual read.
    item, outcome = gate_ops.resolve_review(
        ctx.uow(),
        clock=ctx.clock,
        item_id=kinds["low_confidence"].id,
        actor=CUSTOMS,
        decision="apply",
        reason="Ảnh rõ biển số / 照片车牌清晰",
    )
    assert item.status == "resolved" and outcome is not None and outcome.outcome == "applied"
    assert state(ctx, trip_id) is TripState.ARRIVED
    event = trips.timeline(ctx.uow(), trip_id)[1][-1]
    assert (event.action.value, event.actor.id, event.actor.role) == ("arrive", CUSTOMS.id, ActorRole.CUSTOMS)


def test_call_forward_puts_perishables_first_and_skips_a_truck_that_does_not_come(
    ctx: ServiceContext, world: World
) -> None:
    assert isinstance(ctx.clock, ManualClock)
    dry_early = dispatched(world, DRY)
    fruit_a = dispatched(world)
    fruit_b = dispatched(world)
    for trip_id in (dry_early, fruit_a, fruit_b):
        ctx.clock.advance(timedelta(minutes=2))
        assert read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY).outcome == "applied"
    report = lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN)
    called = {c.trip_id: c for c in report.calls}
    # Two lanes: the fruit trucks go first although the rubber truck came earlier; the green lane takes fruit.
    assert set(called) == {fruit_a, fruit_b} and report.free_lanes == 2 and report.waiting == 3
    assert {c.lane for c in report.calls} == {"X1", "X2"}
    assert all("perishables_first" in c.reason and "fresh_produce" in c.reason for c in report.calls)
    assert state(ctx, dry_early) is TripState.ARRIVED
    # fruit_a reaches its lane; fruit_b never shows up.
    assert read(ctx, plate_of(ctx, fruit_a), Checkpoint.LANE).outcome == "applied"
    ctx.clock.advance(timedelta(minutes=21))
    late = lanes.skip_late(ctx.uow(), clock=ctx.clock)
    assert late.skipped == [fruit_b]
    assert [c.trip_id for c in late.calls] == [dry_early]  # its lane goes to the next in the queue
    assert state(ctx, fruit_b) is TripState.ARRIVED and state(ctx, dry_early) is TripState.CALLED
    requeue = trips.timeline(ctx.uow(), fruit_b)[1][-1]
    assert requeue.action.value == "requeue" and "not at lane" in (requeue.reason or "")
    # Customs clears fruit_a at its lane once fruit_b's cool-down is over: the lane frees and fruit_b is called.
    ctx.clock.advance(timedelta(minutes=21))
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=fruit_a, action="clear", actor=CUSTOMS)
    assert state(ctx, fruit_b) is TripState.CALLED
    # The cleared truck crosses the line on its own plate read; the barrier opens for it.
    crossing = read(ctx, plate_of(ctx, fruit_a), Checkpoint.BORDER_LINE)
    assert crossing.outcome == "applied" and crossing.commands[0].trip_id == fruit_a
    assert state(ctx, fruit_a) is TripState.CROSSED


def test_manual_reads_while_devices_are_down_are_reconciled_when_they_return(ctx: ServiceContext, world: World) -> None:
    trip_id = dispatched(world)
    plate = plate_of(ctx, trip_id)
    manual = gate_ops.record_manual_read(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=GATE,
        checkpoint="yard_entry",
        plate=plate,
        actor=GUARD,
        note="Camera cổng bãi mất kết nối / 摄像头离线",
    )
    assert manual.outcome == "applied" and manual.commands == []  # the officer lifts the barrier by hand
    assert state(ctx, trip_id) is TripState.ARRIVED
    # The camera comes back and uploads its buffered read of the same passage.
    back = read(ctx, plate, Checkpoint.YARD_ENTRY)
    assert back.outcome == "reconciled" and back.commands == []
    records, _ = gate_ops.device_log(ctx.uow(), GATE, limit=10, offset=0)
    by_origin = {r.origin: r for r in records}
    assert by_origin["manual"].reconciled_by and by_origin["manual"].reconciled_by.startswith(f"{GATE}:anpr")
    assert by_origin["device"].outcome == "reconciled"
    assert len([e for e in trips.timeline(ctx.uow(), trip_id)[1] if e.action.value == "arrive"]) == 1


def test_a_weight_far_from_the_declaration_raises_a_flag(ctx: ServiceContext, world: World) -> None:
    trip_id = dispatched(world)  # declared gross 19,500.5 kg of dragon fruit; + 15,000 kg default tare
    plate = plate_of(ctx, trip_id)

    def weigh(kg: str) -> gate_ops.DeviceOutcome:
        reading = WeighbridgeReading(
            message_id=f"wb-{next(_ids)}",
            device_id=f"{GATE}:wb-1",
            gate_id=GATE,
            gross_kg=Decimal(kg),
            at=ctx.clock.now(),
            plate_text=plate,
        )
        return gate_ops.apply_device_message(ctx.uow(), clock=ctx.clock, message=reading)

    assert weigh("35100").outcome == "recorded"
    flagged = weigh("41200")
    assert flagged.outcome == "review" and flagged.detail == "weight_mismatch"
    items, _ = gate_ops.review_queue(ctx.uow(), GATE, "open", limit=10, offset=0)
    assert items[0].detail["expected_kg"] == "34500.5" and items[0].detail["deviation"] == "0.194"
    fault = BarrierState(
        message_id="b-1",
        device_id=f"{GATE}:barrier-lane",
        gate_id=GATE,
        checkpoint=Checkpoint.LANE,
        position=BarrierPosition.FAULT,
        at=ctx.clock.now(),
    )
    assert gate_ops.apply_device_message(ctx.uow(), clock=ctx.clock, message=fault).detail == "barrier_fault"


def test_the_stage_clock_accounts_for_delay_by_stage_and_agency(ctx: ServiceContext, world: World) -> None:
    assert isinstance(ctx.clock, ManualClock)
    start = ctx.clock.now()
    trip_id = dispatched(world)
    ctx.clock.advance(timedelta(hours=1))
    assert read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY).outcome == "applied"
    ctx.clock.advance(timedelta(hours=5))
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="call", actor=CUSTOMS)
    ctx.clock.advance(timedelta(minutes=30))
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="inspect", actor=Actor("q-2", ActorRole.QUARANTINE)
    )
    ctx.clock.advance(timedelta(hours=1))
    trips.transition_trip(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        action="hold",
        actor=Actor("q-2", ActorRole.QUARANTINE),
        reason="Lấy mẫu kiểm nghiệm / 抽样送检",
    )
    ctx.clock.advance(timedelta(hours=48))
    spans = gate_ops.trip_stages(ctx.uow(), clock=ctx.clock, trip_id=trip_id)
    got = {(s.state.value, s.agency): s.duration for s in spans}
    assert got[("dispatched", "haulier")] == timedelta(hours=1)
    assert got[("arrived", "gate")] == timedelta(hours=5)
    assert got[("inspecting", "quarantine")] == timedelta(hours=1)
    assert got[("held", "quarantine")] == timedelta(hours=48) and spans[-1].ended_at is None
    report = gate_ops.gate_delays(
        ctx.uow(), clock=ctx.clock, gate_id=GATE, since=start - timedelta(hours=1), until=ctx.clock.now()
    )
    assert report.trips == 1 and report.by_agency["quarantine"] == 49.0 and report.by_stage["arrived"] == 5.0


def test_gate_operations_over_http(ctx: ServiceContext, world: World, client: TestClient) -> None:
    trip_id = dispatched(world)
    plate = plate_of(ctx, trip_id)
    body = {
        "checkpoint": "yard_entry",
        "plate": plate,
        "note": "Camera mất kết nối / 摄像头离线",
        "actor": {"id": "vn-chi-ma:border-guard-02", "role": "border_guard"},
    }
    r = client.post(f"/api/v1/gates/{GATE}/manual-reads", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "applied" and r.json()["barrier_commands"] == []
    yard = client.get(f"/api/v1/gates/{GATE}/yard").json()
    assert yard[0]["occupancy"] == 1 and yard[0]["trucks"][0]["entry_origin"] == "manual"
    assert yard[0]["tariff"]["currency"] == "VND"
    log = client.get(f"/api/v1/gates/{GATE}/device-log").json()
    assert log["total"] == 1 and log["items"][0]["origin"] == "manual"
    # A driver may not record a passage; a bad checkpoint names the field, in the caller's language.
    bad = client.post(
        f"/api/v1/gates/{GATE}/manual-reads",
        json={**body, "actor": {"id": "d", "role": "driver"}},
        headers={"Accept-Language": "vi"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "actor.role"
    bad = client.post(f"/api/v1/gates/{GATE}/manual-reads", json={**body, "checkpoint": "roof"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "checkpoint"
    called = client.post(
        f"/api/v1/gates/{GATE}/call-forward",
        json={"direction": "export", "actor": {"id": "vn-chi-ma:admin", "role": "gate_admin"}},
    ).json()
    assert [c["trip_id"] for c in called["calls"]] == [trip_id] and called["calls"][0]["lane"] == "X2"
    stages = client.get(f"/api/v1/trips/{trip_id}/stages").json()
    assert [s["state"] for s in stages][-2:] == ["arrived", "called"] and stages[-1]["ended_at"] is None
    rules = client.get("/api/v1/gate-rules").json()
    assert rules["devices"]["min_confidence"] == 0.85 and rules["call_forward"]["call_timeout_minutes"] == 20
    delays = client.get(
        f"/api/v1/gates/{GATE}/delays",
        params={"since": "2026-06-02T00:00:00+07:00", "until": "2026-06-03T00:00:00+07:00"},
    )
    assert delays.status_code == 200 and delays.json()["trips"] == 1
    backwards = client.get(
        f"/api/v1/gates/{GATE}/delays",
        params={"since": "2026-06-03T00:00:00+07:00", "until": "2026-06-02T00:00:00+07:00"},
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["code"] == "time.end_before_start"
    missing = client.post(
        "/api/v1/review/nope/resolve", json={"decision": "dismiss", "reason": "x", "actor": body["actor"]}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "review_item.not_found"


def test_customs_channel_on_arrival_and_the_officers_result_carried_once(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    trip_id = dispatched(world)
    assert client.get(f"/api/v1/trips/{trip_id}/customs").json()["decision"] is None
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
    body = client.get(f"/api/v1/trips/{trip_id}/customs", headers={"Accept-Language": "zh"}).json()
    decision = body["decision"]
    assert decision["channel"] in {"green", "yellow", "red"} and decision["profile_version"] == "default-1"
    codes = [r["code"] for r in decision["reasons"]]
    assert "risk.commodity" in codes and "risk.score" in codes and all(r["text"] for r in decision["reasons"])
    # The decision is replayable: the same profile version and declaration id give the same draws.
    again = customs.get_channel(ctx.uow(), trip_id)[0]
    assert again is not None and again.channel.value == decision["channel"]
    officer = {"id": "vn-chi-ma:customs-03", "role": "customs"}
    lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN)
    held = client.post(
        f"/api/v1/trips/{trip_id}/customs/results",
        json={"kind": "hold", "reason": "Kiểm tra chứng từ / 单证核查", "actor": officer},
    )
    assert held.status_code == 201 and held.json()["trip_state"] == "held"
    released = client.post(f"/api/v1/trips/{trip_id}/customs/results", json={"kind": "release", "actor": officer})
    assert released.status_code == 201 and released.json()["trip_state"] == "cleared"
    second = client.post(f"/api/v1/trips/{trip_id}/customs/results", json={"kind": "release", "actor": officer})
    assert second.status_code == 409 and second.json()["error"]["code"] == "customs.already_decided"
    guard = client.post(
        f"/api/v1/trips/{trip_id}/customs/results",
        json={"kind": "release", "actor": {"id": "g", "role": "border_guard"}},
    )
    assert guard.status_code == 422 and guard.json()["error"]["field"] == "actor.role"
    actions = [e.action.value for e in trips.timeline(ctx.uow(), trip_id)[1]]
    assert actions[-3:] == ["hold", "release", "clear"]
    assert client.get("/api/v1/customs/profile").json()["targets"]["red"] == 0.05
