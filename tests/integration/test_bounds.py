"""Bounded work per request (docs/security.md, "Bounded input"), on SQLite and PostgreSQL.

* A closure reaching centuries ahead — published here or announced by the partner — is recorded, and re-plans
  only the days that have slots: the same work as a closure that ends with the booking horizon.
* Every route that takes a date, a time or a period refuses one outside what the product can use (``0001-01-01``,
  ``9999-12-31``, a day years ahead, a period reversed or too long) with 422, naming the field, in vi/zh/en.
* JSON nested 100,000 deep, or with too many values, is refused before it is parsed, on every route; the exchange
  inbox logs that refusal like its others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from cuakhau.adapters.exchange.runtime import ExchangeRuntime
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.exchange import MessageKind
from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import new_id
from cuakhau.services import equeue, exchange
from cuakhau.services.context import ServiceContext
from cuakhau.services.equeue import capacity as equeue_capacity
from tests.fixtures.accounts import bearer, principal, token_for
from tests.fixtures.factories import World
from tests.integration.test_exchange import CN, SCHEME, VN, Partner

API = "/api/v1"
FAR = ["2200-06-30T00:00:00+07:00", "4585-06-30T00:00:00+07:00"]


@pytest.fixture
def runtime() -> ExchangeRuntime:
    return ExchangeRuntime(exchange.Identity(VN, frozenset({VN})), SCHEME)


@pytest.fixture
def partner(ctx: ServiceContext, world: World) -> Partner:
    p = Partner(ctx)
    exchange.generate_key(ctx.uow(), clock=ctx.clock, scheme=SCHEME)
    exchange.add_peer(
        ctx.uow(),
        clock=ctx.clock,
        peer_id=CN,
        inbox_url="http://127.0.0.1:9/api/v1/exchange/inbox",
        gates=[CN],
        keys=[(p.key_id, p.public)],
    )
    return p


@pytest.fixture
def admin(ctx: ServiceContext, app: FastAPI, runtime: ExchangeRuntime) -> Iterator[TestClient]:
    """A system_admin on an app whose exchange is on (the inbox and /exchange/capacity answer)."""
    app.state.exchange = runtime
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as c:
        yield c


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, as sent."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def slot_day_lookups(statements: list[str]) -> int:
    """Statements that look for the slots a change overlaps (SlotRepository.overlapping)."""
    return sum(1 for s in statements if "FROM slots" in s and "slots.ends_at >" in s)


class Refreshes:
    """Which gate days a capacity change refreshed (equeue.refresh_capacity, called through)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.days: set[tuple[str, Direction, date]] = set()
        real = equeue.refresh_capacity

        def spy(uow: Any, *, gate_id: str, direction: Direction, days: Any, **kw: Any) -> Any:
            days = list(days)
            self.days |= {(gate_id, direction, d) for d in days}
            return real(uow, gate_id=gate_id, direction=direction, days=days, **kw)

        monkeypatch.setattr(equeue_capacity, "refresh_capacity", spy)

    def take(self) -> set[tuple[str, Direction, date]]:
        days, self.days = self.days, set()
        return days


def slot_days(ctx: ServiceContext, since: datetime) -> set[tuple[str, Direction, date]]:
    """The gate days that have slots from ``since`` on (both gates, both directions)."""
    found = set()
    with ctx.uow(read_only=True) as uow:
        for gate_id in (VN, CN):
            gate = uow.gates.get(gate_id)
            assert gate is not None
            for flow in Direction:
                for row in uow.slots.between(gate_id, flow, since, since + timedelta(days=60)):
                    found.add((gate_id, flow, gate.local(row.starts_at).date()))
    return found


def with_slots(world: World, anon: TestClient, clock: ManualClock) -> None:
    """Bookings today, and the slots of the next three days looked at (so those days have slot rows)."""
    for _ in range(2):
        world.book(world.declare(vehicle_id=world.new_truck()).id)
    today = clock.now().date()
    for days in range(1, 4):
        assert anon.get(f"{API}/gates/{VN}/slots", params={"date": str(today + timedelta(days=days))}).is_success


