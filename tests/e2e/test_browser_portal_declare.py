"""The declaration on a phone (390×844) in a real browser, against ``cuakhau serve`` on a small demo database:
the demo exporter registers a truck, a semi-trailer and a driver, corrects the truck's registration number on
its own page, then declares with the trailer and a container — a wrong check digit is named next to the
container field as it is typed, before anything is submitted — fixes it, submits and lands on the trip page.
Screenshots: ``artifacts/screenshots/declare-*.png``."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_fleet import no_sideways_scroll, open_form, register_driver
from tests.e2e.test_browser_pages import login, shot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
_seq = itertools.count(int(time.time()) % 10_000)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("declare")
    url = seed_demo(work, 10)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


def register(page: Any, plate: str, kind: str) -> None:
    open_form(page, "vehicle")
    page.fill("#plate", plate)
    page.select_option("#vehicle_type", kind)
    page.fill("#registration_number", f"{next(_seq) % 10**6:06d}")
    page.click("#vehicle-submit")
    page.wait_for_load_state()
    assert page.locator("#added").is_visible(), page.locator("#problem-vehicle").all_inner_texts()


def test_correct_a_truck_then_declare_with_a_trailer_and_a_container(demo: str, browser: Any) -> None:
    base = demo
    context = browser.new_context(viewport=PHONE, locale="en-GB", has_touch=True, is_mobile=True)
    page = context.new_page()
    login(page, base, "demo-exporter")
    n = next(_seq) % 900 + 100
    truck, trailer, document = f"29C-{n:03d}.31", f"29R-{n:03d}.32", f"0{n:04d}{next(_seq) % 10**7:07d}"
    page.goto(f"{base}/portal/fleet?lang=en")
    register(page, truck, "truck")
    register(page, trailer, "semi_trailer")
    register_driver(page, "Nguyễn Văn Khai", document)
    # Correct the truck's registration number on its own page.
    page.click(f"#vehicle-list li[data-plate='{truck}'] a.edit")
    page.wait_for_load_state()
    assert page.input_value("#plate") == truck
    page.fill("#registration_number", "7654321")
    page.click("#vehicle-save")
    page.wait_for_load_state()
    assert page.locator("#saved").is_visible(), page.locator("#problem-vehicle").all_inner_texts()
    assert page.input_value("#registration_number") == "7654321"
    assert no_sideways_scroll(page)
    shot(page, "declare-truck-corrected")
    # Declare with the trailer and a container.
    page.goto(f"{base}/portal/trips/new?lang=en")
    page.select_option("#gate_id", "vn-huu-nghi")
    page.select_option("#direction", "export")
    page.select_option("#vehicle_id", label=truck)
    page.select_option("#trailer_id", label=trailer)
    page.select_option("#driver_document_kind", "vn_citizen_id")
    page.fill("#driver_document", document)
    page.fill("#consignee_name", "广西凭祥橡胶贸易有限公司")
    page.fill("#consignee_country", "CN")
    line = {"hs_code": "400122", "description": "Natural rubber SVR 3L / 天然橡胶", "net_kg": "20000"}
    line |= {"gross_kg": "20400", "packages": "16", "value": "31000"}
    for name, value in line.items():
        page.fill(f"#lines-0-{name}", value)
    page.select_option("#lines-0-perishability", "dry_goods")
    # A container number with a wrong check digit: named next to the field before anything is submitted.
    page.fill("#containers", "CSQU3054384")
    page.press("#containers", "Tab")
    error = page.locator("#err-containers")
    error.wait_for(state="visible", timeout=5000)
    assert "CSQU3054384" in error.inner_text()
    assert page.get_attribute("#containers", "aria-invalid") == "true"
    assert "err-containers" in (page.get_attribute("#containers", "aria-describedby") or "")
    assert page.url.endswith("/portal/trips/new?lang=en")  # nothing was submitted
    assert no_sideways_scroll(page)
    error.scroll_into_view_if_needed()
    shot(page, "declare-live-error")
    # Fixed: the message goes away as it is typed, then the declaration goes through.
    page.fill("#containers", "CSQU 305438 3")
    page.press("#containers", "Tab")
    error.wait_for(state="hidden", timeout=5000)
    assert page.get_attribute("#containers", "aria-invalid") is None
    page.click("#declare-submit")
    page.wait_for_load_state()
    assert "declared=1" in page.url, page.locator("#problem").all_inner_texts()
    assert no_sideways_scroll(page)
    shot(page, "declare-trip")
    context.close()
