"""One demo trip walked through its stages: booked, dispatched, seen by the yard camera and weighbridge, called,
inspected at a quarantine bay (now and then sampled for the laboratory), held, released or rejected, and seen
crossing the line: each step through the production use case or device handler, at its time on a manual clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from cuakhau.domain.booking import Booking
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint, PlateRead, WeighbridgeReading
from cuakhau.domain.errors import Conflict
from cuakhau.domain.gate import Gate, pair_shut
from cuakhau.domain.inspection import InspectionJob
from cuakhau.domain.parties import Vehicle
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import (
    REASON_REQUIRED,
    TRANSITIONS,
    Actor,
    ActorRole,
    TripAction,
    TripState,
    allowed_actions,
)
from cuakhau.services import equeue, gate_ops, gates, inspections, registry, shipments
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.gate_ops import DeviceOutcome

HOLD_REASONS = [
    (
        ActorRole.QUARANTINE,
        "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检农残 / sampled for pesticide residue test",
    ),
    (
        ActorRole.CUSTOMS,
        "Khối lượng cân lệch khai báo / 过磅重量与申报不符 / weighbridge differs from declared gross",
    ),
    (
        ActorRole.QUARANTINE,
        "Phát hiện côn trùng sống, chờ xử lý / 发现活虫，待处理 / live insects found, awaiting treatment",
    ),
]


REASONS = {
    "cancel": "Hàng chưa đủ độ chín / 果实未达成熟度 / fruit not ripe enough",
    "no_show": "Không đến trong khung giờ + 2 giờ ân hạn / 超过预约时段 + 2 小时宽限 / missed slot + 2 h grace",
    "reject": "Không đạt yêu cầu kiểm dịch / 检疫不合格 / failed plant quarantine",
    "return": "Quay đầu về nội địa / 退运 / turned back to origin",
}

#: Steps that wait for both sides of the gate pair to be open (``services.open_hours``).
OPEN_HOURS_STEPS = frozenset({"call", "cross"})

SAMPLE_REASON = "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检农残 / sampled for pesticide residue test"


def shortest_path(target: TripState) -> list[TripAction]:
    """The fewest lifecycle steps from ``declared`` to ``target``, found in the published table."""
    paths: dict[TripState, list[TripAction]] = {TripState.DECLARED: []}
    frontier = [TripState.DECLARED]
    while frontier:
        state = frontier.pop(0)
        for action in allowed_actions(state):
            nxt = TRANSITIONS[action][1]
            if nxt not in paths:
                paths[nxt] = [*paths[state], action]
                frontier.append(nxt)
    return paths[target]


def progress(
    ctx: ServiceContext,
    clock: ManualClock,
    rng: random.Random,
    trip_id: str,
    gate_id: str,
    now: datetime,
    target: TripState | None = None,
    *,
    no_show: bool = True,
) -> str:
    """Walk one trip through a plausible path, stopping at the real present; returns the state reached.

    With ``target`` the trip takes the shortest path to that state instead, so the demo shows every stage.
    ``no_show=False`` spares the trip a no-show: the demo accounts' enterprise must stay free to book.
    """
    officer = Actor(f"{gate_id}:customs-{rng.randrange(1, 9):02d}", ActorRole.CUSTOMS)
    quarantine = Actor(f"{gate_id}:quarantine-{rng.randrange(1, 5):02d}", ActorRole.QUARANTINE)
    guard = Actor(f"{gate_id}:border-guard-{rng.randrange(1, 5):02d}", ActorRole.BORDER_GUARD)
    driver = Actor(f"driver:{trip_id[:8]}", ActorRole.DRIVER)
    exporter = Actor(f"exporter:{trip_id[:8]}", ActorRole.EXPORTER)
    system = Actor("cuakhau:gate-sensors", ActorRole.SYSTEM)

    path: list[tuple[str, Actor, float, str | None]] = [("book", exporter, rng.uniform(0.1, 1.0), None)]
    fate = rng.random()
    if target is not None:
        path = [
            (a.value, officer, rng.uniform(0.1, 0.5), REASONS.get(a.value, HOLD_REASONS[1][1]))  # customs: weighbridge
            if a in REASON_REQUIRED
            else (a.value, exporter if a is TripAction.BOOK else officer, rng.uniform(0.1, 0.5), None)
            for a in shortest_path(target)
        ]
    elif fate < 0.04:
        path.append(("cancel", exporter, rng.uniform(0.5, 3), REASONS["cancel"]))
    elif fate < 0.055 and no_show:  # rare: three in 30 days suspend the enterprise's booking (published penalty)
        path.append(("no_show", system, rng.uniform(6, 10), REASONS["no_show"]))
    else:
        path += [("dispatch", driver, rng.uniform(0.5, 3), None), ("arrive", system, rng.uniform(1, 5), None)]
        path.append(("call", officer, rng.uniform(0.5, 6), None))
        path_done = False
        if rng.random() < 0.55:  # plant quarantine at a bay; now and then a sample goes to the laboratory
            path.append(("bay", quarantine, rng.uniform(0.1, 0.5), None))
            if rng.random() < 0.08:
                path.append(("sample", quarantine, rng.uniform(0.3, 0.6), SAMPLE_REASON))
                path.append(("lab", quarantine, 0.0, None))
                path.append(("clear", officer, rng.uniform(0.2, 1), None))
                path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
                path_done = True
            else:
                path.append(("pass", quarantine, rng.uniform(0.3, 0.6), None))
        if path_done:
            pass
        elif rng.random() < 0.12:
            role, hold_reason = rng.choice(HOLD_REASONS)
            holder = quarantine if role is ActorRole.QUARANTINE else officer
            path.append(("hold", holder, rng.uniform(0.2, 1), hold_reason))
            if rng.random() < 0.25:
                path += [
                    ("reject", holder, rng.uniform(2, 8), REASONS["reject"]),
                    ("return", guard, rng.uniform(0.5, 2), REASONS["return"]),
                ]
            else:
                path.append(("release", holder, rng.uniform(1, 10), None))
                path.append(("clear", officer, rng.uniform(0.2, 1), None))
                path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
        else:
            path.append(("clear", officer, rng.uniform(0.2, 1.5), None))
            path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
    at = clock.now()
    state = TripState.DECLARED
    travel = timedelta(minutes=rng.randrange(90, 300, 10))  # from the staging yard or packing house
    slot: datetime | None = None
    job: InspectionJob | None = None
    for action, actor, hours, reason in path:
        at += timedelta(hours=hours)
        if slot is not None and action == "dispatch":
            at = max(clock.now(), slot - travel)  # leave on time: the truck should not wait at the border
        elif slot is not None and action == "arrive":
            at = clock.now() + travel + timedelta(minutes=rng.randrange(0, 20))
        elif slot is not None and action == "no_show":
            at = max(at, slot + timedelta(hours=3, minutes=rng.randrange(0, 60)))
        if action == "lab" and job is not None and job.due_at is not None:
            at = job.due_at + timedelta(minutes=rng.randrange(5, 90))  # the result comes with the turnaround
        if action in OPEN_HOURS_STEPS:
            # Nobody is called forward and nobody crosses while either side is shut: the truck waits for the morning.
            opens = when_open(ctx, gate_id, at)
            if opens is None:
                break
            if opens > at:  # the first officers of the morning take a few minutes
                later = opens + timedelta(minutes=rng.randrange(1, 30))
                opens = later if when_open(ctx, gate_id, later) == later else opens
            at = opens
        if at > now:
            break
        clock.set(at)
        if action in ("arrive", "cross"):
            reached = _device_passage(ctx, clock, rng, trip_id, gate_id, action)
            if reached is None:
                break  # the read went to the review queue: an officer has it
            state = reached
            continue
        if action in ("bay", "pass", "sample", "lab"):
            job = _inspection(ctx, clock, trip_id, action, actor, reason, job)
            state = trip_service.get_trip(ctx.uow(), trip_id).state
            if job is None:
                break  # waiting for a place in the bay: the queue shows it
            continue
        if action == "book":
            try:
                booking = _book(ctx, clock, trip_id, at, travel, rng, actor)
            except Conflict as exc:
                if exc.code not in ("booking.vehicle_busy", "booking.suspended"):
                    raise
                break  # the truck holds another booking, or its enterprise is suspended: the trip stays declared
            if booking.slot_start is None:
                break  # on the waiting list
            slot, state = booking.slot_start, TripState.BOOKED
            continue
        trip, _ = trip_service.transition_trip(
            ctx.uow(), clock=clock, trip_id=trip_id, action=action, actor=actor, reason=reason
        )
        state = trip.state
        if action == "call" and target is None:
            _yard_exit(ctx, clock, rng, trip_id)
    return state.value


def when_open(ctx: ServiceContext, gate_id: str, at: datetime) -> datetime | None:
    """The first instant at or after ``at`` when both sides of ``gate_id``'s pair are open (None: not within the
    gates' reopening horizon)."""
    gate = gates.get_gate(ctx.uow(read_only=True), gate_id)
    counterpart: Gate | None = (
        gates.get_gate(ctx.uow(read_only=True), gate.counterpart_id) if gate.counterpart_id else None
    )
    for _ in range(16):  # each round moves to one side's next opening; the pair's hours meet within a few
        shut = pair_shut((gate, counterpart), at)
        if shut is None:
            return at
        if shut.until is None:
            return None
        at = shut.until
    return None


