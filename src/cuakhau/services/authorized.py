"""Use cases on behalf of a signed-in account: the one authorisation path of the API and the pages.

The API routers (``adapters/web/routers``) and the pages (``adapters/web/pages``) call these functions for
what a caller does with trips and bookings, never the unchecked use cases underneath, so a form cannot do what
the API refuses. Each function checks, through :mod:`cuakhau.services.access`:

* the **permission** (``ROLE_PERMISSIONS``: a driver may not declare; a customs officer may not book), 403;
* the **scope** (``Principal.can_see_trip`` and friends): a tenant's own trips, vehicles, drivers and
  shipments; a driver account bound to a driver id only the trips it drives; gate roles the trips at their
  gates. Another's object answers exactly like a missing one (404, same code, field and message);

and then runs the use case. A booking change (book, reschedule, cancel) also counts against the caller's
booking limit — ``count``, handed in by the web layer — only after the trip is known to be visible to them:
``equeue.check_caller``, inside the change's own transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cuakhau.domain.accounts import Forbidden, Permission, Principal, Role
from cuakhau.domain.booking import Booking
from cuakhau.domain.errors import CuakhauError, NotFound
from cuakhau.domain.parties import Driver, Vehicle
from cuakhau.domain.trip import Actor, Trip
from cuakhau.services import access, equeue, outlook, portal
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import TripFilter, TripSummary


def declare_trip(
    ctx: ServiceContext,
    principal: Principal,
    *,
    actor: Actor | None,
    gate_id: str,
    direction: str,
    vehicle_id: str,
    driver_id: str | None,
    trailer_id: str | None = None,
    shipment_id: str | None = None,
    shipment: Mapping[str, Any] | None = None,
    containers: Sequence[str] = (),
    errors: Sequence[CuakhauError] = (),
    dry_run: bool = False,
) -> Trip:
    """Declare a trip: a tenant with its own shipment (or one for its own enterprise), truck and trailer, and a
    driver it employs or one with no employer on record (``access.check_declaration``). Parties out of scope are
    reported with every other problem of the declaration (``errors``: those the caller found already)."""
    out_of_scope = access.check_declaration(
        ctx.uow(read_only=True),
        principal,
        vehicle_id=vehicle_id,
        driver_id=driver_id,
        trailer_id=trailer_id,
        shipment_id=shipment_id,
        exporter_id=str(shipment.get("exporter_id") or "") if shipment is not None else None,
    )
    return trip_service.declare_trip(
        ctx.uow(read_only=dry_run),
        ctx.nomenclature,
        clock=ctx.clock,
        gate_id=gate_id,
        direction=direction,
        vehicle_id=vehicle_id,
        driver_id=driver_id,
        trailer_id=trailer_id,
        shipment_id=shipment_id,
        shipment=shipment,
        containers=containers,
        actor=actor,
        errors=[*errors, *out_of_scope],
        dry_run=dry_run,
    )


def declarable_vehicles(ctx: ServiceContext, principal: Principal) -> list[Vehicle]:
    """The trucks the caller may declare with: a tenant's own, any for staff who may declare."""
    access.require_permission(principal, Permission.DECLARE)
    owner = principal.enterprise_id if principal.is_tenant else None
    return portal.trucks(ctx.uow(read_only=True), owner_id=owner)


def declarable_trailers(ctx: ServiceContext, principal: Principal) -> list[Vehicle]:
    """The trailers and semi-trailers the caller may declare a truck to pull: a tenant's own, any for staff."""
    access.require_permission(principal, Permission.DECLARE)
    owner = principal.enterprise_id if principal.is_tenant else None
    return portal.trailers(ctx.uow(read_only=True), owner_id=owner)


def driver_by_document(ctx: ServiceContext, principal: Principal, *, kind: str, number: str) -> Driver:
    """The driver holding this identity document, if the caller may declare with them; another enterprise's
    driver answers exactly like a document nobody holds (``driver.not_found`` on ``driver_document``)."""
    access.require_permission(principal, Permission.DECLARE)
    driver = portal.driver_by_document(ctx.uow(read_only=True), kind=kind, number=number)
    try:
        access.driver_in_scope(ctx.uow(read_only=True), principal, driver.id, field="driver_id")
    except NotFound:
        raise NotFound("driver", number.strip(), field="driver_document") from None
    return driver


