"""Every page answers as its API twin does: one authorisation path (``services/authorized.py``).

The pages (portal, dashboards, login, wait board) are walked from ``app.routes``; each must have an entry in
:data:`PAGES` — its API twin, or the reason it has none (published to everyone) — so a new page cannot skip the
comparison. For every role (and the public), and for the caller's own objects, another enterprise's, a trip of
its own enterprise driven by someone else, and ids that do not exist, the page and its twin are asked the same
thing and must agree: signed out, refused (403), not found (404, with the same error code) or let through.
Lists must hold the same trips. The forms the pages render are checked against the table too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from cuakhau.adapters.web.pages import dashboard
from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Role
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import registry, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World, vn_citizen_id, vn_plate, vn_tax_code
from tests.integration.test_authorization import api_routes

HOME, AWAY, NOWHERE = "vn-huu-nghi", "vn-tan-thanh", "vn-nowhere"
MISSING = "0123456789abcdef0123456789abcdef"
CSRF = "c" * 43
Response = Any  # the test client's answer  # the double-submit token: the cookie and the form field agree


@dataclass
class Ids:
    """What the callers act on: their enterprise's objects and another enterprise's."""

    enterprise: str
    own_trip: str  # booked, at HOME, driven by the bound driver
    sibling_trip: str  # booked, at HOME, same enterprise, another truck and driver
    fresh_trip: str  # declared, not booked, at HOME, another truck and driver (one open trip per driver)
    earlier_trip: str  # cancelled, at HOME, driven by the bound driver before the own trip
    their_trip: str  # another enterprise's, booked, at AWAY
    truck: str
    driver_id: str  # the bound driver, on the own trip
    driver_document: str  # a driver with no employer on record and on no open trip: declarations use them
    free_driver_id: str
    their_truck: str
    their_driver_document: str
    their_driver_id: str
    trips: dict[str, str] = field(default_factory=dict)
    employed_driver_id: str = ""  # a driver the enterprise employs (on the sibling trip)


def setup_ids(ctx: ServiceContext, world: World) -> Ids:
    earlier = world.declare(HOME)
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=earlier.id, action="cancel", actor=earlier_actor(world), reason="xe hỏng"
    )
    own = world.declare(HOME, vehicle_id=world.truck.id, driver_id=world.driver.id)
    world.book(own.id)
    sibling_driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Lê Văn Sơn",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=world.exporter.id,
    )
    sibling = world.declare(HOME, vehicle_id=world.new_truck(), driver_id=sibling_driver.id)
    world.book(sibling.id)
    fresh = world.declare(HOME, vehicle_id=world.new_truck())
    other = registry.register_enterprise(
        ctx.uow(),
        clock=ctx.clock,
        name="Công ty TNHH Vải Lục Ngạn",
        country="VN",
        tax_id=vn_tax_code(),
        roles=["exporter"],
    )
    their_truck = registry.register_vehicle(ctx.uow(), clock=ctx.clock, plate=vn_plate(), owner_id=other.id)
    their_driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Trần Văn Nam",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=other.id,
    )
    theirs = world.declare(
        AWAY, vehicle_id=their_truck.id, driver_id=their_driver.id, shipment=world.shipment(exporter_id=other.id)
    )
    world.book(theirs.id)
    free_driver = registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Phạm Văn Tùng",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
    )
    ids = Ids(
        enterprise=world.exporter.id,
        own_trip=own.id,
        sibling_trip=sibling.id,
        fresh_trip=fresh.id,
        earlier_trip=earlier.id,
        their_trip=theirs.id,
        truck=world.new_truck(),  # on no open trip (a truck is on one open trip at a time)
        driver_id=world.driver.id,
        driver_document=free_driver.document.number,
        free_driver_id=free_driver.id,
        their_truck=their_truck.id,
        their_driver_document=their_driver.document.number,
        their_driver_id=their_driver.id,
    )
    ids.employed_driver_id = sibling_driver.id
    ids.trips = {"own": own.id, "sibling": sibling.id, "fresh": fresh.id, "theirs": theirs.id, "missing": MISSING}
    return ids


def earlier_actor(world: World) -> Actor:
    return Actor(world.exporter.id, ActorRole.EXPORTER)


#: role name -> (role, binding); None: the public.
ROLES: dict[str, tuple[Role, dict[str, Any]] | None] = {
    "exporter": (Role.EXPORTER, {"enterprise": True}),
    "enterprise_admin": (Role.ENTERPRISE_ADMIN, {"enterprise": True}),
    "driver_bound": (Role.DRIVER, {"enterprise": True, "driver": True}),
    "driver_unbound": (Role.DRIVER, {"enterprise": True}),
    "customs_officer": (Role.CUSTOMS_OFFICER, {"gates": [HOME]}),
    "quarantine_officer": (Role.QUARANTINE_OFFICER, {"gates": [HOME]}),
    "border_guard": (Role.BORDER_GUARD, {"gates": [HOME]}),
    "gate_admin": (Role.GATE_ADMIN, {"gates": [HOME]}),
    "counterpart": (Role.COUNTERPART, {"gates": [HOME]}),
    "system_admin": (Role.SYSTEM_ADMIN, {}),
    "anonymous": None,
}


@dataclass
class Caller:
    page: TestClient  # the session cookie, as a browser sends it
    api: TestClient  # the bearer token


def callers(ctx: ServiceContext, app: FastAPI, ids: Ids) -> dict[str, Caller]:
    out = {}
    for name, spec in ROLES.items():
        cookies = {CSRF_COOKIE: CSRF}
        headers: dict[str, str] = {"Accept-Language": "vi"}
        api_headers = dict(headers)
        if spec is not None:
            role, binding = spec
            token = token_for(
                ctx,
                role,
                enterprise_id=ids.enterprise if binding.get("enterprise") else None,
                gates=binding.get("gates", ()),
                driver_id=ids.driver_id if binding.get("driver") else None,
            )
            cookies["cuakhau_session"] = token
            api_headers["Authorization"] = f"Bearer {token}"
        page = TestClient(app, raise_server_exceptions=False, cookies=cookies, headers=headers)
        api = TestClient(app, raise_server_exceptions=False, headers=api_headers)
        out[name] = Caller(page, api)
    return out


# --- answers ----------------------------------------------------------------------------------------------------


def page_answer(r: Response) -> tuple[str, str | None]:
    assert r.status_code < 500, (r.request.method, r.request.url, r.status_code, r.text[:500])
    if r.status_code == 401 or (r.status_code == 303 and r.headers["location"].startswith("/login")):
        return "signed out", None
    if r.status_code == 403:
        return "refused", None
    if r.status_code == 404:
        found = re.search(r'data-code="([a-z_.]+)"', r.text) or re.search(r'"code":\s*"([a-z_.]+)"', r.text)
        return "not found", found.group(1) if found else None
    return "let through", None


def api_answer(r: Response) -> tuple[str, str | None]:
    assert r.status_code < 500, (r.request.method, r.request.url, r.status_code, r.text[:500])
    if r.status_code == 401:
        return "signed out", None
    if r.status_code == 403:
        return "refused", None
    if r.status_code == 404:
        return "not found", r.json()["error"]["code"]
    return "let through", None


# --- the table --------------------------------------------------------------------------------------------------

Request = tuple[str, str, dict[str, Any] | None]  # method, url, form data or JSON body


@dataclass(frozen=True)
class Case:
    target: str
    page: Request
    api: Request
    #: "exact": same answer (and error code); "access": only whether the caller gets through (a page that shows a
    #: form against the API action the form sends); "list": the same trips listed.
    compare: str = "exact"


@dataclass(frozen=True)
class Twin:
    cases: Callable[[Ids], list[Case]]


@dataclass(frozen=True)
class Public:
    """A page with no API twin: published to everyone (signed in or not)."""

    url: str
    reason: str


@dataclass(frozen=True)
class ByNetwork:
    """A route with no API twin whose access follows the client's network, not its login: every role gets
    what the public gets (403 here, as the test client is not on an allowed network)."""

    url: str
    reason: str


@dataclass(frozen=True)
class ForDriver:
    """A page of the driver's own app (``/driver``): a driver account bound to a driver id gets what the API twin
    gives it; every other account is refused (403), whatever its API twin lets it read; the public signs in."""

    cases: Callable[[Ids], list[Case]]


def driver_today_cases(ids: Ids) -> list[Case]:
    return [Case("today", ("GET", "/driver", None), ("GET", "/api/v1/trips?limit=100", None), compare="access")]


def driver_trip_cases(ids: Ids) -> list[Case]:
    return [
        Case(t, ("GET", f"/driver/trips/{trip}", None), ("GET", f"/api/v1/trips/{trip}", None))
        for t, trip in ids.trips.items()
    ]


def declare_form(ids: Ids, *, vehicle: str, document: str) -> dict[str, Any]:
    return {
        "csrf_token": CSRF,
        "gate_id": HOME,
        "direction": "export",
        "vehicle_id": vehicle,
        "exporter_id": ids.enterprise,  # read only for staff who may declare (a tenant declares for its own)
        "driver_document_kind": "vn_citizen_id",
        "driver_document": document,
        "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司",
        "consignee_country": "CN",
        "lines-0-hs_code": "0810.90",
        "lines-0-description": "Thanh long ruột đỏ / 红心火龙果",
        "lines-0-net_kg": "18000",
        "lines-0-gross_kg": "19500",
        "lines-0-packages": "1200",
        "lines-0-value": "21600",
        "lines-0-currency": "USD",
        "lines-0-planting_area_code": "VN-BTOR-0102",
        "lines-0-packing_house_code": "VN-BTPH-017",
    }


def declare_body(ids: Ids, *, vehicle: str, driver: str) -> dict[str, Any]:
    line = {
        "hs_code": "0810.90",
        "description": "Thanh long ruột đỏ / 红心火龙果",
        "net_kg": "18000",
        "gross_kg": "19500",
        "packages": 1200,
        "value": "21600",
        "currency": "USD",
        "planting_area_code": "VN-BTOR-0102",
        "packing_house_code": "VN-BTPH-017",
    }
    shipment = {"exporter_id": ids.enterprise, "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司"}
    shipment |= {"consignee_country": "CN", "lines": [line]}
    return {"gate_id": HOME, "direction": "export", "vehicle_id": vehicle, "driver_id": driver, "shipment": shipment}


def declare_cases(ids: Ids) -> list[Case]:
    parts = {
        "own parts": (ids.truck, ids.driver_document, ids.free_driver_id),
        "their truck": (ids.their_truck, ids.driver_document, ids.free_driver_id),
        "their driver": (ids.truck, ids.their_driver_document, ids.their_driver_id),
        "missing truck": (MISSING, ids.driver_document, ids.free_driver_id),
    }
    return [
        Case(
            target,
            ("POST", "/portal/trips/new", declare_form(ids, vehicle=vehicle, document=document)),
            ("POST", "/api/v1/trips", declare_body(ids, vehicle=vehicle, driver=driver)),
        )
        for target, (vehicle, document, driver) in parts.items()
    ]


def shows_declare_form(url: str) -> Callable[[Ids], list[Case]]:
    """A page of the declaration form: let through exactly when declaring through the API is."""

    def cases(ids: Ids) -> list[Case]:
        body = declare_body(ids, vehicle=MISSING, driver=ids.driver_id)  # refused or not found: nothing declared
        return [Case("form", ("GET", url, None), ("POST", "/api/v1/trips", body), compare="access")]

    return cases


def trip_page_cases(ids: Ids) -> list[Case]:
    return [
        Case(t, ("GET", f"/portal/trips/{trip}", None), ("GET", f"/api/v1/trips/{trip}", None))
        for t, trip in ids.trips.items()
    ]


def booking_cases(ids: Ids) -> list[Case]:
    book = {"earliest": "2026-06-02T12:00", "latest": "2026-06-02T18:00", "travel_minutes": "60"}
    api_book = {"earliest": "2026-06-02T12:00:00+07:00", "latest": "2026-06-02T18:00:00+07:00", "travel_minutes": 60}
    move = {"earliest": "2026-06-02T14:00", "latest": "2026-06-02T20:00"}
    api_move = {"earliest": "2026-06-02T14:00:00+07:00", "latest": "2026-06-02T20:00:00+07:00"}
    cases = []
    for t, trip in ids.trips.items():
        form = {"csrf_token": CSRF, "idempotency_key": f"page-{t}", "action": "book", **book}
        cases.append(
            Case(
                f"book {t}",
                ("POST", f"/portal/trips/{trip}/booking", form),
                ("POST", f"/api/v1/trips/{trip}/booking", api_book),
            )
        )
        form = {"csrf_token": CSRF, "action": "reschedule", **move}
        cases.append(
            Case(
                f"reschedule {t}",
                ("POST", f"/portal/trips/{trip}/booking", form),
                ("PATCH", f"/api/v1/trips/{trip}/booking", api_move),
            )
        )
    return cases


def gate_ops_cases(suffix: str, page: str = "dashboard") -> Callable[[Ids], list[Case]]:
    """A gate's dashboard (or worklist): the gate's operations, as the API's yard view."""

    def cases(ids: Ids) -> list[Case]:
        return [
            Case(gate, ("GET", f"/gates/{gate}/{page}{suffix}", None), ("GET", f"/api/v1/gates/{gate}/yard", None))
            for gate in (HOME, AWAY, NOWHERE)
        ]

    return cases


