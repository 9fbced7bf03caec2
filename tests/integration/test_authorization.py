"""Authorisation on every API route, on SQLite and PostgreSQL.

* Every route that is not published for the public refuses a request without a token: 401 with the one error
  shape. The routes are walked from ``app.routes`` (and checked against the OpenAPI description), so a new
  route is covered — or must be added to the public list here, on purpose.
* For every route that takes an object id, another tenant's object answers exactly like an id that does not
  exist (same status, code, field and message once the id is substituted), for an exporter and for an officer
  at another gate; and the owner of the object is let through, so the refusals are not vacuous.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db import tables
from cuakhau.adapters.exchange.sps import parse_sps_certificate
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import inspections, registry, trips
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import ReviewItem
from tests.fixtures.factories import World, cn_uscc, fruit_line, vn_citizen_id, vn_plate, vn_tax_code
from tests.integration.conftest import RoleClient

PUBLIC = {
    ("GET", "/api/v1/gates"),
    ("GET", "/api/v1/gates/{gate_id}"),
    ("GET", "/api/v1/gates/{gate_id}/slots"),
    ("GET", "/api/v1/booking-rules"),
    ("GET", "/api/v1/gate-rules"),
    ("GET", "/api/v1/customs/profile"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/public/waits"),  # the public wait board
    ("POST", "/api/v1/exchange/inbox"),  # the partner system: authenticated by each message's signature
    ("POST", "/api/v1/join-requests"),  # an enterprise asks to join
    ("POST", "/api/v1/auth/password-reset"),  # a forgotten password: a link to the account's contact
    ("POST", "/api/v1/auth/password-reset/confirm"),  # the link's token sets the password
}
MISSING = "0123456789abcdef0123456789abcdef"
VN_CERT = (Path(__file__).resolve().parents[1] / "fixtures" / "ephyto" / "vn_dragon_fruit.xml").read_text("utf-8")
HOME, AWAY = "vn-huu-nghi", "vn-tan-thanh"


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole since 0.16x)
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield from ((method, prefix + route.path) for method in route.methods)


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every API route of the app, walked from ``app.routes`` (hidden ones too) and cross-checked against the
    OpenAPI description, so that neither a new router nor a change in how FastAPI nests them slips past."""
    walked = {(m, p) for m, p in _walk(app.routes) if p.startswith("/api/")}
    described = {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if path.startswith("/api/")
    }
    assert described <= walked, sorted(described - walked)
    return sorted(walked)


