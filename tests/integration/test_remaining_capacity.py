"""Remaining capacity is the truth: every view of what remains shows 0 exactly when booking refuses.

A gate day is booked to each limit in turn — the hour's capacity (lanes), the counterpart's hourly quota, its
daily quota, a closure across the line and the gates' hours, the inspection places — and then every hour of the
day is read in every view (the public slots API, the exporter portal, the day plan, the public wait board) and
probed with a real booking of that hour: the views agree with one another, and the hour shows places exactly
when the probe gets a slot (a probe refused or sent to the waiting list meets an hour that shows 0).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.errors import CuakhauError
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import boards, day_plans, equeue, registry
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, dry_line, fruit_line, vn_citizen_id

GATE = "vn-chi-ma"  # 8 trucks an hour, 4 of them inspected (the counterpart's lanes bind)
DAY = date(2026, 6, 2)  # the fixtures' clock: 08:00 at Chi Ma
API = "/api/v1"
DRY, FRUIT = dry_line(), fruit_line()
COUNTERPART = Actor("cn-aidian:exchange", ActorRole.COUNTERPART)
#: The hours probed: the last hour over, the open day, and the first closed hours of the evening.
HOURS = range(7, 20)


LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour: int) -> datetime:
    return datetime.combine(DAY, time(hour), tzinfo=LOCAL)


class Day:
    """One Chi Ma export day: trips declared with fresh trucks and drivers, booked into chosen hours."""

    def __init__(self, ctx: ServiceContext, world: World, client: TestClient) -> None:
        self.ctx, self.world, self.client = ctx, world, client
        # The portal shows what remains for the page's own trip: one of each kind, declared and never booked.
        self.viewer = {False: self.trip(DRY), True: self.trip(FRUIT)}
        app: Any = client.app
        app.state.page_principal_resolver = lambda request: principal(
            "exporter", enterprise_id=world.exporter.id, username="exporter-capacity"
        )

    def trip(self, line: dict[str, Any]) -> str:
        driver = registry.register_driver(
            self.ctx.uow(),
            clock=self.ctx.clock,
            full_name="Hoàng Văn Tư",
            document_kind="vn_citizen_id",
            document_number=vn_citizen_id(),
            nationality="VN",
        )
        shipment = self.world.shipment(lines=[line])
        return self.world.declare(
            gate_id=GATE, vehicle_id=self.world.new_truck(), driver_id=driver.id, shipment=shipment
        ).id

    def book(self, line: dict[str, Any], hour: int) -> BookingStatus | str:
        """Book a new truck for the one hour starting at ``hour``: its booking's status, or the refusal's code."""
        trip_id = self.trip(line)
        clock: Any = self.ctx.clock
        clock.advance(timedelta(seconds=1))  # first come, first served: each request strictly after the last
        start = at(hour)
        try:
            return equeue.book(
                self.ctx.uow(),
                clock=self.ctx.clock,
                request=equeue.BookingRequest(
                    trip_id=trip_id,
                    earliest=start,
                    latest=start + timedelta(hours=1),
                    travel_minutes=60,
                    actor=Actor(self.world.exporter.id, ActorRole.EXPORTER),
                    idempotency=equeue.Idempotency("test", f"probe-{trip_id}", "h"),
                ),
            ).booking.status
        except CuakhauError as exc:
            return exc.code

    def fill(self, line: dict[str, Any], hour: int, n: int) -> None:
        for _ in range(n):
            assert self.book(line, hour) is BookingStatus.ACTIVE

    # --- the views --------------------------------------------------------------------------------------------

    def api(self, inspected: bool) -> dict[int, int]:
        r = self.client.get(f"{API}/gates/{GATE}/slots", params={"date": DAY.isoformat()})
        assert r.status_code == 200, r.text
        key = "remaining_inspection" if inspected else "remaining"
        return {datetime.fromisoformat(s["starts_local"]).hour: s[key] for s in r.json()}

    def portal(self, inspected: bool) -> dict[int, int]:
        page = self.client.get(f"/portal/trips/{self.viewer[inspected]}", params={"day": DAY.isoformat()})
        assert page.status_code == 200, page.text
        rows = re.findall(r'<tr data-slot="([^"]+)">.*?<strong class="remaining">(\d+)</strong>', page.text)
        shown = {datetime.fromisoformat(s).astimezone(LOCAL).hour: int(n) for s, n in rows}
        # Hours the gate cannot open at all are not listed: nothing remains in them.
        return {h: shown.get(h, 0) for h in range(24)}

    def plan(self, inspected: bool) -> dict[int, int]:
        view = day_plans.day_plan(self.ctx.uow(), clock=self.ctx.clock, gate_id=GATE, direction="export", day=DAY)
        return {s.starts_at.astimezone(LOCAL).hour: s.for_truck(inspected).places for s in view.slots}

    def board(self, inspected: bool) -> int:
        (waits,) = boards.public_waits(self.ctx.uow(read_only=True), clock=self.ctx.clock, gate_id=GATE)
        export = next(d for d in waits.directions if d.direction.value == "export")
        return export.places_left_today_inspection if inspected else export.places_left_today

    def views(self, inspected: bool) -> dict[int, int]:
        """Every view, checked to agree: what remains per local hour for a truck of this kind."""
        api = self.api(inspected)
        assert self.portal(inspected) == api
        assert self.plan(inspected) == api
        assert self.board(inspected) == sum(api.values())
        return api

    def sweep(self, line: dict[str, Any]) -> dict[int, tuple[int, BookingStatus | str]]:
        """Every hour of ``HOURS``: what the views show, then a probe booking of that hour; each hour shows
        places exactly when its probe gets a slot."""
        inspected = line is FRUIT
        seen = {}
        for hour in HOURS:
            shown = self.views(inspected)[hour]
            got = self.book(line, hour)
            assert (shown > 0) == (got is BookingStatus.ACTIVE), (hour, shown, got)
            seen[hour] = (shown, got)
        return seen


@pytest.fixture
def day(ctx: ServiceContext, world: World, client: TestClient) -> Day:
    return Day(ctx, world, client)


def refused(seen: dict[int, tuple[int, BookingStatus | str]]) -> set[int]:
    return {h for h, (_, got) in seen.items() if got is not BookingStatus.ACTIVE}


def test_hourly_capacity_of_the_lanes(day: Day) -> None:
    day.fill(DRY, 9, 8)  # 09:00 holds every place its lanes pass
    seen = day.sweep(DRY)
    assert seen[9][0] == 0 and seen[10][0] == 8
    assert refused(seen) == {7, 9, 18, 19}  # the hour over, the full hour, the gate closed


def test_the_counterparts_hourly_quota(day: Day, ctx: ServiceContext) -> None:
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=GATE,
        direction="export",
        day=DAY,
        daily_quota=None,
        hourly_quota=2,
        actor=COUNTERPART,
    )
    day.fill(DRY, 10, 2)
    seen = day.sweep(DRY)
    assert seen[10][0] == 0 and seen[11][0] == 2
    assert refused(seen) == {7, 10, 18, 19}


def test_the_counterparts_daily_quota(day: Day, ctx: ServiceContext) -> None:
    equeue.declare_acceptance(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=GATE,
        direction="export",
        day=DAY,
        daily_quota=4,
        hourly_quota=None,
        actor=COUNTERPART,
    )
    day.fill(DRY, 9, 2)
    seen = day.sweep(DRY)
    # Two places of the day were left: the first two open hours probed take them, then the day shows 0.
    assert [h for h in HOURS if seen[h][1] is BookingStatus.ACTIVE] == [8, 9]
    assert seen[8][0] == 2 and seen[9][0] == 1 and seen[10][0] == 0
    assert day.board(False) == 0 and day.board(True) == 0


def test_a_closure_across_the_line_and_the_gates_hours(day: Day, client: TestClient) -> None:
    r = client.post(
        f"{API}/gates/cn-aidian/closures",
        json={
            "starts_at": "2026-06-02T13:00:00+08:00",
            "ends_at": "2026-06-02T15:00:00+08:00",
            "reason": "Mưa lớn, sạt lở đường / 暴雨塌方",
            "actor": {"id": "gx", "role": "gate_admin"},
        },
    )
    assert r.status_code == 201, r.text
    seen = day.sweep(FRUIT)
    assert seen[12] == (0, BookingStatus.WAITING) and seen[13] == (0, BookingStatus.WAITING)  # 12:00–14:00 here
    assert refused(seen) == {7, 12, 13, 18, 19}
    r = client.get(f"{API}/gates/{GATE}/slots", params={"date": DAY.isoformat()})
    limits = {datetime.fromisoformat(s["starts_local"]).hour: s["limit"] for s in r.json()}
    assert (limits[7], limits[12], limits[19]) == ("hour_over", "closed", "closed")


def test_inspection_places(day: Day) -> None:
    day.fill(FRUIT, 11, 4)  # every inspection place of 11:00, half of its lanes
    assert day.views(False)[11] == 4 and day.views(True)[11] == 0
    seen = day.sweep(FRUIT)
    assert refused(seen) == {7, 11, 18, 19}
    assert day.views(False)[11] == 4  # dry goods still have room there …
    assert day.book(DRY, 11) is BookingStatus.ACTIVE  # … and booking gives it to them