def gate_admin_page_cases(ids: Ids) -> list[Case]:
    """A gate's administration page: as the API's list of the gate's changes."""
    return [
        Case(gate, ("GET", f"/gates/{gate}/admin", None), ("GET", f"/api/v1/gates/{gate}/changes", None))
        for gate in (HOME, AWAY, NOWHERE)
    ]


def gate_admin_change_cases(ids: Ids) -> list[Case]:
    """A change tried on the page (its dry run) and through the API (``dry_run``): nothing is written."""
    reasons = {"reason_vi": "Sửa đường", "reason_zh": "道路维修"}
    form = {"csrf_token": CSRF, "change": "closure", "step": "preview", "closure_kind": "suspension", **reasons}
    form |= {"starts_at": "2026-06-02T12:00", "ends_at": "2026-06-02T14:00"}
    change = {"kind": "closure", "starts_at": "2026-06-02T12:00:00+07:00", "ends_at": "2026-06-02T14:00:00+07:00"}
    body = {"dry_run": True, "change": change | reasons}
    return [
        Case(
            f"closure {gate}",
            ("POST", f"/gates/{gate}/admin", form),
            ("POST", f"/api/v1/gates/{gate}/changes", body),
        )
        for gate in (HOME, AWAY, NOWHERE)
    ]


