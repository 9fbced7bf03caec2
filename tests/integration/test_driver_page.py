"""The driver's page (issue 18, item 2): today's trip for a driver account bound to a driver id, in its language
and the gate's local time; another driver's trip answers like a missing one; every other account is refused; the
app is installable (manifest, service worker with its own policy) and small."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.web.pages import driver as driver_page
from cuakhau.adapters.web.pages.login import home_of
from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Principal, Role
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import lanes, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World

GATE = "vn-chi-ma"  # export lanes X1 (cargo) and X2 (perishable)
ADMIN = Actor("vn-chi-ma:admin", ActorRole.GATE_ADMIN)


def page_client(ctx: ServiceContext, app: FastAPI, role: Role, **binding: Any) -> TestClient:
    token = token_for(ctx, role, **binding)
    return TestClient(app, raise_server_exceptions=False, cookies={CSRF_COOKIE: "c" * 43, "cuakhau_session": token})


def visible_text(page: str) -> str:
    """What a person reads: the body without tags, attributes, scripts or styles."""
    body = page.split("<body>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def booked(world: World) -> str:
    trip = world.declare(GATE)  # the world's truck and driver
    world.book(trip.id)
    return trip.id


@pytest.fixture
def driver(ctx: ServiceContext, app: FastAPI, world: World) -> Iterator[TestClient]:
    with page_client(ctx, app, Role.DRIVER, enterprise_id=world.exporter.id, driver_id=world.driver.id) as client:
        yield client


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("vi", ("Chuyến của tôi", "Xuất phát trước", "Cập nhật lúc", "Đã có khung giờ")),
        ("zh", ("我的车次", "最晚出发时间", "更新于", "已分配时段")),
        ("en", ("My trip", "Leave by", "Updated at", "Slot given")),
    ],
)
def test_the_driver_sees_todays_trip_in_its_language_and_the_gates_time(
    ctx: ServiceContext, world: World, driver: TestClient, booked: str, language: str, words: tuple[str, ...]
) -> None:
    r = driver.get(f"/driver?lang={language}")
    assert r.status_code == 200, r.text[:500]
    text = visible_text(r.text)
    for word in words:
        assert word in text, (word, text[:2000])
    assert world.truck.plate.text in text
    # The slot and the leave-by time in the gate's local time (Vietnam, UTC+7): the booking's, converted.
    with ctx.uow(read_only=True) as uow:
        booking = uow.bookings.latest_for_trip(booked)
    assert booking is not None and booking.slot_start is not None
    leave_by = booking.must_leave_by()
    assert leave_by is not None
    local = leave_by.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    shown = re.search(r'id="leave-by"[^>]*>([^<]+)<', r.text)
    assert shown and local.strftime("%H:%M") in shown.group(1), (local, shown)
    # The booking's QR code, drawn on the server as an SVG image (no script, CSP-clean).
    assert re.search(r'<img id="qr" src="data:image/svg\+xml[;,]', r.text)
    # No id, no raw ISO time, no code or snake_case word is shown to the driver.
    assert booked not in text and booking.id not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    # The age of the data: a timestamp for the page's script, and the sentences it fills in, in the language.
    assert re.search(r'id="updated" data-at="\d{4}-\d\d-\d\dT', r.text)
    assert len(r.content) < 100_000  # a page under 100 KB before images (the QR code included)
    assert r.headers["content-language"] == language


def test_the_page_says_which_lane_to_go_to_once_the_truck_is_called(
    ctx: ServiceContext, world: World, driver: TestClient, booked: str
) -> None:
    for action, actor in (("dispatch", Actor(world.driver.id, ActorRole.DRIVER)), ("arrive", ADMIN)):
        trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=booked, action=action, actor=actor)
    before = driver.get("/driver?lang=vi")
    assert "Chờ trong bãi cho đến khi được gọi vào làn." in visible_text(before.text)
    report = lanes.call_forward(ctx.uow(), clock=ctx.clock, gate_id=GATE, direction="export", actor=ADMIN)
    (call,) = [c for c in report.calls if c.trip_id == booked]
    r = driver.get("/driver?lang=vi")
    text = visible_text(r.text)
    assert f"Vào làn {call.lane} trước" in text, text
    # The call is a step of the timeline, its reason a sentence (not the rule's code) …
    assert "hàng dễ hỏng trước" in text and "perishables_first" not in text
    # … and a notice sent about the trip.
    assert "Được gọi vào làn" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)


def test_another_drivers_trip_answers_like_a_missing_one(
    ctx: ServiceContext, world: World, driver: TestClient, booked: str
) -> None:
    other = world.declare(GATE)  # same enterprise, another truck and driver
    assert driver.get(f"/driver/trips/{booked}").status_code == 200
    for trip_id in (other.id, "0123456789abcdef0123456789abcdef"):
        r = driver.get(f"/driver/trips/{trip_id}?lang=en")
        assert r.status_code == 404, r.text[:300]
        assert 'data-code="trip.not_found"' in r.text
        assert world.truck.plate.text not in r.text


@pytest.mark.parametrize(
    ("role", "bound"),
    [
        (Role.EXPORTER, False),
        (Role.ENTERPRISE_ADMIN, False),
        (Role.DRIVER, False),  # a driver account not bound to a driver id
        (Role.GATE_ADMIN, False),
        (Role.SYSTEM_ADMIN, False),
    ],
)
def test_every_other_account_is_refused(
    ctx: ServiceContext, app: FastAPI, world: World, booked: str, role: Role, bound: bool
) -> None:
    binding: dict[str, Any] = {}
    if role in (Role.EXPORTER, Role.ENTERPRISE_ADMIN, Role.DRIVER):
        binding["enterprise_id"] = world.exporter.id
    if role is Role.GATE_ADMIN:
        binding["gates"] = [GATE]
    with page_client(ctx, app, role, **binding) as client:
        for url in ("/driver", f"/driver/trips/{booked}"):
            r = client.get(f"{url}?lang=vi")
            assert r.status_code == 403, (role, url, r.status_code)
            assert world.truck.plate.text not in r.text


def test_someone_signed_out_is_sent_to_sign_in(app: FastAPI, booked: str) -> None:
    with TestClient(app) as anon:
        r = anon.get("/driver", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fdriver")


def test_a_driver_without_a_trip_is_told_so(ctx: ServiceContext, app: FastAPI, world: World) -> None:
    with page_client(ctx, app, Role.DRIVER, enterprise_id=world.exporter.id, driver_id=world.new_driver()) as c:
        r = c.get("/driver?lang=zh")
    assert r.status_code == 200 and 'id="no-trip"' in r.text and "您还没有车次" in r.text


def test_a_driver_signs_in_to_its_page() -> None:
    common: dict[str, Any] = {"role": Role.DRIVER, "enterprise_id": "e", "gate_codes": frozenset(), "locale": "vi"}
    bound = Principal(account_id="a", username="d", driver_id="x", **common)
    unbound = Principal(account_id="b", username="u", **common)
    assert home_of(bound) == "/driver" and home_of(unbound) == "/portal"


def test_the_app_is_installable(anon: TestClient) -> None:
    manifest = anon.get("/driver/manifest.webmanifest?lang=zh")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = json.loads(manifest.text)
    assert body["name"] == "cuakhau — 司机" and body["lang"] == "zh" and body["start_url"] == "/driver"
    assert body["display"] == "standalone"
    for icon in body["icons"]:
        got = anon.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == icon["type"], icon
    worker = anon.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    # The worker obeys its own script's policy: it may fetch this origin (the API's "default-src 'none'" would
    # forbid every fetch), and nothing else.
    assert worker.headers["content-security-policy"] == driver_page.WORKER_CSP
    assert worker.headers["cache-control"] == "no-cache"
    assert "caches.open" in worker.text and '"/static/driver.js"' in worker.text
