"""Inspection bays and the laboratory as queued capacity, holds for samples, and phytosanitary certificates
handed in through the API — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import inspections, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, dry_line, fruit_line

GATE = "vn-chi-ma"
CUSTOMS = {"id": "vn-chi-ma:customs-03", "role": "customs"}
QUARANTINE = {"id": "vn-chi-ma:kdtv-02", "role": "quarantine"}
ADMIN = {"id": "vn-chi-ma:admin", "role": "gate_admin"}
VN_CERT = (Path(__file__).resolve().parents[1] / "fixtures" / "ephyto" / "vn_dragon_fruit.xml").read_text("utf-8")
DRY = dry_line()


def at_lane(world: World, line: dict[str, Any] | None = None) -> str:
    """A trip at Chi Ma, called forward to a lane."""
    trip_id = world.declare(
        GATE, vehicle_id=world.new_truck(), shipment=world.shipment(lines=[line or fruit_line()])
    ).id
    world.book(trip_id)
    for action, role in (
        ("dispatch", ActorRole.DRIVER),
        ("arrive", ActorRole.GATE_ADMIN),
        ("call", ActorRole.GATE_ADMIN),
    ):
        trips.transition_trip(
            world.ctx.uow(), clock=world.ctx.clock, trip_id=trip_id, action=action, actor=Actor("x", role)
        )
    return trip_id


def state(ctx: ServiceContext, trip_id: str) -> TripState:
    return trips.get_trip(ctx.uow(), trip_id).state


def advance(ctx: ServiceContext, minutes: int) -> None:
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(minutes=minutes))


def test_a_bay_queues_perishables_first_and_starts_the_next_when_one_finishes(world: World, client: TestClient) -> None:
    r = client.put(
        f"/api/v1/gates/{GATE}/inspection-resources/quarantine_bay",
        json={"capacity": 1, "service_minutes": 30, "actor": ADMIN},
    )
    assert r.status_code == 200, r.text
    first, dry, fruit = at_lane(world, DRY), at_lane(world, DRY), at_lane(world)
    jobs = {}
    for trip_id in (first, dry, fruit):
        advance(world.ctx, 1)
        r = client.post(
            f"/api/v1/trips/{trip_id}/inspections",
            json={"kind": "quarantine_bay", "reason": "kiểm tra sinh vật gây hại", "actor": QUARANTINE},
        )
        assert r.status_code == 201, r.text
        jobs[trip_id] = r.json()
        assert state(world.ctx, trip_id) is TripState.INSPECTING
    assert jobs[first]["state"] == "in_progress" and jobs[dry]["state"] == jobs[fruit]["state"] == "queued"

    q = client.get(f"/api/v1/gates/{GATE}/inspection-queues/quarantine_bay").json()
    assert [(j["trip_id"], j["position"]) for j in q["jobs"]] == [(first, 0), (fruit, 1), (dry, 2)]
    due = q["jobs"][0]["expected_end"]
    assert q["jobs"][1]["expected_start"] == due  # the fruit goes in when the first truck comes out
    assert q["in_progress"] == 1 and q["queued"] == 2

    # a truck may not wait in two queues of one kind
    r = client.post(f"/api/v1/trips/{dry}/inspections", json={"kind": "quarantine_bay", "actor": QUARANTINE})
    assert r.status_code == 409 and r.json()["error"]["code"] == "inspection.already_open"

    advance(world.ctx, 25)
    r = client.post(f"/api/v1/inspections/{jobs[first]['id']}/outcome", json={"outcome": "pass", "actor": QUARANTINE})
    assert r.status_code == 200, r.text
    assert r.json()["job"]["state"] == "done" and r.json()["sample"] is None
    after = {
        j["trip_id"]: j for j in client.get(f"/api/v1/gates/{GATE}/inspection-queues/quarantine_bay").json()["jobs"]
    }
    assert after[fruit]["state"] == "in_progress" and after[dry]["state"] == "queued"

    # an outcome other than pass needs its reason; customs may not record quarantine's outcome
    r = client.post(f"/api/v1/inspections/{after[fruit]['id']}/outcome", json={"outcome": "hold", "actor": QUARANTINE})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = client.post(f"/api/v1/inspections/{after[fruit]['id']}/outcome", json={"outcome": "pass", "actor": CUSTOMS})
    assert r.status_code == 422 and r.json()["error"]["field"] == "actor.role"


def test_a_sample_holds_the_truck_until_the_laboratory_releases_it(world: World, client: TestClient) -> None:
    trip_id = at_lane(world)
    job = client.post(
        f"/api/v1/trips/{trip_id}/inspections",
        json={"kind": "quarantine_bay", "actor": QUARANTINE},
        headers={"Accept-Language": "vi"},
    ).json()
    assert job["state"] == "in_progress" and job["agency"] == "quarantine"
    advance(world.ctx, 20)
    r = client.post(
        f"/api/v1/inspections/{job['id']}/outcome",
        json={"outcome": "sample", "reason": "lấy mẫu kiểm tra dư lượng thuốc BVTV", "actor": QUARANTINE},
    )
    assert r.status_code == 200, r.text
    sample = r.json()["sample"]
    assert sample["kind"] == "laboratory" and sample["state"] == "in_progress" and sample["parent_id"] == job["id"]
    # Tuesday 08:20:01 in Lạng Sơn: 19 working hours at 07:30–17:00 (8 h 40 + 9 h 30 + 50 min) end Thursday 08:20:01
    assert sample["due_at"] == "2026-06-04T01:20:01Z"
    assert state(world.ctx, trip_id) is TripState.HELD

    holds = client.get(f"/api/v1/gates/{GATE}/holds").json()
    (hold,) = [h for h in holds["holds"] if h["trip_id"] == trip_id]
    assert hold["agency"] == "quarantine" and sample["id"] in hold["reason"] and hold["sample"]["id"] == sample["id"]
    assert holds["by_agency"]["quarantine"]["trucks"] >= 1

    # customs may not release the truck while the laboratory has its sample
    r = client.post(
        f"/api/v1/trips/{trip_id}/customs/results",
        json={"kind": "release", "actor": CUSTOMS},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "inspection.pending"
    assert sample["id"] in r.json()["error"]["message"]
    assert state(world.ctx, trip_id) is TripState.HELD

    advance(world.ctx, 60 * 48)
    r = client.post(f"/api/v1/inspections/{sample['id']}/lab-result", json={"outcome": "pass", "actor": QUARANTINE})
    assert r.status_code == 200, r.text
    assert state(world.ctx, trip_id) is TripState.RELEASED
    r = client.post(f"/api/v1/trips/{trip_id}/customs/results", json={"kind": "release", "actor": CUSTOMS})
    assert r.status_code == 201, r.text
    assert r.json()["trip_state"] == "cleared"

    # the stage clock gives the held time to quarantine
    spans = client.get(f"/api/v1/trips/{trip_id}/stages").json()
    held = [s for s in spans if s["state"] == "held"]
    assert held and held[0]["agency"] == "quarantine" and held[0]["minutes"] >= 48 * 60


def test_a_failed_sample_rejects_and_a_rejected_truck_gives_its_place_back(world: World, client: TestClient) -> None:
    client.put(
        f"/api/v1/gates/{GATE}/inspection-resources/customs_bay",
        json={"capacity": 1, "service_minutes": 45, "actor": ADMIN},
    )
    a, b = at_lane(world, DRY), at_lane(world, DRY)
    ja = client.post(f"/api/v1/trips/{a}/inspections", json={"kind": "customs_bay", "actor": CUSTOMS}).json()
    jb = client.post(f"/api/v1/trips/{b}/inspections", json={"kind": "customs_bay", "actor": CUSTOMS}).json()
    assert ja["state"] == "in_progress" and jb["state"] == "queued"
    # customs' reject is its result of record, carried onto the trip; the bay goes to the next truck
    r = client.post(
        f"/api/v1/inspections/{ja['id']}/outcome",
        json={"outcome": "reject", "reason": "hàng không đúng khai báo", "actor": CUSTOMS},
    )
    assert r.status_code == 200, r.text
    assert state(world.ctx, a) is TripState.REJECTED
    results = client.get(f"/api/v1/trips/{a}/customs").json()["results"]
    assert [x["kind"] for x in results] == ["reject"]
    assert client.get(f"/api/v1/inspections/{jb['id']}").json()["state"] == "in_progress"

    # a truck rejected while queued is withdrawn from the queue
    c = at_lane(world, DRY)
    jc = client.post(f"/api/v1/trips/{c}/inspections", json={"kind": "customs_bay", "actor": CUSTOMS}).json()
    assert jc["state"] == "queued"
    r = client.post(
        f"/api/v1/trips/{c}/customs/results", json={"kind": "reject", "reason": "giấy tờ giả", "actor": CUSTOMS}
    )
    assert r.status_code == 201, r.text
    withdrawn = client.get(f"/api/v1/inspections/{jc['id']}").json()
    assert withdrawn["state"] == "withdrawn" and withdrawn["result_reason"] == "trip rejected"

    # a laboratory failure rejects the held truck with the lab's reason
    fruit = at_lane(world)
    jq = client.post(f"/api/v1/trips/{fruit}/inspections", json={"kind": "quarantine_bay", "actor": QUARANTINE}).json()
    sample = client.post(
        f"/api/v1/inspections/{jq['id']}/outcome",
        json={"outcome": "sample", "reason": "nghi nhiễm rệp sáp", "actor": QUARANTINE},
    ).json()["sample"]
    r = client.post(
        f"/api/v1/inspections/{sample['id']}/lab-result",
        json={"outcome": "reject", "reason": "phát hiện Dysmicoccus neobrevipes", "actor": QUARANTINE},
    )
    assert r.status_code == 200, r.text
    _, events = trips.timeline(world.ctx.uow(), fruit)
    assert events[-1].to_state is TripState.REJECTED and events[-1].reason == "phát hiện Dysmicoccus neobrevipes"


def test_concurrent_requests_never_start_more_jobs_than_places(world: World, ctx: ServiceContext) -> None:
    officer = Actor("vn-chi-ma:kdtv-02", ActorRole.QUARANTINE)
    inspections.set_resource(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=GATE,
        kind="quarantine_bay",
        capacity=2,
        service_minutes=30,
        hours=None,
        actor=Actor("vn-chi-ma:admin", ActorRole.GATE_ADMIN),
    )
    trip_ids = [at_lane(world) for _ in range(8)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(trip_ids))

    def send(trip_id: str) -> None:
        barrier.wait()
        try:
            inspections.request_inspection(
                ctx.uow(), clock=ctx.clock, trip_id=trip_id, kind="quarantine_bay", actor=officer
            )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(t,)) for t in trip_ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors
    q = inspections.queue(ctx.uow(), clock=ctx.clock, gate_id=GATE, kind="quarantine_bay")
    assert sum(1 for j, _ in q.jobs if j.state.value == "in_progress") == 2
    assert len(q.jobs) == 8


def test_a_certificate_is_checked_kept_once_and_stops_clearance_until_accepted(
    world: World, client: TestClient
) -> None:
    good = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment()).shipment_id
    r = client.post(
        f"/api/v1/shipments/{good}/phytosanitary-certificates", json={"document": VN_CERT, "actor": QUARANTINE}
    )
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["certificate_id"] == "VN-PC-2026-001234" and not check["blocking"]
    again = client.post(
        f"/api/v1/shipments/{good}/phytosanitary-certificates", json={"document": VN_CERT, "actor": QUARANTINE}
    )
    assert again.status_code == 200 and again.json()["id"] == check["id"]
    assert len(client.get(f"/api/v1/shipments/{good}/phytosanitary-certificates").json()) == 1
    doc = client.get(f"/api/v1/phytosanitary-checks/{check['id']}/document")
    assert doc.headers["content-type"].startswith("application/xml") and doc.text == VN_CERT

    # the same certificate against a declaration of 12 t: the net weight is off, and clearance waits for quarantine
    trip_id = at_lane(world, fruit_line(net_kg="12000", gross_kg="13000"))
    shipment_id = trips.get_trip(world.ctx.uow(), trip_id).shipment_id
    r = client.post(
        f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
        json={"document": VN_CERT, "actor": {"id": "exporter-1", "role": "exporter"}},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 201, r.text
    bad = r.json()
    assert bad["blocking"] and bad["blocks_clearance"]
    weight = next(f for f in bad["findings"] if f["code"] == "phyto.net_weight_mismatch")
    assert (
        weight["severity"] == "block" and weight["element"].endswith("NetWeightMeasure") and "净重" in weight["message"]
    )
    r = client.post(f"/api/v1/trips/{trip_id}/customs/results", json={"kind": "release", "actor": CUSTOMS})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phyto.check_blocking"

    r = client.post(f"/api/v1/phytosanitary-checks/{bad['id']}/accept", json={"reason": "", "actor": QUARANTINE})
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/phytosanitary-checks/{bad['id']}/accept",
        json={"reason": "cân lại tại cửa khẩu: 12.010 kg, chứng thư sẽ được cấp lại", "actor": QUARANTINE},
    )
    assert r.status_code == 200 and not r.json()["blocks_clearance"] and r.json()["accepted_by"] == QUARANTINE["id"]
    r = client.post(f"/api/v1/trips/{trip_id}/customs/results", json={"kind": "release", "actor": CUSTOMS})
    assert r.status_code == 201, r.text


def test_an_unreadable_certificate_names_the_element_and_keeps_nothing(world: World, client: TestClient) -> None:
    shipment_id = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment()).shipment_id
    damaged = VN_CERT.replace('<ram:NetWeightMeasure unitCode="KGM">18000', '<ram:NetWeightMeasure unitCode="KGM">18 t')
    r = client.post(
        f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
        json={"document": damaged, "actor": QUARANTINE},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"].startswith("phyto.") and "NetWeightMeasure" in (err["field"] or "") + err["message"]
    truncated = VN_CERT[: VN_CERT.index("<ram:PhysicalSPSPackage>")]
    r = client.post(
        f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
        json={"document": truncated, "actor": QUARANTINE},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "phyto.unparseable"
    assert client.get(f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates").json() == []


def test_fewer_quarantine_bays_replan_the_booked_plant_trucks_and_tell_their_holders(
    world: World, client: TestClient, ctx: ServiceContext
) -> None:
    fruit = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment())
    booked = world.book(fruit.id)
    assert booked.status is BookingStatus.ACTIVE and booked.slot_start is not None
    with ctx.uow(read_only=True) as uow:
        sent_before = uow.outbox.counts()
    r = client.put(
        f"/api/v1/gates/{GATE}/inspection-resources/quarantine_bay",
        json={"capacity": 0, "service_minutes": 30, "actor": ADMIN},
    )
    assert r.status_code == 200, r.text
    with ctx.uow(read_only=True) as uow:
        gate = uow.gates.get(GATE)
        moved = uow.bookings.latest_for_trip(fruit.id)
        sent_after = uow.outbox.counts()
    # the booking plan counts the same bays as the queue: with none, no plant truck keeps a place
    assert gate is not None and gate.inspection_bays == 0
    assert moved is not None and moved.status is BookingStatus.WAITING and moved.slot_start is None
    assert sum(sent_after.values()) > sum(sent_before.values())  # the holder is told


def test_each_part_of_a_correctly_split_consignment_passes_its_certificate(world: World, client: TestClient) -> None:
    cert_no = {"phytosanitary_certificate_no": "VN-PC-2026-001234"}
    whole = world.declare(GATE, vehicle_id=world.new_truck(), shipment=world.shipment(**cert_no))
    trips.transition_trip(
        world.ctx.uow(),
        clock=world.ctx.clock,
        trip_id=whole.id,
        action="cancel",
        actor=Actor("o", ActorRole.SYSTEM),
        reason="chia lô cho hai xe",
    )
    findings = []
    for net, gross, packages in (("10000", "10800", 550), ("8000", "8700.5", 450)):
        part = world.shipment(
            **cert_no, part_of=whole.shipment_id, lines=[fruit_line(net_kg=net, gross_kg=gross, packages=packages)]
        )
        shipment_id = world.declare(GATE, vehicle_id=world.new_truck(), shipment=part).shipment_id
        r = client.post(
            f"/api/v1/shipments/{shipment_id}/phytosanitary-certificates",
            json={"document": VN_CERT, "actor": QUARANTINE},
        )
        assert r.status_code == 201, r.text
        assert not r.json()["blocking"], r.json()["findings"]
        findings += [f["code"] for f in r.json()["findings"]]
    assert not [c for c in findings if c.endswith(("weight_mismatch", "packages_mismatch", "line_not_declared"))]
