"""Call-forward use cases: fill free lanes from the yard under the published rule; skip trucks that do not come.

A lane is busy while a truck called to it is on its way or at it (called, inspecting); it frees when that truck
moves on (cleared, held, rejected) or is skipped. Every call and skip is a trip step with its reason, so the
timeline shows why a truck went when it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cuakhau.domain.callforward import DEFAULT_CALL_RULE, Call, CallRule, Waiting, assign_lanes
from cuakhau.domain.capacity import FREIGHT_LANES
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput, require
from cuakhau.domain.gate import Direction, Gate, shut_error
from cuakhau.domain.notification import Notification, NotificationKind
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState, new_id
from cuakhau.services import open_hours
from cuakhau.services.ports import LaneCall, UnitOfWork

CALLER = Actor("cuakhau:call-forward", ActorRole.SYSTEM)
AT_LANE = frozenset({TripState.CALLED, TripState.INSPECTING})
CALL_ROLES = frozenset({ActorRole.GATE_ADMIN, ActorRole.CUSTOMS, ActorRole.SYSTEM})


@dataclass(frozen=True, slots=True)
class CallReport:
    calls: list[Call]
    skipped: list[str]  # trip ids skipped and re-queued
    free_lanes: int
    waiting: int


def call_forward_in(
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    direction: Direction,
    rule: CallRule = DEFAULT_CALL_RULE,
    *,
    strict: bool = False,
    override_reason: str | None = None,
    officer: Actor | None = None,
) -> tuple[list[Call], int, int]:
    """Inside an open unit of work: call trucks to the free lanes; returns the calls, free lanes and queue size.

    While a side of the gate pair is shut nobody is called (``services.open_hours``): an automatic call quietly
    calls nobody, ``strict`` (an officer's button) refuses with ``gate.closed`` unless ``override_reason`` lets
    the trucks through, which each call's step keeps (taken by ``officer``, who overrode)."""
    now = clock.now()
    shut = open_hours.shut_in(uow, gate, now)
    if shut is not None and override_reason is None:
        if strict:
            raise shut_error(shut)
        return [], 0, 0
    kept = override_reason if shut is not None else None
    caller = officer if kept is not None and officer is not None else CALLER
    lanes = [ln for ln in gate.lanes_for(direction) if ln.kind in FREIGHT_LANES and ln.open]
    busy = uow.lanes.busy_lanes(gate.id, direction)
    free = [ln for ln in lanes if ln.code not in busy]
    # Trucks an officer sent to a lane by hand occupy a lane too, though we do not know which one.
    taken_by_hand = uow.lanes.occupied_without_call(gate.id, direction)
    free = free[: max(0, len(free) - taken_by_hand)]
    rows = uow.lanes.waiting(gate.id, direction)
    waiting = []
    for row in rows:
        if row.last_skip_at is not None and row.last_skip_at + rule.call_timeout > now:
            continue  # skipped a moment ago: let the others go first for one call timeout
        perishability = row.perishability
        if perishability is None:
            perishability = require(uow.shipments.get(row.shipment_id), "shipment", row.shipment_id).perishability
        since = max(x for x in (row.entered_at, row.arrived_at, row.last_skip_at) if x is not None)
        waiting.append(Waiting(row.trip_id, perishability, row.slot_start, since))
    calls = assign_lanes(waiting, free)
    for call in calls:
        trip = require(uow.trips.get(call.trip_id), "trip", call.trip_id)
        trip.apply(TripAction.CALL, actor=caller, clock=clock, reason=call.reason, override_reason=kept)
        uow.trips.save(trip)
        uow.lanes.add(
            LaneCall(
                id=new_id(),
                trip_id=trip.id,
                gate_id=gate.id,
                direction=direction,
                lane=call.lane,
                position=call.position,
                reason=call.reason,
                status="called",
                called_at=now,
                deadline=now + rule.call_timeout,
            )
        )
        _notify_called(uow, clock, gate, trip, call, now + rule.call_timeout)
    return calls, len(free), len(waiting)


def call_forward(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    actor: Actor,
    rule: CallRule = DEFAULT_CALL_RULE,
    override_reason: str | None = None,
) -> CallReport:
    """Fill the free lanes of a gate now (an officer's button): refused with ``gate.closed`` while a side of the
    pair is shut, unless an officer gives ``override_reason``."""
    if actor.role not in CALL_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    flow = parse_enum(Direction, direction, field="direction")
    reason = open_hours.override(override_reason, actor)
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        calls, free, waiting = call_forward_in(
            uow, clock, gate, flow, rule, strict=True, override_reason=reason, officer=actor
        )
        uow.commit()
    return CallReport(calls=calls, skipped=[], free_lanes=free, waiting=waiting)


def lane_freed(uow: UnitOfWork, clock: Clock, trip: Trip, actor: Actor) -> None:
    """Inside an open unit of work: ``trip`` left its lane; close its call and call the next truck to the lane.

    Only lanes that call-forward manages are refilled automatically: a truck an officer called by hand frees
    no known lane.
    """
    call = uow.lanes.open_for_trip(trip.id)
    if call is None:
        return
    uow.lanes.set_status(call.id, "done", clock.now())
    gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
    call_forward_in(uow, clock, gate, trip.direction)


def at_lane(uow: UnitOfWork, clock: Clock, trip: Trip) -> bool:
    """Inside an open unit of work: the called truck reached its lane in time (a lane camera or an officer)."""
    call = uow.lanes.open_for_trip(trip.id)
    if call is None or call.status != "called":
        return False
    uow.lanes.set_status(call.id, "at_lane", clock.now())
    return True


def skip_late(uow: UnitOfWork, *, clock: Clock, rule: CallRule = DEFAULT_CALL_RULE) -> CallReport:
    """Trucks called but not at their lane by the deadline go back to the queue; their lanes are refilled."""
    skipped: list[str] = []
    calls: list[Call] = []
    with uow:
        now = clock.now()
        touched: set[tuple[str, Direction]] = set()
        expired = uow.lanes.expired(now)
        for call in expired:
            trip = uow.trips.get(call.trip_id)
            uow.lanes.set_status(call.id, "skipped", now)
            if trip is None or trip.state is not TripState.CALLED:
                continue  # it moved on by another way (an officer); the call is simply closed
            minutes = int(rule.call_timeout / timedelta(minutes=1))
            reason = (
                f"not at lane {call.lane} within {minutes} min of the call at {call.called_at.isoformat()}: "
                f"re-queued, not called again for {minutes} min"
            )
            trip.apply(TripAction.REQUEUE, actor=CALLER, clock=clock, reason=reason)
            uow.trips.save(trip)
            skipped.append(trip.id)
            touched.add((call.gate_id, call.direction))
        for gate_id, direction in sorted(touched):
            gate = require(uow.gates.get(gate_id), "gate", gate_id)
            calls += call_forward_in(uow, clock, gate, direction, rule)[0]
        if expired:  # nothing expired: nothing written, nothing to commit (it runs every half minute)
            uow.commit()
    return CallReport(calls=calls, skipped=skipped, free_lanes=len(calls), waiting=0)


def _notify_called(uow: UnitOfWork, clock: Clock, gate: Gate, trip: Trip, call: Call, come_by: datetime) -> None:
    uow.outbox.add(
        Notification(
            id=new_id(),
            kind=NotificationKind.CALLED.value,
            created_at=clock.now(),
            language="vi" if gate.country.value == "VN" else "zh",
            payload={
                "gate_id": gate.id,
                "lane": call.lane,
                "reason": call.reason,
                "come_by": come_by.isoformat(),
            },
            trip_id=trip.id,
        )
    )
