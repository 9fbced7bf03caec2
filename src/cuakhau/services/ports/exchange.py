"""Port of the cross-border exchange (see :mod:`cuakhau.services.exchange`), and the rows it reads and writes.

The rows are ``TypedDict``s: the stored rows as they come back (one key per column), indexed like the
dictionaries they are. ``Envelope`` is a message itself, a JSON object whose members depend on its kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol, TypedDict, Unpack

#: A message as a JSON object (docs/exchange.md): protocol, id, kind, sender, gate_id, body, … .
Envelope = dict[str, Any]


class PeerRow(TypedDict):
    """A partner: where its inbox is and the gates it speaks for."""

    id: str
    name: str
    inbox_url: str
    gates: list[str]
    added_at: datetime


class KeyRow(TypedDict):
    """A signing key: ours (``owner`` is ``self``, with the private part) or a partner's (public only)."""

    owner: str
    key_id: str
    public_key: str
    private_key: str | None
    status: str  # active, revoked
    created_at: datetime
    revoked_at: datetime | None


class OutboxRow(TypedDict):
    """A message to send, with its delivery state."""

    id: str
    peer_id: str
    kind: str
    trip_ref: str | None
    seq: int | None
    created_at: datetime
    envelope: Envelope  # unsigned; signed afresh on each attempt
    status: str  # pending, delivered, rejected
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


class InboxRow(TypedDict):
    """A message received (applied, or held until an earlier message of its trip arrives, or rejected)."""

    sender: str
    message_id: str
    kind: str
    gate_id: str
    trip_ref: str | None
    seq: int | None
    status: str  # applied, held, rejected
    received_at: datetime
    applied_at: datetime | None
    envelope: Envelope


class RefusalRow(TypedDict):
    """A message refused (unsigned, forged, replayed, out of scope, unapplicable …)."""

    id: str
    at: datetime
    code: str
    sender: str | None
    message_id: str | None
    kind: str | None
    key_id: str | None
    detail: str | None


class ManifestRow(TypedDict):
    """A pre-arrival manifest: ours, sent (``way`` out), or the other side's, announced to us (``way`` in)."""

    peer_id: str
    trip_ref: str
    way: str  # out, in
    gate_id: str  # the departing gate
    to_gate_id: str  # the arriving gate
    plate: str
    summary: dict[str, Any]
    status: str  # submitted, accepted, held, returned, crossed
    reasons: list[str]
    created_at: datetime
    updated_at: datetime


class ManifestChange(TypedDict, total=False):
    status: str
    reasons: list[str]
    updated_at: datetime


class IncidentRow(TypedDict):
    """A hotline incident, raised by either side (the same id on both)."""

    id: str
    origin: str  # 'self' or the peer that raised it
    peer_id: str
    gate_id: str
    kind: str
    severity: str
    summary: str
    trip_ref: str | None
    raised_at: datetime
    ack_due_at: datetime
    status: str  # open, acknowledged
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int


class IncidentChange(TypedDict, total=False):
    status: str
    acknowledged_at: datetime
    acknowledged_by: str
    escalation_level: int
    ack_due_at: datetime


class IncidentEventRow(TypedDict):
    incident_id: str
    seq: int
    at: datetime
    action: str  # raised, received, acknowledged, escalated
    actor: str
    detail: str | None


class OutboxStats(TypedDict):
    """The outbox of one partner: messages by status, the last delivery, the oldest waiting, the failing."""

    pending: int
    delivered: int
    rejected: int
    last_delivery: datetime | None
    oldest_pending: datetime | None
    failing: int  # pending messages whose last attempt failed
    most_attempts: int
    last_error: str | None


class InboxStats(TypedDict):
    """What one partner sent us: messages by status and the last one received."""

    applied: int
    held: int
    rejected: int
    last_received: datetime | None


