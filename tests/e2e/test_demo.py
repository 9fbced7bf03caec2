"""`cuakhau demo` on a fresh SQLite file: seeds the real gates and a day of trips, then serves the API."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.trip import TERMINAL_STATES, TripState
from cuakhau.services.ports import TripFilter
from tests.e2e.conftest import free_port, running

pytestmark = pytest.mark.e2e

#: An ordinary harvest-season Tuesday afternoon at Hữu Nghị: every gate open, no holiday in the 24 hours before.
#: Pinned so the test does not depend on today's date (during Tết the gates are rightly closed and nothing moves).
HARVEST_DAY = "2026-06-02T15:00:00+07:00"


def test_demo_day_shows_every_stage_with_reasons(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run = subprocess.run(
        [sys.executable, "-m", "cuakhau", "demo", "--db", str(db), "--no-serve", "--trips", "120", "--at", HARVEST_DAY],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert "120 trips:" in run.stdout
    assert "DEMO ONLY" in run.stdout and DEMO_PASSWORD in run.stdout
    assert all(username in run.stdout for username, _ in DEMO_ACCOUNTS)
    engine = make_engine(f"sqlite:///{db}")
    try:
        uow_factory = SqlUnitOfWorkFactory(engine, HsNomenclature.load_default())
        with uow_factory(read_only=True) as uow:
            counts = {state: uow.trips.find(TripFilter(state=state), limit=1, offset=0)[1] for state in TripState}
            held = uow.trips.find(TripFilter(state=TripState.HELD), limit=1, offset=0)[0][0].trip
            events = uow.trips.events(held.id)
        with engine.connect() as conn:
            reads = dict(
                conn.execute(
                    select(t.device_messages.c.outcome, func.count()).group_by(t.device_messages.c.outcome)
                ).all()
            )
            reviews = dict(
                conn.execute(select(t.review_items.c.kind, func.count()).group_by(t.review_items.c.kind)).all()
            )
            bay_jobs = dict(
                conn.execute(select(t.inspection_jobs.c.kind, func.count()).group_by(t.inspection_jobs.c.kind)).all()
            )
    finally:
        engine.dispose()
    # yard entries and border crossings came through the device handler; officers have reads to review
    assert reads.get("applied", 0) > 50 and reviews, (reads, reviews)
    assert bay_jobs.get("quarantine_bay", 0) > 5, bay_jobs
    assert sum(counts.values()) == 120
    assert [s.value for s, n in counts.items() if n == 0] == [], counts
    assert (
        events[-1].action.value == "hold"
        and events[-1].reason
        and events[-1].actor.role.value
        in {
            "customs",
            "quarantine",
        }
    )


def test_demo_serves_the_seeded_day_and_takes_bookings(tmp_path: Path) -> None:
    port = free_port()
    args = ["demo", "--db", str(tmp_path / "demo.db"), "--port", str(port), "--trips", "120"]
    with running(args, cwd=tmp_path, port=port) as api:
        spec = api.get("/openapi.json").json()
        assert spec["info"]["title"] == "cuakhau"
        gates = api.get("/api/v1/gates").json()["items"]
        assert sorted(g["id"] for g in gates) == sorted(
            [
                "vn-huu-nghi",
                "cn-youyiguan",
                "vn-tan-thanh",
                "cn-pozhai",
                "vn-chi-ma",
                "cn-aidian",
                "vn-kim-thanh",
                "cn-hekou",
                "vn-mong-cai",
                "cn-dongxing",
            ]
        )
        assert api.get("/api/v1/trips", params={"limit": 1}).status_code == 401

        def login(username: str) -> dict[str, str]:
            r = api.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        api.headers.update(login("demo-admin"))
        assert api.get("/api/v1/trips", params={"limit": 1}).json()["total"] == 120
        first = api.get("/api/v1/trips", params={"limit": 1}).json()["items"][0]
        timeline = api.get(first["links"]["timeline"]).json()
        assert timeline["events"][0]["action"] == "declare"
        # the demo exporter declares a trip with its own truck, over HTTP; it sees only its own enterprise
        api.headers.update(login("demo-exporter"))
        # a truck of its own that is on no open trip (one still on the road cannot hold a second booking)
        trips_now = api.get("/api/v1/trips", params={"limit": 200}).json()["items"]
        busy = {t["vehicle_id"] for t in trips_now if t["state"] not in {s.value for s in TERMINAL_STATES}}
        vehicles = api.get("/api/v1/vehicles", params={"limit": 200}).json()["items"]
        vehicle = next(v for v in vehicles if v["id"] not in busy)
        driver = api.get("/api/v1/drivers/" + api.get("/api/v1/auth/me").json()["account_id"])
        assert driver.status_code == 404  # an account id is no driver id: not found, like any unknown id
        listed = api.get("/api/v1/enterprises", params={"limit": 50}).json()
        assert listed["total"] == 1
        exporter = listed["items"][0]
        assert vehicle["owner_id"] == exporter["id"]
        # … and a driver on no open trip (a driver is on one open trip at a time): one it hires for this truck
        hired = api.post(
            "/api/v1/drivers",
            json={
                "full_name": "Hoàng Văn Lâm",
                "document_kind": "vn_citizen_id",
                "document_number": "020199012345",
                "nationality": "VN",
                "employer_id": exporter["id"],
            },
        )
        assert hired.status_code == 201, hired.text
        driver_id = hired.json()["id"]
        body = {
            "gate_id": "vn-tan-thanh",
            "direction": "export",
            "vehicle_id": vehicle["id"],
            "driver_id": driver_id,
            "shipment": {
                "exporter_id": exporter["id"],
                "consignee_name": "凭祥市鲜果贸易有限公司",
                "consignee_country": "CN",
                "lines": [
                    {
                        "hs_code": "081090",
                        "description": "Thanh long",
                        "net_kg": 20000,
                        "gross_kg": 21000,
                        "packages": 1100,
                        "value": 24000,
                        "currency": "USD",
                    }
                ],
            },
        }
        r = api.post("/api/v1/trips", json=body)
        assert r.status_code == 201, r.text
        trip_id = r.json()["id"]
        # … books it, and the notification goes out through the background dispatcher (the demo's log notifier)
        now = datetime.now(UTC)
        booked = api.post(
            f"/api/v1/trips/{trip_id}/booking",
            json={
                "earliest": now.isoformat(),
                "latest": (now + timedelta(hours=30)).isoformat(),
                "travel_minutes": 60,
            },
            headers={"Idempotency-Key": "e2e-1"},
        )
        assert booked.status_code == 201, booked.text
        assert booked.json()["status"] in {"active", "waiting"} and booked.json()["reason"]
        log = next(tmp_path.glob("server-*.log"))
        deadline = time.monotonic() + 20
        while f"trip={trip_id[:8]}" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert f"trip={trip_id[:8]}" in log.read_text()
        rules = api.get("/api/v1/booking-rules").json()
        assert rules["perishability_weights"]["fresh_produce"] > rules["perishability_weights"]["dry_goods"]
    assert (tmp_path / "demo.db").exists()
