"""Enterprises, vehicles and drivers are validated on registration."""

from __future__ import annotations

import pytest

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.parties import Driver, Enterprise, EnterpriseRole, Vehicle, VehicleType
from cuakhau.i18n import render
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
def test_without_a_declared_type_the_plate_hint_is_taken_with_a_warning(plate: str, text: str, trailer: bool) -> None:
    v = Vehicle.register(vehicle_id="v", plate=plate, owner_id="e1")
    assert v.plate.text == text and v.is_trailer is trailer
    assert [w.code for w in v.warnings] == ["vehicle.type_from_plate"]
    assert v.registration_number is None


@pytest.mark.parametrize(
    ("plate", "vehicle_type", "number", "stored"),
    [
        ("29H-433.74", "truck", "012345", "012345"),  # series H: trucks carry series beyond C and D
        ("30K-111.22", "tractor_unit", "AB 123 456", "AB123456"),
        ("51G-123.45", "van", "0123-4567", "01234567"),
        ("20B-012.34", "truck", "654321", "654321"),
        ("桂FD12345", "van", "4500 0123 4567", "450001234567"),  # a light van can carry a small-vehicle plate
        ("29A 433.74", "TRUCK", "012345", "012345"),
    ],
)
def test_the_type_comes_from_the_registration_and_a_non_goods_series_is_a_warning(
    plate: str, vehicle_type: str, number: str, stored: str
) -> None:
    v = Vehicle.register(
        vehicle_id="v", plate=plate, owner_id="e1", vehicle_type=vehicle_type, registration_number=number
    )
    assert v.vehicle_type is VehicleType(vehicle_type.lower())
    assert v.registration_number == stored
    assert len(v.warnings) == 1
    warning = v.warnings[0]
    assert warning.code in {"vehicle.series_not_goods", "vehicle.plate_not_goods"}
    assert warning.params["plate"] == v.plate.display
    for lang in ("vi", "zh", "en"):
        message = render(warning.code, lang, warning.params)
        assert v.plate.display in message and "{" not in message


@pytest.mark.parametrize(
    ("plate", "vehicle_type", "warnings"),
    [
        ("12C-123.45", "truck", []),
        ("12C-123.45", "tractor_unit", []),
        ("12R-012.34", "semi_trailer", []),
        ("12R-012.34", "trailer", []),
        ("12C-123.45", "semi_trailer", ["vehicle.towed_with_motor_plate"]),
        ("12R-012.34", "truck", ["vehicle.motor_with_trailer_plate"]),
        ("桂F1234挂", "semi_trailer", []),
        ("桂F1234挂", "van", ["vehicle.motor_with_trailer_plate"]),
    ],
)
def test_a_type_the_plate_disagrees_with_is_kept_with_a_warning(
    plate: str, vehicle_type: str, warnings: list[str]
) -> None:
    number = "450001234567" if plate.startswith("桂") else "012345"
    v = Vehicle.register(
        vehicle_id="v", plate=plate, owner_id="e1", vehicle_type=vehicle_type, registration_number=number
    )
    assert [w.code for w in v.warnings] == warnings
    assert v.is_trailer is (vehicle_type in {"trailer", "semi_trailer"})


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"plate": "29A 433.74"}, "vehicle.type_required", "vehicle_type"),  # no type, and no goods hint
        ({"plate": "桂A1234警"}, "vehicle.type_required", "vehicle_type"),
        ({"plate": "12C-123.45", "vehicle_type": "truck"}, "vehicle.registration_missing", "registration_number"),
        (
            {"plate": "12C-123.45", "vehicle_type": "lorry", "registration_number": "012345"},
            "enum.invalid",
            "vehicle_type",
        ),
        (
            {"plate": "12C-123.45", "vehicle_type": "truck", "registration_number": "12345"},
            "vehicle.registration_invalid",
            "registration_number",
        ),
        (
            {"plate": "桂F12345", "vehicle_type": "truck", "registration_number": "012345"},
            "vehicle.registration_invalid",
            "registration_number",
        ),
        (
            {"plate": "29B1-123.45", "vehicle_type": "truck", "registration_number": "012345"},
            "plate.two_wheeler",
            "plate",
        ),
        (
            {"plate": "29C1-1234", "vehicle_type": "truck", "registration_number": "012345"},
            "plate.two_wheeler",
            "plate",
        ),
    ],
)
def test_vehicle_refusals_name_the_field(kwargs: dict[str, str], code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Vehicle.register(vehicle_id="v", owner_id="e1", **kwargs)  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == (code, field)
    for lang in ("vi", "zh", "en"):
        assert "{" not in render(code, lang, info.value.params)


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
