"""The pages in a real browser (Debian's Chromium driven by Playwright) against a real ``cuakhau serve`` process on
a seeded demo database: the public board and the language switch, an exporter who logs in, declares a trip
(finding the HS code by its Vietnamese name) and books it, and an officer's dashboard that changes live when a
device event or a transition arrives — and then equals a fresh load. A screenshot of each page is saved in
``artifacts/screenshots/`` (``CUAKHAU_ARTIFACTS`` moves it).

The browser is never downloaded: without ``/usr/bin/chromium`` (apt packages chromium, chromium-driver) these
tests skip, and under ``CUAKHAU_REQUIRE_SERVICES=1`` (CI) they fail.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.devices import Checkpoint, PlateRead
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import gate_ops, trips
from cuakhau.services.ports import TripFilter
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("CUAKHAU_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
GATE = "vn-huu-nghi"
PASSWORD = "cuakhau-demo-2026"  # the demo accounts' published password (DEMO ONLY)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A demo database and a server process on it: (base URL, database URL)."""
    require_chromium()
    work = tmp_path_factory.mktemp("browser")
    url = seed_demo(work, 200)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}", url


def shot(page: Any, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


def test_public_board_keyboard_and_language_switch(demo: tuple[str, str], browser: Any) -> None:
    base, _ = demo
    context = browser.new_context(locale="vi-VN", extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    page = context.new_page()
    page.goto(f"{base}/waits")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Thời gian chờ tại cửa khẩu"
    # Keyboard: the first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("section.pair").count() == 10  # five gate pairs, each way across once
    shot(page, "waits-vi")
    page.click("a[hreflang=zh]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").inner_text() == "口岸等待时间"
    page.goto(f"{base}/login")  # the choice is remembered (cookie), over the browser's Accept-Language
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("label[for=username]").inner_text() == "用户名"
    shot(page, "login-zh")
    page.goto(f"{base}/waits?lang=en")
    shot(page, "waits-en")
    body = json.loads(page.evaluate("fetch('/api/v1/public/waits').then(r => r.text())"))
    assert len(body["gates"]) == 10
    huu_nghi = next(g for g in body["gates"] if g["id"] == GATE)
    assert {d["direction"] for d in huu_nghi["directions"]} == {"export", "import"}
    assert huu_nghi["counterpart"]["id"] == "cn-youyiguan"
    context.close()


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_public_board_fits_a_phone(demo: tuple[str, str], browser: Any, language: str) -> None:
    """At 390×844 the board never scrolls sideways and stays a few screens long (it was 11,600 px, each pair twice)."""
    base, _ = demo
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/waits?lang={language}")
    size = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,"
        " height: document.documentElement.scrollHeight})"
    )
    assert size["scroll"] <= size["width"] == 390, size  # no horizontal scroll
    assert size["height"] < 4000, size
    assert page.locator("section.pair").count() == 10 and page.locator("section.pair svg rect").count() > 0
    sticking_out = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391).length"
    )
    assert sticking_out == 0
    shot(page, f"board-{language}")
    context.close()


