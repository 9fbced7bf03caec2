"""Worklists per role and the gate's day at a glance (issue 17, items 1 and 4), through the real use cases and
the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.exchange.sps import read_sps_certificate
from cuakhau.adapters.web.live import apply
from cuakhau.adapters.web.pages import worklist
from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import inspections, trips, worklists
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, dry_line, fruit_line
from tests.integration.test_gate_ops import GATE, dispatched, plate_of, read
from tests.integration.test_inspections import VN_CERT, at_lane

CUSTOMS = Actor("vn-chi-ma:customs-03", ActorRole.CUSTOMS)
QUARANTINE = Actor("vn-chi-ma:quarantine-02", ActorRole.QUARANTINE)
HOLD_REASON = "Phát hiện côn trùng sống / 发现活虫 / live insects found"


def _step(ctx: ServiceContext, trip_id: str, action: str, actor: Actor, reason: str | None = None) -> None:
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(minutes=5))
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=actor, reason=reason)


def _gate_day(ctx: ServiceContext, world: World) -> dict[str, str]:
    """Four trucks in Chi Ma's yard: dry goods first in, fresh produce after; one fresh truck sent to a lane by
    hand (no lane call) and one held by quarantine."""
    assert isinstance(ctx.clock, ManualClock)
    ids = {"dry": dispatched(world, dry_line()), "fresh": dispatched(world), "lane": dispatched(world)}
    ids["held"] = dispatched(world)
    for name in ("dry", "fresh", "lane", "held"):
        read(ctx, plate_of(ctx, ids[name]), Checkpoint.YARD_ENTRY)
        ctx.clock.advance(timedelta(minutes=3))
    _step(ctx, ids["lane"], "call", CUSTOMS)
    _step(ctx, ids["held"], "call", CUSTOMS)
    _step(ctx, ids["held"], "inspect", QUARANTINE)
    _step(ctx, ids["held"], "hold", QUARANTINE, HOLD_REASON)
    return ids


def _trips(stages: dict[str, list[worklists.WorkItem]], stage: str) -> list[str]:
    return [i.truck.trip_id for i in stages[stage]]


def test_each_role_sees_its_stages_in_the_published_order(ctx: ServiceContext, world: World) -> None:
    ids = _gate_day(ctx, world)
    found = worklists.gate_worklists(ctx.uow(read_only=True), clock=ctx.clock, gate_id=GATE).stages
    customs, quarantine, guard = found[Role.CUSTOMS_OFFICER], found[Role.QUARANTINE_OFFICER], found[Role.BORDER_GUARD]
    # Fresh produce before dry goods that arrived earlier: the published order weighs perishables first.
    assert _trips(customs, "yard") == [ids["fresh"], ids["dry"]]
    assert _trips(customs, "at_lane") == [ids["lane"]]
    assert _trips(customs, "held_customs") == []
    assert _trips(quarantine, "held_quarantine") == [ids["held"]]
    assert _trips(guard, "held") == [ids["held"]] and _trips(guard, "called") == [ids["lane"]]
    assert found[Role.GATE_ADMIN]["overdue"] == []
    # Hours later the fresh produce is past its bound (2 h), the dry goods not (their bound is longer): the gate
    # administration sees the late ones, and a late truck leads every list it is on.
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(hours=3))
    later = worklists.gate_worklists(ctx.uow(read_only=True), clock=ctx.clock, gate_id=GATE).stages
    overdue = _trips(later[Role.GATE_ADMIN], "overdue")
    assert ids["fresh"] in overdue and ids["dry"] not in overdue
    assert _trips(later[Role.CUSTOMS_OFFICER], "yard")[0] == ids["fresh"]


@pytest.mark.parametrize(
    ("role", "title"),
    [
        ("customs_officer", "Trong bãi, chờ gọi vào làn"),
        ("quarantine_officer", "Bị kiểm dịch tạm giữ"),
        ("border_guard", "Đã thông quan, chờ qua biên giới"),
        ("gate_admin", "Đã quá ngưỡng chờ"),
    ],
)
def test_the_worklist_page_shows_the_officers_own_list(
    ctx: ServiceContext, world: World, anon: TestClient, role: str, title: str
) -> None:
    ids = _gate_day(ctx, world)
    assert anon.get(f"/gates/{GATE}/worklist", follow_redirects=False).status_code == 303
    anon.app.state.page_principal_resolver = lambda request: principal(role, gates=[GATE])  # type: ignore[attr-defined]
    page = anon.get(f"/gates/{GATE}/worklist?lang=vi")
    assert page.status_code == 200, page.text[:300]
    assert title in page.text
    rows = re.findall(rf'href="/gates/{GATE}/trucks/([0-9a-f]{{32}})" data-row', page.text)
    if role == "customs_officer":
        assert rows[:2] == [ids["fresh"], ids["dry"]]
    if role == "quarantine_officer":
        assert ids["held"] in rows and "phát hiện côn trùng sống".lower() in page.text.lower()
        assert "发现活虫" not in page.text  # the reason in the page's language only
    assert anon.get("/gates/vn-huu-nghi/worklist").status_code == 403  # another gate's officer list


@pytest.mark.parametrize("role", ["exporter", "driver"])
def test_the_worklist_is_refused_to_people_outside_the_gate(ctx: ServiceContext, anon: TestClient, role: str) -> None:
    anon.app.state.page_principal_resolver = lambda request: principal(role, enterprise_id="e1")  # type: ignore[attr-defined]
    assert anon.get(f"/gates/{GATE}/worklist").status_code == 403
    assert anon.get(f"/gates/{GATE}/worklist.json").status_code == 403


def _dashboard(anon: TestClient, lang: str) -> str:
    officer = principal("gate_admin", gates=[GATE])
    anon.app.state.page_principal_resolver = lambda request: officer  # type: ignore[attr-defined]
    page = anon.get(f"/gates/{GATE}/dashboard?lang={lang}")
    assert page.status_code == 200
    return page.text


def test_lanes_show_the_trucks_listed_at_lanes(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    """A truck sent to a lane by hand (no lane call) used to leave every lane 'free' while listed at a lane."""
    ids = _gate_day(ctx, world)
    html = _dashboard(anon, "en")
    busy = re.findall(r'data-lane="(\w+)" data-lane-busy="true"', html)
    at_lane = {ids["lane"]}  # called by hand; the held truck left its lane
    assert len(busy) == len(at_lane)
    lanes = html[html.index('id="sec-lanes"') : html.index('id="sec-by_hand"')]
    assert plate_of(ctx, ids["lane"]) in lanes and "free" in lanes  # the other export lane stays free


def test_the_day_at_a_glance_in_the_pages_language(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    _gate_day(ctx, world)
    zh = _dashboard(anon, "zh")
    assert "支麻口岸停车场" in zh and "Bãi xe Chi Ma" not in zh  # the yard's Chinese name
    holds = zh[zh.index('id="sec-holds"') : zh.index('id="sec-reviews"')]
    assert "发现活虫" in holds and "côn trùng" not in holds and "live insects" not in holds
    chart = zh[zh.index('id="sec-throughput"') : zh.index('id="sec-channels"')]
    assert "<text" in chart and "小时（口岸时间）" in chart  # labelled axes
    assert re.search(r'class="(open-both|open-one|shut)"', chart)  # both sides' hours shaded
    channels = zh[zh.index('id="sec-channels"') : zh.index('id="sec-overdue"')]
    assert "5%" in channels and "15%" in channels  # the published red and yellow targets
    vi = _dashboard(anon, "vi")
    assert "Bãi xe Chi Ma" in vi and "Sự cố đường dây nóng đang mở" in vi


def test_open_incidents_are_counted(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.exchange.add_incident(
            {
                "id": "inc-1",
                "origin": "cn-peer",
                "peer_id": "cn-peer",
                "gate_id": GATE,
                "kind": "congestion",
                "severity": "high",
                "summary": "Bãi bên kia đầy / 对方堆场已满 / the yard across is full",
                "trip_ref": None,
                "raised_at": now,
                "ack_due_at": now + timedelta(minutes=30),
                "status": "open",
                "acknowledged_at": None,
                "acknowledged_by": None,
                "escalation_level": 0,
            }
        )
        uow.commit()
    html = _dashboard(anon, "en")
    assert re.search(r'data-count="incidents">1<', html)
    anon.app.state.page_principal_resolver = lambda request: principal("gate_admin", gates=[GATE])  # type: ignore[attr-defined]
    assert re.search(r'data-count="incidents">1<', anon.get(f"/gates/{GATE}/worklist").text)


def test_the_live_worklist_equals_a_fresh_load(ctx: ServiceContext, world: World) -> None:
    ids = _gate_day(ctx, world)
    hub = worklist.make_hub(ctx)
    hub.poll_seconds = 0.05

    async def follow() -> dict[str, Any]:
        feed = hub.subscribe(GATE)
        state = apply({}, await anext(feed))
        await asyncio.to_thread(_step, ctx, ids["held"], "release", QUARANTINE)
        fresh = await asyncio.to_thread(lambda: worklist.snapshot(ctx, GATE)[1])
        while state != fresh:
            state = apply(state, await asyncio.wait_for(anext(feed), timeout=3))
        await feed.aclose()  # type: ignore[attr-defined]
        return state

    state = asyncio.run(follow())
    released = next(s for s in state["customs_officer"] if s["stage"] == "released")
    assert [t["trip_id"] for t in released["items"]] == [ids["held"]]


def test_quarantine_sees_the_certificate_checks_waiting_for_it(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    """A certificate whose findings block clearance is quarantine's work until accepted (it was on no worklist)."""
    exporter = Actor("exporter-1", ActorRole.EXPORTER)
    blocked, other = at_lane(world, fruit_line(net_kg="12000", gross_kg="13000")), at_lane(world)
    check_ids = {}
    for trip_id in (blocked,):
        shipment_id = trips.get_trip(ctx.uow(), trip_id).shipment_id
        certificate, conformance = read_sps_certificate(VN_CERT.encode())
        check, _ = inspections.submit_certificate(
            ctx.uow(),
            clock=ctx.clock,
            shipment_id=shipment_id,
            certificate=certificate,
            document=VN_CERT.encode(),
            actor=exporter,
            conformance=conformance,
        )
        check_ids[trip_id] = check.id
    quarantine = worklists.gate_worklists(ctx.uow(read_only=True), clock=ctx.clock, gate_id=GATE).stages[
        Role.QUARANTINE_OFFICER
    ]
    # the 12 t declaration against the certificate's weight; the truck without a certificate check is not listed
    assert _trips(quarantine, "certificate") == [blocked] and other not in _trips(quarantine, "certificate")
    anon.app.state.page_principal_resolver = lambda request: principal("quarantine_officer", gates=[GATE])  # type: ignore[attr-defined]
    page = anon.get(f"/gates/{GATE}/worklist?lang=vi").text
    assert "Chứng thư kiểm dịch thực vật chờ xem xét" in page and 'data-stage-count="certificate">1<' in page
    inspections.accept_certificate(
        ctx.uow(), clock=ctx.clock, check_id=check_ids[blocked], actor=QUARANTINE, reason="Cân lại: 12.010 kg"
    )
    after = worklists.gate_worklists(ctx.uow(read_only=True), clock=ctx.clock, gate_id=GATE).stages
    assert _trips(after[Role.QUARANTINE_OFFICER], "certificate") == []


def test_arrived_shows_the_date_when_it_was_not_today(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    """A truck that arrived the day before showed only its time of arrival, as if it had come in today."""
    ids = _gate_day(ctx, world)
    anon.app.state.page_principal_resolver = lambda request: principal("customs_officer", gates=[GATE])  # type: ignore[attr-defined]

    def arrived_cell() -> str:
        page = anon.get(f"/gates/{GATE}/worklist?lang=en").text
        row = page.split(f'<tr data-trip="{ids["dry"]}"')[1].split("</tr>")[0]
        return re.findall(r'data-label="Arrived">([^<]*)<', row)[0]

    today = arrived_cell()
    assert re.fullmatch(r"\d{1,2}:\d{2}(\s?[AP]M)?", today.strip()), today  # today: the time is enough
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(days=1))
    yesterday = arrived_cell()
    assert yesterday != today and today in yesterday and re.search(r"\d{1,2}/\d{1,2}/\d{2}", yesterday), yesterday
