"""Open hours where time matters: no truck is called forward, enters a lane or crosses while either side of its
gate pair is shut (outside its opening hours in its own time zone, or a closure such as a holiday).

What refuses and what happens then:

* over the API (a lifecycle step ``call`` or ``cross``, the call-forward button, a passage recorded by hand) the
  request is refused with ``gate.closed`` (409), naming the side that is shut, why, and until when in that side's
  local time with its offset;
* from a device (a lane or border-line camera) the read goes to the review queue as ``gate_closed`` with the same
  facts, and the barrier stays down;
* the automatic call-forward (a lane freed, the sweep after a skip) calls nobody while the pair is shut.

An officer may let a truck through anyway by giving ``override_reason``; it is kept on the trip's step
(``TripEvent.override_reason``) and, for a passage recorded by hand, in the device log.
"""

from __future__ import annotations

from datetime import datetime

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import Gate, Shut, pair_shut, shut_error
from cuakhau.domain.trip import MAX_REASON_LENGTH, Actor, ActorRole
from cuakhau.services.ports import UnitOfWork

#: Who may let a truck through while a side is shut.
OVERRIDE_ROLES = frozenset({ActorRole.CUSTOMS, ActorRole.QUARANTINE, ActorRole.BORDER_GUARD, ActorRole.GATE_ADMIN})


def override(reason: str | None, actor: Actor) -> str | None:
    """The override reason as kept (trimmed), or None when none is given; refused from anyone but an officer."""
    text = (reason or "").strip()
    if not text:
        return None
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput("text.too_long", field="override_reason", max=MAX_REASON_LENGTH)
    if actor.role not in OVERRIDE_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="override_reason", role=actor.role.value)
    return text


def shut_in(uow: UnitOfWork, gate: Gate, instant: datetime) -> Shut | None:
    """Inside an open unit of work: the side of ``gate``'s pair shut at ``instant`` (its own side first)."""
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    return pair_shut((gate, counterpart), instant)


def check_open_in(
    uow: UnitOfWork, gate: Gate, instant: datetime, *, override_reason: str | None, field: str | None = None
) -> bool:
    """Inside an open unit of work: True when the pair is open at ``instant``; False when a side is shut and
    ``override_reason`` lets the truck through; ``GateClosed`` when a side is shut and there is none."""
    shut = shut_in(uow, gate, instant)
    if shut is None:
        return True
    if override_reason:
        return False
    raise shut_error(shut, field=field)


__all__ = ["OVERRIDE_ROLES", "check_open_in", "override", "shut_in"]