def truck_search_cases(ids: Ids) -> list[Case]:
    """The plate search of a gate: the gate's operations, as the API's yard view."""
    return [
        Case(gate, ("GET", f"/gates/{gate}/trucks", None), ("GET", f"/api/v1/gates/{gate}/yard", None))
        for gate in (HOME, AWAY, NOWHERE)
    ]


def inspections_page_cases(ids: Ids) -> list[Case]:
    """A gate's inspection page: as the API's queue of the gate's quarantine bays."""
    api = "/api/v1/gates/{}/inspection-queues/quarantine_bay"
    return [
        Case(gate, ("GET", f"/gates/{gate}/inspections", None), ("GET", api.format(gate), None))
        for gate in (HOME, AWAY, NOWHERE)
    ]


def truck_page_cases(ids: Ids) -> list[Case]:
    """A truck's page at its gate: the gate's operations (the trip is at that gate)."""
    url = f"/gates/{HOME}/trucks/{ids.own_trip}"
    return [Case("own", ("GET", url, None), ("GET", f"/api/v1/gates/{HOME}/yard", None))]


def truck_step_cases(ids: Ids) -> list[Case]:
    """Release on the truck's page and through the API (the booked trip cannot be released: nothing changes)."""
    form = {"csrf_token": CSRF, "action": "release", "reason_code": "checked"}
    return [
        Case(
            "release",
            ("POST", f"/gates/{HOME}/trucks/{ids.own_trip}/step", form),
            ("POST", f"/api/v1/trips/{ids.own_trip}/transitions", {"action": "release", "reason": "[checked]"}),
        )
    ]


def truck_customs_cases(ids: Ids) -> list[Case]:
    """Customs' release on the truck's page and through the API (no channel yet: refused alike)."""
    return [
        Case(
            "release",
            ("POST", f"/gates/{HOME}/trucks/{ids.own_trip}/customs", {"csrf_token": CSRF, "kind": "release"}),
            ("POST", f"/api/v1/trips/{ids.own_trip}/customs/results", {"kind": "release"}),
        )
    ]


