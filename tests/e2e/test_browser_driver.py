"""The driver's page in a real browser at 390×844 (Debian's Chromium driven by Playwright) against a real
``cuakhau serve`` process: the demo driver signs in and lands on its trip; the service worker takes control; with
the network off a reload still shows the trip and says how old it is. Screenshots in Vietnamese and Chinese are
saved in ``artifacts/screenshots/driver-*.png`` (``CUAKHAU_ARTIFACTS`` moves them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue, registry, trips
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.fixtures.factories import dry_line, registration_number, vn_plate

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("CUAKHAU_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
PASSWORD = "cuakhau-demo-2026"  # the demo accounts' published password (DEMO ONLY)
GATE = "vn-huu-nghi"
PHONE = {"width": 390, "height": 844}


def give_the_demo_driver_a_trip(database_url: str) -> str:
    """Declare and book a trip driven by the demo driver, with a truck of its enterprise: the truck's plate."""
    platform = bootstrap(Settings(database_url=database_url))
    try:
        ctx = platform.context
        with platform.engine.connect() as conn:
            row = conn.execute(
                text("select driver_id, enterprise_id from accounts where username = 'demo-driver'")
            ).first()
        assert row is not None
        driver_id, exporter_id = str(row[0]), str(row[1])
        plate = vn_plate()
        truck = registry.register_vehicle(
            ctx.uow(),
            clock=ctx.clock,
            plate=plate,
            owner_id=exporter_id,
            vehicle_type="truck",
            registration_number=registration_number(),
        )
        trip = trips.declare_trip(
            ctx.uow(),
            ctx.nomenclature,
            clock=ctx.clock,
            gate_id=GATE,
            direction="export",
            vehicle_id=truck.id,
            driver_id=driver_id,
            shipment={
                "exporter_id": exporter_id,
                "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司",
                "consignee_country": "CN",
                "lines": [dry_line()],
            },
        )
        hour = ctx.clock.now().replace(minute=0, second=0, microsecond=0)
        equeue.book(
            ctx.uow(),
            clock=ctx.clock,
            request=equeue.BookingRequest(
                trip_id=trip.id,
                earliest=hour + timedelta(hours=3),
                latest=hour + timedelta(hours=12),
                travel_minutes=120,
                actor=Actor(exporter_id, ActorRole.EXPORTER),
                idempotency=equeue.Idempotency("e2e", f"driver-{trip.id}", "h"),
            ),
        )
        return plate
    finally:
        platform.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A small demo database with a booked trip for the demo driver, and a server on it: (base URL, plate)."""
    require_chromium()
    work = tmp_path_factory.mktemp("driver")
    url = seed_demo(work, 10)
    plate = give_the_demo_driver_a_trip(url)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}", plate


def shot(page: Any, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_driver_page_works_offline_and_says_how_old_it_is(served: tuple[str, str], browser: Any) -> None:
    base, plate = served
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "demo-driver")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/driver"), page.url  # a driver lands on its own page
    assert plate in page.locator("h1").inner_text()
    assert page.locator("#leave-by").inner_text().strip()
    assert page.locator("#qr").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    # The service worker installs and takes control; the page is loaded once more through it, and so kept.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    page.reload()
    assert page.locator("#updated").inner_text().startswith(("Vừa cập nhật", "Cập nhật"))
    shot(page, "driver-vi")

    # The network drops: a reload shows the last state received, says so, and how old it is.
    context.set_offline(True)
    page.reload()
    assert plate in page.locator("h1").inner_text()
    assert page.locator("#leave-by").inner_text().strip()
    page.wait_for_function("() => !document.getElementById('offline').hidden")
    assert "Mất kết nối mạng" in page.locator("#offline").inner_text()
    # The age is computed in the page from the time the data was read: move that time back to see it count.
    page.evaluate(
        "() => { const el = document.getElementById('updated');"
        " el.setAttribute('data-at', new Date(Date.now() - 12 * 60000).toISOString());"
        " window.dispatchEvent(new Event('offline')); }"
    )
    assert page.locator("#updated").inner_text() == "Cập nhật 12 phút trước"
    context.set_offline(False)

    # In Chinese, on the phone.
    page.goto(f"{base}/driver?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").inner_text().startswith("我的车次")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "driver-zh")
    context.close()