def scoped_filter(principal: Principal, flt: TripFilter) -> TripFilter:
    """``flt`` narrowed to the trips the caller sees: a driver bound to a driver id the trips it drives, a
    tenant the trips its enterprise takes part in (an ``exporter_id`` filter narrows within them), gate roles
    one of their gates (named, or their only one)."""
    access.require_permission(principal, Permission.READ_TRIP)
    if principal.is_admin:
        return flt
    if principal.role is Role.DRIVER and principal.driver_id is not None:
        return dataclasses.replace(flt, driver_id=principal.driver_id)
    if principal.is_tenant:
        return dataclasses.replace(flt, party_id=principal.enterprise_id)
    if flt.gate_id is not None:
        if not principal.acts_at_gate(flt.gate_id):
            raise Forbidden(permission=Permission.READ_TRIP.value, gate=flt.gate_id[:64])
        return flt
    if len(principal.gate_codes) != 1:
        raise Forbidden("auth.gate_required", field="gate_id")
    return dataclasses.replace(flt, gate_id=next(iter(principal.gate_codes)))


def visible_trips(
    ctx: ServiceContext, principal: Principal, flt: TripFilter, *, limit: int, offset: int
) -> tuple[list[TripSummary], int]:
    return trip_service.list_trips(ctx.uow(read_only=True), scoped_filter(principal, flt), limit=limit, offset=offset)


def trip_view(
    ctx: ServiceContext, principal: Principal, trip_id: str, permission: Permission = Permission.READ_TRIP
) -> portal.TripView:
    """A trip with its timeline, stages and booking, if the caller may do ``permission`` on it (a form that
    changes the trip reads it with the change's permission, so it is refused exactly as the API refuses)."""
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, permission)
    return portal.trip_view(ctx.uow(read_only=True), clock=ctx.clock, trip_id=trip_id)


def booking_request(
    principal: Principal,
    *,
    trip_id: str,
    earliest: datetime,
    latest: datetime,
    travel_minutes: int,
    actor: Actor,
    idempotency: equeue.Idempotency,
    count: equeue.Count | None,
) -> equeue.BookingRequest:
    """A booking request carrying the caller's visibility rule and booking limit, for ``equeue.book``
    or the booking batcher; the permission is checked here, without I/O."""
    access.require_permission(principal, Permission.BOOK)
    return equeue.BookingRequest(
        trip_id=trip_id,
        earliest=earliest,
        latest=latest,
        travel_minutes=travel_minutes,
        actor=actor,
        idempotency=idempotency,
        may_see=principal.can_see_trip,
        count=count,
    )


def reschedule(
    ctx: ServiceContext,
    principal: Principal,
    *,
    trip_id: str,
    earliest: datetime,
    latest: datetime,
    actor: Actor,
    count: equeue.Count | None,
) -> Booking:
    access.require_permission(principal, Permission.BOOK)
    return equeue.reschedule_booking(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        earliest=earliest,
        latest=latest,
        actor=actor,
        may_see=principal.can_see_trip,
        count=count,
    )


def cancel(
    ctx: ServiceContext, principal: Principal, *, trip_id: str, actor: Actor, reason: str, count: equeue.Count | None
) -> Booking:
    access.require_permission(principal, Permission.BOOK)
    return equeue.cancel_booking(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        actor=actor,
        reason=reason,
        may_see=principal.can_see_trip,
        count=count,
    )


def dispatch(ctx: ServiceContext, principal: Principal, *, trip_id: str, expected_version: int | None) -> Trip:
    """The truck leaves its origin: the API's ``dispatch`` step (``access.check_transition``, then the step with
    the gating rule); ``expected_version`` is the trip as the caller saw it."""
    access.check_transition(ctx.uow(read_only=True), principal, trip_id, "dispatch")
    trip, _ = trip_service.transition_trip(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        action="dispatch",
        actor=principal.as_actor(),
        expected_version=expected_version,
    )
    return trip


def inbox(ctx: ServiceContext, principal: Principal, *, limit: int, offset: int) -> tuple[list[outlook.InboxItem], int]:
    """The messages sent to the caller's enterprise (an account of no enterprise has none)."""
    access.require_permission(principal, Permission.READ_TRIP)
    if principal.enterprise_id is None:
        return [], 0
    return outlook.inbox(ctx.uow(read_only=True), enterprise_id=principal.enterprise_id, limit=limit, offset=offset)


__all__ = [
    "booking_request",
    "cancel",
    "declarable_vehicles",
    "declare_trip",
    "dispatch",
    "driver_by_document",
    "inbox",
    "reschedule",
    "scoped_filter",
    "trip_view",
    "visible_trips",
]
