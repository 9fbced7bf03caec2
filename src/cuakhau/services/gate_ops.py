"""Gate operations use cases: apply device messages exactly once, the review queue, manual fallback, the yard.

A device message is claimed in the device log (its device and message id are the key) in the same transaction as
its effect, so a message the broker redelivers is recognised and applied once. What a device saw that cannot be
applied safely — a low-confidence or unreadable plate, an unknown truck, a truck not allowed through that point,
a full yard, a weight far from the declaration, a barrier fault, a malformed message — goes to the review queue
for an officer: never silently dropped, and a barrier opens only for a trip allowed through its checkpoint.

When devices or links are down, officers record the same reads by hand (``origin = manual``); when the device
later delivers its own read of the same passage, it is marked as reconciling the manual one instead of being
applied again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.devices import (
    BarrierCommand,
    BarrierPosition,
    BarrierState,
    Checkpoint,
    DeviceMessage,
    PlateRead,
    ReadOrigin,
    WeighbridgeReading,
)
from cuakhau.domain.errors import Conflict, CuakhauError, GateClosed, InvalidInput, require
from cuakhau.domain.gate import Gate, shut_error, shut_params
from cuakhau.domain.stages import StageSpan, stage_clock, totals
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState, new_id
from cuakhau.domain.values import Plate
from cuakhau.domain.yard import WeighRule, Yard, YardVisit
from cuakhau.services import lanes, open_hours
from cuakhau.services.lifecycle import step
from cuakhau.services.ports import DeviceRecord, ReviewItem, TripFilter, UnitOfWork, VisitRow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OFFICER_ROLES = frozenset({ActorRole.CUSTOMS, ActorRole.QUARANTINE, ActorRole.BORDER_GUARD, ActorRole.GATE_ADMIN})


@dataclass(frozen=True, slots=True)
class DevicePolicy:
    """Published rules for device reads."""

    #: A plate read below this confidence is not acted on: an officer confirms it.
    min_confidence: float = 0.85
    weigh: WeighRule = field(default_factory=WeighRule)

    def as_dict(self) -> dict[str, Any]:
        return {"min_confidence": self.min_confidence, "weighbridge": self.weigh.as_dict()}


DEFAULT_POLICY = DevicePolicy()


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    """What a message did: ``applied`` (a step or a yard move), ``confirmed`` (seen again, nothing to do),
    ``reconciled`` (a device confirmed a manual record), ``review`` (queued for an officer), ``recorded``
    (kept, no effect), ``duplicate`` (already applied)."""

    outcome: str
    trip_id: str | None = None
    commands: list[BarrierCommand] = field(default_factory=list)
    review_id: str | None = None
    detail: str | None = None


class _Review(Exception):
    def __init__(self, kind: str, detail: dict[str, Any], trip_id: str | None = None) -> None:
        super().__init__(kind)
        self.kind, self.detail, self.trip_id = kind, detail, trip_id


def apply_device_message(
    uow: UnitOfWork,
    *,
    clock: Clock,
    message: DeviceMessage,
    policy: DevicePolicy = DEFAULT_POLICY,
    override_reason: str | None = None,
) -> DeviceOutcome:
    """Apply one device message exactly once (a redelivery is recognised by its device and message id).

    A lane or border-line passage while a side of the gate pair is shut (``services.open_hours``) goes to review
    as ``gate_closed``; a passage an officer records by hand is refused instead (``gate.closed``), unless
    ``override_reason`` lets it through (kept on the step and in the device log)."""
    with uow:
        record = _record(message, clock.now(), override_reason)
        if not uow.devices.claim(record):
            return DeviceOutcome("duplicate")
        try:
            outcome = _apply(uow, clock, message, policy, override_reason)
        except _Review as review:
            item = ReviewItem(
                id=new_id(),
                gate_id=message.gate_id,
                kind=review.kind,
                created_at=clock.now(),
                detail=review.detail,
                device_id=message.device_id,
                message_id=message.message_id,
                checkpoint=getattr(message, "checkpoint", None),
                plate=getattr(message, "plate_text", None),
                trip_id=review.trip_id,
            )
            uow.reviews.add(item)
            outcome = DeviceOutcome("review", trip_id=review.trip_id, review_id=item.id, detail=review.kind)
        uow.devices.finish(
            message.device_id,
            message.message_id,
            outcome=outcome.outcome,
            trip_id=outcome.trip_id,
            detail=outcome.detail,
        )
        uow.commit()
    return outcome


def reject_message(
    uow: UnitOfWork, *, clock: Clock, gate_id: str, topic: str, payload: bytes, error: CuakhauError
) -> str:
    """A message that could not be parsed: kept in the review queue with the field at fault."""
    item = ReviewItem(
        id=new_id(),
        gate_id=gate_id[:64] or "unknown",
        kind="malformed",
        created_at=clock.now(),
        detail={
            "topic": topic[:500],
            "payload": payload[:4000].decode("utf-8", "replace"),
            "code": error.code,
            "field": error.field,
        },
    )
    with uow:
        uow.reviews.add(item)
        uow.commit()
    return item.id


def _record(message: DeviceMessage, now: datetime, override_reason: str | None = None) -> DeviceRecord:
    payload: dict[str, Any]
    checkpoint: str | None
    plate: str | None
    if isinstance(message, PlateRead):
        kind, checkpoint, plate = "plate", message.checkpoint.value, message.plate_text
        payload = {"confidence": message.confidence, "image_ref": message.image_ref, "lane_id": message.lane_id}
        if override_reason is not None:
            payload["override_reason"] = override_reason
        origin = message.origin.value
    elif isinstance(message, WeighbridgeReading):
        kind, checkpoint, plate = "weighbridge", None, message.plate_text
        payload = {"gross_kg": str(message.gross_kg), "stable": message.stable}
        origin = message.origin.value
    else:
        kind, checkpoint, plate = "barrier", message.checkpoint.value, None
        payload = {"position": message.position.value}
        origin = ReadOrigin.DEVICE.value
    return DeviceRecord(
        device_id=message.device_id,
        message_id=message.message_id,
        gate_id=message.gate_id,
        kind=kind,
        checkpoint=checkpoint,
        plate=plate,
        origin=origin,
        at=message.at,
        received_at=now,
        payload=payload,
    )


def _apply(
    uow: UnitOfWork, clock: Clock, message: DeviceMessage, policy: DevicePolicy, override_reason: str | None
) -> DeviceOutcome:
    gate = uow.gates.get(message.gate_id)
    if gate is None:
        raise _Review("unknown_gate", {"gate_id": message.gate_id})
    if isinstance(message, BarrierState):
        if message.position is BarrierPosition.FAULT:
            raise _Review("barrier_fault", {"checkpoint": message.checkpoint.value})
        return DeviceOutcome("recorded")
    if isinstance(message, WeighbridgeReading):
        return _weigh(uow, gate, message, policy)
    if message.confidence < policy.min_confidence:
        raise _Review(
            "low_confidence",
            {"confidence": message.confidence, "threshold": policy.min_confidence, "image_ref": message.image_ref},
        )
    trip = _trip_for(uow, gate, message.plate_text, image_ref=message.image_ref)
    return _pass(uow, clock, gate, trip, message, override_reason)


def _trip_for(uow: UnitOfWork, gate: Gate, plate_text: str, *, image_ref: str | None = None) -> Trip:
    try:
        plate = Plate.parse(plate_text)
    except InvalidInput as exc:
        raise _Review("unreadable_plate", {"code": exc.code, "image_ref": image_ref}) from None
    vehicle = uow.vehicles.get_by_plate(plate.text)
    if vehicle is None:
        raise _Review("unknown_plate", {"plate": plate.text, "image_ref": image_ref})
    trips = sorted(
        (t for t in uow.trips.active_for_vehicle(vehicle.id) if t.gate_id == gate.id),
        key=lambda t: (t.declared_at or EPOCH, t.id),
    )
    if not trips:
        raise _Review("no_trip", {"plate": plate.text, "image_ref": image_ref})
    return trips[-1]


#: checkpoint -> (state a truck must be in to pass, the step it takes, the states that show it already passed)
_PASSAGE: dict[Checkpoint, tuple[TripState, TripAction | None, frozenset[TripState]]] = {
    Checkpoint.YARD_ENTRY: (
        TripState.DISPATCHED,
        TripAction.ARRIVE,
        frozenset(TripState) - {TripState.DECLARED, TripState.BOOKED, TripState.DISPATCHED},
    ),
    Checkpoint.YARD_EXIT: (TripState.CALLED, None, frozenset()),
    Checkpoint.LANE: (TripState.CALLED, None, frozenset()),
    Checkpoint.BORDER_LINE: (TripState.CLEARED, TripAction.CROSS, frozenset({TripState.CROSSED})),
}


def _pass(
    uow: UnitOfWork, clock: Clock, gate: Gate, trip: Trip, read: PlateRead, override_reason: str | None = None
) -> DeviceOutcome:
    """The truck is at a checkpoint: let it through if its trip allows it, and record the passage."""
    actor = _actor(read)
    allowed_state, action, passed = _PASSAGE[read.checkpoint]
    already = trip.state in passed
    if read.checkpoint is Checkpoint.YARD_ENTRY and not already and trip.state is allowed_state:
        yard = _yard(uow, gate)
        if yard is not None and uow.yards.occupancy(yard.id) >= yard.capacity:
            raise _Review("yard_full", {"yard_id": yard.id, "capacity": yard.capacity}, trip.id)
        _step(uow, clock, trip, TripAction.ARRIVE, actor, read)
        if yard is not None:
            vehicle = require(uow.vehicles.get(trip.vehicle_id), "vehicle", trip.vehicle_id)
            uow.yards.enter(
                YardVisit(trip.id, yard.id, vehicle.plate.text, read.at, refrigerated=vehicle.refrigerated),
                read.origin.value,
            )
        return _opened(gate, trip, read, f"{trip.state.value}: entered the yard on its booking")
    if read.checkpoint is Checkpoint.YARD_EXIT:
        row = uow.yards.visit(trip.id)
        if row is not None and row.visit.exited_at is not None:
            already = True
        elif trip.state is TripState.CALLED:
            uow.yards.exit(trip.id, read.at, read.origin.value)
            return _opened(gate, trip, read, "called forward to its lane")
    if read.checkpoint is Checkpoint.LANE:
        call = uow.lanes.last_for_trip(trip.id)
        if call is not None and call.status == "at_lane":
            already = True
        elif trip.state is TripState.CALLED:
            _open_for(uow, gate, trip, read, override_reason)
            lanes.at_lane(uow, clock, trip)
            return _opened(gate, trip, read, "called to this lane")
    if read.checkpoint is Checkpoint.BORDER_LINE and not already and trip.state is allowed_state:
        assert action is not None
        _step(uow, clock, trip, action, actor, read, override_reason)
        return _opened(gate, trip, read, "cleared by customs: crossing")
    if already:
        manual = uow.devices.unreconciled_manual(trip.id, read.checkpoint.value)
        if manual is not None and read.origin is ReadOrigin.DEVICE:
            uow.devices.mark_reconciled(manual, f"{read.device_id}/{read.message_id}")
            return DeviceOutcome("reconciled", trip_id=trip.id, detail=f"{manual.device_id}/{manual.message_id}")
        return DeviceOutcome("confirmed", trip_id=trip.id)
    raise _Review(
        "not_allowed",
        {"state": trip.state.value, "checkpoint": read.checkpoint.value, "needs": allowed_state.value},
        trip.id,
    )


def _step(
    uow: UnitOfWork,
    clock: Clock,
    trip: Trip,
    action: TripAction,
    actor: Actor,
    read: PlateRead,
    override_reason: str | None = None,
) -> None:
    """Take the step the passage implies, judged at the read's time; a rule that refuses it (e.g. a truck past
    its slot and grace) sends the read to review with that rule's code instead of failing the message (which the
    broker would redeliver forever). A passage while the gate pair is shut goes to review as ``gate_closed``; one
    an officer records by hand is refused over the API instead."""
    try:
        with uow.savepoint():
            step(uow, trip, action, actor=actor, clock=clock, at=read.at, override_reason=override_reason)
    except GateClosed as exc:
        if read.origin is ReadOrigin.MANUAL:
            raise
        raise _Review("gate_closed", {"code": exc.code, "action": action.value, **exc.params}, trip.id) from None
    except CuakhauError as exc:
        raise _Review("refused", {"code": exc.code, "action": action.value, **exc.params}, trip.id) from None


def _open_for(uow: UnitOfWork, gate: Gate, trip: Trip, read: PlateRead, override_reason: str | None) -> None:
    """A truck entering its lane while a side of the gate pair is shut: to review (a device), refused (by hand),
    unless an officer's ``override_reason`` lets it through."""
    shut = open_hours.shut_in(uow, gate, read.at)
    if shut is None or override_reason is not None:
        return
    if read.origin is ReadOrigin.MANUAL:
        raise shut_error(shut, field="at")
    detail = {"code": "gate.closed", "checkpoint": read.checkpoint.value, **shut_params(shut)}
    raise _Review("gate_closed", detail, trip.id)


