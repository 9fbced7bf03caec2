"""Enterprises, vehicles and drivers are validated on registration."""

from __future__ import annotations

import pytest

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.parties import Driver, Enterprise, EnterpriseRole, Vehicle
from tests.fixtures.factories import cn_resident_id, cn_uscc, vn_tax_code


def test_vietnamese_exporter() -> None:
    e = Enterprise.register(
        enterprise_id="e1",
        name="  Công ty TNHH Sầu Riêng Đắk Lắk  ",
        country="VN",
        tax_id=vn_tax_code(),
        roles=["exporter", "haulier"],
        phone="+84 912 345 678",
    )
    assert e.name == "Công ty TNHH Sầu Riêng Đắk Lắk"
    assert e.roles == {EnterpriseRole.EXPORTER, EnterpriseRole.HAULIER}
    assert e.country == "VN"


def test_chinese_importer() -> None:
    e = Enterprise.register(
        enterprise_id="e2", name="河口瑶族自治县滇越商贸有限公司", country="CN", tax_id=cn_uscc(), roles=["importer"]
    )
    assert e.country == "CN" and len(e.tax_id.number) == 18


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"roles": []}, "enterprise.no_role", "roles"),
        ({"roles": ["exporter", "smuggler"]}, "enum.invalid", "roles[1]"),
        ({"tax_id": "0100109107"}, "taxid.invalid", "tax_id"),
        ({"country": "TH"}, "taxid.country", "tax_id"),
        ({"name": ""}, "text.required", "name"),
        ({"phone": "call me"}, "phone.invalid", "phone"),
    ],
)
def test_bad_enterprise(kwargs: dict[str, object], code: str, field: str) -> None:
    base: dict[str, object] = {
        "enterprise_id": "e",
        "name": "Công ty A",
        "country": "VN",
        "tax_id": "0100109106",
        "roles": ["exporter"],
    }
    with pytest.raises(InvalidInput) as info:
        Enterprise.register(**{**base, **kwargs})  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == (code, field)


@pytest.mark.parametrize(
    ("plate", "text", "trailer"),
    [("12c 123.45", "12C-123.45", False), ("12R-012.34", "12R-012.34", True), ("桂F·12345", "桂F12345", False)],
)
def test_goods_vehicles(plate: str, text: str, trailer: bool) -> None:
    v = Vehicle.register(vehicle_id="v", plate=plate, owner_id="e1")
    assert v.plate.text == text and v.is_trailer is trailer


@pytest.mark.parametrize("plate", ["29A 433.74", "51B-123.45", "桂FD12345", "桂A1234警"])
def test_cars_buses_and_special_plates_are_not_trucks(plate: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Vehicle.register(vehicle_id="v", plate=plate, owner_id="e1")
    assert info.value.code == "plate.not_truck" and info.value.field == "plate"


def test_drivers() -> None:
    vn = Driver.register(
        driver_id="d1",
        full_name="Trần Thị Lan",
        document_kind="vn_citizen_id",
        document_number="020190001234",
        nationality="vn",
    )
    cn = Driver.register(
        driver_id="d2",
        full_name="黄志明",
        document_kind="cn_resident_id",
        document_number=cn_resident_id(),
        nationality="CN",
    )
    assert vn.nationality == "VN" and cn.document.kind.value == "cn_resident_id"
    with pytest.raises(InvalidInput) as info:
        Driver.register(
            driver_id="d3", full_name="X", document_kind="vn_citizen_id", document_number="12", nationality="VN"
        )
    assert info.value.field == "document_number"
    with pytest.raises(InvalidInput) as info:
        Driver.register(
            driver_id="d3",
            full_name="X",
            document_kind="vn_citizen_id",
            document_number="020190001234",
            nationality="XX",
        )
    assert info.value.field == "nationality"
