"""Gates over the API: hours on both clocks, publishing a closure, and what 'open now' says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cuakhau.domain.clock import ManualClock
from tests.fixtures.factories import World

API = "/api/v1"
ADMIN = {"id": "lang-son:ban-quan-ly-01", "role": "gate_admin"}


def test_a_published_suspension_closes_the_gate_and_says_why(
    client: TestClient, world: World, clock: ManualClock
) -> None:
    # Tuesday 2 June 2026, 09:00 at Tân Thanh (02:00 UTC): normally open.
    clock.set(datetime(2026, 6, 2, 2, 0, tzinfo=UTC))
    before = client.get(f"{API}/gates/vn-tan-thanh").json()
    assert before["status"]["open_now"] is True and before["status"]["closure_now"] is None
    reason = "Mưa lũ sạt lở đường dẫn / 暴雨塌方 / landslide on the approach road"
    r = client.post(
        f"{API}/gates/vn-tan-thanh/closures",
        json={
            "starts_at": "2026-06-02T08:30:00+07:00",
            "ends_at": "2026-06-02T14:00:00+07:00",
            "reason": reason,
            "kind": "suspension",
            "actor": ADMIN,
        },
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 201, r.text
    gate = r.json()
    assert gate["name"] == gate["names"]["zh"]
    assert gate["status"]["open_now"] is False and gate["status"]["closure_now"] == reason
    # it reopens at 14:00 Vietnam time, which is 15:00 on the Chinese side's clock
    assert gate["status"]["next_opening"].startswith("2026-06-02T07:00:00")
    assert gate["status"]["next_opening_local"] == "2026-06-02T14:00:00+07:00"
    published = [c for c in gate["closures"] if c["reason"] == reason]
    assert published and published[0]["starts_local"] == "2026-06-02T08:30:00+07:00"
    # the counterpart is not closed by a Vietnamese decision: that is the other side's to publish
    assert client.get(f"{API}/gates/cn-pozhai").json()["status"]["open_now"] is True


def test_tet_closes_both_sides(client: TestClient, world: World, clock: ManualClock) -> None:
    clock.set(datetime(2027, 2, 6, 3, 0, tzinfo=UTC))  # mùng 1 Tết Đinh Mùi, 10:00 in Hà Nội
    for gate_id in ("vn-huu-nghi", "cn-youyiguan"):
        status = client.get(f"{API}/gates/{gate_id}").json()["status"]
        assert status["open_now"] is False and status["closure_now"]


def test_closures_need_a_gate_admin_a_reason_and_a_zone(client: TestClient, world: World) -> None:
    base = {"starts_at": "2026-06-03T08:00:00+07:00", "ends_at": "2026-06-03T10:00:00+07:00", "reason": "x"}
    cases = [
        ({**base, "actor": {"id": "d1", "role": "driver"}}, "actor.role_not_allowed", "actor.role"),
        ({**base, "reason": "  ", "actor": ADMIN}, "reason.required", "reason"),
        ({**base, "starts_at": "2026-06-03T08:00:00", "actor": ADMIN}, "time.naive", "starts_at"),
        ({**base, "ends_at": "2026-06-03T07:00:00+07:00", "actor": ADMIN}, "time.end_before_start", "ends_at"),
        ({**base, "kind": "party", "actor": ADMIN}, "enum.invalid", "kind"),
    ]
    for body, code, field in cases:
        r = client.post(f"{API}/gates/vn-chi-ma/closures", json=body)
        assert r.status_code == 422, (body, r.text)
        assert (r.json()["error"]["code"], r.json()["error"]["field"]) == (code, field)
    assert all(c["reason"] != "x" for c in client.get(f"{API}/gates/vn-chi-ma").json()["closures"])


def test_expected_version_refuses_a_step_decided_on_a_stale_view(
    client: TestClient, world: World, clock: ManualClock
) -> None:
    trip = world.declare()
    world.book(trip.id)
    actor = {"id": "c1", "role": "customs"}
    seen = client.get(f"{API}/trips/{trip.id}").json()["version"]
    assert seen == 2
    ok = client.post(
        f"{API}/trips/{trip.id}/transitions", json={"action": "dispatch", "actor": actor, "expected_version": 2}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 3
    clock.advance(timedelta(minutes=5))
    stale = client.post(
        f"{API}/trips/{trip.id}/transitions",
        json={"action": "cancel", "actor": actor, "reason": "r", "expected_version": 2},
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrent_update"
    assert client.get(f"{API}/trips/{trip.id}").json()["state"] == "dispatched"


def test_openapi_documents_response_and_error_shapes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/trips"]["post"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/TripOut")
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    timeline = spec["paths"]["/api/v1/trips/{trip_id}/timeline"]["get"]["responses"]["200"]
    assert timeline["content"]["application/json"]["schema"]["$ref"].endswith("/TimelineOut")
    assert "reason" in spec["components"]["schemas"]["EventOut"]["properties"]
