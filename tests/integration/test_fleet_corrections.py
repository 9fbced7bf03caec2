"""Correcting a vehicle or a driver (``PATCH /api/v1/vehicles/{id}``, ``/drivers/{id}``, the fleet's edit pages)
and the declaration form's live check (``POST /portal/trips/new/check``: the declaration as a dry run), with a
trailer and containers on the form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.services import registry, trips
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import TripFilter
from tests.fixtures.factories import World, registration_number, vn_citizen_id, vn_plate
from tests.integration.conftest import RoleClient
from tests.integration.test_portal_fleet import Exporter, csrf, sign_in
from tests.integration.test_portal_pages import form

BAD_CHECK_DIGIT = "CSQU3054384"  # CSQU 305438 3 with a wrong check digit
GOOD_CONTAINER = "CSQU 305438 3"


def test_a_free_truck_gets_a_new_plate_and_registration(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    truck = world.new_truck()
    plate = vn_plate()
    r = exporter.patch(f"/api/v1/vehicles/{truck}", json={"plate": plate, "registration_number": "98 76 54"})
    assert r.status_code == 200, r.text
    saved = registry.get_vehicle(ctx.uow(), truck)
    assert saved.plate.text == plate and saved.registration_number == "987654"
    assert saved.owner_id == world.exporter.id and saved.vehicle_type.value == "truck"
    # The type comes from the registration: a semi-trailer on a motor plate is kept, with its warning recomputed.
    r = exporter.patch(f"/api/v1/vehicles/{truck}", json={"vehicle_type": "semi_trailer"})
    assert r.status_code == 200, r.text
    assert [w.code for w in registry.get_vehicle(ctx.uow(), truck).warnings] == ["vehicle.towed_with_motor_plate"]


def test_a_truck_on_an_open_trip_keeps_its_plate(ctx: ServiceContext, world: World, as_role: RoleClient) -> None:
    trip = world.declare()
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    r = exporter.patch(
        f"/api/v1/vehicles/{trip.vehicle_id}", json={"plate": vn_plate()}, headers={"Accept-Language": "vi"}
    )
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "vehicle.plate_on_open_trip" and error["field"] == "plate"
    assert "chưa thể đổi biển số" in error["message"]
    # Other corrections of the same truck still go through.
    assert exporter.patch(f"/api/v1/vehicles/{trip.vehicle_id}", json={"refrigerated": True}).status_code == 200
    assert registry.get_vehicle(ctx.uow(), trip.vehicle_id).refrigerated
    # Its trailer too, while the trip is open.
    with_trailer = world.declare(
        vehicle_id=world.new_truck(), driver_id=_new_driver(ctx, world), trailer_id=world.trailer.id
    )
    assert with_trailer.trailer_id == world.trailer.id
    moved = exporter.patch(f"/api/v1/vehicles/{world.trailer.id}", json={"plate": vn_plate()})
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "vehicle.plate_on_open_trip"


def test_every_problem_at_once_and_a_duplicate_named_without_an_id(world: World, as_role: RoleClient) -> None:
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    truck = world.new_truck()
    bad = exporter.patch(f"/api/v1/vehicles/{truck}", json={"plate": "29B1-123.45", "vehicle_type": "bus"})
    assert bad.status_code == 422, bad.text
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert {"plate", "vehicle_type"} <= fields
    taken = exporter.patch(f"/api/v1/vehicles/{truck}", json={"plate": world.truck.plate.text})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "vehicle.duplicate"
    assert world.truck.id not in taken.text


def test_a_driver_is_corrected_and_a_document_is_not_taken_twice(
    ctx: ServiceContext, world: World, as_role: RoleClient
) -> None:
    exporter = as_role(Role.EXPORTER, enterprise_id=world.exporter.id)
    mine = _new_driver(ctx, world)
    other = _new_driver(ctx, world)
    number = vn_citizen_id()
    r = exporter.patch(f"/api/v1/drivers/{mine}", json={"document_number": number, "phone": "+84 912 000 333"})
    assert r.status_code == 200, r.text
    saved = registry.get_driver(ctx.uow(), mine)
    assert saved.document.number == number and saved.phone == "+84 912 000 333"
    assert saved.employer_id == world.exporter.id
    taken = registry.get_driver(ctx.uow(), other).document.number
    dup = exporter.patch(f"/api/v1/drivers/{mine}", json={"document_number": taken})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "driver.duplicate" and other not in dup.text
    bad = exporter.patch(f"/api/v1/drivers/{mine}", json={"full_name": " ", "nationality": "XX"})
    assert bad.status_code == 422 and {"full_name", "nationality"} <= {
        d["field"] for d in bad.json()["error"]["details"]
    }
    # A driver with no employer on record is not the enterprise's to correct.
    assert exporter.patch(f"/api/v1/drivers/{world.driver.id}", json={"phone": "+84 912 000 444"}).status_code == 404


def _new_driver(ctx: ServiceContext, world: World) -> str:
    return registry.register_driver(
        ctx.uow(),
        clock=ctx.clock,
        full_name="Đỗ Văn Bình",
        document_kind="vn_citizen_id",
        document_number=vn_citizen_id(),
        nationality="VN",
        employer_id=world.exporter.id,
    ).id


def test_the_fleet_page_corrects_a_truck(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    truck = world.new_truck()
    assert f'href="/portal/fleet/vehicles/{truck}"' in anon.get("/portal/fleet").text
    key = csrf(anon, f"/portal/fleet/vehicles/{truck}?lang=vi")
    plate = vn_plate()
    fields = {"csrf_token": key, "plate": plate, "vehicle_type": "truck", "registration_number": registration_number()}
    done = anon.post(f"/portal/fleet/vehicles/{truck}", data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    assert registry.get_vehicle(ctx.uow(), truck).plate.text == plate
    assert 'id="saved"' in anon.get(done.headers["location"]).text
    # On an open trip: refused next to the plate field, in the reader's language, the form kept as typed.
    trip = world.declare()
    fields |= {"plate": vn_plate(), "registration_number": world.truck.registration_number or ""}
    refused = anon.post(f"/portal/fleet/vehicles/{trip.vehicle_id}?lang=zh", data=fields)
    assert refused.status_code == 409
    err = re.search(r'<span class="error" id="err-vehicle-plate">([^<]+)</span>', refused.text)
    assert err and "暂不能更改车牌" in err.group(1)
    assert fields["plate"] in refused.text
    # Another enterprise's truck reads as missing.
    assert anon.get("/portal/fleet/vehicles/0123456789abcdef0123456789abcdef").status_code == 404


def test_the_fleet_page_corrects_a_driver(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    driver = _new_driver(ctx, world)
    key = csrf(anon, f"/portal/fleet/drivers/{driver}")
    current = registry.get_driver(ctx.uow(), driver)
    fields = {
        "csrf_token": key,
        "full_name": "Đỗ Văn Bình An",
        "document_kind": "vn_citizen_id",
        "document_number": current.document.number,
        "nationality": "VN",
        "phone": "",
    }
    assert anon.post(f"/portal/fleet/drivers/{driver}", data=fields, follow_redirects=False).status_code == 303
    assert registry.get_driver(ctx.uow(), driver).full_name == "Đỗ Văn Bình An"


def _trip_count(ctx: ServiceContext) -> int:
    return trips.list_trips(ctx.uow(), TripFilter(), limit=1, offset=0)[1]


def test_the_declare_form_checks_itself_without_writing(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id, locale="vi"))
    page = anon.get("/portal/trips/new?lang=vi")
    assert f'<option value="{world.trailer.id}">' in page.text and 'name="containers"' in page.text
    assert 'data-check="/portal/trips/new/check"' in page.text
    key = csrf(anon, "/portal/trips/new")
    before = _trip_count(ctx)
    # A container with a wrong check digit and an HS code that does not exist: each by its form control.
    body = form(world, key, containers=f"{GOOD_CONTAINER}\n{BAD_CHECK_DIGIT}", trailer_id=world.trailer.id)
    body["lines-0-hs_code"] = "9999.99"
    r = anon.post("/portal/trips/new/check?lang=vi", data=body)
    assert r.status_code == 200, r.text
    fields = r.json()["fields"]
    assert set(fields) == {"containers", "lines-0-hs_code"}, fields
    assert BAD_CHECK_DIGIT in fields["containers"] and "container" in fields["containers"].lower()
    # A valid form: no problem, and nothing declared.
    body["containers"], body["lines-0-hs_code"] = GOOD_CONTAINER, "0810.60"
    assert anon.post("/portal/trips/new/check", data=body).json() == {"fields": {}}
    assert _trip_count(ctx) == before
    # A truck already on a trip, and a truck as the trailer: named before submitting.
    world.declare(vehicle_id=world.truck.id, driver_id=_new_driver(ctx, world))
    busy = anon.post("/portal/trips/new/check", data=body | {"trailer_id": world.new_truck()}).json()["fields"]
    assert {"vehicle_id", "trailer_id"} <= set(busy), busy  # (and the certificate the other trip carries)
    assert "chuyến khác chưa kết thúc" in busy["vehicle_id"]
    assert _trip_count(ctx) == before + 1
    # Without a valid form token the check says nothing.
    assert anon.post("/portal/trips/new/check", data=body | {"csrf_token": "x"}).status_code == 403


def test_declare_with_a_trailer_and_containers(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    key = csrf(anon, "/portal/trips/new")
    bad = form(world, key, trailer_id=world.trailer.id, containers=BAD_CHECK_DIGIT)
    refused = anon.post("/portal/trips/new?lang=en", data=bad)
    assert refused.status_code == 422
    assert re.search(r'<span class="error" id="err-containers">[^<]*CSQU3054384', refused.text)
    assert BAD_CHECK_DIGIT in refused.text  # the form keeps what was typed
    done = anon.post("/portal/trips/new", data=bad | {"containers": GOOD_CONTAINER}, follow_redirects=False)
    assert done.status_code == 303, done.text[:800]
    trip_id = done.headers["location"].split("/")[-1].split("?")[0]
    trip = trips.get_trip(ctx.uow(), trip_id)
    assert trip.trailer_id == world.trailer.id and [c.text for c in trip.containers] == ["CSQU3054383"]


def test_declare_again_keeps_the_trailer(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    trip = world.declare(trailer_id=world.trailer.id, containers=["CSQU3054383"])
    page = anon.get(f"/portal/trips/new?again={trip.id}")
    assert page.status_code == 200
    assert f'<option value="{world.trailer.id}" selected>' in page.text
    assert "CSQU3054383" not in page.text  # each trip's containers are its own
