"""Deliver the notification outbox through a notifier (an SMS, Zalo or WeChat gateway behind a webhook).

The guarantee is **at least once, never blocking a booking**:

* A use case only *writes* the message, in its own unit of work (``uow.outbox.add``), so the message exists
  exactly when the change it reports was committed — a rolled-back booking notifies nobody — and a booking never
  waits on a gateway.
* :func:`deliver_due` claims due messages in a short committed transaction (each claim is one counted attempt
  and a lease of :data:`~cuakhau.domain.notification.CLAIM_LEASE`), sends them with **no transaction open** — no
  write lock is held while the network is slow, which matters on SQLite's single writer — and records each
  outcome in another short transaction.
* A crash between claim and record loses nothing: the lease runs out and the message is sent again. So a
  receiver may see a message twice, always with the same id (``X-Cuakhau-Notification-Id``) to de-duplicate on.
  While the gateway is healthy and sends finish within the lease, each message is sent once, also with several
  dispatchers at once (claims never overlap).
* Failures are retried on the published backoff (:func:`~cuakhau.domain.notification.next_attempt_delay`) and
  given up, status ``failed``, after :data:`~cuakhau.domain.notification.MAX_ATTEMPTS` attempts.

Claims are taken :data:`CLAIM_BATCH` at a time so a batch is sent well within its lease; a message whose lease is
half spent before its turn is not sent by this round (it is due again when the lease runs out) rather than risk
being sent by two dispatchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from cuakhau.domain.clock import Clock
from cuakhau.domain.notification import CLAIM_LEASE, Notification

#: Messages claimed per short transaction.
CLAIM_BATCH = 10


class Notifier(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver one notification; raise on any failure (the message is then retried)."""
        ...


class OutboxPort(Protocol):
    """What delivery needs of the outbox (the full repository is :class:`cuakhau.services.ports.OutboxRepository`)."""

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]:
        """Lease due messages; each comes with the number of this attempt (1 for the first)."""
        ...

    def mark_sent(self, notification_id: str, now: datetime) -> None: ...

    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool:
        """Record the failure of attempt ``attempts``; False when the message is given up."""
        ...


class OutboxTransaction(Protocol):
    """One transaction over the outbox: rolled back at the end of the ``with`` block unless committed."""

    @property
    def outbox(self) -> OutboxPort: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class Transactional(Protocol):
    """Opens an :class:`OutboxTransaction`. A :class:`~cuakhau.services.ports.UnitOfWorkFactory` is one;
    so is :class:`cuakhau.adapters.db.outbox.SqlOutboxTransactions` (the outbox alone)."""

    def __call__(self) -> OutboxTransaction: ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    #: Accepted by the channel.
    sent: int = 0
    #: Failed, to be tried again after the backoff.
    retried: int = 0
    #: Failed for the last time (status ``failed``).
    failed: int = 0
    #: Claimed but not sent by this round because its lease was running out; due again when it does.
    deferred: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.deferred


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def deliver_due(transactions: Transactional, notifier: Notifier, clock: Clock, *, limit: int = 50) -> DeliveryReport:
    """Deliver up to ``limit`` due messages: claim (short transaction), send (none), record (short transaction).

    A database error while recording propagates; the messages still claimed are due again when their lease
    runs out. A notifier error never propagates: it is recorded as a failed attempt.
    """
    sent = retried = failed = deferred = 0
    remaining = limit
    while remaining > 0:
        with transactions() as tx:
            claimed_at = clock.now()
            batch = tx.outbox.claim_due(claimed_at, min(CLAIM_BATCH, remaining))
            tx.commit()
        if not batch:
            break
        remaining -= len(batch)
        send_by = claimed_at + CLAIM_LEASE / 2
        for notification, attempt in batch:
            if clock.now() >= send_by:
                deferred += 1
                continue
            try:
                notifier.send(notification)
            except Exception as exc:  # any failure of the channel is one failed attempt, tried again later
                with transactions() as tx:
                    again = tx.outbox.mark_retry(notification.id, clock.now(), describe_error(exc), attempt)
                    tx.commit()
                if again:
                    retried += 1
                else:
                    failed += 1
                continue
            with transactions() as tx:
                tx.outbox.mark_sent(notification.id, clock.now())
                tx.commit()
            sent += 1
        if deferred:
            break  # sends are slow: leave the rest for the next round
    return DeliveryReport(sent=sent, retried=retried, failed=failed, deferred=deferred)
