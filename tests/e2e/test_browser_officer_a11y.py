"""Officer pages in a real browser on a seeded demo (issue 17, items 6 and 7): an accessibility sweep with the
vendored axe-core (``tests/e2e/a11y.py``) in Vietnamese and Chinese at desktop (1280 px) and tablet (768 px) width,
with no serious or critical violation and no sideways scrolling at tablet width, and the keyboard shortcuts.
Screenshots go to ``artifacts/screenshots/officer-*.png`` (``CUAKHAU_ARTIFACTS`` moves it).

:data:`OFFICER_PAGES` lists the pages swept; each officer page of issue 17 is added to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import GATE, login, shot

pytestmark = pytest.mark.e2e

#: (name in the screenshots, path, the demo account that opens it).
#: The first truck the dashboard links to (its page has no fixed address).
TRUCK = "(a truck's page)"
OFFICER_PAGES: list[tuple[str, str, str]] = [
    ("dashboard", f"/gates/{GATE}/dashboard", "demo-customs"),
    ("worklist-customs", f"/gates/{GATE}/worklist", "demo-customs"),
    ("worklist-gate-admin", f"/gates/{GATE}/worklist", "demo-gate-admin"),
    ("truck", TRUCK, "demo-customs"),
    ("call-forward", f"/gates/{GATE}/call-forward", "demo-customs"),
    ("inspections", f"/gates/{GATE}/inspections", "demo-quarantine"),
    ("review", f"/gates/{GATE}/review", "demo-gate-admin"),
    ("manual-read", f"/gates/{GATE}/manual-read", "demo-gate-admin"),
    ("incidents", f"/gates/{GATE}/incidents", "demo-gate-admin"),
    ("admin", f"/gates/{GATE}/admin", "demo-gate-admin"),
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 768, "height": 1024}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("officer-a11y")
    url = seed_demo(work, 40)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


def test_the_sweep_can_fail(browser: Any) -> None:
    """The check is not vacuous: an unlabelled field and an image without a text are caught."""
    page = browser.new_page()
    page.set_content('<html lang="vi"><body><main><img src="x.png"><input type="text"></main></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "label"}
    page.close()


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_officer_pages_have_no_serious_accessibility_violation(demo: str, browser: Any, language: str) -> None:
    failures: dict[str, str] = {}
    for username in dict.fromkeys(user for _, _, user in OFFICER_PAGES):
        for size, viewport in VIEWPORTS.items():
            # bypass_csp: only so the test can inject axe-core; the pages' own policy is checked elsewhere.
            context = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=True)
            page = context.new_page()
            login(page, demo, username)
            for name, path, user in OFFICER_PAGES:
                if user != username:
                    continue
                if path == TRUCK:
                    page.goto(f"{demo}/gates/{GATE}/dashboard")
                    path = str(page.locator("a.plate").first.get_attribute("href"))
                page.goto(f"{demo}{path}?lang={language}")
                assert page.locator("html").get_attribute("lang") == language, (name, page.url)
                found = axe_violations(page)
                if found:
                    failures[f"{name} {language} {size}"] = describe(found)
                if size == "tablet":
                    wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                    assert wide, f"{name} scrolls sideways at 768 px"
                shot(page, f"officer-{name}-{language}-{viewport['width']}")
            context.close()
    assert not failures, "\n\n".join(f"{where}:\n{text}" for where, text in failures.items())


def test_keyboard_shortcuts_and_the_live_worklist(demo: str, browser: Any) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="vi-VN")
    page = context.new_page()
    login(page, demo, "demo-customs")
    page.goto(f"{demo}/gates/{GATE}/dashboard?lang=zh")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").get_attribute("open") is not None  # the list of shortcuts, on the page
    assert "键盘快捷键" in page.locator("#shortcuts summary").inner_text()
    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("g")
    page.keyboard.press("w")
    page.wait_for_url(f"**/gates/{GATE}/worklist")
    assert page.locator("h1").inner_text().startswith("我的待办清单")
    page.wait_for_function("window.cuakhauWorklist && window.cuakhauWorklist.messages >= 1")
    assert page.locator("#live").get_attribute("data-state") == "live"
    rows = page.locator("a[data-row]")
    if rows.count():
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.hasAttribute('data-row')")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        assert href.startswith(f"/gates/{GATE}/trucks/")
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_url(f"**/gates/{GATE}/dashboard")
    shot(page, "officer-shortcuts-zh")
    context.close()
