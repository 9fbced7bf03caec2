"""Plates, container numbers, tax ids, currencies and identity documents: accepted forms and refusals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.values import (
    VN_SERIES_CLASSES,
    ContainerNumber,
    IdentityDocument,
    IdentityDocumentKind,
    Plate,
    PlateCountry,
    TaxId,
    VehicleClass,
    make_cn_uscc,
    make_vn_tax_code,
    parse_currency,
)
from cuakhau.i18n import render
from cuakhau.i18n.messages_values import MESSAGES


def refusal(call: Any, *args: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------------------------------- plates


@pytest.mark.parametrize(
    ("raw", "text", "vehicle_class"),
    [
        ("29A 433.74", "29A-433.74", VehicleClass.CAR),
        ("29a43374", "29A-433.74", VehicleClass.CAR),
        ("12C-123.45", "12C-123.45", VehicleClass.TRUCK),
        ("12c 12345", "12C-123.45", VehicleClass.TRUCK),
        ("12R-012.34", "12R-012.34", VehicleClass.TRAILER),
        ("51LD-123.45", "51LD-123.45", VehicleClass.TRUCK),
        ("51ld12345", "51LD-123.45", VehicleClass.TRUCK),
        ("12D-456.78", "12D-456.78", VehicleClass.TRUCK),
        ("12C-1234", "12C-1234", VehicleClass.TRUCK),  # older four-digit plate
        ("12c1234", "12C-1234", VehicleClass.TRUCK),
        ("20B-012.34", "20B-012.34", VehicleClass.BUS),
        ("30E-111.22", "30E-111.22", VehicleClass.CAR),
        ("30K-111.22", "30K-111.22", VehicleClass.CAR),
        ("80NG-123.45", "80NG-123.45", VehicleClass.SPECIAL),
        ("１２Ｃ－１２３．４５", "12C-123.45", VehicleClass.TRUCK),  # full-width, as some keyboards type it
        ("99C-000.01", "99C-000.01", VehicleClass.TRUCK),
        ("11C-000.01", "11C-000.01", VehicleClass.TRUCK),
    ],
)
def test_vietnamese_plates_are_canonicalised_and_classed(raw: str, text: str, vehicle_class: str) -> None:
    plate = Plate.parse(raw)
    assert plate == Plate(text, PlateCountry.VN, VehicleClass(vehicle_class))
    assert plate.display == text


@pytest.mark.parametrize(
    ("raw", "text", "vehicle_class"),
    [
        ("桂F12345", "桂F12345", VehicleClass.TRUCK),  # ordinary plate: colour not in the text
        ("桂F·12345", "桂F12345", VehicleClass.TRUCK),
        ("桂f•12345", "桂F12345", VehicleClass.TRUCK),
        ("桂Ｆ．１２３４５", "桂F12345", VehicleClass.TRUCK),
        ("桂 F-1234A", "桂F1234A", VehicleClass.TRUCK),
        ("桂F12345D", "桂F12345D", VehicleClass.TRUCK),  # large new-energy vehicle
        ("桂F12345F", "桂F12345F", VehicleClass.TRUCK),
        ("桂FD12345", "桂FD12345", VehicleClass.CAR),  # small new-energy car
        ("粤BFA1234", "粤BFA1234", VehicleClass.CAR),
        ("桂F1234挂", "桂F1234挂", VehicleClass.TRAILER),
        ("京A1234警", "京A1234警", VehicleClass.SPECIAL),
        ("桂A1234学", "桂A1234学", VehicleClass.SPECIAL),
        ("沪A1234领", "沪A1234领", VehicleClass.SPECIAL),
        ("京A1234使", "京A1234使", VehicleClass.SPECIAL),
        ("苏A1234试", "苏A1234试", VehicleClass.SPECIAL),
        ("浙A1234超", "浙A1234超", VehicleClass.SPECIAL),
        ("粤Z1234港", "粤Z1234港", VehicleClass.TRUCK),  # Guangdong–Hong Kong cross-border
        ("粤Z·A123澳", "粤ZA123澳", VehicleClass.TRUCK),
        ("云A12345", "云A12345", VehicleClass.TRUCK),
        ("琼A12345", "琼A12345", VehicleClass.TRUCK),
    ],
)
def test_chinese_plates_are_canonicalised_and_classed(raw: str, text: str, vehicle_class: str) -> None:
    plate = Plate.parse(raw)
    assert plate == Plate(text, PlateCountry.CN, VehicleClass(vehicle_class))


def test_chinese_display_puts_the_dot_after_province_and_office_letter() -> None:
    assert Plate.parse("桂F12345").display == "桂F·12345"
    assert Plate.parse("桂F1234挂").display == "桂F·1234挂"
    assert Plate.parse("桂F12345D").display == "桂F·12345D"


@pytest.mark.parametrize("raw", ["", "   ", " - . ", "·"])
def test_empty_plate(raw: str) -> None:
    err = refusal(Plate.parse, raw, field="vehicles[0].plate")
    assert err.code == "plate.empty"
    assert err.field == "vehicles[0].plate"


@pytest.mark.parametrize(
    "raw",
    [
        "10C-123.45",  # province codes start at 11
        "09C-123.45",
        "12C-123",
        "12C-123456",
        "12ABC-123.45",  # at most two series letters
        "12-123.45",
        "C12-123.45",
        "桂I12345",  # I and O are never office letters
        "桂O12345",
        "桂F1234I",
        "桂F1234",
        "桂F1234567",
        "台A12345",  # not one of the 31 mainland provinces
        "桂12345",
        "桂F12345G",  # new-energy suffix is D or F only
        "粤BF1A234",  # small new-energy: the last four are digits
        "桂F123挂",
        "桂Z1234港",  # cross-border plates are 粤Z only
        "粤A1234港",
        "ABC",
        "🚚",
        "29A 433.74 extra",
    ],
)
def test_invalid_plate_names_the_value(raw: str) -> None:
    err = refusal(Plate.parse, raw, field="plate")
    assert err.code == "plate.invalid_format"
    assert err.field == "plate"
    assert err.params["value"] == raw.strip()
    assert err.params["shape"]


def test_plate_refusal_echo_is_bounded() -> None:
    err = refusal(Plate.parse, "X" * 5000)
    assert err.code == "plate.invalid_format"
    assert len(err.params["value"]) <= 40


def test_non_string_plate_is_refused_as_input_error() -> None:
    err = refusal(Plate.parse, None)
    assert err.code == "plate.invalid_format"


def test_series_table_is_published() -> None:
    assert VN_SERIES_CLASSES["C"] is VehicleClass.TRUCK
    assert VN_SERIES_CLASSES["D"] is VehicleClass.TRUCK
    assert VN_SERIES_CLASSES["LD"] is VehicleClass.TRUCK
    assert VN_SERIES_CLASSES["R"] is VehicleClass.TRAILER
    assert VN_SERIES_CLASSES["B"] is VehicleClass.BUS
    with pytest.raises(TypeError):
        VN_SERIES_CLASSES["A"] = VehicleClass.TRUCK  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("12C-123.45", True),
        ("12D-123.45", True),
        ("51LD-123.45", True),
        ("12R-012.34", True),
        ("桂F12345", True),
        ("桂F1234挂", True),
        ("29A-433.74", False),  # a truck may carry it (series run out in sequence): a hint, not a rule
        ("20B-012.34", False),
        ("80NG-123.45", False),
        ("桂FD12345", False),
        ("京A1234警", False),
    ],
)
def test_the_plate_only_hints_at_a_goods_vehicle(raw: str, hint: bool) -> None:
    assert Plate.parse(raw).hints_goods_vehicle is hint


@pytest.mark.parametrize(
    ("raw", "plate", "series", "shape"),
    [
        ("29B1-123.45", "29B1-123.45", "B1", "99A9-999.99"),
        ("29-B1 123.45", "29B1-123.45", "B1", "99-A9 999.99"),
        ("29C1-1234", "29C1-1234", "C1", "99A9-9999"),  # four digits after C1: never read as 29C-112.34
        ("29c1 1234", "29C1-1234", "C1", "99A9 9999"),
        ("29MĐ1-123.45", "29MĐ1-123.45", "MĐ1", "99AA9-999.99"),  # electric motorbike
        ("29MD1-1234", "29MD1-1234", "MD1", "99AA9-9999"),  # never read as 29MD-112.34
        ("29AA1-123.45", "29AA1-123.45", "AA1", "99AA9-999.99"),
        ("29B112345", "29B1-123.45", "B1", "99A999999"),  # six digits: only a two-wheeler has them
    ],
)
def test_two_wheeler_plates_are_refused_as_such_never_re_split(raw: str, plate: str, series: str, shape: str) -> None:
    err = refusal(Plate.parse, raw, field="plate")
    assert err.code == "plate.two_wheeler"
    assert err.field == "plate"
    assert dict(err.params) == {"value": raw, "shape": shape, "plate": plate, "series": series}
    for lang in ("vi", "zh", "en"):
        text = render(err.code, lang, err.params)
        assert plate in text and shape in text and "{" not in text


@pytest.mark.parametrize(
    ("raw", "shape"),
    [
        ("12C-1.2345", "99A-9.9999"),  # a separator where no plate has one: not moved to make 12C-123.45
        ("12C1-23.45", "99A9-99.99"),
        ("12 C1 23.45", "99 A9 99.99"),
        ("12C-12.345", "99A-99.999"),
    ],
)
def test_a_grouping_no_plate_has_is_refused_not_regrouped(raw: str, shape: str) -> None:
    err = refusal(Plate.parse, raw)
    assert err.code == "plate.invalid_format"
    assert err.params["shape"] == shape


def test_unseparated_digits_read_as_the_car_or_truck_plate() -> None:
    """Without separators ``29C11234`` is the five-digit truck plate as cameras read it; nothing is regrouped."""
    assert Plate.parse("29C11234").text == "29C-112.34"


# ------------------------------------------------------------------------------------------ containers


@pytest.mark.parametrize(
    "raw", ["CSQU3054383", "csqu 305438-3", "CSQU 305438 3", "ＣＳＱＵ３０５４３８３", " csqu3054383 "]
)
def test_container_numbers_are_normalised(raw: str) -> None:
    assert ContainerNumber.parse(raw) == ContainerNumber("CSQU3054383")


@pytest.mark.parametrize("raw", ["MSKU9070323", "TCNU1234565", "OOLU1234567"])
def test_real_container_numbers(raw: str) -> None:
    assert ContainerNumber.parse(raw).text == raw


def test_check_digit_ten_is_written_zero() -> None:
    # ISO 6346 writes a remainder of 10 as 0 (owners avoid such serials, but they exist).
    assert ContainerNumber.parse("MSKU0000080").text == "MSKU0000080"
    assert refusal(ContainerNumber.parse, "MSKU0000081").params["expected"] == "0"


def test_wrong_check_digit_names_the_expected_one() -> None:
    err = refusal(ContainerNumber.parse, "CSQU 305438-4", field="containers[1]")
    assert err.code == "container.check_digit"
    assert err.field == "containers[1]"
    assert dict(err.params) == {"value": "CSQU3054384", "expected": "3"}


@pytest.mark.parametrize(
    "raw",
    ["", "CSQU305438", "CSQU30543833", "CSQX3054383", "CS1U3054383", "CSQU30543A3", "1234567890A", "集装箱"],
)
def test_malformed_container_numbers(raw: str) -> None:
    err = refusal(ContainerNumber.parse, raw)
    assert err.code == "container.invalid_format"
    assert err.field == "container_number"
    assert err.params["value"] == raw.strip()


# ------------------------------------------------------------------------------------------- tax ids


@pytest.mark.parametrize(
    ("country", "raw", "number"),
    [
        ("VN", "0100109106", "0100109106"),
        ("vn", " 0100 109 106 ", "0100109106"),
        ("VN", "01.00.109.106", "0100109106"),
        ("VN", "0100109106-001", "0100109106-001"),
        ("VN", "0100109106001", "0100109106-001"),
        ("VN", "０１００１０９１０６", "0100109106"),
        ("CN", "91110000600037341L", "91110000600037341L"),
        ("cn", "91110000600037341l", "91110000600037341L"),
        ("CN", "9 1 110000 600037341L", "91110000600037341L"),
    ],
)
def test_tax_ids(country: str, raw: str, number: str) -> None:
    assert TaxId.parse(country, raw) == TaxId(country.upper(), number)


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("VN", "0100109107"),  # check digit
        ("VN", "010010910"),
        ("VN", "0100109106-000"),  # branch 000 is the head office itself
        ("VN", "0100000009"),  # serial 0000000 is never issued
        ("VN", "01001091O6"),
        ("VN", ""),
        ("CN", "91110000600037341M"),
        ("CN", "A1110000600037341L"),
        ("CN", "0100109106"),
        ("CN", "91110000600037341"),
    ],
)
def test_invalid_tax_ids(country: str, raw: str) -> None:
    err = refusal(TaxId.parse, country, raw, field="tax_id")
    assert err.code == "taxid.invalid"
    assert err.field == "tax_id"
    assert dict(err.params) == {"country": country, "value": raw}


@pytest.mark.parametrize("country", ["LA", "US", "", "Vietnam"])
def test_tax_ids_only_for_vietnam_and_china(country: str) -> None:
    err = refusal(TaxId.parse, country, "0100109106", field="enterprise.tax_id")
    assert err.code == "taxid.country"
    assert err.field == "enterprise.tax_id"
    assert err.params["country"] == country


def test_make_vn_tax_code() -> None:
    assert make_vn_tax_code("010010910") == "0100109106"
    assert TaxId.parse("VN", make_vn_tax_code("200123456")).number.startswith("20")


def test_make_vn_tax_code_when_the_prefix_has_no_check_digit() -> None:
    # A weighted sum ≡ 0 (mod 11) would need check digit 10: the helper steps the first serial digit instead.
    no_digit = next(
        p
        for p in (f"01{n:07d}" for n in range(1, 1000))
        if sum(w * int(d) for w, d in zip((31, 29, 23, 19, 17, 13, 7, 5, 3), p, strict=True)) % 11 == 0
    )
    code = make_vn_tax_code(no_digit)
    assert TaxId.parse("VN", code).number == code
    assert code[:2] == no_digit[:2] and code[3:9] == no_digit[3:9]
    never_issued = make_vn_tax_code("010000000")  # serial 0000000
    assert never_issued[:2] == "01" and never_issued[2:9] != "0000000"
    assert TaxId.parse("VN", never_issued).number == never_issued


@pytest.mark.parametrize("prefix", ["01001091", "0100109100", "01001091A", "０１００１０９１０"])
def test_make_vn_tax_code_wants_nine_digits(prefix: str) -> None:
    with pytest.raises(ValueError):
        make_vn_tax_code(prefix)


def test_make_cn_uscc() -> None:
    assert make_cn_uscc("91110000600037341") == "91110000600037341L"
    lower = make_cn_uscc("91450100ma5abcd12")
    assert lower == make_cn_uscc("91450100MA5ABCD12")
    assert TaxId.parse("CN", lower).number == lower
    with pytest.raises(ValueError):
        make_cn_uscc("9111000060003734")
    with pytest.raises(ValueError):
        make_cn_uscc("9111000060003734I")  # I is not in the USCC alphabet


# ----------------------------------------------------------------------------------------- currencies


@pytest.mark.parametrize(("raw", "code"), [("VND", "VND"), ("cny", "CNY"), (" usd ", "USD"), ("ＥＵＲ", "EUR")])
def test_currencies(raw: str, code: str) -> None:
    assert parse_currency(raw) == code


@pytest.mark.parametrize("raw", ["", "RMB", "US$", "DONG", "VN", "ĐỒNG", "元"])
def test_unknown_currency(raw: str) -> None:
    err = refusal(parse_currency, raw, field="cargo_lines[0].currency")
    assert err.code == "currency.unknown"
    assert err.field == "cargo_lines[0].currency"
    assert err.params["value"] == raw.strip()


# -------------------------------------------------------------------------------- identity documents


@pytest.mark.parametrize(
    ("kind", "raw", "number"),
    [
        ("vn_citizen_id", "020099012345", "020099012345"),  # 020 Lạng Sơn
        ("vn_citizen_id", "001 099 012 345", "001099012345"),
        ("vn_citizen_id", "096199000001", "096199000001"),
        ("VN_CITIZEN_ID", "０２００９９０１２３４５", "020099012345"),
        ("passport", "c1234567", "C1234567"),
        ("passport", "E12345678", "E12345678"),
        ("passport", "B123456", "B123456"),
        ("cn_resident_id", "11010519491231002x", "11010519491231002X"),
        ("cn_resident_id", "360426199101010071", "360426199101010071"),
        ("border_pass", "LS-123456", "LS123456"),
        ("border_pass", "G12345678901", "G12345678901"),
    ],
)
def test_identity_documents(kind: str, raw: str, number: str) -> None:
    assert IdentityDocument.parse(kind, raw) == IdentityDocument(IdentityDocumentKind(kind.lower()), number)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("vn_citizen_id", "000099012345"),  # no province 000
        ("vn_citizen_id", "097099012345"),
        ("vn_citizen_id", "02009901234"),
        ("vn_citizen_id", "0200990123456"),
        ("vn_citizen_id", "02009901234A"),
        ("passport", "C1234"),
        ("passport", "C12345678901"),
        ("passport", "C123 45#7"),
        ("cn_resident_id", "110105194912310021"),  # check digit
        ("cn_resident_id", "11010519491331002X"),  # month 13
        ("cn_resident_id", "1101051949123100"),
        ("border_pass", "12345"),
        ("border_pass", "1234567890123"),
        ("border_pass", ""),
    ],
)
def test_invalid_identity_documents(kind: str, raw: str) -> None:
    err = refusal(IdentityDocument.parse, kind, raw, field="document_number")
    assert err.code == "identity.invalid"
    assert err.field == "document_number"
    assert dict(err.params) == {"kind": kind, "value": raw.strip()}


@pytest.mark.parametrize("kind", ["", "cmnd", "driving_licence", "passport2"])
def test_unknown_identity_document_kind(kind: str) -> None:
    err = refusal(IdentityDocument.parse, kind, "C1234567", field="document_kind")
    assert err.code == "identity.kind"
    assert err.field == "document_kind"
    assert err.params["value"] == kind
    assert "vn_citizen_id" in err.params["allowed"]


# ------------------------------------------------------------------------------------------- messages

RAISED_HERE = {
    "plate.empty": {},
    "plate.invalid_format": {"value": "X", "shape": "A"},
    "plate.two_wheeler": {"value": "29B1-123.45", "shape": "99A9-999.99", "plate": "29B1-123.45", "series": "B1"},
    "container.invalid_format": {"value": "X"},
    "container.check_digit": {"value": "CSQU3054384", "expected": "3"},
    "taxid.invalid": {"country": "VN", "value": "X"},
    "taxid.country": {"country": "LA"},
    "currency.unknown": {"value": "RMB"},
    "identity.kind": {"value": "cmnd", "allowed": "passport"},
    "identity.invalid": {"kind": "passport", "value": "X"},
    "hs.invalid_format": {"value": "0810.6"},
    "hs.not_subheading": {"code": "0810"},
    "hs.not_declarable": {"code": "999999"},
    "hs.only_in_2017": {"code": "080290"},
    "hs.unknown": {"code": "081099"},
}


@pytest.mark.parametrize("code", sorted(RAISED_HERE))
def test_every_code_has_three_languages_filled_from_its_params(code: str) -> None:
    texts = MESSAGES[code]
    assert set(texts) == {"vi", "zh", "en"}
    placeholders = {lang: set(re.findall(r"\{(\w+)\}", text)) for lang, text in texts.items()}
    assert placeholders["vi"] == placeholders["zh"] == placeholders["en"]
    assert placeholders["en"] <= set(RAISED_HERE[code])
    for lang in ("vi", "zh", "en"):
        rendered = render(code, lang, RAISED_HERE[code])
        assert "{" not in rendered
        for name in placeholders[lang]:
            assert RAISED_HERE[code][name] in rendered


def test_catalog_has_nothing_but_codes_raised_here() -> None:
    assert set(MESSAGES) == set(RAISED_HERE)


def test_messages_name_the_offending_value() -> None:
    assert render("hs.only_in_2017", "vi", {"code": "080290"}) == (
        "Mã HS 080290 chỉ có trong HS 2017, không còn trong HS 2022. Vui lòng dùng mã mới tương ứng."
    )
    assert "CSQU3054384" in render("container.check_digit", "zh", RAISED_HERE["container.check_digit"])
    assert "29B1-123.45" in render("plate.two_wheeler", "en", RAISED_HERE["plate.two_wheeler"])
