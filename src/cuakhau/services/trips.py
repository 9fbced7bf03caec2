"""Trip use cases: declare a trip, move it through its lifecycle (:mod:`cuakhau.services.lifecycle`), read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import ConcurrentUpdate, CuakhauError, InvalidInput, NotFound, require
from cuakhau.domain.gate import Direction
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripEvent, TripState
from cuakhau.domain.values import ContainerNumber
from cuakhau.services.lifecycle import step
from cuakhau.services.ports import TripFilter, TripSummary, UnitOfWork
from cuakhau.services.shipments import add_shipment, build_shipment

#: How many times a step is retried when another writer changed the same trip first.
TRANSITION_ATTEMPTS = 5
MAX_CONTAINERS = 4


def declare_trip(
    uow: UnitOfWork,
    nomenclature: HsNomenclature,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    vehicle_id: str,
    driver_id: str,
    trailer_id: str | None = None,
    shipment_id: str | None = None,
    shipment: Mapping[str, Any] | None = None,
    containers: Sequence[str] = (),
    actor: Actor | None = None,
) -> Trip:
    """Declare a trip (khai báo / 申报). The shipment is referenced or declared inline, never twice."""
    trip_direction = parse_enum(Direction, direction, field="direction")
    if (shipment_id is None) == (shipment is None):
        raise InvalidInput("trip.shipment_one_of", field="shipment_id")
    if len(containers) > MAX_CONTAINERS:
        raise InvalidInput("trip.too_many_containers", field="containers", max=MAX_CONTAINERS)
    parsed_containers: list[ContainerNumber] = []
    for i, raw in enumerate(containers):
        parsed_containers.append(ContainerNumber.parse(raw, field=f"containers[{i}]"))
    new_shipment = None
    if shipment is not None:
        try:
            new_shipment = build_shipment(nomenclature, clock=clock, **shipment)
        except CuakhauError as exc:
            raise exc.at("shipment") from None
    with uow:
        gate = uow.gates.get(gate_id)
        if gate is None:
            raise NotFound("gate", gate_id, field="gate_id")
        if not gate.lanes_for(trip_direction):
            raise InvalidInput("trip.no_lane", field="direction", gate=gate_id, direction=trip_direction.value)
        vehicle = uow.vehicles.get(vehicle_id)
        if vehicle is None:
            raise NotFound("vehicle", vehicle_id, field="vehicle_id")
        if vehicle.is_trailer:
            raise InvalidInput("trip.vehicle_is_trailer", field="vehicle_id", plate=vehicle.plate.text)
        if trailer_id is not None:
            trailer = uow.vehicles.get(trailer_id)
            if trailer is None:
                raise NotFound("vehicle", trailer_id, field="trailer_id")
            if not trailer.is_trailer:
                raise InvalidInput("trip.not_a_trailer", field="trailer_id", plate=trailer.plate.text)
        if uow.drivers.get(driver_id) is None:
            raise NotFound("driver", driver_id, field="driver_id")
        if new_shipment is not None:
            try:
                add_shipment(uow, new_shipment)
            except CuakhauError as exc:
                raise exc.at("shipment") from None
            exporter_id = new_shipment.exporter_id
            shipment_id = new_shipment.id
        else:
            assert shipment_id is not None
            existing = uow.shipments.get(shipment_id)
            if existing is None:
                raise NotFound("shipment", shipment_id, field="shipment_id")
            exporter_id = existing.exporter_id
        trip = Trip.declare(
            gate_id=gate_id,
            direction=trip_direction,
            vehicle_id=vehicle_id,
            driver_id=driver_id,
            shipment_id=shipment_id,
            trailer_id=trailer_id,
            containers=tuple(parsed_containers),
            actor=actor or Actor(exporter_id, ActorRole.EXPORTER),
            clock=clock,
        )
        uow.trips.add(trip)
        uow.commit()
    return trip


def transition_trip(
    uow: UnitOfWork,
    *,
    clock: Clock,
    trip_id: str,
    action: str,
    actor: Actor,
    reason: str | None = None,
    expected_version: int | None = None,
    override_reason: str | None = None,
) -> tuple[Trip, TripEvent]:
    """Take one lifecycle step. A concurrent writer makes us re-read and re-decide, never overwrite.

    ``override_reason``: an officer calls or lets cross a truck while a side of the gate pair is shut
    (``services.open_hours``); kept on the step.

    With ``expected_version`` the caller says which version it decided on; if the trip has moved since,
    the step is refused (409) instead of being re-decided for them.
    """
    trip_action = parse_enum(TripAction, action, field="action")
    if trip_action is TripAction.DECLARE:
        raise InvalidInput("trip.declare_via_post", field="action")
    if trip_action is TripAction.BOOK:
        raise InvalidInput("trip.book_via_booking", field="action")
    for _ in range(TRANSITION_ATTEMPTS):
        with uow:
            trip = require(uow.trips.get(trip_id), "trip", trip_id)
            if expected_version is not None and trip.version != expected_version:
                raise ConcurrentUpdate("trip", trip_id)
            try:
                event = step(
                    uow, trip, trip_action, actor=actor, clock=clock, reason=reason, override_reason=override_reason
                )
                uow.commit()
            except ConcurrentUpdate:
                continue
            return trip, event
    raise ConcurrentUpdate("trip", trip_id)


def get_trip(uow: UnitOfWork, trip_id: str) -> Trip:
    with uow:
        return require(uow.trips.get(trip_id), "trip", trip_id)


def list_trips(uow: UnitOfWork, flt: TripFilter, *, limit: int, offset: int) -> tuple[list[TripSummary], int]:
    with uow:
        return uow.trips.find(flt, limit=limit, offset=offset)


def timeline(uow: UnitOfWork, trip_id: str) -> tuple[Trip, list[TripEvent]]:
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        return trip, uow.trips.events(trip_id)


__all__ = [
    "TripFilter",
    "TripState",
    "declare_trip",
    "get_trip",
    "list_trips",
    "timeline",
    "transition_trip",
]
