"""Cross-border exchange use cases — the two gates of a pair talk through signed messages (docs/exchange.md).

Sending: every use case that changes something the other side must know (a closure, a manifest, a decision, a
crossing, an incident) writes the message to the exchange outbox *in the same unit of work* as the change, so a
message exists exactly when its change was committed. :func:`deliver_due` signs each message afresh (its
``sent_at`` is inside the receiver's replay window even after a long outage) and posts it; failures wait on the
published backoff and are never given up.

Receiving is :mod:`cuakhau.services.exchange_inbox` (checked, applied exactly once, in order per trip, or
refused and logged); the hotline's incidents, deadlines and escalation are :mod:`cuakhau.services.hotline`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from cuakhau.domain import timebounds
from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound, require
from cuakhau.domain.exchange import (
    PROTOCOL,
    SCHEMA_VERSIONS,
    SELF,
    Decision,
    MessageKind,
    RetryPolicy,
    canonical_bytes,
    check_token,
)
from cuakhau.domain.gate import Closure, Direction, Gate, OpeningPeriod
from cuakhau.domain.trip import Actor, ActorRole, Trip, new_id
from cuakhau.services import equeue
from cuakhau.services.ports import UnitOfWork, UnitOfWorkFactory
from cuakhau.services.ports.exchange import ManifestRow, PeerRow, no_inbox_stats, no_outbox_stats

#: How long a sender owns the messages it claimed (a sender that dies loses nothing: they are due again).
CLAIM_LEASE = timedelta(seconds=30)
#: Failed posts to one peer in a round after which it is taken as down until the backoff has passed.
FAILURES_PER_ROUND = 3
MAX_REASONS = 20


class SignatureScheme(Protocol):
    """Ed25519 in production (:mod:`cuakhau.adapters.exchange.signing`); keys are base64url text."""

    def new_keypair(self) -> tuple[str, str]:
        """(private, public)."""
        ...

    def key_id(self, public_key: str) -> str: ...
    def sign(self, private_key: str, data: bytes) -> str: ...
    def verify(self, public_key: str, data: bytes, signature: str) -> bool: ...


class DeliveryFailed(Exception):
    """The peer did not take the message (it is tried again after the backoff)."""


class DeliveryRejected(DeliveryFailed):
    """The peer refused the message for good (its content, not the link): it is not tried again."""


class Transport(Protocol):
    def post(self, url: str, document: Mapping[str, Any]) -> None:
        """Deliver one signed envelope; return when the peer has it, raise :class:`DeliveryFailed` otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this instance is on the exchange: its partner id and the gates it speaks for."""

    partner_id: str
    gates: frozenset[str]

    def __post_init__(self) -> None:
        check_token(self.partner_id, "exchange_id")
        if not self.gates:
            raise InvalidInput("exchange.no_gates", field="exchange_gates")


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    status: str  # applied, held
    applied: tuple[str, ...] = ()  # every message applied by this delivery (held ones may follow)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    #: Refused by the peer for good (not retried; see the health view).
    rejected: int = 0
    #: Claimed but not posted: the lease ran out and another sender claimed the message (it posts it).
    lost: int = 0


# --- keys and peers ---------------------------------------------------------------------------------------


def generate_key(uow: UnitOfWork, *, clock: Clock, scheme: SignatureScheme) -> dict[str, str]:
    """A new signing key of our own. Older active keys stay valid until revoked (rotation without a gap)."""
    private, public = scheme.new_keypair()
    key_id = scheme.key_id(public)
    with uow:
        uow.exchange.add_key(SELF, key_id, public, private, clock.now())
        uow.commit()
    return {"key_id": key_id, "public_key": public}


def revoke_key(uow: UnitOfWork, *, clock: Clock, key_id: str, owner: str = SELF) -> None:
    with uow:
        if not uow.exchange.revoke_key(owner, key_id, clock.now()):
            raise NotFound("exchange_key", key_id, field="key_id")
        uow.commit()


def add_peer(
    uow: UnitOfWork,
    *,
    clock: Clock,
    peer_id: str,
    inbox_url: str,
    gates: Sequence[str],
    keys: Sequence[tuple[str, str]] = (),
    name: str | None = None,
) -> PeerRow:
    """Add (or update) a partner: where its inbox is, which gates it speaks for, and its public keys."""
    check_token(peer_id, "peer_id")
    if peer_id == SELF:
        raise InvalidInput("exchange.peer_id", field="peer_id", value=peer_id)
    if not inbox_url.startswith(("http://", "https://")):
        raise InvalidInput("exchange.inbox_url", field="inbox_url", value=inbox_url[:200])
    if not gates:
        raise InvalidInput("exchange.no_gates", field="gates")
    now = clock.now()
    with uow:
        for gate_id in gates:
            require(uow.gates.get(gate_id), "gate", gate_id, field="gates")
        uow.exchange.put_peer(peer_id, name or peer_id, inbox_url, sorted(set(gates)), now)
        for key_id, public in keys:
            check_token(key_id, "key_id")
            uow.exchange.add_key(peer_id, key_id, public, None, now)
        peer = require(uow.exchange.get_peer(peer_id), "exchange_peer", peer_id)
        uow.commit()
    return peer


def add_peer_key(uow: UnitOfWork, *, clock: Clock, peer_id: str, key_id: str, public_key: str) -> None:
    check_token(key_id, "key_id")
    with uow:
        require(uow.exchange.get_peer(peer_id), "exchange_peer", peer_id, field="peer_id")
        uow.exchange.add_key(peer_id, key_id, public_key, None, clock.now())
        uow.commit()


# --- composing messages -----------------------------------------------------------------------------------


def peer_for_gate(uow: UnitOfWork, gate_id: str) -> PeerRow:
    """The partner that speaks for ``gate_id`` (the counterpart of one of ours)."""
    for peer in uow.exchange.peers():
        if gate_id in peer["gates"]:
            return peer
    raise NotFound("exchange_peer", gate_id, field="gate_id")


def own_gate(uow: UnitOfWork, identity: Identity, gate_id: str) -> Gate:
    if gate_id not in identity.gates:
        raise InvalidInput("exchange.not_our_gate", field="gate_id", gate=gate_id)
    gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    if gate.counterpart_id is None:
        raise InvalidInput("exchange.no_counterpart", field="gate_id", gate=gate_id)
    return gate


def enqueue(
    uow: UnitOfWork,
    clock: Clock,
    identity: Identity,
    peer_id: str,
    kind: MessageKind,
    gate_id: str,
    body: dict[str, Any],
    trip_ref: str | None = None,
) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "protocol": PROTOCOL,
        "id": new_id(),
        "kind": kind.value,
        "schema": f"{kind.value}@{SCHEMA_VERSIONS[kind]}",
        "sender": identity.partner_id,
        "recipient": peer_id,
        "gate_id": gate_id,
        "created_at": clock.now().isoformat(),
        "body": body,
    }
    if trip_ref is not None:
        envelope["trip_ref"] = trip_ref
        envelope["seq"] = uow.exchange.next_seq(peer_id, "out", trip_ref)
    canonical_bytes(envelope)  # refuse a float or a non-text key before it is stored
    uow.exchange.enqueue(envelope, peer_id, clock.now())
    return envelope


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
            equeue.capacity_changed(uow, clock=clock, gate_id=gate.id, start=closure.starts_at, end=closure.ends_at)
            sent_closures.append(_closure_json(closure))
        for closure_id in lifted:
            found = next((c for c in gate.closures if c.id == closure_id), None)
            if found is None or not uow.gates.remove_closure(gate.id, closure_id):
                raise NotFound("closure", closure_id, field="lifted")
            equeue.capacity_changed(uow, clock=clock, gate_id=gate.id, start=found.starts_at, end=found.ends_at)
        if hours is not None:
            uow.gates.set_opening_hours(gate.id, [_period_json(p) for p in hours])
            equeue.capacity_changed(uow, clock=clock, gate_id=gate.id, start=now, end=now + timedelta(days=14))
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


def check_crossing_in(uow: UnitOfWork, trip: Trip) -> None:
    """Inside a unit of work, before our truck crosses: the gate across has not held or returned it.

    Their decision is theirs; we carry it to our border line, so a truck they will not take is not sent over.
    A later ``accepted`` from them lifts it.
    """
    manifest = uow.exchange.find_manifest(trip.id)
    if manifest is not None and manifest["way"] == "out" and manifest["status"] in ("held", "returned"):
        raise Conflict(
            "exchange.refused_across",
            field="trip_id",
            gate=manifest["to_gate_id"],
            decision=manifest["status"],
            reasons="; ".join(manifest["reasons"]) or "-",
        )


#: A truck is announced across the line once it leaves for the gate (and, if the link was down then, while it waits).
ANNOUNCE_STATES = ["dispatched", "arrived", "called", "inspecting", "held", "released", "cleared"]


def announce_departures(uow_factory: UnitOfWorkFactory, *, clock: Clock, identity: Identity, limit: int = 50) -> int:
    """Send the pre-arrival manifest of every export trip of ours that has left and is not announced yet.

    Declare once: the manifest is built from the declaration already on record, without the exporter or an officer
    doing anything. Each manifest goes in its own unit of work, so one that cannot be built does not stop the rest;
    returns how many were sent.
    """
    sent = 0
    for gate_id in sorted(identity.gates):
        with uow_factory(read_only=True) as uow:
            gate = uow.gates.get(gate_id)
            peers = [p for p in uow.exchange.peers() if gate and gate.counterpart_id in p["gates"]]
            if gate is None or not peers:
                continue
            due = uow.exchange.unannounced_trips(gate_id, peers[0]["id"], ANNOUNCE_STATES, limit - sent)
        for trip_id in due:
            try:
                submit_manifest(uow_factory(), clock=clock, identity=identity, trip_id=trip_id)
            except Conflict as exc:
                if exc.code != "exchange.manifest_exists":  # another server process announced it first
                    raise
                continue
            sent += 1
        if sent >= limit:
            break
    return sent


def submit_manifest(uow: UnitOfWork, *, clock: Clock, identity: Identity, trip_id: str) -> dict[str, Any]:
    """Send the pre-arrival manifest of one of our trips to the gate across the line."""
    now = clock.now()
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id, field="trip_id")
        gate = own_gate(uow, identity, trip.gate_id)
        if trip.direction is not Direction.EXPORT:
            raise InvalidInput("exchange.manifest_direction", field="trip_id", direction=trip.direction.value)
        if trip.is_terminal:
            raise Conflict("exchange.trip_finished", field="trip_id", state=trip.state.value)
        peer = peer_for_gate(uow, gate.counterpart_id or "")
        if uow.exchange.get_manifest(peer["id"], trip.id) is not None:
            raise Conflict("exchange.manifest_exists", field="trip_id")
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        vehicle = require(uow.vehicles.get(trip.vehicle_id), "vehicle", trip.vehicle_id)
        exporter = uow.enterprises.get(shipment.exporter_id)
        booking = uow.bookings.latest_for_trip(trip.id)
        body = {
            "trip_ref": trip.id,
            "from_gate_id": gate.id,
            "to_gate_id": gate.counterpart_id,
            "plate": vehicle.plate.text,
            "containers": [str(c) for c in trip.containers],
            "exporter": {
                "name": exporter.name if exporter else "",
                "tax_id": exporter.tax_id.number if exporter else "",
            },
            "consignee": {"name": shipment.consignee_name, "country": shipment.consignee_country},
            "perishability": shipment.perishability.value,
            "plant_product": shipment.plant_product,
            "phytosanitary_certificate_no": shipment.phytosanitary_certificate_no,
            "gross_kg": str(shipment.gross_kg),
            "lines": [
                {
                    "hs_code": ln.hs.code,
                    "description": ln.description,
                    "net_kg": str(ln.net_kg),
                    "gross_kg": str(ln.gross_kg),
                    "packages": ln.packages,
                    "perishability": ln.perishability.value,
                }
                for ln in shipment.lines
            ],
            "slot_start": booking.slot_start.isoformat() if booking and booking.slot_start else None,
        }
        uow.exchange.add_manifest(
            {
                "peer_id": peer["id"],
                "trip_ref": trip.id,
                "way": "out",
                "gate_id": gate.id,
                "to_gate_id": gate.counterpart_id or "",  # own_gate refused a gate without one
                "plate": vehicle.plate.text,
                "summary": body,
                "status": "submitted",
                "reasons": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        envelope = enqueue(uow, clock, identity, peer["id"], MessageKind.MANIFEST, gate.id, body, trip_ref=trip.id)
        uow.commit()
    return envelope


def decide(
    uow: UnitOfWork,
    *,
    clock: Clock,
    identity: Identity,
    trip_ref: str,
    decision: str,
    reasons: Sequence[str],
    actor: Actor,
) -> dict[str, Any]:
    """Our gate's decision on an announced truck — accepted, held or returned, with reasons — sent back."""
    verdict = parse_enum(Decision, decision, field="decision")
    reasons = [r.strip() for r in reasons if r.strip()]
    if verdict is not Decision.ACCEPTED and not reasons:
        raise InvalidInput("exchange.reason_required", field="reasons", decision=verdict.value)
    if len(reasons) > MAX_REASONS:
        raise InvalidInput("exchange.too_many_reasons", field="reasons", max=MAX_REASONS)
    if actor.role not in {ActorRole.CUSTOMS, ActorRole.QUARANTINE, ActorRole.BORDER_GUARD, ActorRole.GATE_ADMIN}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    now = clock.now()
    with uow:
        manifest = _incoming_manifest(uow, trip_ref)
        if manifest["status"] in {"returned", "crossed"}:
            raise Conflict("exchange.manifest_closed", field="trip_ref", status=manifest["status"])
        uow.exchange.update_manifest(
            manifest["peer_id"], trip_ref, status=verdict.value, reasons=reasons, updated_at=now
        )
        body = {
            "trip_ref": trip_ref,
            "decision": verdict.value,
            "reasons": reasons,
            "decided_by": actor.id,
            "decided_at": now.isoformat(),
        }
        envelope = enqueue(
            uow, clock, identity, manifest["peer_id"], MessageKind.DECISION, manifest["to_gate_id"], body, trip_ref
        )
        uow.commit()
    return envelope


