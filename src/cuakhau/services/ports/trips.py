"""Ports of the declaration: shipments and trips, with the rows a trip list shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cuakhau.domain.declaration import TripHold
from cuakhau.domain.gate import Direction
from cuakhau.domain.shipment import Perishability, Shipment
from cuakhau.domain.trip import Trip, TripEvent, TripState
from cuakhau.services.ports.equeue import BookingFacts


@dataclass(frozen=True, slots=True)
class TripFilter:
    gate_id: str | None = None
    state: TripState | None = None
    direction: Direction | None = None
    exporter_id: str | None = None
    plate: str | None = None
    declared_from: datetime | None = None
    declared_to: datetime | None = None
    #: Trips an enterprise takes part in: as the shipment's exporter or as the truck's owner (haulier).
    party_id: str | None = None
    driver_id: str | None = None
    #: Part of a plate as typed (separators dropped, upper case): trips whose plate contains it.
    plate_part: str | None = None


@dataclass(frozen=True, slots=True)
class TripSummary:
    """One row of a trip list: the trip joined with what an officer needs to recognise it."""

    trip: Trip
    plate: str
    driver_name: str
    exporter_id: str
    perishability: Perishability


class ShipmentRepository(Protocol):
    def add(self, shipment: Shipment) -> None: ...
    def get(self, shipment_id: str) -> Shipment | None: ...
    def parts_of(self, consignment_id: str) -> list[Shipment]:
        """The shipments split from ``consignment_id`` (``part_of``), oldest first."""
        ...

    def booking_facts(
        self,
        trip_id: str,
        no_shows_since: datetime,
        idempotency_scope: str,
        idempotency_key: str,
        window: tuple[datetime, datetime],
    ) -> BookingFacts | None:
        """The trip, its gate, its shipment's exporter and goods, its latest booking, the exporter's recent
        no-shows and what the idempotency key holds; None when there is no such trip."""
        ...

    def booking_facts_many(self, trip_ids: list[str], no_shows_since: datetime) -> dict[str, BookingFacts]:
        """``booking_facts`` of several trips, by trip id, without stored requests or slots (one query)."""
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
    def lock_claims(self, keys: list[str]) -> None:
        """Hold these claims (``cuakhau.domain.declaration.lock_keys``) until the unit of work ends: two
        declarations claiming the same shipment, certificate, consignment, truck or driver run one after the other."""
        ...

    def holds(
        self,
        *,
        shipment_ids: list[str],
        certificate_no: str | None,
        vehicle_id: str | None,
        driver_id: str | None,
    ) -> list[TripHold]:
        """Trips not ended without crossing holding these shipments or this certificate; open trips of the
        vehicle or driver."""
        ...
