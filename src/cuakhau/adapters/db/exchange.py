"""Storage of the cross-border exchange: peers and keys, the outbox, the inbox, refusals, manifests, hotline.

The outbox follows the notification outbox (:mod:`cuakhau.adapters.db.outbox`): rows are written in the same
transaction as the change they report, claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sent
with no transaction open, and the outcome recorded under the attempt number as a fencing token. Unlike
notifications, an exchange message is never given up: it waits for the link.

The inbox claims ``(sender, message_id)`` with ``INSERT … ON CONFLICT DO NOTHING`` in the transaction that
applies the message, so a second copy — a retry, a duplicate on the wire, a replay — finds the row and changes
nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Unpack, cast

from sqlalchemy import Connection, Table, and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cuakhau.adapters.db import tables as t
from cuakhau.domain.exchange import SELF
from cuakhau.services.ports.exchange import (
    Envelope,
    InboxRow,
    InboxStats,
    IncidentChange,
    IncidentEventRow,
    IncidentRow,
    KeyRow,
    ManifestChange,
    ManifestRow,
    OutboxRow,
    OutboxStats,
    PeerRow,
    RefusalRow,
    no_inbox_stats,
    no_outbox_stats,
)

MAX_ERROR_LENGTH = 2000


def _insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert unless the key exists; True when inserted (RETURNING: rowcount is not reliable on psycopg)."""
    stmt = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.values(**row).on_conflict_do_nothing().returning(key)).first() is not None


def _dict(r: Any) -> dict[str, Any]:
    """A row as the dictionary of its columns (the port's row types name the same keys)."""
    return dict(r._mapping)


class SqlExchangeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- peers and keys -------------------------------------------------------------------------------

    def put_peer(self, peer_id: str, name: str, inbox_url: str, gates: list[str], at: datetime) -> None:
        values = {"name": name, "inbox_url": inbox_url, "gates": list(gates)}
        if self.get_peer(peer_id) is None:
            self.conn.execute(insert(t.exchange_peers), {"id": peer_id, "added_at": at, **values})
        else:
            self.conn.execute(update(t.exchange_peers).where(t.exchange_peers.c.id == peer_id).values(**values))

    def get_peer(self, peer_id: str) -> PeerRow | None:
        r = self.conn.execute(select(t.exchange_peers).where(t.exchange_peers.c.id == peer_id)).first()
        return cast(PeerRow, _dict(r)) if r else None

    def peers(self) -> list[PeerRow]:
        return [
            cast(PeerRow, _dict(r)) for r in self.conn.execute(select(t.exchange_peers).order_by(t.exchange_peers.c.id))
        ]

    def add_key(self, owner: str, key_id: str, public_key: str, private_key: str | None, at: datetime) -> bool:
        return _insert_ignore(
            self.conn,
            t.exchange_keys,
            {
                "owner": owner,
                "key_id": key_id,
                "public_key": public_key,
                "private_key": private_key,
                "status": "active",
                "created_at": at,
                "revoked_at": None,
            },
        )

    def keys(self, owner: str) -> list[KeyRow]:
        k = t.exchange_keys
        rows = self.conn.execute(select(k).where(k.c.owner == owner).order_by(k.c.created_at, k.c.key_id))
        return [cast(KeyRow, _dict(r)) for r in rows]

    def get_key(self, owner: str, key_id: str) -> KeyRow | None:
        k = t.exchange_keys
        r = self.conn.execute(select(k).where(k.c.owner == owner, k.c.key_id == key_id)).first()
        return cast(KeyRow, _dict(r)) if r else None

    def signing_key(self) -> KeyRow | None:
        """The newest active key of our own: the one that signs."""
        k = t.exchange_keys
        r = self.conn.execute(
            select(k)
            .where(k.c.owner == SELF, k.c.status == "active")
            .order_by(k.c.created_at.desc(), k.c.key_id.desc())
            .limit(1)
        ).first()
        return cast(KeyRow, _dict(r)) if r else None

    def revoke_key(self, owner: str, key_id: str, at: datetime) -> bool:
        k = t.exchange_keys
        result = self.conn.execute(
            update(k)
            .where(k.c.owner == owner, k.c.key_id == key_id, k.c.status == "active")
            .values(status="revoked", revoked_at=at)
        )
        return result.rowcount == 1

    # --- outbox ---------------------------------------------------------------------------------------

    def next_seq(self, peer_id: str, way: str, trip_ref: str) -> int:
        """The next number of this trip's messages (1 for the first), counted in the caller's transaction."""
        s = t.exchange_sequences
        self.lock_seq(peer_id, way, trip_ref)
        key = and_(s.c.peer_id == peer_id, s.c.way == way, s.c.trip_ref == trip_ref)
        self.conn.execute(update(s).where(key).values(last_seq=s.c.last_seq + 1))
        return int(self.conn.execute(select(s.c.last_seq).where(key)).scalar_one())

    def lock_seq(self, peer_id: str, way: str, trip_ref: str) -> int:
        """The trip's last sequence number, its row locked until the transaction ends (created at 0).

        Two transactions about the same trip — two copies, or a message and its successor — queue here, so the
        second sees what the first applied (PostgreSQL; SQLite's single writer already serialises them).
        """
        s = t.exchange_sequences
        _insert_ignore(self.conn, s, {"peer_id": peer_id, "way": way, "trip_ref": trip_ref, "last_seq": 0})
        q = select(s.c.last_seq).where(s.c.peer_id == peer_id, s.c.way == way, s.c.trip_ref == trip_ref)
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        return int(self.conn.execute(q).scalar_one())

    def set_last_seq(self, peer_id: str, way: str, trip_ref: str, seq: int) -> None:
        s = t.exchange_sequences
        key = and_(s.c.peer_id == peer_id, s.c.way == way, s.c.trip_ref == trip_ref)
        if self.conn.execute(update(s).where(key).values(last_seq=seq)).rowcount == 0:
            self.conn.execute(insert(s), {"peer_id": peer_id, "way": way, "trip_ref": trip_ref, "last_seq": seq})

    def enqueue(self, envelope: Envelope, peer_id: str, now: datetime) -> None:
        self.conn.execute(
            insert(t.exchange_outbox),
            {
                "id": envelope["id"],
                "peer_id": peer_id,
                "kind": envelope["kind"],
                "trip_ref": envelope.get("trip_ref"),
                "seq": envelope.get("seq"),
                "created_at": now,
                "envelope": envelope,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None,
                "delivered_at": None,
            },
        )

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[tuple[OutboxRow, int]]:
        """Lease up to ``limit`` due messages, oldest first (per trip: lowest sequence first)."""
        o = t.exchange_outbox
        q = (
            select(o.c.id)
            .where(o.c.status == "pending", o.c.next_attempt_at <= now)
            .order_by(o.c.created_at, o.c.seq, o.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = [r.id for r in self.conn.execute(q)]
        if not ids:
            return []
        self.conn.execute(
            update(o).where(o.c.id.in_(ids)).values(attempts=o.c.attempts + 1, next_attempt_at=now + lease)
        )
        rows = self.conn.execute(select(o).where(o.c.id.in_(ids)).order_by(o.c.created_at, o.c.seq, o.c.id))
        return [(cast(OutboxRow, _dict(r)), int(r.attempts)) for r in rows]

    def renew_lease(self, message_id: str, attempts: int, until: datetime) -> bool:
        """Extend the lease of attempt ``attempts`` of a message to ``until``; False if it is no longer ours.

        A lease that ran out is renewed only if nobody claimed the message since (a claim counts an attempt) and
        it is still pending; the check and the update are one statement, so a claim racing it loses or wins whole.
        """
        o = t.exchange_outbox
        result = self.conn.execute(
            update(o)
            .where(o.c.id == message_id, o.c.status == "pending", o.c.attempts == attempts)
            .values(next_attempt_at=until)
        )
        return bool(result.rowcount == 1)

    def mark_delivered(self, message_id: str, now: datetime) -> None:
        o = t.exchange_outbox
        self.conn.execute(
            update(o)
            .where(o.c.id == message_id, o.c.status == "pending")
            .values(status="delivered", delivered_at=now, last_error=None)
        )

    def mark_rejected_out(self, message_id: str, error: str, now: datetime) -> None:
        """The peer refused the message for good (its content): kept, not retried, shown by the health view."""
        o = t.exchange_outbox
        self.conn.execute(
            update(o)
            .where(o.c.id == message_id, o.c.status == "pending")
            .values(status="rejected", last_error=error[:MAX_ERROR_LENGTH], delivered_at=now)
        )

    def mark_retry(self, message_id: str, attempts: int, error: str, next_at: datetime) -> None:
        o = t.exchange_outbox
        self.conn.execute(
            update(o)
            .where(o.c.id == message_id, o.c.status == "pending", o.c.attempts == attempts)
            .values(last_error=error[:MAX_ERROR_LENGTH], next_attempt_at=next_at)
        )

    def outbox_stats(self) -> dict[str, OutboxStats]:
        o = t.exchange_outbox
        rows = self.conn.execute(
            select(
                o.c.peer_id, o.c.status, func.count(), func.max(o.c.delivered_at), func.min(o.c.created_at)
            ).group_by(o.c.peer_id, o.c.status)
        ).all()
        stats: dict[str, OutboxStats] = {}

        def of(peer_id: str) -> OutboxStats:
            return stats.setdefault(peer_id, no_outbox_stats())

        for peer_id, status, n, last, oldest in rows:
            s = of(peer_id)
            if status == "delivered":
                s["delivered"], s["last_delivery"] = int(n), last
            elif status == "pending":
                s["pending"], s["oldest_pending"] = int(n), oldest
            elif status == "rejected":
                s["rejected"] = int(n)
        failing = self.conn.execute(
            select(o.c.peer_id, func.count(), func.max(o.c.attempts))
            .where(o.c.status == "pending", o.c.last_error.is_not(None))
            .group_by(o.c.peer_id)
        ).all()
        for peer_id, n, most in failing:
            s = of(peer_id)
            s["failing"], s["most_attempts"] = int(n), int(most or 0)
        for peer_id, s in stats.items():
            s["last_error"] = self.conn.execute(
                select(o.c.last_error)
                .where(o.c.peer_id == peer_id, o.c.status == "pending", o.c.last_error.is_not(None))
                .order_by(o.c.next_attempt_at.desc())
                .limit(1)
            ).scalar_one_or_none()
        return stats

    def outbox_ids(self, status: str | None = None) -> list[str]:
        o = t.exchange_outbox
        q = select(o.c.id).order_by(o.c.id)
        if status is not None:
            q = q.where(o.c.status == status)
        return [r.id for r in self.conn.execute(q)]

    # --- inbox ----------------------------------------------------------------------------------------

    def claim(self, envelope: Envelope, status: str, now: datetime) -> bool:
        """Record a message as received; False when this sender's id was seen before (nothing is written)."""
        return _insert_ignore(
            self.conn,
            t.exchange_inbox,
            {
                "sender": envelope["sender"],
                "message_id": envelope["id"],
                "kind": envelope["kind"],
                "gate_id": envelope["gate_id"],
                "trip_ref": envelope.get("trip_ref"),
                "seq": envelope.get("seq"),
                "status": status,
                "received_at": now,
                "applied_at": now if status == "applied" else None,
                "envelope": envelope,
            },
        )

    def held(self, sender: str, trip_ref: str) -> list[InboxRow]:
        i = t.exchange_inbox
        rows = self.conn.execute(
            select(i).where(i.c.sender == sender, i.c.trip_ref == trip_ref, i.c.status == "held").order_by(i.c.seq)
        )
        return [cast(InboxRow, _dict(r)) for r in rows]

    def mark_applied(self, sender: str, message_id: str, now: datetime) -> None:
        i = t.exchange_inbox
        self.conn.execute(
            update(i).where(i.c.sender == sender, i.c.message_id == message_id).values(status="applied", applied_at=now)
        )

    def mark_rejected(self, sender: str, message_id: str) -> None:
        i = t.exchange_inbox
        self.conn.execute(update(i).where(i.c.sender == sender, i.c.message_id == message_id).values(status="rejected"))

    def inbox_stats(self) -> dict[str, InboxStats]:
        i = t.exchange_inbox
        rows = self.conn.execute(
            select(i.c.sender, i.c.status, func.count(), func.max(i.c.received_at)).group_by(i.c.sender, i.c.status)
        ).all()
        stats: dict[str, InboxStats] = {}
        for sender, status, n, last in rows:
            s = stats.setdefault(sender, no_inbox_stats())
            if status == "applied":
                s["applied"] = int(n)
            elif status == "held":
                s["held"] = int(n)
            elif status == "rejected":
                s["rejected"] = int(n)
            if s["last_received"] is None or (last is not None and last > s["last_received"]):
                s["last_received"] = last
        return stats

    # --- refusals -------------------------------------------------------------------------------------

    def add_refusal(self, row: RefusalRow) -> None:
        self.conn.execute(insert(t.exchange_refusals), dict(row))

    def refusals(self, *, limit: int, offset: int = 0) -> tuple[list[RefusalRow], int]:
        r = t.exchange_refusals
        total = int(self.conn.execute(select(func.count()).select_from(r)).scalar_one())
        rows = self.conn.execute(select(r).order_by(r.c.at.desc(), r.c.id).limit(limit).offset(offset))
        return [cast(RefusalRow, _dict(x)) for x in rows], total

    def refusal_counts(self) -> dict[str, int]:
        r = t.exchange_refusals
        return {str(c): int(n) for c, n in self.conn.execute(select(r.c.code, func.count()).group_by(r.c.code))}

    # --- manifests ------------------------------------------------------------------------------------

    def add_manifest(self, row: ManifestRow) -> bool:
        return _insert_ignore(self.conn, t.exchange_manifests, dict(row))

    def get_manifest(self, peer_id: str, trip_ref: str) -> ManifestRow | None:
        m = t.exchange_manifests
        r = self.conn.execute(select(m).where(m.c.peer_id == peer_id, m.c.trip_ref == trip_ref)).first()
        return cast(ManifestRow, _dict(r)) if r else None

    def unannounced_trips(self, gate_id: str, peer_id: str, states: list[str], limit: int) -> list[str]:
        """Our export trips at ``gate_id`` in ``states`` with no manifest sent to ``peer_id`` yet, oldest first."""
        m = t.exchange_manifests.c
        # NOT EXISTS, not NOT IN: NOT IN over a large subquery loses its hash and rescans it for every trip
        announced = select(m.trip_ref).where(m.peer_id == peer_id, m.trip_ref == t.trips.c.id, m.way == "out").exists()
        rows = self.conn.execute(
            select(t.trips.c.id)
            .where(
                t.trips.c.gate_id == gate_id,
                t.trips.c.direction == "export",
                t.trips.c.state.in_(states),
                ~announced,
            )
            .order_by(t.trips.c.declared_at, t.trips.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]

    def find_manifest(self, trip_ref: str) -> ManifestRow | None:
        m = t.exchange_manifests
        r = self.conn.execute(select(m).where(m.c.trip_ref == trip_ref).limit(1)).first()
        return cast(ManifestRow, _dict(r)) if r else None

    def update_manifest(self, peer_id: str, trip_ref: str, **values: Unpack[ManifestChange]) -> None:
        m = t.exchange_manifests
        self.conn.execute(update(m).where(m.c.peer_id == peer_id, m.c.trip_ref == trip_ref).values(**values))

    def manifests(
        self, *, way: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[ManifestRow], int]:
        m = t.exchange_manifests
        cond = []
        if way is not None:
            cond.append(m.c.way == way)
        if status is not None:
            cond.append(m.c.status == status)
        total = int(self.conn.execute(select(func.count()).select_from(m).where(*cond)).scalar_one())
        rows = self.conn.execute(
            select(m).where(*cond).order_by(m.c.created_at.desc(), m.c.trip_ref).limit(limit).offset(offset)
        )
        return [cast(ManifestRow, _dict(r)) for r in rows], total

    # --- hotline --------------------------------------------------------------------------------------

    def add_incident(self, row: IncidentRow) -> bool:
        return _insert_ignore(self.conn, t.exchange_incidents, dict(row))

    def get_incident(self, incident_id: str) -> IncidentRow | None:
        i = t.exchange_incidents
        r = self.conn.execute(select(i).where(i.c.id == incident_id)).first()
        return cast(IncidentRow, _dict(r)) if r else None

    def update_incident(self, incident_id: str, **values: Unpack[IncidentChange]) -> None:
        i = t.exchange_incidents
        self.conn.execute(update(i).where(i.c.id == incident_id).values(**values))

    def incidents(self, *, status: str | None, limit: int, offset: int) -> tuple[list[IncidentRow], int]:
        i = t.exchange_incidents
        cond = [i.c.status == status] if status else []
        total = int(self.conn.execute(select(func.count()).select_from(i).where(*cond)).scalar_one())
        rows = self.conn.execute(
            select(i).where(*cond).order_by(i.c.raised_at.desc(), i.c.id).limit(limit).offset(offset)
        )
        return [cast(IncidentRow, _dict(r)) for r in rows], total

    def overdue_incidents(self, now: datetime) -> list[IncidentRow]:
        i = t.exchange_incidents
        rows = self.conn.execute(
            select(i).where(i.c.status == "open", i.c.ack_due_at <= now).order_by(i.c.ack_due_at, i.c.id)
        )
        return [cast(IncidentRow, _dict(r)) for r in rows]

    def add_incident_event(self, incident_id: str, at: datetime, action: str, actor: str, detail: str | None) -> None:
        e = t.exchange_incident_events
        seq = self.conn.execute(
            select(func.coalesce(func.max(e.c.seq), 0)).where(e.c.incident_id == incident_id)
        ).scalar_one()
        self.conn.execute(
            insert(e),
            {
                "incident_id": incident_id,
                "seq": int(seq) + 1,
                "at": at,
                "action": action,
                "actor": actor,
                "detail": detail,
            },
        )

    def incident_events(self, incident_id: str) -> list[IncidentEventRow]:
        e = t.exchange_incident_events
        rows = self.conn.execute(select(e).where(e.c.incident_id == incident_id).order_by(e.c.seq))
        return [cast(IncidentEventRow, _dict(r)) for r in rows]

    # --- the counterpart gate's closures (changed through the gate repository: it renews the gate's revision) ---

    def has_closure(self, closure_id: str) -> bool:
        c = t.gate_closures
        return self.conn.execute(select(c.c.id).where(c.c.id == closure_id)).first() is not None