def confirm_crossing(
    uow: UnitOfWork, *, clock: Clock, identity: Identity, trip_ref: str, actor: Actor
) -> dict[str, Any]:
    """The announced truck entered our side: tell the departing gate."""
    now = clock.now()
    with uow:
        manifest = _incoming_manifest(uow, trip_ref)
        if manifest["status"] != Decision.ACCEPTED.value:
            raise Conflict("exchange.not_accepted", field="trip_ref", status=manifest["status"])
        uow.exchange.update_manifest(manifest["peer_id"], trip_ref, status="crossed", updated_at=now)
        body = {"trip_ref": trip_ref, "crossed_at": now.isoformat(), "confirmed_by": actor.id}
        envelope = enqueue(
            uow, clock, identity, manifest["peer_id"], MessageKind.CROSSING, manifest["to_gate_id"], body, trip_ref
        )
        uow.commit()
    return envelope


def _incoming_manifest(uow: UnitOfWork, trip_ref: str) -> ManifestRow:
    manifest = uow.exchange.find_manifest(trip_ref)
    if manifest is None or manifest["way"] != "in":
        raise NotFound("exchange_manifest", trip_ref, field="trip_ref")
    return manifest


# --- delivering -------------------------------------------------------------------------------------------


def sign_envelope(
    envelope: Mapping[str, Any], *, key: Mapping[str, Any], scheme: SignatureScheme, now: datetime
) -> dict[str, Any]:
    """The envelope as sent on this attempt: dated now, naming the key, signed over its canonical bytes."""
    document = {k: v for k, v in envelope.items() if k not in {"signature", "sent_at", "key_id"}}
    document["sent_at"] = now.isoformat()
    document["key_id"] = key["key_id"]
    document["signature"] = scheme.sign(key["private_key"], canonical_bytes(document))
    return document


