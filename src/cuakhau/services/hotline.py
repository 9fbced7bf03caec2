"""The hotline — đường dây nóng / 热线 — between the two gates of a pair: incidents raised by either side with
a deadline to acknowledge, escalation when it passes (swept by the clock), a link-fault watch, and the history
both sides see. Incidents travel as exchange messages (:mod:`cuakhau.services.exchange`).
"""

from __future__ import annotations

from datetime import timedelta

from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput, require
from cuakhau.domain.exchange import (
    INCIDENT_ESCALATED,
    SELF,
    IncidentKind,
    MessageKind,
    Severity,
    ack_deadline,
    next_escalation,
)
from cuakhau.domain.gate import Gate
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import exchange
from cuakhau.services.exchange import Identity
from cuakhau.services.ports import UnitOfWork
from cuakhau.services.ports.exchange import IncidentEventRow, IncidentRow


def raise_incident(
    uow: UnitOfWork,
    *,
    clock: Clock,
    identity: Identity,
    gate_id: str,
    kind: str,
    severity: str,
    summary: str,
    actor: Actor,
    trip_ref: str | None = None,
) -> IncidentRow:
    """Call the hotline: the incident is recorded here with its acknowledgement deadline and sent across."""
    incident_kind = parse_enum(IncidentKind, kind, field="kind")
    level = parse_enum(Severity, severity, field="severity")
    summary = summary.strip()
    if not summary:
        raise InvalidInput("reason.required", field="summary")
    with uow:
        gate = exchange.own_gate(uow, identity, gate_id)
        peer = exchange.peer_for_gate(uow, gate.counterpart_id or "")
        incident = _raise(uow, clock, identity, gate, peer["id"], incident_kind, level, summary, actor, trip_ref)
        uow.commit()
    return incident


def _raise(
    uow: UnitOfWork,
    clock: Clock,
    identity: Identity,
    gate: Gate,
    peer_id: str,
    kind: IncidentKind,
    level: Severity,
    summary: str,
    actor: Actor,
    trip_ref: str | None,
) -> IncidentRow:
    now = clock.now()
    incident_id = new_id()
    due = ack_deadline(level, now)
    uow.exchange.add_incident(
        {
            "id": incident_id,
            "origin": SELF,
            "peer_id": peer_id,
            "gate_id": gate.id,
            "kind": kind.value,
            "severity": level.value,
            "summary": summary,
            "trip_ref": trip_ref,
            "raised_at": now,
            "ack_due_at": due,
            "status": "open",
            "acknowledged_at": None,
            "acknowledged_by": None,
            "escalation_level": 0,
        }
    )
    uow.exchange.add_incident_event(incident_id, now, "raised", actor.id, summary)
    body = {
        "incident_id": incident_id,
        "kind": kind.value,
        "severity": level.value,
        "summary": summary,
        "trip_ref": trip_ref,
        "raised_at": now.isoformat(),
        "ack_due_at": due.isoformat(),
        "raised_by": actor.id,
    }
    exchange.enqueue(uow, clock, identity, peer_id, MessageKind.INCIDENT, gate.id, body)
    return require(uow.exchange.get_incident(incident_id), "exchange_incident", incident_id)


#: A partner whose oldest undelivered message is this old gets a ``link_fault`` incident raised automatically.
LINK_FAULT_AFTER = timedelta(minutes=5)
LINK_WATCH = Actor("cuakhau:exchange-link", ActorRole.SYSTEM)


