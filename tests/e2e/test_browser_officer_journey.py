"""Issue 17's "done when", in a real browser: the officers of Hữu Nghị take one demo truck from the road to the
other side through the pages alone, against ``cuakhau serve`` on a freshly seeded small demo database.

The truck is the demo's one on its way to Hữu Nghị (``dispatched``). Each step is done by the role that owns it,
on the page that owns it, in Vietnamese at tablet width (768 px):

1. border guard, manual read page: the truck at the yard gate, its plate typed with two digits swapped — an
   unknown plate, so the read goes to review; review page: the plate corrected and the read applied: it is in
   the yard (a device read in review resolved);
2. customs, worklist then call-forward page: the free lanes filled; the truck is called;
3. border guard, manual read page: the truck at its lane;
4. customs, plate search then the truck page: a hold with a published reason (confirmed), then its release;
5. quarantine, inspection desk: sent to a quarantine bay, a laboratory sample taken (confirmed: the truck is held
   for it), the laboratory's result recorded (passed: released);
6. customs, the truck page: customs' result "release": the truck is cleared;
7. border guard, manual read page: the truck at the border line: it crossed;
8. gate administration, hotline page: the incident the other side raised, acknowledged with an answer.

The clock is the real one: when a side of the gate pair is shut as the test runs, calling forward and the
passages at the lane and the line are refused with the sentence, then let through with a reason after a
confirmation (the pages' override), as an officer would. The other side's incident arrives as the Chinese
system sends it: a signed message posted to this server's exchange inbox (that is the other side's system, not
an officer of this one). The database is only read, to find the truck and check where it is after each step.
Screenshots: ``artifacts/screenshots/journey-*.png`` (the final truck page also in Chinese).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.domain.exchange import PROTOCOL, MessageKind, canonical_bytes
from cuakhau.domain.trip import new_id
from cuakhau.services import exchange
from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import GATE, login, shot

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}
ACROSS = "cn-youyiguan"
SCHEME = Ed25519Scheme()
OVERRIDE = "Hàng tươi chờ lâu, lãnh đạo cửa khẩu đồng ý / 生鲜久等，口岸领导同意"
ANSWER = "Đã nhận, tạm dừng gọi xe 30 phút / 已收到，暂停叫号 30 分钟"


class Across:
    """The Chinese side's exchange system: its signing key, known to this server as its peer's."""

    def __init__(self, database_url: str) -> None:
        self.private, self.public = SCHEME.new_keypair()
        self.key_id = SCHEME.key_id(self.public)
        platform = bootstrap(Settings(database_url=database_url))
        try:
            ctx = platform.context
            exchange.generate_key(ctx.uow(), clock=ctx.clock, scheme=SCHEME)
            exchange.add_peer(
                ctx.uow(),
                clock=ctx.clock,
                peer_id=ACROSS,
                inbox_url=f"http://127.0.0.1:{free_port()}/api/v1/exchange/inbox",  # nobody listens: kept in outbox
                gates=[ACROSS],
                keys=[(self.key_id, self.public)],
            )
        finally:
            platform.close()

    def incident(self, summary: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        body = {
            "incident_id": new_id(),
            "kind": "congestion",
            "severity": "high",
            "summary": summary,
            "trip_ref": None,
            "raised_at": now.isoformat(),
            "ack_due_at": (now + timedelta(minutes=30)).isoformat(),
            "raised_by": "cn-youyiguan-duty",
        }
        doc: dict[str, Any] = {
            "protocol": PROTOCOL,
            "id": new_id(),
            "kind": MessageKind.INCIDENT.value,
            "schema": f"{MessageKind.INCIDENT.value}@1",
            "sender": ACROSS,
            "recipient": GATE,
            "gate_id": ACROSS,
            "created_at": now.isoformat(),
            "sent_at": now.isoformat(),
            "key_id": self.key_id,
            "body": body,
        }
        doc["signature"] = SCHEME.sign(self.private, canonical_bytes(doc))
        return doc


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Across]]:
    require_chromium()
    work = tmp_path_factory.mktemp("journey")
    url = seed_demo(work, 40)
    across = Across(url)
    port = free_port()
    env = {
        "CUAKHAU_DATABASE_URL": url,
        "CUAKHAU_EXCHANGE_ID": GATE,
        "CUAKHAU_EXCHANGE_GATES": json.dumps([GATE]),
        "CUAKHAU_EXCHANGE_RETRY_FIRST_SECONDS": "60",
    }
    with running(["serve", "--port", str(port)], cwd=work, port=port, env=env):
        yield f"http://127.0.0.1:{port}", work / "demo.db", across


def read(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def state_of(db: Path, trip_id: str) -> str:
    return str(read(db, "SELECT state FROM trips WHERE id = ?", trip_id)[0][0])


def go(page: Any) -> None:
    page.wait_for_load_state()


def confirm_if_shut(page: Any, name: str) -> None:
    """A side of the gate pair is shut right now: the refusal is a sentence; the officer lets the truck through
    with a reason, then confirms."""
    if not page.locator("#override_reason").count():
        return
    assert page.locator("#problem, [data-code]").first.get_attribute("data-code") == "gate.closed"
    shot(page, f"journey-{name}-closed-vi")
    page.fill("#override_reason", OVERRIDE)
    page.locator("#override_reason").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    go(page)
    assert page.locator("#confirm-box").is_visible()
    page.click("#confirm")
    go(page)


def manual_read(page: Any, base: str, plate: str, checkpoint: str, name: str) -> str:
    page.goto(f"{base}/gates/{GATE}/manual-read?lang=vi")
    page.fill("#plate", plate)
    page.select_option("#checkpoint", checkpoint)
    page.fill("#note", "Camera hỏng, ghi tay")
    page.click("#manual-form button[type=submit]")
    go(page)
    confirm_if_shut(page, name)
    outcome = page.locator("#outcome").get_attribute("data-outcome")
    shot(page, f"journey-{name}-vi")
    return str(outcome)


def test_a_truck_from_the_road_to_the_other_side_through_the_pages(
    demo: tuple[str, Path, Across], browser: Any
) -> None:
    base, db, across = demo
    found = read(
        db,
        "SELECT t.id, v.plate, t.state, t.direction FROM trips t JOIN vehicles v ON v.id = t.vehicle_id "
        "WHERE t.gate_id = ? AND t.state IN ('arrived', 'dispatched') ORDER BY t.state, t.id",
        GATE,
    )
    assert found, "the demo has a truck in Hữu Nghị's yard or on its way there"
    trip_id, plate, first_state, direction = found[0]
    contexts: list[Any] = []

    def officer(username: str) -> Any:
        """Each officer signs in on their own tablet (a browser context of their own)."""
        contexts.append(context := browser.new_context(viewport=TABLET, locale="vi-VN"))
        page = context.new_page()
        login(page, base, username)
        return page

    # The other side raises an incident on the hotline (its system posts a signed message to our inbox).
    sent = httpx2.post(f"{base}/api/v1/exchange/inbox", json=across.incident("Ùn tắc bãi Hữu Nghị / 友谊关堆场拥堵"))
    assert sent.status_code < 300, sent.text

    # 1. Border guard: the truck enters the yard (when the demo left it on the road), read by hand.
    guard = officer("demo-border-guard")
    if first_state == "dispatched":
        assert manual_read(guard, base, plate, "yard_entry", "1-yard-entry") == "applied"
    assert state_of(db, trip_id) in ("arrived", "called")  # the call-forward may have called it on its own

    # 2. Customs: the truck is on the worklist; the free lanes are filled from the yard.
    customs = officer("demo-customs")
    customs.goto(f"{base}/gates/{GATE}/worklist?lang=vi")
    shot(customs, "journey-2-worklist-customs-vi")
    customs.goto(f"{base}/gates/{GATE}/call-forward?lang=vi")
    customs.click(f"#call-{direction}")
    go(customs)
    confirm_if_shut(customs, "3-call-forward")
    assert customs.locator("#report").is_visible()
    shot(customs, "journey-3-call-forward-vi")
    if state_of(db, trip_id) != "called":
        # Open hours: the server's own call-forward may have filled the lanes with trucks ahead of ours in the
        # published order (perishables first); the journey goes on with a truck the yard sent to a lane.
        called = read(
            db,
            "SELECT t.id, v.plate FROM trips t JOIN vehicles v ON v.id = t.vehicle_id "
            "WHERE t.gate_id = ? AND t.state = 'called' AND t.direction = ? ORDER BY t.id",
            GATE,
            direction,
        )
        assert called, "the call-forward sent a truck from the yard to a lane"
        trip_id, plate = called[0]
    assert state_of(db, trip_id) == "called"

    # 3. Border guard: the lane camera is down; the plate typed with two digits swapped is no registered truck:
    # the read waits in review, where the plate is corrected and the read applied.
    head, digits = plate.rsplit(".", 1)
    typo = f"{head}.{digits[::-1]}" if digits[::-1] != digits else f"{head}.{(int(digits) + 1) % 100:02d}"
    assert manual_read(guard, base, typo, "lane", "4-lane-typo") == "review"
    guard.goto(f"{base}/gates/{GATE}/review?lang=vi")
    card = guard.locator("#reviews li", has_text=typo).first
    assert "Không có xe đã đăng ký nào mang biển số này." in card.inner_text()
    card.locator("[name=plate]").fill(plate)
    card.locator("[name=reason]").fill("Đọc lại biển trên ảnh: nhầm hai chữ số")
    shot(guard, "journey-5-review-vi")
    card.locator("button[data-action=apply]").click()
    go(guard)
    assert guard.locator("#done").inner_text() == "Lượt đọc đã được áp dụng."
    assert read(db, "SELECT status FROM lane_calls WHERE trip_id = ? ORDER BY called_at", trip_id)[-1][0] == "at_lane"

    # 4. Customs: found by plate; held (a published reason, confirmed), then released.
    customs.goto(f"{base}/gates/{GATE}/trucks?plate={digits}&lang=vi")
    if customs.locator("#truck-title").count() == 0:
        customs.locator("a", has_text=plate).first.click()
        go(customs)
    assert customs.locator("#trip-state").get_attribute("data-state") == "called"
    customs.select_option("#hold-reason_code", index=1)
    customs.fill("#hold-reason_text", "Cân lệch khai báo, chờ chủ hàng giải trình")
    customs.click("#hold-form button[type=submit]")
    go(customs)
    assert customs.locator("#confirm-section").is_visible()
    assert state_of(db, trip_id) == "called"  # nothing saved before the confirmation
    shot(customs, "journey-6-hold-confirm-vi")
    customs.click("#confirm")
    go(customs)
    assert customs.locator("#trip-state").get_attribute("data-state") == "held"
    customs.select_option("#release-reason_code", index=1)
    customs.click("#release-form button[type=submit]")
    go(customs)
    assert customs.locator("#trip-state").get_attribute("data-state") == "released"
    shot(customs, "journey-7-released-vi")

    # 5. Quarantine: to a quarantine bay, a laboratory sample (confirmed), the laboratory's result.
    quarantine = officer("demo-quarantine")
    quarantine.goto(f"{base}/gates/{GATE}/inspections?lang=vi")
    waiting = quarantine.locator(f"#to-send-quarantine_bay li[data-trip='{trip_id}']")
    waiting.locator("form[data-action=send]").locator("button[type=submit]").click()
    go(quarantine)
    assert state_of(db, trip_id) == "inspecting"
    finish = quarantine.locator(f"#queue-quarantine_bay li[data-trip='{trip_id}'] form[data-action=finish]")
    finish.locator("select[name=outcome]").select_option("sample")
    finish.locator("textarea[name=reason]").fill("Lấy mẫu kiểm dư lượng thuốc bảo vệ thực vật")
    finish.locator("button[type=submit]").click()
    go(quarantine)
    assert "phòng thí nghiệm" in quarantine.locator("#confirm-text").inner_text()
    shot(quarantine, "journey-8-sample-confirm-vi")
    quarantine.click("#confirm")
    go(quarantine)
    assert state_of(db, trip_id) == "held"
    lab = quarantine.locator(f"#queue-laboratory li[data-trip='{trip_id}'] form[data-action=lab]")
    lab.locator("select[name=outcome]").select_option("pass")
    lab.locator("button[type=submit]").click()
    go(quarantine)
    assert "phòng thí nghiệm" in quarantine.locator("#done").inner_text()
    shot(quarantine, "journey-9-lab-result-vi")
    assert state_of(db, trip_id) == "released"

    # 6. Customs: its result, release: the truck is cleared.
    customs.goto(f"{base}/gates/{GATE}/trucks/{trip_id}?lang=vi")
    customs.click("#customs-release-form button[type=submit]")
    go(customs)
    if customs.locator("#confirm-form").count():  # a result that stops the truck is confirmed first
        customs.click("#confirm-form button[type=submit]")
        go(customs)
    assert customs.locator("#trip-state").get_attribute("data-state") == "cleared"
    shot(customs, "journey-10-cleared-vi")

    # 7. Border guard: at the border line: crossed.
    assert manual_read(guard, base, plate, "border_line", "11-border-line") == "applied"
    assert state_of(db, trip_id) == "crossed"

    # 8. Gate administration: the other side's incident, acknowledged with an answer sent back.
    admin = officer("demo-gate-admin")
    admin.goto(f"{base}/gates/{GATE}/incidents?lang=vi")
    theirs = admin.locator("#incidents li[data-theirs=yes][data-status=open]").first
    assert "Ùn tắc bãi Hữu Nghị" in theirs.inner_text()
    theirs.locator("[name=note]").fill(ANSWER)
    theirs.locator("button[type=submit]").click()
    go(admin)
    assert admin.locator("#done").is_visible()
    assert admin.locator("#incidents li[data-theirs=yes][data-status=acknowledged]").count() == 1
    shot(admin, "journey-12-hotline-vi")

    # The truck's page tells the whole story, in Chinese too.
    customs.goto(f"{base}/gates/{GATE}/trucks/{trip_id}?lang=zh")
    assert customs.locator("#trip-state").get_attribute("data-state") == "crossed"
    audit = customs.locator("#audit").inner_text()
    shot(customs, "journey-13-final-zh")
    customs.goto(f"{base}/gates/{GATE}/trucks/{trip_id}?lang=vi")
    shot(customs, "journey-13-final-vi")
    assert audit.count("\n") >= 8  # declared … crossed: every step on the page
    for context in contexts:
        context.close()


POST_AS_PAGE = """([action, fields]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""


@pytest.mark.parametrize(
    ("username", "language", "sentence"),
    [("demo-exporter", "vi", "Có lỗi xảy ra"), ("demo-border-guard", "zh", "出现问题")],
)
def test_roles_without_the_desk_or_the_call_are_refused_in_their_language(
    demo: tuple[str, Path, Across], browser: Any, username: str, language: str, sentence: str
) -> None:
    """The exporter may not open the inspection desk or the call-forward page; the border guard reads them (gate
    staff) but is offered no form, and a form posted anyway is refused: a 403 page in the officer's language."""
    base, db, _ = demo
    context = browser.new_context(viewport=TABLET, locale="vi-VN" if language == "vi" else "zh-CN")
    page = context.new_page()
    login(page, base, username)
    pages = (f"/gates/{GATE}/inspections", f"/gates/{GATE}/call-forward")
    if username == "demo-exporter":
        for path in pages:
            answer = page.goto(f"{base}{path}?lang={language}")
            assert answer is not None and answer.status == 403
            assert page.locator("html").get_attribute("lang") == language
            assert sentence in page.locator("h1").inner_text()
            assert page.locator("[data-code]").first.inner_text().strip()  # a sentence, not a code
        shot(page, f"journey-refused-exporter-{language}")
    else:
        trip_id = read(db, "SELECT id FROM trips WHERE gate_id = ? ORDER BY id LIMIT 1", GATE)[0][0]
        page.goto(f"{base}/gates/{GATE}/manual-read?lang={language}")  # a form of theirs: their CSRF token
        token = page.locator("#manual-form input[type=hidden]").first
        fields = {str(token.get_attribute("name")): str(token.get_attribute("value"))}
        posts = [
            (pages[0], {**fields, "action": "send", "trip_id": trip_id, "kind": "quarantine_bay"}),
            (pages[1], {**fields, "direction": "export"}),
        ]
        for (path, form), what in zip(posts, ("send", "call"), strict=True):
            page.goto(f"{base}{path}?lang={language}")
            assert page.locator("form[data-action=send]").count() == 0 and page.locator("#call-export").count() == 0
            with page.expect_response(
                lambda r, p=path: r.url.startswith(f"{base}{p}") and r.request.method == "POST"
            ) as r:
                page.evaluate(POST_AS_PAGE, [f"{path}?lang={language}", form])
            assert r.value.status == 403
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language
            assert sentence in page.locator("h1").inner_text()
            shot(page, f"journey-refused-border-guard-{what}-{language}")
    context.close()
