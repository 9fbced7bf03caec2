"""Gate operations in a real browser against ``cuakhau serve`` on a seeded demo database, at tablet width (768 px)
and on a desktop (1280 px): the border guard records a passage by hand for a truck the camera missed (an unknown
plate: it goes to the review queue), then dismisses that read from the review page after its confirmation; the
customs officer calls trucks forward (when a side of the gate pair is shut at the moment the test runs, the
refusal is shown and the call goes through with a reason after a confirmation); the hotline page is shown. Once
in Vietnamese, once in Chinese. Screenshots go to ``artifacts/screenshots/gate-ops-*.png``.

An incident is raised from the hotline page (refused with its sentence when the server has no exchange identity;
the integration tests cover acknowledging and answering the other side's with a partner).
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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("gate-ops")
    url = seed_demo(work, 10)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize(
    ("language", "plate", "viewport", "review_text", "dismissed"),
    [
        ("vi", "29H-999.01", TABLET, "Không có xe đã đăng ký nào mang biển số này.", "Lượt đọc đã bị bỏ qua."),
        ("zh", "29H-999.02", DESKTOP, "没有已登记车辆使用此车牌。", "读数已驳回。"),
    ],
)
def test_a_manual_read_goes_to_review_and_is_dismissed(
    demo: str, browser: Any, language: str, plate: str, viewport: dict[str, int], review_text: str, dismissed: str
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    login(page, demo, "demo-border-guard")
    page.goto(f"{demo}/gates/{GATE}/manual-read?lang={language}")
    assert fits(page)
    page.fill("#plate", plate)
    page.select_option("#checkpoint", "yard_entry")
    page.fill("#note", "camera 1")
    page.click("#manual-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#outcome").get_attribute("data-outcome") == "review"
    shot(page, f"gate-ops-manual-read-{language}")
    page.goto(f"{demo}/gates/{GATE}/review")
    card = page.locator("#reviews li", has_text=plate).first
    assert review_text in card.inner_text()
    assert fits(page)
    shot(page, f"gate-ops-review-{language}")
    card.locator("[name=reason]").fill("Xe quay đầu / 车辆掉头")
    card.locator("button[data-action=dismiss]").click()
    page.wait_for_load_state()
    assert page.locator("#confirm-box").is_visible()
    shot(page, f"gate-ops-review-confirm-{language}")
    page.click("#confirm")
    page.wait_for_load_state()
    assert dismissed in page.locator("#done").inner_text()
    assert page.locator("#reviews li", has_text=plate).count() == 0
    context.close()


@pytest.mark.parametrize(("language", "viewport"), [("vi", TABLET), ("zh", DESKTOP)])
def test_call_forward_and_the_hotline_page(demo: str, browser: Any, language: str, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    login(page, demo, "demo-customs")
    page.goto(f"{demo}/gates/{GATE}/call-forward?lang={language}")
    assert fits(page)
    shot(page, f"gate-ops-call-forward-{language}")
    page.click("#call-export")
    page.wait_for_load_state()
    if page.locator("#override").count():  # a side of the pair is shut right now: the sentence, then the override
        assert page.locator("#problem").get_attribute("data-code") == "gate.closed"
        shot(page, f"gate-ops-call-forward-closed-{language}")
        page.fill("#override_reason", "Hàng tươi chờ lâu / 生鲜久等")
        page.click("#override button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#confirm-box").is_visible()
        page.click("#confirm")
        page.wait_for_load_state()
    assert page.locator("#report").is_visible()
    shot(page, f"gate-ops-call-forward-done-{language}")
    page.goto(f"{demo}/gates/{GATE}/incidents")
    assert page.locator("#raise-form").is_visible() and fits(page)
    page.fill("#summary", "Kiểm tra liên lạc / 联络测试")
    page.click("#raise-form button[type=submit]")
    page.wait_for_load_state()
    if page.locator("#done").count():  # the demo's exchange identity: sent, and listed as ours
        assert "Kiểm tra liên lạc / 联络测试" in page.locator("#incidents").inner_text()
    else:
        assert page.locator("[data-code]").first.get_attribute("data-code") == "exchange.disabled"
    shot(page, f"gate-ops-hotline-{language}")
    context.close()
