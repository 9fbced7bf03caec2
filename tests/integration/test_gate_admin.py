"""Administering a gate (issue 14 item 3): each kind of change applies, re-plans the bookings it affects, is
audited with its before and after; a dry run counts the same moves and writes nothing; other roles are refused.
Runs on SQLite and PostgreSQL (the ``ctx`` fixture)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cuakhau.adapters.db import tables as t
from cuakhau.domain.accounts import Forbidden, Role
from cuakhau.domain.errors import InvalidInput, NotFound
from cuakhau.domain.gate import Direction, OpeningPeriod
from cuakhau.services import equeue, gates
from cuakhau.services import gate_admin as svc
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World

HOME = "vn-huu-nghi"
ADMIN = principal(Role.GATE_ADMIN, gates=[HOME], username="ban-quan-ly")


def booked(ctx: ServiceContext, world: World, n: int) -> list[str]:
    """``n`` trucks booked for the next hours at HOME (export): their trip ids."""
    ids = []
    for _ in range(n):
        trip = world.declare(HOME, vehicle_id=world.new_truck())
        world.book(trip.id)
        ids.append(trip.id)
    return ids


def places(ctx: ServiceContext, trip_ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    out = {}
    for trip_id in trip_ids:
        b, _ = equeue.get_booking(ctx.uow(read_only=True), trip_id)
        out[trip_id] = (b.status.value, b.slot_start)
    return out


def counts(ctx: ServiceContext) -> dict[str, int]:
    """Rows that a change writes: closures, audit rows, notifications, booking changes."""
    with ctx.uow.engine.connect() as conn:  # type: ignore[attr-defined]
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.gate_closures, t.gate_changes, t.notifications, t.booking_changes, t.acceptances)
        }


def closure(ctx: ServiceContext, hours: int) -> svc.NewClosure:
    start = ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    return svc.NewClosure(
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        reason_vi="Sửa chữa mặt đường khu vực kiểm soát",
        reason_zh="检查区路面维修",
    )


def change(ctx: ServiceContext, c: svc.GateChange, *, dry_run: bool, who: Any = ADMIN) -> svc.Outcome:
    ctx.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]  # the audit lists newest first
    return svc.change_gate(ctx.uow(), clock=ctx.clock, principal=who, gate_id=HOME, change=c, dry_run=dry_run)


def test_a_dry_run_counts_the_moves_and_writes_nothing_then_the_change_moves_as_counted(
    ctx: ServiceContext, world: World
) -> None:
    trips = booked(ctx, world, 3)
    before_places, before_rows = places(ctx, trips), counts(ctx)
    assert all(status == "active" for status, _ in before_places.values())

    preview = change(ctx, closure(ctx, 3), dry_run=True)
    assert (preview.moved, preview.waitlisted) == (3, 0)  # later in their windows, still before they end
    assert preview.change_id is None
    assert places(ctx, trips) == before_places and counts(ctx) == before_rows
    assert not [c for c in gates.get_gate(ctx.uow(), HOME).closures if c.reason.startswith("Sửa chữa")]

    done = change(ctx, closure(ctx, 3), dry_run=False)
    assert (done.moved, done.waitlisted) == (preview.moved, preview.waitlisted)
    after_places = places(ctx, trips)
    assert all(after_places[x][1] != before_places[x][1] for x in trips)
    assert all(slot is not None and slot >= closure(ctx, 3).ends_at for _, slot in after_places.values())
    rows = counts(ctx)
    assert rows["gate_closures"] == before_rows["gate_closures"] + 1
    assert rows["notifications"] >= before_rows["notifications"] + 3  # every holder told
    published = gates.get_gate(ctx.uow(), HOME).closures
    assert any(c.reason == "Sửa chữa mặt đường khu vực kiểm soát / 检查区路面维修" for c in published)
    [audit] = svc.recent_changes(ctx.uow(), principal=ADMIN, gate_id=HOME)
    assert audit["id"] == done.change_id and audit["kind"] == "closure"
    assert audit["actor_id"] == "ban-quan-ly" and audit["actor_role"] == "gate_admin"
    assert audit["at"] == ctx.clock.now() and (audit["moved"], audit["waitlisted"]) == (3, 0)
    assert audit["before"] == {"closure": None}
    reason = {"vi": "Sửa chữa mặt đường khu vực kiểm soát", "zh": "检查区路面维修", "en": None}
    assert audit["after"]["reason"] == reason


def test_a_closure_past_the_windows_sends_the_trucks_to_the_waiting_list(ctx: ServiceContext, world: World) -> None:
    trips = booked(ctx, world, 2)
    preview = change(ctx, closure(ctx, 12), dry_run=True)
    assert (preview.moved, preview.waitlisted) == (0, 2)
    done = change(ctx, closure(ctx, 12), dry_run=False)
    assert (done.moved, done.waitlisted) == (0, 2)
    assert {status for status, _ in places(ctx, trips).values()} == {"waiting"}


def test_closing_every_export_lane_empties_the_slots_and_reopening_is_audited(
    ctx: ServiceContext, world: World
) -> None:
    trips = booked(ctx, world, 2)
    gate = gates.get_gate(ctx.uow(), HOME)
    export = [ln.code for ln in gate.lanes_for(Direction.EXPORT)]
    for code in export[:-1]:
        assert change(ctx, svc.LaneState(code, open=False), dry_run=False).waitlisted == 0
    last = change(ctx, svc.LaneState(export[-1], open=False), dry_run=False)
    assert (last.moved, last.waitlisted) == (0, 2)
    assert last.before == {"lane": export[-1], "open": True} and last.after == {"lane": export[-1], "open": False}
    assert not any(ln.open for ln in gates.get_gate(ctx.uow(), HOME).lanes_for(Direction.EXPORT))
    assert {status for status, _ in places(ctx, trips).values()} == {"waiting"}
    change(ctx, svc.LaneState(export[0], open=True), dry_run=False)
    kinds = [(c["kind"], c["after"]["open"]) for c in svc.recent_changes(ctx.uow(), principal=ADMIN, gate_id=HOME)]
    assert kinds[0] == ("lane", True) and len(kinds) == len(export) + 1
    with pytest.raises(NotFound) as missing:
        change(ctx, svc.LaneState("NO-SUCH", open=False), dry_run=True)
    assert missing.value.code == "lane.not_found" and missing.value.field == "code"


def test_weekly_hours_and_an_exception_day_change_capacity(ctx: ServiceContext, world: World) -> None:
    booked(ctx, world, 2)
    gate = gates.get_gate(ctx.uow(), HOME)
    today = gate.local(ctx.clock.now()).date()
    # Today only from 20:00: the trucks booked for this morning have no slot left in their windows.
    special = svc.SpecialHours(today, [OpeningPeriod(time(20, 0), time(23, 0))])
    preview = change(ctx, special, dry_run=True)
    assert (preview.moved, preview.waitlisted) == (0, 2)
    assert gates.get_gate(ctx.uow(), HOME).special_hours == {}
    done = change(ctx, special, dry_run=False)
    assert done.before == {"day": today.isoformat(), "hours": None}
    assert done.after["hours"] == [{"opens": "20:00", "closes": "23:00", "weekdays": [1, 2, 3, 4, 5, 6, 7]}]
    reread = gates.get_gate(ctx.uow(), HOME)
    assert reread.special_hours[today][0].opens == time(20, 0)
    assert not reread.is_open(ctx.clock.now()) and reread.is_open(datetime.combine(today, time(21), reread.timezone))
    back = change(ctx, svc.SpecialHours(today, None), dry_run=False)
    assert back.after["hours"] is None and gates.get_gate(ctx.uow(), HOME).special_hours == {}
    with pytest.raises(InvalidInput) as past:
        change(ctx, svc.SpecialHours(today - timedelta(days=1), []), dry_run=True)
    assert past.value.field == "day"
    weekly = svc.WeeklyHours([OpeningPeriod(time(9, 0), time(17, 0), frozenset({1, 2, 3, 4, 5}))])
    done = change(ctx, weekly, dry_run=False)
    assert done.before["hours"] == [{"opens": "07:00", "closes": "19:00", "weekdays": [1, 2, 3, 4, 5, 6, 7]}]
    assert gates.get_gate(ctx.uow(), HOME).opening_hours == weekly.periods
    with pytest.raises(InvalidInput) as empty:
        change(ctx, svc.WeeklyHours([]), dry_run=True)
    assert empty.value.code == "gate.hours_required"


def test_yard_bays_and_acceptance_are_applied_and_audited(ctx: ServiceContext, world: World) -> None:
    trips = booked(ctx, world, 3)
    view = svc.admin_view(ctx.uow(), clock=ctx.clock, principal=ADMIN, gate_id=HOME)
    yard = view.yards[0]
    done = change(ctx, svc.YardCapacity(yard.id, yard.capacity + 10), dry_run=False)
    assert (done.moved, done.waitlisted) == (0, 0)
    assert done.after == {"yard": yard.id, "capacity": yard.capacity + 10}
    assert svc.admin_view(ctx.uow(), clock=ctx.clock, principal=ADMIN, gate_id=HOME).yards[0].capacity == (
        yard.capacity + 10
    )
    bays = change(ctx, svc.InspectionCapacity("customs_bay", 6, 40), dry_run=False)
    assert bays.after == {"resource": "customs_bay", "capacity": 6, "service_minutes": 40.0}
    assert bays.before["capacity"] != 6
    today = gates.get_gate(ctx.uow(), HOME).local(ctx.clock.now()).date()
    accept = svc.Acceptance("export", today, daily_quota=1, hourly_quota=None, reason="Bên kia quá tải / 对方拥堵")
    preview = change(ctx, accept, dry_run=True)
    assert (preview.moved, preview.waitlisted) == (0, 2)  # the first come keeps its place
    assert counts(ctx)["acceptances"] == 0
    done = change(ctx, accept, dry_run=False)
    assert (done.moved, done.waitlisted) == (0, 2)
    assert done.before == {"direction": "export", "day": today.isoformat(), "daily_quota": None, "hourly_quota": None}
    assert sorted(s for s, _ in places(ctx, trips).values()) == ["active", "waiting", "waiting"]
    kinds = [c["kind"] for c in svc.recent_changes(ctx.uow(), principal=ADMIN, gate_id=HOME)]
    assert kinds == ["acceptance", "inspection", "yard"]


def test_lifting_a_closure_gives_the_hours_back(ctx: ServiceContext, world: World) -> None:
    change(ctx, closure(ctx, 2), dry_run=False)
    found = next(c for c in gates.get_gate(ctx.uow(), HOME).closures if c.reason.startswith("Sửa chữa"))
    lifted = change(ctx, svc.LiftClosure(found.id or ""), dry_run=False)
    assert lifted.before["closure"]["id"] == found.id and lifted.after == {"closure": None}
    assert all(c.id != found.id for c in gates.get_gate(ctx.uow(), HOME).closures)
    with pytest.raises(NotFound):
        change(ctx, svc.LiftClosure(found.id or ""), dry_run=True)


@pytest.mark.parametrize(
    ("field", "bad"),
    [("reason_vi", {"reason_vi": "  "}), ("reason_zh", {"reason_zh": ""}), ("closure_kind", {"closure_kind": "x"})],
)
def test_a_closure_needs_both_languages_of_the_pair(
    ctx: ServiceContext, world: World, field: str, bad: dict[str, str]
) -> None:
    from dataclasses import replace

    with pytest.raises(InvalidInput) as refused:
        change(ctx, replace(closure(ctx, 2), **bad), dry_run=True)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "who",
    [
        principal(Role.GATE_ADMIN, gates=["vn-tan-thanh"]),
        principal(Role.CUSTOMS_OFFICER, gates=[HOME]),
        principal(Role.COUNTERPART, gates=[HOME]),
        principal(Role.EXPORTER, enterprise_id="e1"),
    ],
)
def test_other_roles_and_other_gates_are_refused(ctx: ServiceContext, world: World, who: Any) -> None:
    before = counts(ctx)
    with pytest.raises(Forbidden):
        change(ctx, closure(ctx, 2), dry_run=False, who=who)
    with pytest.raises(Forbidden):
        svc.recent_changes(ctx.uow(), principal=who, gate_id=HOME)
    assert counts(ctx) == before


def test_a_system_admin_administers_any_gate(ctx: ServiceContext, world: World) -> None:
    done = change(ctx, closure(ctx, 1), dry_run=False, who=principal(Role.SYSTEM_ADMIN, username="root-admin"))
    assert done.change_id is not None
    [audit] = svc.recent_changes(ctx.uow(), principal=ADMIN, gate_id=HOME)
    assert (audit["actor_id"], audit["actor_role"]) == ("root-admin", "system")
