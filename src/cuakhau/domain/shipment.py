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
from cuakhau.domain.errors import CuakhauError, InvalidInput
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
        hs = nomenclature.validate(hs_code, field="hs_code")
        description = clean_name(description, field="description", max_length=MAX_DESCRIPTION)
        net = parse_decimal(net_kg, field="net_kg")
        gross = parse_decimal(gross_kg, field="gross_kg")
        if net <= 0:
            raise InvalidInput("weight.not_positive", field="net_kg", value=str(net))
        if gross <= 0:
            raise InvalidInput("weight.not_positive", field="gross_kg", value=str(gross))
        if gross < net:
            raise InvalidInput("weight.gross_below_net", field="gross_kg", gross=str(gross), net=str(net))
        if gross > MAX_WEIGHT_KG:
            raise InvalidInput("weight.too_large", field="gross_kg", value=str(gross), max=str(MAX_WEIGHT_KG))
        if isinstance(packages, bool) or not isinstance(packages, int) or packages < 1:
            raise InvalidInput("packages.not_positive", field="packages", value=str(packages))
        amount = parse_decimal(value, field="value")
        if amount < 0:
            raise InvalidInput("value.negative", field="value", value=str(amount))
        kind = (
            default_perishability(hs)
            if perishability is None
            else parse_enum(Perishability, perishability, field="perishability")
        )
        return cls(
            hs=hs,
            description=description,
            net_kg=net,
            gross_kg=gross,
            packages=packages,
            value=amount,
            currency=parse_currency(currency, field="currency"),
            perishability=kind,
            planting_area_code=parse_registry_code(planting_area_code, field="planting_area_code"),
            packing_house_code=parse_registry_code(packing_house_code, field="packing_house_code"),
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
    ) -> Shipment:
        consignee_name = clean_name(consignee_name, field="consignee_name", max_length=MAX_DESCRIPTION)
        country = parse_country(consignee_country, field="consignee_country")
        if not lines:
            raise InvalidInput("shipment.no_lines", field="lines")
        if len(lines) > MAX_LINES:
            raise InvalidInput("shipment.too_many_lines", field="lines", max=MAX_LINES)
        parsed: list[CargoLine] = []
        for i, raw in enumerate(lines):
            try:
                parsed.append(CargoLine.create(nomenclature, **raw))
            except CuakhauError as exc:
                raise exc.at(f"lines[{i}]") from None
        return cls(
            id=shipment_id,
            exporter_id=exporter_id,
            consignee_name=consignee_name,
            consignee_country=country,
            lines=parsed,
            phytosanitary_certificate_no=parse_registry_code(
                phytosanitary_certificate_no, field="phytosanitary_certificate_no"
            ),
            created_at=created_at,
        )
