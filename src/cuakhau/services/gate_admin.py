"""Administering a gate: hours and their exceptions, closures, lanes, yards, inspection bays, the counterpart's
acceptance — each change first tried as a dry run, then applied, re-planned and audited.

One use case serves the pages (``adapters/web/pages/gate_admin.py``) and the API
(``adapters/web/routers/gate_admin.py``), so a form can do exactly what the API allows:

* **who**: the ``administer_gate`` permission at that gate (a gate administrator at their own gates, a system
  administrator anywhere); anyone else is refused (403, as every gate route: the gate list is public);
* **dry run**: the change is applied and the bookings it affects re-planned exactly as for real —
  ``equeue.capacity_changed`` (or ``apply_acceptance``) inside the unit of work — and then the unit of work is
  rolled back: nothing is written, nobody is told, and the answer says how many bookings would move to another
  slot and how many to the waiting list;
* **for real**: the same, committed, with one row in ``gate_changes``: who, when, the kind of change, what it
  was before and after (JSON), and the bookings it moved.

A closure's reason is published in both languages of the pair (Vietnamese and Chinese, English optional): the
closure keeps them as one text, ``vi / zh[ / en]``, as the holiday closures are written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.capacity import day_bounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput, NotFound, require
from cuakhau.domain.gate import Closure, ClosureKind, Direction, Gate, OpeningPeriod
from cuakhau.domain.inspection import InspectionResource, ResourceKind
from cuakhau.domain.trip import Actor, new_id
from cuakhau.domain.yard import Yard
from cuakhau.services import access, equeue
from cuakhau.services.equeue import DayPlan
from cuakhau.services.inspection_queue import resource_in, start_due_in
from cuakhau.services.ports import UnitOfWork

#: How far a change of the weekly hours, a lane or the bays reaches: every day a booking may be held for.
REPLAN_HORIZON = DEFAULT_RULES.horizon + timedelta(days=1)
MAX_REASON = 500
MAX_QUOTA = 100_000
MAX_YARD = 100_000
RECENT = 20


class ChangeKind(StrEnum):
    HOURS = "hours"  # the weekly opening hours
    SPECIAL_HOURS = "special_hours"  # one date with other hours (or closed all day), or back to the weekly hours
    CLOSURE = "closure"  # an ad-hoc closure with its reason
    LIFT_CLOSURE = "lift_closure"  # a closure withdrawn
    LANE = "lane"  # one lane opened or closed
    YARD = "yard"  # a yard's capacity
    INSPECTION = "inspection"  # inspection bays or desks: how many, how long each truck takes
    ACCEPTANCE = "acceptance"  # the counterpart's declared daily/hourly quota for one day


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    periods: list[OpeningPeriod]
    kind = ChangeKind.HOURS


@dataclass(frozen=True, slots=True)
class SpecialHours:
    day: date
    periods: list[OpeningPeriod] | None  # [] closed all day; None: the exception removed
    kind = ChangeKind.SPECIAL_HOURS


@dataclass(frozen=True, slots=True)
class NewClosure:
    starts_at: datetime
    ends_at: datetime
    reason_vi: str
    reason_zh: str
    reason_en: str = ""
    closure_kind: str = ClosureKind.SUSPENSION.value
    kind = ChangeKind.CLOSURE


@dataclass(frozen=True, slots=True)
class LiftClosure:
    closure_id: str
    kind = ChangeKind.LIFT_CLOSURE


@dataclass(frozen=True, slots=True)
class LaneState:
    code: str
    open: bool
    kind = ChangeKind.LANE


@dataclass(frozen=True, slots=True)
class YardCapacity:
    yard_id: str
    capacity: int
    kind = ChangeKind.YARD


@dataclass(frozen=True, slots=True)
class InspectionCapacity:
    resource: str  # customs_bay, quarantine_bay, laboratory
    capacity: int
    service_minutes: float
    kind = ChangeKind.INSPECTION


@dataclass(frozen=True, slots=True)
class Acceptance:
    direction: str
    day: date
    daily_quota: int | None
    hourly_quota: int | None
    reason: str | None = None
    kind = ChangeKind.ACCEPTANCE


GateChange = (
    WeeklyHours | SpecialHours | NewClosure | LiftClosure | LaneState | YardCapacity | InspectionCapacity | Acceptance
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change did (or, in a dry run, would do): bookings moved to another slot, bookings sent to the
    waiting list, the state before and after; ``change_id`` the audit row (None in a dry run)."""

    kind: ChangeKind
    dry_run: bool
    moved: int
    waitlisted: int
    before: dict[str, Any]
    after: dict[str, Any]
    change_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AdminView:
    """What the administration page shows of a gate."""

    gate: Gate
    counterpart: Gate | None
    yards: list[Yard]
    resources: list[InspectionResource]
    acceptances: list[dict[str, Any]]  # today and the next days: direction, day, daily quota, hourly quota
    changes: list[dict[str, Any]]


