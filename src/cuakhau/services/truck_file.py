"""One truck's file for the officers of its gate: everything recorded about one trip, read in one go, and the
search by plate that leads to it.

Reads only; who may read it (the gate's officers) is checked by the caller through
:mod:`cuakhau.services.access`, as the API routes do. The truck page (``adapters/web/pages/trucks.py``) shows it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cuakhau.domain.booking import Booking
from cuakhau.domain.clock import Clock
from cuakhau.domain.customs import ChannelDecision, CustomsResult
from cuakhau.domain.errors import InvalidInput, NotFound
from cuakhau.domain.gate import Gate
from cuakhau.domain.inspection import InspectionJob
from cuakhau.domain.parties import Driver, Vehicle
from cuakhau.domain.quarantine.findings import CertificateCheck
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.stages import StageSpan, stage_clock
from cuakhau.domain.trip import Trip, TripEvent, TripState
from cuakhau.domain.values import Plate, plate_shape
from cuakhau.services.gate_ops import DEFAULT_POLICY
from cuakhau.services.ports import DeviceRecord, TripFilter, TripSummary, UnitOfWork
from cuakhau.services.ports.exchange import ManifestRow
from cuakhau.services.ports.outbox import SentNotification

#: At most this many device reads and notifications are listed on one truck's page.
MAX_RECORDS = 200
#: A plate search lists at most this many trucks.
MAX_RESULTS = 50
#: Fewer characters than this match too many plates to be a search.
MIN_PLATE_PART = 2

_SEPARATORS = re.compile(r"[\s\-.·•_/%]+")


@dataclass(frozen=True, slots=True)
class Weighing:
    """One weighbridge reading against what the declaration implies (published rule ``WeighRule``)."""

    at: Any
    weighed_kg: Decimal
    expected_kg: Decimal
    deviation: Decimal  # relative, signed
    within: bool
    origin: str


@dataclass(frozen=True, slots=True)
class TruckFile:
    trip: Trip
    gate: Gate
    shipment: Shipment
    vehicle: Vehicle
    trailer: Vehicle | None
    driver: Driver
    events: list[TripEvent]
    stages: list[StageSpan]
    booking: Booking | None
    booking_history: list[dict[str, Any]]
    channel: ChannelDecision | None
    customs_results: list[CustomsResult]
    checks: list[CertificateCheck]
    jobs: list[InspectionJob]
    reads: list[DeviceRecord]
    weighings: list[Weighing]
    manifest: ManifestRow | None
    notifications: list[SentNotification]

    @property
    def held(self) -> bool:
        return self.trip.state is TripState.HELD


def truck_file(uow: UnitOfWork, *, clock: Clock, gate_id: str, trip_id: str) -> TruckFile:
    """The file of a trip at ``gate_id``; a trip at another gate reads as not found."""
    with uow:
        trip = uow.trips.get(trip_id)
        if trip is None or trip.gate_id != gate_id:
            raise NotFound("trip", trip_id)
        shipment, gate = uow.shipments.get(trip.shipment_id), uow.gates.get(trip.gate_id)
        vehicle, driver = uow.vehicles.get(trip.vehicle_id), uow.drivers.get(trip.driver_id)
        assert shipment and gate and vehicle and driver  # foreign keys
        trailer = uow.vehicles.get(trip.trailer_id) if trip.trailer_id else None
        events = uow.trips.events(trip.id)
        booking = uow.bookings.latest_for_trip(trip.id)
        history = uow.bookings.changes(booking.id) if booking else []
        reads = uow.devices.for_trip(trip.id, limit=MAX_RECORDS)
        weigh = DEFAULT_POLICY.weigh
        weighings = []
        for r in reads:
            if r.kind != "weighbridge" or "gross_kg" not in r.payload:
                continue
            weighed = Decimal(str(r.payload["gross_kg"]))
            expected = weigh.expected_kg(shipment.gross_kg, refrigerated=vehicle.refrigerated)
            deviation = ((weighed - expected) / expected).quantize(Decimal("0.001"))
            within = weigh.deviation(weighed, shipment.gross_kg, refrigerated=vehicle.refrigerated) is None
            weighings.append(Weighing(r.at, weighed, expected, deviation, within, r.origin))
        return TruckFile(
            trip=trip,
            gate=gate,
            shipment=shipment,
            vehicle=vehicle,
            trailer=trailer,
            driver=driver,
            events=events,
            stages=stage_clock(events, clock.now()),
            booking=booking,
            booking_history=history,
            channel=uow.customs.decision(trip.id),
            customs_results=uow.customs.results(trip.id),
            checks=uow.inspections.checks(shipment.id),
            jobs=uow.inspections.for_trip(trip.id),
            reads=reads,
            weighings=weighings,
            manifest=uow.exchange.find_manifest(trip.id),
            notifications=uow.outbox.for_trip(trip.id, limit=MAX_RECORDS),
        )


def plate_filter(typed: str, *, field: str = "plate") -> tuple[str | None, str | None]:
    """What a typed plate searches for: ``(whole plate, None)`` when it reads as a plate (any spelling), else
    ``(None, part)`` — the characters without separators, at least :data:`MIN_PLATE_PART` of them."""
    try:
        return Plate.parse(typed, field=field).text, None
    except InvalidInput:
        pass
    part = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed).upper())[:16]
    if len(part) < MIN_PLATE_PART:
        raise InvalidInput("plate.invalid_format", field=field, value=typed[:32], shape=plate_shape(typed))
    return None, part


def find_trucks(uow: UnitOfWork, *, gate_id: str, typed: str) -> tuple[list[TripSummary], int]:
    """The trips at a gate whose plate is, or contains, what was typed; newest first."""
    whole, part = plate_filter(typed)
    with uow:
        if uow.gates.get(gate_id) is None:
            raise NotFound("gate", gate_id)
        return uow.trips.find(TripFilter(gate_id=gate_id, plate=whole, plate_part=part), limit=MAX_RESULTS, offset=0)


__all__ = ["MAX_RESULTS", "TruckFile", "Weighing", "find_trucks", "plate_filter", "truck_file"]