def _opened(gate: Gate, trip: Trip, read: PlateRead, why: str) -> DeviceOutcome:
    if read.origin is ReadOrigin.MANUAL:
        return DeviceOutcome("applied", trip_id=trip.id, detail=why)  # the officer lets it through by hand
    command = BarrierCommand(
        command_id=new_id(),
        gate_id=gate.id,
        device_id=read.device_id,  # each ANPR camera drives the barrier it stands at (docs/devices.md)
        checkpoint=read.checkpoint,
        plate=read.plate_text,
        trip_id=trip.id,
        reason=why,
        at=read.at,
    )
    return DeviceOutcome("applied", trip_id=trip.id, commands=[command], detail=why)


def _actor(read: PlateRead) -> Actor:
    if read.origin is ReadOrigin.MANUAL:
        role, _, officer = read.device_id.removeprefix("manual:").partition(":")
        return Actor(officer or read.device_id, parse_enum(ActorRole, role, field="actor.role"))
    return Actor(f"device:{read.device_id}", ActorRole.SYSTEM)


def _yard(uow: UnitOfWork, gate: Gate) -> Yard | None:
    yards = uow.yards.for_gate(gate.id)
    return yards[0] if yards else None


def _weigh(uow: UnitOfWork, gate: Gate, reading: WeighbridgeReading, policy: DevicePolicy) -> DeviceOutcome:
    if reading.plate_text is None:
        raise _Review("weight_unmatched", {"gross_kg": str(reading.gross_kg)})
    trip = _trip_for(uow, gate, reading.plate_text)
    shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
    vehicle = require(uow.vehicles.get(trip.vehicle_id), "vehicle", trip.vehicle_id)
    deviation = policy.weigh.deviation(reading.gross_kg, shipment.gross_kg, refrigerated=vehicle.refrigerated)
    if deviation is not None:
        expected = policy.weigh.expected_kg(shipment.gross_kg, refrigerated=vehicle.refrigerated)
        raise _Review(
            "weight_mismatch",
            {
                "weighed_kg": str(reading.gross_kg),
                "expected_kg": str(expected),
                "declared_gross_kg": str(shipment.gross_kg),
                "deviation": str(deviation),
                "tolerance": str(policy.weigh.tolerance),
            },
            trip.id,
        )
    return DeviceOutcome("recorded", trip_id=trip.id, detail="weight within tolerance")


