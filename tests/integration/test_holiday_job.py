"""The daily ``holiday_closures`` job (services/gates.py, services/periodic.py): the holiday closures the gates'
rules make keep being published as the years pass (install and import publish only this year's and next), once
each, with the bookings they touch re-planned and told why."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cuakhau.domain.calendar import closure_id
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.gate import ClosureRule, LocalizedText
from cuakhau.services import periodic
from cuakhau.services.context import ServiceContext
from cuakhau.services.gate_config import is_generated
from cuakhau.services.gates import HOLIDAY_HORIZON
from cuakhau.services.periodic import JobContext
from tests.fixtures.factories import World


def run_job(ctx: ServiceContext) -> int:
    return periodic.HOLIDAY_CLOSURES.run(JobContext(ctx.uow, ctx.clock))


def published(ctx: ServiceContext) -> dict[str, list[tuple[datetime, datetime, str | None]]]:
    with ctx.uow(read_only=True) as uow:
        return {g.id: [(c.starts_at, c.ends_at, c.id) for c in g.closures] for g in uow.gates.all()}


def test_across_a_year_end_the_next_years_closures_appear_once(ctx: ServiceContext, world: World) -> None:
    """Installed in June 2026 (closures of 2026 and 2027), the system runs on: after New Year 2027 the job
    publishes Tết 2028 and 春节 2028 (inside its 400 days), and a second run, or the next day's, adds nothing."""
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    assert run_job(ctx) == 0  # everything within 400 days of June 2026 is already published by the install
    before = published(ctx)
    clock.set(datetime(2027, 1, 10, 1, 0, tzinfo=UTC))

    added = run_job(ctx)

    after = published(ctx)
    gates = {g.id: g for g in world.gates}
    for gate_id, closures in after.items():
        new = [c for c in closures if c not in before[gate_id]]
        assert all(c[0].year == 2028 for c in new), new
        ids = Counter(c[2] for c in closures)
        assert max(ids.values()) == 1  # nothing published twice
        assert len({(c[0], c[1]) for c in closures}) == len(closures)
        tet = next(i for i, r in enumerate(gates[gate_id].closure_rules) if r.holiday == "lunar_new_year")
        assert closure_id(gate_id, gates[gate_id].closure_rules[tet], 0, 2028) in ids  # Tết / 春节 2028
    assert added == sum(len(after[g]) - len(before[g]) for g in after) >= len(after)
    vn = next(c for c in after["vn-huu-nghi"] if c not in before["vn-huu-nghi"] and c[0].month == 1)
    assert vn[0] == datetime(2028, 1, 25, tzinfo=gates["vn-huu-nghi"].timezone)  # the eve of mùng 1 Tết 2028
    assert run_job(ctx) == 0
    clock.advance(timedelta(days=1))
    assert run_job(ctx) == 0 and published(ctx) == after
    # years on, every year's closures are there: no cliff
    # years on, a run a month keeps every holiday published: no cliff, and no year half done (New Year 2037 is
    # inside the horizon before 春节 2037 is)
    while clock.now() < datetime(2036, 6, 1, tzinfo=UTC):
        clock.advance(timedelta(days=30))
        run_job(ctx)
    youyiguan = published(ctx)["cn-youyiguan"]
    rules = gates["cn-youyiguan"].closure_rules
    for year in range(2026, 2037):
        assert {closure_id("cn-youyiguan", r, 0, year) for r in rules} <= {c[2] for c in youyiguan}, year
    assert max(c[0] for c in published(ctx)["cn-youyiguan"]) <= clock.now() + HOLIDAY_HORIZON


def test_a_new_closure_re_plans_the_bookings_it_touches_with_the_closure_as_the_cause(
    ctx: ServiceContext, world: World
) -> None:
    """A gate whose rules make a closure today that nobody published: the job publishes it and the truck booked
    into it is moved, told it is the holiday closure announced by the system's rule."""
    trip = world.declare()
    booking = world.book(trip.id, hours=30)
    huu_nghi = next(g for g in world.gates if g.id == "vn-huu-nghi")
    assert booking.slot_start is not None and huu_nghi.local(booking.slot_start).day == 2
    stocktake = ClosureRule(
        "labour_day", start=32, days=1, reason=LocalizedText("Kiểm kê bãi", "堆场盘点", "Yard stocktake")
    )  # 1 May + 32 days: 2 June
    with ctx.uow() as uow:
        for c in uow.gates.get("vn-huu-nghi").closures:  # type: ignore[union-attr]
            if is_generated(c):
                uow.gates.remove_closure("vn-huu-nghi", c.id or "")
        uow.gates.update(replace(huu_nghi, closure_rules=[stocktake]))
        uow.commit()

    assert run_job(ctx) == 2  # 2 June 2026 and 2 June 2027 (within the 400 days)

    with ctx.uow(read_only=True) as uow:
        moved = uow.bookings.latest_for_trip(trip.id)
    assert moved is not None and moved.slot_start != booking.slot_start  # the day is closed: out of it
    assert moved.slot_start is None or huu_nghi.local(moved.slot_start).day != 2
    assert moved.reason == "closure" and moved.reason_params["by"] == "system"
    assert "Kiểm kê bãi 2026" in moved.reason_params["closure_reason"]
    assert run_job(ctx) == 0


def test_a_lifted_holiday_closure_stays_lifted(ctx: ServiceContext, world: World) -> None:
    """The board lifts Tết 2027 at Hữu Nghị (the gate stays open): the daily job does not publish it again."""
    with ctx.uow() as uow:
        tet = next(
            c
            for c in uow.gates.get("vn-huu-nghi").closures  # type: ignore[union-attr]
            if is_generated(c) and c.starts_at.year == 2027 and c.starts_at.month == 2
        )
        assert uow.gates.remove_closure("vn-huu-nghi", tet.id or "")
        uow.commit()
    assert run_job(ctx) == 0
    assert tet.id not in {c[2] for c in published(ctx)["vn-huu-nghi"]}
