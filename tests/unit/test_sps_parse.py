"""Reading SPS certificates: the real ePhyto sample, damaged copies of it, a Vietnamese certificate end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau import i18n
from cuakhau.adapters.exchange.sps import MAX_BYTES, parse_sps_certificate, read_sps_certificate
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.quarantine import Measure, Severity, check_certificate
from cuakhau.domain.shipment import Shipment
from tests.fixtures.factories import fruit_line

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ephyto"
SAMPLE = (FIXTURES / "SPSCertificateContent.xml").read_bytes()
VN = (FIXTURES / "vn_dragon_fruit.xml").read_bytes()
NOMENCLATURE = HsNomenclature.load_default()
DOC = "/SPSCertificate/SPSExchangedDocument"
LINES = "/SPSCertificate/SPSConsignment/IncludedSPSConsignmentItem/IncludedSPSTradeLineItem"


def refused(xml: bytes | str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_sps_certificate(xml)
    err = info.value
    assert err.field is not None and err.field.startswith("/")
    for lang in ("vi", "zh", "en"):  # the message names the element in every language (size: refused unread)
        text = i18n.render(err.code, lang, err.params)
        assert err.code == "phyto.too_large" or str(err.params["element"]) in text
        assert "{" not in text.replace("{urn", "")  # every placeholder filled (a namespace may show)
        if lang != "en" and len(err.params.get("reason", "")) > 5:  # the parser's English never shows
            assert err.params["reason"] not in text
    if err.params.get("problem"):
        assert f"phyto.problem.{err.params['problem']}" in i18n.CATALOG
    return err


def damaged(old: bytes, new: bytes, count: int = 1) -> bytes:
    assert SAMPLE.count(old) >= count, old
    return SAMPLE.replace(old, new, count)


# --- the real sample --------------------------------------------------------------------------------------------


def test_the_real_sample_parses_with_its_values() -> None:
    cert = parse_sps_certificate(SAMPLE)
    assert (cert.id, cert.type_code, cert.status_code) == ("123ABC", "851", "70")
    assert cert.type_name == "phytosanitary certificate"
    assert cert.issued_at == datetime(2016, 4, 22, 16, 53, 8, tzinfo=UTC)
    assert cert.issued_at.utcoffset() == timedelta(hours=-3)  # kept in the issuer's own offset
    assert cert.issuer == "Servicio Nacional de Sanidad y Calida Agroalimentaria"
    assert cert.place_of_issue == "La Plata, Buenos Aires" and cert.signatory == "Miguel Perrerra"
    assert cert.consignor.name == "Juan Perez" and cert.consignor.identifier == "98543210"
    assert cert.consignor.address == ("El trébol 853", "Brandsen, Buenos Aires, Argentina")
    assert cert.consignee.name == "Importer SA" and cert.consignee.country is None
    assert (cert.export_country, cert.import_country, cert.transit_countries) == ("AR", "EC", ("US",))
    assert cert.unloading_location == "USSEA"
    assert cert.seals == ("G2382564",) and cert.containers == ()
    assert [(t.mode_code, t.identifier, t.means) for t in cert.transport] == [
        ("3", None, None),
        ("1", "Voyage N° 18", "Ocean Vessel: Black Pearl"),
    ]
    assert [d.text for d in cert.additional_declarations][2] == (
        "The shipment was lab tested and found free of Agrilus planipennis"
    )
    assert [n.subject for n in cert.notes][:3] == ["SPSFL", "ADEDL", "ADEDL"]
    assert [r.filename for r in cert.referenced_documents] == [
        "TestPdf.pdf",
        "US-F-12345-13467-7N.png",
        "TestJpeg.jpeg",
        "TestGif.gif",
        "TestIngenFiltypeINavn",
        "UkjentFiltype",
    ]


def test_the_sample_lines_packages_and_treatment() -> None:
    first, second = parse_sps_certificate(SAMPLE).lines
    assert first.sequence == 0 and first.hs_codes == ("06029048",)
    assert first.description.startswith("LIVE TREES AND OTHER PLANTS; BULBS, ROOTS AND THE LIKE; CUT FLOWERS AND ORN")
    assert "\n" not in first.description
    assert (first.common_name, first.scientific_name, first.intended_use) == ("Ribes", "Ribes", "Planting")
    assert first.net_weight == Measure(Decimal(10), "KGM") and first.gross_weight == Measure(Decimal(60), "KGM")
    assert first.package_count == Decimal(100)  # 100 bags of 20 cardboard boxes
    assert first.origin_countries == ("AR", "US") and first.origin_places == ("Valles de la RegiónPatagónica",)
    (treatment,) = first.treatments
    assert treatment.types == ("ZZZ", "CHT", "OP") and treatment.chemicals == ("238", "240")
    assert treatment.concentration == Measure(Decimal("2.5"), "KX")
    assert treatment.temperature == Measure(Decimal(32), "CEL")
    assert treatment.duration == Measure(Decimal(3), "HUR")
    assert treatment.started_on == treatment.ended_on == date(2016, 4, 12)
    assert treatment.recorded
    assert len(first.additional_declarations) == 4
    # the second line is as sparse as real ones get: an HS system with no code, no weights, an empty treatment
    assert second.sequence == 1 and second.hs_codes == () and second.net_weight is None
    assert not second.treatments[0].recorded and second.package_count is None


def test_the_sample_parses_from_text_too() -> None:
    assert parse_sps_certificate(SAMPLE.decode("utf-8")) == parse_sps_certificate(SAMPLE)


def test_the_sample_checks_against_a_matching_declaration() -> None:
    cert = parse_sps_certificate(SAMPLE)
    ship = Shipment.create(
        NOMENCLATURE,
        shipment_id="s-ar",
        exporter_id="e-ar",
        consignee_name="IMPORTER S.A.",
        consignee_country="EC",
        phytosanitary_certificate_no="123ABC",
        lines=[
            fruit_line(
                hs_code="0602.90",
                description="Ribes alpinum 'Schmidt'",
                net_kg="10",
                gross_kg="60",
                packages=100,
                perishability=None,
                planting_area_code=None,
                packing_house_code=None,
            )
        ],
    )
    found = check_certificate(
        cert, ship, registry_is_active=lambda kind, code: False, now=datetime(2016, 4, 25, tzinfo=UTC)
    )
    # its second line gives no HS code: covered by nothing declared, so only a warning
    assert [(f.code, f.severity) for f in found] == [("phyto.line_not_declared", Severity.WARN)]
    assert found[0].element is not None and found[0].element.endswith("IncludedSPSTradeLineItem[2]")


# --- damaged copies ---------------------------------------------------------------------------------------------


def test_a_truncated_file_names_the_open_element() -> None:
    cut = SAMPLE.index(b'<ns1:NetWeightMeasure unitCode="KGM">10') + 40
    err = refused(SAMPLE[:cut])
    assert err.code == "phyto.unparseable"
    assert err.field == LINES + "/NetWeightMeasure" and err.params["element"] == "NetWeightMeasure"
    assert err.params["line"] > 1
    half = refused(SAMPLE[: len(SAMPLE) // 2])
    assert half.code == "phyto.unparseable" and half.field is not None and half.field.startswith("/SPSCertificate/")


def test_a_missing_or_empty_certificate_id() -> None:
    err = refused(damaged(b"<ns1:ID>123ABC</ns1:ID>", b""))
    assert (err.code, err.field, err.params["element"]) == ("phyto.element_missing", f"{DOC}/ID", "ID")
    err = refused(damaged(b"<ns1:ID>123ABC</ns1:ID>", b"<ns1:ID>  </ns1:ID>"))
    assert err.code == "phyto.element_missing" and err.field == f"{DOC}/ID" and "empty" in err.params["reason"]


@pytest.mark.parametrize(
    "bad",
    [b"2016-04-31T13:53:08-03:00", b"22/04/2016 13:53", b"2016-04-22T13:53:08", b"2016-04-22"],
)
def test_a_bad_or_naive_issue_date(bad: bytes) -> None:
    err = refused(damaged(b"<ns2:DateTimeString>2016-04-22T13:53:08-03:00<", b"<ns2:DateTimeString>" + bad + b"<"))
    assert err.code == "phyto.bad_datetime"
    assert err.field == f"{DOC}/IssueDateTime/DateTimeString" and err.params["element"] == "DateTimeString"


def test_a_bad_treatment_date() -> None:
    err = refused(damaged(b">2016-04-12</ns2:DateTimeString>", b">12.04.16</ns2:DateTimeString>"))
    assert err.code == "phyto.bad_datetime"
    assert err.field == LINES + "[1]/AppliedSPSProcess/CompletionSPSPeriod/StartDateTime/DateTimeString"


@pytest.mark.parametrize("bad", [b"10,5 kg", b"ten", b"-10", b"NaN", b"Infinity", b"1E+999999999", b"1" * 31])
def test_a_bad_weight_number(bad: bytes) -> None:
    err = refused(
        damaged(b'<ns1:NetWeightMeasure unitCode="KGM">10<', b'<ns1:NetWeightMeasure unitCode="KGM">' + bad + b"<")
    )
    assert err.code == "phyto.bad_number"
    assert err.field == LINES + "[1]/NetWeightMeasure" and err.params["element"] == "NetWeightMeasure"


def test_a_bad_package_quantity() -> None:
    err = refused(damaged(b"<ns1:ItemQuantity>20.0000<", b"<ns1:ItemQuantity>twenty<"))
    assert err.code == "phyto.bad_number" and err.field == LINES + "[1]/PhysicalSPSPackage[2]/ItemQuantity"


def test_a_missing_consignee() -> None:
    start = SAMPLE.index(b"<ns1:ConsigneeSPSParty>")
    end = SAMPLE.index(b"</ns1:ConsigneeSPSParty>") + len(b"</ns1:ConsigneeSPSParty>")
    err = refused(SAMPLE[:start] + SAMPLE[end:])
    assert err.code == "phyto.element_missing"
    assert err.field == "/SPSCertificate/SPSConsignment/ConsigneeSPSParty"
    err = refused(damaged(b"<ns1:Name>Importer SA</ns1:Name>", b"<ns1:Name/>"))
    assert err.field == "/SPSCertificate/SPSConsignment/ConsigneeSPSParty/Name"


def test_the_wrong_root_element() -> None:
    other = SAMPLE.replace(b"ns0:SPSCertificate ", b"ns0:SPSAcknowledgement ").replace(
        b"</ns0:SPSCertificate>", b"</ns0:SPSAcknowledgement>"
    )
    err = refused(other)
    assert (err.code, err.field, err.params["element"]) == (
        "phyto.wrong_root",
        "/SPSAcknowledgement",
        "SPSAcknowledgement",
    )


def test_mismatched_tags_name_the_element() -> None:
    err = refused(damaged(b"<ns1:ScientificName>Ribes</ns1:ScientificName>", b"<ns1:ScientificName>Ribes</ns1:Name>"))
    assert err.code == "phyto.unparseable" and err.params["element"] == "ScientificName"
    assert err.field == LINES + "/ScientificName" and "mismatched tag" in err.params["reason"]


BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE SPSCertificate [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    + b"]>\n<SPSCertificate>&lol9;</SPSCertificate>"
)


def test_an_entity_bomb_is_refused_before_expansion() -> None:
    err = refused(BOMB)
    assert err.code == "phyto.forbidden_xml" and err.params["element"] == "!DOCTYPE"


def test_an_external_entity_is_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><SPSCertificate>&e;</SPSCertificate>'
    assert refused(xxe).code == "phyto.forbidden_xml"
    doctype_in_sample = SAMPLE.replace(b"?>\n", b'?>\n<!DOCTYPE SPSCertificate SYSTEM "http://127.0.0.1/x.dtd">\n', 1)
    assert refused(doctype_in_sample).code == "phyto.forbidden_xml"


@pytest.mark.parametrize("empty", [b"", b"   \n", ""])
def test_an_empty_file(empty: bytes | str) -> None:
    err = refused(empty)
    assert (err.code, err.field, err.params["reason"]) == ("phyto.unparseable", "/SPSCertificate", "empty document")


def test_not_xml_and_unbound_prefixes() -> None:
    assert refused(b'{"certificate": "123ABC"}').code == "phyto.unparseable"
    err = refused(damaged(b"<ns1:CommonName>Ribes</ns1:CommonName>", b"<ns9:CommonName>Ribes</ns9:CommonName>"))
    assert err.code == "phyto.unparseable" and "unbound prefix" in err.params["reason"]


def test_an_unknown_encoding_names_the_declaration() -> None:
    err = refused(damaged(b'encoding="UTF-8"', b'encoding="ATF-8"'))
    assert (err.code, err.field, err.params["element"]) == ("phyto.unparseable", "/", "?xml")
    assert "ATF-8" in err.params["reason"]


def test_too_large_is_refused_unread() -> None:
    assert refused(b" " * (MAX_BYTES + 1)).code == "phyto.too_large"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=SAMPLE.rindex(b">")))
def test_any_truncation_is_refused_with_a_path(cut: int) -> None:
    refused(SAMPLE[:cut])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(SAMPLE) - 1), st.integers(min_value=0, max_value=255))
def test_any_damaged_byte_parses_or_is_refused_cleanly(position: int, value: int) -> None:
    broken = SAMPLE[:position] + bytes([value]) + SAMPLE[position + 1 :]
    try:
        parse_sps_certificate(broken)
    except InvalidInput as err:
        assert err.field is not None and err.code.startswith("phyto.")


# --- a Vietnamese certificate, parsed and checked -----------------------------------------------------------------

ACTIVE = {("planting_area", "VN-BTOR-0102"), ("packing_house", "VN-BTPH-017")}


def declared(**over: Any) -> Shipment:
    kwargs: dict[str, Any] = {
        "shipment_id": "s-vn",
        "exporter_id": "e-vn",
        "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司",
        "consignee_country": "CN",
        "phytosanitary_certificate_no": "VN-PC-2026-001234",
        "lines": [fruit_line()],
    }
    kwargs.update(over)
    return Shipment.create(NOMENCLATURE, **kwargs)


def test_the_vietnamese_certificate_reads_back() -> None:
    cert = parse_sps_certificate(VN)
    assert cert.id == "VN-PC-2026-001234" and cert.issued_at.utcoffset() == timedelta(hours=7)
    assert cert.consignor.country == "VN" and cert.consignee.country == "CN"
    assert cert.unloading_location == "CNYYG" and cert.containers == ("CSQU3054383",)
    assert cert.seals == ("VN2026118842",) and cert.transport[0].means == "Truck 86C-123.45"
    (line,) = cert.lines
    assert line.hs_codes == ("081090",) and line.description == "Fresh red-flesh dragon fruit"
    assert line.gross_weight is not None and line.gross_weight.kilograms() == Decimal("19500.5")
    assert line.planting_area_codes == ("VN-BTOR-0102",) and line.packing_house_codes == ("VN-BTPH-017",)
    assert line.origin_places == ("Bình Thuận",)


def test_the_vietnamese_certificate_against_a_matching_declaration() -> None:
    found = check_certificate(
        parse_sps_certificate(VN),
        declared(),
        registry_is_active=lambda kind, code: (kind, code) in ACTIVE,
        now=datetime(2026, 6, 2, 9, 0, tzinfo=timezone(timedelta(hours=7))),
        exporter_name="Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận",
        exporter_country="VN",
    )
    assert found == []


def test_the_vietnamese_certificate_against_a_mismatched_declaration() -> None:
    ship = declared(
        consignee_name="东兴市边贸鲜果供应链有限公司",
        phytosanitary_certificate_no="VN-PC-2026-001299",
        lines=[
            fruit_line(net_kg="20000", gross_kg="21500"),
            fruit_line(hs_code="0810.60", description="Sầu riêng", planting_area_code="VN-TGOR-0009"),
        ],
    )
    found = check_certificate(
        parse_sps_certificate(VN),
        ship,
        registry_is_active=lambda kind, code: (kind, code) in ACTIVE,
        now=datetime(2026, 6, 20, tzinfo=UTC),
        treatment_required={"0810.60": []},
    )
    assert sorted((f.code, f.field) for f in found) == sorted(
        [
            ("phyto.number_mismatch", "phytosanitary_certificate_no"),
            ("phyto.expired", None),
            ("phyto.consignee_mismatch", "consignee_name"),
            ("phyto.hs_not_covered", "lines[1].hs_code"),
            ("phyto.net_weight_mismatch", "lines[0].net_kg"),
            ("phyto.gross_weight_mismatch", "lines[0].gross_kg"),
            ("phyto.planting_area_inactive", "lines[1].planting_area_code"),
        ]
    )
    assert all(f.blocking for f in found if f.code != "phyto.gross_weight_mismatch")


# --- required elements removed, syntax broken: the finding names the element, the message is translated -----------


@pytest.mark.parametrize(
    ("old", "path", "position"),
    [
        (b"<ns1:SequenceNumeric>1</ns1:SequenceNumeric>", LINES + "[2]/SequenceNumeric", 1),
        (b"<ns1:SequenceNumeric>0</ns1:SequenceNumeric>", LINES + "[1]/SequenceNumeric", 1),
    ],
)
def test_a_removed_required_element_is_named_at_its_path(old: bytes, path: str, position: int) -> None:
    """The schema's "unexpected child" on the parent becomes a finding naming the element that is missing."""
    _, findings = read_sps_certificate(damaged(old, b""))
    missing = [f for f in findings if f.code == "phyto.schema_element_missing" and f.element == path]
    assert len(missing) == 1, [f.element for f in findings]
    f = missing[0]
    assert f.params["element"] == "SequenceNumeric" and f.params["path"] == path
    assert f.params["position"] == position and f.severity is Severity.WARN
    for lang in ("vi", "zh", "en"):
        text = i18n.render(f.code, lang, f.params)
        assert "SequenceNumeric" in text and path in text and str(position) in text
        assert f.params["reason"] not in text


