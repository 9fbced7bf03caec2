"""An enterprise's fleet on its own pages: its vehicles, trailers and drivers, registered and corrected, and a
past trip to declare again.

Each function checks the caller's permission and scope (:mod:`cuakhau.services.access`) exactly as the API
routes of the same use case do (``adapters/web/routers/parties.py``), then calls the use case in
:mod:`cuakhau.services.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.common import clean_name, clean_phone, parse_country, parse_enum
from cuakhau.domain.declaration import claim_conflicts
from cuakhau.domain.errors import Conflict, CuakhauError, InvalidInput, NotFound, Problems, require
from cuakhau.domain.parties import Driver, Vehicle, VehicleType, parse_registration_number
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import Trip
from cuakhau.domain.values import IdentityDocument, Plate
from cuakhau.services import access
from cuakhau.services import registry as svc
from cuakhau.services.context import ServiceContext

#: How many vehicles and drivers one page of the fleet shows.
PAGE = 100


@dataclass(frozen=True, slots=True)
class Fleet:
    vehicles: list[Vehicle]
    vehicles_total: int
    drivers: list[Driver]
    drivers_total: int


def fleet(ctx: ServiceContext, principal: Principal, *, offset: int = 0) -> Fleet:
    """The caller's vehicles and drivers (a tenant's own; staff see every enterprise's, as the API lists them)."""
    access.require_permission(principal, Permission.READ_PARTIES)
    owner = principal.enterprise_id if principal.is_tenant else None
    if principal.is_tenant and owner is None:
        return Fleet([], 0, [], 0)
    vehicles, v_total = svc.list_vehicles(ctx.uow(read_only=True), owner_id=owner, limit=PAGE, offset=offset)
    drivers, d_total = svc.list_drivers(ctx.uow(read_only=True), employer_id=owner, limit=PAGE, offset=offset)
    return Fleet(vehicles, v_total, drivers, d_total)


def _hide_other_tenants(principal: Principal, exc: Conflict) -> Conflict:
    """A duplicate plate or document names the existing record's id; a tenant must not learn another's ids."""
    if not principal.is_tenant or "id" not in exc.params:
        return exc
    return Conflict(exc.code, field=exc.field, **{k: v for k, v in exc.params.items() if k != "id"})


def vehicle_problems(*, plate: str, vehicle_type: str | None, registration_number: str | None) -> None:
    """Every problem of a vehicle's fields at once (the registration itself stops at the first)."""
    problems = Problems()
    parsed = problems.attempt(Plate.parse, plate, field="plate")
    if vehicle_type and vehicle_type.strip():
        problems.attempt(parse_enum, VehicleType, vehicle_type.strip().lower(), field="vehicle_type")
        if not (registration_number and registration_number.strip()):
            problems.add(InvalidInput("vehicle.registration_missing", field="registration_number"))
    if registration_number and registration_number.strip() and parsed is not None:
        problems.attempt(parse_registration_number, registration_number, parsed.country)
    if len(problems.errors) > 1:
        problems.raise_if_any()


def driver_problems(
    *, full_name: str, document_kind: str, document_number: str, nationality: str, phone: str | None
) -> None:
    """Every problem of a driver's fields at once (the registration itself stops at the first)."""
    problems = Problems()
    problems.attempt(clean_name, full_name, field="full_name")
    problems.attempt(IdentityDocument.parse, document_kind, document_number, field="document_number")
    problems.attempt(parse_country, nationality, field="nationality")
    problems.attempt(clean_phone, phone)
    if len(problems.errors) > 1:
        problems.raise_if_any()


def register_vehicle(ctx: ServiceContext, principal: Principal, *, owner_id: str, **fields: Any) -> Vehicle:
    """As ``POST /api/v1/vehicles``: a tenant registers for its own enterprise only."""
    access.require_permission(principal, Permission.REGISTER_PARTY)
    access.enterprise_in_scope(ctx.uow(read_only=True), principal, owner_id, field="owner_id")
    vehicle_problems(
        plate=fields.get("plate", ""),
        vehicle_type=fields.get("vehicle_type"),
        registration_number=fields.get("registration_number"),
    )
    try:
        return svc.register_vehicle(ctx.uow(), clock=ctx.clock, owner_id=owner_id, **fields)
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


def register_driver(ctx: ServiceContext, principal: Principal, *, employer_id: str | None, **fields: Any) -> Driver:
    """As ``POST /api/v1/drivers``: a tenant's drivers are employed by its enterprise unless stated."""
    access.require_permission(principal, Permission.REGISTER_PARTY)
    if principal.is_tenant:
        employer_id = employer_id or principal.enterprise_id
        access.enterprise_in_scope(ctx.uow(read_only=True), principal, employer_id or "", field="employer_id")
    driver_problems(
        **{k: fields.get(k, "") for k in ("full_name", "document_kind", "document_number", "nationality")},
        phone=fields.get("phone"),
    )
    try:
        return svc.register_driver(ctx.uow(), clock=ctx.clock, employer_id=employer_id, **fields)
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


