"""Enterprises, vehicles and drivers: registered once, referenced by every trip."""

from __future__ import annotations

from fastapi import APIRouter

from cuakhau.adapters.web.deps import ContextDep, PageDep
from cuakhau.adapters.web.schemas import (
    ERRORS,
    DriverIn,
    DriverOut,
    EnterpriseIn,
    EnterpriseOut,
    PageOut,
    VehicleIn,
    VehicleOut,
    driver_out,
    enterprise_out,
    vehicle_out,
)
from cuakhau.services import registry as svc

router = APIRouter(responses=ERRORS)


@router.post("/enterprises", status_code=201, tags=["enterprises"], summary="Register an enterprise")
def register_enterprise(body: EnterpriseIn, ctx: ContextDep) -> EnterpriseOut:
    return enterprise_out(svc.register_enterprise(ctx.uow(), clock=ctx.clock, **body.model_dump()))


@router.get("/enterprises", tags=["enterprises"])
def list_enterprises(ctx: ContextDep, page: PageDep) -> PageOut[EnterpriseOut]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.enterprises.page(limit=page.limit, offset=page.offset)
    return PageOut(items=[enterprise_out(e) for e in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/enterprises/{enterprise_id}", tags=["enterprises"])
def get_enterprise(enterprise_id: str, ctx: ContextDep) -> EnterpriseOut:
    return enterprise_out(svc.get_enterprise(ctx.uow(read_only=True), enterprise_id))


@router.post("/vehicles", status_code=201, tags=["vehicles"], summary="Register a truck, tractor or trailer")
def register_vehicle(body: VehicleIn, ctx: ContextDep) -> VehicleOut:
    return vehicle_out(svc.register_vehicle(ctx.uow(), clock=ctx.clock, **body.model_dump()))


@router.get("/vehicles", tags=["vehicles"])
def list_vehicles(ctx: ContextDep, page: PageDep, owner_id: str | None = None) -> PageOut[VehicleOut]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.vehicles.page(owner_id=owner_id, limit=page.limit, offset=page.offset)
    return PageOut(items=[vehicle_out(v) for v in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/vehicles/{vehicle_id}", tags=["vehicles"])
def get_vehicle(vehicle_id: str, ctx: ContextDep) -> VehicleOut:
    return vehicle_out(svc.get_vehicle(ctx.uow(read_only=True), vehicle_id))


@router.post("/drivers", status_code=201, tags=["drivers"], summary="Register a driver")
def register_driver(body: DriverIn, ctx: ContextDep) -> DriverOut:
    return driver_out(svc.register_driver(ctx.uow(), clock=ctx.clock, **body.model_dump()))


@router.get("/drivers", tags=["drivers"])
def list_drivers(ctx: ContextDep, page: PageDep) -> PageOut[DriverOut]:
    with ctx.uow(read_only=True) as uow:
        items, total = uow.drivers.page(limit=page.limit, offset=page.offset)
    return PageOut(items=[driver_out(d) for d in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/drivers/{driver_id}", tags=["drivers"])
def get_driver(driver_id: str, ctx: ContextDep) -> DriverOut:
    return driver_out(svc.get_driver(ctx.uow(read_only=True), driver_id))