def test_every_route_that_is_not_public_refuses_the_public(app: FastAPI, anon: TestClient, world: World) -> None:
    routes = api_routes(app)
    assert len(routes) > 30  # the enumeration found the API, not an empty app
    assert set(routes) >= PUBLIC, sorted(PUBLIC - set(routes))
    for method, path in routes:
        url = re.sub(r"\{[a-z_]+\}", HOME if "{gate_id}" in path else MISSING, path)
        r = anon.request(method, url, json={}, params={"date": "2026-06-02"})
        if (method, path) in PUBLIC:
            assert r.status_code != 401, (method, path, r.text)
            continue
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        error = r.json()["error"]
        assert set(error) == {"code", "message", "field", "params", "details"}
        assert error["code"] == "auth.unauthenticated", (method, path)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_or_foreign_scheme_token_is_the_public(anon: TestClient, world: World) -> None:
    for header in ("Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500):
        r = anon.get("/api/v1/trips", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["error"]["code"] == "auth.unauthenticated", header


@dataclass
class Tenant:
    enterprise_id: str
    vehicle_id: str
    driver_id: str
    shipment_id: str
    trip_id: str
    item_id: str  # a review item at the tenant's gate
    job_id: str  # a customs bay inspection of the tenant's trip
    check_id: str  # a phytosanitary certificate check of the tenant's shipment
    trip_ref: str = ""  # a manifest exchanged at the tenant's gate pair
    incident_id: str = ""  # a hotline incident at the tenant's gate pair


def exchange_records(ctx: ServiceContext, gate_id: str, trip_ref: str) -> tuple[str, str]:
    """A manifest and a hotline incident of a gate pair, as the exchange records them: (trip ref, incident id)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        gate = uow.gates.get(gate_id)
        assert gate is not None and gate.counterpart_id is not None
        uow.exchange.add_manifest(
            {
                "peer_id": gate.counterpart_id,
                "trip_ref": trip_ref,
                "way": "out",
                "gate_id": gate_id,
                "to_gate_id": gate.counterpart_id,
                "plate": "12C-123.45",
                "summary": {},
                "status": "submitted",
                "reasons": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        incident_id = f"inc-{trip_ref[:24]}"
        uow.exchange.add_incident(
            {
                "id": incident_id,
                "origin": gate.counterpart_id,
                "peer_id": gate.counterpart_id,
                "gate_id": gate.counterpart_id,
                "kind": "closure",
                "severity": "high",
                "summary": "Đóng làn do mưa lớn / 大雨关闭车道",
                "trip_ref": None,
                "raised_at": now,
                "ack_due_at": now + timedelta(minutes=30),
                "status": "open",
                "acknowledged_at": None,
                "acknowledged_by": None,
                "escalation_level": 0,
            }
        )
        uow.commit()
    return trip_ref, incident_id


def at_lane_with_papers(ctx: ServiceContext, trip_id: str, shipment_id: str) -> tuple[str, str]:
    """Bring a booked trip to its lane, send it to a customs bay and hand in its certificate: (job id, check id)."""
    for action, role in (
        ("dispatch", ActorRole.DRIVER),
        ("arrive", ActorRole.GATE_ADMIN),
        ("call", ActorRole.GATE_ADMIN),
    ):
        trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=Actor("x", role))
    job = inspections.request_inspection(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, kind="customs_bay", actor=Actor("hq-01", ActorRole.CUSTOMS)
    )
    check, _ = inspections.submit_certificate(
        ctx.uow(),
        clock=ctx.clock,
        shipment_id=shipment_id,
        certificate=parse_sps_certificate(VN_CERT),
        document=VN_CERT.encode(),
        actor=Actor("kd-01", ActorRole.QUARANTINE),
    )
    return job.id, check.id


def other_tenant(ctx: ServiceContext, world: World) -> Tenant:
    """A second enterprise with its own truck, driver, shipment and a booked trip at the other gate."""
    enterprise = registry.register_enterprise(
        ctx.uow(),
        clock=ctx.clock,
        name="Công ty TNHH Vải Lục Ngạn",
        country="VN",
        tax_id=vn_tax_code(),
        roles=["exporter"],
    )
    truck = registry.register_vehicle(ctx.uow(), clock=ctx.clock, plate=vn_plate(), owner_id=enterprise.id)
    driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Trần Văn Nam",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=enterprise.id,
    )
    trip = world.declare(
        AWAY,
        vehicle_id=truck.id,
        driver_id=driver.id,
        shipment=world.shipment(exporter_id=enterprise.id, lines=[fruit_line()]),
    )
    world.book(trip.id)
    review = ReviewItem(
        id=f"rv{trip.id[:30]}", gate_id=AWAY, kind="unknown_plate", created_at=ctx.clock.now(), detail={}
    )
    with ctx.uow() as uow:
        uow.reviews.add(review)
        uow.commit()
    job_id, check_id = at_lane_with_papers(ctx, trip.id, trip.shipment_id)
    trip_ref, incident_id = exchange_records(ctx, AWAY, trip.id)
    return Tenant(
        enterprise.id,
        truck.id,
        driver.id,
        trip.shipment_id,
        trip.id,
        review.id,
        job_id,
        check_id,
        trip_ref,
        incident_id,
    )


def booking_body() -> dict[str, Any]:
    now = datetime(2026, 6, 2, 2, tzinfo=UTC)
    return {"earliest": now.isoformat(), "latest": (now + timedelta(hours=6)).isoformat(), "travel_minutes": 60}


#: (method, path, which id, body) — every API route whose path names an object other than a (public) gate.
OBJECT_ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/enterprises/{enterprise_id}", "enterprise_id", None),
    ("GET", "/api/v1/vehicles/{vehicle_id}", "vehicle_id", None),
    ("PATCH", "/api/v1/vehicles/{vehicle_id}", "vehicle_id", {"refrigerated": True}),
    ("GET", "/api/v1/drivers/{driver_id}", "driver_id", None),
    ("PATCH", "/api/v1/drivers/{driver_id}", "driver_id", {"phone": "+84 912 000 111"}),
    ("GET", "/api/v1/shipments/{shipment_id}", "shipment_id", None),
    ("GET", "/api/v1/trips/{trip_id}", "trip_id", None),
    ("GET", "/api/v1/trips/{trip_id}/timeline", "trip_id", None),
    ("POST", "/api/v1/trips/{trip_id}/transitions", "trip_id", {"action": "dispatch"}),
    ("POST", "/api/v1/trips/{trip_id}/transitions", "trip_id", {"action": "cancel", "reason": "đổi lịch"}),
    ("GET", "/api/v1/trips/{trip_id}/booking", "trip_id", None),
    ("POST", "/api/v1/trips/{trip_id}/booking", "trip_id", booking_body()),
    ("PATCH", "/api/v1/trips/{trip_id}/booking", "trip_id", {k: booking_body()[k] for k in ("earliest", "latest")}),
    ("POST", "/api/v1/trips/{trip_id}/booking/cancel", "trip_id", {"reason": "xe hỏng"}),
    ("POST", "/api/v1/trips/{trip_id}/standby", "trip_id", {"reach_minutes": 30}),
    ("DELETE", "/api/v1/trips/{trip_id}/standby", "trip_id", None),
    ("GET", "/api/v1/trips/{trip_id}/stages", "trip_id", None),
    ("GET", "/api/v1/trips/{trip_id}/customs", "trip_id", None),
    ("POST", "/api/v1/trips/{trip_id}/customs/results", "trip_id", {"kind": "release"}),
    ("POST", "/api/v1/review/{item_id}/resolve", "item_id", {"decision": "dismiss", "reason": "đã kiểm tra"}),
    ("POST", "/api/v1/trips/{trip_id}/inspections", "trip_id", {"kind": "customs_bay"}),
    ("GET", "/api/v1/trips/{trip_id}/inspections", "trip_id", None),
    ("GET", "/api/v1/inspections/{job_id}", "job_id", None),
    ("POST", "/api/v1/inspections/{job_id}/outcome", "job_id", {"outcome": "pass"}),
    ("POST", "/api/v1/inspections/{job_id}/lab-result", "job_id", {"outcome": "pass"}),
    ("POST", "/api/v1/shipments/{shipment_id}/phytosanitary-certificates", "shipment_id", {"document": "<x/>"}),
    ("GET", "/api/v1/shipments/{shipment_id}/phytosanitary-certificates", "shipment_id", None),
    ("GET", "/api/v1/phytosanitary-checks/{check_id}/document", "check_id", None),
    ("POST", "/api/v1/phytosanitary-checks/{check_id}/accept", "check_id", {"reason": "đã xác minh"}),
    ("GET", "/api/v1/exchange/manifests/{trip_ref}", "trip_ref", None),
    ("POST", "/api/v1/exchange/manifests/{trip_ref}/decision", "trip_ref", {"decision": "accepted"}),
    ("POST", "/api/v1/exchange/manifests/{trip_ref}/crossing", "trip_ref", {}),
    ("GET", "/api/v1/exchange/incidents/{incident_id}", "incident_id", None),
    ("POST", "/api/v1/exchange/incidents/{incident_id}/acknowledge", "incident_id", {"note": "đã nhận"}),
]


#: Routes whose object is not a tenant's trip or party, with the test that checks their scope instead.
OTHER_SCOPES = {
    # staff-only (gate and system administrators): tests/integration/test_onboarding.py
    ("POST", "/api/v1/join-requests/{request_id}/approve"),
    ("POST", "/api/v1/join-requests/{request_id}/refuse"),
    # another enterprise's user answers like a missing one: test_onboarding.py, the administrator test
    ("PUT", "/api/v1/enterprise/users/{username}/active"),
}


def test_the_table_covers_every_route_with_an_object_id(app: FastAPI) -> None:
    with_ids = {(m, p) for m, p in api_routes(app) if re.search(r"\{(?!gate_id\}|kind\})[a-z_]+\}", p)}
    assert with_ids - OTHER_SCOPES == {(m, p) for m, p, _, _ in OBJECT_ROUTES}


def _answer(client: TestClient, method: str, path: str, key: str, object_id: str, body: Any) -> tuple[int, str]:
    url = path.replace("{" + key + "}", object_id)
    r = client.request(method, url, json=body, headers={"Idempotency-Key": "iso-1", "Accept-Language": "vi"})
    assert r.status_code < 500, (method, url, r.text)
    if not r.headers["content-type"].startswith("application/json"):
        return r.status_code, r.text  # the certificate as handed in
    return r.status_code, json.dumps(r.json(), ensure_ascii=False, sort_keys=True).replace(object_id, "<id>")


@pytest.mark.parametrize("caller", ["exporter", "customs_officer", "gate_admin", "driver"])
def test_another_tenants_object_answers_like_a_missing_one(
    ctx: ServiceContext, world: World, as_role: RoleClient, caller: str
) -> None:
    theirs = other_tenant(ctx, world)
    binding: dict[str, Any] = (
        {"enterprise_id": world.exporter.id} if caller in ("exporter", "driver") else {"gates": [HOME]}
    )
    if caller == "driver":
        binding["driver_id"] = world.driver.id
    client = as_role(caller, **binding)
    for method, path, key, body in OBJECT_ROUTES:
        if caller not in ("exporter", "driver") and key in PARTY_KEYS:
            continue  # staff read every party and shipment (not bound to a gate): see the test below
        other = _answer(client, method, path, key, getattr(theirs, key), body)
        missing = _answer(client, method, path, key, MISSING, body)
        assert other == missing, (caller, method, path, other, missing)
        assert other[0] in (403, 404), (caller, method, path, other)


PARTY_KEYS = {"enterprise_id", "vehicle_id", "driver_id", "shipment_id", "check_id"}


def test_staff_read_every_party_and_shipment(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    """Parties and shipments are not bound to a gate: an officer checking a truck reads them wherever declared."""
    theirs = other_tenant(ctx, world)
    officer = as_role("quarantine_officer", gates=[HOME])
    for method, path, key, _ in OBJECT_ROUTES:
        if key in PARTY_KEYS and method == "GET":
            assert officer.get(path.replace("{" + key + "}", getattr(theirs, key))).status_code == 200, path
    counterpart = as_role("counterpart", gates=[HOME])
    assert counterpart.get(f"/api/v1/vehicles/{theirs.vehicle_id}").status_code == 403


def test_the_owner_gets_through_on_every_object_route(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    """The same table, on the caller's own objects: never refused as missing or forbidden (exporter reads and
    books; the customs officer at the trip's gate records the result; the review item is at the officer's gate)."""
    trip = world.declare(HOME)
    world.book(trip.id)
    review = ReviewItem(id="rv-own", gate_id=HOME, kind="unknown_plate", created_at=ctx.clock.now(), detail={})
    with ctx.uow() as uow:
        uow.reviews.add(review)
        uow.commit()
    own_driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Lê Văn Tài",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=world.exporter.id,
    )
    job_id, check_id = at_lane_with_papers(ctx, trip.id, trip.shipment_id)
    trip_ref, incident_id = exchange_records(ctx, HOME, trip.id)
    mine = Tenant(
        world.exporter.id,
        world.truck.id,
        own_driver.id,
        trip.shipment_id,
        trip.id,
        review.id,
        job_id,
        check_id,
        trip_ref,
        incident_id,
    )
    exporter = as_role("exporter", enterprise_id=world.exporter.id)
    officer = as_role("customs_officer", gates=[HOME])
    quarantine = as_role("quarantine_officer", gates=[HOME])
    for method, path, key, body in OBJECT_ROUTES:
        officer_only = (
            path.endswith(("/customs/results", "/resolve", "/outcome"))
            or "/exchange/" in path
            or path == ("/api/v1/trips/{trip_id}/inspections" if method == "POST" else "")
        )
        client = officer if officer_only else exporter
        if path.endswith(("/lab-result", "/accept")):
            client = quarantine
        if path.endswith("/transitions") or path.endswith("/booking/cancel") or method == "PATCH":
            continue  # they change the trip; taken in the lifecycle test below
        status, text = _answer(client, method, path, key, getattr(mine, key), body)
        assert status not in (401, 403, 404), (method, path, status, text)


def test_officers_act_only_at_their_gate(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    home_trip = world.declare(HOME)
    away = as_role("border_guard", gates=[AWAY])
    home = as_role("border_guard", gates=[HOME])
    for gate_route in (
        f"/api/v1/gates/{HOME}/yard",
        f"/api/v1/gates/{HOME}/device-log",
        f"/api/v1/gates/{HOME}/review",
    ):
        assert away.get(gate_route).status_code == 403
        assert away.get(gate_route).json()["error"]["code"] == "auth.forbidden"
        assert home.get(gate_route).status_code == 200, gate_route
    # a gate that does not exist gets the same answer as a gate that is not the officer's
    nowhere, elsewhere = away.get("/api/v1/gates/vn-nowhere/yard"), away.get(f"/api/v1/gates/{HOME}/yard")
    assert nowhere.status_code == elsewhere.status_code == 403
    assert nowhere.json()["error"]["code"] == elsewhere.json()["error"]["code"] == "auth.forbidden"
    assert away.get(f"/api/v1/trips/{home_trip.id}").status_code == 404
    assert home.get(f"/api/v1/trips/{home_trip.id}").status_code == 200
    listed = home.get("/api/v1/trips").json()
    assert [t["id"] for t in listed["items"]] == [home_trip.id]
    assert away.get("/api/v1/trips").json()["total"] == 0
    assert away.get("/api/v1/trips", params={"gate_id": HOME}).status_code == 403


def test_roles_take_only_their_steps_and_are_recorded_as_themselves(
    ctx: ServiceContext, world: World, as_role: RoleClient
) -> None:
    trip = world.declare(HOME)
    world.book(trip.id)
    exporter = as_role("exporter", enterprise_id=world.exporter.id)
    guard = as_role("border_guard", gates=[HOME], username="bg-huu-nghi-07")
    customs = as_role("customs_officer", gates=[HOME])

    def step(client: TestClient, action: str, **extra: Any) -> Any:
        return client.post(f"/api/v1/trips/{trip.id}/transitions", json={"action": action, **extra})

    assert step(exporter, "arrive").status_code == 403  # only the gate records an arrival
    assert step(exporter, "dispatch").status_code == 200
    assert step(customs, "arrive").json()["error"]["code"] == "auth.forbidden"
    # stating another role in the body is refused, not silently rewritten
    stated = step(guard, "arrive", actor={"id": "someone-else", "role": "customs"})
    assert stated.status_code == 403 and stated.json()["error"]["code"] == "auth.actor_mismatch"
    assert step(guard, "arrive").status_code == 200
    assert step(guard, "cross").status_code == 409  # allowed role, but the lifecycle says not yet
    events = exporter.get(f"/api/v1/trips/{trip.id}/timeline").json()["events"]
    assert events[-1]["action"] == "arrive"
    assert events[-1]["actor"] == {"id": "bg-huu-nghi-07", "role": "border_guard"}


def test_enterprises_register_and_list_only_their_own(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    theirs = other_tenant(ctx, world)
    exporter = as_role("exporter", enterprise_id=world.exporter.id)
    # registering for another enterprise reads as that enterprise being unknown
    foreign = exporter.post("/api/v1/vehicles", json={"plate": vn_plate(), "owner_id": theirs.enterprise_id})
    missing = exporter.post("/api/v1/vehicles", json={"plate": vn_plate(), "owner_id": MISSING})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "enterprise.not_found"
    mine = exporter.post("/api/v1/vehicles", json={"plate": vn_plate(), "owner_id": world.exporter.id})
    assert mine.status_code == 201
    # a duplicate plate does not reveal the other enterprise's vehicle id
    with ctx.uow() as uow:
        their_truck = uow.vehicles.get(theirs.vehicle_id)
    assert their_truck is not None
    dup = exporter.post("/api/v1/vehicles", json={"plate": their_truck.plate.text, "owner_id": world.exporter.id})
    assert dup.status_code == 409 and "id" not in dup.json()["error"]["params"]
    assert theirs.vehicle_id not in dup.text
    # a driver registered by an exporter is employed by it
    driver = exporter.post(
        "/api/v1/drivers",
        json={
            "full_name": "Phạm Văn Đức",
            "document_kind": "vn_citizen_id",
            "document_number": vn_citizen_id(),
            "nationality": "VN",
        },
    )
    assert driver.status_code == 201 and driver.json()["employer_id"] == world.exporter.id
    # lists hold only the enterprise's own
    assert [e["id"] for e in exporter.get("/api/v1/enterprises").json()["items"]] == [world.exporter.id]
    vehicles = exporter.get("/api/v1/vehicles").json()["items"]
    assert vehicles and {v["owner_id"] for v in vehicles} == {world.exporter.id}
    assert exporter.get("/api/v1/vehicles", params={"owner_id": theirs.enterprise_id}).json()["total"] == 0
    assert [d["id"] for d in exporter.get("/api/v1/drivers").json()["items"]] == [driver.json()["id"]]
    trips_seen = exporter.get("/api/v1/trips").json()
    assert theirs.trip_id not in {t["id"] for t in trips_seen["items"]}
    assert exporter.get("/api/v1/trips", params={"exporter_id": theirs.enterprise_id}).json()["total"] == 0
    # only staff register enterprises
    assert (
        exporter.post(
            "/api/v1/enterprises", json={"name": "X", "country": "CN", "tax_id": cn_uscc(), "roles": ["importer"]}
        ).status_code
        == 403
    )


def test_declaring_a_trip_with_another_tenants_parts_reads_as_missing(
    ctx: ServiceContext, world: World, as_role: RoleClient
) -> None:
    theirs = other_tenant(ctx, world)
    exporter = as_role("exporter", enterprise_id=world.exporter.id)
    base = {"gate_id": HOME, "direction": "export", "vehicle_id": world.truck.id, "driver_id": world.driver.id}
    cases = [
        ({"vehicle_id": theirs.vehicle_id, "shipment": world.shipment()}, "vehicle_id"),
        ({"driver_id": theirs.driver_id, "shipment": world.shipment()}, "driver_id"),
        ({"shipment_id": theirs.shipment_id}, "shipment_id"),
        ({"shipment": world.shipment(exporter_id=theirs.enterprise_id)}, "shipment.exporter_id"),
    ]
    for change, field in cases:
        key = field.split(".")[-1]
        real = theirs.enterprise_id if key == "exporter_id" else getattr(theirs, key)
        fake = json.loads(json.dumps(change).replace(real, MISSING))
        a = exporter.post("/api/v1/trips", json={**base, **change})
        b = exporter.post("/api/v1/trips", json={**base, **fake})
        assert a.status_code == b.status_code == 404, (field, a.text)
        assert a.json()["error"]["field"] == b.json()["error"]["field"] == field
        assert a.json()["error"]["code"] == b.json()["error"]["code"]
    ok = exporter.post("/api/v1/trips", json={**base, "shipment": world.shipment()})
    assert ok.status_code == 201, ok.text
    assert ok.json()["id"] in {t["id"] for t in exporter.get("/api/v1/trips").json()["items"]}


def test_gate_administration_needs_the_gate_administrator_of_that_gate(
    ctx: ServiceContext, world: World, as_role: RoleClient
) -> None:
    closure = {
        "starts_at": "2026-06-10T00:00:00+07:00",
        "ends_at": "2026-06-10T23:59:00+07:00",
        "reason": "Bảo trì cầu cân",
    }
    replan = {"direction": "export", "date": "2026-06-02"}
    acceptance = {"direction": "export", "date": "2026-06-03", "daily_quota": 300}
    admin_here = as_role("gate_admin", gates=[HOME])
    admin_there = as_role("gate_admin", gates=[AWAY])
    customs_here = as_role("customs_officer", gates=[HOME])
    counterpart = as_role("counterpart", gates=[HOME])
    exporter = as_role("exporter", enterprise_id=world.exporter.id)
    for client, expected in ((admin_there, 403), (customs_here, 403), (exporter, 403), (admin_here, 201)):
        assert client.post(f"/api/v1/gates/{HOME}/closures", json=closure).status_code == expected
    for client, expected in ((admin_there, 403), (counterpart, 403), (customs_here, 403), (admin_here, 200)):
        assert client.post(f"/api/v1/gates/{HOME}/plan", json=replan).status_code == expected
    for client, expected in ((admin_there, 403), (exporter, 403), (counterpart, 200)):
        r = client.post(f"/api/v1/gates/{HOME}/acceptance", json=acceptance)
        assert r.status_code == expected, r.text
    assert exporter.post("/api/v1/queue/no-shows").status_code == 403
    assert admin_here.post("/api/v1/queue/no-shows").status_code == 200
    assert exporter.get(f"/api/v1/gates/{HOME}/plan", params={"date": "2026-06-02"}).status_code == 403
    assert customs_here.get(f"/api/v1/gates/{HOME}/plan", params={"date": "2026-06-02"}).status_code == 200


def test_a_driver_account_sees_the_trips_it_drives(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    driven = world.declare(HOME)
    other_driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Hoàng Văn Long",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=world.exporter.id,
    )
    not_driven = world.declare(HOME, vehicle_id=world.new_truck(), driver_id=other_driver.id)
    driver = as_role("driver", enterprise_id=world.exporter.id, driver_id=world.driver.id)
    assert driver.get(f"/api/v1/trips/{driven.id}").status_code == 200
    assert driver.get(f"/api/v1/trips/{not_driven.id}").status_code == 404
    assert [t["id"] for t in driver.get("/api/v1/trips").json()["items"]] == [driven.id]
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=driven.id, action="cancel", actor=Actor("x", ActorRole.EXPORTER), reason="r"
    )
    assert driver.post(f"/api/v1/trips/{driven.id}/transitions", json={"action": "cancel"}).status_code == 403


def test_the_public_slot_view_creates_slots_only_for_bookable_days(
    anon: TestClient, world: World, engine: Engine
) -> None:
    near = anon.get(f"/api/v1/gates/{HOME}/slots", params={"date": "2026-06-03"})
    assert near.status_code == 200 and near.json() and near.json()[0]["remaining"] >= 0
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(tables.slots)).scalar_one()
    far = anon.get(f"/api/v1/gates/{HOME}/slots", params={"date": "2031-01-01"})  # past the booking horizon
    assert far.status_code == 422 and far.json()["error"]["code"] == "time.out_of_range"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.slots)).scalar_one() == before


def test_metrics_need_no_login_but_only_the_allowed_networks_read_them(app: FastAPI) -> None:
    """``/metrics`` is outside the API and its login: the loopback reads it without a token, any other client
    (the test client's own name included) gets 403, never a 401 asking it to log in."""
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200
    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.9", 40000)) as remote:
        r = remote.get("/metrics", headers={"Accept": "application/json"})
        assert r.status_code == 403 and "cuakhau_http_request" not in r.text