def watch_links(uow: UnitOfWork, *, clock: Clock, identity: Identity, after: timedelta = LINK_FAULT_AFTER) -> int:
    """Raise a hotline ``link_fault`` for each partner we have not reached for ``after`` (one open at a time).

    It is recorded and escalated here at once, and reaches the partner with the backlog when the link is back.
    """
    now = clock.now()
    raised = 0
    with uow:
        stats = uow.exchange.outbox_stats()
        open_faults = {
            i["peer_id"]
            for i in uow.exchange.incidents(status="open", limit=500, offset=0)[0]
            if i["origin"] == SELF and i["kind"] == IncidentKind.LINK_FAULT.value
        }
        for peer in uow.exchange.peers():
            peer_stats = stats.get(peer["id"])
            oldest = peer_stats["oldest_pending"] if peer_stats else None
            if oldest is None or now - oldest < after or peer["id"] in open_faults:
                continue
            gate = next(
                (
                    g
                    for gid in sorted(identity.gates)
                    if (g := uow.gates.get(gid)) and g.counterpart_id in peer["gates"]
                ),
                None,
            )
            if gate is None:
                continue
            minutes = int((now - oldest).total_seconds() // 60)
            last_error = stats[peer["id"]].get("last_error") or "-"
            who = peer["id"]
            vi = f"Không gửi được tới {who} trong {minutes} phút"
            zh = f"无法向 {who} 发送消息已 {minutes} 分钟"
            summary = f"{vi} / {zh} / no delivery to {who} for {minutes} min ({last_error[:200]})"
            _raise(
                uow,
                clock,
                identity,
                gate,
                peer["id"],
                IncidentKind.LINK_FAULT,
                Severity.HIGH,
                summary,
                LINK_WATCH,
                None,
            )
            raised += 1
        if raised:
            uow.commit()
    return raised


def acknowledge_incident(
    uow: UnitOfWork, *, clock: Clock, identity: Identity, incident_id: str, actor: Actor, note: str = ""
) -> IncidentRow:
    """Acknowledge an incident the other side raised: recorded here and sent back to them."""
    now = clock.now()
    with uow:
        incident = require(uow.exchange.get_incident(incident_id), "exchange_incident", incident_id)
        if incident["origin"] == SELF:
            raise Conflict("exchange.own_incident", field="incident_id")
        if incident["status"] != "open":
            raise Conflict("exchange.incident_closed", field="incident_id", status=incident["status"])
        uow.exchange.update_incident(incident_id, status="acknowledged", acknowledged_at=now, acknowledged_by=actor.id)
        uow.exchange.add_incident_event(incident_id, now, "acknowledged", actor.id, note.strip() or None)
        our_gate = next(
            (
                g
                for g in identity.gates
                if (gg := uow.gates.get(g)) is not None and gg.counterpart_id == incident["gate_id"]
            ),
            None,
        )
        body = {
            "incident_id": incident_id,
            "acknowledged_at": now.isoformat(),
            "acknowledged_by": actor.id,
            "note": note.strip(),
        }
        exchange.enqueue(uow, clock, identity, incident["origin"], MessageKind.ACKNOWLEDGEMENT, our_gate or "", body)
        found = require(uow.exchange.get_incident(incident_id), "exchange_incident", incident_id)
        uow.commit()
    return found


def sweep_incidents(uow: UnitOfWork, *, clock: Clock) -> int:
    """Escalate every open incident whose acknowledgement deadline passed (driven by the clock)."""
    now = clock.now()
    count = 0
    with uow:
        for incident in uow.exchange.overdue_incidents(now):
            step = next_escalation(Severity(incident["severity"]), int(incident["escalation_level"]), now)
            if step is None:
                continue
            level, due = step
            uow.exchange.update_incident(incident["id"], escalation_level=level, ack_due_at=due)
            uow.exchange.add_incident_event(
                incident["id"], now, "escalated", "cuakhau:hotline", f"level {level}: not acknowledged in time"
            )
            gate = uow.gates.get(incident["gate_id"])
            uow.outbox.add(
                Notification(
                    id=new_id(),
                    kind=INCIDENT_ESCALATED,
                    created_at=now,
                    language="zh" if gate is not None and gate.country.value == "CN" else "vi",
                    payload={
                        "incident_id": incident["id"],
                        "gate_id": incident["gate_id"],
                        "severity": incident["severity"],
                        "level": level,
                        "summary": incident["summary"],
                        "next_deadline": due.isoformat(),
                    },
                )
            )
            count += 1
        if count:
            uow.commit()
    return count


def incident_history(uow: UnitOfWork, incident_id: str) -> tuple[IncidentRow, list[IncidentEventRow]]:
    with uow:
        incident = require(uow.exchange.get_incident(incident_id), "exchange_incident", incident_id)
        return incident, uow.exchange.incident_events(incident_id)
