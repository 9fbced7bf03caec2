"""Limits after visibility (issue 21, item 7): a request about an object the caller may not see is answered as not
found before any rate limit counts it, on every rate-limited route.

The rate-limited routes are found, not listed by hand: every API operation that documents 429 must be in
``HAMMER`` (or name no object: the login), so a new limited route fails here until it is hammered too. The portal
form that changes bookings counts against the same limit and is hammered with the API's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_page_api_parity import MISSING, Ids, setup_ids
from tests.integration.test_portal_authorization import (
    BOOK_API,
    MOVE_API,
    MOVE_FORM,
    CountingLimiter,
    clients,
    limited_app,  # noqa: F401 - a fixture
    limiter,  # noqa: F401 - a fixture
)

_keys = itertools.count(1)
Send = Callable[[TestClient, TestClient, str], Any]

#: Every rate-limited route that names an object: how to send it a request about ``trip_id``.
HAMMER: dict[tuple[str, str], Send] = {
    ("post", "/api/v1/trips/{trip_id}/booking"): lambda page, api, trip: api.post(
        f"/api/v1/trips/{trip}/booking", json=BOOK_API, headers={"Idempotency-Key": f"k{next(_keys)}"}
    ),
    ("patch", "/api/v1/trips/{trip_id}/booking"): lambda page, api, trip: api.patch(
        f"/api/v1/trips/{trip}/booking", json=MOVE_API
    ),
    ("post", "/api/v1/trips/{trip_id}/booking/cancel"): lambda page, api, trip: api.post(
        f"/api/v1/trips/{trip}/booking/cancel", json={"reason": "xe hỏng / 车坏了"}
    ),
    ("post", "/portal/trips/{trip_id}/booking (reschedule)"): lambda page, api, trip: page.post(
        f"/portal/trips/{trip}/booking", data=MOVE_FORM, follow_redirects=False
    ),
    ("post", "/portal/trips/{trip_id}/booking (book)"): lambda page, api, trip: page.post(
        f"/portal/trips/{trip}/booking",
        data={**MOVE_FORM, "action": "book", "travel_minutes": "60", "idempotency_key": f"p{next(_keys)}"},
        follow_redirects=False,
    ),
    ("post", "/api/v1/trips/{trip_id}/standby"): lambda page, api, trip: api.post(
        f"/api/v1/trips/{trip}/standby", json={"reach_minutes": 30}
    ),
    ("delete", "/api/v1/trips/{trip_id}/standby"): lambda page, api, trip: api.delete(f"/api/v1/trips/{trip}/standby"),
    # Without its Idempotency-Key: still not found first, not "key required".
    ("post", "/api/v1/trips/{trip_id}/booking (no key)"): lambda page, api, trip: api.post(
        f"/api/v1/trips/{trip}/booking", json=BOOK_API
    ),
}
#: Limited routes that name no object: the login and the password-reset request are limited by username and
#: address, a join request and the use of a one-time link by address (the link is a secret, not an object id).
NO_OBJECT = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/join-requests"),
}


def test_every_rate_limited_api_route_is_hammered_here(limited_app: FastAPI) -> None:  # noqa: F811
    documented = {
        (method, path)
        for path, operations in limited_app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "429" in operation.get("responses", {})
    }
    hammered = {(method, path.split(" ")[0]) for method, path in HAMMER if path.startswith("/api/")}
    assert documented - NO_OBJECT == hammered


@pytest.mark.parametrize("route", sorted(HAMMER), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_request_about_a_trip_the_caller_may_not_see_is_not_found_and_counts_nothing(
    ctx: ServiceContext,
    world: World,
    limited_app: FastAPI,  # noqa: F811
    limiter: CountingLimiter,  # noqa: F811
    route: tuple[str, str],
) -> None:
    ids: Ids = setup_ids(ctx, world)
    page, api = clients(ctx, limited_app, Role.EXPORTER, enterprise_id=ids.enterprise)
    send = HAMMER[route]
    for _ in range(3 * limiter.capacity):  # well past the limit: answered not found every time
        theirs, missing = send(page, api, ids.their_trip), send(page, api, MISSING)
        assert theirs.status_code == missing.status_code == 404, (theirs.status_code, theirs.text[:300])
        if route[1].startswith("/api/"):
            assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "trip.not_found"
        else:
            assert 'data-code="trip.not_found"' in theirs.text
    assert limiter.booking_hits() == 0
    # The caller's own budget is whole: exactly ``capacity`` changes of its own go through, the next is limited.
    answers = [
        api.post(f"/api/v1/trips/{ids.fresh_trip}/booking", json=BOOK_API, headers={"Idempotency-Key": "mine"}),
        api.patch(f"/api/v1/trips/{ids.fresh_trip}/booking", json=MOVE_API),
        api.patch(f"/api/v1/trips/{ids.fresh_trip}/booking", json=MOVE_API),
    ]
    assert [a.status_code for a in answers] == [201, 200, 429], [a.text[:200] for a in answers]
