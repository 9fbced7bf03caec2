"""The exporter portal on a phone (390×844) in a real browser: book, change the window (warned before the slot
is given up), dispatch with one tap, read the inbox. Screenshots: ``artifacts/screenshots/portal2-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.trip import TERMINAL_STATES
from cuakhau.services import registry, trips
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import login, shot
from tests.fixtures.factories import dry_line, registration_number, vn_plate

pytestmark = pytest.mark.e2e

GATE = "vn-huu-nghi"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require_chromium()
    work = tmp_path_factory.mktemp("portal2")
    url = seed_demo(work, 20)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}", url


def declare_two(database_url: str) -> list[str]:
    """Two trips of the demo exporter, dry goods (no certificate needed), each with a free truck and driver."""
    ended = ", ".join(f"'{s.value}'" for s in TERMINAL_STATES)
    platform = bootstrap(Settings(database_url=database_url))
    try:
        with platform.engine.connect() as conn:
            exporter = conn.execute(text("select enterprise_id from accounts where username = 'demo-exporter'")).one()[
                0
            ]
            vehicles = conn.execute(
                text(
                    "select id from vehicles where owner_id = :e and vehicle_type in ('truck', 'tractor_unit') "
                    "and id not in (select vehicle_id from trips "
                    f"where state not in ({ended})) order by id limit 2"
                ),
                {"e": exporter},
            ).all()
            drivers = conn.execute(
                text(
                    "select id from drivers where id not in "
                    f"(select driver_id from trips where state not in ({ended})) order by id limit 2"
                )
            ).all()
        ctx = platform.context
        truck_ids = [str(v[0]) for v in vehicles]
        while len(truck_ids) < 2:  # the demo exporter's trucks are mostly on the road: one more
            truck_ids.append(
                registry.register_vehicle(
                    ctx.uow(),
                    clock=ctx.clock,
                    plate=vn_plate(),
                    owner_id=exporter,
                    vehicle_type="truck",
                    registration_number=registration_number(),
                ).id
            )
        shipment = {
            "exporter_id": exporter,
            "consignee_name": "凭祥友谊贸易有限公司",
            "consignee_country": "CN",
            "lines": [dry_line()],
        }
        return [
            trips.declare_trip(
                ctx.uow(),
                ctx.nomenclature,
                clock=ctx.clock,
                gate_id=GATE,
                direction="export",
                vehicle_id=v,
                driver_id=str(d[0]),
                shipment=shipment,
            ).id
            for v, d in zip(truck_ids, drivers, strict=True)
        ]
    finally:
        platform.close()


def test_book_reschedule_with_warning_dispatch_and_inbox_on_a_phone(demo: tuple[str, str], browser: Any) -> None:
    base, url = demo
    first, second = declare_two(url)
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()
    login(page, base, "demo-exporter")
    for trip_id in (first, second):
        page.goto(f"{base}/portal/trips/{trip_id}?lang=en")
        page.click("#book-form button[type=submit]")
        page.wait_for_load_state()
        assert "booked=1" in page.url, page.locator("#problem").all_inner_texts()
        assert page.locator("#standing").inner_text().startswith("Slot")
    shot(page, "portal2-booked")
    # A change of window into the night, when the gate is shut: warned first, the slot kept until confirmed.
    page.goto(f"{base}/portal/trips/{first}")
    earliest = page.input_value("#earliest")
    day = earliest[:10]
    page.fill("#earliest", f"{day}T20:00")
    page.fill("#latest", f"{day}T22:00")
    page.click("#book-form button[type=submit]")
    page.wait_for_load_state()
    warning = page.locator("#confirm-reschedule")
    assert warning.is_visible() and "You will lose your slot at" in warning.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "portal2-reschedule-warning")
    page.click("#confirm-yes")
    page.wait_for_load_state()
    assert "rescheduled=1" in page.url, page.locator("#problem").all_inner_texts()
    assert page.locator("#standing").inner_text().startswith("Waiting list #")
    assert "booked" not in page.title().lower()
    # The other truck leaves with one tap.
    page.goto(f"{base}/portal/trips/{second}")
    assert "Leave by" in page.locator("#dispatch .leave-by").inner_text()
    shot(page, "portal2-dispatch")
    page.click("#dispatch-now")
    page.wait_for_load_state()
    assert "dispatched=1" in page.url, page.locator("#problem").all_inner_texts()
    page.goto(f"{base}/portal?lang=en")
    assert page.locator(f"[data-trip='{second}']").get_attribute("data-step") == "arrive"
    assert page.locator(f"[data-trip='{first}']").get_attribute("data-step") == "waiting"
    shot(page, "portal2-trips")
    page.goto(f"{base}/portal/inbox")
    assert page.locator("#inbox li").count() >= 3  # two places, one move to the waiting list
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "portal2-inbox")
    context.close()
