"""Shipments and their cargo lines. An exporter declares and reads its own; staff read every shipment."""

from __future__ import annotations

from fastapi import APIRouter

from cuakhau.adapters.web.auth import PrincipalDep
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.schemas import ShipmentBody, ShipmentOut, shipment_out
from cuakhau.domain.accounts import Permission
from cuakhau.services import access
from cuakhau.services import shipments as svc

router = APIRouter(prefix="/shipments", tags=["shipments"])


@router.post("", status_code=201, summary="Declare a shipment with its cargo lines")
def declare_shipment(body: ShipmentBody, ctx: ContextDep, principal: PrincipalDep) -> ShipmentOut:
    access.require_permission(principal, Permission.DECLARE)
    access.enterprise_in_scope(ctx.uow(read_only=True), principal, body.exporter_id, field="exporter_id")
    return shipment_out(svc.declare_shipment(ctx.uow(), ctx.nomenclature, clock=ctx.clock, **body.fields()))


@router.get("/{shipment_id}")
def get_shipment(shipment_id: str, ctx: ContextDep, principal: PrincipalDep) -> ShipmentOut:
    access.shipment_in_scope(ctx.uow(read_only=True), principal, shipment_id)
    return shipment_out(svc.get_shipment(ctx.uow(read_only=True), shipment_id))
