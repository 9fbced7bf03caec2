"""Re-planning a gate day under a published allocation policy."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.allocation import AllocationPolicy, FirstComeFirstServed, OptimalPlanner, PriorityGreedy
from cuakhau.domain.booking import DEFAULT_RULES, Booking, BookingRules
from cuakhau.domain.capacity import day_bounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput, require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.replanning import DayProblem, Target
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState
from cuakhau.services.equeue.common import SYSTEM, _notify, _release, _save_trip, ensure_slots
from cuakhau.services.ports import Take, UnitOfWork

POLICIES: dict[str, type[AllocationPolicy]] = {
    "optimal": OptimalPlanner,
    "fcfs": FirstComeFirstServed,
    "priority": PriorityGreedy,
}


@dataclass(frozen=True, slots=True)
class DayPlan:
    gate_id: str
    direction: Direction
    day: date
    policy: str
    moved: int
    placed: int
    waiting: int
    cost: int
    #: Of the ``moved``, how many went to the waiting list (the others moved to another slot).
    waitlisted: int = 0


def replan(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    day: date,
    policy: str = "optimal",
    actor: Actor = SYSTEM,
    rules: BookingRules = DEFAULT_RULES,
) -> DayPlan:
    """Re-plan a gate day's bookings under a published policy and tell every truck that moved."""
    flow = parse_enum(Direction, direction, field="direction")
    if actor.role not in {ActorRole.GATE_ADMIN, ActorRole.SYSTEM}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    if policy not in POLICIES:
        raise InvalidInput("enum.invalid", field="policy", value=policy[:40], allowed=", ".join(POLICIES))
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        # a past day is re-planned as a no-op (its trucks are fixed); no day past the horizon has bookings
        timebounds.check_readable_day(day, today=gate.local(clock.now()).date(), horizon=rules.horizon)
        ensure_slots(uow, gate, flow, [day])
        result = _replan_day(uow, clock, gate, flow, day, POLICIES[policy](), actor, rules)
        uow.commit()
    return result


def _replan_day(
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    direction: Direction,
    day: date,
    policy: AllocationPolicy,
    actor: Actor,
    rules: BookingRules,
    capacity_override: dict[datetime, tuple[int, int]] | None = None,
    quota_limit: int | None = None,
    cause: Mapping[str, Any] | None = None,
) -> DayPlan:
    """The day's movable bookings re-assigned under ``policy`` (decided by :mod:`cuakhau.domain.replanning`);
    counters moved by releases, then takes. ``cause``: the change that made the re-plan necessary (a closure,
    the counterpart's quota …: ``reason`` and its params), given as the reason of every booking it moves."""
    now = clock.now()
    start, end = day_bounds(gate, day)
    slots = uow.slots.between(gate.id, direction, start, end)
    trips: dict[str, Trip] = {}
    bookings: list[tuple[Booking, TripState]] = []
    for b in uow.bookings.open_for_window(gate.id, direction, start, end):
        trip = uow.trips.get(b.trip_id)
        if trip is not None:
            trips[b.trip_id] = trip
            bookings.append((b, trip.state))
    resource = f"{gate.id}/{direction.value}"
    problem = DayProblem.of(
        slots, bookings, now=now, resource=resource, max_wait=rules.max_wait_hours, capacity_override=capacity_override
    )
    plan = policy.plan(problem.problem)
    # The counterpart's daily acceptance bounds the day as a whole.
    quota = uow.quotas.get(gate.id, direction, day.isoformat())
    limit = quota_limit if quota_limit is not None else (quota[0] if quota else None)
    targets = problem.decide(plan, quota_limit=limit)
    changed = [_because(t, cause, gate) if cause else t for t in targets if t.changed]
    _move_places(uow, gate, direction, day, changed)
    for t in changed:
        _record_move(uow, clock, gate, t, trips[t.booking.trip_id], actor, now)
    placed = sum(t.slot_start is not None for t in targets)
    return DayPlan(
        gate_id=gate.id,
        direction=direction,
        day=day,
        policy=plan.policy,
        moved=len(changed),
        placed=placed,
        waiting=len(targets) - placed,
        cost=plan.cost,
        waitlisted=sum(t.slot_start is None for t in changed),
    )


def _because(target: Target, cause: Mapping[str, Any], gate: Gate) -> Target:
    """A move the known ``cause`` forced says so: the cause's reason and params (times in the gate's local time
    with its offset), the planner's own reason kept as ``placement``. A booking placed from the waiting list
    keeps the planner's reason: the change did not move it."""
    if target.booking.held_slot is None and target.slot_start is not None:
        return target
    params: dict[str, Any] = {
        k: gate.local(v).isoformat() if isinstance(v, datetime) else v for k, v in cause.items() if k != "reason"
    }
    params["placement"] = target.reason
    return dataclasses.replace(target, reason=str(cause["reason"]), params={**target.params, **params})


def _move_places(uow: UnitOfWork, gate: Gate, direction: Direction, day: date, changed: list[Target]) -> None:
    """Release every place that changes hands, then take the new ones: swaps never trip the capacity check."""
    for t in changed:
        _release(uow, gate, t.booking, t.booking.held_slot)
    for t in changed:
        if t.slot_start is not None:
            taken = uow.slots.take_place(
                gate.id, direction, t.slot_start, day.isoformat(), inspection=t.booking.needs_inspection
            )
            if taken is not Take.TAKEN:  # pragma: no cover - the plan respects the locked capacities
                raise Conflict("concurrent_update", entity="slot", key=t.slot_start.isoformat())


def _record_move(
    uow: UnitOfWork, clock: Clock, gate: Gate, target: Target, trip: Trip, actor: Actor, now: datetime
) -> None:
    """Make one booking's move, record it with its reason, book its trip if it was only declared, tell it."""
    b, old = target.booking, target.booking.held_slot
    target.apply(at=now)
    uow.bookings.save(b)
    uow.bookings.add_change(b, at=now, from_slot=old, actor_id=actor.id)
    if target.slot_start is not None and trip.state is TripState.DECLARED:
        _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
        kind = NotificationKind.PROMOTED
    elif target.slot_start is None:
        kind = NotificationKind.WAITLISTED
    else:
        kind = NotificationKind.SLOT_CHANGED
    _notify(uow, clock, kind, b, gate)