def inspection_action_cases(ids: Ids) -> list[Case]:
    """Each inspection action on the page and its API twin (none can succeed on these trips: a booked trip is not
    at a lane, so the answers are refusals, conflicts or not found, never a change)."""
    url = f"/gates/{HOME}/inspections"
    form = {"csrf_token": CSRF, "step": "confirm"}
    cases = []
    for t, trip in ids.trips.items():
        cases.append(
            Case(
                f"send {t}",
                ("POST", url, form | {"action": "send", "trip_id": trip, "kind": "quarantine_bay"}),
                ("POST", f"/api/v1/trips/{trip}/inspections", {"kind": "quarantine_bay"}),
            )
        )
        cases.append(
            Case(
                f"refuse {t}",
                ("POST", url, form | {"action": "refuse", "trip_id": trip, "check_id": MISSING, "reason": "Sai"}),
                ("POST", f"/api/v1/trips/{trip}/transitions", {"action": "reject", "reason": "Sai"}),
            )
        )
    reason = {"reason": "Nghi nhiễm"}
    return [
        *cases,
        Case(
            "finish missing",
            ("POST", url, form | {"action": "finish", "job_id": MISSING, "outcome": "hold"} | reason),
            ("POST", f"/api/v1/inspections/{MISSING}/outcome", {"outcome": "hold"} | reason),
        ),
        Case(
            "lab missing",
            ("POST", url, form | {"action": "lab", "job_id": MISSING, "outcome": "pass"}),
            ("POST", f"/api/v1/inspections/{MISSING}/lab-result", {"outcome": "pass"}),
        ),
        Case(
            "accept missing",
            ("POST", url, form | {"action": "accept", "check_id": MISSING} | reason),
            ("POST", f"/api/v1/phytosanitary-checks/{MISSING}/accept", reason),
        ),
    ]


def gate_ops_page_cases(page: str) -> Callable[[Ids], list[Case]]:
    """A gate-operations page (call forward, review queue, manual read): the gate's operations, as the API's yard."""

    def cases(ids: Ids) -> list[Case]:
        return [
            Case(gate, ("GET", f"/gates/{gate}/{page}", None), ("GET", f"/api/v1/gates/{gate}/yard", None))
            for gate in (HOME, AWAY, NOWHERE)
        ]

    return cases


def call_forward_cases(ids: Ids) -> list[Case]:
    form = {"csrf_token": CSRF, "direction": "export"}
    return [
        Case(
            f"call {gate}",
            ("POST", f"/gates/{gate}/call-forward", form),
            ("POST", f"/api/v1/gates/{gate}/call-forward", {"direction": "export"}),
        )
        for gate in (HOME, AWAY, NOWHERE)
    ]


def review_resolve_cases(ids: Ids) -> list[Case]:
    form = {"csrf_token": CSRF, "decision": "apply", "reason": "ảnh rõ"}
    return [
        Case(
            "missing item",
            ("POST", f"/gates/{HOME}/review/{MISSING}", form),
            ("POST", f"/api/v1/review/{MISSING}/resolve", {"decision": "apply", "reason": "ảnh rõ"}),
        )
    ]


def manual_read_cases(ids: Ids) -> list[Case]:
    body = {"checkpoint": "yard_entry", "plate": "51C-999.99"}  # no such truck: it goes to review
    return [
        Case(
            f"read {gate}",
            ("POST", f"/gates/{gate}/manual-read", {"csrf_token": CSRF, **body}),
            ("POST", f"/api/v1/gates/{gate}/manual-reads", body),
        )
        for gate in (HOME, AWAY, NOWHERE)
    ]


def incident_body(gate: str) -> dict[str, Any]:
    return {"gate_id": gate, "kind": "other", "summary": "Kiểm tra liên lạc / 联络测试"}


def incidents_page_cases(ids: Ids) -> list[Case]:
    """The hotline page against raising one over the API (refused here: the test app has no exchange identity)."""
    return [
        Case(
            gate,
            ("GET", f"/gates/{gate}/incidents", None),
            ("POST", "/api/v1/exchange/incidents", incident_body(gate)),
            compare="access",
        )
        for gate in (HOME, AWAY)
    ]


def incident_raise_cases(ids: Ids) -> list[Case]:
    return [
        Case(
            f"raise {gate}",
            ("POST", f"/gates/{gate}/incidents", {"csrf_token": CSRF, **incident_body(gate)}),
            ("POST", "/api/v1/exchange/incidents", incident_body(gate)),
        )
        for gate in (HOME, AWAY, NOWHERE)
    ]


def incident_ack_cases(ids: Ids) -> list[Case]:
    return [
        Case(
            "missing incident",
            ("POST", f"/gates/{HOME}/incidents/{MISSING}", {"csrf_token": CSRF, "note": "đã nhận"}),
            ("POST", f"/api/v1/exchange/incidents/{MISSING}/acknowledge", {"note": "đã nhận"}),
        )
    ]


def dispatch_cases(ids: Ids) -> list[Case]:
    return [
        Case(
            f"dispatch {t}",
            ("POST", f"/portal/trips/{trip}/dispatch", {"csrf_token": CSRF}),
            ("POST", f"/api/v1/trips/{trip}/transitions", {"action": "dispatch"}),
        )
        for t, trip in ids.trips.items()
    ]


def inbox_cases(ids: Ids) -> list[Case]:
    """The messages sent to the caller's enterprise: read by whoever may read trips (none for no enterprise)."""
    return [Case("inbox", ("GET", "/portal/inbox", None), ("GET", "/api/v1/trips?limit=100", None), "access")]


def list_cases(ids: Ids) -> list[Case]:
    return [Case("list", ("GET", "/portal", None), ("GET", "/api/v1/trips?limit=100", None), compare="list")]


def login_cases(ids: Ids) -> list[Case]:
    wrong = {"username": "no-such-user", "password": "not the password"}
    return [
        Case("wrong password", ("POST", "/login", {"csrf_token": CSRF, **wrong}), ("POST", "/api/v1/auth/login", wrong))
    ]


def join_request_cases(ids: Ids) -> list[Case]:
    return [
        Case(
            "missing request",
            ("POST", f"/admin/join-requests/{MISSING}", {"csrf_token": CSRF, "action": "approve"}),
            ("POST", f"/api/v1/join-requests/{MISSING}/approve", None),
        )
    ]


