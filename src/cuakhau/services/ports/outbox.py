"""Port of the notification outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from cuakhau.domain.notification import Notification


class OutboxRepository(Protocol):
    def add(self, n: Notification) -> None:
        """Write a notification in the same transaction as the change it reports."""
        ...

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]: ...
    def mark_sent(self, notification_id: str, now: datetime) -> None: ...
    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool: ...
    def counts(self) -> dict[str, int]: ...
    def for_trip(self, trip_id: str, limit: int) -> list[Notification]:
        """The newest ``limit`` messages written about a trip, newest first, whatever their delivery state."""
        ...
