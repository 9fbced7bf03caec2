"""Declaring our gate's hours, closures and acceptance: applied here and sent across, together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import InvalidInput, NotFound
from cuakhau.domain.exchange import MessageKind
from cuakhau.domain.gate import Closure, Direction, OpeningPeriod
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import equeue
from cuakhau.services.exchange.common import Identity, enqueue, own_gate, peer_for_gate
from cuakhau.services.ports import UnitOfWork


def _closure_json(c: Closure) -> dict[str, Any]:
    return {
        "id": c.id,
        "starts_at": c.starts_at.isoformat(),
        "ends_at": c.ends_at.isoformat(),
        "kind": c.kind.value,
        "reason": c.reason,
    }


def _period_json(p: OpeningPeriod) -> dict[str, Any]:
    return {
        "opens": p.opens.isoformat("minutes"),
        "closes": p.closes.isoformat("minutes"),
        "weekdays": sorted(p.weekdays),
    }


@dataclass(frozen=True, slots=True)
class AcceptanceIn:
    """How many trucks our gate accepts from the other side (direction ``import`` = into our country)."""

    day: date
    direction: Direction = Direction.IMPORT
    daily_quota: int | None = None
    hourly_quota: int | None = None
    reason: str | None = None


def declare_capacity(
    uow: UnitOfWork,
    *,
    clock: Clock,
    identity: Identity,
    gate_id: str,
    actor: Actor,
    closures: Sequence[Closure] = (),
    lifted: Sequence[str] = (),
    acceptance: Sequence[AcceptanceIn] = (),
    hours: Sequence[OpeningPeriod] | None = None,
) -> dict[str, Any]:
    """Publish our gate's hours, closures and acceptance: applied here and sent to the counterpart, together."""
    if actor.role not in {ActorRole.GATE_ADMIN, ActorRole.SYSTEM}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    if not (closures or lifted or acceptance or hours is not None):
        raise InvalidInput("exchange.empty_declaration", field="closures")
    for i, a in enumerate(acceptance):
        for name, value in (("daily_quota", a.daily_quota), ("hourly_quota", a.hourly_quota)):
            if value is not None and not 0 <= value <= 100_000:
                raise InvalidInput("request.out_of_range", field=f"acceptance[{i}].{name}", expected="0–100000")
        if a.daily_quota is None and a.hourly_quota is None:
            raise InvalidInput("acceptance.empty", field=f"acceptance[{i}].daily_quota")
    now = clock.now()
    with uow:
        gate = own_gate(uow, identity, gate_id)
        today = gate.local(now).date()
        for i, a in enumerate(acceptance):  # only days the gate across can plan: it refuses others
            timebounds.check_plannable_day(
                a.day, today=today, horizon=DEFAULT_RULES.horizon, field=f"acceptance[{i}].date"
            )
        new_closures = []
        for i, c in enumerate(closures):
            closure = Closure(c.starts_at, c.ends_at, c.reason, c.kind, id=c.id or new_id())
            if closure.ends_at <= now:
                raise InvalidInput("closure.in_past", field="closures")
            timebounds.check_closure(closure.starts_at, closure.ends_at, now=now, field=f"closures[{i}]")
            new_closures.append(closure)
        peer = peer_for_gate(uow, gate.counterpart_id or "")
        sent_closures = []
        for closure in new_closures:
            uow.gates.add_closure(gate.id, closure)
            equeue.capacity_changed(
                uow,
                clock=clock,
                gate_id=gate.id,
                start=closure.starts_at,
                end=closure.ends_at,
                cause=equeue.closure_cause(gate, closure, actor.role),
            )
            sent_closures.append(_closure_json(closure))
        for closure_id in lifted:
            found = next((c for c in gate.closures if c.id == closure_id), None)
            if found is None or not uow.gates.remove_closure(gate.id, closure_id):
                raise NotFound("closure", closure_id, field="lifted")
            equeue.capacity_changed(uow, clock=clock, gate_id=gate.id, start=found.starts_at, end=found.ends_at)
        if hours is not None:
            uow.gates.set_opening_hours(gate.id, [_period_json(p) for p in hours])
            equeue.capacity_changed(
                uow,
                clock=clock,
                gate_id=gate.id,
                start=now,
                end=now + timedelta(days=14),
                cause=equeue.change_cause("opening_hours", gate, actor.role),
            )
        body: dict[str, Any] = {
            "gate_id": gate.id,
            "closures": sent_closures,
            "lifted": list(lifted),
            "acceptance": [
                {
                    "date": a.day.isoformat(),
                    "direction": a.direction.value,
                    "daily_quota": a.daily_quota,
                    "hourly_quota": a.hourly_quota,
                    "reason": a.reason,
                }
                for a in acceptance
            ],
            "hours": [_period_json(p) for p in hours] if hours is not None else None,
            "declared_by": actor.id,
        }
        envelope = enqueue(uow, clock, identity, peer["id"], MessageKind.CAPACITY, gate.id, body)
        uow.commit()
    return envelope


def parse_hours(rows: Sequence[Mapping[str, Any]]) -> list[OpeningPeriod]:
    return [
        OpeningPeriod(time.fromisoformat(r["opens"]), time.fromisoformat(r["closes"]), frozenset(r["weekdays"]))
        for r in rows
    ]
