"""Bad input: a clear 4xx naming the field, in the caller's language, and nothing changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cuakhau.adapters.db.tables import metadata
from tests.fixtures.factories import World, fruit_line

API = "/api/v1"


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def trip_body(world: World, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "gate_id": "vn-huu-nghi",
        "direction": "export",
        "vehicle_id": world.truck.id,
        "driver_id": world.driver.id,
        "shipment": world.shipment(),
    }
    body.update(over)
    return body


def line_case(**over: Any):
    return lambda w: trip_body(w, shipment=w.shipment(lines=[fruit_line(**over)]))


# (name, body builder, status, code, field)
CASES = [
    ("unknown HS code", line_case(hs_code="081099"), 422, "hs.unknown", "shipment.lines[0].hs_code"),
    ("HS 2017-only code", line_case(hs_code="080290"), 422, "hs.only_in_2017", "shipment.lines[0].hs_code"),
    ("chapter 99 filler", line_case(hs_code="999999"), 422, "hs.not_declarable", "shipment.lines[0].hs_code"),
    ("net weight zero", line_case(net_kg="0"), 422, "weight.not_positive", "shipment.lines[0].net_kg"),
    ("negative gross", line_case(gross_kg="-5"), 422, "weight.not_positive", "shipment.lines[0].gross_kg"),
    (
        "gross below net",
        line_case(gross_kg="100"),
        422,
        "weight.gross_below_net",
        "shipment.lines[0].gross_kg",
    ),
    (
        "currency that does not exist",
        line_case(currency="VNX"),
        422,
        "currency.unknown",
        "shipment.lines[0].currency",
    ),
    (
        "bad planting-area code",
        line_case(planting_area_code="vùng trồng 1"),
        422,
        "registry_code.invalid",
        "shipment.lines[0].planting_area_code",
    ),
    (
        "unknown perishability",
        line_case(perishability="rotten"),
        422,
        "enum.invalid",
        "shipment.lines[0].perishability",
    ),
    (
        "wrong ISO 6346 check digit",
        lambda w: trip_body(w, containers=["CSQU3054384"]),
        422,
        "container.check_digit",
        "containers[0]",
    ),
    ("unknown direction", lambda w: trip_body(w, direction="sideways"), 422, "enum.invalid", "direction"),
    ("unknown gate", lambda w: trip_body(w, gate_id="vn-nowhere"), 404, "gate.not_found", "gate_id"),
    ("unknown vehicle", lambda w: trip_body(w, vehicle_id="nope"), 404, "vehicle.not_found", "vehicle_id"),
    (
        "trailer as the truck",
        lambda w: trip_body(w, vehicle_id=w.trailer.id),
        422,
        "trip.vehicle_is_trailer",
        "vehicle_id",
    ),
    (
        "both shipment and shipment_id",
        lambda w: trip_body(w, shipment_id="x"),
        422,
        "trip.shipment_one_of",
        "shipment_id",
    ),
    (
        "unknown field",
        lambda w: {**trip_body(w), "priority": "vip"},
        422,
        "request.unknown_field",
        "priority",
    ),
    (
        "unknown nested field",
        lambda w: trip_body(w, shipment={**w.shipment(), "bribe": 1}),
        422,
        "request.unknown_field",
        "shipment.bribe",
    ),
    (
        "missing field",
        lambda w: {k: v for k, v in trip_body(w).items() if k != "driver_id"},
        422,
        "request.missing_field",
        "driver_id",
    ),
    (
        "weight not a number",
        line_case(net_kg="nhiều"),
        422,
        "request.invalid_type",
        "shipment.lines[0].net_kg",
    ),
    (
        "no cargo lines",
        lambda w: trip_body(w, shipment=w.shipment(lines=[])),
        422,
        "shipment.no_lines",
        "shipment.lines",
    ),
]


@pytest.mark.parametrize(("name", "build", "status", "code", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_trip_declaration_is_refused_and_changes_nothing(
    client: TestClient,
    world: World,
    engine: Engine,
    name: str,
    build: Any,
    status: int,
    code: str,
    field: str,
) -> None:
    before = row_counts(engine)
    r = client.post(f"{API}/trips", json=build(world), headers={"Accept-Language": "vi"})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == (code, field)
    assert err["message"] and r.headers["content-language"] == "vi"
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("plate", "code", "field"),
    [
        ("29A-433.74", "vehicle.type_required", "vehicle_type"),  # no goods hint and no declared type
        ("ABC-123", "plate.invalid_format", "plate"),
        ("桂FD12345", "vehicle.type_required", "vehicle_type"),
        ("29B1-123.45", "plate.two_wheeler", "plate"),
        ("29C1-1234", "plate.two_wheeler", "plate"),  # never registered as the truck 29C-112.34
        ("", "plate.empty", "plate"),
    ],
)
def test_bad_plates_are_refused(
    client: TestClient, world: World, engine: Engine, plate: str, code: str, field: str
) -> None:
    before = row_counts(engine)
    r = client.post(f"{API}/vehicles", json={"plate": plate, "owner_id": world.exporter.id})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["field"] == field
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"vehicle_type": "truck"}, "vehicle.registration_missing", "registration_number"),
        ({"vehicle_type": "lorry", "registration_number": "012345"}, "enum.invalid", "vehicle_type"),
        (
            {"vehicle_type": "truck", "registration_number": "12-34"},
            "vehicle.registration_invalid",
            "registration_number",
        ),
    ],
)
def test_bad_registrations_name_the_field(
    client: TestClient, world: World, engine: Engine, body: dict[str, str], code: str, field: str
) -> None:
    before = row_counts(engine)
    r = client.post(
        f"{API}/vehicles",
        json={"plate": "29H-433.74", "owner_id": world.exporter.id, **body},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == (code, field)
    assert "{" not in err["message"] and code not in err["message"]
    assert row_counts(engine) == before


def test_bad_tax_id_is_refused(client: TestClient, world: World) -> None:
    r = client.post(
        f"{API}/enterprises",
        json={"name": "Công ty X", "country": "VN", "tax_id": "0100109107", "roles": ["exporter"]},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "taxid.invalid" and err["field"] == "tax_id"
    assert r.headers["content-language"] == "zh"


def test_malformed_json_is_400(client: TestClient, world: World, engine: Engine) -> None:
    before = row_counts(engine)
    r = client.post(f"{API}/trips", content=b'{"gate_id": "vn-huu-nghi",', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "request.malformed_json"
    assert row_counts(engine) == before


def test_body_over_one_mebibyte_is_413(client: TestClient, world: World, engine: Engine) -> None:
    before = row_counts(engine)
    body = trip_body(world, shipment=world.shipment(consignee_name="x" * (1024 * 1024)))
    r = client.post(f"{API}/trips", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request.too_large"
    assert row_counts(engine) == before


def test_chunked_body_over_the_limit_is_413(client: TestClient, world: World) -> None:
    def chunks():
        yield b'{"gate_id": "'
        for _ in range(300):
            yield b"a" * 4096
        yield b'"}'

    r = client.post(f"{API}/trips", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("language", "fragment"),
    [("vi", "Mã HS"), ("zh", "HS"), ("en", "HS 2017"), ("fr-FR, vi;q=0.4", "Mã HS")],
)
def test_messages_follow_accept_language(client: TestClient, world: World, language: str, fragment: str) -> None:
    body = trip_body(world, shipment=world.shipment(lines=[fruit_line(hs_code="080290")]))
    r = client.post(f"{API}/trips", json=body, headers={"Accept-Language": language})
    assert fragment in r.json()["error"]["message"]


def test_missing_reason_for_hold_is_refused(client: TestClient, world: World) -> None:
    trip = client.post(f"{API}/trips", json=trip_body(world)).json()
    world.book(trip["id"])
    for action in ["dispatch", "arrive"]:
        client.post(
            f"{API}/trips/{trip['id']}/transitions",
            json={"action": action, "actor": {"id": "x", "role": "system"}},
        )
    r = client.post(
        f"{API}/trips/{trip['id']}/transitions",
        json={"action": "hold", "actor": {"id": "c1", "role": "customs"}},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = client.post(
        f"{API}/trips/{trip['id']}/transitions",
        json={"action": "hold", "actor": {"id": "c1", "role": "president"}},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "actor.role"


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/trips/doesnotexist",
        f"{API}/gates/vn-atlantis",
        f"{API}/shipments/x",
        f"{API}/enterprises/x",
        f"{API}/trips/x/timeline",
        "/api/v2/trips",
    ],
)
def test_unknown_objects_and_routes_are_404_in_the_error_shape(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.json()["error"]["code"].endswith("not_found")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 100000},
        {"offset": -1},
        {"state": "flying"},
        {"declared_from": "yesterday"},
        {"plate": "not a plate"},
    ],
)
def test_bad_query_parameters_are_4xx(client: TestClient, params: dict[str, Any]) -> None:
    r = client.get(f"{API}/trips", params=params)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["field"]
    # the top message is a sentence, with its parameters filled in (no "{expected}" left in it)
    assert "{" not in error["message"], error["message"]
    assert all("{" not in detail["message"] for detail in error["details"] or [])


@pytest.mark.parametrize(
    ("language", "words"), [("vi", "Cơ sở dữ liệu"), ("zh", "数据库"), ("en", "database is unavailable")]
)
def test_an_unreachable_database_is_a_503_to_retry_not_a_500(language: str, words: str) -> None:
    """PostgreSQL down (here: nothing listens on the port): a public read and a booking get 503 with
    Retry-After and the reason in the caller's language; nothing was done, so the client may retry."""
    from cuakhau.bootstrap import create_app
    from cuakhau.config import Settings

    app = create_app(Settings(database_url="postgresql://postgres@127.0.0.1:9/none", notify_in_server=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Accept-Language": language, "Authorization": "Bearer not-checked-before-the-database"}
        for method, path, body in (
            ("GET", f"{API}/public/waits", None),
            (
                "POST",
                f"{API}/trips/t-1/booking",
                {"earliest": "2026-11-24T00:00:00Z", "latest": "2026-11-24T06:00:00Z"},
            ),
        ):
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.headers["Retry-After"] == "5"
            assert r.json()["error"]["code"] == "service.database_unavailable"
            assert words in r.json()["error"]["message"]