def _truck(ctx: ServiceContext, trip_id: str) -> tuple[Vehicle, Shipment]:
    trip = trip_service.get_trip(ctx.uow(), trip_id)
    vehicle = registry.get_vehicle(ctx.uow(read_only=True), trip.vehicle_id)
    return vehicle, shipments.get_shipment(ctx.uow(read_only=True), trip.shipment_id)


def _camera(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    plate: str,
    checkpoint: Checkpoint,
    confidence: float,
    at: datetime,
    attempt: int = 0,
) -> DeviceOutcome:
    """One ANPR read at a checkpoint of the trip's gate, applied by the production device handler."""
    trip = trip_service.get_trip(ctx.uow(), trip_id)
    read = PlateRead(
        message_id=f"{trip_id[:12]}-{checkpoint.value}-{attempt}",
        device_id=f"{trip.gate_id}:anpr-{checkpoint.value.replace('_', '-')}",
        gate_id=trip.gate_id,
        checkpoint=checkpoint,
        plate_text=plate,
        confidence=round(confidence, 3),
        at=at,
        image_ref=f"anpr/{trip.gate_id}/{at:%Y%m%d}/{trip_id[:12]}-{checkpoint.value}-{attempt}.jpg",
    )
    return gate_ops.apply_device_message(ctx.uow(), clock=clock, message=read)