def join_list_cases(ids: Ids) -> list[Case]:
    return [Case("pending", ("GET", "/admin/join-requests", None), ("GET", "/api/v1/join-requests", None))]


def users_cases(ids: Ids) -> list[Case]:
    return [Case("own", ("GET", "/enterprise/users", None), ("GET", "/api/v1/enterprise/users", None))]


def invite_cases(ids: Ids) -> list[Case]:
    invite = {"role": "driver", "contact": "+84 912 000 111"}
    return [
        Case(
            "invite",
            ("POST", "/enterprise/users", {"csrf_token": CSRF, "username": "page.invitee", **invite}),
            ("POST", "/api/v1/enterprise/users", {"username": "api.invitee", **invite}),
            compare="access",
        )
    ]


def user_active_cases(ids: Ids) -> list[Case]:
    return [
        Case(
            "missing user",
            ("POST", "/enterprise/users/no.such.user", {"csrf_token": CSRF, "action": "disable"}),
            ("PUT", "/api/v1/enterprise/users/no.such.user/active", {"active": False}),
        )
    ]


def password_cases(ids: Ids) -> list[Case]:
    wrong = {"current_password": "not the password", "new_password": "a new password 2026"}
    form = {"csrf_token": CSRF, **wrong, "confirm_password": wrong["new_password"]}
    return [Case("wrong current", ("POST", "/account/password", form), ("POST", "/api/v1/auth/password", wrong))]


def shows_password_form(ids: Ids) -> list[Case]:
    body = {"current_password": "not the password", "new_password": "a new password 2026"}
    return [Case("form", ("GET", "/account/password", None), ("POST", "/api/v1/auth/password", body), "access")]


def fleet_cases(ids: Ids) -> list[Case]:
    """The fleet page lists what ``GET /api/v1/vehicles`` lists."""
    return [Case("own", ("GET", "/portal/fleet", None), ("GET", "/api/v1/vehicles", None))]


def register_vehicle_cases(ids: Ids) -> list[Case]:
    """A truck registered on the page and through the API (two plates: both may go through)."""
    truck = {"vehicle_type": "truck", "registration_number": "345678", "owner_id": ids.enterprise}
    return [
        Case(
            "own",
            ("POST", "/portal/fleet/vehicles", {"csrf_token": CSRF, "plate": vn_plate(), **truck}),
            ("POST", "/api/v1/vehicles", {"plate": vn_plate(), **truck}),
        )
    ]


def register_driver_cases(ids: Ids) -> list[Case]:
    person = {"full_name": "Hoàng Văn Lâm", "document_kind": "vn_citizen_id", "nationality": "VN"}
    return [
        Case(
            "own",
            ("POST", "/portal/fleet/drivers", {"csrf_token": CSRF, "document_number": vn_citizen_id(), **person}),
            ("POST", "/api/v1/drivers", {"document_number": vn_citizen_id(), **person}),
        )
    ]


def vehicle_page_cases(ids: Ids) -> list[Case]:
    """A vehicle's page (the form that corrects it) against the correction it sends, unchanged: the same scope."""
    vehicles = {"own": ids.truck, "theirs": ids.their_truck, "missing": MISSING}
    return [
        Case(t, ("GET", f"/portal/fleet/vehicles/{v}", None), ("PATCH", f"/api/v1/vehicles/{v}", {}))
        for t, v in vehicles.items()
    ]


def edit_vehicle_cases(ids: Ids) -> list[Case]:
    vehicles = {"own": ids.truck, "theirs": ids.their_truck, "missing": MISSING}
    form = {"csrf_token": CSRF, "plate": "", "vehicle_type": "", "registration_number": "", "refrigerated": "1"}
    return [
        Case(
            t,
            ("POST", f"/portal/fleet/vehicles/{v}", form),
            ("PATCH", f"/api/v1/vehicles/{v}", {"refrigerated": True}),
        )
        for t, v in vehicles.items()
    ]


def driver_page_cases(ids: Ids) -> list[Case]:
    drivers = {"own": ids.employed_driver_id, "theirs": ids.their_driver_id, "missing": MISSING}
    return [
        Case(t, ("GET", f"/portal/fleet/drivers/{d}", None), ("PATCH", f"/api/v1/drivers/{d}", {}))
        for t, d in drivers.items()
    ]


def edit_driver_cases(ids: Ids) -> list[Case]:
    drivers = {"own": ids.employed_driver_id, "theirs": ids.their_driver_id, "missing": MISSING}
    return [
        Case(
            t,
            ("POST", f"/portal/fleet/drivers/{d}", {"csrf_token": CSRF, "phone": "+84 912 000 222"}),
            ("PATCH", f"/api/v1/drivers/{d}", {"phone": "+84 912 000 222"}),
        )
        for t, d in drivers.items()
    ]


def declare_check_cases(ids: Ids) -> list[Case]:
    """The declaration form's live check (a dry run) against declaring through the API: let through exactly
    when declaring is; it answers the problems of another's truck as the declaration would, writing nothing."""
    form = declare_form(ids, vehicle=ids.their_truck, document=ids.driver_document)
    body = declare_body(ids, vehicle=MISSING, driver=ids.driver_id)
    return [Case("form", ("POST", "/portal/trips/new/check", form), ("POST", "/api/v1/trips", body), "access")]


def upload_cases(ids: Ids) -> list[Case]:
    """A file of declarations (none here: the page answers that the file is empty) against declaring through the
    API: let through exactly when declaring is."""
    body = declare_body(ids, vehicle=MISSING, driver=ids.driver_id)
    form = {"csrf_token": CSRF, "exporter_id": ids.enterprise}
    return [Case("no file", ("POST", "/portal/upload", form), ("POST", "/api/v1/trips", body), compare="access")]


