"""``/metrics`` (adapters/metrics.py, adapters/web/metrics.py): what a scrape shows after requests and bookings,
labels bounded by route template, the allowed client networks, and several processes added up through one
metrics directory (docs/operations.md, "Metrics")."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Engine

from cuakhau.adapters.devices.handler import ServiceDeviceHandler
from cuakhau.adapters.metrics import Metrics
from cuakhau.adapters.web.app import build_app
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint, PlateRead
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import ops_metrics, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World, dry_line

API = "/api/v1"
GATE = "vn-huu-nghi"


def scrape(text: str) -> dict[str, list[Sample]]:
    """Samples by metric family name (``cuakhau_bookings`` for the counter ``cuakhau_bookings_total``)."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, samples)
    return found[0]


def metrics_app(ctx: ServiceContext, engine: Engine | None = None, *, allowed: str = "*") -> tuple[FastAPI, Metrics]:
    metrics = Metrics(snapshot=lambda: ops_metrics.snapshot(ctx.uow(read_only=True)))
    if engine is not None:
        metrics.watch_pool(engine)
    return build_app(ctx, metrics=metrics, metrics_allowed_networks=allowed), metrics


@pytest.fixture
def admin(ctx: ServiceContext) -> Iterator[TestClient]:
    app, _ = metrics_app(ctx)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as c:
        yield c


def test_a_scrape_shows_requests_bookings_gate_sizes_backlogs_and_the_pool(
    ctx: ServiceContext, world: World, clock: ManualClock, engine: Engine
) -> None:
    app, _ = metrics_app(ctx, engine)
    trip_id = world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[dry_line()])).id
    now = clock.now()
    body = {
        "earliest": now.isoformat(),
        "latest": (now + timedelta(hours=4)).isoformat(),
        "travel_minutes": 30,
        "actor": {"id": world.exporter.id, "role": "exporter"},
    }
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as c:
        placed = c.post(f"{API}/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": "a"})
        assert placed.status_code == 201 and placed.json()["status"] == "active", placed.text
        replay = c.post(f"{API}/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": "a"})
        assert replay.status_code == 200  # a replay is not a second booking
        twice = c.post(f"{API}/trips/{trip_id}/booking", json=body, headers={"Idempotency-Key": "b"})
        assert twice.status_code == 409, twice.text
        refused_code = twice.json()["error"]["code"]
        assert c.get(f"{API}/gates").status_code == 200
        r = c.get("/metrics")  # no login needed
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    m = scrape(r.text)

    bookings = m["cuakhau_bookings"]
    assert value(bookings, "cuakhau_bookings_total", outcome="placed") == 1
    assert value(bookings, "cuakhau_bookings_total", outcome="refused", code=refused_code) == 1
    assert {s.labels["outcome"] for s in bookings if s.name == "cuakhau_bookings_total"} == {"placed", "refused"}

    http = m["cuakhau_http_request_duration_seconds"]
    route = f"{API}/trips/{{trip_id}}/booking"
    assert value(http, "cuakhau_http_request_duration_seconds_count", route=route, status="201", method="POST") == 1
    assert value(http, "cuakhau_http_request_duration_seconds_count", route=route, status="409") == 1
    assert value(http, "cuakhau_http_request_duration_seconds_count", route=f"{API}/gates", status="200") == 1
    assert value(http, "cuakhau_http_request_duration_seconds_sum", route=f"{API}/gates", status="200") > 0

    assert value(m["cuakhau_gate_trips"], "cuakhau_gate_trips", gate=GATE, direction="export", state="booked") >= 1
    assert value(m["cuakhau_gate_queue"], "cuakhau_gate_queue", gate=GATE, direction="export") >= 1
    assert value(m["cuakhau_metrics_database_up"], "cuakhau_metrics_database_up") == 1
    assert {s.labels["status"] for s in m["cuakhau_outbox_notifications"]} >= {"pending", "sent"}
    assert value(m["cuakhau_db_pool_size"], "cuakhau_db_pool_size") >= 1
    assert value(m["cuakhau_db_pool_checked_out"], "cuakhau_db_pool_checked_out") == 0  # every checkout returned


def test_fifty_trip_ids_make_one_route_label(admin: TestClient) -> None:
    ids = [uuid.uuid4().hex for _ in range(50)]
    for trip_id in ids:
        assert admin.get(f"{API}/trips/{trip_id}").status_code == 404
        assert admin.get(f"/no/such/page/{trip_id}").status_code == 404
    http = scrape(admin.get("/metrics").text)["cuakhau_http_request_duration_seconds"]
    counts = [s for s in http if s.name == "cuakhau_http_request_duration_seconds_count"]
    assert {s.labels["route"] for s in counts} == {f"{API}/trips/{{trip_id}}", "unmatched"}
    assert value(counts, "cuakhau_http_request_duration_seconds_count", route=f"{API}/trips/{{trip_id}}") == 50
    assert value(counts, "cuakhau_http_request_duration_seconds_count", route="unmatched") == 50
    assert not any(trip_id in s.labels["route"] for s in http for trip_id in ids)


