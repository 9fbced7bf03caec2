"""Every decision names its cause, in a sentence of the reader's language, times in the gate's local time.

A booking moved by a closure says which closure (the gate, when, why, announced by whom); one moved by a lowered
quota says which quota; neither says a generic "earlier slots full". And every reason people read — the
notifications' messages, the API's ``reason_text`` (the booking's and each change's), the portal's reasons — is
scanned in vi, zh and en for what people must never see: ISO stamps (UTC or otherwise), snake_case codes, ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cuakhau.adapters.db import tables as t
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import equeue
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, dry_line

API = "/api/v1"
DAY = date(2026, 6, 2)  # the fixtures' clock: 08:00 at Hữu Nghị
COUNTERPART = Actor("cn-youyiguan:exchange", ActorRole.COUNTERPART)

ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]00:00\b|\bZ\b|\bUTC\+00")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
IDS = re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def assert_readable(text: str) -> None:
    assert text.strip(), "an empty reason"
    for pattern in (ISO_STAMP, SNAKE_CASE, IDS):
        assert not pattern.search(text), f"{pattern.pattern!r} in {text!r}"
    assert "{" not in text and text.strip() != "—"


def trip_with(world: World) -> str:
    return world.declare(vehicle_id=world.new_truck(), shipment=world.shipment(lines=[dry_line()])).id


def notifications(engine: Engine, trip_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.notifications.c.kind, t.notifications.c.payload)
            .where(t.notifications.c.trip_id == trip_id)
            .order_by(t.notifications.c.created_at)
        )
        return [{"kind": r.kind, **r.payload} for r in rows]


def texts_of(client: TestClient, engine: Engine, trip_id: str) -> Iterator[str]:
    """Every reason people can read about the trip's booking: API (three languages, booking and history),
    notifications (the message and its three languages), the portal page's reasons (three languages)."""
    booking = client.get(f"{API}/trips/{trip_id}/booking").json()
    yield from booking["reason_text"].values()
    for change in booking["history"]:
        yield from change["reason_text"].values()
    for n in notifications(engine, trip_id):
        yield n["message"]
        yield from n["messages"].values()
    for lang in ("vi", "zh", "en"):
        page = client.get(f"/portal/trips/{trip_id}", params={"lang": lang})
        assert page.status_code == 200, page.text
        shown = re.findall(r'<span class="reason"[^>]*>(.*?)</span>', page.text, re.S)
        assert shown
        yield from shown


def see_as_exporter(client: TestClient, world: World) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: principal(
        "exporter", enterprise_id=world.exporter.id, username="exporter-reasons"
    )


def test_a_move_by_a_closure_names_the_closure(
    ctx: ServiceContext, world: World, client: TestClient, engine: Engine
) -> None:
    trip_id = trip_with(world)
    world.book(trip_id, hours=8)  # 08:00
    r = client.post(
        f"{API}/gates/cn-youyiguan/closures",
        json={
            "starts_at": "2026-06-02T09:00:00+08:00",
            "ends_at": "2026-06-02T11:00:00+08:00",
            "reason": "Hệ thống hải quan gián đoạn / 海关系统故障",
            "actor": {"id": "gx", "role": "gate_admin"},
        },
    )
    assert r.status_code == 201, r.text
    booking = client.get(f"{API}/trips/{trip_id}/booking").json()
    assert booking["reason"] == "closure" and booking["slot_start_local"] == "2026-06-02T10:00:00+07:00"
    en = booking["reason_text"]["en"]
    assert en == (
        "Moved to the slot at 2026-06-02 10:00 UTC+07:00: Youyiguan Port is closed from 2026-06-02 08:00 UTC+07:00 "
        "to 2026-06-02 10:00 UTC+07:00 (Hệ thống hải quan gián đoạn / 海关系统故障), announced by the gate "
        "administration."
    )
    assert "友谊关口岸" in booking["reason_text"]["zh"] and "Hữu Nghị Quan" in booking["reason_text"]["vi"]
    changed = [n for n in notifications(engine, trip_id) if n["kind"] == "slot_changed"]
    assert changed and "海关系统故障" in changed[-1]["message"] and changed[-1]["reason"] == "closure"
    assert changed[-1]["slot_start"] == "2026-06-02T10:00:00+07:00"  # the gate's local time, not UTC
    see_as_exporter(client, world)
    for text in texts_of(client, engine, trip_id):
        assert_readable(text)


def test_a_move_by_a_lowered_quota_names_the_quota(
    ctx: ServiceContext, world: World, client: TestClient, engine: Engine
) -> None:
    booked = [trip_with(world) for _ in range(4)]
    for trip_id in booked:
        world.book(trip_id, hours=3)  # all at 08:00
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        direction="export",
        day=DAY,
        daily_quota=None,
        hourly_quota=2,
        actor=COUNTERPART,
        reason="Thiếu nhân lực kiểm dịch / 检疫人手不足",
    )
    moved = [client.get(f"{API}/trips/{b}/booking").json() for b in booked]
    by_hourly = [b for b in moved if b["reason"] == "counterpart_hourly_quota"]
    assert len(by_hourly) == 2
    assert by_hourly[0]["reason_text"]["en"].startswith("Moved to the slot at 2026-06-02 09:00 UTC+07:00: ")
    assert (
        "only 2 trucks an hour on 2026-06-02 (Thiếu nhân lực kiểm dịch / 检疫人手不足)"
        in (by_hourly[0]["reason_text"]["en"])
    )
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="vn-huu-nghi",
        direction="export",
        day=DAY,
        daily_quota=3,
        hourly_quota=None,
        actor=COUNTERPART,
        reason="Bãi xe phía Trung Quốc đã đầy / 中方停车场已满",
    )
    waiting = [b for b in (client.get(f"{API}/trips/{t}/booking").json() for t in booked) if b["status"] == "waiting"]
    assert len(waiting) == 1 and waiting[0]["reason"] == "counterpart_daily_quota"
    assert waiting[0]["reason_text"]["en"].startswith(
        "Moved to the waiting list: the other side accepts only 3 trucks on 2026-06-02 "
        "(Bãi xe phía Trung Quốc đã đầy / 中方停车场已满), declared by the gate across the border"
    )
    see_as_exporter(client, world)
    for trip_id in booked:
        for text in texts_of(client, engine, trip_id):
            assert_readable(text)
            assert "earlier slot" not in text  # the cause is known: never the generic reason