def change_gate(
    uow: UnitOfWork, *, clock: Clock, principal: Principal, gate_id: str, change: GateChange, dry_run: bool
) -> Outcome:
    """Apply ``change`` to the gate and re-plan the bookings it affects; a dry run rolls everything back."""
    access.require_gate(principal, Permission.ADMINISTER_GATE, gate_id)
    _check(change)
    actor = principal.as_actor()
    now = clock.now()
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        before, after, plans = _apply(uow, clock, gate, change, actor)
        waitlisted = sum(p.waitlisted for p in plans)
        moved = sum(p.moved for p in plans) - waitlisted
        change_id = None
        if dry_run:
            uow.rollback()
        else:
            change_id = new_id()
            uow.gates.record_change(
                {
                    "id": change_id,
                    "gate_id": gate.id,
                    "kind": change.kind.value,
                    "actor_id": actor.id,
                    "actor_role": actor.role.value,
                    "at": now,
                    "before": before,
                    "after": after,
                    "moved": moved,
                    "waitlisted": waitlisted,
                }
            )
            uow.commit()
    return Outcome(change.kind, dry_run, moved, waitlisted, before, after, change_id, now)


def recent_changes(uow: UnitOfWork, *, principal: Principal, gate_id: str, limit: int = RECENT) -> list[dict[str, Any]]:
    """The gate's audited changes, newest first (for those who may administer it)."""
    access.require_gate(principal, Permission.ADMINISTER_GATE, gate_id)
    with uow:
        require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        return uow.gates.changes(gate_id, limit=limit)


def admin_view(uow: UnitOfWork, *, clock: Clock, principal: Principal, gate_id: str, days: int = 3) -> AdminView:
    access.require_gate(principal, Permission.ADMINISTER_GATE, gate_id)
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
        today = gate.local(clock.now()).date()
        acceptances = []
        for offset in range(days):
            day = today + timedelta(days=offset)
            for flow in Direction:
                daily, hourly = _acceptance(uow, gate.id, flow, day)
                acceptances.append({"direction": flow.value, "day": day, "daily_quota": daily, "hourly_quota": hourly})
        return AdminView(
            gate=gate,
            counterpart=counterpart,
            yards=uow.yards.for_gate(gate.id),
            resources=[resource_in(uow, gate, kind) for kind in ResourceKind],
            acceptances=acceptances,
            changes=uow.gates.changes(gate.id, limit=RECENT),
        )


# --- checks that need nothing read --------------------------------------------------------------------------