def test_exporter_declares_with_an_hs_lookup_and_books(demo: tuple[str, str], browser: Any) -> None:
    base, _ = demo
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    login(page, base, "demo-exporter")
    assert page.url.endswith("/portal"), page.url
    assert page.locator("html").get_attribute("lang") == "vi"  # the account's language, over the browser's
    shot(page, "portal-trips-vi")
    page.goto(f"{base}/portal?lang=en")  # the reader's choice wins, and is remembered
    page.click("a.button[href='/portal/trips/new']")
    page.select_option("#gate_id", GATE)
    page.select_option("#direction", "export")
    vehicle_id, kind, document = free_truck_and_driver(demo[1])
    page.select_option("#vehicle_id", vehicle_id)
    page.select_option("#driver_document_kind", kind)
    page.fill("#driver_document", document)
    page.fill("#consignee_name", "广西凭祥友谊果蔬进出口贸易有限公司")
    page.fill("#consignee_country", "CN")
    page.fill("#phytosanitary_certificate_no", "VN-PC-2026-000777")
    # Find the HS code by the Vietnamese name of the goods, and pick it.
    page.fill("#lines-0-hs_q", "sầu riêng")
    page.click("#hs-results-0 button.pick[data-code='081060']")
    assert page.input_value("#lines-0-hs_code") == "081060"
    page.fill("#lines-0-description", "Sầu riêng Ri6 tươi / 鲜榴莲")
    page.fill("#lines-0-net_kg", "18000")
    page.fill("#lines-0-gross_kg", "19500")
    page.fill("#lines-0-packages", "1000")
    page.fill("#lines-0-value", "54000")
    shot(page, "portal-declare")
    page.click("#declare-submit")
    page.wait_for_load_state()
    assert "/portal/trips/" in page.url and "declared=1" in page.url, page.locator("#problem").all_inner_texts()
    assert page.locator("#timeline li").count() == 1
    assert page.locator("#slots tbody tr").count() > 0  # remaining capacity, hour by hour
    page.click("#book-form button[type=submit]")
    page.wait_for_load_state()
    assert "booked=1" in page.url, page.locator("#problem").all_inner_texts()
    status = page.locator("#booking-status").inner_text()
    assert status.startswith(("Slot", "Waiting list", "On the waiting list")), status
    assert page.locator("#timeline li").count() in (1, 2)  # booked, or waiting for a place
    shot(page, "portal-trip")
    page.set_viewport_size({"width": 375, "height": 812})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    shot(page, "portal-trip-phone")
    context.close()


def free_truck_and_driver(database_url: str) -> tuple[str, str, str]:
    """A truck of the demo exporter and a driver's document, neither on an open trip (a truck and a driver are on
    one open trip at a time: the declaration refuses a busy one)."""
    from sqlalchemy import text

    from cuakhau.domain.trip import TERMINAL_STATES

    ended = ", ".join(f"'{s.value}'" for s in TERMINAL_STATES)
    platform = bootstrap(Settings(database_url=database_url))
    try:
        with platform.engine.connect() as conn:
            vehicle = conn.execute(
                text(
                    "select v.id from vehicles v join accounts a on a.enterprise_id = v.owner_id "
                    "where a.username = 'demo-exporter' and v.vehicle_type in ('truck', 'tractor_unit') "
                    f"and v.id not in (select vehicle_id from trips where state not in ({ended})) order by v.id limit 1"
                )
            ).first()
            driver = conn.execute(
                text(
                    "select document_kind, document_number from drivers "
                    f"where id not in (select driver_id from trips where state not in ({ended})) order by id limit 1"
                )
            ).first()
        assert vehicle is not None and driver is not None
        return str(vehicle[0]), str(driver[0]), str(driver[1])
    finally:
        platform.close()


def _count(page: Any, selector: str) -> int:
    return int(page.locator(selector).first.inner_text().replace(",", "").replace(".", "").strip() or 0)


