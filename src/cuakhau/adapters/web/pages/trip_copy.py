"""Declare again: a past trip's route, consignee and cargo as the declaration form's values.

The trailer is copied when it is the caller's. Not copied: the container numbers (each trip's own), the
phytosanitary certificate number (each consignment has its own) and the part-of reference; the
truck and the driver only while they are on no open trip (the declaration would refuse them: the form shows why
instead, next to those fields).
"""

from __future__ import annotations

from typing import Any

from cuakhau.services.fleet import TripCopy


def _number(value: Any) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def declaration_values(copy: TripCopy) -> dict[str, Any]:
    """The declaration form's values (``portal/declare.html``) for declaring ``copy`` again."""
    shipment = copy.shipment
    values: dict[str, Any] = {
        "gate_id": copy.trip.gate_id,
        "direction": copy.trip.direction.value,
        "exporter_id": shipment.exporter_id,
        "consignee_name": shipment.consignee_name,
        "consignee_country": shipment.consignee_country,
        "lines": [
            {
                "hs_code": line.hs.code,
                "description": line.description,
                "net_kg": _number(line.net_kg),
                "gross_kg": _number(line.gross_kg),
                "packages": str(line.packages),
                "value": _number(line.value),
                "currency": line.currency,
                "perishability": line.perishability.value,
                "planting_area_code": line.planting_area_code or "",
                "packing_house_code": line.packing_house_code or "",
            }
            for line in shipment.lines
        ],
    }
    if copy.vehicle_id is not None:
        values["vehicle_id"] = copy.vehicle_id
    if copy.trailer_id is not None:
        values["trailer_id"] = copy.trailer_id
    if copy.driver is not None:
        values["driver_document_kind"] = copy.driver.document.kind.value
        values["driver_document"] = copy.driver.document.number
    return values