def test_every_finding_names_its_element_by_one_path_form() -> None:
    """Schema findings and declaration findings alike: a path from the root, as the reader's refusals give."""
    cert, schema = read_sps_certificate(damaged(b"<ns1:SequenceNumeric>1</ns1:SequenceNumeric>", b""))
    shipment = Shipment.create(
        NOMENCLATURE,
        shipment_id="s",
        exporter_id="e",
        consignee_name="Someone Else",
        consignee_country="CN",
        phytosanitary_certificate_no="OTHER-1",
        lines=[fruit_line()],
    )
    declared = check_certificate(
        cert, shipment, registry_is_active=lambda kind, code: False, now=datetime(2026, 4, 25, tzinfo=UTC)
    )
    assert len(declared) >= 4  # number, consignee, expired, lines: each names where it is
    elements = [f.element for f in (*schema, *declared) if f.element is not None]
    assert elements and all(e.startswith("/SPSCertificate/") for e in elements), elements


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (b"<ns1:ScientificName>Ribes</ns1:ScientificName>", b"<ns1:ScientificName>Ribes</ns1:Name>", "mismatched_tag"),
        (b"<ns1:CommonName>Ribes</ns1:CommonName>", b"<ns9:CommonName>Ribes</ns9:CommonName>", "unbound_prefix"),
        (
            b"<ns1:CommonName>Ribes</ns1:CommonName>",
            b"<ns1:CommonName>Ribes & co</ns1:CommonName>",
            "invalid_character",
        ),
        (
            b'<ns1:NetWeightMeasure unitCode="KGM">',
            b'<ns1:NetWeightMeasure unitCode="KGM" unitCode="KGM">',
            "duplicate_attribute",
        ),
        (b"</ns0:SPSCertificate>", b"</ns0:SPSCertificate><extra/>", "after_root"),
        (b'encoding="UTF-8"', b'encoding="ATF-8"', "encoding"),
        (
            b"<ns1:CommonName>Ribes</ns1:CommonName>",
            b"<ns1:CommonName>&nbsp;Ribes</ns1:CommonName>",
            "undefined_entity",
        ),
    ],
)
def test_broken_syntax_is_told_in_the_readers_language(old: bytes, new: bytes, problem: str) -> None:
    err = refused(damaged(old, new))
    assert err.code == "phyto.unparseable" and err.params["problem"] == problem
    assert err.params["path"] == err.field
    for lang in ("vi", "zh", "en"):
        text = i18n.render(err.code, lang, err.params)
        assert i18n.CATALOG[f"phyto.problem.{problem}"][lang] in text and err.field in text


def test_a_cut_file_says_it_was_cut() -> None:
    err = refused(SAMPLE[: SAMPLE.index(b"</ns0:SPSCertificate>")])
    assert err.params["problem"] == "truncated"
    assert "bị cắt cụt" in i18n.render(err.code, "vi", err.params)
