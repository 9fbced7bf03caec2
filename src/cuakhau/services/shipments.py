"""Declare a shipment once; every agency reads the same record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.declaration import ENDED_WITHOUT_CROSSING, describe, split_problems
from cuakhau.domain.errors import CuakhauError, InvalidInput, NotFound, Problems, require
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
    part_of: str | None = None,
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
        part_of=part_of,
    )


def shipment_problems(uow: UnitOfWork, shipment: Shipment) -> list[CuakhauError]:
    """What an open unit of work knows is wrong with a built shipment: its exporter, the consignment it is split
    from, and planting-area and packing-house codes that are not active in the registry."""
    out: list[CuakhauError] = []
    if uow.enterprises.get(shipment.exporter_id) is None:
        out.append(NotFound("enterprise", shipment.exporter_id, field="exporter_id"))
    if shipment.part_of is not None and uow.shipments.get(shipment.part_of) is None:
        out.append(NotFound("shipment", shipment.part_of, field="part_of"))
    for i, line in enumerate(shipment.lines):
        for kind, code, refusal in (
            ("planting_area", line.planting_area_code, "shipment.unregistered_planting_area"),
            ("packing_house", line.packing_house_code, "shipment.unregistered_packing_house"),
        ):
            if code is not None and not uow.registry.is_active(kind, code):
                out.append(InvalidInput(refusal, field=f"lines[{i}].{kind}_code", value=code))
    return out


def split_check(uow: UnitOfWork, part: Shipment) -> list[CuakhauError]:
    """Inside an open unit of work that holds the consignment's claim: whether ``part`` may be split from it (the
    consignment not on a trip itself, the parts adding up to at most its quantities)."""
    assert part.part_of is not None
    whole = uow.shipments.get(part.part_of)
    if whole is None:
        return [NotFound("shipment", part.part_of, field="part_of")]
    out = split_problems(whole, uow.shipments.parts_of(whole.id), part)
    for hold in uow.trips.holds(shipment_ids=[whole.id], certificate_no=None, vehicle_id=None, driver_id=None):
        if hold.state not in ENDED_WITHOUT_CROSSING:
            out.append(InvalidInput("shipment.split_after_trip", field="part_of", **describe(hold)))
            break
    return out


def add_shipment(uow: UnitOfWork, shipment: Shipment) -> None:
    """Check and store a built shipment inside an open unit of work (the caller commits)."""
    problems = Problems(shipment_problems(uow, shipment))
    if shipment.part_of is not None and not problems.has("part_of"):
        uow.trips.lock_claims([f"consignment:{shipment.part_of}"])
        for exc in split_check(uow, shipment):
            problems.add(exc)
    problems.raise_if_any()
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
