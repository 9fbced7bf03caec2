"""Gate use cases: read gates with their hours and closures; publish a closure."""

from __future__ import annotations

from datetime import datetime

from cuakhau.domain import timebounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput, NotFound, require
from cuakhau.domain.gate import Closure, ClosureKind, Gate
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import equeue
from cuakhau.services.ports import UnitOfWork

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
