"""Ports of the e-queue: slots, day quotas, bookings, idempotency keys and what a booking reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from cuakhau.domain.accounts import TripScope
from cuakhau.domain.booking import Booking
from cuakhau.domain.capacity import SlotCapacity
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.shipment import Perishability
from cuakhau.domain.trip import Trip


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What a booking request needs to know about its trip, read together (one query on the booking path)."""

    trip: Trip
    gate: Gate
    #: What an earlier request with the same idempotency key stored: (request hash, status code, response).
    stored_request: tuple[str, int, Any] | None
    exporter_id: str
    perishability: Perishability
    needs_inspection: bool
    #: Status of the trip's latest booking, if it has one.
    latest_booking_status: str | None
    #: The exporter's no-shows recorded since the date asked for (their times: ``BookingRepository.no_show_times``).
    no_shows: int
    vehicle_owner_id: str
    #: The slots of the gate and direction starting in the window asked for, in order (as ``SlotRepository.between``).
    window_slots: list[SlotRow]

    @property
    def scope(self) -> TripScope:
        """Who may see the trip (``Principal.can_see_trip``), from the same read."""
        return TripScope(self.trip.id, self.trip.gate_id, self.exporter_id, self.vehicle_owner_id, self.trip.driver_id)


@dataclass(frozen=True, slots=True)
class SlotRow:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    inspection_capacity: int
    booked: int
    booked_inspection: int

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Take(StrEnum):
    """What became of an attempt to take a place: a slot's place together with one under its day's quota."""

    TAKEN = "taken"
    SLOT_FULL = "slot_full"
    QUOTA_FULL = "quota_full"


@dataclass(frozen=True, slots=True)
class Place:
    """A place in one hourly slot of a gate and direction, counted under the quota of its local ``day``."""

    gate_id: str
    direction: Direction
    starts_at: datetime
    day: str
    inspection: bool


class SlotRepository(Protocol):
    def ensure(self, gate_id: str, direction: Direction, capacities: Iterable[SlotCapacity]) -> None: ...
    def between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> list[SlotRow]: ...
    def count_between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> int: ...
    def overlapping(
        self, gate_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[tuple[str, Direction, datetime]]:
        """(gate, direction, start) of the slots at these gates that overlap [start, end), in one query."""
        ...

    def take_place(
        self, gate_id: str, direction: Direction, starts_at: datetime, day: str, *, inspection: bool
    ) -> Take: ...
    def release(self, gate_id: str, direction: Direction, starts_at: datetime, *, inspection: bool) -> None: ...
    def set_capacity(
        self, gate_id: str, direction: Direction, starts_at: datetime, capacity: int, inspection: int
    ) -> None: ...


class QuotaRepository(Protocol):
    def get(self, gate_id: str, direction: Direction, day: str) -> tuple[int, int] | None: ...
    def set_quota(self, gate_id: str, direction: Direction, day: str, quota: int, booked: int) -> None: ...
    def release(self, gate_id: str, direction: Direction, day: str) -> None: ...
    def record_acceptance(self, row: dict[str, Any]) -> None: ...
    def latest_hourly(self, gate_id: str, direction: Direction, day: str) -> int | None: ...


class BookingRepository(Protocol):
    def add(self, b: Booking) -> None: ...
    def save(self, b: Booking) -> None: ...
    def get(self, booking_id: str) -> Booking | None: ...
    def latest_for_trip(self, trip_id: str) -> Booking | None: ...
    def open_for_window(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> list[Booking]: ...
    def overdue(self, before: datetime) -> list[Booking]: ...
    def no_show_times(self, enterprise_id: str, since: datetime) -> list[datetime]: ...
    def add_change(self, booking: Booking, *, at: datetime, from_slot: datetime | None, actor_id: str) -> None: ...
    def changes(self, booking_id: str) -> list[dict[str, Any]]: ...


class IdempotencyRepository(Protocol):
    def get(self, scope: str, key: str) -> tuple[str, int, Any] | None: ...
    def stored_keys(self, scopes: list[str]) -> set[tuple[str, str]]: ...
    def put(self, scope: str, key: str, request_hash: str, status_code: int, response: Any, at: datetime) -> None: ...