# --- manual fallback and the review queue ----------------------------------------------------------------


def record_manual_read(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    checkpoint: str,
    plate: str,
    actor: Actor,
    at: datetime | None = None,
    note: str | None = None,
    override_reason: str | None = None,
) -> DeviceOutcome:
    """An officer records a passage by hand while the camera or the link is down; it is marked manual.

    A lane entry or a crossing while a side of the gate pair is shut is refused (``gate.closed``) unless the
    officer gives ``override_reason``, kept on the trip's step and in the device log."""
    if actor.role not in OFFICER_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    point = parse_enum(Checkpoint, checkpoint, field="checkpoint")
    override = open_hours.override(override_reason, actor)
    now = clock.now()
    if at is not None:
        timebounds.check_representable(at, "at")
    read = PlateRead(
        message_id=new_id(),
        device_id=f"manual:{actor.role.value}:{actor.id}"[:128],
        gate_id=gate_id,
        checkpoint=point,
        plate_text=plate,
        confidence=1.0,
        at=at or now,
        image_ref=note,
        origin=ReadOrigin.MANUAL,
    )
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    if at is not None:  # the window is told in the gate's local time
        timebounds.check_instant(
            at,
            field="at",
            earliest=now - timebounds.MANUAL_READ_LATE,
            latest=now + timebounds.CLOCK_SKEW,
            tz=gate.timezone,
        )
    return apply_device_message(uow, clock=clock, message=read, override_reason=override)