def _wait_for(page: Any, selector: str, value: int, timeout: float = 5.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _count(page, selector) == value:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{selector} did not become {value} (is {_count(page, selector)})")


def test_dashboard_changes_live_and_equals_a_fresh_load(demo: tuple[str, str], browser: Any) -> None:
    base, database_url = demo
    officer = browser.new_context(locale="en-GB")
    page = officer.new_page()
    login(page, base, "demo-customs")
    assert page.url.endswith(f"/gates/{GATE}/dashboard"), page.url  # an officer lands on their gate
    page.goto(f"{base}/gates/{GATE}/dashboard?lang=en")
    page.wait_for_function("() => window.cuakhauDashboard && window.cuakhauDashboard.version >= 0")
    assert page.locator("#live").get_attribute("data-state") == "live"
    shot(page, "dashboard-en")

    # 1. A device event from another process (the device listener): an unreadable plate goes to review.
    platform = bootstrap(Settings(database_url=database_url))
    try:
        ctx = platform.context
        reviews = _count(page, "[data-count=reviews]")
        gate_ops.apply_device_message(
            ctx.uow(),
            clock=ctx.clock,
            message=PlateRead(
                message_id=f"browser-{time.time_ns()}",
                device_id=f"{GATE}:anpr-yard_entry",
                gate_id=GATE,
                checkpoint=Checkpoint.YARD_ENTRY,
                plate_text="29C-999.99",
                confidence=0.41,
                at=ctx.clock.now(),
            ),
        )
        seconds = _wait_for(page, "[data-count=reviews]", reviews + 1)
        assert seconds < 1.5, seconds

        # 2. A transition from another process: quarantine holds a truck that waits in the yard.
        with ctx.uow() as uow:
            arrived, _ = uow.trips.find(TripFilter(gate_id=GATE, state=TripState.ARRIVED), limit=1, offset=0)
        assert arrived, "the demo has trucks in the yard at Hữu Nghị"
        holds = page.locator("[data-holds=quarantine]")
        before = _count(page, "[data-holds=quarantine]") if holds.count() else 0
        trips.transition_trip(
            ctx.uow(),
            clock=ctx.clock,
            trip_id=arrived[0].trip.id,
            action="hold",
            actor=Actor("vn-huu-nghi:quarantine-07", ActorRole.QUARANTINE),
            reason="Lấy mẫu kiểm nghiệm / 抽样送检 / sampled for a residue test",
        )
        seconds = _wait_for(page, "[data-holds=quarantine]", before + 1)
        assert seconds < 1.5, seconds
        assert "sampled for a residue test" in page.locator("#sec-holds").inner_text()
    finally:
        platform.close()

    # 3. A change made through the web process itself (an exporter declares at this gate): the commit wakes it.
    declared = _count(page, "[data-stage='export:declared']")
    exporter = browser.new_context(locale="en-GB")
    other = exporter.new_page()
    login(other, base, "demo-exporter")
    other.goto(f"{base}/portal/trips/new?lang=en")
    other.select_option("#gate_id", GATE)
    vehicle_id, kind, document = free_truck_and_driver(database_url)
    other.select_option("#vehicle_id", vehicle_id)
    other.select_option("#driver_document_kind", kind)
    other.fill("#driver_document", document)
    other.fill("#consignee_name", "东兴市边贸鲜果供应链有限公司")
    other.fill("#consignee_country", "CN")
    other.fill("#phytosanitary_certificate_no", "VN-PC-2026-000778")
    other.fill("#lines-0-hs_code", "0810.90")
    other.fill("#lines-0-description", "Thanh long ruột trắng / 白心火龙果")
    for field, value in (("net_kg", "15000"), ("gross_kg", "16000"), ("packages", "900"), ("value", "21000")):
        other.fill(f"#lines-0-{field}", value)
    other.click("#declare-submit")
    other.wait_for_load_state()
    assert "declared=1" in other.url, other.locator("#problem").all_inner_texts()
    seconds = _wait_for(page, "[data-stage='export:declared']", declared + 1)
    assert seconds < 1.5, seconds
    exporter.close()
    shot(page, "dashboard-after-events")

    # What the events built equals a fresh load (the clock moves figures too: retry until a refresh lines up).
    for _ in range(40):
        live = page.evaluate("window.cuakhauDashboard.state")
        fresh = page.evaluate("fetch(location.pathname + '.json').then(r => r.json())")["data"]
        if live == fresh:
            break
        time.sleep(0.5)
    assert live == fresh
    live_html = page.locator("#sec-stages").inner_html()
    page.reload()
    page.wait_for_function("() => window.cuakhauDashboard && window.cuakhauDashboard.version >= 0")
    assert page.locator("#sec-stages").inner_html() == live_html

    page.goto(f"{base}/gates/{GATE}/dashboard?lang=vi")
    page.wait_for_function("() => window.cuakhauDashboard && window.cuakhauDashboard.version >= 0")
    assert page.locator("h1").inner_text().startswith("Bảng điều hành cửa khẩu")
    shot(page, "dashboard-vi")
    assert page.goto(f"{base}/gates/cn-youyiguan/dashboard").status == 403  # not this officer's gate
    officer.close()


def test_pages_need_the_right_account(demo: tuple[str, str], browser: Any) -> None:
    base, _ = demo
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/portal")
    assert "/login" in page.url  # sent to log in
    page.fill("#username", "demo-exporter")
    page.fill("#password", "wrong password")
    page.click("#login-form button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#problem").inner_text() == "Wrong username or password."
    context.close()
