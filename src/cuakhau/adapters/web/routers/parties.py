"""Enterprises, vehicles and drivers: registered once, referenced by every trip.

Staff read every party; an exporter or driver account reads and registers only its own enterprise's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cuakhau.adapters.web.auth import PrincipalDep
from cuakhau.adapters.web.deps import ContextDep, LanguageDep, PageDep
from cuakhau.adapters.web.schemas import (
    DriverIn,
    DriverOut,
    DriverPatch,
    EnterpriseIn,
    EnterpriseOut,
    PageOut,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
    driver_out,
    enterprise_out,
    vehicle_out,
)
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import Conflict, NotFound
from cuakhau.services import access, fleet
from cuakhau.services import registry as svc

router = APIRouter()


def _hide_other_tenants(principal: Principal, exc: Conflict) -> Conflict:
    """A duplicate plate or document names the existing record's id; a tenant must not learn another's ids."""
    if not principal.is_tenant or "id" not in exc.params:
        return exc
    return Conflict(exc.code, field=exc.field, **{k: v for k, v in exc.params.items() if k != "id"})


@router.post("/enterprises", status_code=201, tags=["enterprises"], summary="Register an enterprise")
def register_enterprise(body: EnterpriseIn, ctx: ContextDep, principal: PrincipalDep) -> EnterpriseOut:
    access.require_permission(principal, Permission.REGISTER_ENTERPRISE)
    return enterprise_out(svc.register_enterprise(ctx.uow(), clock=ctx.clock, **body.model_dump()))


@router.get("/enterprises", tags=["enterprises"])
def list_enterprises(ctx: ContextDep, page: PageDep, principal: PrincipalDep) -> PageOut[EnterpriseOut]:
    access.require_permission(principal, Permission.READ_PARTIES)
    own: list[str] | None = None
    if principal.is_tenant:
        own = [] if principal.enterprise_id is None else [principal.enterprise_id]
    items, total = svc.list_enterprises(ctx.uow(read_only=True), limit=page.limit, offset=page.offset, only=own)
    return PageOut(items=[enterprise_out(e) for e in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/enterprises/{enterprise_id}", tags=["enterprises"])
def get_enterprise(enterprise_id: str, ctx: ContextDep, principal: PrincipalDep) -> EnterpriseOut:
    access.require_permission(principal, Permission.READ_PARTIES)
    if not principal.can_see_enterprise(enterprise_id):
        raise NotFound("enterprise", enterprise_id)
    return enterprise_out(svc.get_enterprise(ctx.uow(read_only=True), enterprise_id))


@router.post("/vehicles", status_code=201, tags=["vehicles"], summary="Register a truck, tractor or trailer")
def register_vehicle(body: VehicleIn, ctx: ContextDep, principal: PrincipalDep, language: LanguageDep) -> VehicleOut:
    access.require_permission(principal, Permission.REGISTER_PARTY)
    access.enterprise_in_scope(ctx.uow(read_only=True), principal, body.owner_id, field="owner_id")
    try:
        return vehicle_out(svc.register_vehicle(ctx.uow(), clock=ctx.clock, **body.model_dump()), language)
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


@router.get("/vehicles", tags=["vehicles"])
def list_vehicles(
    ctx: ContextDep, page: PageDep, principal: PrincipalDep, language: LanguageDep, owner_id: str | None = None
) -> PageOut[VehicleOut]:
    access.require_permission(principal, Permission.READ_PARTIES)
    if principal.is_tenant:
        if owner_id is not None and owner_id != principal.enterprise_id:
            # Another enterprise's fleet reads like an unknown enterprise's: empty.
            return PageOut(items=[], total=0, limit=page.limit, offset=page.offset)
        owner_id = principal.enterprise_id
    items, total = svc.list_vehicles(ctx.uow(read_only=True), owner_id=owner_id, limit=page.limit, offset=page.offset)
    return PageOut(items=[vehicle_out(v, language) for v in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/vehicles/{vehicle_id}", tags=["vehicles"])
def get_vehicle(vehicle_id: str, ctx: ContextDep, principal: PrincipalDep, language: LanguageDep) -> VehicleOut:
    access.vehicle_in_scope(ctx.uow(read_only=True), principal, vehicle_id)
    return vehicle_out(svc.get_vehicle(ctx.uow(read_only=True), vehicle_id), language)


@router.patch("/vehicles/{vehicle_id}", tags=["vehicles"], summary="Correct a vehicle's plate, type or registration")
def update_vehicle(
    vehicle_id: str, body: VehiclePatch, ctx: ContextDep, principal: PrincipalDep, language: LanguageDep
) -> VehicleOut:
    """The fields given replace the vehicle's, checked as at registration (every problem at once). A vehicle on
    an open trip keeps its plate (409 ``vehicle.plate_on_open_trip``); another enterprise's answers 404."""
    changes = body.model_dump(exclude_none=True)
    return vehicle_out(fleet.update_vehicle(ctx, principal, vehicle_id=vehicle_id, **changes), language)


@router.post("/drivers", status_code=201, tags=["drivers"], summary="Register a driver")
def register_driver(body: DriverIn, ctx: ContextDep, principal: PrincipalDep) -> DriverOut:
    access.require_permission(principal, Permission.REGISTER_PARTY)
    fields: dict[str, Any] = body.model_dump()
    if principal.is_tenant:
        # An enterprise registers its own drivers: the employer is the account's enterprise unless stated.
        if fields["employer_id"] is None:
            fields["employer_id"] = principal.enterprise_id
        access.enterprise_in_scope(ctx.uow(read_only=True), principal, fields["employer_id"], field="employer_id")
    try:
        return driver_out(svc.register_driver(ctx.uow(), clock=ctx.clock, **fields))
    except Conflict as exc:
        raise _hide_other_tenants(principal, exc) from None


@router.get("/drivers", tags=["drivers"])
def list_drivers(ctx: ContextDep, page: PageDep, principal: PrincipalDep) -> PageOut[DriverOut]:
    access.require_permission(principal, Permission.READ_PARTIES)
    employer = principal.enterprise_id if principal.is_tenant else None
    if principal.is_tenant and employer is None:
        return PageOut(items=[], total=0, limit=page.limit, offset=page.offset)
    items, total = svc.list_drivers(ctx.uow(read_only=True), employer_id=employer, limit=page.limit, offset=page.offset)
    return PageOut(items=[driver_out(d) for d in items], total=total, limit=page.limit, offset=page.offset)


@router.patch("/drivers/{driver_id}", tags=["drivers"], summary="Correct a driver's name, document or phone")
def update_driver(driver_id: str, body: DriverPatch, ctx: ContextDep, principal: PrincipalDep) -> DriverOut:
    """The fields given replace the driver's, checked as at registration (every problem at once); a document
    another driver holds is refused (409); a driver another enterprise employs answers 404."""
    return driver_out(fleet.update_driver(ctx, principal, driver_id=driver_id, **body.model_dump(exclude_none=True)))


@router.get("/drivers/{driver_id}", tags=["drivers"])
def get_driver(driver_id: str, ctx: ContextDep, principal: PrincipalDep) -> DriverOut:
    access.driver_in_scope(ctx.uow(read_only=True), principal, driver_id)
    return driver_out(svc.get_driver(ctx.uow(read_only=True), driver_id))
