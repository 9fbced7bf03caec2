"""What the portal reads: a trip with its timeline, booking and reasons; the trucks to declare with; a driver by
document.

These reads do not check who asks: the pages reach them only through :mod:`cuakhau.services.authorized`, the
same checks as the API (another enterprise's trip answers exactly like one that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cuakhau.domain.booking import Booking
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import NotFound
from cuakhau.domain.gate import Gate
from cuakhau.domain.parties import Driver, Vehicle
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.stages import StageSpan, stage_clock
from cuakhau.domain.trip import Trip, TripEvent
from cuakhau.domain.values import IdentityDocument
from cuakhau.services.ports import UnitOfWork

MAX_VEHICLES = 500


@dataclass(frozen=True, slots=True)
class TripView:
    trip: Trip
    gate: Gate
    shipment: Shipment
    vehicle: Vehicle
    driver: Driver
    events: list[TripEvent]
    stages: list[StageSpan]
    booking: Booking | None
    history: list[dict[str, Any]]


def trip_view(uow: UnitOfWork, *, clock: Clock, trip_id: str) -> TripView:
    with uow:
        trip = uow.trips.get(trip_id)
        shipment = uow.shipments.get(trip.shipment_id) if trip else None
        if trip is None or shipment is None:
            raise NotFound("trip", trip_id)
        gate, vehicle, driver = (
            uow.gates.get(trip.gate_id),
            uow.vehicles.get(trip.vehicle_id),
            uow.drivers.get(trip.driver_id),
        )
        assert gate is not None and vehicle is not None and driver is not None  # foreign keys
        events = uow.trips.events(trip.id)
        booking = uow.bookings.latest_for_trip(trip.id)
        history = uow.bookings.changes(booking.id) if booking else []
    return TripView(
        trip=trip,
        gate=gate,
        shipment=shipment,
        vehicle=vehicle,
        driver=driver,
        events=events,
        stages=stage_clock(events, clock.now()),
        booking=booking,
        history=history,
    )


def trucks(uow: UnitOfWork, *, owner_id: str | None) -> list[Vehicle]:
    """An enterprise's trucks (``None``: anyone's), trailers left out; at most ``MAX_VEHICLES``."""
    with uow:
        vehicles, _ = uow.vehicles.page(owner_id=owner_id, limit=MAX_VEHICLES, offset=0)
    return [v for v in vehicles if not v.is_trailer]


def trailers(uow: UnitOfWork, *, owner_id: str | None) -> list[Vehicle]:
    """An enterprise's trailers and semi-trailers (``None``: anyone's); at most ``MAX_VEHICLES`` vehicles read."""
    with uow:
        vehicles, _ = uow.vehicles.page(owner_id=owner_id, limit=MAX_VEHICLES, offset=0)
    return [v for v in vehicles if v.is_trailer]


def driver_by_document(uow: UnitOfWork, *, kind: str, number: str) -> Driver:
    """The registered driver holding this identity document (written as the driver has it)."""
    document = IdentityDocument.parse(kind, number, field="driver_document")
    with uow:
        driver = uow.drivers.get_by_document(document.kind.value, document.number)
    if driver is None:
        raise NotFound("driver", document.number, field="driver_document")
    return driver
