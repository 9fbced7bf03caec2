"""The inspection page in a real browser, against ``cuakhau serve`` on a seeded demo database: the quarantine
officer (Vietnamese, tablet width) sends a truck to a quarantine bay, takes a laboratory sample — confirmed
before anything is saved — and records the laboratory's result; the customs officer (Chinese, desktop width)
sends a truck to a customs bay and passes it, and is offered no laboratory form. Screenshots go to
``artifacts/screenshots/inspections-*.png`` (``CUAKHAU_ARTIFACTS`` moves the folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import GATE, login, shot

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
PAGE = f"/gates/{GATE}/inspections"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("inspections")
    url = seed_demo(work, 40)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


def submit(page: Any, form: Any) -> None:
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_quarantine_sends_a_truck_takes_a_sample_and_records_the_laboratory_result(demo: str, browser: Any) -> None:
    context = browser.new_context(viewport=TABLET, locale="vi-VN")
    page = context.new_page()
    login(page, demo, "demo-quarantine")
    page.goto(f"{demo}{PAGE}?lang=vi")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling
    shot(page, "inspections-quarantine-vi")
    assert page.locator("#to-send-customs_bay").count() == 0  # quarantine sends to its own bays only
    waiting = page.locator("#to-send-quarantine_bay li[data-trip]")
    assert waiting.count() >= 1
    trip = waiting.first.get_attribute("data-trip")
    submit(page, waiting.first.locator("form[data-action=send]"))
    assert "hàng chờ" in page.locator("#done").inner_text()
    job = page.locator(f"#queue-quarantine_bay li[data-trip='{trip}']")
    assert job.count() == 1
    finish = page.locator("#queue-quarantine_bay form[data-action=finish]").first
    finish.locator("select[name=outcome]").select_option("sample")
    finish.locator("textarea[name=reason]").fill("Lấy mẫu kiểm dư lượng thuốc bảo vệ thực vật")
    submit(page, finish)
    confirm = page.locator("#confirm-text")
    assert "phòng thí nghiệm" in confirm.inner_text()  # what will happen, as a sentence, before it happens
    assert page.locator("#queue-laboratory form[data-action=lab]").count() == 0  # nothing saved yet
    shot(page, "inspections-confirm-sample-vi")
    page.click("#confirm")
    page.wait_for_load_state()
    assert page.locator("#done").is_visible()
    lab = page.locator("#queue-laboratory form[data-action=lab]").first
    lab.locator("select[name=outcome]").select_option("pass")
    submit(page, lab)
    assert "phòng thí nghiệm" in page.locator("#done").inner_text()
    shot(page, "inspections-lab-done-vi")
    context.close()


def test_customs_sends_a_truck_to_its_bay_and_passes_it(demo: str, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    login(page, demo, "demo-customs")
    page.goto(f"{demo}{PAGE}?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert "查验" in page.locator("h1").inner_text()
    shot(page, "inspections-customs-zh")
    assert page.locator("form[data-action=lab]").count() == 0  # the laboratory is quarantine's
    waiting = page.locator("#to-send-customs_bay li[data-trip]")
    assert waiting.count() >= 1
    trip = waiting.first.get_attribute("data-trip")
    submit(page, waiting.first.locator("form[data-action=send]"))
    assert "查验队列" in page.locator("#done").inner_text()
    row = page.locator(f"#queue-customs_bay li[data-job][data-trip='{trip}']")
    finish = row.locator("form[data-action=finish]")
    finish.locator("select[name=outcome]").select_option("pass")
    submit(page, finish)
    assert "查验结果" in page.locator("#done").inner_text()
    assert page.locator(f"#queue-customs_bay li[data-job][data-trip='{trip}']").count() == 0
    shot(page, "inspections-customs-done-zh")
    page.set_viewport_size(TABLET)
    shot(page, "inspections-customs-zh-tablet")
    context.close()
