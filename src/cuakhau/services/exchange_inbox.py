"""Receiving from the partner: check a message (sender, key, signature, window, scope), claim its id and apply it
in one transaction — exactly once, in order per trip — or refuse it, log the refusal, and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.capacity import opposite
from cuakhau.domain.clock import Clock, ensure_utc
from cuakhau.domain.errors import CuakhauError, InvalidInput, require
from cuakhau.domain.exchange import (
    COUNTERPART_DECISION,
    REPLAY_WINDOW,
    SELF,
    TRIP_KINDS,
    ExchangeRefused,
    MessageKind,
    canonical_bytes,
    check_token,
    check_window,
)
from cuakhau.domain.gate import Closure, ClosureKind, Direction
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import equeue
from cuakhau.services.exchange import Identity, Receipt, SignatureScheme
from cuakhau.services.ports import UnitOfWork
from cuakhau.services.ports.exchange import PeerRow


def verify(
    uow: UnitOfWork,
    document: Mapping[str, Any],
    *,
    identity: Identity,
    scheme: SignatureScheme,
    now: datetime,
    window: timedelta = REPLAY_WINDOW,
) -> PeerRow:
    """Inside an open unit of work: refuse a message that is not authentic or not for us; return its peer."""
    sender = check_token(document.get("sender"), "sender")
    peer = uow.exchange.get_peer(sender)
    if peer is None:
        raise ExchangeRefused("exchange.unknown_sender", field="sender", sender=sender)
    if document.get("recipient") != identity.partner_id:
        raise ExchangeRefused("exchange.not_for_us", field="recipient", recipient=str(document.get("recipient"))[:64])
    signature = document.get("signature")
    if not isinstance(signature, str) or not signature:
        raise ExchangeRefused("exchange.unsigned", field="signature")
    key_id = check_token(document.get("key_id"), "key_id")
    key = uow.exchange.get_key(sender, key_id)
    if key is None:
        raise ExchangeRefused("exchange.unknown_key", field="key_id", key_id=key_id)
    if key["status"] != "active":
        raise ExchangeRefused("exchange.key_revoked", field="key_id", key_id=key_id)
    signed = {k: v for k, v in document.items() if k != "signature"}
    if not scheme.verify(key["public_key"], canonical_bytes(signed), signature):
        raise ExchangeRefused("exchange.bad_signature", field="signature")
    ours = uow.gates.get(min(identity.gates))  # a refusal reads the time on our gate's clock
    check_window(_instant(document.get("sent_at"), "sent_at"), now, window, tz=ours.timezone if ours else UTC)
    if document.get("gate_id") not in peer["gates"]:
        raise ExchangeRefused("exchange.out_of_scope", field="gate_id", gate=str(document.get("gate_id"))[:64])
    return peer


def _instant(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise ExchangeRefused("exchange.malformed", field=name, reason="time")
    try:
        return ensure_utc(datetime.fromisoformat(value), field=name)
    except (ValueError, InvalidInput):
        raise ExchangeRefused("exchange.malformed", field=name, reason="time") from None


def receive(
    uow: UnitOfWork,
    *,
    clock: Clock,
    identity: Identity,
    scheme: SignatureScheme,
    document: Mapping[str, Any],
    body: Mapping[str, Any],
    window: timedelta = REPLAY_WINDOW,
) -> Receipt:
    """Check and apply one message (``body`` is its body as validated against the kind's schema).

    Raises :class:`ExchangeRefused` (nothing changed; the caller logs it with :func:`record_refusal`).
    """
    now = clock.now()
    kind = MessageKind(str(document["kind"]))
    with uow:
        verify(uow, document, identity=identity, scheme=scheme, now=now, window=window)
        envelope = {k: v for k, v in document.items() if k != "signature"} | {"body": dict(body)}
        _check_scope(uow, identity, kind, envelope)
        sender, trip_ref = envelope["sender"], envelope.get("trip_ref")
        if kind in TRIP_KINDS:
            if not isinstance(trip_ref, str) or not isinstance(envelope.get("seq"), int) or envelope["seq"] < 1:
                raise ExchangeRefused("exchange.malformed", field="seq", reason="sequence")
            expected = uow.exchange.lock_seq(sender, "in", trip_ref) + 1  # one message of a trip at a time
            if envelope["seq"] < expected:
                raise ExchangeRefused("exchange.replayed", field="seq", id=envelope["id"], seq=envelope["seq"])
            if envelope["seq"] > expected:
                if not uow.exchange.claim(envelope, "held", now):
                    raise ExchangeRefused("exchange.replayed", field="id", id=envelope["id"])
                uow.commit()
                return Receipt(envelope["id"], "held")
        if not uow.exchange.claim(envelope, "applied", now):
            raise ExchangeRefused("exchange.replayed", field="id", id=envelope["id"])
        problem = _apply_or_reject(uow, clock, identity, kind, envelope, now)
        applied = [envelope["id"]] if problem is None else []
        if kind in TRIP_KINDS:
            assert isinstance(trip_ref, str)
            seq = int(envelope["seq"])
            uow.exchange.set_last_seq(sender, "in", trip_ref, seq)
            for held in uow.exchange.held(sender, trip_ref):  # the gap is filled: apply what waited, in order
                if held["seq"] != seq + 1:
                    break
                if _apply_or_reject(uow, clock, identity, MessageKind(held["kind"]), held["envelope"], now) is None:
                    uow.exchange.mark_applied(sender, held["message_id"], now)
                    applied.append(held["message_id"])
                seq += 1
                uow.exchange.set_last_seq(sender, "in", trip_ref, seq)
        uow.commit()
    if problem is not None:
        raise problem
    return Receipt(envelope["id"], "applied", tuple(applied))


def _apply_or_reject(
    uow: UnitOfWork, clock: Clock, identity: Identity, kind: MessageKind, envelope: Mapping[str, Any], now: datetime
) -> ExchangeRefused | None:
    """Apply an authentic, in-scope message; one whose content cannot be applied here (a closure ending before
    it starts, a booking rule it breaks) is undone, kept as ``rejected`` — so it does not block the messages of
    its trip that follow — and logged. Returns that refusal, or None when applied."""
    try:
        with uow.savepoint():
            _apply(uow, clock, identity, kind, envelope)
    except ExchangeRefused:
        raise
    except CuakhauError as exc:
        problem = ExchangeRefused("exchange.unapplicable", field=exc.field, reason=exc.code)
        uow.exchange.mark_rejected(envelope["sender"], envelope["id"])
        uow.exchange.add_refusal(
            {
                "id": new_id(),
                "at": now,
                "code": problem.code,
                "sender": envelope["sender"],
                "message_id": envelope["id"],
                "kind": kind.value,
                "key_id": envelope.get("key_id"),
                "detail": f"{problem.describe()}: {exc.describe()}"[:2000],
            }
        )
        return problem
    return None


def record_refusal(
    uow: UnitOfWork, *, clock: Clock, error: ExchangeRefused, document: Mapping[str, Any] | None
) -> None:
    """Write a refused message to the refusal log (its own transaction: the refused one changed nothing)."""
    doc = document or {}

    def text(name: str) -> str | None:
        value = doc.get(name)
        return value[:64] if isinstance(value, str) else None

    with uow:
        uow.exchange.add_refusal(
            {
                "id": new_id(),
                "at": clock.now(),
                "code": error.code,
                "sender": text("sender"),
                "message_id": text("id"),
                "kind": (text("kind") or "")[:32] or None,
                "key_id": text("key_id"),
                "detail": error.describe()[:2000],
            }
        )
        uow.commit()


def _check_scope(uow: UnitOfWork, identity: Identity, kind: MessageKind, env: Mapping[str, Any]) -> None:
    """A partner speaks only for its own gate, and only about what concerns one of ours."""
    gate_id, body, sender = env["gate_id"], env["body"], env["sender"]
    gate = uow.gates.get(gate_id)
    if gate is None or gate.counterpart_id not in identity.gates:
        raise ExchangeRefused("exchange.out_of_scope", field="gate_id", gate=gate_id)
    if kind is MessageKind.CAPACITY and body["gate_id"] != gate_id:
        raise ExchangeRefused("exchange.out_of_scope", field="body.gate_id", gate=body["gate_id"])
    if kind is MessageKind.MANIFEST and (
        body["from_gate_id"] != gate_id
        or body["to_gate_id"] != gate.counterpart_id
        or body["trip_ref"] != env.get("trip_ref")
    ):
        raise ExchangeRefused("exchange.out_of_scope", field="body.to_gate_id", gate=body["to_gate_id"])
    if kind in {MessageKind.DECISION, MessageKind.CROSSING}:
        manifest = uow.exchange.get_manifest(sender, env.get("trip_ref") or "")
        if (
            manifest is None
            or manifest["way"] != "out"
            or manifest["to_gate_id"] != gate_id
            or body["trip_ref"] != env.get("trip_ref")
        ):
            raise ExchangeRefused("exchange.out_of_scope", field="trip_ref", gate=gate_id)
    if kind is MessageKind.ACKNOWLEDGEMENT:
        incident = uow.exchange.get_incident(body["incident_id"])
        if incident is None or incident["origin"] != SELF or incident["peer_id"] != sender:
            raise ExchangeRefused("exchange.out_of_scope", field="body.incident_id", gate=gate_id)


COUNTERPART = ActorRole.COUNTERPART


def _apply(uow: UnitOfWork, clock: Clock, identity: Identity, kind: MessageKind, env: Mapping[str, Any]) -> None:
    now = clock.now()
    body, sender, gate_id = env["body"], env["sender"], env["gate_id"]
    actor = Actor(f"exchange:{sender}", COUNTERPART)
    if kind is MessageKind.CAPACITY:
        their = require(uow.gates.get(gate_id), "gate", gate_id)
        ours = their.counterpart_id or ""
        if body.get("hours") is not None:
            uow.gates.set_opening_hours(gate_id, list(body["hours"]))
            equeue.capacity_changed(
                uow,
                clock=clock,
                gate_id=gate_id,
                start=now,
                end=now + timedelta(days=14),
                cause=equeue.change_cause("opening_hours", their, COUNTERPART),
            )
        for i, c in enumerate(body.get("closures", [])):
            if uow.exchange.has_closure(c["id"]):
                continue
            closure = Closure(
                datetime.fromisoformat(c["starts_at"]),
                datetime.fromisoformat(c["ends_at"]),
                c["reason"],
                ClosureKind(c["kind"]),
                id=c["id"],
            )
            timebounds.check_closure(closure.starts_at, closure.ends_at, now=now, field=f"body.closures[{i}]")
            uow.gates.add_closure(gate_id, closure)
            equeue.capacity_changed(
                uow,
                clock=clock,
                gate_id=gate_id,
                start=closure.starts_at,
                end=closure.ends_at,
                cause=equeue.closure_cause(their, closure, COUNTERPART),
            )
        for closure_id in body.get("lifted", []):
            found = next((c for c in their.closures if c.id == closure_id), None)
            if found is not None and uow.gates.remove_closure(gate_id, closure_id):
                equeue.capacity_changed(uow, clock=clock, gate_id=gate_id, start=found.starts_at, end=found.ends_at)
        for a in body.get("acceptance", []):
            # They accept N trucks *into* their country: that bounds *our* flow the other way.
            equeue.apply_acceptance(
                uow,
                clock=clock,
                gate_id=ours,
                direction=opposite(Direction(a["direction"])),
                day=date.fromisoformat(a["date"]),
                daily_quota=a.get("daily_quota"),
                hourly_quota=a.get("hourly_quota"),
                actor=actor,
                reason=a.get("reason"),
            )
    elif kind is MessageKind.MANIFEST:
        uow.exchange.add_manifest(
            {
                "peer_id": sender,
                "trip_ref": body["trip_ref"],
                "way": "in",
                "gate_id": gate_id,
                "to_gate_id": body["to_gate_id"],
                "plate": body["plate"],
                "summary": dict(body),
                "status": "submitted",
                "reasons": [],
                "created_at": now,
                "updated_at": now,
            }
        )
    elif kind is MessageKind.DECISION:
        uow.exchange.update_manifest(
            sender, body["trip_ref"], status=body["decision"], reasons=list(body["reasons"]), updated_at=now
        )
        _tell_holder(uow, clock, body["trip_ref"], gate_id, dict(body))
    elif kind is MessageKind.CROSSING:
        uow.exchange.update_manifest(sender, body["trip_ref"], status="crossed", updated_at=now)
    elif kind is MessageKind.INCIDENT:
        added = uow.exchange.add_incident(
            {
                "id": body["incident_id"],
                "origin": sender,
                "peer_id": sender,
                "gate_id": gate_id,
                "kind": body["kind"],
                "severity": body["severity"],
                "summary": body["summary"],
                "trip_ref": body.get("trip_ref"),
                "raised_at": datetime.fromisoformat(body["raised_at"]),
                "ack_due_at": datetime.fromisoformat(body["ack_due_at"]),
                "status": "open",
                "acknowledged_at": None,
                "acknowledged_by": None,
                "escalation_level": 0,
            }
        )
        if added:
            uow.exchange.add_incident_event(body["incident_id"], now, "received", body["raised_by"], body["summary"])
    elif kind is MessageKind.ACKNOWLEDGEMENT:
        incident_id = body["incident_id"]
        uow.exchange.update_incident(
            incident_id,
            status="acknowledged",
            acknowledged_at=datetime.fromisoformat(body["acknowledged_at"]),
            acknowledged_by=body["acknowledged_by"],
        )
        uow.exchange.add_incident_event(
            incident_id, now, "acknowledged", body["acknowledged_by"], body.get("note") or None
        )


def _tell_holder(uow: UnitOfWork, clock: Clock, trip_id: str, their_gate: str, body: dict[str, Any]) -> None:
    """The exporter (through the notifier) learns the other side's decision on their truck."""
    trip = uow.trips.get(trip_id)
    if trip is None:
        return
    gate = uow.gates.get(trip.gate_id)
    booking = uow.bookings.latest_for_trip(trip_id)
    shipment = uow.shipments.get(trip.shipment_id)
    uow.outbox.add(
        Notification(
            id=new_id(),
            kind=COUNTERPART_DECISION,
            created_at=clock.now(),
            language="zh" if gate is not None and gate.country.value == "CN" else "vi",
            payload={
                "gate_id": trip.gate_id,
                "counterpart_gate_id": their_gate,
                "decision": body["decision"],
                "reasons": list(body["reasons"]),
                "status": body["decision"],
            },
            trip_id=trip_id,
            booking_id=booking.id if booking else None,
            enterprise_id=shipment.exporter_id if shipment else None,
        )
    )