def no_outbox_stats() -> OutboxStats:
    """The outbox of a partner that has no message in it."""
    return OutboxStats(
        pending=0,
        delivered=0,
        rejected=0,
        last_delivery=None,
        oldest_pending=None,
        failing=0,
        most_attempts=0,
        last_error=None,
    )


def no_inbox_stats() -> InboxStats:
    """The inbox of a partner that sent nothing yet."""
    return InboxStats(applied=0, held=0, rejected=0, last_received=None)


class ExchangeRepository(Protocol):
    """Peers, keys, outbox, inbox, refusals, manifests and the hotline (see :mod:`cuakhau.services.exchange`)."""

    def put_peer(self, peer_id: str, name: str, inbox_url: str, gates: list[str], at: datetime) -> None: ...
    def get_peer(self, peer_id: str) -> PeerRow | None: ...
    def peers(self) -> list[PeerRow]: ...
    def unannounced_trips(self, gate_id: str, peer_id: str, states: list[str], limit: int) -> list[str]: ...
    def add_key(self, owner: str, key_id: str, public_key: str, private_key: str | None, at: datetime) -> bool: ...
    def keys(self, owner: str) -> list[KeyRow]: ...
    def get_key(self, owner: str, key_id: str) -> KeyRow | None: ...
    def signing_key(self) -> KeyRow | None: ...
    def revoke_key(self, owner: str, key_id: str, at: datetime) -> bool: ...
    def next_seq(self, peer_id: str, way: str, trip_ref: str) -> int: ...
    def lock_seq(self, peer_id: str, way: str, trip_ref: str) -> int: ...
    def set_last_seq(self, peer_id: str, way: str, trip_ref: str, seq: int) -> None: ...
    def enqueue(self, envelope: Envelope, peer_id: str, now: datetime) -> None: ...
    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[tuple[OutboxRow, int]]: ...
    def renew_lease(self, message_id: str, attempts: int, until: datetime) -> bool: ...
    def mark_delivered(self, message_id: str, now: datetime) -> None: ...
    def mark_retry(self, message_id: str, attempts: int, error: str, next_at: datetime) -> None: ...
    def outbox_stats(self) -> dict[str, OutboxStats]: ...
    def claim(self, envelope: Envelope, status: str, now: datetime) -> bool: ...
    def held(self, sender: str, trip_ref: str) -> list[InboxRow]: ...
    def mark_applied(self, sender: str, message_id: str, now: datetime) -> None: ...
    def mark_rejected(self, sender: str, message_id: str) -> None: ...
    def mark_rejected_out(self, message_id: str, error: str, now: datetime) -> None: ...
    def inbox_stats(self) -> dict[str, InboxStats]: ...
    def add_refusal(self, row: RefusalRow) -> None: ...
    def refusals(self, *, limit: int, offset: int = 0) -> tuple[list[RefusalRow], int]: ...
    def refusal_counts(self) -> dict[str, int]: ...
    def add_manifest(self, row: ManifestRow) -> bool: ...
    def get_manifest(self, peer_id: str, trip_ref: str) -> ManifestRow | None: ...
    def find_manifest(self, trip_ref: str) -> ManifestRow | None: ...
    def update_manifest(self, peer_id: str, trip_ref: str, **values: Unpack[ManifestChange]) -> None: ...
    def manifests(
        self, *, way: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[ManifestRow], int]: ...
    def add_incident(self, row: IncidentRow) -> bool: ...
    def get_incident(self, incident_id: str) -> IncidentRow | None: ...
    def update_incident(self, incident_id: str, **values: Unpack[IncidentChange]) -> None: ...
    def incidents(self, *, status: str | None, limit: int, offset: int) -> tuple[list[IncidentRow], int]: ...
    def overdue_incidents(self, now: datetime) -> list[IncidentRow]: ...
    def add_incident_event(
        self, incident_id: str, at: datetime, action: str, actor: str, detail: str | None
    ) -> None: ...
    def incident_events(self, incident_id: str) -> list[IncidentEventRow]: ...
    def has_closure(self, closure_id: str) -> bool: ...
