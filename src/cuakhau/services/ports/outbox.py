"""Port of the notification outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cuakhau.domain.notification import Notification


@dataclass(frozen=True, slots=True)
class SentNotification:
    """A notification as kept in the outbox: the message, and whether it went out."""

    notification: Notification
    status: str  # pending, sent, failed
    attempts: int
    sent_at: datetime | None


class OutboxRepository(Protocol):
    def add(self, n: Notification) -> None:
        """Write a notification in the same transaction as the change it reports."""
        ...

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]: ...
    def mark_sent(self, notification_id: str, now: datetime) -> None: ...
    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool: ...
    def counts(self) -> dict[str, int]: ...
    def for_trip(self, trip_id: str, *, limit: int) -> list[SentNotification]:
        """The newest ``limit`` messages written about one trip, oldest first, with their delivery state."""
        ...

    def for_enterprise(
        self, enterprise_id: str, *, limit: int, offset: int, exclude_kinds: frozenset[str] = frozenset()
    ) -> tuple[list[SentNotification], int]:
        """The messages written to one enterprise, newest first, a page of them and how many in all."""
        ...
