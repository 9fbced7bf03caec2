"""Open hours where time matters (issue 21, item 3), on SQLite and PostgreSQL: a call forward, a lane entry or a
crossing while either side of the gate pair is shut is refused over the API naming the side, why and until when in
its local time; from a device it goes to review with that reason; an officer may override with a reason, which is
kept on the step.

Chi Ma opens 07:30–17:30 Vietnamese time; Ái Điểm across the line the same instants, 08:30–18:30 Chinese time.
The tests start at 08:00 in Lạng Sơn (``DEMO_NOW``).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint, PlateRead
from cuakhau.domain.errors import GateClosed, InvalidInput
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import gate_ops, gates, lanes, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import ADMIN, CUSTOMS, GATE, GUARD, dispatched, plate_of, read, state

VN_EVENING = datetime.fromisoformat("2026-06-02T17:45:00+07:00")  # Chi Ma shut at 17:30; Ái Điểm open to 18:30
MORNING = "2026-06-03 07:30 (UTC+07:00)"
GUARD_BODY = {"id": "vn-chi-ma:border-guard-01", "role": "border_guard"}
ADMIN_BODY = {"id": "vn-chi-ma:admin", "role": "gate_admin"}


def clock_of(ctx: ServiceContext) -> ManualClock:
    assert isinstance(ctx.clock, ManualClock)
    return ctx.clock


def in_yard(ctx: ServiceContext, world: World) -> str:
    trip_id = dispatched(world)
    assert read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY).outcome == "applied"
    return trip_id


def cleared(ctx: ServiceContext, world: World) -> str:
    trip_id = in_yard(ctx, world)
    lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN)
    assert read(ctx, plate_of(ctx, trip_id), Checkpoint.LANE).outcome == "applied"
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="clear", actor=CUSTOMS)
    assert state(ctx, trip_id) is TripState.CLEARED
    return trip_id


def test_a_crossing_after_hours_is_refused_naming_the_side_and_its_reopening_and_an_override_is_kept(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    trip_id = cleared(ctx, world)
    clock_of(ctx).set(VN_EVENING)
    body = {"action": "cross", "actor": GUARD_BODY}
    refused = client.post(f"/api/v1/trips/{trip_id}/transitions", json=body, headers={"Accept-Language": "vi"})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "gate.closed" and error["params"]["gate_id"] == GATE
    # A sentence in the reader's language, with the gate's name and its local times with the offset.
    assert error["message"].startswith("Cửa khẩu Chi Ma đóng cửa lúc 2026-06-02 17:45 (UTC+07:00) (ngoài giờ mở cửa)")
    assert f"đến {MORNING}" in error["message"]
    assert state(ctx, trip_id) is TripState.CLEARED
    zh = client.post(f"/api/v1/trips/{trip_id}/transitions", json=body, headers={"Accept-Language": "zh"})
    assert zh.json()["error"]["message"].startswith("支麻口岸于 2026-06-02 17:45 (UTC+07:00) 关闭（非开放时间）")
    # The border guard lets it through with a reason: kept on the step, shown on the timeline.
    why = "Xe chở sầu riêng đã được hai bên đồng ý cho qua / 双方同意放行"
    done = client.post(f"/api/v1/trips/{trip_id}/transitions", json={**body, "override_reason": why})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "crossed"
    events = client.get(f"/api/v1/trips/{trip_id}/timeline").json()["events"]
    assert events[-1]["action"] == "cross" and events[-1]["override_reason"] == why
    assert all(e["override_reason"] is None for e in events[:-1])


def test_the_counterparts_closure_refuses_a_crossing_in_its_own_local_time(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    trip_id = cleared(ctx, world)
    gates.add_closure(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="cn-aidian",
        starts_at=datetime.fromisoformat("2026-06-02T09:00:00+08:00"),
        ends_at=datetime.fromisoformat("2026-06-02T11:00:00+08:00"),
        reason="Sự cố hệ thống / 系统故障 / system outage",
        kind="suspension",
        actor=Actor("cn-aidian:admin", ActorRole.GATE_ADMIN),
    )
    refused = client.post(f"/api/v1/trips/{trip_id}/transitions", json={"action": "cross", "actor": GUARD_BODY})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["params"]["gate_id"] == "cn-aidian" and error["params"]["until_local"] == "2026-06-02T11:00:00+08:00"
    assert error["message"] == (  # 08:00 in Lạng Sơn is 09:00 across the line
        "Aidian Port is closed at 2026-06-02 09:00 (UTC+08:00) (Sự cố hệ thống / 系统故障 / system outage) until "
        "2026-06-02 11:00 (UTC+08:00): no truck is called forward, enters a lane or crosses while either side is "
        "closed. An officer may let it through by giving a reason."
    )


def test_call_forward_after_hours_is_refused_calls_nobody_automatically_and_an_override_calls_as_the_officer(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    first, second, third = (in_yard(ctx, world) for _ in range(3))
    clock_of(ctx).set(VN_EVENING)
    url = f"/api/v1/gates/{GATE}/call-forward"
    refused = client.post(url, json={"direction": "export", "actor": ADMIN_BODY})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "gate.closed"
    assert {state(ctx, t) for t in (first, second, third)} == {TripState.ARRIVED}
    # A lifecycle call by hand is refused the same way.
    by_hand = client.post(f"/api/v1/trips/{first}/transitions", json={"action": "call", "actor": ADMIN_BODY})
    assert by_hand.status_code == 409 and by_hand.json()["error"]["code"] == "gate.closed"
    # A driver may not override.
    driver = trips.transition_trip
    with pytest.raises(InvalidInput) as not_officer:
        driver(
            ctx.uow(),
            clock=ctx.clock,
            trip_id=first,
            action="call",
            actor=Actor("d1", ActorRole.DRIVER),
            override_reason="tôi muốn qua",
        )
    assert not_officer.value.field == "override_reason"
    why = "Hàng tươi sắp hỏng: hai bên đồng ý làm thêm giờ / 鲜货将坏，双方同意加班"
    called = client.post(url, json={"direction": "export", "actor": ADMIN_BODY, "override_reason": why})
    assert called.status_code == 200, called.text
    ids = [c["trip_id"] for c in called.json()["calls"]]
    assert len(ids) == 2
    for trip_id in ids:
        event = trips.timeline(ctx.uow(), trip_id)[1][-1]
        assert (event.action.value, event.override_reason, event.actor.id) == ("call", why, ADMIN.id)
    # The first called truck is cleared: its lane frees, but nobody is called to it while the gate is shut.
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=ids[0], action="clear", actor=CUSTOMS)
    (waiting,) = {first, second, third} - set(ids)
    assert state(ctx, waiting) is TripState.ARRIVED
    # In the morning the same freeing of a lane calls the next truck again.
    clock_of(ctx).set(datetime.fromisoformat("2026-06-03T07:35:00+07:00"))
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=ids[1], action="clear", actor=CUSTOMS)
    assert state(ctx, waiting) is TripState.CALLED
    assert trips.timeline(ctx.uow(), waiting)[1][-1].override_reason is None


def test_device_reads_after_hours_go_to_review_with_the_reason_and_an_officer_applies_them(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    crossing = cleared(ctx, world)
    entering = in_yard(ctx, world)
    lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN)
    assert state(ctx, entering) is TripState.CALLED
    clock_of(ctx).set(VN_EVENING)
    at_border = read(ctx, plate_of(ctx, crossing), Checkpoint.BORDER_LINE)
    at_lane = read(ctx, plate_of(ctx, entering), Checkpoint.LANE)
    assert (at_border.outcome, at_border.detail, at_border.commands) == ("review", "gate_closed", [])
    assert (at_lane.outcome, at_lane.detail, at_lane.commands) == ("review", "gate_closed", [])
    assert state(ctx, crossing) is TripState.CLEARED
    items = client.get(f"/api/v1/gates/{GATE}/review", headers={"Accept-Language": "en"}).json()["items"]
    by_trip = {i["trip_id"]: i for i in items}
    assert {by_trip[crossing]["kind"], by_trip[entering]["kind"]} == {"gate_closed"}
    assert by_trip[crossing]["detail"]["until_local"] == "2026-06-03T07:30:00+07:00"
    assert by_trip[entering]["text"].startswith("Chi Ma Border Gate is closed at 2026-06-02 17:45 (UTC+07:00)")
    # The officer looks, and applies the crossing: the resolution's reason is the override, kept on the step.
    why = "Đã kiểm tra, xe qua trước giờ đóng cửa theo chỉ đạo / 已核实"
    resolved = client.post(
        f"/api/v1/review/{by_trip[crossing]['id']}/resolve",
        json={"decision": "apply", "reason": why, "actor": GUARD_BODY},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["outcome"]["outcome"] == "applied"
    assert state(ctx, crossing) is TripState.CROSSED
    assert trips.timeline(ctx.uow(), crossing)[1][-1].override_reason == why


def test_a_passage_recorded_by_hand_after_hours_is_refused_unless_overridden_and_the_log_keeps_why(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    trip_id = cleared(ctx, world)
    logged = gate_ops.device_log(ctx.uow(), GATE, limit=1, offset=0)[1]
    clock_of(ctx).set(VN_EVENING)
    body = {"checkpoint": "border_line", "plate": plate_of(ctx, trip_id), "actor": GUARD_BODY}
    refused = client.post(f"/api/v1/gates/{GATE}/manual-reads", json=body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "gate.closed"
    assert state(ctx, trip_id) is TripState.CLEARED
    assert gate_ops.device_log(ctx.uow(), GATE, limit=1, offset=0)[1] == logged  # nothing kept of the refused one
    why = "Xe cứu trợ / 救援车辆 / relief convoy"
    done = client.post(f"/api/v1/gates/{GATE}/manual-reads", json={**body, "override_reason": why})
    assert done.status_code == 201 and done.json()["outcome"] == "applied", done.text
    assert trips.timeline(ctx.uow(), trip_id)[1][-1].override_reason == why
    records, _ = gate_ops.device_log(ctx.uow(), GATE, limit=1, offset=0)
    assert records[0].payload["override_reason"] == why


def test_a_read_is_judged_at_the_time_the_truck_passed_not_when_it_was_delivered(
    ctx: ServiceContext, world: World
) -> None:
    trip_id = cleared(ctx, world)
    passed = datetime.fromisoformat("2026-06-02T17:25:00+07:00")  # open
    clock_of(ctx).set(VN_EVENING)  # delivered after the link came back, once the gate had shut
    late = gate_ops.apply_device_message(
        ctx.uow(),
        clock=ctx.clock,
        message=PlateRead(
            message_id="buffered-1",
            device_id=f"{GATE}:anpr-border_line",
            gate_id=GATE,
            checkpoint=Checkpoint.BORDER_LINE,
            plate_text=plate_of(ctx, trip_id),
            confidence=0.97,
            at=passed,
        ),
    )
    assert late.outcome == "applied" and state(ctx, trip_id) is TripState.CROSSED
    assert trips.timeline(ctx.uow(), trip_id)[1][-1].override_reason is None


def test_an_officer_recording_by_hand_after_hours_gets_the_error_not_a_review(
    ctx: ServiceContext, world: World
) -> None:
    trip_id = cleared(ctx, world)
    clock_of(ctx).set(VN_EVENING)
    with pytest.raises(GateClosed) as refused:
        gate_ops.record_manual_read(
            ctx.uow(),
            clock=ctx.clock,
            gate_id=GATE,
            checkpoint="border_line",
            plate=plate_of(ctx, trip_id),
            actor=GUARD,
        )
    assert refused.value.params["until"] == MORNING
    assert gate_ops.review_queue(ctx.uow(), GATE, "open", limit=10, offset=0)[1] == 0
