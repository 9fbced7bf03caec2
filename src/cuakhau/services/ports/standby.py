"""Port of the e-queue's standby list: who stands by at a gate day, and the places they were given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cuakhau.domain.booking import Booking
from cuakhau.domain.gate import Direction


@dataclass(frozen=True, slots=True)
class StandbyRow:
    trip_id: str
    gate_id: str
    direction: Direction
    day: str  # the gate's local date, ISO
    reach_minutes: int
    status: str  # standing_by, placed, left
    joined_at: datetime


class StandbyRepository(Protocol):
    def join(self, row: StandbyRow) -> None:
        """Put the trip on the list (again, if it left or was placed before): ``row``'s status is standing_by."""
        ...

    def leave(self, trip_id: str, at: datetime) -> bool:
        """Take the trip off the list; False when it was not standing by."""
        ...

    def get(self, trip_id: str) -> StandbyRow | None: ...
    def standing_by(self, gate_id: str, direction: Direction, day: str) -> list[StandbyRow]: ...

    def claim(self, trip_id: str, at: datetime) -> bool:
        """Mark a standing-by trip placed, atomically: False when another transaction placed it (or it left)."""
        ...

    def record_offer(self, row: dict[str, Any]) -> bool:
        """Record a place given to a standby truck; False when the freed booking's place was already given."""
        ...

    def lock_active(self, booking_id: str) -> bool:
        """Lock the booking's row until the end of the transaction; True when it is still active (a late truck's
        place may be lent only then: a cancellation of that booking waits for the lend, or the lend for it)."""
        ...

    def offered(self, freed_booking_id: str) -> bool: ...
    def offers_for_trip(self, trip_id: str) -> list[dict[str, Any]]: ...

    def late(self, started_before: datetime, started_after: datetime) -> list[Booking]:
        """Active bookings whose slot started in (``started_after``, ``started_before``], whose truck is not at
        the gate yet (booked or dispatched), whose place was not given to a standby truck already and which are
        not themselves a standby truck moved into that slot (it is on its way)."""
        ...
