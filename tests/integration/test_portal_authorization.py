"""What attack testing found in the portal, each closed (issue 13): the declare form skipped the API's checks, a
driver bound to one driver id saw its whole enterprise's trips, the reschedule form skipped the booking limit, and
the booking limit was counted before the trip's visibility.

The booking limit here is a counting implementation of the ``RateLimiter`` port (a small capacity, and a record
of every attempt counted), so each test can see what was counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.web import auth
from cuakhau.adapters.web.app import build_app
from cuakhau.adapters.web.batching import BookingBatcher
from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Role
from cuakhau.domain.errors import CuakhauError
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World
from tests.integration.test_page_api_parity import (
    CSRF,
    HOME,
    MISSING,
    Ids,
    api_answer,
    declare_body,
    declare_form,
    setup_ids,
)


class CountingLimiter:
    """The ``RateLimiter`` port: ``capacity`` attempts per key, every attempt recorded."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.hits: Counter[tuple[str, str]] = Counter()

    def hit(self, scope: str, key: str, now: datetime) -> float | None:
        self.hits[scope, key] += 1
        return 60.0 if self.hits[scope, key] > self.capacity else None

    def booking_hits(self) -> int:
        return sum(n for (scope, _), n in self.hits.items() if scope == auth.BOOKING)


@pytest.fixture
def limiter() -> CountingLimiter:
    return CountingLimiter(capacity=2)


@pytest.fixture
def limited_app(ctx: ServiceContext, limiter: CountingLimiter) -> Iterator[FastAPI]:
    booker = BookingBatcher(lambda requests: equeue.book(ctx.uow(), clock=ctx.clock, request=requests))
    yield build_app(ctx, booker=booker, security=auth.Security(limiter=limiter))
    booker.stop()


@pytest.fixture
def ids(ctx: ServiceContext, world: World) -> Ids:
    return setup_ids(ctx, world)


def clients(ctx: ServiceContext, app: FastAPI, role: Role, **binding: Any) -> tuple[TestClient, TestClient]:
    """(the pages with the session cookie, the API with the bearer token) for one new account."""
    token = token_for(ctx, role, **binding)
    page = TestClient(app, raise_server_exceptions=False, cookies={CSRF_COOKIE: CSRF, "cuakhau_session": token})
    api = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    return page, api


def trip_count(ctx: ServiceContext) -> int:
    return trips.list_trips(ctx.uow(), trips.TripFilter(), limit=1, offset=0)[1]


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="error" id="err-{name}">([^<]+)</span>', html)
    assert found, (name, html[:2000])
    return found.group(1)


