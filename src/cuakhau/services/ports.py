"""Ports the use cases depend on: repositories and the unit of work (one transaction, one commit)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from cuakhau.domain.booking import Booking
from cuakhau.domain.capacity import SlotCapacity
from cuakhau.domain.customs import ChannelDecision, CustomsResult, EnterpriseHistory, SelectivityState
from cuakhau.domain.gate import Closure, Direction, Gate
from cuakhau.domain.notification import Notification
from cuakhau.domain.parties import Driver, Enterprise, Vehicle
from cuakhau.domain.shipment import Perishability, Shipment
from cuakhau.domain.trip import Trip, TripEvent, TripState
from cuakhau.domain.yard import Yard, YardVisit


@dataclass(frozen=True, slots=True)
class TripFilter:
    gate_id: str | None = None
    state: TripState | None = None
    direction: Direction | None = None
    exporter_id: str | None = None
    plate: str | None = None
    declared_from: datetime | None = None
    declared_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class TripSummary:
    """One row of a trip list: the trip joined with what an officer needs to recognise it."""

    trip: Trip
    plate: str
    driver_name: str
    exporter_id: str
    perishability: Perishability


class GateRepository(Protocol):
    def add(self, gate: Gate) -> None: ...
    def get(self, gate_id: str) -> Gate | None: ...
    def all(self) -> list[Gate]: ...
    def add_closure(self, gate_id: str, closure: Closure) -> None: ...


class EnterpriseRepository(Protocol):
    def add(self, enterprise: Enterprise) -> None: ...
    def get(self, enterprise_id: str) -> Enterprise | None: ...
    def get_by_tax_id(self, country: str, number: str) -> Enterprise | None: ...
    def page(self, *, limit: int, offset: int) -> tuple[list[Enterprise], int]: ...


class VehicleRepository(Protocol):
    def add(self, vehicle: Vehicle) -> None: ...
    def get(self, vehicle_id: str) -> Vehicle | None: ...
    def get_by_plate(self, plate: str) -> Vehicle | None: ...
    def page(self, *, owner_id: str | None, limit: int, offset: int) -> tuple[list[Vehicle], int]: ...


class DriverRepository(Protocol):
    def add(self, driver: Driver) -> None: ...
    def get(self, driver_id: str) -> Driver | None: ...
    def get_by_document(self, kind: str, number: str) -> Driver | None: ...
    def page(self, *, limit: int, offset: int) -> tuple[list[Driver], int]: ...


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


class ShipmentRepository(Protocol):
    def add(self, shipment: Shipment) -> None: ...
    def get(self, shipment_id: str) -> Shipment | None: ...
    def booking_facts(
        self, trip_id: str, no_shows_since: datetime, idempotency_scope: str, idempotency_key: str
    ) -> BookingFacts | None:
        """The trip, its gate, its shipment's exporter and goods, its latest booking, the exporter's recent
        no-shows and what the idempotency key holds; None when there is no such trip."""
        ...


class TripRepository(Protocol):
    def add(self, trip: Trip) -> None:
        """Insert a new trip and its pending events."""
        ...

    def save(self, trip: Trip) -> None:
        """Write the trip's new state and append its pending events.

        Raises :class:`~cuakhau.domain.errors.ConcurrentUpdate` when the trip changed since it was loaded.
        """
        ...

    def get(self, trip_id: str) -> Trip | None: ...
    def find(self, flt: TripFilter, *, limit: int, offset: int) -> tuple[list[TripSummary], int]: ...
    def events(self, trip_id: str) -> list[TripEvent]: ...
    def active_for_vehicle(self, vehicle_id: str) -> list[Trip]: ...


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


class SlotRepository(Protocol):
    def ensure(self, gate_id: str, direction: Direction, capacities: Iterable[SlotCapacity]) -> None: ...
    def between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> list[SlotRow]: ...
    def count_between(self, gate_id: str, direction: Direction, start: datetime, end: datetime) -> int: ...
    def try_take(self, gate_id: str, direction: Direction, starts_at: datetime, *, inspection: bool) -> bool: ...
    def release(self, gate_id: str, direction: Direction, starts_at: datetime, *, inspection: bool) -> None: ...
    def set_capacity(
        self, gate_id: str, direction: Direction, starts_at: datetime, capacity: int, inspection: int
    ) -> None: ...
    def set_counts(
        self, gate_id: str, direction: Direction, starts_at: datetime, booked: int, inspection: int
    ) -> None: ...
    def overbooked(self) -> int: ...


class QuotaRepository(Protocol):
    def get(self, gate_id: str, direction: Direction, day: str) -> tuple[int, int] | None: ...
    def set_quota(self, gate_id: str, direction: Direction, day: str, quota: int, booked: int) -> None: ...
    def try_take(self, gate_id: str, direction: Direction, day: str) -> bool: ...
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
    def put(self, scope: str, key: str, request_hash: str, status_code: int, response: Any, at: datetime) -> None: ...


class RegistryRepository(Protocol):
    def is_active(self, kind: str, code: str) -> bool: ...
    def replace_all(self, rows: list[dict[str, Any]]) -> None: ...
    def count(self) -> dict[str, int]: ...


class OutboxRepository(Protocol):
    def add(self, n: Notification) -> None:
        """Write a notification in the same transaction as the change it reports."""
        ...

    def claim_due(self, now: datetime, limit: int) -> list[tuple[Notification, int]]: ...
    def mark_sent(self, notification_id: str, now: datetime) -> None: ...
    def mark_retry(self, notification_id: str, now: datetime, error: str, attempts: int) -> bool: ...
    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device message as kept: what came, from where, and what it did."""

    device_id: str
    message_id: str
    gate_id: str
    kind: str
    checkpoint: str | None
    plate: str | None
    origin: str
    at: datetime
    received_at: datetime
    payload: dict[str, Any]
    outcome: str = "pending"
    trip_id: str | None = None
    detail: str | None = None
    reconciled_by: str | None = None


