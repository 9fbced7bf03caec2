"""Declare a shipment once; every agency reads the same record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import NotFound, require
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import new_id
from cuakhau.services.ports import UnitOfWork


def build_shipment(
    nomenclature: HsNomenclature,
    *,
    clock: Clock,
    exporter_id: str,
    consignee_name: str,
    consignee_country: str,
    lines: Sequence[Mapping[str, Any]],
    phytosanitary_certificate_no: str | None = None,
) -> Shipment:
    return Shipment.create(
        nomenclature,
        shipment_id=new_id(),
        exporter_id=exporter_id,
        consignee_name=consignee_name,
        consignee_country=consignee_country,
        lines=lines,
        phytosanitary_certificate_no=phytosanitary_certificate_no,
        created_at=clock.now(),
    )


def add_shipment(uow: UnitOfWork, shipment: Shipment) -> None:
    """Store a built shipment inside an open unit of work (the caller commits)."""
    if uow.enterprises.get(shipment.exporter_id) is None:
        raise NotFound("enterprise", shipment.exporter_id, field="exporter_id")
    uow.shipments.add(shipment)


def declare_shipment(uow: UnitOfWork, nomenclature: HsNomenclature, *, clock: Clock, **fields: Any) -> Shipment:
    shipment = build_shipment(nomenclature, clock=clock, **fields)
    with uow:
        add_shipment(uow, shipment)
        uow.commit()
    return shipment


def get_shipment(uow: UnitOfWork, shipment_id: str) -> Shipment:
    with uow:
        return require(uow.shipments.get(shipment_id), "shipment", shipment_id)
