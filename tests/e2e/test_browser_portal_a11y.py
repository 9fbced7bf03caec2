"""The exporter's portal, the driver's page and the public wait board on a phone (issue 18, item 6): the vendored
axe-core (``tests/e2e/a11y.py``) at 390×844 in Vietnamese and Chinese finds no serious or critical violation, and
no page scrolls sideways. Screenshots go to ``artifacts/screenshots/phone-*.png`` (``CUAKHAU_ARTIFACTS`` moves it).

:data:`PHONE_PAGES` lists the pages swept; a new exporter or driver page is added to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import login, shot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
#: The first trip the portal lists (its page has no fixed address).
TRIP = "(a trip's page)"
#: The first vehicle of the fleet (its page, the form that corrects it).
VEHICLE = "(a vehicle's page)"
#: (name in the screenshots, path, the demo account that opens it; None: the public).
PHONE_PAGES: list[tuple[str, str, str | None]] = [
    ("waits", "/waits", None),
    ("login", "/login", None),
    ("portal", "/portal", "demo-exporter"),
    ("declare", "/portal/trips/new", "demo-exporter"),
    ("trip", TRIP, "demo-exporter"),
    ("fleet", "/portal/fleet", "demo-exporter"),
    ("vehicle", VEHICLE, "demo-exporter"),
    ("hs-search", "/portal/hs?q=vai", "demo-exporter"),
    ("password", "/account/password", "demo-exporter"),
    ("driver", "/driver", "demo-driver"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("portal-a11y")
    url = seed_demo(work, 20)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_portal_driver_and_board_on_a_phone_have_no_serious_accessibility_violation(
    demo: str, browser: Any, language: str
) -> None:
    failures: dict[str, str] = {}
    swept = 0
    for username in dict.fromkeys(user for _, _, user in PHONE_PAGES):
        # bypass_csp: only so the test can inject axe-core; the pages' own policy is checked elsewhere.
        context = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True, has_touch=True, is_mobile=True)
        page = context.new_page()
        if username is not None:
            login(page, demo, username)
        for name, path, user in PHONE_PAGES:
            if user != username:
                continue
            if path == TRIP:
                page.goto(f"{demo}/portal")
                path = str(page.locator("a[href^='/portal/trips/']:not([href$='/new'])").first.get_attribute("href"))
            elif path == VEHICLE:
                page.goto(f"{demo}/portal/fleet")
                path = str(page.locator("a.edit[href^='/portal/fleet/vehicles/']").first.get_attribute("href"))
            sep = "&" if "?" in path else "?"
            page.goto(f"{demo}{path}{sep}lang={language}")
            assert page.locator("html").get_attribute("lang") == language, (name, page.url)
            assert "/login" not in page.url or user is None, (name, page.url)  # signed in, not sent to sign in
            found = axe_violations(page)
            if found:
                failures[f"{name} {language}"] = describe(found)
            narrow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            assert narrow, f"{name} scrolls sideways at 390 px in {language}"
            shot(page, f"phone-{name}-{language}")
            swept += 1
        context.close()
    assert swept == len(PHONE_PAGES)
    assert not failures, "\n\n".join(f"{where}:\n{text}" for where, text in failures.items())
