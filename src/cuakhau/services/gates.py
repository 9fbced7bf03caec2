"""Gate use cases: read gates with their hours and closures; publish a closure; publish the holiday closures
the gates' rules make in the coming days (the daily ``holiday_closures`` job)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cuakhau.domain import timebounds
from cuakhau.domain.calendar import holiday_closures
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput, NotFound, require
from cuakhau.domain.gate import Closure, ClosureKind, Gate
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import equeue
from cuakhau.services.gate_config import is_generated
from cuakhau.services.ports import UnitOfWork

#: How far ahead the daily job publishes the holiday closures the rules make (install and import publish this
#: year's and next year's, at least 365 days ahead: the job keeps that lead as the years pass).
HOLIDAY_HORIZON = timedelta(days=400)

CLOSURE_ROLES = frozenset({ActorRole.GATE_ADMIN, ActorRole.COUNTERPART, ActorRole.SYSTEM})


def list_gates(uow: UnitOfWork) -> list[Gate]:
    with uow:
        return uow.gates.all()


def get_gate(uow: UnitOfWork, gate_id: str) -> Gate:
    with uow:
        return require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")


def add_closure(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    kind: str,
    actor: Actor,
) -> Closure:
    """Publish a closure (Tết, Spring Festival, an ad-hoc suspension) with its reason."""
    if actor.role not in CLOSURE_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    closure_kind = parse_enum(ClosureKind, kind, field="kind")
    closure = Closure(starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), kind=closure_kind, id=new_id())
    if closure.ends_at <= clock.now():
        raise InvalidInput("closure.in_past", field="ends_at")
    timebounds.check_closure(closure.starts_at, closure.ends_at, now=clock.now())
    with uow:
        gate = uow.gates.get(gate_id)
        if gate is None:
            raise NotFound("gate", gate_id, field="gate_id")
        uow.gates.add_closure(gate_id, closure)
        # Capacity on both sides of the line changes: re-plan the bookings it affects and tell their holders why.
        equeue.capacity_changed(
            uow,
            clock=clock,
            gate_id=gate_id,
            start=closure.starts_at,
            end=closure.ends_at,
            cause=equeue.closure_cause(gate, closure, actor.role),
        )
        uow.commit()
    return closure


def publish_holiday_closures(uow: UnitOfWork, *, clock: Clock, horizon: timedelta = HOLIDAY_HORIZON) -> int:
    """Publish the holiday closures every gate's rules make in the next ``horizon``, idempotently: a closure has a
    stable id (:func:`cuakhau.domain.calendar.closure_id`), so one already published is never published twice.
    Bookings a new closure touches are re-planned with the closure as the cause (announced by the system's rule).

    Only closures starting after the last holiday closure already published at the gate are added: a holiday
    closure the board (or the counterpart) lifted before that one stays lifted. Returns how many closures were
    published; commits only when that is more than none.
    """
    now = clock.now()
    until = now + horizon
    added = 0
    with uow:
        for gate in uow.gates.all():
            if not gate.closure_rules:
                continue
            have = {c.id for c in gate.closures}
            frontier = max((c.starts_at for c in gate.closures if is_generated(c)), default=None)
            made = [c for year in range(now.year - 1, until.year + 1) for c in holiday_closures(gate, year)]
            for closure in sorted(made, key=lambda c: c.starts_at):
                if closure.id in have or closure.ends_at <= now or closure.starts_at > until:
                    continue
                if frontier is not None and closure.starts_at <= frontier:
                    continue
                uow.gates.add_closure(gate.id, closure)
                have.add(closure.id)
                added += 1
                equeue.capacity_changed(
                    uow,
                    clock=clock,
                    gate_id=gate.id,
                    start=closure.starts_at,
                    end=closure.ends_at,
                    cause=equeue.closure_cause(gate, closure, ActorRole.SYSTEM),
                )
        if added:
            uow.commit()
    return added
