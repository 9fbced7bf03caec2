"""Changes of capacity: closures, the counterpart's declared acceptance, refreshing a day's slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.allocation import OptimalPlanner
from cuakhau.domain.booking import DEFAULT_RULES, BookingRules
from cuakhau.domain.capacity import SLOT, day_bounds, slot_capacities
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput, require
from cuakhau.domain.gate import Closure, Direction, Gate
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services.equeue.common import SYSTEM, ensure_slots
from cuakhau.services.equeue.planning import DayPlan, _replan_day
from cuakhau.services.ports import UnitOfWork


def refresh_capacity(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: Direction,
    days: Iterable[date],
    actor: Actor = SYSTEM,
    rules: BookingRules = DEFAULT_RULES,
    daily_quota: int | None = None,
    cause: Mapping[str, Any] | None = None,
) -> list[DayPlan]:
    """Recompute slot capacities after a change; re-plan days that no longer fit (inside the caller's unit).
    ``cause``: the change (``closure_cause``, ``change_cause``, an acceptance), told to every truck it moves."""
    gate = require(uow.gates.get(gate_id), "gate", gate_id)
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    plans = []
    for day in days:
        hourly = uow.quotas.latest_hourly(gate.id, direction, day.isoformat())
        fresh = slot_capacities(gate, counterpart, direction, day, hourly_quota=hourly)
        uow.slots.ensure(gate.id, direction, fresh)
        start, end = day_bounds(gate, day)
        current = {s.starts_at: s for s in uow.slots.between(gate.id, direction, start, end)}
        quota = uow.quotas.get(gate.id, direction, day.isoformat())
        limit = daily_quota if daily_quota is not None else (quota[0] if quota else None)
        overfull = quota is not None and limit is not None and quota[1] > limit
        target: dict[datetime, tuple[int, int]] = {}
        for c in fresh:
            row = current[c.starts_at]
            target[c.starts_at] = (c.capacity, c.inspection_capacity)
            if row.booked > c.capacity or row.booked_inspection > c.inspection_capacity:
                overfull = True
            # never below what is held now, until the re-plan has moved trucks out
            uow.slots.set_capacity(
                gate.id,
                direction,
                c.starts_at,
                max(c.capacity, row.booked),
                max(c.inspection_capacity, row.booked_inspection),
            )
        if overfull:
            plans.append(
                _replan_day(
                    uow, clock, gate, direction, day, OptimalPlanner(), actor, rules, target, limit, cause=cause
                )
            )
        for starts_at, (cap, insp) in target.items():
            row = next(s for s in uow.slots.between(gate.id, direction, starts_at, starts_at + SLOT))
            # trucks already on the road keep their places even when the slot shrinks below them
            uow.slots.set_capacity(
                gate.id, direction, starts_at, max(cap, row.booked), max(insp, row.booked_inspection)
            )
    return plans


def declare_acceptance(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    day: date,
    daily_quota: int | None,
    hourly_quota: int | None,
    actor: Actor,
    reason: str | None = None,
) -> list[DayPlan]:
    """The counterpart declares how many trucks it accepts (a day or per hour); affected bookings move."""
    flow = parse_enum(Direction, direction, field="direction")
    if actor.role not in {ActorRole.COUNTERPART, ActorRole.GATE_ADMIN, ActorRole.SYSTEM}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    for name, value in (("daily_quota", daily_quota), ("hourly_quota", hourly_quota)):
        if value is not None and not 0 <= value <= 100_000:
            raise InvalidInput("request.out_of_range", field=name, expected="0–100000")
    if daily_quota is None and hourly_quota is None:
        raise InvalidInput("acceptance.empty", field="daily_quota")
    with uow:
        plans = apply_acceptance(
            uow,
            clock=clock,
            gate_id=gate_id,
            direction=flow,
            day=day,
            daily_quota=daily_quota,
            hourly_quota=hourly_quota,
            actor=actor,
            reason=reason,
        )
        uow.commit()
    return plans


def apply_acceptance(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: Direction,
    day: date,
    daily_quota: int | None,
    hourly_quota: int | None,
    actor: Actor,
    reason: str | None = None,
) -> list[DayPlan]:
    """Inside an open unit of work: record a declared acceptance and move the bookings it affects.

    Used by :func:`declare_acceptance` and by the cross-border exchange when the counterpart's declaration
    arrives (applied in the same transaction that claims the message).
    """
    flow = direction
    now = clock.now()
    gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    timebounds.check_plannable_day(day, today=gate.local(now).date(), horizon=DEFAULT_RULES.horizon)
    ensure_slots(uow, gate, flow, [day])
    uow.quotas.record_acceptance(
        {
            "id": new_id(),
            "gate_id": gate.id,
            "direction": flow.value,
            "day": day.isoformat(),
            "daily_quota": daily_quota,
            "hourly_quota": hourly_quota,
            "declared_by": actor.id,
            "reason": reason,
            "declared_at": now,
        }
    )
    key = day.isoformat()
    if daily_quota is not None:
        current = uow.quotas.get(gate.id, flow, key)
        held = (
            current[1] if current else sum(s.booked for s in uow.slots.between(gate.id, flow, *day_bounds(gate, day)))
        )
        # Not below what is held yet: the re-plan first brings the day under the new quota.
        uow.quotas.set_quota(gate.id, flow, key, max(daily_quota, held), held)
    cause: dict[str, Any] = {
        "reason": "counterpart_daily_quota" if daily_quota is not None else "counterpart_hourly_quota",
        "day": day.isoformat(),
        "by": actor.role.value,
    }
    if daily_quota is not None:
        cause["quota"] = daily_quota
    if hourly_quota is not None:
        cause["hourly_quota"] = hourly_quota
    if reason:
        cause["quota_reason"] = reason
    plans = refresh_capacity(
        uow,
        clock=clock,
        gate_id=gate.id,
        direction=flow,
        days=[day],
        actor=actor,
        daily_quota=daily_quota,
        cause=cause,
    )
    if daily_quota is not None:
        after = uow.quotas.get(gate.id, flow, key)
        booked = after[1] if after else 0
        # trucks on the road keep their places even when the quota falls below them
        uow.quotas.set_quota(gate.id, flow, key, max(daily_quota, booked), booked)
    return plans


def closure_cause(gate: Gate, closure: Closure, by: ActorRole) -> dict[str, Any]:
    """What a truck moved by ``closure`` of ``gate`` is told: which gate, from when to when, why, and who
    announced it (by role, never an id)."""
    return {
        "reason": "closure",
        "gate_name": {"vi": gate.names.vi, "zh": gate.names.zh, "en": gate.names.en},
        "starts_at": closure.starts_at,
        "ends_at": closure.ends_at,
        "closure_reason": closure.reason,
        "by": by.value,
    }


def change_cause(reason: str, gate: Gate, by: ActorRole) -> dict[str, Any]:
    """What a truck moved by another change of ``gate`` is told: ``opening_hours`` or ``inspection_capacity``."""
    return {
        "reason": reason,
        "gate_name": {"vi": gate.names.vi, "zh": gate.names.zh, "en": gate.names.en},
        "by": by.value,
    }


def capacity_changed(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    start: datetime,
    end: datetime,
    cause: Mapping[str, Any] | None = None,
) -> list[DayPlan]:
    """Inside an open unit of work: a closure on this gate changed capacity here and at the counterpart.
    ``cause`` (``closure_cause``, ``change_cause``) is told to every truck the change moves.

    Only days that already have slots (someone booked into them, so inside the booking horizon) and are not
    over are refreshed, found in one query — however far the change reaches (a closure until further notice);
    other days are computed fresh when first booked.
    """
    plans: list[DayPlan] = []
    gate = require(uow.gates.get(gate_id), "gate", gate_id)
    gates = {g.id: g for g in (gate, uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None) if g}
    days: dict[tuple[str, Direction], set[date]] = {}
    for gid, flow, starts_at in uow.slots.overlapping(list(gates), max(start, clock.now() - timedelta(days=1)), end):
        days.setdefault((gid, flow), set()).add(gates[gid].local(starts_at).date())
    for gid in gates:
        for flow in Direction:
            if (gid, flow) in days:
                plans += refresh_capacity(
                    uow, clock=clock, gate_id=gid, direction=flow, days=sorted(days[gid, flow]), cause=cause
                )
    return plans