class DeviceLog(Protocol):
    def claim(self, record: DeviceRecord) -> bool:
        """Insert the message; ``False`` when this device sent this id before (it is then not applied again)."""
        ...

    def finish(
        self, device_id: str, message_id: str, *, outcome: str, trip_id: str | None, detail: str | None
    ) -> None: ...

    def unreconciled_manual(self, trip_id: str, checkpoint: str) -> DeviceRecord | None: ...
    def mark_reconciled(self, record: DeviceRecord, by: str) -> None: ...
    def recent(self, gate_id: str, *, limit: int, offset: int) -> tuple[list[DeviceRecord], int]: ...


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """Something a device saw that a person must look at (hàng chờ xử lý / 待人工复核)."""

    id: str
    gate_id: str
    kind: str
    created_at: datetime
    detail: dict[str, Any]
    status: str = "open"
    device_id: str | None = None
    message_id: str | None = None
    checkpoint: str | None = None
    plate: str | None = None
    trip_id: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None


class ReviewQueue(Protocol):
    def add(self, item: ReviewItem) -> None: ...
    def get(self, item_id: str) -> ReviewItem | None: ...
    def resolve(self, item_id: str, *, status: str, at: datetime, by: str, resolution: str) -> bool:
        """Close an open item; ``False`` when it was no longer open."""
        ...

    def page(self, gate_id: str, status: str | None, *, limit: int, offset: int) -> tuple[list[ReviewItem], int]: ...


@dataclass(frozen=True, slots=True)
class VisitRow:
    visit: YardVisit
    entry_origin: str
    exit_origin: str | None


class YardRepository(Protocol):
    def add(self, yard: Yard) -> None: ...
    def for_gate(self, gate_id: str) -> list[Yard]: ...
    def occupancy(self, yard_id: str) -> int: ...
    def enter(self, visit: YardVisit, origin: str) -> None: ...
    def exit(self, trip_id: str, at: datetime, origin: str) -> bool: ...
    def visit(self, trip_id: str) -> VisitRow | None: ...
    def present(self, yard_id: str) -> list[VisitRow]: ...


@dataclass(frozen=True, slots=True)
class LaneCall:
    id: str
    trip_id: str
    gate_id: str
    direction: Direction
    lane: str
    position: int
    reason: str
    status: str  # called, at_lane, skipped, done
    called_at: datetime
    deadline: datetime
    at_lane_at: datetime | None = None
    closed_at: datetime | None = None


class LaneCallRepository(Protocol):
    def add(self, call: LaneCall) -> None: ...
    def open_for_trip(self, trip_id: str) -> LaneCall | None: ...
    def last_for_trip(self, trip_id: str) -> LaneCall | None: ...
    def busy_lanes(self, gate_id: str, direction: Direction) -> set[str]: ...
    def set_status(self, call_id: str, status: str, at: datetime) -> None: ...
    def expired(self, now: datetime) -> list[LaneCall]: ...
    def waiting(self, gate_id: str, direction: Direction) -> list[WaitingRow]:
        """Trucks in the yard (trip state ``arrived``) with what the call-forward rule sorts on."""
        ...

    def occupied_without_call(self, gate_id: str, direction: Direction) -> int:
        """Trucks at a lane (called or inspecting) that were put there by hand, not by a lane call."""
        ...


@dataclass(frozen=True, slots=True)
class WaitingRow:
    trip_id: str
    shipment_id: str
    perishability: Perishability | None  # from the booking; None: read the shipment
    slot_start: datetime | None
    entered_at: datetime | None
    last_skip_at: datetime | None
    arrived_at: datetime


class CustomsRepository(Protocol):
    def decision(self, trip_id: str) -> ChannelDecision | None: ...
    def add_decision(self, trip_id: str, gate_id: str, enterprise_id: str, decision: ChannelDecision) -> None: ...
    def results(self, trip_id: str) -> list[CustomsResult]: ...
    def add_result(self, trip_id: str, enterprise_id: str, result: CustomsResult) -> None: ...
    def history(self, enterprise_id: str, since: datetime) -> EnterpriseHistory: ...
    def state(self, gate_id: str) -> tuple[SelectivityState, int]: ...
    def save_state(self, gate_id: str, state: SelectivityState, seen_version: int) -> None:
        """Raises :class:`~cuakhau.domain.errors.ConcurrentUpdate` when another writer moved the state first."""
        ...


class UnitOfWork(Protocol):
    @property
    def gates(self) -> GateRepository: ...
    @property
    def enterprises(self) -> EnterpriseRepository: ...
    @property
    def vehicles(self) -> VehicleRepository: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def trips(self) -> TripRepository: ...
    @property
    def slots(self) -> SlotRepository: ...
    @property
    def quotas(self) -> QuotaRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def registry(self) -> RegistryRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def devices(self) -> DeviceLog: ...
    @property
    def reviews(self) -> ReviewQueue: ...
    @property
    def yards(self) -> YardRepository: ...
    @property
    def lanes(self) -> LaneCallRepository: ...
    @property
    def customs(self) -> CustomsRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[Savepoint]:
        """A nested transaction inside this unit: released at the end unless rolled back."""
        ...


class Savepoint(Protocol):
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
