"""Trip use cases: declare a trip, move it through its lifecycle (:mod:`cuakhau.services.lifecycle`), read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.declaration import claim_conflicts, consignment_of, lock_keys
from cuakhau.domain.errors import ConcurrentUpdate, CuakhauError, InvalidInput, NotFound, Problems, require
from cuakhau.domain.gate import Direction
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripEvent, TripState
from cuakhau.domain.values import ContainerNumber
from cuakhau.services.lifecycle import step
from cuakhau.services.ports import TripFilter, TripSummary, UnitOfWork
from cuakhau.services.shipments import build_shipment, shipment_problems, split_check

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
    driver_id: str | None,
    trailer_id: str | None = None,
    shipment_id: str | None = None,
    shipment: Mapping[str, Any] | None = None,
    containers: Sequence[str] = (),
    actor: Actor | None = None,
    errors: Sequence[CuakhauError] = (),
    dry_run: bool = False,
) -> Trip:
    """Declare a trip (khai báo / 申报). The shipment is referenced or declared inline, never twice.

    Every independent check runs and every problem is reported at once (``FieldErrors``): the fields, each cargo
    line, the gate, truck, trailer and driver, the registry codes, and what other trips already hold (a shipment
    crosses once, a certificate covers one consignment, a truck and a driver are on one open trip:
    :mod:`cuakhau.domain.declaration`). ``errors`` are problems the caller already found in the same request
    (scope, a driver's document); the fields they name are not checked again. ``driver_id`` may be None only
    with such an error.

    ``dry_run``: every check, nothing written — the trip that would be declared is returned (the declaration
    form checks its fields this way as they are typed; a read-only unit of work will do).
    """
    problems = Problems(errors)
    trip_direction = problems.attempt(parse_enum, Direction, direction, field="direction")
    if (shipment_id is None) == (shipment is None):
        problems.add(InvalidInput("trip.shipment_one_of", field="shipment_id"))
    parsed_containers: list[ContainerNumber] = []
    if len(containers) > MAX_CONTAINERS:
        problems.add(InvalidInput("trip.too_many_containers", field="containers", max=MAX_CONTAINERS))
    else:
        for i, raw in enumerate(containers):
            container = problems.attempt(ContainerNumber.parse, raw, field=f"containers[{i}]")
            if container is not None:
                parsed_containers.append(container)
        if len(set(parsed_containers)) != len(parsed_containers):
            problems.add(InvalidInput("trip.container_duplicate", field="containers"))
    if driver_id is None and not problems.has("driver_id") and not problems.has("driver_document"):
        problems.add(InvalidInput("trip.driver_required", field="driver_id"))
    new_shipment = None
    if shipment is not None and not problems.has("shipment"):
        try:
            new_shipment = build_shipment(nomenclature, clock=clock, **shipment)
        except CuakhauError as refused:
            problems.add(refused, prefix="shipment")
    with uow:
        claimed = _check_parties(uow, problems, gate_id, trip_direction, vehicle_id, trailer_id, driver_id)
        declared: Shipment | None = new_shipment
        if new_shipment is not None:
            for found in shipment_problems(uow, new_shipment):
                problems.add(found, prefix="shipment")
        elif shipment_id is not None and not problems.has("shipment_id"):
            declared = uow.shipments.get(shipment_id)
            if declared is None:
                problems.add(NotFound("shipment", shipment_id, field="shipment_id"))
        if declared is not None and not problems.has("shipment"):
            consignment = consignment_of(declared)
            uow.trips.lock_claims(
                lock_keys(
                    shipment_id=declared.id,
                    consignment_id=consignment,
                    certificate_no=declared.phytosanitary_certificate_no,
                    vehicle_id=vehicle_id,
                    driver_id=driver_id or "-",
                )
            )
            if new_shipment is not None and new_shipment.part_of is not None:
                for found in split_check(uow, new_shipment):
                    problems.add(found, prefix="shipment")
            if new_shipment is None and uow.shipments.parts_of(declared.id):
                problems.add(InvalidInput("shipment.split_into_parts", field="shipment_id"))
        else:
            uow.trips.lock_claims(
                lock_keys(
                    shipment_id=None,
                    consignment_id=None,
                    certificate_no=None,
                    vehicle_id=vehicle_id,
                    driver_id=driver_id or "-",
                )
            )
        holds = uow.trips.holds(
            shipment_ids=[declared.id] if declared is not None and new_shipment is None else [],
            certificate_no=declared.phytosanitary_certificate_no if declared is not None else None,
            vehicle_id=vehicle_id if "vehicle_id" in claimed else None,
            driver_id=driver_id if "driver_id" in claimed else None,
        )
        for conflict in claim_conflicts(
            holds,
            shipment=declared,
            vehicle_id=vehicle_id if "vehicle_id" in claimed else None,
            driver_id=driver_id if "driver_id" in claimed else None,
        ):
            if conflict.field is None or not problems.has(conflict.field):
                problems.add(conflict)
        problems.raise_if_any()
        assert declared is not None and trip_direction is not None and driver_id is not None
        if new_shipment is not None and not dry_run:
            uow.shipments.add(new_shipment)
        trip = Trip.declare(
            gate_id=gate_id,
            direction=trip_direction,
            vehicle_id=vehicle_id,
            driver_id=driver_id,
            shipment_id=declared.id,
            trailer_id=trailer_id,
            containers=tuple(parsed_containers),
            actor=actor or Actor(declared.exporter_id, ActorRole.EXPORTER),
            clock=clock,
        )
        if dry_run:
            return trip  # nothing was written; leaving the unit of work uncommitted rolls it back
        uow.trips.add(trip)
        uow.commit()
    return trip


def _check_parties(
    uow: UnitOfWork,
    problems: Problems,
    gate_id: str,
    direction: Direction | None,
    vehicle_id: str,
    trailer_id: str | None,
    driver_id: str | None,
) -> set[str]:
    """Check the gate, truck, trailer and driver; the fields whose party exists and may be claimed."""
    claimed: set[str] = set()
    if not problems.has("gate_id"):
        gate = uow.gates.get(gate_id)
        if gate is None:
            problems.add(NotFound("gate", gate_id, field="gate_id"))
        elif direction is not None and not gate.lanes_for(direction):
            problems.add(InvalidInput("trip.no_lane", field="direction", gate=gate_id, direction=direction.value))
    if not problems.has("vehicle_id"):
        vehicle = uow.vehicles.get(vehicle_id)
        if vehicle is None:
            problems.add(NotFound("vehicle", vehicle_id, field="vehicle_id"))
        elif vehicle.is_trailer:
            problems.add(InvalidInput("trip.vehicle_is_trailer", field="vehicle_id", plate=vehicle.plate.text))
        else:
            claimed.add("vehicle_id")
    if trailer_id is not None and not problems.has("trailer_id"):
        trailer = uow.vehicles.get(trailer_id)
        if trailer is None:
            problems.add(NotFound("vehicle", trailer_id, field="trailer_id"))
        elif not trailer.is_trailer:
            problems.add(InvalidInput("trip.not_a_trailer", field="trailer_id", plate=trailer.plate.text))
    if driver_id is not None and not problems.has("driver_id"):
        if uow.drivers.get(driver_id) is None:
            problems.add(NotFound("driver", driver_id, field="driver_id"))
        else:
            claimed.add("driver_id")
    return claimed


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