def deliver_due(
    uow_factory: UnitOfWorkFactory,
    transport: Transport,
    scheme: SignatureScheme,
    clock: Clock,
    *,
    retry: RetryPolicy = RetryPolicy(),
    limit: int = 50,
    lease: timedelta = CLAIM_LEASE,
) -> DeliveryReport:
    """Claim due messages (short transaction), sign and post each (no transaction), record each outcome.

    One failed message does not hold back the others (the receiver keeps each trip's order itself), but after
    :data:`FAILURES_PER_ROUND` failures a peer is taken as down and the rest of its messages wait for the backoff.

    The claim of a whole batch may outlive its lease when the peer answers slowly, and another sender may then
    claim what is left. So each message's lease is renewed (for ``lease`` from now) just before it is posted, and a
    message whose renewal fails — another sender claimed it — is skipped, not posted a second time. ``lease``
    must be longer than one post can take (the HTTP transport's timeout; the runtime gives three of them).
    """
    with uow_factory() as uow:
        now = clock.now()
        batch = uow.exchange.claim_due(now, limit, lease)
        key = uow.exchange.signing_key()
        peers = {p["id"]: p for p in uow.exchange.peers()}
        uow.commit()
    delivered = retried = rejected = lost = 0
    errors: list[str] = []
    failures: dict[str, list[str]] = {}
    for row, attempt in batch:
        peer = peers.get(row["peer_id"])
        failed = failures.setdefault(row["peer_id"], [])
        error: str | None = None
        if key is None:
            error = "no signing key: run `cuakhau exchange keygen`"
        elif peer is None:
            error = f"unknown peer {row['peer_id']}"
        elif len(failed) >= FAILURES_PER_ROUND:
            error = f"not tried: {failed[-1]}"
        else:
            with uow_factory() as uow:
                held = uow.exchange.renew_lease(row["id"], attempt, clock.now() + lease)
                uow.commit()
            if not held:
                lost += 1
                continue
            document = sign_envelope(row["envelope"], key=key, scheme=scheme, now=clock.now())
            try:
                transport.post(peer["inbox_url"], document)
            except DeliveryRejected as exc:
                with uow_factory() as uow:
                    uow.exchange.mark_rejected_out(row["id"], str(exc), clock.now())
                    uow.commit()
                rejected += 1
                errors.append(str(exc))
                continue
            except DeliveryFailed as exc:
                error = str(exc) or type(exc).__name__
                failed.append(error)
        with uow_factory() as uow:
            if error is None:
                uow.exchange.mark_delivered(row["id"], clock.now())
                delivered += 1
            else:
                uow.exchange.mark_retry(row["id"], attempt, error, clock.now() + retry.delay(attempt))
                retried += 1
                errors.append(error)
            uow.commit()
    return DeliveryReport(delivered, retried, tuple(errors), rejected, lost)


