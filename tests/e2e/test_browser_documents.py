"""A certificate carrying a script never runs in an officer's browser (issue 13), shown in Debian's Chromium driven
by Playwright against a real ``cuakhau serve`` process on a small demo database.

- An exporter, logged in through the login page, tries to hand in a certificate carrying an XHTML ``script`` (and
  one carrying an ``xml-stylesheet``): both are refused with a 422 naming the element, and nothing is kept.
- A certificate kept before the fix — written straight into the database, script included — is opened by a
  logged-in quarantine officer who navigates to its URL: it arrives as a download, and its script (which would
  set ``document.title``, write to the app origin's ``localStorage`` and ``fetch`` a marker URL) has no effect.

The browser is never downloaded: without ``/usr/bin/chromium`` these tests skip, and under
``CUAKHAU_REQUIRE_SERVICES=1`` (CI) they fail.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.quarantine import CertificateCheck
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo

pytestmark = pytest.mark.e2e

PASSWORD = "cuakhau-demo-2026"  # the demo accounts' published password (DEMO ONLY)
VN_CERT = (Path(__file__).resolve().parents[1] / "fixtures" / "ephyto" / "vn_dragon_fruit.xml").read_text("utf-8")
NAME = "<ram:Name>PHYTOSANITARY CERTIFICATE</ram:Name>"
MARKER = "/xss-marker"
PAYLOAD = (
    "document.title = 'pwned'; window.pwned = true;"
    " try { localStorage.setItem('pwned', '1') } catch (e) {}"
    f" fetch('{MARKER}?cookie=' + encodeURIComponent(document.cookie)).catch(function () {{}});"
)
SCRIPT = f'<x:script xmlns:x="http://www.w3.org/1999/xhtml">{PAYLOAD}</x:script>'
WITH_SCRIPT = VN_CERT.replace(NAME, NAME + SCRIPT)
STYLESHEET = VN_CERT.replace("?>", '?>\n<?xml-stylesheet type="text/xsl" href="/evil.xsl"?>', 1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A small demo database with a certificate stored before the fix, and a server on it."""
    require_chromium()
    work = tmp_path_factory.mktemp("documents")
    url = seed_demo(work, 20)
    platform = bootstrap(Settings(database_url=url))
    try:
        with platform.engine.connect() as conn:
            shipment_id = conn.execute(
                text(
                    "select s.id from shipments s join accounts a on a.enterprise_id = s.exporter_id"
                    " where a.username = 'demo-exporter' limit 1"
                )
            ).scalar_one()
        ctx = platform.context
        old = CertificateCheck(
            id=uuid.uuid4().hex,
            shipment_id=str(shipment_id),
            certificate_id="VN-PC-2026-001234",
            document_sha256=hashlib.sha256(WITH_SCRIPT.encode()).hexdigest(),
            findings=(),
            checked_at=ctx.clock.now(),
            checked_by="kept-before-the-fix",
        )
        with ctx.uow() as uow:  # as the old reader kept it: script and all
            uow.inspections.add_check(old, WITH_SCRIPT)
            uow.commit()
    finally:
        platform.close()
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield {"base": f"http://127.0.0.1:{port}", "shipment_id": str(shipment_id), "old_check": old.id}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.url


def post_certificate(page: Any, shipment_id: str, document: str) -> dict[str, Any]:
    """Hand in a certificate from the logged-in page, as a script on it would (session cookie, same origin)."""
    script = """async ([url, body]) => {
        const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body});
        return {status: r.status, body: await r.text()};
    }"""
    url = f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates"
    answer: dict[str, Any] = page.evaluate(script, [url, json.dumps({"document": document})])
    return {"status": answer["status"], "body": json.loads(answer["body"])}


def test_an_exporter_cannot_hand_in_a_certificate_carrying_a_script(served: dict[str, str], browser: Any) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    login(page, served["base"], "demo-exporter")
    shipment_id = served["shipment_id"]
    refused = post_certificate(page, shipment_id, WITH_SCRIPT)
    assert refused["status"] == 422, refused
    error = refused["body"]["error"]
    assert error["code"] == "phyto.foreign_markup"
    assert error["field"] == "/SPSCertificate/SPSExchangedDocument/script" and "script" in error["message"]
    sheet = post_certificate(page, shipment_id, STYLESHEET)
    assert sheet["status"] == 422 and sheet["body"]["error"]["code"] == "phyto.forbidden_xml", sheet
    listed = page.evaluate(
        "url => fetch(url).then(r => r.json())", f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates"
    )
    assert all(c["checked_by"] == "kept-before-the-fix" for c in listed), listed  # nothing new was kept
    assert page.title() != "pwned" and page.evaluate("localStorage.getItem('pwned')") is None
    context.close()


def test_a_stored_script_never_runs_when_an_officer_opens_the_document(
    served: dict[str, str], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    base = served["base"]
    context = browser.new_context(locale="en-GB", accept_downloads=True)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    login(page, base, "demo-quarantine")
    app_title = page.title()
    url = f"{base}/api/v1/phytosanitary-checks/{served['old_check']}/document"

    # the officer's browser navigates to the document, as a link in a page or a pasted URL would make it
    with page.expect_download(timeout=15_000) as info:
        try:
            page.goto(url)
        except PlaywrightError as exc:  # Chromium turns the navigation into a download
            assert "Download is starting" in str(exc) or "net::ERR_ABORTED" in str(exc), exc
    download = info.value
    assert download.suggested_filename == "phyto-certificate-VN-PC-2026-001234.xml"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_text("utf-8") == WITH_SCRIPT  # the record itself is kept exactly

    # the same URL with the officer's cookies: a sandboxed, nosniff attachment
    answer = context.request.get(url)
    assert answer.status == 200
    headers = answer.headers
    assert headers["content-disposition"].startswith('attachment; filename="phyto-certificate-VN-PC-2026-001234.xml"')
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "sandbox; default-src 'none'"

    time.sleep(1.0)  # time enough for a script to have run, had the document been loaded as a page
    assert page.evaluate("window.pwned === undefined")  # the officer's page is still the app's own
    page.goto(f"{base}/waits?lang=en")  # in the app's origin nothing was written
    assert page.evaluate("localStorage.getItem('pwned')") is None
    assert not [u for u in requested if MARKER in u], requested  # and nothing was sent anywhere
    assert "pwned" not in (app_title, page.title())
    context.close()