def _device_passage(
    ctx: ServiceContext, clock: ManualClock, rng: random.Random, trip_id: str, gate_id: str, action: str
) -> TripState | None:
    """The truck passes a camera (and at the yard, the weighbridge): the same handler as the MQTT listener.

    Now and then the camera reads badly; the read goes to review and the camera's next frame, a few seconds
    later, is confident. Now and then the weighbridge is far from the declaration: the flag waits for an officer.
    """
    vehicle, shipment = _truck(ctx, trip_id)
    checkpoint = Checkpoint.YARD_ENTRY if action == "arrive" else Checkpoint.BORDER_LINE
    outcome = None
    for attempt in range(2):
        confident = attempt > 0 or rng.random() > 0.03
        confidence = rng.uniform(0.9, 0.995) if confident else rng.uniform(0.55, 0.8)
        outcome = _camera(ctx, clock, trip_id, vehicle.plate.display, checkpoint, confidence, clock.now(), attempt)
        if outcome.outcome != "review" or outcome.detail != "low_confidence":
            break
        clock.set(clock.now() + timedelta(seconds=rng.randrange(3, 12)))
    if checkpoint is Checkpoint.YARD_ENTRY and outcome is not None and outcome.outcome == "applied":
        rule = gate_ops.DEFAULT_POLICY.weigh
        expected = rule.expected_kg(shipment.gross_kg, refrigerated=vehicle.refrigerated)
        off = Decimal("1.12") if rng.random() < 0.03 else Decimal(str(round(rng.uniform(0.985, 1.015), 4)))
        weighed = WeighbridgeReading(
            message_id=f"{trip_id[:12]}-weigh",
            device_id=f"{gate_id}:weighbridge-1",
            gate_id=gate_id,
            gross_kg=(expected * off).quantize(Decimal("10")),
            at=clock.now() + timedelta(seconds=40),
            plate_text=vehicle.plate.display,
        )
        gate_ops.apply_device_message(ctx.uow(), clock=clock, message=weighed)
    state = trip_service.get_trip(ctx.uow(), trip_id).state
    wanted = TripState.ARRIVED if checkpoint is Checkpoint.YARD_ENTRY else TripState.CROSSED
    return state if state is wanted else None


def _yard_exit(ctx: ServiceContext, clock: ManualClock, rng: random.Random, trip_id: str) -> None:
    """Called forward, the truck drives out of the yard past its exit camera: the visit closes, its fee is due."""
    vehicle, _ = _truck(ctx, trip_id)
    confidence = rng.uniform(0.9, 0.995)  # drawn before the time, as the demo's seeded day always has
    at = clock.now() + timedelta(minutes=rng.randrange(2, 8))
    _camera(ctx, clock, trip_id, vehicle.plate.display, Checkpoint.YARD_EXIT, confidence, at)


def _inspection(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    action: str,
    actor: Actor,
    reason: str | None,
    job: InspectionJob | None,
) -> InspectionJob | None:
    """A quarantine bay inspection, its outcome, and a laboratory sample's result; ``None`` while it queues."""
    try:
        if action == "bay":
            job = inspections.request_inspection(
                ctx.uow(), clock=clock, trip_id=trip_id, kind="quarantine_bay", actor=actor, reason=None
            )
        elif action in ("pass", "sample") and job is not None:
            outcome = "sample" if action == "sample" else "pass"
            done, sample = inspections.finish_inspection(
                ctx.uow(), clock=clock, job_id=job.id, outcome=outcome, actor=actor, reason=reason
            )
            job = sample or done
        elif action == "lab" and job is not None:
            job = inspections.record_lab_result(ctx.uow(), clock=clock, job_id=job.id, outcome="pass", actor=actor)
    except Conflict as exc:
        if exc.code != "inspection.not_in_progress":
            raise
        return None
    if job is None or job.state.value == "queued":
        return None
    return job


def _book(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    at: datetime,
    travel: timedelta,
    rng: random.Random,
    actor: Actor,
) -> Booking:
    return equeue.book(
        ctx.uow(),
        clock=clock,
        request=equeue.BookingRequest(
            trip_id=trip_id,
            earliest=at + travel,
            latest=at + travel + timedelta(hours=rng.choice([12, 16, 24])),
            travel_minutes=int(travel / timedelta(minutes=1)),
            actor=actor,
            idempotency=equeue.Idempotency("demo", trip_id, "demo"),
        ),
    ).booking
