"""The HTTP API end to end on SQLite and PostgreSQL: declare, move, read, list, timeline."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from cuakhau.domain.clock import ManualClock
from tests.fixtures.factories import World, fruit_line

API = "/api/v1"
CUSTOMS = {"id": "vn-huu-nghi:customs-07", "role": "customs"}


def declare(client: TestClient, world: World, **over: object) -> dict:
    body = {
        "gate_id": "vn-huu-nghi",
        "direction": "export",
        "vehicle_id": world.truck.id,
        "trailer_id": world.trailer.id,
        "driver_id": world.driver.id,
        "shipment": world.shipment(),
        "containers": ["CSQU3054383"],
    }
    body.update(over)
    r = client.post(f"{API}/trips", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def step(client: TestClient, trip_id: str, action: str, reason: str | None = None, actor: dict | None = None):
    return client.post(
        f"{API}/trips/{trip_id}/transitions",
        json={"action": action, "actor": actor or CUSTOMS, "reason": reason},
    )


def test_openapi_describes_the_v1_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in [
        "/api/v1/gates",
        "/api/v1/trips",
        "/api/v1/trips/{trip_id}/transitions",
        "/api/v1/trips/{trip_id}/timeline",
        "/api/v1/enterprises",
        "/api/v1/vehicles",
        "/api/v1/drivers",
        "/api/v1/shipments",
    ]:
        assert path in paths


def test_gates_show_hours_in_their_own_time_zone(client: TestClient, world: World) -> None:
    gates = client.get(f"{API}/gates", headers={"Accept-Language": "vi"}).json()["items"]
    assert len(gates) == 10
    by_id = {g["id"]: g for g in gates}
    hn, yy = by_id["vn-huu-nghi"], by_id["cn-youyiguan"]
    assert hn["counterpart_id"] == "cn-youyiguan" and yy["counterpart_id"] == "vn-huu-nghi"
    assert hn["timezone"] == "Asia/Ho_Chi_Minh" and yy["timezone"] == "Asia/Shanghai"
    assert yy["locode"] == "CNYYG" and hn["locode"] is None
    assert hn["name"] == hn["names"]["vi"]
    # same instant, one hour apart on the two clocks
    assert hn["status"]["local_time"].endswith("+07:00") and yy["status"]["local_time"].endswith("+08:00")
    assert hn["status"]["open_now"] == yy["status"]["open_now"]


def book(client: TestClient, world: World, trip_id: str, clock: ManualClock, key: str = "k1") -> dict:
    now = clock.now()
    r = client.post(
        f"{API}/trips/{trip_id}/booking",
        json={
            "earliest": now.isoformat(),
            "latest": (now + timedelta(hours=6)).isoformat(),
            "travel_minutes": 60,
            "actor": {"id": world.exporter.id, "role": "exporter"},
        },
        headers={"Idempotency-Key": key},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_full_lifecycle_with_timeline(client: TestClient, world: World, clock: ManualClock) -> None:
    trip = declare(client, world)
    assert trip["state"] == "declared" and trip["allowed_actions"][0] == "book"
    assert book(client, world, trip["id"], clock)["status"] == "active"
    for action in ["dispatch", "arrive", "call", "inspect"]:
        clock.advance(timedelta(minutes=20))
        r = step(client, trip["id"], action)
        assert r.status_code == 200, r.text
    clock.advance(timedelta(minutes=20))
    r = step(
        client,
        trip["id"],
        "hold",
        "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检",
        {"id": "vn-huu-nghi:quarantine-02", "role": "quarantine"},
    )
    assert r.json()["state"] == "held"
    for action in ["release", "clear", "cross"]:
        clock.advance(timedelta(hours=1))
        assert step(client, trip["id"], action).status_code == 200
    tl = client.get(f"{API}/trips/{trip['id']}/timeline").json()
    assert tl["state"] == "crossed"
    assert [e["action"] for e in tl["events"]] == [
        "declare",
        "book",
        "dispatch",
        "arrive",
        "call",
        "inspect",
        "hold",
        "release",
        "clear",
        "cross",
    ]
    hold = tl["events"][6]
    assert hold["reason"] == "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检"
    assert hold["actor"] == {"id": "vn-huu-nghi:quarantine-02", "role": "quarantine"}
    assert hold["at_local"].endswith("+07:00")
    seqs = [e["seq"] for e in tl["events"]]
    assert seqs == list(range(1, 11))


def test_illegal_transition_is_409_naming_state_and_step(client: TestClient, world: World) -> None:
    trip = declare(client, world)
    r = client.post(
        f"{API}/trips/{trip['id']}/transitions",
        json={"action": "cross", "actor": CUSTOMS},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "trip.illegal_transition"
    assert err["params"]["state"] == "declared" and err["params"]["action"] == "cross"
    assert "declared" in err["message"] and "cross" in err["message"] and "车次" in err["message"]
    assert client.get(f"{API}/trips/{trip['id']}").json()["state"] == "declared"


def test_list_filters_and_paginates(client: TestClient, world: World, clock: ManualClock) -> None:
    ids = []
    for i in range(5):
        clock.advance(timedelta(minutes=1))
        gate = "vn-huu-nghi" if i < 3 else "vn-tan-thanh"
        # the world's truck and driver first; the next trips their own (one open trip per truck and driver)
        parties = {} if i == 0 else {"vehicle_id": world.new_truck(), "driver_id": world.new_driver()}
        ids.append(declare(client, world, gate_id=gate, **parties)["id"])
    book(client, world, ids[0], clock)
    everything = client.get(f"{API}/trips").json()
    assert everything["total"] == 5
    assert [t["id"] for t in everything["items"]] == list(reversed(ids))  # newest first
    page = client.get(f"{API}/trips", params={"limit": 2, "offset": 2}).json()
    assert [t["id"] for t in page["items"]] == [ids[2], ids[1]] and page["total"] == 5
    assert client.get(f"{API}/trips", params={"gate_id": "vn-tan-thanh"}).json()["total"] == 2
    booked = client.get(f"{API}/trips", params={"state": "booked"}).json()
    assert [t["id"] for t in booked["items"]] == [ids[0]]
    plate = world.truck.plate.text.replace("-", " ").replace(".", "")
    by_plate = client.get(f"{API}/trips", params={"plate": plate}).json()
    assert by_plate["total"] == 1 and by_plate["items"][0]["plate"] == world.truck.plate.text
    assert by_plate["items"][0]["perishability"] == "fresh_produce"
    assert client.get(f"{API}/trips", params={"exporter_id": world.importer.id}).json()["total"] == 0


def test_vietnamese_and_chinese_text_round_trips_exactly(client: TestClient, world: World) -> None:
    # Decomposed (NFD) Vietnamese must come back byte for byte, not normalised.
    nfd = "Thanh long ruo\u0302\u0301t đo\u0309 tươi"
    desc = f"{nfd} / 鲜红心火龙果 · 𠀋"
    trip = declare(
        client,
        world,
        shipment=world.shipment(
            lines=[fruit_line(description=desc)], consignee_name="广西凭祥友谊果蔬进出口贸易有限公司"
        ),
    )
    shipment = client.get(f"{API}/shipments/{trip['shipment_id']}").json()
    assert shipment["lines"][0]["description"] == desc
    assert shipment["consignee_name"] == "广西凭祥友谊果蔬进出口贸易有限公司"
    assert shipment["lines"][0]["gross_kg"] == "19500.5"
    ent = client.get(f"{API}/enterprises/{world.exporter.id}").json()
    assert ent["name"] == "Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận"


def test_trip_by_shipment_id_reuses_the_declared_shipment(client: TestClient, world: World) -> None:
    r = client.post(f"{API}/shipments", json=world.shipment())
    assert r.status_code == 201, r.text
    shipment = r.json()
    assert shipment["perishability"] == "fresh_produce" and shipment["plant_product"] is True
    trip = declare(client, world, shipment=None, shipment_id=shipment["id"])
    assert trip["shipment_id"] == shipment["id"]


def test_register_parties_normalises_and_refuses_duplicates(client: TestClient, world: World) -> None:
    r = client.post(f"{API}/vehicles", json={"plate": "桂F·12345", "owner_id": world.importer.id})
    assert r.status_code == 201, r.text
    assert r.json()["plate"] == "桂F12345" and r.json()["plate_display"] == "桂F·12345"
    again = client.post(f"{API}/vehicles", json={"plate": "桂F 12345", "owner_id": world.importer.id})
    assert again.status_code == 409 and again.json()["error"]["code"] == "vehicle.duplicate"
    listed = client.get(f"{API}/vehicles", params={"owner_id": world.importer.id}).json()
    assert listed["total"] == 1
    # a client that declares no type gets the plate's hint, with a warning for officers
    assert r.json()["vehicle_type"] == "truck" and r.json()["registration_number"] is None
    assert [w["code"] for w in r.json()["warnings"]] == ["vehicle.type_from_plate"]


def test_a_truck_of_a_later_series_registers_from_its_registration_with_a_warning(
    client: TestClient, world: World
) -> None:
    """Series run out in sequence: a truck on 29H is a truck when its registration says so; the series only warns."""
    r = client.post(
        f"{API}/vehicles",
        json={
            "plate": "29h 433.74",
            "owner_id": world.exporter.id,
            "vehicle_type": "tractor_unit",
            "registration_number": "AB 012345",
        },
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["plate"], body["vehicle_type"], body["registration_number"]) == (
        "29H-433.74",
        "tractor_unit",
        "AB012345",
    )
    assert body["vehicle_class"] == "car"  # what the plate alone would suggest
    [warning] = body["warnings"]
    assert warning["code"] == "vehicle.series_not_goods"
    assert "29H-433.74" in warning["message"] and "sê-ri H" in warning["message"]
    stored = client.get(f"{API}/vehicles/{body['id']}", headers={"Accept-Language": "zh"}).json()
    assert stored["vehicle_type"] == "tractor_unit" and stored["registration_number"] == "AB012345"
    assert stored["warnings"][0]["code"] == "vehicle.series_not_goods" and "号段 H" in stored["warnings"][0]["message"]
