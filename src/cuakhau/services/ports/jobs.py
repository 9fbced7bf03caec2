"""The leases of the periodic jobs: which process runs each job, until when, and how its last run went.

Every method is one short transaction of its own (never the job's): a lease outlives no connection, so it works
on SQLite, on PostgreSQL and behind a pooler in transaction mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class JobState:
    name: str
    period: timedelta
    owner: str | None
    lease_expires_at: datetime | None
    next_run_at: datetime | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_duration_ms: float | None
    last_lag_ms: float | None
    last_changed: int | None
    last_error: str | None
    runs: int
    failures: int


@dataclass(frozen=True, slots=True)
class Claim:
    """A job claimed to run now; ``due`` is when it was due (``None``: never ran), to measure the lag."""

    name: str
    due: datetime | None


class JobLeaseRepository(Protocol):
    def register(self, name: str, period: timedelta) -> None:
        """Make sure the job has its row (idempotent; safe when several processes do it at once)."""
        ...

    def claim(self, name: str, owner: str, *, now: datetime, until: datetime) -> Claim | None:
        """Take (or keep) the job's lease until ``until`` if it is due at ``now`` and nobody else holds a lease
        that has not expired; ``None`` otherwise."""
        ...

    def finish(
        self,
        name: str,
        owner: str,
        *,
        started: datetime,
        finished: datetime,
        lag: timedelta | None,
        next_run: datetime,
        until: datetime,
        changed: int | None,
        error: str | None,
    ) -> bool:
        """Record a run and keep the lease; ``False`` if the lease was lost meanwhile (nothing recorded)."""
        ...

    def renew(self, owner: str, *, until: datetime) -> int:
        """Extend every lease ``owner`` holds; returns how many."""
        ...

    def release(self, owner: str) -> int:
        """Give up every lease ``owner`` holds (a clean stop): another process takes the jobs at once."""
        ...

    def states(self) -> list[JobState]: ...
