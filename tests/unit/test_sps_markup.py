"""What a certificate may carry (issue 13): markup from other vocabularies is refused before anything is kept; the
ePhyto schema is a guide whose differences are warnings naming the element; user documents go back as downloads
with harmless file names."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cuakhau import i18n
from cuakhau.adapters.exchange.sps import MAX_DEPTH, parse_sps_certificate, read_sps_certificate
from cuakhau.adapters.exchange.sps_schema import MAX_SCHEMA_ELEMENTS, MAX_SCHEMA_FINDINGS
from cuakhau.adapters.web.downloads import SANDBOX_CSP, attachment, content_disposition, safe_filename
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.quarantine import Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ephyto"
SAMPLE = (FIXTURES / "SPSCertificateContent.xml").read_bytes()
VN = (FIXTURES / "vn_dragon_fruit.xml").read_bytes()
DOC = "/SPSCertificate/SPSExchangedDocument"
XHTML = "http://www.w3.org/1999/xhtml"
NAME = b"<ram:Name>PHYTOSANITARY CERTIFICATE</ram:Name>"


def vn(old: bytes, new: bytes) -> bytes:
    assert VN.count(old) == 1, old
    return VN.replace(old, new)


def refused(xml: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_sps_certificate(xml)
    with pytest.raises(InvalidInput):  # the reader the API uses refuses it the same way
        read_sps_certificate(xml)
    err = info.value
    for lang in ("vi", "zh", "en"):
        assert str(err.params["element"]) in i18n.render(err.code, lang, err.params), lang
    return err


# --- markup from other vocabularies ------------------------------------------------------------------------------

SCRIPTS = {
    "xhtml script inside a text element": (
        vn(NAME, b'<ram:Name>PHYTO<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></ram:Name>'),
        f"{DOC}/Name/script",
        "script",
        XHTML,
    ),
    "xhtml script by default namespace": (
        vn(
            b"<rsm:SPSExchangedDocument>",
            b"<rsm:SPSExchangedDocument><script xmlns=\"http://www.w3.org/1999/xhtml\">document.title='pwned'</script>",
        ),
        f"{DOC}/script",
        "script",
        XHTML,
    ),
    "svg with onload": (
        vn(NAME, NAME + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        f"{DOC}/svg",
        "svg",
        "http://www.w3.org/2000/svg",
    ),
    "xinclude": (
        vn(NAME, NAME + b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'),
        f"{DOC}/include",
        "include",
        "http://www.w3.org/2001/XInclude",
    ),
    "an unqualified element": (vn(NAME, NAME + b"<iframe xmlns=''/>"), f"{DOC}/iframe", "iframe", "-"),
    "an event handler attribute": (
        vn(NAME, b'<ram:Name xmlns:h="http://www.w3.org/1999/xhtml" h:onclick="alert(1)">P</ram:Name>'),
        f"{DOC}/Name/@onclick",
        "@onclick",
        XHTML,
    ),
    "an xlink on a certificate element": (
        vn(NAME, b'<ram:Name xmlns:l="http://www.w3.org/1999/xlink" l:href="javascript:alert(1)">P</ram:Name>'),
        f"{DOC}/Name/@href",
        "@href",
        "http://www.w3.org/1999/xlink",
    ),
}


@pytest.mark.parametrize("case", sorted(SCRIPTS))
def test_markup_from_another_vocabulary_is_refused_naming_it(case: str) -> None:
    xml, path, element, namespace = SCRIPTS[case]
    err = refused(xml)
    assert (err.code, err.field, err.params["element"], err.params["namespace"]) == (
        "phyto.foreign_markup",
        path,
        element,
        namespace,
    )


def test_the_path_counts_same_named_siblings() -> None:
    second_note = b"<ram:Subject>DMPUC</ram:Subject>"
    xml = SAMPLE.replace(
        b"<ns1:Subject>ADEDL</ns1:Subject>", b'<ns1:Subject>ADEDL<b:b xmlns:b="urn:evil">x</b:b></ns1:Subject>', 1
    )
    assert second_note not in xml
    err = refused(xml)
    assert err.field == f"{DOC}/IncludedSPSNote[2]/Subject/b"


def test_a_root_of_the_right_name_in_another_namespace_is_refused() -> None:
    xml = VN.replace(b"rsm:SPSCertificate xmlns:rsm=", b'rsm:SPSCertificate xmlns="http://www.w3.org/1999/xhtml" x=')
    xml = xml.replace(b"<rsm:SPSCertificate", b"<SPSCertificate").replace(
        b"</rsm:SPSCertificate>", b"</SPSCertificate>"
    )
    xml = xml.replace(b"x=", b"xmlns:rsm=", 1)
    err = refused(xml)
    assert (err.code, err.field, err.params["namespace"]) == ("phyto.foreign_markup", "/SPSCertificate", XHTML)


@pytest.mark.parametrize(
    "where",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="data:text/xsl,x"?>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n<?php echo 1; ?>',
    ],
)
def test_a_processing_instruction_is_refused(where: bytes) -> None:
    err = refused(vn(b'<?xml version="1.0" encoding="UTF-8"?>', where))
    assert err.code == "phyto.forbidden_xml" and err.field == "/" and err.params["element"].startswith("?")
    inside = refused(vn(NAME, NAME + b'<?xml-stylesheet href="x.xsl"?>'))
    assert (inside.code, inside.field, inside.params["element"]) == ("phyto.forbidden_xml", DOC, "?xml-stylesheet")


def test_nesting_deeper_than_the_limit_is_refused_while_reading() -> None:
    deep = b"<ram:Note>" * MAX_DEPTH + b"x" + b"</ram:Note>" * MAX_DEPTH
    err = refused(vn(NAME, NAME + deep))
    assert err.code == "phyto.too_deep" and err.params["max"] == MAX_DEPTH
    assert err.field is not None and err.field.startswith(f"{DOC}/Note/Note/")


def test_what_certificates_really_use_is_accepted() -> None:
    hints = vn(
        b'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21">',
        b'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xmlns:qdt="urn:un:unece:uncefact:data:Standard:QualifiedDataType:21" '
        b'xsi:schemaLocation="urn:un:unece:uncefact:data:standard:SPSCertificate:17 http://127.0.0.1:9/x.xsd" '
        b'xml:lang="vi">',
    )
    started = time.monotonic()
    cert, _ = read_sps_certificate(hints)  # the location hint is never followed (nothing listens on port 9)
    assert cert.id == "VN-PC-2026-001234" and time.monotonic() - started < 5
    assert parse_sps_certificate(SAMPLE).id == "123ABC"


# --- the ePhyto schema: differences are warnings that name the element --------------------------------------------


def test_the_messy_real_sample_is_accepted_with_schema_warnings_naming_each_element() -> None:
    cert, findings = read_sps_certificate(SAMPLE)
    assert cert == parse_sps_certificate(SAMPLE)
    assert findings and all(f.severity is Severity.WARN for f in findings)
    assert {f.code for f in findings} == {"phyto.schema_mismatch", "phyto.schema_element_missing"}
    assert all(f.element == f.params["path"] and f.element.startswith("/SPSCertificate/") for f in findings)
    by_element = {f.element: f for f in findings}
    seal = by_element["/SPSCertificate/SPSConsignment/UtilizedSPSTransportEquipment/AffixedSPSSeal/ID"]
    assert seal.params["path"] == "/SPSCertificate/SPSConsignment/UtilizedSPSTransportEquipment/AffixedSPSSeal/ID"
    assert seal.params["element"] == "ID"
    means = by_element["/SPSCertificate/SPSConsignment/MainCarriageSPSTransportMovement[2]/UsedSPSTransportMeans/Name"]
    assert "languageID" in means.params["reason"]
    for f in findings:  # the reason is readable: no Clark names, no schema prefixes
        assert "{" not in f.params["reason"] and ":" not in f.params["reason"]
        for lang in ("vi", "zh", "en"):
            text = i18n.render(f.code, lang, f.params)
            assert f.params["element"] in text and f.params["path"] in text
            assert f.params["reason"] not in text and "{" not in text  # xmlschema's English is never shown


def test_an_unknown_certificate_element_is_a_warning_at_its_path() -> None:
    _, before = read_sps_certificate(VN)
    _, after = read_sps_certificate(vn(NAME, NAME + b"<ram:Colour>red</ram:Colour>"))
    (new,) = [f for f in after if f not in before]
    assert new.code == "phyto.schema_mismatch" and new.severity is Severity.WARN
    assert new.element == f"{DOC}/Colour" and new.params["path"] == f"{DOC}/Colour"
    assert new.params["problem"] == "unexpected_child"
    assert new.params["reason"] == "Unexpected child with tag 'Colour' at position 2. Tag 'TypeCode' expected."


def test_the_schema_findings_are_bounded() -> None:
    many = vn(NAME, NAME + b"<ram:Colour>red</ram:Colour>" * (MAX_SCHEMA_FINDINGS * 3))
    _, findings = read_sps_certificate(many)
    assert len(findings) == MAX_SCHEMA_FINDINGS + 1
    assert findings[-1].code == "phyto.schema_truncated" and findings[-1].params == {"max": MAX_SCHEMA_FINDINGS}
    assert all(f.code == "phyto.schema_mismatch" for f in findings[:-1])
    huge = vn(NAME, NAME + b"<ram:Colour>red</ram:Colour>" * MAX_SCHEMA_ELEMENTS)
    started = time.monotonic()
    cert, (skipped,) = read_sps_certificate(huge)
    assert skipped.code == "phyto.schema_skipped" and skipped.params["max"] == MAX_SCHEMA_ELEMENTS
    assert cert.id == "VN-PC-2026-001234" and time.monotonic() - started < 10


# --- user documents go back as downloads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("VN-PC-2026-001234", "phyto-certificate-VN-PC-2026-001234.xml"),
        ('../../etc/passwd"; x=1', "phyto-certificate-etc_passwd_x_1.xml"),
        ("\x00\r\nX-Evil: 1", "phyto-certificate-X-Evil_1.xml"),
        ("CHỨNG THƯ 植检/001", "phyto-certificate-CHỨNG_THƯ_植检_001.xml"),
        ("...", "phyto-certificate.xml"),
        (None, "phyto-certificate.xml"),
    ],
)
def test_a_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, "phyto-certificate", ".xml") == expected


def test_the_content_disposition_has_an_ascii_name_and_the_exact_one() -> None:
    header = content_disposition("phyto-certificate-CHỨNG_THƯ_植检_001.xml")
    assert header.startswith("attachment; ")
    assert 'filename="phyto-certificate-CHUNG_THU__001.xml"' in header
    assert "filename*=UTF-8''phyto-certificate-CH%E1%BB%A8NG_TH%C6%AF_%E6%A4%8D%E6%A3%80_001.xml" in header
    header.encode("ascii")  # a header value a server can send


def test_an_attachment_response_has_the_document_headers() -> None:
    r = attachment("<x>é</x>", filename="a.xml", media_type="application/xml")
    assert r.body == "<x>é</x>".encode()
    assert r.headers["content-type"] == "application/xml; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="a.xml"')
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == SANDBOX_CSP == "sandbox; default-src 'none'"