def _check(change: GateChange) -> None:
    if isinstance(change, WeeklyHours) and not change.periods:
        raise InvalidInput("gate.hours_required", field="periods")
    if isinstance(change, NewClosure):
        for name in ("reason_vi", "reason_zh"):
            if not getattr(change, name).strip():
                raise InvalidInput("reason.required", field=name)
        for name in ("reason_vi", "reason_zh", "reason_en"):
            if len(getattr(change, name)) > MAX_REASON:
                raise InvalidInput("text.too_long", field=name, max=MAX_REASON)
        parse_enum(ClosureKind, change.closure_kind, field="closure_kind")
    if isinstance(change, YardCapacity) and not 1 <= change.capacity <= MAX_YARD:
        raise InvalidInput("request.out_of_range", field="capacity", expected=f"1–{MAX_YARD}")
    if isinstance(change, Acceptance):
        parse_enum(Direction, change.direction, field="direction")
        for name, value in (("daily_quota", change.daily_quota), ("hourly_quota", change.hourly_quota)):
            if value is not None and not 0 <= value <= MAX_QUOTA:
                raise InvalidInput("request.out_of_range", field=name, expected=f"0–{MAX_QUOTA}")
        if change.daily_quota is None and change.hourly_quota is None:
            raise InvalidInput("acceptance.empty", field="daily_quota")
        if change.reason is not None and len(change.reason) > MAX_REASON:
            raise InvalidInput("text.too_long", field="reason", max=MAX_REASON)


# --- applying one change inside the open unit of work --------------------------------------------------------


def periods_json(periods: list[OpeningPeriod]) -> list[dict[str, Any]]:
    return [
        {"opens": p.opens.isoformat("minutes"), "closes": p.closes.isoformat("minutes"), "weekdays": sorted(p.weekdays)}
        for p in periods
    ]


def _closure(c: Closure) -> dict[str, Any]:
    return {
        "id": c.id,
        "starts_at": c.starts_at.isoformat(),
        "ends_at": c.ends_at.isoformat(),
        "kind": c.kind.value,
        "reason": c.reason,
    }


def _replan(uow: UnitOfWork, clock: Clock, gate: Gate, start: datetime, end: datetime) -> list[DayPlan]:
    return equeue.capacity_changed(uow, clock=clock, gate_id=gate.id, start=start, end=end)


Applied = tuple[dict[str, Any], dict[str, Any], list[DayPlan]]


def _apply(uow: UnitOfWork, clock: Clock, gate: Gate, change: GateChange, actor: Actor) -> Applied:
    now = clock.now()
    if isinstance(change, WeeklyHours):
        uow.gates.set_opening_hours(gate.id, periods_json(change.periods))
        after: dict[str, Any] = {"hours": periods_json(change.periods)}
        return {"hours": periods_json(gate.opening_hours)}, after, _replan(uow, clock, gate, now, now + REPLAN_HORIZON)
    if isinstance(change, SpecialHours):
        return _special_hours(uow, clock, gate, change)
    if isinstance(change, NewClosure):
        return _new_closure(uow, clock, gate, change)
    if isinstance(change, LiftClosure):
        found = next((c for c in gate.closures if c.id == change.closure_id), None)
        if found is None or found.ends_at <= now or not uow.gates.remove_closure(gate.id, change.closure_id):
            raise NotFound("closure", change.closure_id[:64], field="closure_id")
        plans = _replan(uow, clock, gate, found.starts_at, found.ends_at)
        return {"closure": _closure(found)}, {"closure": None}, plans
    if isinstance(change, LaneState):
        lane = next((ln for ln in gate.lanes if ln.code == change.code), None)
        if lane is None or not uow.gates.set_lane_open(gate.id, lane.code, change.open):
            raise NotFound("lane", change.code[:16], field="code")
        return (
            {"lane": lane.code, "open": lane.open},
            {"lane": lane.code, "open": change.open},
            _replan(uow, clock, gate, now, now + REPLAN_HORIZON),
        )
    if isinstance(change, YardCapacity):
        yard = next((y for y in uow.yards.for_gate(gate.id) if y.id == change.yard_id), None)
        if yard is None:
            raise NotFound("yard", change.yard_id[:64], field="yard_id")
        uow.yards.update(replace(yard, capacity=change.capacity))
        # Trucks wait in the yard on arrival: its size moves no booking.
        return {"yard": yard.id, "capacity": yard.capacity}, {"yard": yard.id, "capacity": change.capacity}, []
    if isinstance(change, InspectionCapacity):
        return _inspection(uow, clock, gate, change, actor)
    return _acceptance_change(uow, clock, gate, change, actor)


