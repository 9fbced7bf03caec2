"""Trips: declare, read, list with filters, take a lifecycle step, read the timeline.

An exporter sees its own trips (as exporter of the shipment or owner of the truck), a driver account with a
driver id the trips it drives, gate staff the trips at their gates; anything else reads as not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cuakhau.adapters.bounds import Instant
from cuakhau.adapters.web.auth import PrincipalDep, actor_for
from cuakhau.adapters.web.deps import ContextDep, LanguageDep, PageDep
from cuakhau.adapters.web.schemas import (
    PageOut,
    TimelineOut,
    TransitionIn,
    TripIn,
    TripOut,
    event_out,
    trip_out,
    trip_vehicle_out,
)
from cuakhau.domain.accounts import Permission
from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import TripState
from cuakhau.domain.values import Plate
from cuakhau.services import access, authorized
from cuakhau.services import trips as svc
from cuakhau.services.gates import get_gate
from cuakhau.services.ports import TripFilter
from cuakhau.services.registry import get_vehicle

router = APIRouter(prefix="/trips", tags=["trips"])


@router.post("", status_code=201, summary="Declare a trip (with its shipment inline or by id)")
def declare_trip(body: TripIn, ctx: ContextDep, principal: PrincipalDep) -> TripOut:
    trip = authorized.declare_trip(
        ctx,
        principal,
        gate_id=body.gate_id,
        direction=body.direction,
        vehicle_id=body.vehicle_id,
        driver_id=body.driver_id,
        trailer_id=body.trailer_id,
        shipment_id=body.shipment_id,
        shipment=body.shipment.fields() if body.shipment else None,
        containers=body.containers,
        # An admin declaring without naming anyone: recorded as the exporter, as before accounts.
        actor=None if principal.is_admin and body.actor is None else actor_for(principal, body.actor),
    )
    return trip_out(trip)


@router.get("", summary="List trips, newest first, with filters and pagination")
def list_trips(
    ctx: ContextDep,
    page: PageDep,
    principal: PrincipalDep,
    gate_id: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    direction: Annotated[str | None, Query(max_length=16)] = None,
    exporter_id: Annotated[str | None, Query(max_length=64)] = None,
    plate: Annotated[str | None, Query(max_length=32, description="Any spelling; normalised")] = None,
    declared_from: Instant | None = None,
    declared_to: Instant | None = None,
) -> PageOut[TripOut]:
    access.require_permission(principal, Permission.READ_TRIP)
    if declared_from is not None and declared_to is not None and declared_to < declared_from:
        raise InvalidInput("time.end_before_start", field="declared_to")
    flt = TripFilter(
        gate_id=gate_id,
        state=parse_enum(TripState, state, field="state") if state else None,
        direction=parse_enum(Direction, direction, field="direction") if direction else None,
        exporter_id=exporter_id,
        plate=Plate.parse(plate).text if plate else None,
        declared_from=ensure_utc(declared_from, field="declared_from") if declared_from else None,
        declared_to=ensure_utc(declared_to, field="declared_to") if declared_to else None,
    )
    # Narrowed to what the caller sees (authorized.scoped_filter): the portal's list goes the same way.
    items, total = authorized.visible_trips(ctx, principal, flt, limit=page.limit, offset=page.offset)
    return PageOut(
        items=[
            trip_out(
                s.trip,
                plate=s.plate,
                driver_name=s.driver_name,
                exporter_id=s.exporter_id,
                perishability=s.perishability.value,
            )
            for s in items
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{trip_id}")
def get_trip(trip_id: str, ctx: ContextDep, principal: PrincipalDep, language: LanguageDep) -> TripOut:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    trip = svc.get_trip(ctx.uow(read_only=True), trip_id)
    if principal.is_tenant:
        return trip_out(trip)
    # gate staff see the truck as registered and what to check about it (issue 21, item 1)
    vehicle = get_vehicle(ctx.uow(read_only=True), trip.vehicle_id)
    return trip_out(trip, vehicle=trip_vehicle_out(vehicle, language))


@router.post("/{trip_id}/transitions", summary="Take one lifecycle step, with actor and reason")
def transition(trip_id: str, body: TransitionIn, ctx: ContextDep, principal: PrincipalDep) -> TripOut:
    access.check_transition(ctx.uow(read_only=True), principal, trip_id, body.action)
    trip, event = svc.transition_trip(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        action=body.action,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
        expected_version=body.expected_version,
        override_reason=body.override_reason,
    )
    gate = get_gate(ctx.uow(read_only=True), trip.gate_id)
    return trip_out(trip, event=event_out(event, gate))


@router.get("/{trip_id}/timeline", summary="Every step of the trip: when, who, why")
def timeline(trip_id: str, ctx: ContextDep, principal: PrincipalDep) -> TimelineOut:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    trip, events = svc.timeline(ctx.uow(read_only=True), trip_id)
    gate = get_gate(ctx.uow(read_only=True), trip.gate_id)
    return TimelineOut(
        trip_id=trip.id,
        gate_id=trip.gate_id,
        timezone=gate.timezone.key,
        state=trip.state.value,
        events=[event_out(e, gate) for e in events],
    )
