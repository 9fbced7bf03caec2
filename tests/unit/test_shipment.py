"""Shipments and cargo lines: weights, money, perishability defaults, plant products, field paths."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.shipment import CargoLine, Perishability, Shipment, default_perishability
from tests.fixtures.factories import fruit_line

NOMENCLATURE = HsNomenclature.load_default()


def make(lines: list[dict[str, Any]], **over: Any) -> Shipment:
    kwargs: dict[str, Any] = {
        "shipment_id": "s1",
        "exporter_id": "e1",
        "consignee_name": "东兴市边贸鲜果供应链有限公司",
        "consignee_country": "cn",
        "lines": lines,
    }
    kwargs.update(over)
    return Shipment.create(NOMENCLATURE, **kwargs)


def test_a_fruit_shipment() -> None:
    s = make([fruit_line(), fruit_line(hs_code="0810.60", perishability=None, description="Sầu riêng")])
    assert s.consignee_country == "CN"
    assert s.plant_product
    assert s.lines[1].hs.code == "081060" and s.lines[1].perishability is Perishability.FRESH_PRODUCE
    assert s.net_kg == Decimal("36000") and s.gross_kg == Decimal("39001.0")
    assert s.lines[0].planting_area_code == "VN-BTOR-0102"


def test_the_most_urgent_line_sets_the_shipments_perishability() -> None:
    s = make([fruit_line(perishability="dry_goods"), fruit_line(perishability="live_animals")])
    assert s.perishability is Perishability.LIVE_ANIMALS


@pytest.mark.parametrize(
    ("hs", "expected"),
    [
        ("010221", "live_animals"),
        ("081060", "fresh_produce"),
        ("070310", "fresh_produce"),
        ("081190", "frozen"),
        ("081310", "dry_goods"),
        ("071333", "dry_goods"),
        ("030389", "chilled"),
        ("847989", "dry_goods"),
    ],
)
def test_published_perishability_defaults(hs: str, expected: str) -> None:
    assert default_perishability(NOMENCLATURE.validate(hs)).value == expected


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"net_kg": "0"}, "weight.not_positive", "lines[0].net_kg"),
        ({"gross_kg": "17999.99"}, "weight.gross_below_net", "lines[0].gross_kg"),
        ({"gross_kg": "250000"}, "weight.too_large", "lines[0].gross_kg"),
        ({"packages": 0}, "packages.not_positive", "lines[0].packages"),
        ({"packages": True}, "packages.not_positive", "lines[0].packages"),
        ({"value": "-1"}, "value.negative", "lines[0].value"),
        ({"value": "NaN"}, "number.invalid", "lines[0].value"),
        ({"net_kg": "Infinity"}, "number.invalid", "lines[0].net_kg"),
        ({"currency": "ABC"}, "currency.unknown", "lines[0].currency"),
        ({"description": "   "}, "text.required", "lines[0].description"),
        ({"hs_code": "0810"}, "hs.not_subheading", "lines[0].hs_code"),
        ({"packing_house_code": "VN PH 01"}, "registry_code.invalid", "lines[0].packing_house_code"),
    ],
)
def test_bad_cargo_lines_name_the_field(over: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make([fruit_line(**over)])
    assert (info.value.code, info.value.field) == (code, field)


def test_second_line_errors_name_the_second_line() -> None:
    with pytest.raises(InvalidInput) as info:
        make([fruit_line(), fruit_line(currency="XYZ")])
    assert info.value.field == "lines[1].currency"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"consignee_country": "ZZ"}, "consignee_country"),
        ({"consignee_name": ""}, "consignee_name"),
        ({"lines": []}, "lines"),
    ],
)
def test_bad_shipment_fields(over: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make(over.pop("lines", [fruit_line()]), **over)
    assert info.value.field == field


@given(
    net=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("90000"), places=3),
    extra=st.decimals(min_value=Decimal(0), max_value=Decimal("5000"), places=3),
)
def test_any_positive_net_with_gross_at_least_net_is_accepted(net: Decimal, extra: Decimal) -> None:
    line = CargoLine.create(NOMENCLATURE, **fruit_line(net_kg=str(net), gross_kg=str(net + extra)))
    assert line.net_kg == net and line.gross_kg == net + extra


@given(
    net=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("90000"), places=3),
    short=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
)
def test_gross_below_net_is_always_refused(net: Decimal, short: Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        CargoLine.create(NOMENCLATURE, **fruit_line(net_kg=str(net), gross_kg=str(net - short)))
    assert info.value.code in {"weight.gross_below_net", "weight.not_positive"}