def _special_hours(uow: UnitOfWork, clock: Clock, gate: Gate, change: SpecialHours) -> Applied:
    today = gate.local(clock.now()).date()
    timebounds.check_day(change.day, field="day", earliest=today, latest=today + timedelta(days=366))
    uow.gates.set_special_hours(gate.id, change.day, change.periods)
    old = gate.special_hours.get(change.day)
    before = {"day": change.day.isoformat(), "hours": periods_json(old) if old is not None else None}
    after = {
        "day": change.day.isoformat(),
        "hours": periods_json(change.periods) if change.periods is not None else None,
    }
    start, end = day_bounds(gate, change.day)
    # a period of the day before may run past midnight into it, one of the day into the next
    return before, after, _replan(uow, clock, gate, start - timedelta(days=1), end + timedelta(days=1))


def _new_closure(uow: UnitOfWork, clock: Clock, gate: Gate, change: NewClosure) -> Applied:
    now = clock.now()
    texts = [change.reason_vi.strip(), change.reason_zh.strip(), change.reason_en.strip()]
    reason = " / ".join(t for t in texts if t)
    kind = parse_enum(ClosureKind, change.closure_kind, field="closure_kind")
    closure = Closure(change.starts_at, change.ends_at, reason, kind, id=new_id())
    if closure.ends_at <= now:
        raise InvalidInput("closure.in_past", field="ends_at")
    timebounds.check_closure(closure.starts_at, closure.ends_at, now=now)
    uow.gates.add_closure(gate.id, closure)
    after = {"closure": _closure(closure), "reason": {"vi": texts[0], "zh": texts[1], "en": texts[2] or None}}
    return {"closure": None}, after, _replan(uow, clock, gate, closure.starts_at, closure.ends_at)


def _inspection(uow: UnitOfWork, clock: Clock, gate: Gate, change: InspectionCapacity, actor: Actor) -> Applied:
    """As ``inspections.set_resource``: the quarantine bays are also the bays the e-queue books against."""
    now = clock.now()
    kind = parse_enum(ResourceKind, change.resource, field="resource")
    current = resource_in(uow, gate, kind)
    resource = InspectionResource(
        gate.id, kind, change.capacity, timedelta(minutes=change.service_minutes), current.hours
    )
    uow.inspections.save_resource(resource, at=now, by=actor.id)
    plans: list[DayPlan] = []
    if kind is ResourceKind.QUARANTINE_BAY:
        uow.gates.set_inspection_capacity(gate.id, change.capacity, change.service_minutes)
        plans = _replan(uow, clock, gate, now, now + REPLAN_HORIZON)
    start_due_in(uow, resource, now)
    return _resource(current), _resource(resource), plans


def _resource(r: InspectionResource) -> dict[str, Any]:
    return {"resource": r.kind.value, "capacity": r.capacity, "service_minutes": r.service_time / timedelta(minutes=1)}


def _acceptance(uow: UnitOfWork, gate_id: str, flow: Direction, day: date) -> tuple[int | None, int | None]:
    quota = uow.quotas.get(gate_id, flow, day.isoformat())
    return (quota[0] if quota else None), uow.quotas.latest_hourly(gate_id, flow, day.isoformat())


def _acceptance_change(uow: UnitOfWork, clock: Clock, gate: Gate, change: Acceptance, actor: Actor) -> Applied:
    flow = parse_enum(Direction, change.direction, field="direction")
    daily, hourly = _acceptance(uow, gate.id, flow, change.day)
    plans = equeue.apply_acceptance(
        uow,
        clock=clock,
        gate_id=gate.id,
        direction=flow,
        day=change.day,
        daily_quota=change.daily_quota,
        hourly_quota=change.hourly_quota,
        actor=actor,
        reason=change.reason,
    )
    key = {"direction": flow.value, "day": change.day.isoformat()}
    before = {**key, "daily_quota": daily, "hourly_quota": hourly}
    after = {**key, "daily_quota": change.daily_quota, "hourly_quota": change.hourly_quota, "reason": change.reason}
    return before, after, plans
