"""Re-planning a gate day under a published allocation policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.allocation import (
    AllocationPolicy,
    FirstComeFirstServed,
    OptimalPlanner,
    PriorityGreedy,
    Problem,
    Request,
)
from cuakhau.domain.booking import (
    DEFAULT_RULES,
    Booking,
    BookingRules,
    BookingStatus,
)
from cuakhau.domain.capacity import day_bounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput, require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState
from cuakhau.services.equeue.common import (
    MOVABLE_TRIP_STATES,
    SYSTEM,
    _notify,
    _release,
    _save_trip,
    ensure_slots,
    floor_hour,
)
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
) -> DayPlan:
    """The day's movable bookings re-assigned under ``policy``; counters moved by releases, then takes."""
    now = clock.now()
    start, end = day_bounds(gate, day)
    slots = uow.slots.between(gate.id, direction, start, end)
    index = {s.starts_at: i for i, s in enumerate(slots)}
    bookings = uow.bookings.open_for_window(gate.id, direction, start, end)
    movable: list[Booking] = []
    trips: dict[str, Trip] = {}
    for b in bookings:
        trip = uow.trips.get(b.trip_id)
        if trip is None:
            continue
        trips[b.trip_id] = trip
        in_day = b.slot_start is not None and b.slot_start in index
        if b.status is BookingStatus.ACTIVE and not in_day:
            continue  # holds a slot on another day: that day's plan owns it
        if trip.state in MOVABLE_TRIP_STATES and (b.slot_start is None or b.slot_start >= floor_hour(now)):
            movable.append(b)
    # Whatever the counters hold beyond the movable bookings is fixed: trucks on the road, arrived, or past.
    fixed = [s.booked for s in slots]
    fixed_inspection = [s.booked_inspection for s in slots]
    for b in movable:
        if b.status is BookingStatus.ACTIVE and b.slot_start is not None:
            fixed[index[b.slot_start]] -= 1
            fixed_inspection[index[b.slot_start]] -= int(b.needs_inspection)
    capacities = [(capacity_override or {}).get(s.starts_at, (s.capacity, s.inspection_capacity)) for s in slots]
    first_open = next((i for i, s in enumerate(slots) if s.starts_at >= floor_hour(now)), len(slots))
    key = f"{gate.id}/{direction.value}"
    requests = []
    for b in movable:
        lo = max(first_open, _slot_index(slots, b.earliest, up=True))
        hi = min(len(slots) - 1, _slot_index(slots, b.latest, up=False))
        if lo <= hi:
            requests.append(
                Request(
                    id=b.id,
                    windows={key: (lo, hi)},
                    weight=PROFILES[b.perishability].weight,
                    order=b.requested_seq,
                    needs_inspection=b.needs_inspection,
                )
            )
    problem = Problem(
        capacity={key: [max(0, c[0] - fixed[i]) for i, c in enumerate(capacities)]},
        inspection_capacity={key: [max(0, c[1] - fixed_inspection[i]) for i, c in enumerate(capacities)]},
        requests=requests,
        max_wait=rules.max_wait_hours,
    )
    plan = policy.plan(problem)
    # The counterpart's daily acceptance bounds the day as a whole: keep the most urgent within it.
    quota = uow.quotas.get(gate.id, direction, day.isoformat())
    limit = quota_limit if quota_limit is not None else (quota[0] if quota else None)
    by_id = {b.id: b for b in movable}
    placed_ids = [a.request_id for a in plan.assignments if a.slot is not None]
    if limit is not None:
        room = limit - sum(fixed)
        ranked = sorted(placed_ids, key=lambda i: (-PROFILES[by_id[i].perishability].weight, by_id[i].requested_seq))
        over_quota = set(ranked[max(0, room) :])
    else:
        over_quota = set()
    targets: dict[str, tuple[datetime | None, str, str, dict[str, Any]]] = {}
    for a in plan.assignments:
        if a.slot is not None and a.request_id not in over_quota:
            targets[a.request_id] = (slots[a.slot].starts_at, plan.policy, a.reason, dict(a.params))
        elif a.request_id in over_quota:
            targets[a.request_id] = (None, plan.policy, "counterpart_daily_quota", {"quota": limit or 0})
        else:
            targets[a.request_id] = (None, plan.policy, a.reason, dict(a.params))
    planned = {r.id for r in requests}
    for b in movable:
        if b.id not in planned:
            targets[b.id] = (None, plan.policy, "no_capacity_in_window", {})
    # Release every place that changes hands, then take the new ones: swaps never trip the capacity check.
    changed = [b for b in movable if targets[b.id][0] != (b.slot_start if b.status is BookingStatus.ACTIVE else None)]
    for b in changed:
        _release(uow, gate, b)
    for b in changed:
        slot_start = targets[b.id][0]
        if slot_start is not None:
            taken = uow.slots.take_place(gate.id, direction, slot_start, day.isoformat(), inspection=b.needs_inspection)
            if taken is not Take.TAKEN:  # pragma: no cover - the plan respects the locked capacities
                raise Conflict("concurrent_update", entity="slot", key=slot_start.isoformat())
    counts_placed = 0
    for b in movable:
        slot_start, rule, reason, params = targets[b.id]
        counts_placed += slot_start is not None
        if b not in changed:
            continue
        old = b.slot_start if b.status is BookingStatus.ACTIVE else None
        b.slot_start = slot_start
        b.status = BookingStatus.ACTIVE if slot_start is not None else BookingStatus.WAITING
        b.rule, b.reason, b.reason_params, b.updated_at = rule, reason, params, now
        uow.bookings.save(b)
        uow.bookings.add_change(b, at=now, from_slot=old, actor_id=actor.id)
        trip = trips[b.trip_id]
        if slot_start is not None and trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
            kind = NotificationKind.PROMOTED
        elif slot_start is None:
            kind = NotificationKind.WAITLISTED
        else:
            kind = NotificationKind.SLOT_CHANGED
        _notify(uow, clock, kind, b, gate)
    return DayPlan(
        gate_id=gate.id,
        direction=direction,
        day=day,
        policy=plan.policy,
        moved=len(changed),
        placed=counts_placed,
        waiting=len(movable) - counts_placed,
        cost=plan.cost,
    )


def _slot_index(slots: list[Any], instant: datetime, *, up: bool) -> int:
    """Index of the first slot starting at/after ``instant`` (up) or the last starting before it."""
    if up:
        return next((i for i, s in enumerate(slots) if s.starts_at >= floor_hour(instant)), len(slots))
    return max((i for i, s in enumerate(slots) if s.starts_at < instant), default=-1)