def resolve_review(
    uow: UnitOfWork,
    *,
    clock: Clock,
    item_id: str,
    actor: Actor,
    decision: str,
    reason: str,
    plate: str | None = None,
) -> tuple[ReviewItem, DeviceOutcome | None]:
    """An officer closes a review item: ``dismiss`` it, or ``apply`` it as a manual read (with a corrected plate)."""
    if actor.role not in OFFICER_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    if decision not in ("apply", "dismiss"):
        raise InvalidInput("enum.invalid", field="decision", value=decision, allowed=["apply", "dismiss"])
    if not reason.strip():
        raise InvalidInput("reason.required", field="reason")
    with uow:
        item = require(uow.reviews.get(item_id), "review_item", item_id)
    outcome = None
    if decision == "apply":
        if item.checkpoint is None or not (plate or item.plate):
            raise InvalidInput("review.not_applicable", field="decision", kind=item.kind)
        outcome = record_manual_read(
            uow,
            clock=clock,
            gate_id=item.gate_id,
            checkpoint=item.checkpoint,
            plate=plate or item.plate or "",
            actor=actor,
            note=f"review {item.id}: {reason.strip()}"[:500],
            # Applying a read the gate's hours sent to review is the officer's override, with the same reason.
            override_reason=reason,
        )
    with uow:
        status = "resolved" if decision == "apply" else "dismissed"
        note = reason.strip() + (f" → {outcome.outcome}" if outcome else "")
        if not uow.reviews.resolve(item.id, status=status, at=clock.now(), by=actor.id, resolution=note):
            raise Conflict("review.closed", field="id")
        closed = require(uow.reviews.get(item.id), "review_item", item.id)
        uow.commit()
    return closed, outcome


