"""The truck page in a real browser (issue 17, item 3), against ``cuakhau serve`` on a seeded demo database.

A customs officer finds a truck by its plate from the dashboard, opens its page, holds it with a published reason
and their own words (a confirmation step first: nothing is saved before it), then releases it; a quarantine
officer releases a hold quarantine put on the truck; a border guard sees no customs-result form and is refused
when the form is posted anyway. Once in Vietnamese at desktop width (1280 px), once in Chinese at tablet width
(768 px); each page is also shot at the other width. Screenshots: ``artifacts/screenshots/truck-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import trips
from cuakhau.services.ports import TripFilter
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import GATE, login, shot

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
#: States a truck can be held from (``domain.trip.TRANSITIONS``), and one it is put back into between runs.
HOLDABLE = (TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING, TripState.CLEARED)
QUARANTINE = Actor("vn-huu-nghi:quarantine-02", ActorRole.QUARANTINE)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require_chromium()
    work = tmp_path_factory.mktemp("trucks")
    url = seed_demo(work, 40)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}", url


def _truck_in_yard(database_url: str) -> tuple[str, str]:
    """(trip id, plate) of a truck in the yard at the gate that can be held; a released one is sent back to
    inspection first (as the bay would), so each run starts from a truck an officer may hold."""
    platform = bootstrap(Settings(database_url=database_url))
    try:
        ctx = platform.context
        with ctx.uow() as uow:
            for state in (*HOLDABLE, TripState.RELEASED):
                found, _ = uow.trips.find(TripFilter(gate_id=GATE, state=state), limit=1, offset=0)
                if found:
                    break
        assert found, "the demo has a truck in the yard at Hữu Nghị"
        summary = found[0]
        if summary.trip.state is TripState.RELEASED:
            trips.transition_trip(
                ctx.uow(), clock=ctx.clock, trip_id=summary.trip.id, action="inspect", actor=QUARANTINE
            )
        return summary.trip.id, summary.plate
    finally:
        platform.close()


def _quarantine_hold(database_url: str, trip_id: str) -> None:
    """Quarantine holds the truck (as its bay would, with a published reason) after customs released it."""
    platform = bootstrap(Settings(database_url=database_url))
    try:
        ctx = platform.context
        for action, reason in (("inspect", None), ("hold", "[pests] bọ trĩ / 蓟马")):
            trips.transition_trip(
                ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=QUARANTINE, reason=reason
            )
    finally:
        platform.close()


def _both_widths(page: Any, name: str, first: dict[str, int]) -> None:
    """A screenshot at this width and at the other; no sideways scrolling of the page at either."""
    for size in (first, TABLET if first is DESKTOP else DESKTOP):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, size)
        shot(page, f"{name}-{size['width']}")
    page.set_viewport_size(first)


@pytest.mark.parametrize(
    ("language", "viewport", "words"),
    [
        ("vi", DESKTOP, {"held": "Xe đã bị giữ", "released": "Xe đã được cho đi tiếp"}),
        ("zh", TABLET, {"held": "车辆已被扣留", "released": "车辆已放行"}),
    ],
)
def test_officers_hold_and_release_a_truck_on_its_page(
    demo: tuple[str, str], browser: Any, language: str, viewport: dict[str, int], words: dict[str, str]
) -> None:
    base, database_url = demo
    trip_id, plate = _truck_in_yard(database_url)
    truck_url = f"{base}/gates/{GATE}/trucks/{trip_id}"

    # 1. Customs: the plate typed on the dashboard opens the truck's page.
    customs = browser.new_context(viewport=viewport, locale="vi-VN")
    page = customs.new_page()
    login(page, base, "demo-customs")
    page.goto(f"{base}/gates/{GATE}/dashboard?lang={language}")
    page.fill("#plate", plate.lower().replace("-", " ").replace(".", ""))
    page.press("#plate", "Enter")
    page.wait_for_url(truck_url)
    assert page.locator("html").get_attribute("lang") == language
    assert plate in page.locator("#truck-title").inner_text()
    _both_widths(page, f"truck-customs-{language}", viewport)

    # 2. Hold: a reason from the list and the officer's words; nothing saved before the confirmation.
    hold = page.locator("#hold-form")
    hold.locator("select[name=reason_code]").select_option("documents")
    hold.locator("input[name=reason_text]").fill("C/O Form E")
    hold.locator("button[type=submit]").click()
    page.wait_for_load_state()
    confirm = page.locator("#confirm-section")
    assert confirm.is_visible()
    assert "C/O Form E" in confirm.inner_text()
    assert page.locator("#trip-state").get_attribute("data-state") != "held"
    shot(page, f"truck-hold-confirm-{language}-{viewport['width']}")
    page.click("#confirm")
    page.wait_for_load_state()
    assert words["held"] in page.locator("#done").inner_text()
    assert page.locator("#trip-state").get_attribute("data-state") == "held"
    audit = page.locator("#audit tbody tr").first.inner_text()
    assert "C/O Form E" in audit and "[documents]" not in audit
    shot(page, f"truck-held-{language}-{viewport['width']}")

    # 3. Release, with a published reason.
    release = page.locator("#release-form")
    release.locator("select[name=reason_code]").select_option("documents_completed")
    release.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert words["released"] in page.locator("#done").inner_text()
    assert page.locator("#trip-state").get_attribute("data-state") == "released"
    customs.close()

    # 4. Quarantine releases the hold quarantine put on the truck.
    _quarantine_hold(database_url, trip_id)
    quarantine = browser.new_context(viewport=viewport, locale="vi-VN")
    page = quarantine.new_page()
    login(page, base, "demo-quarantine")
    page.goto(f"{truck_url}?lang={language}")
    assert page.locator("#trip-state").get_attribute("data-state") == "held"
    assert page.locator("#customs-form").count() == 0  # customs' result is customs' own
    release = page.locator("#release-form")
    release.locator("select[name=reason_code]").select_option("treated")
    release.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert words["released"] in page.locator("#done").inner_text()
    assert page.locator("#trip-state").get_attribute("data-state") == "released"
    shot(page, f"truck-quarantine-released-{language}-{viewport['width']}")
    quarantine.close()

    # 5. A border guard: no customs channel, no customs-result form; posting it anyway is refused.
    guard = browser.new_context(viewport=viewport, locale="vi-VN")
    page = guard.new_page()
    login(page, base, "demo-border-guard")
    page.goto(f"{truck_url}?lang={language}")
    assert page.locator("#customs-form").count() == 0 and page.locator("#sec-customs").count() == 0
    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector("input[name=csrf_token]");
            const body = new URLSearchParams({kind: "release", csrf_token: token ? token.value : ""});
            return (await fetch(url, {method: "POST", body})).status;
        }""",
        f"{truck_url}/customs",
    )
    assert status == 403
    _both_widths(page, f"truck-guard-{language}", viewport)
    guard.close()