def own_vehicle(ctx: ServiceContext, principal: Principal, vehicle_id: str) -> Vehicle:
    """A vehicle the caller may change: a tenant's own (another's reads as missing), any for staff who register."""
    access.require_permission(principal, Permission.REGISTER_PARTY)
    access.vehicle_in_scope(ctx.uow(read_only=True), principal, vehicle_id)
    return svc.get_vehicle(ctx.uow(read_only=True), vehicle_id)


def own_driver(ctx: ServiceContext, principal: Principal, driver_id: str) -> Driver:
    """A driver the caller may change: one its enterprise employs (others read as missing), any for staff."""
    access.require_permission(principal, Permission.REGISTER_PARTY)
    driver = svc.get_driver(ctx.uow(read_only=True), driver_id)
    if principal.is_tenant and driver.employer_id != principal.enterprise_id:
        raise NotFound("driver", driver_id)
    return driver


def update_vehicle(ctx: ServiceContext, principal: Principal, *, vehicle_id: str, **fields: Any) -> Vehicle:
    """As ``PATCH /api/v1/vehicles/{id}``: a tenant corrects its own vehicles only (another's reads as missing);
    every problem of the fields given at once, then the same checks as a registration."""
    current = own_vehicle(ctx, principal, vehicle_id)
    typed = fields.get("vehicle_type") is not None or fields.get("registration_number") is not None
    vehicle_problems(
        plate=current.plate.text if fields.get("plate") is None else fields["plate"],
        vehicle_type=(fields.get("vehicle_type") or current.vehicle_type.value)
        if typed or current.registration_number
        else None,
        registration_number=current.registration_number
        if fields.get("registration_number") is None
        else fields["registration_number"],
    )
    try:
        return svc.update_vehicle(ctx.uow(), vehicle_id=vehicle_id, **fields)
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


def update_driver(ctx: ServiceContext, principal: Principal, *, driver_id: str, **fields: Any) -> Driver:
    """As ``PATCH /api/v1/drivers/{id}``: a tenant corrects the drivers its enterprise employs (others read as
    missing); every problem of the fields given at once, then the same checks as a registration."""
    current = own_driver(ctx, principal, driver_id)

    def given(name: str, now: str | None) -> str:
        value = fields.get(name)
        return (now or "") if value is None else str(value)

    driver_problems(
        full_name=given("full_name", current.full_name),
        document_kind=given("document_kind", current.document.kind.value),
        document_number=given("document_number", current.document.number),
        nationality=given("nationality", current.nationality),
        phone=given("phone", current.phone) or None,
    )
    try:
        return svc.update_driver(ctx.uow(), driver_id=driver_id, **fields)
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


@dataclass(frozen=True, slots=True)
class TripCopy:
    """What a past trip gives a new declaration: its route, consignee and cargo; its truck and driver only when
    they are the caller's and on no open trip now (``busy`` names the fields left out for that reason)."""

    trip: Trip
    shipment: Shipment
    vehicle_id: str | None
    driver: Driver | None
    busy: tuple[CuakhauError, ...]
    trailer_id: str | None = None  # the trip's trailer, when it is the caller's


def copy_of_trip(ctx: ServiceContext, principal: Principal, trip_id: str) -> TripCopy:
    """A past trip to declare again: the caller must be allowed to declare and to see the trip (another
    enterprise's trip reads as missing: ``trip.not_found``)."""
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.DECLARE)
    uow = ctx.uow(read_only=True)
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        vehicle = uow.vehicles.get(trip.vehicle_id)
        driver = uow.drivers.get(trip.driver_id)
        trailer = uow.vehicles.get(trip.trailer_id) if trip.trailer_id else None
        holds = uow.trips.holds(
            shipment_ids=[], certificate_no=None, vehicle_id=trip.vehicle_id, driver_id=trip.driver_id
        )
    busy = tuple(claim_conflicts(holds, shipment=None, vehicle_id=trip.vehicle_id, driver_id=trip.driver_id))
    busy_fields = {e.field for e in busy}
    own_vehicle = vehicle is not None and (not principal.is_tenant or vehicle.owner_id == principal.enterprise_id)
    if driver is not None and principal.is_tenant and driver.employer_id not in (None, principal.enterprise_id):
        driver = None
    return TripCopy(
        trip=trip,
        shipment=shipment,
        vehicle_id=trip.vehicle_id if own_vehicle and "vehicle_id" not in busy_fields else None,
        driver=driver if "driver_id" not in busy_fields else None,
        busy=busy,
        trailer_id=trailer.id
        if trailer is not None and (not principal.is_tenant or trailer.owner_id == principal.enterprise_id)
        else None,
    )


def vehicle_by_plate(ctx: ServiceContext, principal: Principal, plate: str, *, field: str) -> Vehicle:
    """The caller's registered vehicle with this plate (written any way the plate is read); another
    enterprise's answers exactly like a plate nobody registered (``vehicle.not_found`` on ``field``)."""
    access.require_permission(principal, Permission.DECLARE)
    parsed = Plate.parse(plate, field=field)
    uow = ctx.uow(read_only=True)
    with uow:
        vehicle = uow.vehicles.get_by_plate(parsed.text)
    if vehicle is None or (principal.is_tenant and vehicle.owner_id != principal.enterprise_id):
        raise NotFound("vehicle", parsed.display, field=field)
    return vehicle
