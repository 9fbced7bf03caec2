"""A certificate can carry a script that runs as the officer who opens it (issue 13): an exporter's certificate
with markup from another vocabulary is refused and nothing is kept; every certificate, one kept before the fix
included, is handed back only as a sandboxed, nosniff attachment — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from urllib.parse import quote

from cuakhau.domain.accounts import Role
from cuakhau.domain.quarantine import CertificateCheck
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.conftest import RoleClient

GATE = "vn-chi-ma"
VN_CERT = (Path(__file__).resolve().parents[1] / "fixtures" / "ephyto" / "vn_dragon_fruit.xml").read_text("utf-8")
NAME = "<ram:Name>PHYTOSANITARY CERTIFICATE</ram:Name>"
SCRIPT = '<script xmlns="http://www.w3.org/1999/xhtml">document.title = "pwned"; fetch("/marker")</script>'
WITH_SCRIPT = VN_CERT.replace(NAME, NAME + SCRIPT)
DOCUMENT_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "cache-control": "private, no-store",
}


def assert_download(r: object, certificate_id: str) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/xml; charset=utf-8"
    filename = f"phyto-certificate-{certificate_id}.xml"
    assert headers["content-disposition"] == (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    for name, value in DOCUMENT_HEADERS.items():
        assert headers[name] == value, name


def test_an_exporters_certificate_with_a_script_is_refused_and_nothing_is_kept(
    world: World, as_role: RoleClient
) -> None:
    shipment_id = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment()).shipment_id
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    r = exporter.post(
        f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
        json={"document": WITH_SCRIPT},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "phyto.foreign_markup"
    assert err["field"] == "/SPSCertificate/SPSExchangedDocument/script"
    assert "script" in err["message"] and "http://www.w3.org/1999/xhtml" in err["message"]
    assert "không được lưu" in err["message"]
    # also tucked inside a text element, and as a style sheet that would turn the XML into a page
    inside = VN_CERT.replace(NAME, NAME.replace("CERTIFICATE", "CERTIFICATE" + SCRIPT))
    stylesheet = VN_CERT.replace("?>", '?>\n<?xml-stylesheet type="text/xsl" href="/evil.xsl"?>', 1)
    for document, code in ((inside, "phyto.foreign_markup"), (stylesheet, "phyto.forbidden_xml")):
        r = exporter.post(f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates", json={"document": document})
        assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
    assert exporter.get(f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates").json() == []


def test_a_certificate_comes_back_as_a_sandboxed_download_with_its_schema_warnings(
    world: World, as_role: RoleClient
) -> None:
    shipment_id = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment()).shipment_id
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    r = exporter.post(
        f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
        json={"document": VN_CERT},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 201, r.text
    check = r.json()
    assert not check["blocking"]  # the schema is a guide: its differences warn, they never stop the truck
    schema = [f for f in check["findings"] if f["code"] == "phyto.schema_mismatch"]
    assert schema and all(f["severity"] == "warn" for f in schema)
    seal_path = "/SPSCertificate/SPSConsignment/UtilizedSPSTransportEquipment/AffixedSPSSeal/ID"
    seal = next(f for f in schema if f["element"] == seal_path)
    assert seal["params"]["path"] == seal["element"] and "ePhyto" in seal["message"]
    assert seal["params"]["reason"] not in seal["message"]  # translated: never xmlschema's English

    officer = as_role(Role.QUARANTINE_OFFICER, gates=[GATE])
    for reader in (officer, exporter):
        doc = reader.get(f"/api/v1/phytosanitary-checks/{check['id']}/document")
        assert_download(doc, "VN-PC-2026-001234")
        assert doc.text == VN_CERT  # exactly as handed in


def test_a_document_kept_before_the_fix_is_served_as_a_download_too(
    world: World, ctx: ServiceContext, as_role: RoleClient
) -> None:
    """A certificate stored by the old reader, script included, must not become a page in the officer's browser."""
    shipment_id = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment()).shipment_id
    check = CertificateCheck(
        id=uuid.uuid4().hex,
        shipment_id=shipment_id,
        certificate_id='VN/PC "2026"\r\n<script>',
        document_sha256=hashlib.sha256(WITH_SCRIPT.encode()).hexdigest(),
        findings=(),
        checked_at=ctx.clock.now(),
        checked_by="exporter-old",
    )
    with ctx.uow() as uow:
        uow.inspections.add_check(check, WITH_SCRIPT)
        uow.commit()
    officer = as_role(Role.QUARANTINE_OFFICER, gates=[GATE])
    doc = officer.get(f"/api/v1/phytosanitary-checks/{check.id}/document")
    assert_download(doc, "VN_PC_2026_script")  # the user's number, with nothing a header or a path could abuse
    assert doc.text == WITH_SCRIPT