def test_a_closure_centuries_ahead_is_recorded_and_replans_only_the_days_with_slots(
    ctx: ServiceContext,
    world: World,
    client: TestClient,
    anon: TestClient,
    engine: Engine,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_slots(world, anon, clock)
    start = clock.now() + timedelta(hours=1)
    refreshes = Refreshes(monkeypatch)

    def close(ends_at: str) -> int:
        body = {"starts_at": start.isoformat(), "ends_at": ends_at, "reason": "Nâng cấp cửa khẩu", "kind": "suspension"}
        with counted(engine) as statements:
            r = client.post(f"{API}/gates/{VN}/closures", json=body)
        assert r.status_code == 201, r.text
        assert slot_day_lookups(statements) == 1  # both gates, both directions: one query finds the days
        return len(statements)

    # The first closure moves the booked trucks out; those that follow find the same days with nothing to move.
    close((start + timedelta(days=20)).isoformat())
    expected = slot_days(ctx, clock.now() - timedelta(days=1))
    assert refreshes.take() == expected and len(expected) >= 4
    horizon = close((start + timedelta(days=20)).isoformat())
    assert refreshes.take() == expected
    for ends_at in FAR:
        # the same days, the same statements: the work does not grow with the closure's length
        assert close(ends_at) == horizon
        assert refreshes.take() == expected
    published = client.get(f"{API}/gates/{VN}").json()["closures"]
    assert {c["ends_at"][:4] for c in published} >= {"2200", "4585"}


def test_a_partner_closure_centuries_ahead_is_applied_with_the_same_bounded_work(
    ctx: ServiceContext,
    world: World,
    admin: TestClient,
    anon: TestClient,
    partner: Partner,
    engine: Engine,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_slots(world, anon, clock)
    start = clock.now() + timedelta(hours=1)
    refreshes = Refreshes(monkeypatch)

    def announce(ends_at: datetime) -> int:
        doc = partner.closure(start, hours=int((ends_at - start) / timedelta(hours=1)))
        with counted(engine) as statements:
            r = admin.post(f"{API}/exchange/inbox", content=json.dumps(doc))
        assert r.status_code == 200 and r.json()["status"] == "applied", r.text
        assert slot_day_lookups(statements) == 1
        return len(statements)

    announce(start + timedelta(days=20))
    expected = slot_days(ctx, clock.now() - timedelta(days=1))
    assert refreshes.take() == expected
    horizon = announce(start + timedelta(days=20))
    refreshes.take()
    for ends_at in FAR:
        assert announce(datetime.fromisoformat(ends_at)) == horizon
        assert refreshes.take() == expected
    theirs = anon.get(f"{API}/gates/{CN}").json()["closures"]
    assert {c["ends_at"][:4] for c in theirs} >= {"2200", "4585"}


# --- every date, time and period ---------------------------------------------------------------------------

TOO_EARLY, TOO_LATE = "0001-01-01", "9999-12-31"
EXTREMES = [TOO_EARLY, TOO_LATE]
INSTANTS = {TOO_EARLY: "0001-01-01T00:00:00+07:00", TOO_LATE: "9999-12-31T23:59:59-05:00"}
MESSAGES = {
    "vi": "ngoài khoảng cho phép",
    "zh": "超出允许范围",
    "en": "out of range",
}


def refused_422(r: Any, field: str, code: str = "time.out_of_range") -> None:
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error


@pytest.fixture
def booked_trip(world: World) -> str:
    trip = world.declare(vehicle_id=world.new_truck())
    world.book(trip.id)
    return trip.id


def _calls(trip_id: str, value: str, instant: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, params or body, field) of every route that takes a date or a time, given the bad value."""
    later = "2026-06-03T10:00:00+07:00"
    closure = {"reason": "x", "kind": "suspension"}
    return [
        ("GET", f"{API}/gates/{VN}/slots", {"date": value}, "date"),
        ("GET", f"{API}/gates/{VN}/plan", {"date": value}, "date"),
        ("POST", f"{API}/gates/{VN}/plan", {"direction": "export", "date": value}, "date"),
        ("POST", f"{API}/gates/{VN}/acceptance", {"direction": "export", "date": value, "daily_quota": 5}, "date"),
        ("POST", f"{API}/gates/{VN}/closures", {**closure, "starts_at": instant, "ends_at": later}, "starts_at"),
        ("POST", f"{API}/gates/{VN}/closures", {**closure, "starts_at": later, "ends_at": instant}, "ends_at"),
        ("PATCH", f"{API}/trips/{trip_id}/booking", {"earliest": instant, "latest": later}, "earliest"),
        ("PATCH", f"{API}/trips/{trip_id}/booking", {"earliest": later, "latest": instant}, "latest"),
        ("GET", f"{API}/trips", {"declared_from": instant}, "declared_from"),
        ("GET", f"{API}/trips", {"declared_to": instant}, "declared_to"),
        ("GET", f"{API}/gates/{VN}/delays", {"since": instant, "until": later}, "since"),
        ("GET", f"{API}/gates/{VN}/delays", {"since": later, "until": instant}, "until"),
        ("POST", f"{API}/gates/{VN}/manual-reads", {"checkpoint": "lane", "plate": "12C-123.45", "at": instant}, "at"),
        (
            "POST",
            f"{API}/exchange/capacity",
            {"gate_id": VN, "closures": [{**closure, "starts_at": instant, "ends_at": later}]},
            "closures[0].starts_at",
        ),
        (
            "POST",
            f"{API}/exchange/capacity",
            {"gate_id": VN, "acceptance": [{"date": value, "daily_quota": 5}]},
            "acceptance[0].date",
        ),
    ]


def call(client: TestClient, method: str, path: str, data: dict[str, Any], language: str = "en") -> Any:
    headers = {"Accept-Language": language}
    if method == "GET":
        return client.get(path, params=data, headers=headers)
    return client.request(method, path, json=data, headers=headers)


@pytest.mark.parametrize("value", EXTREMES)
def test_every_date_route_refuses_dates_no_arithmetic_can_use(admin: TestClient, booked_trip: str, value: str) -> None:
    for method, path, data, field in _calls(booked_trip, value, INSTANTS[value]):
        r = call(admin, method, path, data)
        assert r.status_code == 422, (method, path, field, r.status_code, r.text)
        error = r.json()["error"]
        assert (error["code"], error["field"]) == ("time.out_of_range", field), (method, path, error)
        assert "2000-01-01" in error["message"], error


@pytest.mark.parametrize(("language", "words"), MESSAGES.items())
def test_the_refusal_names_the_window_in_the_readers_language(
    anon: TestClient, admin: TestClient, booked_trip: str, language: str, words: str
) -> None:
    r = call(anon, "GET", f"{API}/gates/{VN}/slots", {"date": TOO_LATE}, language)
    assert r.status_code == 422 and words in r.json()["error"]["message"]
    assert r.headers["content-language"] == language
    # a day the product cannot use, though representable: past the booking horizon
    r = call(anon, "GET", f"{API}/gates/{VN}/slots", {"date": "2027-06-02"}, language)
    refused_422(r, "date")
    assert words in r.json()["error"]["message"] and "2026-06-17" in r.json()["error"]["message"]


def test_days_and_periods_are_bounded_to_what_the_product_can_use(
    admin: TestClient, anon: TestClient, as_role: Any, booked_trip: str, clock: ManualClock
) -> None:
    today = clock.now().date()
    in_a_month = str(today + timedelta(days=30))
    refused_422(anon.get(f"{API}/gates/{VN}/slots", params={"date": str(today - timedelta(days=4 * 366))}), "date")
    refused_422(admin.get(f"{API}/gates/{VN}/plan", params={"date": in_a_month}), "date")
    refused_422(admin.post(f"{API}/gates/{VN}/plan", json={"direction": "export", "date": in_a_month}), "date")
    acceptance = {"direction": "export", "date": in_a_month, "daily_quota": 3}
    refused_422(admin.post(f"{API}/gates/{VN}/acceptance", json=acceptance), "date")
    body = {"gate_id": VN, "acceptance": [{"date": in_a_month, "daily_quota": 5}]}
    refused_422(admin.post(f"{API}/exchange/capacity", json=body), "acceptance[0].date")
    # a closure may end centuries ahead (until further notice) but not start years ahead
    years_ahead = (clock.now() + timedelta(days=3 * 366)).isoformat()
    far = {"starts_at": years_ahead, "ends_at": FAR[0], "reason": "x", "kind": "suspension"}
    refused_422(admin.post(f"{API}/gates/{VN}/closures", json=far), "starts_at")
    body = {"gate_id": VN, "closures": [far]}
    refused_422(admin.post(f"{API}/exchange/capacity", json=body), "closures[0].starts_at")
    # periods: in order, not longer than a year, not reaching back past the kept history
    now = clock.now()
    delays = f"{API}/gates/{VN}/delays"
    reversed_period = {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()}
    refused_422(admin.get(delays, params=reversed_period), "until", "time.end_before_start")
    decade = {"since": (now - timedelta(days=800)).isoformat(), "until": now.isoformat()}
    refused_422(admin.get(delays, params=decade), "until", "time.period_too_long")
    ancient = {"since": "2001-01-01T00:00:00+07:00", "until": "2001-02-01T00:00:00+07:00"}
    refused_422(admin.get(delays, params=ancient), "since")
    month = {"since": (now - timedelta(days=30)).isoformat(), "until": now.isoformat()}
    assert admin.get(delays, params=month).is_success
    trips = {"declared_from": now.isoformat(), "declared_to": (now - timedelta(days=1)).isoformat()}
    refused_422(admin.get(f"{API}/trips", params=trips), "declared_to", "time.end_before_start")
    # a passage recorded by hand: not weeks late, not ahead of the clock
    guard = as_role(Role.BORDER_GUARD, gates=[VN])
    reads = f"{API}/gates/{VN}/manual-reads"
    read = {"checkpoint": "yard_entry", "plate": "12C-123.45"}
    refused_422(guard.post(reads, json={**read, "at": (now - timedelta(days=30)).isoformat()}), "at")
    refused_422(guard.post(reads, json={**read, "at": (now + timedelta(days=1)).isoformat()}), "at")
    assert guard.post(reads, json={**read, "at": (now - timedelta(hours=3)).isoformat()}).status_code == 201
    # what stays allowed: today's plan and slots, a week ahead
    week = str(today + timedelta(days=7))
    assert anon.get(f"{API}/gates/{VN}/slots", params={"date": week}).is_success
    assert admin.get(f"{API}/gates/{VN}/plan", params={"date": week}).is_success


def test_partner_messages_with_dates_out_of_bounds_are_refused_and_logged(
    admin: TestClient, partner: Partner, clock: ManualClock, ctx: ServiceContext
) -> None:
    now = clock.now()

    def capacity(**body: Any) -> dict[str, Any]:
        return partner.document(MessageKind.CAPACITY, {"gate_id": CN, "declared_by": "cn-admin", **body})

    closure = {"id": new_id(), "kind": "suspension", "reason": "x", "ends_at": FAR[1]}
    acceptance = {"direction": "import", "daily_quota": 3}
    in_two_months = str(now.date() + timedelta(days=60))
    cases = [
        (capacity(closures=[{**closure, "starts_at": INSTANTS[TOO_EARLY]}]), 422, "exchange.schema"),
        (capacity(acceptance=[{**acceptance, "date": TOO_LATE}]), 422, "exchange.schema"),
        # authentic and readable, but for a day nobody can book yet: kept as rejected, logged
        (capacity(acceptance=[{**acceptance, "date": in_two_months}]), 422, "exchange.unapplicable"),
        (
            capacity(closures=[{**closure, "starts_at": (now + timedelta(days=3 * 366)).isoformat()}]),
            422,
            "exchange.unapplicable",
        ),
    ]
    for doc, status, code in cases:
        r = admin.post(f"{API}/exchange/inbox", content=json.dumps(doc))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    logged = admin.get(f"{API}/exchange/refusals").json()
    assert logged["total"] == len(cases)
    assert sorted(i["code"] for i in logged["items"]) == sorted(code for _, _, code in cases)
    assert anon_closures(admin) == []


def anon_closures(client: TestClient) -> list[Any]:
    return [c for c in client.get(f"{API}/gates/{CN}").json()["closures"] if c["ends_at"].startswith("4585")]


@pytest.mark.parametrize("day", [TOO_EARLY, TOO_LATE, "2030-01-01"])
def test_the_portal_trip_page_refuses_days_out_of_bounds(
    client: TestClient, world: World, booked_trip: str, day: str
) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: principal(
        "exporter", enterprise_id=world.exporter.id, locale="en"
    )
    r = client.get(f"/portal/trips/{booked_trip}", params={"day": day, "lang": "en"})
    assert r.status_code == 422, r.text
    assert client.get(f"/portal/trips/{booked_trip}", params={"lang": "en"}).status_code == 200


# --- JSON too deep or too big ------------------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
WIDE = b"[" + b",".join([b"0"] * 30_000) + b"]"


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [(DEEP, 422, "request.too_deep"), (DEEP_OBJECT, 422, "request.too_deep"), (WIDE, 413, "request.too_many_items")],
)
def test_json_too_deep_or_too_big_is_refused_before_it_is_parsed(
    admin: TestClient, booked_trip: str, raw: bytes, status: int, code: str, language: str
) -> None:
    headers = {"Accept-Language": language}
    for method, path, content_type in [
        ("POST", f"{API}/trips", "application/json"),
        ("PATCH", f"{API}/trips/{booked_trip}/booking", "application/json; charset=utf-8"),
        ("POST", f"{API}/gates/{VN}/closures", None),  # no content type: FastAPI would parse it as JSON
        ("POST", f"{API}/exchange/capacity", "application/merge-patch+json"),
    ]:
        sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
        r = admin.request(method, path, content=raw, headers=sent)
        assert r.status_code == status, (path, r.status_code, r.text[:200])
        error = r.json()["error"]
        assert error["code"] == code and error["message"] and r.headers["content-language"] == language
    # streamed (chunked) too
    r = admin.post(f"{API}/trips", content=iter([raw[: len(raw) // 2], raw[len(raw) // 2 :]]), headers=headers)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_json_nested_deep_to_the_inbox_is_refused_and_logged(admin: TestClient, partner: Partner) -> None:
    for raw, reason in [(DEEP, "depth"), (DEEP_OBJECT, "depth"), (WIDE, "items")]:
        r = admin.post(f"{API}/exchange/inbox", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert (error["code"], error["params"]["reason"]) == ("exchange.malformed", reason)
    logged = admin.get(f"{API}/exchange/refusals").json()
    assert logged["total"] == 3 and {i["code"] for i in logged["items"]} == {"exchange.malformed"}


def test_ordinary_json_still_passes(admin: TestClient, world: World) -> None:
    """The limits leave room: a trip with 200 cargo lines (the most a shipment has) is declared."""
    shipment = world.shipment()
    shipment["lines"] = [dict(shipment["lines"][0]) for _ in range(200)]
    body = {
        "gate_id": VN,
        "direction": "export",
        "vehicle_id": world.new_truck(),
        "driver_id": world.driver.id,
        "shipment": shipment,
    }
    r = admin.post(f"{API}/trips", json=body)
    assert r.status_code == 201, r.text[:300]
