"""Shipments — lô hàng / 货物 — and their cargo lines, declared once and reused everywhere.

A cargo line carries what every agency needs from the exporter: the HS code (checked against HS 2022),
description, weights, packages, value and currency, perishability, and for fresh fruit and vegetables the
planting-area code (mã số vùng trồng / 种植园登记号) and packing-house code (mã số cơ sở đóng gói /
包装厂登记号). The phytosanitary certificate number belongs to the whole consignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cuakhau.domain.common import clean_name, parse_country, parse_decimal, parse_enum, parse_registry_code
from cuakhau.domain.errors import CuakhauError, InvalidInput, Problems
from cuakhau.domain.hs import HsCode, HsNomenclature, is_plant_product
from cuakhau.domain.perishability import Perishability as Perishability  # re-exported: the class of a line
from cuakhau.domain.values import parse_currency

MAX_LINES = 200
MAX_DESCRIPTION = 500
MAX_WEIGHT_KG = Decimal("100000")  # no road vehicle carries more; a larger figure is a unit mistake


def default_perishability(hs: HsCode) -> Perishability:
    """A published default when the declarant gives none: decided by HS chapter and heading."""
    chapter, heading = hs.chapter, hs.heading
    if chapter == "01":
        return Perishability.LIVE_ANIMALS
    if heading in {"0710", "0811"}:  # frozen vegetables, frozen fruit
        return Perishability.FROZEN
    if chapter in {"07", "08"} and heading not in {"0712", "0713", "0813", "0814"}:  # not dried
        return Perishability.FRESH_PRODUCE
    if chapter in {"02", "03", "04"}:
        return Perishability.CHILLED
    return Perishability.DRY_GOODS


@dataclass(frozen=True, slots=True)
class CargoLine:
    hs: HsCode
    description: str
    net_kg: Decimal
    gross_kg: Decimal
    packages: int
    value: Decimal
    currency: str
    perishability: Perishability
    planting_area_code: str | None = None
    packing_house_code: str | None = None

    @classmethod
    def create(
        cls,
        nomenclature: HsNomenclature,
        *,
        hs_code: str,
        description: str,
        net_kg: object,
        gross_kg: object,
        packages: int,
        value: object,
        currency: str,
        perishability: str | None = None,
        planting_area_code: str | None = None,
        packing_house_code: str | None = None,
    ) -> CargoLine:
        # Every field is checked, and every problem reported at once (``Problems``).
        problems = Problems()
        hs = problems.attempt(nomenclature.validate, hs_code, field="hs_code")
        name = problems.attempt(clean_name, description, field="description", max_length=MAX_DESCRIPTION)
        net = problems.attempt(parse_decimal, net_kg, field="net_kg")
        gross = problems.attempt(parse_decimal, gross_kg, field="gross_kg")
        if net is not None and net <= 0:
            problems.add(InvalidInput("weight.not_positive", field="net_kg", value=str(net)))
        if gross is not None and gross <= 0:
            problems.add(InvalidInput("weight.not_positive", field="gross_kg", value=str(gross)))
        elif gross is not None and net is not None and net > 0 and gross < net:
            problems.add(InvalidInput("weight.gross_below_net", field="gross_kg", gross=str(gross), net=str(net)))
        elif gross is not None and gross > MAX_WEIGHT_KG:
            problems.add(InvalidInput("weight.too_large", field="gross_kg", value=str(gross), max=str(MAX_WEIGHT_KG)))
        if isinstance(packages, bool) or not isinstance(packages, int) or packages < 1:
            problems.add(InvalidInput("packages.not_positive", field="packages", value=str(packages)))
        amount = problems.attempt(parse_decimal, value, field="value")
        if amount is not None and amount < 0:
            problems.add(InvalidInput("value.negative", field="value", value=str(amount)))
        kind: Perishability | None = None
        if perishability is not None:
            kind = problems.attempt(parse_enum, Perishability, perishability, field="perishability")
        elif hs is not None:
            kind = default_perishability(hs)
        money = problems.attempt(parse_currency, currency, field="currency")
        area = problems.attempt(parse_registry_code, planting_area_code, field="planting_area_code")
        house = problems.attempt(parse_registry_code, packing_house_code, field="packing_house_code")
        problems.raise_if_any()
        assert hs is not None and name is not None and net is not None and gross is not None
        assert amount is not None and kind is not None and money is not None
        return cls(
            hs=hs,
            description=name,
            net_kg=net,
            gross_kg=gross,
            packages=packages,
            value=amount,
            currency=money,
            perishability=kind,
            planting_area_code=area,
            packing_house_code=house,
        )


@dataclass(slots=True)
class Shipment:
    id: str
    exporter_id: str
    consignee_name: str
    consignee_country: str
    lines: list[CargoLine]
    phytosanitary_certificate_no: str | None = None
    created_at: datetime | None = None
    #: The consignment this shipment is one truck's part of (split explicitly: ``cuakhau.domain.declaration``).
    part_of: str | None = None

    @property
    def plant_product(self) -> bool:
        """Plants and plant products need plant quarantine (kiểm dịch thực vật / 植物检疫)."""
        return any(is_plant_product(ln.hs) for ln in self.lines)

    @property
    def perishability(self) -> Perishability:
        """The most urgent class among the lines: the whole truck waits as long as its most fragile box."""
        return min((ln.perishability for ln in self.lines), key=lambda p: p.urgency)

    @property
    def gross_kg(self) -> Decimal:
        return sum((ln.gross_kg for ln in self.lines), Decimal(0))

    @property
    def net_kg(self) -> Decimal:
        return sum((ln.net_kg for ln in self.lines), Decimal(0))

    @classmethod
    def create(
        cls,
        nomenclature: HsNomenclature,
        *,
        shipment_id: str,
        exporter_id: str,
        consignee_name: str,
        consignee_country: str,
        lines: Sequence[Mapping[str, Any]],
        phytosanitary_certificate_no: str | None = None,
        created_at: datetime | None = None,
        part_of: str | None = None,
    ) -> Shipment:
        """Check every field and every line, and report every problem at once (``FieldErrors``)."""
        problems = Problems()
        name = problems.attempt(clean_name, consignee_name, field="consignee_name", max_length=MAX_DESCRIPTION)
        country = problems.attempt(parse_country, consignee_country, field="consignee_country")
        certificate = problems.attempt(
            parse_registry_code, phytosanitary_certificate_no, field="phytosanitary_certificate_no"
        )
        parsed: list[CargoLine] = []
        if not lines:
            problems.add(InvalidInput("shipment.no_lines", field="lines"))
        elif len(lines) > MAX_LINES:
            problems.add(InvalidInput("shipment.too_many_lines", field="lines", max=MAX_LINES))
        else:
            for i, raw in enumerate(lines):
                try:
                    parsed.append(CargoLine.create(nomenclature, **raw))
                except CuakhauError as exc:
                    problems.add(exc, prefix=f"lines[{i}]")
        problems.raise_if_any()
        assert name is not None and country is not None
        return cls(
            id=shipment_id,
            exporter_id=exporter_id,
            consignee_name=name,
            consignee_country=country,
            lines=parsed,
            phytosanitary_certificate_no=certificate,
            created_at=created_at,
            part_of=part_of or None,
        )