# --- declaring ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bound", [True, False])
def test_a_driver_cannot_declare_through_the_portal(
    ctx: ServiceContext, world: World, app: FastAPI, ids: Ids, bound: bool
) -> None:
    binding: dict[str, Any] = {"enterprise_id": ids.enterprise}
    if bound:
        binding["driver_id"] = ids.driver_id
    page, api = clients(ctx, app, Role.DRIVER, **binding)
    before = trip_count(ctx)
    refused = api.post("/api/v1/trips", json=declare_body(ids, vehicle=ids.truck, driver=ids.driver_id))
    assert refused.status_code == 403
    form = page.get("/portal/trips/new?lang=vi", follow_redirects=False)
    assert form.status_code == 403 and "không được phép" in form.text  # auth.forbidden, in Vietnamese
    sent = page.post(
        "/portal/trips/new?lang=zh",
        data=declare_form(ids, vehicle=ids.truck, document=ids.driver_document),
        follow_redirects=False,
    )
    assert sent.status_code == 403, sent.text[:500]
    assert "无权" in sent.text  # the refusal as a sentence, in Chinese
    assert trip_count(ctx) == before  # nothing declared


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
def test_an_exporter_cannot_declare_with_another_enterprises_truck_or_driver(
    ctx: ServiceContext, world: World, app: FastAPI, ids: Ids, language: str
) -> None:
    page, _ = clients(ctx, app, Role.EXPORTER, enterprise_id=ids.enterprise)
    before = trip_count(ctx)

    def send(vehicle: str, document: str) -> Any:
        form = declare_form(ids, vehicle=vehicle, document=document)
        return page.post(f"/portal/trips/new?lang={language}", data=form, follow_redirects=False)

    theirs, missing = send(ids.their_truck, ids.driver_document), send(MISSING, ids.driver_document)
    assert theirs.status_code == missing.status_code == 404
    # Indistinguishable from a truck that does not exist, shown next to the truck field, in the reader's language.
    assert theirs.text.replace(ids.their_truck, "<id>") == missing.text.replace(MISSING, "<id>")
    message = field_error(theirs.text, "vehicle_id")
    assert message.startswith({"vi": "Không tìm thấy", "zh": "未找到", "en": "No "}[language]), message
    nobody = "079912345678"
    theirs = send(ids.truck, ids.their_driver_document)
    missing = send(ids.truck, nobody)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(ids.their_driver_document, "<doc>") == missing.text.replace(nobody, "<doc>")
    assert 'data-code="driver.not_found"' in theirs.text and 'data-field="driver_document"' in theirs.text
    field_error(theirs.text, "driver_document")
    assert trip_count(ctx) == before
    ok = send(ids.truck, ids.driver_document)  # the exporter's own truck and a driver with no employer on record
    assert ok.status_code == 303, ok.text[:500]
    assert trip_count(ctx) == before + 1


# --- what a driver bound to a driver id sees ----------------------------------------------------------------------


