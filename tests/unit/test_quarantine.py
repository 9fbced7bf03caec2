"""The phytosanitary certificate checked against the declaration: every rule, with a dragon-fruit and durian truck."""

from __future__ import annotations

import dataclasses
import string
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cuakhau import i18n
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.quarantine import (
    FINDING_CODES,
    CertificateLine,
    Classification,
    Finding,
    Measure,
    Package,
    Party,
    PhytoCertificate,
    Severity,
    Treatment,
    check_certificate,
    normalise_name,
)
from cuakhau.domain.shipment import Shipment
from tests.fixtures.factories import fruit_line

NOMENCLATURE = HsNomenclature.load_default()
ICT = timezone(timedelta(hours=7))
ISSUED = datetime(2026, 6, 1, 16, 30, tzinfo=ICT)
NOW = datetime(2026, 6, 2, 3, 0, tzinfo=UTC)  # next morning at the gate
CONSIGNEE = "广西凭祥友谊果蔬进出口贸易有限公司"
ACTIVE = {
    ("planting_area", "VN-BTOR-0102"),
    ("packing_house", "VN-BTPH-017"),
    ("planting_area", "VN-TGOR-0311"),
    ("packing_house", "VN-TGPH-042"),
}


def registry(kind: str, code: str) -> bool:
    return (kind, code) in ACTIVE


def durian_line(**over: Any) -> dict[str, Any]:
    line = fruit_line(
        hs_code="0810.60",
        description="Sầu riêng Ri6 tươi / 鲜榴莲",
        net_kg="9000",
        gross_kg="9800",
        packages=500,
        value="36000",
        planting_area_code="VN-TGOR-0311",
        packing_house_code="VN-TGPH-042",
    )
    line.update(over)
    return line


def shipment(lines: list[dict[str, Any]] | None = None, **over: Any) -> Shipment:
    kwargs: dict[str, Any] = {
        "shipment_id": "s1",
        "exporter_id": "e1",
        "consignee_name": CONSIGNEE,
        "consignee_country": "CN",
        "phytosanitary_certificate_no": "VN-PC-2026-001234",
        "lines": lines if lines is not None else [fruit_line(), durian_line()],
    }
    kwargs.update(over)
    return Shipment.create(NOMENCLATURE, **kwargs)


def dragon(**over: Any) -> CertificateLine:
    line = CertificateLine(
        sequence=1,
        common_name="Dragon fruit",
        scientific_name="Selenicereus costaricensis",
        classifications=(Classification("HS", "081090"),),
        net_weight=Measure(Decimal("18000"), "KGM"),
        gross_weight=Measure(Decimal("19500.5"), "KGM"),
        packages=(Package(1, "CT", Decimal(1000)),),
        origin_countries=("VN",),
        origin_places=("Bình Thuận",),
        planting_area_codes=("VN-BTOR-0102",),
        packing_house_codes=("VN-BTPH-017",),
    )
    return dataclasses.replace(line, **over)


def durian(**over: Any) -> CertificateLine:
    line = CertificateLine(
        sequence=2,
        common_name="Durian",
        scientific_name="Durio zibethinus",
        classifications=(Classification("HS", "08106000"), Classification("IPPCPCC", None, "Fruits")),
        net_weight=Measure(Decimal("9"), "TNE"),
        gross_weight=Measure(Decimal("9800"), "KGM"),
        packages=(Package(1, "CT", Decimal(500)),),
        origin_countries=("VN",),
        planting_area_codes=("VN-TGOR-0311",),
        packing_house_codes=("VN-TGPH-042",),
    )
    return dataclasses.replace(line, **over)


def certificate(**over: Any) -> PhytoCertificate:
    cert = PhytoCertificate(
        id="VN-PC-2026-001234",
        type_code="851",
        status_code="70",
        issued_at=ISSUED,
        issuer="Cục Bảo vệ thực vật",
        consignor=Party("Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận", "VN"),
        consignee=Party(CONSIGNEE, "CN"),
        export_country="VN",
        import_country="CN",
        lines=(dragon(), durian()),
    )
    return dataclasses.replace(cert, **over)


