"""Notifications — thông báo / 通知 — of every slot change or call, and the published retry schedule.

A notification is written to the outbox in the same transaction as the change it reports and delivered later,
at least once, under its stable ``id`` (receivers de-duplicate on it). A failed attempt is tried again after
:func:`next_attempt_delay`; after :data:`MAX_ATTEMPTS` attempts the message is given up (status ``failed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from cuakhau.domain.clock import ensure_utc

#: Attempts (tries handed to the channel) before a message is given up.
MAX_ATTEMPTS = 12
#: The wait after the first failed attempt; each further failure doubles it …
FIRST_RETRY = timedelta(seconds=10)
#: … up to this.
LONGEST_RETRY = timedelta(hours=1)
#: How long a dispatcher owns the messages it claimed. A dispatcher that stops mid-send loses nothing: when the
#: lease runs out the message is due again (and that attempt counts).
CLAIM_LEASE = timedelta(seconds=60)

#: Column limits of the outbox, checked here so both databases accept or refuse the same notifications.
MAX_ID_LENGTH = 32
MAX_KIND_LENGTH = 32


class NotificationKind(StrEnum):
    SLOT_ASSIGNED = "slot_assigned"
    SLOT_CHANGED = "slot_changed"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    BOOKING_CANCELLED = "booking_cancelled"
    CALLED = "called"
    NO_SHOW = "no_show"
    DISPATCH_REFUSED = "dispatch_refused"
    # onboarding (to the person named in ``payload["to"]``, an e-mail address or a phone number)
    JOIN_APPROVED = "join_approved"  # with the invitation link of the enterprise's administrator
    JOIN_REFUSED = "join_refused"  # with the reason
    ACCOUNT_INVITED = "account_invited"  # with the invitation link
    PASSWORD_RESET = "password_reset"  # with the one-time link


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to the exporter or driver of a trip; ``payload`` is what the gateway renders from."""

    id: str
    kind: str
    created_at: datetime
    language: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    trip_id: str | None = None
    booking_id: str | None = None
    enterprise_id: str | None = None

    def __post_init__(self) -> None:
        if not self.id or len(self.id) > MAX_ID_LENGTH:
            raise ValueError(f"notification id must have 1 to {MAX_ID_LENGTH} characters: {self.id!r}")
        if not self.kind or len(self.kind) > MAX_KIND_LENGTH:
            raise ValueError(f"notification kind must have 1 to {MAX_KIND_LENGTH} characters: {self.kind!r}")
        if len(self.language) != 2 or not self.language.isascii() or not self.language.islower():
            raise ValueError(f"notification language must be a two-letter code: {self.language!r}")
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, field="created_at"))
        # A read-only copy: the message written to the outbox is the message sent.
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload)))


def next_attempt_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 10 s, 20 s, 40 s … doubling, at most an hour.

    No jitter, so the schedule is published and testable; zero attempts means due now.
    """
    if attempts < 0:
        raise ValueError(f"attempts cannot be negative: {attempts}")
    if attempts == 0:
        return timedelta(0)
    doublings = 0
    delay = FIRST_RETRY
    while delay < LONGEST_RETRY and doublings < attempts - 1:
        delay *= 2
        doublings += 1
    return min(delay, LONGEST_RETRY)


def retry_schedule() -> list[timedelta]:
    """The waits between the :data:`MAX_ATTEMPTS` attempts of a message that always fails (for documentation)."""
    return [next_attempt_delay(n) for n in range(1, MAX_ATTEMPTS)]