def test_a_bound_driver_sees_only_the_trips_it_drives_in_the_portal(
    ctx: ServiceContext, world: World, app: FastAPI, ids: Ids
) -> None:
    page, api = clients(ctx, app, Role.DRIVER, enterprise_id=ids.enterprise, driver_id=ids.driver_id)
    listed = set(re.findall(r'href="/portal/trips/([0-9a-f]{32})"', page.get("/portal").text))
    assert listed == {ids.own_trip, ids.earlier_trip}  # not the sibling trip another driver drives
    assert listed == {t["id"] for t in api.get("/api/v1/trips").json()["items"]}
    assert page.get(f"/portal/trips/{ids.own_trip}").status_code == 200
    hidden, missing = page.get(f"/portal/trips/{ids.sibling_trip}"), page.get(f"/portal/trips/{MISSING}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(ids.sibling_trip, "<id>") == missing.text.replace(MISSING, "<id>")
    move = {"csrf_token": CSRF, "action": "reschedule", "earliest": "2026-06-02T14:00", "latest": "2026-06-02T20:00"}
    assert page.post(f"/portal/trips/{ids.sibling_trip}/booking", data=move).status_code == 404
    # An unbound driver of the same enterprise sees the enterprise's trips, as the API shows them.
    page, _ = clients(ctx, app, Role.DRIVER, enterprise_id=ids.enterprise)
    listed = set(re.findall(r'href="/portal/trips/([0-9a-f]{32})"', page.get("/portal").text))
    assert listed == {ids.own_trip, ids.fresh_trip, ids.sibling_trip, ids.earlier_trip}


# --- the booking limit ---------------------------------------------------------------------------------------------

MOVE_FORM = {"csrf_token": CSRF, "action": "reschedule", "earliest": "2026-06-02T14:00", "latest": "2026-06-02T20:00"}
MOVE_API = {"earliest": "2026-06-02T14:00:00+07:00", "latest": "2026-06-02T20:00:00+07:00"}
BOOK_API = {"earliest": "2026-06-02T12:00:00+07:00", "latest": "2026-06-02T18:00:00+07:00", "travel_minutes": 60}


def test_portal_reschedule_counts_against_the_same_booking_limit_as_the_api(
    ctx: ServiceContext, world: World, limited_app: FastAPI, limiter: CountingLimiter, ids: Ids
) -> None:
    page, api = clients(ctx, limited_app, Role.EXPORTER, enterprise_id=ids.enterprise)
    assert api.patch(f"/api/v1/trips/{ids.own_trip}/booking", json=MOVE_API).status_code == 200
    moved = page.post(f"/portal/trips/{ids.own_trip}/booking?lang=vi", data=MOVE_FORM, follow_redirects=False)
    assert moved.status_code == 303, moved.text[:500]
    assert limiter.booking_hits() == 2  # the form's change was counted like the API's
    refused = api.patch(f"/api/v1/trips/{ids.own_trip}/booking", json=MOVE_API)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "auth.rate_limited"
    again = page.post(f"/portal/trips/{ids.own_trip}/booking?lang=vi", data=MOVE_FORM, follow_redirects=False)
    assert again.status_code == 429, again.text[:500]
    assert 'data-code="auth.rate_limited"' in again.text and "Quá nhiều yêu cầu" in again.text


def test_changes_to_a_trip_the_caller_may_not_see_never_use_up_the_booking_limit(
    ctx: ServiceContext, world: World, limited_app: FastAPI, limiter: CountingLimiter, ids: Ids
) -> None:
    page, api = clients(ctx, limited_app, Role.EXPORTER, enterprise_id=ids.enterprise)
    for trip_id in (ids.their_trip, MISSING):
        for i in range(4):  # twice the limit, on every route that changes a booking
            answers = [
                api.post(f"/api/v1/trips/{trip_id}/booking", json=BOOK_API, headers={"Idempotency-Key": f"k{i}"}),
                api.patch(f"/api/v1/trips/{trip_id}/booking", json=MOVE_API),
                api.post(f"/api/v1/trips/{trip_id}/booking/cancel", json={"reason": "xe hỏng"}),
                page.post(f"/portal/trips/{trip_id}/booking", data=MOVE_FORM, follow_redirects=False),
                page.post(
                    f"/portal/trips/{trip_id}/booking",
                    data={**MOVE_FORM, "action": "book", "travel_minutes": "60", "idempotency_key": f"p{i}"},
                    follow_redirects=False,
                ),
            ]
            assert [a.status_code for a in answers] == [404] * 5, [(a.status_code, a.text[:200]) for a in answers]
            assert api_answer(answers[0]) == ("not found", "trip.not_found")
    assert limiter.booking_hits() == 0
    # The limit is whole: the caller's own bookings go through.
    booked = api.post(f"/api/v1/trips/{ids.fresh_trip}/booking", json=BOOK_API, headers={"Idempotency-Key": "mine"})
    assert booked.status_code == 201, booked.text
    assert api.patch(f"/api/v1/trips/{ids.fresh_trip}/booking", json=MOVE_API).status_code == 200
    assert limiter.booking_hits() == 2


def test_a_batch_counts_each_visible_request_once_and_never_an_invisible_one(
    ctx: ServiceContext, world: World, ids: Ids
) -> None:
    counted: Counter[str] = Counter()
    actor = Actor("exporter-1", ActorRole.EXPORTER)
    own = world.declare(HOME, vehicle_id=world.new_truck())

    def request(trip_id: str, key: str) -> equeue.BookingRequest:
        return equeue.BookingRequest(
            trip_id=trip_id,
            earliest=datetime.fromisoformat(BOOK_API["earliest"]),
            latest=datetime.fromisoformat(BOOK_API["latest"]),
            travel_minutes=60,
            actor=actor,
            idempotency=equeue.Idempotency("book", key, "h"),
            may_see=lambda scope: scope.exporter_id == ids.enterprise,
            count=lambda: counted.update([trip_id]),
        )

    results = equeue.book(
        ctx.uow(),
        clock=ctx.clock,
        request=[request(ids.fresh_trip, "a"), request(ids.their_trip, "b"), request(own.id, "c")],
    )
    assert not isinstance(results[0], CuakhauError) and not isinstance(results[2], CuakhauError)
    assert isinstance(results[1], CuakhauError) and results[1].code == "trip.not_found"
    assert counted == Counter({ids.fresh_trip: 1, own.id: 1})