def check(cert: PhytoCertificate | None = None, ship: Shipment | None = None, **kwargs: Any) -> list[Finding]:
    kwargs.setdefault("now", NOW)
    return check_certificate(cert or certificate(), ship or shipment(), registry_is_active=registry, **kwargs)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def one(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, codes(findings)
    return found[0]


def test_a_matching_certificate_has_no_findings() -> None:
    assert check() == []


def test_the_certificate_number_must_be_the_declared_one() -> None:
    f = one(check(certificate(id="VN-PC-2026-009999")), "phyto.number_mismatch")
    assert (
        f.blocking
        and f.field == "phytosanitary_certificate_no"
        and f.element == "/SPSCertificate/SPSExchangedDocument/ID"
    )
    assert f.params == {"declared": "VN-PC-2026-001234", "certificate": "VN-PC-2026-009999"}
    assert check(certificate(id=" vn-pc-2026-001234 ")) == []
    assert codes(check(ship=shipment(phytosanitary_certificate_no=None))) == ["phyto.number_missing"]


@pytest.mark.parametrize(("type_code", "ok"), [("851", True), ("657", True), ("861", False), ("", False)])
def test_only_phytosanitary_certificates(type_code: str, ok: bool) -> None:
    assert codes(check(certificate(type_code=type_code))) == ([] if ok else ["phyto.wrong_type"])


def test_an_unexpected_status_is_a_warning() -> None:
    f = one(check(certificate(status_code="40")), "phyto.status_unexpected")
    assert f.severity is Severity.WARN and f.params == {"status_code": "40"}
    assert check(certificate(status_code=None)) == []


def test_dates_default_fourteen_days_and_no_future() -> None:
    assert check(now=ISSUED + timedelta(days=14)) == []
    f = one(check(now=ISSUED + timedelta(days=14, minutes=1)), "phyto.expired")
    assert f.blocking and f.params["days"] == 14 and f.params["max"] == 14
    assert codes(check(now=ISSUED + timedelta(days=4), max_age_days=3)) == ["phyto.expired"]
    assert check(now=ISSUED - timedelta(minutes=4)) == []  # clocks of two authorities disagree a little
    f = one(check(now=ISSUED - timedelta(hours=2)), "phyto.issued_in_future")
    assert f.params["issued"] == "2026-06-01 16:30 UTC+07:00"  # as the certificate states it, never UTC ISO


@pytest.mark.parametrize(
    ("declared", "certified"),
    [
        ("Công ty TNHH Thanh Long Hoàng Hậu", "CÔNG TY TNHH  Thanh-Long Hoàng Hậu."),
        ("Đồng Nai Fruit Co., Ltd", "DONG NAI FRUIT CO.,LTD"),
        ("广西凭祥友谊果蔬进出口贸易有限公司（凭祥）", "广西凭祥友谊果蔬进出口贸易有限公司(凭祥)"),
        ("Importer SA", "IMPORTER S.A."),
    ],
)
def test_consignee_names_compare_folded(declared: str, certified: str) -> None:
    assert normalise_name(declared) == normalise_name(certified)
    assert check(certificate(consignee=Party(certified, "CN")), shipment(consignee_name=declared)) == []


def test_another_consignee_or_country_blocks() -> None:
    other = "东兴市边贸鲜果供应链有限公司"
    f = one(check(certificate(consignee=Party(other, "CN"))), "phyto.consignee_mismatch")
    assert f.blocking and f.field == "consignee_name" and f.params == {"declared": CONSIGNEE, "certificate": other}
    f = one(
        check(certificate(consignee=Party(CONSIGNEE, None), import_country="LA")), "phyto.consignee_country_mismatch"
    )
    assert f.params == {"declared": "CN", "certificate": "LA"}  # no address country: the import country counts
    assert check(certificate(consignee=Party(CONSIGNEE, None))) == []


def test_consignor_and_export_country_when_the_exporter_is_known() -> None:
    name = "Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận"
    assert check(exporter_name=name.upper(), exporter_country="vn") == []
    found = check(exporter_name="Công ty CP Nông sản Tiền Giang", exporter_country="TH")
    assert codes(found) == ["phyto.consignor_mismatch", "phyto.export_country_mismatch"]


def test_hs_codes_compare_at_six_digits_or_the_certificates_heading() -> None:
    ten_digits = dragon(classifications=(Classification("HS", "0810.9090.10"),))
    assert check(certificate(lines=(ten_digits, durian()))) == []
    heading = dragon(classifications=(Classification("HS", "0810"),))
    assert check(certificate(lines=(heading, durian()))) == []
    chapter = dragon(classifications=(Classification("HS", "08"),))
    found = check(certificate(lines=(chapter, durian())))
    f = one(found, "phyto.hs_not_covered")
    assert f.blocking and f.field == "lines[0].hs_code" and f.params == {"hs_code": "081090"}
    assert one(found, "phyto.line_not_declared").severity is Severity.WARN


def test_goods_on_the_certificate_only_are_warned_and_missing_goods_blocked() -> None:
    found = check(certificate(lines=(dragon(),)))
    assert codes(found) == ["phyto.hs_not_covered"] and found[0].field == "lines[1].hs_code"
    mango = dragon(classifications=(Classification("HS", "080450"), Classification("IPPCPCC", None, "Fruits")))
    found = check(certificate(lines=(dragon(), durian(), mango)))
    f = one(found, "phyto.line_not_declared")
    assert f.element is not None and f.element.endswith("IncludedSPSTradeLineItem[3]")
    assert codes(check(certificate(lines=()))) == ["phyto.no_lines"]


def test_quantities_within_two_percent() -> None:
    assert check(certificate(lines=(dragon(net_weight=Measure(Decimal("18300"), "KGM")), durian()))) == []
    f = one(
        check(certificate(lines=(dragon(net_weight=Measure(Decimal("18500"), "KGM")), durian()))),
        "phyto.net_weight_mismatch",
    )
    assert f.blocking and f.field == "lines[0].net_kg"
    assert f.params == {"declared": "18000", "certificate": "18500", "tolerance": "2"}
    wide = check(
        certificate(lines=(dragon(net_weight=Measure(Decimal("18500"), "KGM")), durian())), tolerance=Decimal("0.05")
    )
    assert wide == []
    f = one(
        check(certificate(lines=(dragon(gross_weight=Measure(Decimal("25"), "TNE")), durian()))),
        "phyto.gross_weight_mismatch",
    )
    assert f.severity is Severity.WARN and f.params["certificate"] == "25000"
    f = one(
        check(certificate(lines=(dragon(packages=(Package(1, "CT", Decimal(1100)),)), durian()))),
        "phyto.packages_mismatch",
    )
    assert f.severity is Severity.WARN and f.params["declared"] == "1000" and f.params["certificate"] == "1100"


def test_quantities_in_odd_units_or_missing_are_warned() -> None:
    f = one(
        check(certificate(lines=(dragon(net_weight=Measure(Decimal(18), "LTR")), durian()))),
        "phyto.weight_unit_unknown",
    )
    assert f.severity is Severity.WARN and f.params == {"unit": "LTR"}
    f = one(check(certificate(lines=(dragon(gross_weight=None), durian()))), "phyto.quantity_missing")
    assert f.severity is Severity.WARN and f.field == "lines[0].gross_kg"
    assert check(certificate(lines=(dragon(net_weight=Measure(Decimal(18000))), durian()))) == []  # no unit: kg


def test_outer_packages_count_and_lines_group_by_goods() -> None:
    bags = dragon(packages=(Package(1, "BG", Decimal(1000)), Package(2, "BX", Decimal(20))))
    assert check(certificate(lines=(bags, durian()))) == []
    # two declared lines of dragon fruit from two orchards, one certificate line for both
    two = shipment([fruit_line(net_kg="9000", gross_kg="9750", packages=500)] * 2)
    found = check(certificate(lines=(dragon(),)), two)
    assert found == []
    found = check(certificate(lines=(dragon(net_weight=Measure(Decimal(9000), "KGM")),)), two)
    assert one(found, "phyto.net_weight_mismatch").params["declared"] == "18000"


def test_treatment_required_by_a_published_table() -> None:
    assert check(treatment_required={}) == []
    f = one(check(treatment_required={"0810.60": []}), "phyto.treatment_missing")
    assert f.blocking and f.field == "lines[1].hs_code" and f.params == {"hs_code": "081060", "treatments": "*"}
    nothing_said = durian(treatments=(Treatment(types=("ZZZ",)),))
    assert codes(check(certificate(lines=(dragon(), nothing_said)), treatment_required={"081060": []})) == [
        "phyto.treatment_missing"
    ]
    heat = Treatment(types=("VHT",), temperature=Measure(Decimal("46.5"), "CEL"), ended_on=date(2026, 5, 31))
    assert (
        check(certificate(lines=(dragon(), durian(treatments=(heat,)))), treatment_required={"081060": ["vht"]}) == []
    )
    fumigation = Treatment(types=("CHT",), chemicals=("238",), ended_on=date(2026, 5, 30))
    found = check(
        certificate(lines=(dragon(), durian(treatments=(fumigation,)))), treatment_required={"081060": ["VHT"]}
    )
    assert codes(found) == ["phyto.treatment_missing"] and found[0].params["treatments"] == "VHT"


def test_a_treatment_after_issue_is_warned() -> None:
    late = Treatment(types=("VHT",), ended_on=date(2026, 6, 3))
    f = one(check(certificate(lines=(dragon(), durian(treatments=(late,))))), "phyto.treatment_after_issue")
    assert f.severity is Severity.WARN and f.params == {"ended": "2026-06-03", "issued": "2026-06-01"}


def test_registry_codes_must_be_active_and_on_the_certificate() -> None:
    suspended = shipment([fruit_line(), durian_line(planting_area_code="VN-TGOR-0009")])
    found = check(certificate(lines=(dragon(), durian(planting_area_codes=("VN-TGOR-0009",)))), suspended)
    f = one(found, "phyto.planting_area_inactive")
    assert f.blocking and f.field == "lines[1].planting_area_code" and f.params == {"code": "VN-TGOR-0009"}

    f = one(
        check(certificate(lines=(dragon(packing_house_codes=("VN-BTPH-018",)), durian()))),
        "phyto.packing_house_mismatch",
    )
    assert f.blocking and f.params == {"declared": "VN-BTPH-017", "certificate": "VN-BTPH-018"}
    # the certificate's own code is not registered either
    found = check(certificate(lines=(dragon(packing_house_codes=("VN-BTPH-018",)), durian())))
    assert codes(found) == ["phyto.packing_house_mismatch", "phyto.packing_house_inactive"]
    assert found[1].field is None and found[1].element is not None

    f = one(check(certificate(lines=(dragon(planting_area_codes=()), durian()))), "phyto.planting_area_not_certified")
    assert f.severity is Severity.WARN and f.params == {"code": "VN-BTOR-0102"}


def test_everything_wrong_at_once_blocking_first_and_every_message_fills() -> None:
    cert = certificate(
        id="X-1",
        type_code="861",
        status_code="1",
        consignee=Party("Other Co", "LA"),
        lines=(
            dragon(net_weight=Measure(Decimal(1), "KGM"), gross_weight=None, planting_area_codes=("VN-XXOR-0001",)),
            durian(classifications=(Classification("HS", "0804"),), net_weight=Measure(Decimal(1), "LBS")),
        ),
    )
    found = check(cert, now=ISSUED + timedelta(days=30), exporter_name="Z", exporter_country="TH")
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=lambda s: s is not Severity.BLOCK)
    assert {f.code for f in found} >= {
        "phyto.number_mismatch",
        "phyto.wrong_type",
        "phyto.status_unexpected",
        "phyto.expired",
        "phyto.consignee_mismatch",
        "phyto.consignee_country_mismatch",
        "phyto.consignor_mismatch",
        "phyto.export_country_mismatch",
        "phyto.hs_not_covered",
        "phyto.line_not_declared",
        "phyto.net_weight_mismatch",
        "phyto.quantity_missing",
        "phyto.planting_area_mismatch",
        "phyto.planting_area_inactive",
    }
    for f in found:
        assert f.code in FINDING_CODES
        for lang in ("vi", "zh", "en"):
            template = i18n.CATALOG[f.code][lang]
            needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert needed <= set(f.params), (f.code, needed, f.params)
            assert "{" not in i18n.render(f.code, lang, f.params)


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_every_finding_code_has_three_languages(code: str) -> None:
    texts = i18n.CATALOG[code]
    assert all(texts[lang].strip() for lang in ("vi", "zh", "en"))


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        check(now=datetime(2026, 6, 2, 10, 0))
    assert info.value.code == "time.naive" and info.value.field == "now"