#: Every page route -> its API twin, or why it has none.
PAGES: dict[tuple[str, str], Twin | Public | ByNetwork | ForDriver] = {
    ("GET", "/portal"): Twin(list_cases),
    ("GET", "/portal/trips/new"): Twin(shows_declare_form("/portal/trips/new")),
    ("POST", "/portal/trips/new"): Twin(declare_cases),
    ("GET", "/portal/hs"): Twin(shows_declare_form("/portal/hs?q=durian")),
    ("GET", "/portal/trips/{trip_id}"): Twin(trip_page_cases),
    ("POST", "/portal/trips/{trip_id}/booking"): Twin(booking_cases),
    ("GET", "/portal/fleet"): Twin(fleet_cases),
    ("POST", "/portal/fleet/vehicles"): Twin(register_vehicle_cases),
    ("POST", "/portal/fleet/drivers"): Twin(register_driver_cases),
    ("GET", "/portal/fleet/vehicles/{vehicle_id}"): Twin(vehicle_page_cases),
    ("POST", "/portal/fleet/vehicles/{vehicle_id}"): Twin(edit_vehicle_cases),
    ("GET", "/portal/fleet/drivers/{driver_id}"): Twin(driver_page_cases),
    ("POST", "/portal/fleet/drivers/{driver_id}"): Twin(edit_driver_cases),
    ("POST", "/portal/trips/new/check"): Twin(declare_check_cases),
    ("GET", "/portal/upload"): Twin(shows_declare_form("/portal/upload")),
    ("GET", "/portal/upload/template.csv"): Twin(shows_declare_form("/portal/upload/template.csv")),
    ("POST", "/portal/upload"): Twin(upload_cases),
    ("POST", "/portal/trips/{trip_id}/dispatch"): Twin(dispatch_cases),
    ("GET", "/portal/inbox"): Twin(inbox_cases),
    ("GET", "/gates/{gate_id}/dashboard"): Twin(gate_ops_cases("")),
    ("GET", "/gates/{gate_id}/dashboard.json"): Twin(gate_ops_cases(".json")),
    ("GET", "/gates/{gate_id}/dashboard/events"): Twin(gate_ops_cases("/events")),
    ("GET", "/gates/{gate_id}/worklist"): Twin(gate_ops_cases("", "worklist")),
    ("GET", "/gates/{gate_id}/worklist.json"): Twin(gate_ops_cases(".json", "worklist")),
    ("GET", "/gates/{gate_id}/worklist/events"): Twin(gate_ops_cases("/events", "worklist")),
    ("GET", "/gates/{gate_id}/admin"): Twin(gate_admin_page_cases),
    ("GET", "/gates/{gate_id}/inspections"): Twin(inspections_page_cases),
    ("GET", "/gates/{gate_id}/call-forward"): Twin(gate_ops_page_cases("call-forward")),
    ("POST", "/gates/{gate_id}/call-forward"): Twin(call_forward_cases),
    ("GET", "/gates/{gate_id}/review"): Twin(gate_ops_page_cases("review")),
    ("POST", "/gates/{gate_id}/review/{item_id}"): Twin(review_resolve_cases),
    ("GET", "/gates/{gate_id}/manual-read"): Twin(gate_ops_page_cases("manual-read")),
    ("POST", "/gates/{gate_id}/manual-read"): Twin(manual_read_cases),
    ("GET", "/gates/{gate_id}/incidents"): Twin(incidents_page_cases),
    ("POST", "/gates/{gate_id}/incidents"): Twin(incident_raise_cases),
    ("POST", "/gates/{gate_id}/incidents/{incident_id}"): Twin(incident_ack_cases),
    ("POST", "/gates/{gate_id}/inspections"): Twin(inspection_action_cases),
    ("POST", "/gates/{gate_id}/admin"): Twin(gate_admin_change_cases),
    ("GET", "/gates/{gate_id}/trucks"): Twin(truck_search_cases),
    ("GET", "/gates/{gate_id}/trucks/{trip_id}"): Twin(truck_page_cases),
    ("POST", "/gates/{gate_id}/trucks/{trip_id}/step"): Twin(truck_step_cases),
    ("POST", "/gates/{gate_id}/trucks/{trip_id}/customs"): Twin(truck_customs_cases),
    ("POST", "/login"): Twin(login_cases),
    ("GET", "/admin/join-requests"): Twin(join_list_cases),
    ("POST", "/admin/join-requests/{request_id}"): Twin(join_request_cases),
    ("GET", "/enterprise/users"): Twin(users_cases),
    ("POST", "/enterprise/users"): Twin(invite_cases),
    ("POST", "/enterprise/users/{username}"): Twin(user_active_cases),
    ("GET", "/account/password"): Twin(shows_password_form),
    ("POST", "/account/password"): Twin(password_cases),
    ("GET", "/join"): Public("/join", "the form an enterprise asks to join with (its API twin is public too)"),
    ("POST", "/join"): Public("/join", "asking to join needs no account, as POST /api/v1/join-requests"),
    ("GET", "/password/forgot"): Public("/password/forgot", "the form that asks for a reset link"),
    ("POST", "/password/forgot"): Public("/password/forgot", "asks for a reset link: the same answer for everyone"),
    ("GET", "/password/reset"): Public("/password/reset", "a one-time link's page: the token is the credential"),
    ("POST", "/password/reset"): Public("/password/reset", "sets a password with a one-time link's token"),
    ("GET", "/login"): Public("/login", "the sign-in form"),
    ("POST", "/logout"): Public("/logout", "ends the session in use, if any; changes nothing of anyone else's"),
    ("GET", "/waits"): Public("/waits", "the public wait board (its API twin is public too)"),
    ("GET", "/"): Public("/", "a redirect to the API documentation"),
    ("GET", "/healthz"): Public("/healthz", "liveness"),
    ("GET", "/readyz"): Public("/readyz", "readiness, for load balancers and orchestrators"),
    ("GET", "/metrics"): ByNetwork("/metrics", "Prometheus metrics, to CUAKHAU_METRICS_ALLOWED_NETWORKS only"),
    ("GET", "/docs"): Public("/docs", "the API documentation"),
    ("GET", "/openapi.json"): Public("/openapi.json", "the API description"),
    ("GET", "/driver"): ForDriver(driver_today_cases),
    ("GET", "/driver/trips/{trip_id}"): ForDriver(driver_trip_cases),
    ("GET", "/driver/manifest.webmanifest"): Public("/driver/manifest.webmanifest", "the driver app's manifest"),
    ("GET", "/sw.js"): Public("/sw.js", "the driver app's service worker script (the same for everyone)"),
}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router, kept whole
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute | Route):
            yield from ((m, prefix + route.path) for m in route.methods or () if m != "HEAD")
        else:
            assert isinstance(route, Mount) and route.path == "/static", route  # static files only


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(m, p) for m, p in _walk(app.routes) if not p.startswith("/api/")}


