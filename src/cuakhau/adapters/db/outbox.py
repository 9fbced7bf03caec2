"""The notification outbox: written in the same transaction as the change it reports, delivered later.

Delivery (:func:`cuakhau.services.notifications.deliver_due`) works in three steps so that no database lock is
held while the network is slow — SQLite has a single writer, and bookings must never queue behind a gateway:

1. *claim* (one short write transaction, committed): due ``pending`` rows get ``attempts + 1`` and a lease —
   ``next_attempt_at`` is pushed :data:`~cuakhau.domain.notification.CLAIM_LEASE` ahead, so no other dispatcher
   takes them meanwhile. On PostgreSQL the rows are selected ``FOR UPDATE SKIP LOCKED``: two dispatchers
   claiming at the same moment take disjoint rows without waiting for each other. On SQLite the write
   transaction (``BEGIN IMMEDIATE``) already serialises claims.
2. *send*, outside any transaction.
3. *record* the outcome in another short transaction: ``sent``, or the next attempt after the published backoff,
   or ``failed`` after :data:`~cuakhau.domain.notification.MAX_ATTEMPTS`.

A dispatcher that dies between 1 and 3 loses nothing: the lease runs out and the message is claimed again (the
lost attempt counts, so a message that kills its sender cannot be retried forever). Delivery is therefore *at
least once*; the notification id never changes and receivers de-duplicate on it.

``attempts`` doubles as a fencing token: each claim increments it, and a failure is recorded only while the row
still carries the attempt number of the claim that failed — a dispatcher that overran its lease cannot overwrite
what a later claim recorded. ``sent`` is final: nothing moves a row out of it.

Repositories never commit; :class:`SqlOutboxTransactions` is a light unit of work (one connection, one
transaction, commit only on request) for a dispatcher that needs nothing but the outbox.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, RootTransaction, func, select, update

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.batch import InsertBatch, insert_row
from cuakhau.domain.notification import CLAIM_LEASE, MAX_ATTEMPTS, Notification, next_attempt_delay
from cuakhau.services.ports.outbox import SentNotification

STATUSES = ("pending", "sent", "failed")
MAX_ERROR_LENGTH = 2000

_n = t.notifications


def _notification(r: Any) -> Notification:
    return Notification(
        id=r.id,
        kind=r.kind,
        created_at=r.created_at,
        language=r.language,
        payload=dict(r.payload or {}),
        trip_id=r.trip_id,
        booking_id=r.booking_id,
        enterprise_id=r.enterprise_id,
    )


class SqlOutbox:
    def __init__(self, conn: Connection, batch: InsertBatch | None = None) -> None:
        self.conn = conn
        self.batch = batch

    def add(self, n: Notification) -> None:
        """Insert a pending message, due at once. Call inside the unit of work of the change it reports."""
        insert_row(
            self.conn,
            self.batch,
            _n,
            {
                "id": n.id,
                "created_at": n.created_at,
                "kind": n.kind,
                "trip_id": n.trip_id,
                "booking_id": n.booking_id,
                "enterprise_id": n.enterprise_id,
                "language": n.language,
                "payload": dict(n.payload),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": n.created_at,
                # last_error and sent_at start NULL: left out, the booking's one-statement insert stays under
                # psycopg's limit of 50 parameters for a query it parses once and keeps
            },
        )

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]:
        """Lease up to ``limit`` due messages until ``now + CLAIM_LEASE``, oldest due first.

        Returns each message with the number of this attempt (1 for the first). Rows whose lease ran out on
        their last allowed attempt, with no outcome recorded, are marked ``failed`` instead of being returned.
        The caller must commit before sending.
        """
        if limit <= 0:
            return []
        q = (
            select(_n.c.id, _n.c.attempts)
            .where(_n.c.status == "pending", _n.c.next_attempt_at <= now)
            .order_by(_n.c.next_attempt_at, _n.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = self.conn.execute(q).all()
        claim = [r.id for r in rows if r.attempts < MAX_ATTEMPTS]
        exhausted = [r.id for r in rows if r.attempts >= MAX_ATTEMPTS]
        if exhausted:
            self.conn.execute(
                update(_n)
                .where(_n.c.id.in_(exhausted))
                .values(status="failed", last_error="no outcome recorded for the last attempt (lease expired)")
            )
        if not claim:
            return []
        self.conn.execute(
            update(_n).where(_n.c.id.in_(claim)).values(attempts=_n.c.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        )
        claimed = self.conn.execute(select(_n).where(_n.c.id.in_(claim)).order_by(_n.c.created_at, _n.c.id)).all()
        return [(_notification(r), int(r.attempts)) for r in claimed]

    def mark_sent(self, notification_id: str, now: datetime) -> None:
        """The channel accepted the message. Final: a message already sent keeps its first ``sent_at``."""
        self.conn.execute(
            update(_n)
            .where(_n.c.id == notification_id, _n.c.status == "pending")
            .values(status="sent", sent_at=now, last_error=None)
        )

    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool:
        """Attempt number ``attempts`` failed: due again after the backoff, or ``failed`` after the last one.

        Returns False when the message was given up. When the row has moved on since that attempt was claimed
        (sent by someone else, or claimed again after the lease ran out) nothing is written and True is
        returned: the message is not given up, it is simply someone else's now.
        """
        again = attempts < MAX_ATTEMPTS
        result = self.conn.execute(
            update(_n)
            .where(_n.c.id == notification_id, _n.c.status == "pending", _n.c.attempts == attempts)
            .values(
                last_error=error[:MAX_ERROR_LENGTH],
                status="pending" if again else "failed",
                next_attempt_at=now + next_attempt_delay(attempts),
            )
        )
        return again or result.rowcount == 0

    def counts(self) -> dict[str, int]:
        """Messages per status, every status present (zero when none)."""
        rows = self.conn.execute(select(_n.c.status, func.count()).group_by(_n.c.status)).all()
        found = {str(status): int(n) for status, n in rows}
        return {status: found.get(status, 0) for status in STATUSES} | found

    def for_trip(self, trip_id: str, *, limit: int) -> list[SentNotification]:
        q = select(_n).where(_n.c.trip_id == trip_id).order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit)
        rows = list(self.conn.execute(q))
        return [SentNotification(_notification(r), r.status, int(r.attempts), r.sent_at) for r in reversed(rows)]

    def for_enterprise(
        self, enterprise_id: str, *, limit: int, offset: int, exclude_kinds: frozenset[str] = frozenset()
    ) -> tuple[list[SentNotification], int]:
        where = [_n.c.enterprise_id == enterprise_id]
        if exclude_kinds:
            where.append(_n.c.kind.not_in(sorted(exclude_kinds)))
        total = int(self.conn.execute(select(func.count()).select_from(_n).where(*where)).scalar_one())
        q = select(_n).where(*where).order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit).offset(offset)
        rows = list(self.conn.execute(q))
        return [SentNotification(_notification(r), r.status, int(r.attempts), r.sent_at) for r in rows], total

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest messages with their delivery state, for the demo and the CLI."""
        rows = self.conn.execute(select(_n).order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]


class SqlOutboxTransaction:
    """One transaction over the outbox alone; rolled back at the end of the ``with`` block unless committed."""

    outbox: SqlOutbox

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("outbox transaction already open")
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.outbox = SqlOutbox(self._conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._tx = None

    def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("outbox transaction not open")
        self._tx.commit()


class SqlOutboxTransactions:
    """The :class:`~cuakhau.services.notifications.Transactional` of a process that only delivers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlOutboxTransaction:
        return SqlOutboxTransaction(self.engine)
