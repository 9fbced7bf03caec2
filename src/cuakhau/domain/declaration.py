"""What a declaration may claim: a shipment crosses once, a certificate covers one consignment, a truck and a
driver are on one open trip at a time, and a consignment split over several trucks adds up.

Published rules (issue 21, items 2 and 6):

- A shipment that has crossed, or is on a trip that has not ended without crossing (cancelled, no-show,
  returned), cannot be declared on another trip (``shipment.already_crossed``, ``shipment.on_another_trip``).
- Its phytosanitary certificate likewise: another shipment with the same certificate number that crossed or is
  on such a trip refuses the declaration (``shipment.certificate_crossed``, ``shipment.certificate_on_another_trip``)
  — unless both are parts of one consignment split explicitly (``part_of``).
- A truck or a driver already on an open trip (not yet crossed, returned, cancelled or no-show) cannot be
  declared on another (``trip.vehicle_busy``, ``trip.driver_busy``).
- A consignment needing several trucks is split into parts (shipments with ``part_of``) whose quantities, per HS
  code, add up to at most the consignment's (the certificate's): net and gross weight and packages
  (``shipment.split_exceeds`` names the goods, the quantity, the consignment's and the parts' total).

Every refusal names the other trip in words (its truck, its gate, its state, when it was declared in the gate's
local time), never an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cuakhau.domain.errors import Conflict, CuakhauError, InvalidInput
from cuakhau.domain.gate import Gate
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import TERMINAL_STATES, TripState
from cuakhau.i18n.times import local_time

#: A trip in one of these states released its shipment and certificate: the goods did not cross.
ENDED_WITHOUT_CROSSING: frozenset[TripState] = frozenset({TripState.CANCELLED, TripState.NO_SHOW, TripState.RETURNED})


@dataclass(frozen=True, slots=True)
class TripHold:
    """A trip that holds something a declaration may claim (read by ``TripRepository.holds``)."""

    trip_id: str
    shipment_id: str
    consignment_id: str  # the shipment's ``part_of``, or the shipment itself
    certificate_no: str | None
    vehicle_id: str
    driver_id: str
    plate: str
    state: TripState
    declared_at: datetime
    gate: Gate


def consignment_of(shipment: Shipment) -> str:
    """The consignment a shipment belongs to: the one it was split from, or itself."""
    return shipment.part_of or shipment.id


def lock_keys(
    *, shipment_id: str | None, consignment_id: str | None, certificate_no: str | None, vehicle_id: str, driver_id: str
) -> list[str]:
    """What a declaration claims, as keys a unit of work locks (in this order) before it checks them."""
    keys = [f"vehicle:{vehicle_id}", f"driver:{driver_id}"]
    if consignment_id is not None:
        keys.append(f"consignment:{consignment_id}")
    if shipment_id is not None:
        keys.append(f"shipment:{shipment_id}")
    if certificate_no is not None:
        keys.append(f"certificate:{certificate_no}")
    return sorted(set(keys))


def describe(hold: TripHold) -> dict[str, Any]:
    """The other trip in words: truck, gate (in the reader's language), state, and the local time it was declared."""
    return {
        "plate": hold.plate,
        "gate": {"vi": hold.gate.names.vi, "zh": hold.gate.names.zh, "en": hold.gate.names.en},
        "state": {"code": f"trip.state.{hold.state.value}"},
        "declared": local_time(hold.declared_at, hold.gate.timezone),
    }


def claim_conflicts(
    holds: Iterable[TripHold],
    *,
    shipment: Shipment | None,
    vehicle_id: str | None,
    driver_id: str | None,
) -> list[CuakhauError]:
    """Every refusal of a declaration by the trips that already hold its shipment, certificate, truck or driver."""
    out: list[CuakhauError] = []
    seen: set[str] = set()

    def once(code: str, field: str, hold: TripHold, **extra: Any) -> None:
        if code not in seen:
            seen.add(code)
            out.append(Conflict(code, field=field, **describe(hold), **extra))

    for hold in sorted(holds, key=lambda h: (h.declared_at, h.trip_id)):
        crossed = hold.state is TripState.CROSSED
        if hold.state in ENDED_WITHOUT_CROSSING:
            continue
        if shipment is not None and hold.shipment_id == shipment.id:
            once("shipment.already_crossed" if crossed else "shipment.on_another_trip", "shipment_id", hold)
        elif (
            shipment is not None
            and shipment.phytosanitary_certificate_no is not None
            and hold.certificate_no == shipment.phytosanitary_certificate_no
            and hold.consignment_id != consignment_of(shipment)
        ):
            once(
                "shipment.certificate_crossed" if crossed else "shipment.certificate_on_another_trip",
                "shipment.phytosanitary_certificate_no",
                hold,
                certificate=shipment.phytosanitary_certificate_no,
            )
        if hold.state in TERMINAL_STATES:
            continue  # a truck and a driver are free again once the trip is over
        if vehicle_id is not None and hold.vehicle_id == vehicle_id:
            once("trip.vehicle_busy", "vehicle_id", hold)
        if driver_id is not None and hold.driver_id == driver_id:
            once("trip.driver_busy", "driver_id", hold)
    return out


QUANTITIES = ("net_kg", "gross_kg", "packages")


def _totals(shipments: Iterable[Shipment]) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for s in shipments:
        for line in s.lines:
            row = out.setdefault(line.hs.code, dict.fromkeys(QUANTITIES, Decimal(0)))
            row["net_kg"] += line.net_kg
            row["gross_kg"] += line.gross_kg
            row["packages"] += Decimal(line.packages)
    return out


def split_problems(whole: Shipment, parts: Sequence[Shipment], new_part: Shipment) -> list[CuakhauError]:
    """Why ``new_part`` cannot be split from ``whole`` next to the ``parts`` already declared: it must carry the
    same certificate and exporter, only goods of the consignment, and the parts together at most its quantities."""
    out: list[CuakhauError] = []
    if whole.part_of is not None:
        out.append(InvalidInput("shipment.part_of_part", field="part_of"))
        return out
    if new_part.exporter_id != whole.exporter_id:
        out.append(InvalidInput("shipment.part_other_exporter", field="exporter_id"))
    if new_part.phytosanitary_certificate_no != whole.phytosanitary_certificate_no:
        out.append(
            InvalidInput(
                "shipment.part_certificate_mismatch",
                field="phytosanitary_certificate_no",
                declared=new_part.phytosanitary_certificate_no or "-",
                consignment=whole.phytosanitary_certificate_no or "-",
            )
        )
    limits = _totals([whole])
    used = _totals([*parts, new_part])
    mine = _totals([new_part])
    first_line: dict[str, int] = {}
    for i, line in enumerate(new_part.lines):
        first_line.setdefault(line.hs.code, i)
        if line.hs.code not in limits:
            out.append(
                InvalidInput("shipment.part_goods_not_in_consignment", field=f"lines[{i}].hs_code", hs=line.hs.code)
            )
    for hs, i in first_line.items():
        if hs not in limits:
            continue
        for quantity in QUANTITIES:
            if used[hs][quantity] > limits[hs][quantity]:
                out.append(
                    InvalidInput(
                        "shipment.split_exceeds",
                        field=f"lines[{i}].{quantity}",
                        hs=hs,
                        quantity={"code": f"quantity.{quantity}"},
                        consignment=_fmt(limits[hs][quantity]),
                        parts=_fmt(used[hs][quantity]),
                        this_part=_fmt(mine[hs][quantity]),
                    )
                )
    return out


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"
