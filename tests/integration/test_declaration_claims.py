"""Issue 21, items 2 and 6: a shipment and its certificate cross once, a truck and a driver are on one open trip,
a consignment is split into parts that add up, and a declaration reports every field error at once — over the API
and on the portal page, in vi, zh and en, race-safe on PostgreSQL."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cuakhau.domain.errors import Conflict, CuakhauError, FieldErrors, InvalidInput
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import shipments, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, fruit_line, vn_citizen_id
from tests.integration.test_portal_pages import Exporter, form, token

API = "/api/v1"
EXPORTER = Actor("exporter-1", ActorRole.EXPORTER)


def _walk(trip_id: str, ctx: ServiceContext, *actions: str) -> None:
    for action in actions:
        reason = "hủy chuyến" if action == "cancel" else None
        trips.transition_trip(
            ctx.uow(),
            clock=ctx.clock,
            trip_id=trip_id,
            action=action,
            actor=Actor("o", ActorRole.SYSTEM),
            reason=reason,
        )


def test_a_shipment_on_an_open_trip_or_crossed_cannot_be_declared_again(ctx: ServiceContext, world: World) -> None:
    first = world.declare()
    with pytest.raises(Conflict) as info:
        world.declare(gate_id="vn-tan-thanh", shipment_id=first.shipment_id)  # another truck, another gate
    assert info.value.code == "shipment.on_another_trip" and info.value.field == "shipment_id"
    plate = world.truck.plate.text
    assert info.value.params["plate"] == plate
    _walk(first.id, ctx, "cancel")  # ended without crossing: the shipment is free again
    world.declare(gate_id="vn-tan-thanh", shipment_id=first.shipment_id)
    with pytest.raises(Conflict) as again:
        world.declare(shipment_id=first.shipment_id)
    assert again.value.code == "shipment.on_another_trip"


def test_a_crossed_shipment_is_refused_naming_the_trip_in_words(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    trip = world.declare(
        shipment=world.shipment(
            lines=[
                fruit_line(
                    hs_code="400122", perishability="dry_goods", planting_area_code=None, packing_house_code=None
                )
            ],
            phytosanitary_certificate_no=None,
        )
    )
    world.book(trip.id, hours=2)
    _walk(trip.id, ctx, "dispatch", "arrive", "call", "clear", "cross")
    body = {
        "gate_id": "vn-huu-nghi",
        "direction": "export",
        "vehicle_id": world.new_truck(),
        "driver_id": world.new_driver(),
        "shipment_id": trip.shipment_id,
    }
    for language, words in (("vi", "đã qua cửa khẩu"), ("zh", "已出境"), ("en", "crossed")):
        r = client.post(f"{API}/trips", json=body, headers={"Accept-Language": language})
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "shipment.already_crossed" and err["field"] == "shipment_id"
        message = err["message"]
        assert world.truck.plate.text in message and words in message
        assert trip.id not in message and "trip.state" not in message and "{" not in message
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+07:00", message), message  # the gate's local time
        assert err["details"] == [{"code": err["code"], "field": "shipment_id", "message": message}]


def test_a_certificate_covers_one_consignment_unless_split(ctx: ServiceContext, world: World) -> None:
    whole = world.declare()
    certificate = world.shipment()["phytosanitary_certificate_no"]
    same = world.shipment(phytosanitary_certificate_no="VN-PC-2026-001234")
    with pytest.raises(Conflict) as info:
        world.declare(shipment=same)
    assert info.value.code == "shipment.certificate_on_another_trip"
    assert info.value.field == "shipment.phytosanitary_certificate_no"
    assert certificate != "VN-PC-2026-001234"
    # Split explicitly: a consignment not yet on a truck, and its parts (the certificate's quantities, 18 t net).
    _walk(whole.id, ctx, "cancel")
    part = lambda net, gross, packages: world.shipment(  # noqa: E731
        phytosanitary_certificate_no="VN-PC-2026-001234",
        part_of=whole.shipment_id,
        lines=[fruit_line(net_kg=net, gross_kg=gross, packages=packages)],
    )
    a = world.declare(shipment=part("10000", "10800", 550))
    b = world.declare(shipment=part("8000", "8700.5", 450))  # adds up exactly: 18000 / 19500.5 / 1000
    assert {a.shipment_id, b.shipment_id} and shipments.get_shipment(
        ctx.uow(), a.shipment_id
    ).part_of == whole.shipment_id
    with pytest.raises(FieldErrors) as over:
        world.declare(shipment=part("500", "600", 10))
    found = {(p["code"], p["field"]) for p in over.value.params["problems"]}
    assert found == {
        ("shipment.split_exceeds", "shipment.lines[0].net_kg"),
        ("shipment.split_exceeds", "shipment.lines[0].gross_kg"),
        ("shipment.split_exceeds", "shipment.lines[0].packages"),
    }
    net = next(p for p in over.value.params["problems"] if p["field"].endswith("net_kg"))
    assert (net["consignment"], net["parts"], net["this_part"]) == ("18000", "18500", "500")
    # The consignment split into parts is not declared on a truck of its own.
    with pytest.raises(InvalidInput) as whole_again:
        world.declare(shipment_id=whole.shipment_id)
    assert whole_again.value.code == "shipment.split_into_parts"


def test_a_busy_truck_or_driver_is_refused_at_declaration_in_each_language(world: World, client: TestClient) -> None:
    first = world.declare()
    body = {
        "gate_id": "vn-huu-nghi",
        "direction": "export",
        "vehicle_id": first.vehicle_id,
        "driver_id": first.driver_id,
        "shipment": world.shipment(),
    }
    words = {
        "vi": ("Xe này đang", "Lái xe này đang"),
        "zh": ("该车辆正在", "该司机正在"),
        "en": ("This truck is", "This driver is"),
    }
    for language, (truck_words, driver_words) in words.items():
        r = client.post(f"{API}/trips", json=body, headers={"Accept-Language": language})
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "request.field_errors"
        by_field = {d["field"]: d for d in err["details"]}
        assert (
            by_field["vehicle_id"]["code"] == "trip.vehicle_busy" and truck_words in by_field["vehicle_id"]["message"]
        )
        assert by_field["driver_id"]["code"] == "trip.driver_busy" and driver_words in by_field["driver_id"]["message"]
        assert world.truck.plate.text in by_field["vehicle_id"]["message"]


def test_an_api_declaration_reports_every_field_error_at_once(world: World, client: TestClient) -> None:
    bad_line = fruit_line(hs_code="999999", net_kg="-5", currency="US$", planting_area_code="VN-NOWHERE-1")
    body: dict[str, Any] = {
        "gate_id": "vn-huu-nghi",
        "direction": "sideways",
        "vehicle_id": world.truck.id,
        "driver_id": "no-such-driver",
        "containers": ["ABCU1234560", "NOT A BOX"],
        "shipment": world.shipment(consignee_country="ZZ", lines=[bad_line, fruit_line(packing_house_code="VN-X-9")]),
    }
    r = client.post(f"{API}/trips", json=body, headers={"Accept-Language": "vi"})
    err = r.json()["error"]
    assert r.status_code == 404, r.text  # a driver that does not exist: answered as not found, with the rest
    fields = {d["field"] for d in err["details"]}
    assert {
        "direction",
        "driver_id",
        "containers[1]",
        "shipment.consignee_country",
        "shipment.lines[0].hs_code",
        "shipment.lines[0].net_kg",
        "shipment.lines[0].currency",
    } <= fields, fields
    assert err["code"] == "request.field_errors" and err["params"]["count"] == len(err["details"]) >= 7
    assert all(d["message"] and "{" not in d["message"] for d in err["details"])
    # Registry codes are checked when the shipment is otherwise valid, with everything else still reported.
    body["shipment"] = world.shipment(
        lines=[fruit_line(planting_area_code="VN-NOWHERE-1"), fruit_line(packing_house_code="VN-X-9")]
    )
    body["direction"], body["driver_id"], body["containers"] = "export", world.driver.id, []
    r = client.post(f"{API}/trips", json=body)
    assert r.status_code == 422, r.text
    assert {(d["code"], d["field"]) for d in r.json()["error"]["details"]} == {
        ("shipment.unregistered_planting_area", "shipment.lines[0].planting_area_code"),
        ("shipment.unregistered_packing_house", "shipment.lines[1].packing_house_code"),
    }


def test_the_portal_shows_each_error_next_to_its_field(world: World, client: TestClient) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    csrf = token(client.get("/portal/trips/new?lang=zh").text)
    busy = world.declare()  # the world's truck is now on an open trip
    sent = client.post(
        "/portal/trips/new?lang=zh",
        data=form(
            world,
            csrf,
            vehicle_id=busy.vehicle_id,
            driver_document=vn_citizen_id(),  # well formed, held by nobody
            consignee_country="ZZ",
            **{"lines-0-hs_code": "999999", "lines-0-net_kg": "-1"},
        ),
    )
    assert sent.status_code == 404, sent.text[:300]  # an unknown driver's document reads as not found
    shown = {
        m.group(1): m.group(2) for m in re.finditer(r'<span class="error" id="err-([\w-]+)">([^<]+)</span>', sent.text)
    }
    assert {"vehicle_id", "driver_document", "consignee_country", "lines-0-hs_code", "lines-0-net_kg"} <= set(shown)
    assert "该车辆正在" in shown["vehicle_id"] and world.truck.plate.text in shown["vehicle_id"]
    assert len(re.findall(r"<li data-code=", sent.text)) >= 5  # and listed together above the form
    assert 'data-code="request.field_errors"' in sent.text


def test_two_concurrent_declarations_of_one_shipment_one_wins(ctx: ServiceContext, world: World) -> None:
    """On PostgreSQL the claims are locked in the unit of work (SQLite's writers are serialised): of several
    trucks declared at once with the same shipment, exactly one is accepted, the others refused by name."""
    shipment_id = world.declare().shipment_id
    _walk(world_trip := trips.list_trips(ctx.uow(), trips.TripFilter(), limit=1, offset=0)[0][0].trip.id, ctx, "cancel")
    assert world_trip
    racers = 6
    parties = [(world.new_truck(), world.new_driver()) for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def declare(vehicle_id: str, driver_id: str) -> None:
        barrier.wait()
        try:
            trips.declare_trip(
                ctx.uow(),
                ctx.nomenclature,
                clock=ctx.clock,
                gate_id="vn-huu-nghi",
                direction="export",
                vehicle_id=vehicle_id,
                driver_id=driver_id,
                shipment_id=shipment_id,
            )
            outcomes.append("declared")
        except CuakhauError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=declare, args=p) for p in parties]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes) == ["declared"] + ["shipment.on_another_trip"] * (racers - 1), outcomes


def test_two_concurrent_consignments_with_one_certificate_one_wins(ctx: ServiceContext, world: World) -> None:
    racers = 6
    parties = [(world.new_truck(), world.new_driver()) for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    body = world.shipment(phytosanitary_certificate_no="VN-PC-2026-777777")

    def declare(vehicle_id: str, driver_id: str) -> None:
        barrier.wait()
        try:
            trips.declare_trip(
                ctx.uow(),
                ctx.nomenclature,
                clock=ctx.clock,
                gate_id="vn-huu-nghi",
                direction="export",
                vehicle_id=vehicle_id,
                driver_id=driver_id,
                shipment=body,
            )
            outcomes.append("declared")
        except CuakhauError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=declare, args=p) for p in parties]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes) == ["declared"] + ["shipment.certificate_on_another_trip"] * (racers - 1), outcomes


def test_the_portal_declares_a_part_of_a_split_consignment(
    ctx: ServiceContext, world: World, client: TestClient
) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    page = client.get("/portal/trips/new?lang=vi")
    assert 'id="part_of"' in page.text and "Thuộc lô hàng đã chia" in page.text
    line = fruit_line(hs_code="0810.60", net_kg="18000", gross_kg="19500", packages=1000)
    whole = world.declare(shipment=world.shipment(phytosanitary_certificate_no="VN-PC-2026-001234", lines=[line]))
    _walk(whole.id, ctx, "cancel")
    part = {"lines-0-net_kg": "10000", "lines-0-gross_kg": "10800", "lines-0-packages": "550"}
    # An unknown consignment is named next to its field, in the reader's language.
    sent = client.post(
        "/portal/trips/new?lang=zh", data=form(world, token(page.text), part_of="no-such-consignment", **part)
    )
    assert sent.status_code == 404, sent.text[:300]
    shown = re.search(r'<span class="error" id="err-part_of">([^<]+)</span>', sent.text)
    assert shown is not None and "part_of" not in shown.group(1)
    assert 'value="no-such-consignment"' in sent.text  # what was typed is kept
    sent = client.post(
        "/portal/trips/new?lang=vi",
        data=form(world, token(page.text), part_of=whole.shipment_id, **part),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    trip_id = sent.headers["location"].split("/portal/trips/")[1].split("?")[0]
    shipment_id = trips.get_trip(ctx.uow(), trip_id).shipment_id
    assert shipments.get_shipment(ctx.uow(), shipment_id).part_of == whole.shipment_id