def health(uow: UnitOfWork, *, clock: Clock) -> dict[str, Any]:
    """Backlog, last delivery and failures per peer; what arrived; refusals by reason; open incidents."""
    with uow:
        outbox = uow.exchange.outbox_stats()
        inbox = uow.exchange.inbox_stats()
        peers = uow.exchange.peers()
        own_keys = [{k: v for k, v in key.items() if k != "private_key"} for key in uow.exchange.keys(SELF)]
        _, open_incidents = uow.exchange.incidents(status="open", limit=1, offset=0)
        refusals = uow.exchange.refusal_counts()
    now = clock.now()
    out = []
    for peer in peers:
        o = outbox.get(peer["id"]) or no_outbox_stats()
        i = inbox.get(peer["id"]) or no_inbox_stats()
        oldest = o["oldest_pending"]
        out.append(
            {
                "peer_id": peer["id"],
                "inbox_url": peer["inbox_url"],
                "gates": peer["gates"],
                "backlog": o["pending"],
                "delivered": o["delivered"],
                "rejected": o["rejected"],
                "last_delivery": o["last_delivery"],
                "oldest_pending_age_s": int((now - oldest).total_seconds()) if oldest else 0,
                "failing": o["failing"],
                "most_attempts": o["most_attempts"],
                "last_error": o["last_error"],
                "received": i["applied"],
                "held": i["held"],
                "last_received": i["last_received"],
            }
        )
    return {"peers": out, "keys": own_keys, "refusals": refusals, "open_incidents": open_incidents}


def parse_hours(rows: Sequence[Mapping[str, Any]]) -> list[OpeningPeriod]:
    return [
        OpeningPeriod(time.fromisoformat(r["opens"]), time.fromisoformat(r["closes"]), frozenset(r["weekdays"]))
        for r in rows
    ]