def test_every_page_route_has_an_entry_and_every_twin_is_an_api_route(app: FastAPI) -> None:
    pages = page_routes(app)
    assert len(pages) >= 15  # the walk found the pages, not an empty app
    assert pages == set(PAGES), (sorted(pages - set(PAGES)), sorted(set(PAGES) - pages))
    routes = api_routes(app)
    patterns = [(m, re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", p) + "$")) for m, p in routes]
    ids = Ids("e", "t1", "t2", "t3", "t0", "t4", "v", "d", "doc", "d3", "v2", "doc2", "d2", {"own": "t1"}, "d4")
    for entry in PAGES.values():
        if isinstance(entry, Twin | ForDriver):
            for case in entry.cases(ids):
                method, url = case.api[0], case.api[1].split("?")[0]
                assert any(m == method and rx.match(url) for m, rx in patterns), (method, url)


FORM = re.compile(r"<form\b([^>]*)>", re.S)


def test_every_form_the_pages_render_posts_to_a_page_in_the_table(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    ids = setup_ids(ctx, world)
    admin = callers(ctx, app, ids)["system_admin"].page
    exporter = callers(ctx, app, ids)["exporter"].page
    seen: set[tuple[str, str]] = set()
    for client, url in (
        (exporter, "/portal"),
        (exporter, "/portal/trips/new"),
        (exporter, f"/portal/trips/{ids.fresh_trip}"),
        (exporter, f"/portal/trips/{ids.own_trip}"),
        (exporter, "/portal/hs"),
        (exporter, "/portal/fleet"),
        (exporter, f"/portal/fleet/vehicles/{ids.truck}"),
        (exporter, f"/portal/fleet/drivers/{ids.employed_driver_id}"),
        (exporter, "/portal/upload"),
        (exporter, f"/portal/trips/new?again={ids.earlier_trip}"),
        (admin, f"/gates/{HOME}/dashboard"),
        (admin, f"/gates/{HOME}/admin"),
        (admin, f"/gates/{HOME}/trucks/{ids.own_trip}"),
        (admin, f"/gates/{HOME}/trucks"),
        (admin, f"/gates/{HOME}/inspections"),
        (admin, f"/gates/{HOME}/call-forward"),
        (admin, f"/gates/{HOME}/review"),
        (admin, f"/gates/{HOME}/manual-read"),
        (admin, f"/gates/{HOME}/incidents"),
        (admin, "/login"),
        (admin, "/waits"),
        (admin, "/admin/join-requests"),
        (admin, "/join"),
        (admin, "/password/forgot"),
        (admin, "/account/password"),
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        for attrs in FORM.findall(r.text):
            action = re.search(r'action="([^"]*)"', attrs)
            method = re.search(r'method="([a-z]+)"', attrs)
            path = (action.group(1) if action else url).split("?")[0]
            seen.add(((method.group(1) if method else "get").upper(), path))
    templates = [(m, re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", p) + "$")) for m, p in PAGES]
    assert ("POST", "/portal/trips/new") in seen and ("POST", f"/portal/trips/{ids.fresh_trip}/booking") in seen
    for method, path in seen:
        assert any(m == method and rx.match(path) for m, rx in templates), (method, path)


def _send(client: TestClient, request: Request, *, form: bool) -> Response:
    method, url, data = request
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if form:
        return client.request(method, url, data=data, follow_redirects=False)
    return client.request(method, url, json=data, headers={"Idempotency-Key": f"api-{url}"})


def _listed(page: Response, api: Response) -> tuple[set[str], set[str]]:
    shown = set(re.findall(r'href="/portal/trips/([0-9a-f]{32})"', page.text))
    return shown, {t["id"] for t in api.json()["items"]}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_page_answers_as_its_api_twin(
    ctx: ServiceContext, world: World, app: FastAPI, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "MAX_STREAM_SECONDS", 0.0)  # a live feed ends at once: its answer is what counts
    ids = setup_ids(ctx, world)
    caller = callers(ctx, app, ids)[role]
    answers: list[tuple[str, str, tuple[str, str | None]]] = []
    # The public pages last, the logout (which revokes the caller's token) at the very end.
    order = sorted(PAGES.items(), key=lambda item: (isinstance(item[1], Public), item[0] == ("POST", "/logout")))
    for (method, path), entry in order:
        if isinstance(entry, ByNetwork):
            assert caller.page.get(entry.url).status_code == 403, (role, path)  # a login opens nothing here
            continue
        if isinstance(entry, Public):
            data = {"csrf_token": CSRF} if method == "POST" else None
            r = caller.page.request(method, entry.url, data=data, follow_redirects=False)
            assert r.status_code < 500 and r.status_code not in (401, 403), (role, method, path, r.status_code)
            continue
        if isinstance(entry, ForDriver):
            for case in entry.cases(ids):
                got = page_answer(_send(caller.page, case.page, form=True))
                where = (role, method, path, case.target, got)
                if role != "driver_bound":
                    assert got[0] == ("signed out" if role == "anonymous" else "refused"), where
                elif case.compare == "access":
                    assert got[0] == "let through", where
                else:
                    assert got == api_answer(_send(caller.api, case.api, form=False)), where
                answers.append((path, case.target, got))
            continue
        for case in entry.cases(ids):
            page = _send(caller.page, case.page, form=True)
            api = _send(caller.api, case.api, form=False)
            got, want = page_answer(page), api_answer(api)
            where = (role, method, path, case.target, page.status_code, api.status_code, page.text[:300])
            if case.compare == "access":
                assert (got[0] == "let through") == (want[0] not in ("signed out", "refused")), where
                assert got[0] in ("signed out", "refused", "let through"), where
            else:
                assert got == want, where
            if case.compare == "list" and got[0] == "let through":
                shown, listed = _listed(page, api)
                assert shown == listed, (role, shown, listed)
                answers.append((path, "list", ("listed", ",".join(sorted(shown)))))
            answers.append((path, case.target, got))
    # The comparisons are not vacuous: what each role must get, spelled out for the telling cases.
    got = {(p, t): a[0] for p, t, a in answers}
    trip_page = "/portal/trips/{trip_id}"
    book = "/portal/trips/{trip_id}/booking"
    if role == "anonymous":
        assert set(got.values()) == {"signed out"}, got
        return
    expect_declare = "let through" if role in ("exporter", "enterprise_admin", "system_admin") else "refused"
    assert got["/portal/trips/new", "own parts"] == expect_declare
    if role in ("exporter", "enterprise_admin"):
        assert got["/portal/trips/new", "their truck"] == got["/portal/trips/new", "their driver"] == "not found"
    if role == "driver_bound":  # a driver bound to a driver id sees the trips it drives, not its enterprise's
        assert got[trip_page, "own"] == "let through" and got[trip_page, "sibling"] == "not found"
        assert got["/driver/trips/{trip_id}", "own"] == got["/driver", "today"] == "let through"
        assert got["/driver/trips/{trip_id}", "sibling"] == got["/driver/trips/{trip_id}", "theirs"] == "not found"
    else:
        assert got[trip_page, "own"] == got[trip_page, "sibling"] == "let through", role
        # the driver's page is for a driver bound to a driver id only
        assert got["/driver", "today"] == got["/driver/trips/{trip_id}", "own"] == "refused", role
    assert got[trip_page, "theirs"] == ("let through" if role == "system_admin" else "not found")
    may_book = role in ("exporter", "enterprise_admin", "driver_bound", "driver_unbound", "gate_admin", "system_admin")
    assert got[book, "reschedule own"] == ("let through" if may_book else "refused")
    assert got[book, "book theirs"] == (
        "let through" if role == "system_admin" else "not found" if may_book else "refused"
    )
    gate_staff = role in ("customs_officer", "quarantine_officer", "border_guard", "gate_admin", "system_admin")
    assert got["/gates/{gate_id}/dashboard", HOME] == ("let through" if gate_staff else "refused")
    assert got["/gates/{gate_id}/dashboard", AWAY] == ("let through" if role == "system_admin" else "refused")
    assert got["/gates/{gate_id}/worklist", HOME] == ("let through" if gate_staff else "refused")
    assert got["/gates/{gate_id}/worklist", AWAY] == ("let through" if role == "system_admin" else "refused")
    decides = role in ("gate_admin", "system_admin")
    assert got["/admin/join-requests", "pending"] == ("let through" if decides else "refused")
    assert got["/admin/join-requests/{request_id}", "missing request"] == ("not found" if decides else "refused")
    manages = role == "enterprise_admin"  # its own enterprise's users; a system administrator uses the CLI
    assert got["/enterprise/users", "own"] == ("let through" if manages else "refused")
    assert got["/enterprise/users/{username}", "missing user"] == ("not found" if manages else "refused")
    assert got["/account/password", "wrong current"] == "let through"  # every account: a 422, not a refusal
    administers = role in ("gate_admin", "system_admin")
    assert got["/gates/{gate_id}/admin", HOME] == ("let through" if administers else "refused")
    assert got["/gates/{gate_id}/admin", f"closure {HOME}"] == ("let through" if administers else "refused")
    assert got["/gates/{gate_id}/admin", f"closure {AWAY}"] == ("let through" if role == "system_admin" else "refused")
    calls = role in ("customs_officer", "gate_admin", "system_admin")
    assert got["/gates/{gate_id}/call-forward", f"call {HOME}"] == ("let through" if calls else "refused")
    assert got["/gates/{gate_id}/review/{item_id}", "missing item"] == ("not found" if gate_staff else "refused")
    assert got["/gates/{gate_id}/manual-read", f"read {AWAY}"] == (
        "let through" if role == "system_admin" else "refused"
    )
    assert got["/gates/{gate_id}/incidents", f"raise {HOME}"] == ("let through" if gate_staff else "refused")
    inspects = role in ("customs_officer", "quarantine_officer", "system_admin")
    assert got["/gates/{gate_id}/inspections", HOME] == ("let through" if gate_staff else "refused")
    assert got["/gates/{gate_id}/inspections", "send own"] == ("let through" if inspects else "refused")
    assert got["/gates/{gate_id}/inspections", "send theirs"] == (
        "let through" if role == "system_admin" else "not found" if inspects else "refused"
    )
    lab = role in ("quarantine_officer", "system_admin")
    assert got["/gates/{gate_id}/inspections", "lab missing"] == ("not found" if lab else "refused")