def test_a_part_of_a_split_consignment_is_weighed_with_its_consignment() -> None:
    whole = shipment()  # 18,000 kg of dragon fruit and 9,000 kg of durian, as certified
    first = shipment(
        lines=[fruit_line(net_kg="10000", gross_kg="10800", packages=560), durian_line()],
        shipment_id="s2",
        part_of="s1",
    )
    second = shipment(
        lines=[fruit_line(net_kg="8000", gross_kg="8700.5", packages=440)], shipment_id="s3", part_of="s1"
    )
    # Each part alone is far from the certificate's figures; compared with its consignment, a correct split is clean.
    assert "phyto.net_weight_mismatch" in codes(check(ship=first))
    assert check(ship=first, consignment=whole) == []
    assert check(ship=second, consignment=whole) == []  # the durian is on the other truck, not undeclared


def test_a_wrong_split_consignment_is_named_with_its_figures() -> None:
    whole = shipment(lines=[fruit_line(net_kg="20000", gross_kg="21500"), durian_line()])  # 2,000 kg too many
    part = shipment(lines=[fruit_line(net_kg="12000", gross_kg="12900")], shipment_id="s2", part_of="s1")
    found = check(ship=part, consignment=whole)
    assert codes(found) == ["phyto.net_weight_mismatch", "phyto.gross_weight_mismatch"]
    f = one(found, "phyto.net_weight_mismatch")
    assert f.blocking and f.field == "part_of"
    assert f.params == {"declared": "20000", "certificate": "18000", "tolerance": "2", "part": "12000"}
    assert "20000" in i18n.render(f.code, "vi", f.params) and "18000" in i18n.render(f.code, "zh", f.params)
