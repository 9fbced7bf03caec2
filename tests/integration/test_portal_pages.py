"""The exporter portal through its forms: declare with cargo lines, book, reschedule, the timeline; only one's own
trips (another enterprise's answers like a missing one); forms refused without their CSRF token."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Principal
from cuakhau.domain.trip import TripState
from cuakhau.services import registry, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, vn_tax_code

GATE = "vn-huu-nghi"


def Exporter(enterprise_id: str) -> Principal:
    return principal("exporter", enterprise_id=enterprise_id, username=f"exporter-{enterprise_id[:8]}")


def token(html: str, name: str = "csrf_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, name
    return found.group(1)


def form(world: World, csrf: str, **over: str) -> dict[str, str]:
    body = {
        "csrf_token": csrf,
        "gate_id": GATE,
        "direction": "export",
        "vehicle_id": world.truck.id,
        "driver_document_kind": "vn_citizen_id",
        "driver_document": world.driver.document.number,
        "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司",
        "consignee_country": "CN",
        "phytosanitary_certificate_no": "VN-PC-2026-001234",
        "lines-0-hs_code": "0810.60",
        "lines-0-description": "Sầu riêng Ri6 / 鲜榴莲",
        "lines-0-net_kg": "18000",
        "lines-0-gross_kg": "19500",
        "lines-0-packages": "1000",
        "lines-0-value": "54000",
        "lines-0-currency": "USD",
        "lines-0-planting_area_code": "VN-BTOR-0102",
        "lines-0-packing_house_code": "VN-BTPH-017",
    }
    body.update(over)
    return body


def test_declare_book_reschedule_and_follow(ctx: ServiceContext, world: World, client: TestClient) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    page = client.get("/portal/trips/new?lang=vi")
    assert page.status_code == 200 and "Khai báo chuyến xe" in page.text
    csrf = token(page.text)
    # Without the form's token: refused, nothing declared.
    refused = client.post("/portal/trips/new", data=form(world, "forged"), follow_redirects=False)
    assert refused.status_code == 403
    assert trips.list_trips(ctx.uow(), trips.TripFilter(), limit=10, offset=0)[1] == 0
    # A retired HS code: the service's error, in Vietnamese, next to the field.
    bad = client.post("/portal/trips/new", data=form(world, csrf, **{"lines-0-hs_code": "081050x"}))
    assert bad.status_code == 422 and 'class="error"' in bad.text
    done = client.post("/portal/trips/new", data=form(world, csrf), follow_redirects=False)
    assert done.status_code == 303, done.text
    trip_id = done.headers["location"].split("/")[3].split("?")[0]
    trip = trips.get_trip(ctx.uow(), trip_id)
    assert trip.state is TripState.DECLARED and trip.gate_id == GATE
    page = client.get(f"/portal/trips/{trip_id}?lang=en")
    assert page.status_code == 200 and "Remaining capacity" in page.text
    body = {
        "csrf_token": token(page.text),
        "idempotency_key": token(page.text, "idempotency_key"),
        "action": "book",
        "earliest": "2026-06-02T10:00",
        "latest": "2026-06-02T18:00",
        "travel_minutes": "90",
    }
    booked = client.post(f"/portal/trips/{trip_id}/booking", data=body, follow_redirects=False)
    assert booked.status_code == 303, booked.text
    assert trips.get_trip(ctx.uow(), trip_id).state is TripState.BOOKED
    # The same form sent twice (a double click) books once: the idempotency key is the form's.
    again = client.post(f"/portal/trips/{trip_id}/booking", data=body, follow_redirects=False)
    assert again.status_code == 303
    page = client.get(f"/portal/trips/{trip_id}?lang=en")
    assert "Slot" in page.text and "first come, first served" in page.text
    moved = client.post(
        f"/portal/trips/{trip_id}/booking",
        data={**body, "action": "reschedule", "earliest": "2026-06-02T14:00", "latest": "2026-06-02T20:00"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    page = client.get(f"/portal/trips/{trip_id}?lang=zh")
    assert page.status_code == 200 and "时间线" in page.text
    assert re.search(r"14:00", page.text)  # the new slot, in the gate's time (UTC+7)


def test_another_enterprises_trip_reads_as_missing(ctx: ServiceContext, world: World, client: TestClient) -> None:
    mine = world.declare(GATE).id
    other = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name="Công ty TNHH Khác", country="VN", tax_id=vn_tax_code(), roles=["exporter"]
    )
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(other.id)
    hidden = client.get(f"/portal/trips/{mine}")
    missing = client.get("/portal/trips/0123456789abcdef0123456789abcdef")
    assert hidden.status_code == missing.status_code == 404
    assert 'data-code="trip.not_found"' in hidden.text and 'data-code="trip.not_found"' in missing.text
    listing = client.get("/portal")
    assert mine not in listing.text
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    assert mine in client.get("/portal").text


def test_hs_lookup_in_three_languages(world: World, client: TestClient) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    for query in ("sầu riêng", "榴莲", "durian", "0810 60"):
        fragment = client.get("/portal/hs", params={"q": query}, headers={"X-Fragment": "1"})
        assert fragment.status_code == 200 and 'data-code="081060"' in fragment.text, query
    assert client.get("/portal/hs?q=" + "x" * 101).status_code == 422


def test_hs_lookup_answers_in_the_pages_language(world: World, client: TestClient) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    cases = [
        ("vi", "荔枝", "081090", "Quả tươi khác", "Fruit, edible"),
        ("vi", "vai thieu", "081090", "Quả tươi khác", "其他鲜果"),
        ("zh", "vải", "081090", "其他鲜果", "Quả tươi"),
        ("zh", "sau rieng", "081060", "鲜榴莲", "durians"),
        ("en", "龙眼", "081090", "Fruit, edible; fruits n.e.c.", "其他鲜果"),
        ("vi", "durain", "081060", "Quả sầu riêng, tươi", "durians"),
    ]
    for language, query, code, shown, absent in cases:
        page = client.get("/portal/hs", params={"q": query, "lang": language}, headers={"X-Fragment": "1"})
        assert page.status_code == 200, query
        first = re.search(r'data-code="(\d+)"', page.text)
        assert first and first.group(1) == code, (language, query)
        assert shown in page.text and absent not in page.text, (language, query)
    # a subheading without a name of its own is shown with its heading's, saying so
    page = client.get("/portal/hs", params={"q": "gỗ xẻ", "lang": "vi"}, headers={"X-Fragment": "1"})
    assert "Nhóm 4407 —" in page.text and "Wood" not in page.text


def test_pages_send_the_public_to_log_in(anon: TestClient) -> None:
    response = anon.get("/portal/trips/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fportal%2Ftrips%2Fnew"


def Admin() -> Principal:
    return principal("system_admin", locale="en")


def test_bad_input_on_pages_is_never_a_server_error(world: World, anon: TestClient) -> None:
    app: Any = anon.app
    app.state.page_principal_resolver = lambda request: Admin()
    csrf = token(anon.get("/portal/trips/new").text)
    gets = [
        "/portal/trips/nope",
        "/portal/trips/nope?day=not-a-date",
        "/portal/trips/" + "x" * 5000,
        "/portal?offset=-1",
        "/portal/hs?line=abc&q=%00",
        "/portal/hs?q=" + "%F0%9F%8D%88" * 20,
        "/gates/vn-nowhere/dashboard",
        "/gates/vn-nowhere/dashboard.json",
        "/gates/vn-nowhere/dashboard/events",
        "/waits?lang=xx",
        "/api/v1/public/waits?gate_id=" + "y" * 65,
        "/login?next=javascript:alert(1)",
    ]
    for path in gets:
        assert anon.get(path).status_code < 500, path
    posts = [
        ("/portal/trips/new", {"csrf_token": csrf}),
        ("/portal/trips/new", {"csrf_token": csrf, "lines-0-packages": "many", "gate_id": "vn-huu-nghi"}),
        ("/portal/trips/new", {"csrf_token": csrf, "driver_document_kind": "x", "driver_document": "\u0000"}),
        ("/portal/trips/nope/booking", {"csrf_token": csrf, "earliest": "tomorrow"}),
        ("/login", {"csrf_token": csrf}),
        ("/logout", {}),
    ]
    for path, data in posts:
        assert anon.post(path, data=data, follow_redirects=False).status_code < 500, (path, data)