def review_queue(
    uow: UnitOfWork, gate_id: str, status: str | None, *, limit: int, offset: int
) -> tuple[list[ReviewItem], int]:
    with uow:
        require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        return uow.reviews.page(gate_id, status, limit=limit, offset=offset)


def device_log(uow: UnitOfWork, gate_id: str, *, limit: int, offset: int) -> tuple[list[DeviceRecord], int]:
    with uow:
        require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        return uow.devices.recent(gate_id, limit=limit, offset=offset)


# --- the yard and the stage clock --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YardStatus:
    yard: Yard
    occupancy: int
    trucks: list[tuple[VisitRow, Decimal]]  # each truck present, with the fee accrued so far


def yard_status(uow: UnitOfWork, *, clock: Clock, gate_id: str) -> list[YardStatus]:
    now = clock.now()
    with uow:
        require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        out = []
        for yard in uow.yards.for_gate(gate_id):
            present = uow.yards.present(yard.id)
            trucks = [(v, yard.tariff.fee(v.visit.dwell(now), refrigerated=v.visit.refrigerated)) for v in present]
            out.append(YardStatus(yard, len(present), trucks))
        return out


def trip_stages(uow: UnitOfWork, *, clock: Clock, trip_id: str) -> list[StageSpan]:
    with uow:
        require(uow.trips.get(trip_id), "trip", trip_id)
        return stage_clock(uow.trips.events(trip_id), clock.now())


@dataclass(frozen=True, slots=True)
class DelayReport:
    trips: int
    by_stage: dict[str, float]  # hours
    by_agency: dict[str, float]


MAX_DELAY_TRIPS = 5000


def gate_delays(uow: UnitOfWork, *, clock: Clock, gate_id: str, since: datetime, until: datetime) -> DelayReport:
    """Hours spent by stage and by agency over the trips declared at a gate in ``[since, until)``."""
    now = clock.now()
    timebounds.check_representable(since, "since")
    timebounds.check_representable(until, "until")
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        timebounds.check_period(since, until, now=now, tz=gate.timezone)
        found, _ = uow.trips.find(
            TripFilter(gate_id=gate_id, declared_from=since, declared_to=until), limit=MAX_DELAY_TRIPS, offset=0
        )
        spans = [span for s in found for span in stage_clock(uow.trips.events(s.trip.id), now)]
    by_stage, by_agency = totals(spans)
    hours = 3600.0
    return DelayReport(
        trips=len(found),
        by_stage={k: round(v.total_seconds() / hours, 2) for k, v in sorted(by_stage.items())},
        by_agency={k: round(v.total_seconds() / hours, 2) for k, v in sorted(by_agency.items())},
    )
