"""The clock port: the domain never asks the machine for the time.

Production passes a system clock (:class:`cuakhau.adapters.clock.SystemClock`); tests, the demo seeder and
the simulator pass a :class:`ManualClock` so the same policies run on simulated time.
All instants are timezone-aware UTC; local clock hours belong to a gate (see :mod:`cuakhau.domain.gate`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


def ensure_utc(instant: datetime, *, field: str = "at") -> datetime:
    """Reject naive datetimes (their clock is unknowable at a border) and convert to UTC."""
    from cuakhau.domain.errors import InvalidInput

    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput("time.naive", field=field, value=instant.isoformat())
    return instant.astimezone(UTC)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._now += delta
        return self._now
