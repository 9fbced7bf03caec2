"""The pages under their Content-Security-Policy in a real browser (Debian's Chromium driven by Playwright) against
a real ``cuakhau serve`` process on a seeded demo database.

The public (login, the wait board, the API docs), an exporter (portal, declare form with its HS lookup, a trip) and
a customs officer (the live dashboard) use the pages; the test fails on any CSP violation the browser reports
(``securitypolicyviolation`` events and "Refused to …" console messages) and on any request to an origin other
than the server's own on 127.0.0.1. Each page must also still work: the lookup fills the line, the dashboard goes
live and draws its chart, the API docs render their operations. A last check proves the detector is not deaf: an
inline script injected into a page is refused, and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import ARTIFACTS, login, shot

pytestmark = pytest.mark.e2e

GATE = "vn-huu-nghi"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
# Runs in every page before its own scripts (Playwright injects it outside the page's CSP).
REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber].join(" "));
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("csp")
    url = seed_demo(work, 60)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


class Watch:
    """A browser context that records CSP violations, refusals in the console and requests to other origins."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = urlsplit(base)
        self.violations: list[str] = []
        self.refusals: list[str] = []
        self.foreign: list[str] = []
        self.requests = 0
        self.context = browser.new_context(locale="en-GB")
        self.context.expose_binding("__cspViolation", lambda _source, text: self.violations.append(text))
        self.context.add_init_script(REPORTER)
        self.context.on("request", self._request)
        self.context.on("console", self._console)

    def _request(self, request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        self.requests += 1
        if (url.scheme, url.hostname, url.port) != (self.base.scheme, "127.0.0.1", self.base.port):
            self.foreign.append(request.url)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to") or "Permissions-Policy" in text:
            self.refusals.append(text)

    def page(self) -> Any:
        return self.context.new_page()

    def assert_clean(self) -> None:
        assert self.requests > 0
        assert self.violations == [], self.violations
        assert self.refusals == [], self.refusals
        assert self.foreign == [], self.foreign

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watch(browser: Any, server: str) -> Iterator[Watch]:
    w = Watch(browser, server)
    try:
        yield w
    finally:
        w.close()


def visit(page: Any, url: str) -> Any:
    response = page.goto(url)
    assert response is not None and response.headers.get("content-security-policy") == PAGE_CSP, url
    assert response.headers.get("x-frame-options") == "DENY" and response.headers.get("x-content-type-options")
    return response


def test_public_pages_and_the_api_docs(server: str, watch: Watch) -> None:
    page = watch.page()
    for path in ("/login", "/waits", "/waits?lang=zh", "/waits?lang=vi"):
        assert visit(page, server + path).status == 200
    assert page.locator("section.pair").count() == 10  # the board: five gate pairs, each way across once
    assert visit(page, server + "/docs").status == 200
    page.wait_for_selector(".opblock", timeout=30_000)  # Swagger UI rendered the operations from /openapi.json
    assert page.locator(".opblock").count() > 30
    page.locator(".opblock-summary").first.click()  # an operation opens
    page.wait_for_selector(".opblock-body", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "docs-csp.png"))  # the top: the page is long
    watch.assert_clean()


def test_an_exporter_in_the_portal(server: str, watch: Watch) -> None:
    page = watch.page()
    login(page, server, "demo-exporter")  # the form posts under form-action 'self' and the Referrer-Policy
    assert page.url.endswith("/portal"), page.url
    visit(page, server + "/portal?lang=en")
    trip = page.locator("a[href^='/portal/trips/']:not([href='/portal/trips/new'])").first.get_attribute("href")
    visit(page, server + "/portal/trips/new")
    page.fill("#lines-0-hs_q", "sầu riêng")  # portal.js fetches the lookup and puts the fragment in the page
    page.click("#hs-results-0 button.pick[data-code='081060']")
    assert page.input_value("#lines-0-hs_code") == "081060"
    assert trip is not None
    visit(page, server + trip)
    assert page.locator("#timeline li").count() >= 1
    assert visit(page, server + "/portal/trips/0123456789abcdef0123456789abcdef").status == 404  # the error page
    # The forms still post (form-action 'self'): the logout form ends the session.
    with page.expect_navigation() as posted:
        page.click("form[action='/logout'] button[type=submit]")
    assert posted.value is not None and posted.value.status < 400, posted.value.status
    visit(page, server + "/portal")
    assert "/login" in page.url, page.url  # logged out
    watch.assert_clean()


def test_an_officer_on_the_live_dashboard(server: str, watch: Watch) -> None:
    page = watch.page()
    login(page, server, "demo-customs")
    visit(page, f"{server}/gates/{GATE}/dashboard?lang=en")
    page.wait_for_function("() => window.cuakhauDashboard && window.cuakhauDashboard.version >= 0")  # the event stream
    assert page.locator("#live").get_attribute("data-state") == "live"
    watch.assert_clean()
    bars = page.locator("#sec-throughput svg.bars rect")
    assert bars.count() >= 12  # the chart, drawn without inline styles
    assert page.locator("#sec-throughput svg.bars").first.bounding_box()["height"] > 40
    shot(page, "dashboard-csp")

    # The detector is not deaf: an inline script put into the page is refused, does not run, and is reported.
    ran = page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); return window.__ran; }"
    )
    assert ran is None
    page.wait_for_timeout(300)
    assert any(v.startswith("script-src") and "inline" in v for v in watch.violations), watch.violations


def test_the_event_stream_and_json_carry_the_api_policy(server: str, watch: Watch) -> None:
    page = watch.page()
    login(page, server, "demo-customs")
    headers = page.evaluate(
        """async (url) => {
             const ctl = new AbortController();
             const r = await fetch(url, {signal: ctl.signal});
             const h = Object.fromEntries(r.headers.entries());
             ctl.abort();
             return h;
           }""",
        f"/gates/{GATE}/dashboard/events",
    )
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["x-content-type-options"] == "nosniff"
    snapshot = page.evaluate(
        "(url) => fetch(url).then(r => [r.status, r.headers.get('content-security-policy')])",
        f"/gates/{GATE}/dashboard.json",
    )
    assert snapshot == [200, "default-src 'none'; frame-ancestors 'none'"]
    # fetch() (cors mode) sends our Origin whatever the referrer policy: the API's Origin check lets it through.
    status = page.evaluate("() => fetch('/api/v1/auth/logout', {method: 'POST'}).then(r => r.status)")
    assert status == 204
    watch.assert_clean()