@pytest.mark.parametrize(
    ("allowed", "client", "status"),
    [
        ("127.0.0.1,::1", "127.0.0.1", 200),
        ("127.0.0.1,::1", "::1", 200),
        ("127.0.0.1,::1", "10.1.2.3", 403),
        ("127.0.0.1,::1", "testclient", 403),  # not an address at all
        ("10.0.0.0/8", "10.1.2.3", 200),
        ("10.0.0.0/8", "127.0.0.1", 403),
        ("*", "192.0.2.7", 200),
    ],
)
def test_only_the_allowed_networks_may_scrape(ctx: ServiceContext, allowed: str, client: str, status: int) -> None:
    app, _ = metrics_app(ctx, allowed=allowed)
    with TestClient(app, raise_server_exceptions=False, client=(client, 40000)) as c:
        r = c.get("/metrics")
    assert r.status_code == status, r.text
    if status == 403:
        assert "cuakhau_http_request" not in r.text  # the error page, not the metrics


def test_the_default_setting_is_loopback_only() -> None:
    from cuakhau.config import Settings

    assert Settings().metrics_allowed_networks == "127.0.0.1,::1"
    with pytest.raises(ValueError, match="not-a-network"):
        Settings(metrics_allowed_networks="127.0.0.1,not-a-network")


PROCESS = textwrap.dedent(
    """
    import sys
    from fastapi.testclient import TestClient
    from cuakhau.bootstrap import create_app
    from cuakhau.config import load

    url, directory, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    settings = load(
        database_url=url, metrics_dir=directory, metrics_allowed_networks="*",
        notify_in_server=False, periodic_in_server=False, booking_batch=False,
    )
    with TestClient(create_app(settings)) as c:
        for _ in range(n):
            assert c.get("/api/v1/gates").status_code == 200
        sys.stdout.write(c.get("/metrics").text)
    """
)


def test_two_processes_add_up_in_one_metrics_directory(sqlite_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "metrics"

    def run(n: int) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROCESS, sqlite_url, str(directory), str(n)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def gates_count(text: str) -> float:
        http = scrape(text)["cuakhau_http_request_duration_seconds"]
        return value(http, "cuakhau_http_request_duration_seconds_count", route=f"{API}/gates", status="200")

    assert gates_count(run(3)) == 3
    assert gates_count(run(5)) == 8  # the second process's scrape adds the first one's requests
    assert len(list(directory.glob("histogram_*.db"))) == 2  # a file per process
    merged = CollectorRegistry()
    MultiProcessCollector(merged, path=str(directory))
    from prometheus_client import generate_latest

    m = scrape(generate_latest(merged).decode())
    assert gates_count(generate_latest(merged).decode()) == 8
    # both processes ended: their live pool gauges were taken out of the sum
    assert [s.value for s in m.get("cuakhau_db_pool_checked_out", [])] in ([], [0.0])


def test_device_messages_are_counted_by_outcome(ctx: ServiceContext, world: World) -> None:
    """The production device handler tells the metrics each message's outcome: a read applied, the same read
    again (duplicate), a read of an unknown plate (review), a payload that does not parse (invalid)."""
    metrics = Metrics()
    handler = ServiceDeviceHandler(ctx, observe=metrics.device_message)
    trip_id = world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[dry_line()])).id
    world.book(trip_id)
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="dispatch", actor=Actor("d1", ActorRole.DRIVER)
    )
    with ctx.uow() as uow:
        trip = uow.trips.get(trip_id)
        assert trip is not None
        vehicle = uow.vehicles.get(trip.vehicle_id)
        assert vehicle is not None

    def read(message_id: str, text: str) -> PlateRead:
        return PlateRead(
            message_id=message_id,
            device_id=f"{GATE}:anpr-yard_entry",
            gate_id=GATE,
            checkpoint=Checkpoint.YARD_ENTRY,
            plate_text=text,
            confidence=0.97,
            at=ctx.clock.now(),
            image_ref=f"s3://anpr/{GATE}/{message_id}.jpg",
        )

    handler.handle(read("m1", vehicle.plate.display))
    handler.handle(read("m1", vehicle.plate.display))
    handler.handle(read("m2", "29C-999.99"))
    handler.reject(f"cuakhau/{GATE}/anpr", b"{", InvalidInput("device.payload", field="message_id"))
    got = {
        s.labels["outcome"]: s.value
        for s in scrape(metrics.render().decode())["cuakhau_device_messages"]
        if s.name == "cuakhau_device_messages_total"
    }
    assert got == {"applied": 1, "duplicate": 1, "review": 1, "invalid": 1}
