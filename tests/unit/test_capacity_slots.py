"""``slot_capacities`` cuts each hour from the day's open intervals: the same slots as asking hour by hour."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau.domain.capacity import (
    SLOT,
    SlotCapacity,
    day_bounds,
    hour_slot,
    lane_rate,
    opposite,
    slot_capacities,
)
from cuakhau.domain.gate import Closure, Country, Direction, Gate, Lane, LaneKind, LocalizedText, OpeningPeriod


def _hourly_reference(
    gate: Gate, counterpart: Gate | None, direction: Direction, day: date, *, hourly_quota: int | None = None
) -> list[SlotCapacity]:
    """The former way: each hour's open part asked of the gate on its own (the rule itself is shared)."""

    def fraction(g: Gate, a: datetime, b: datetime) -> float:
        seconds = sum((y - x).total_seconds() for x, y in g.open_intervals(a, b))
        return seconds / (b - a).total_seconds()

    start, end = day_bounds(gate, day)
    own_rate = lane_rate(gate, direction)
    their_rate = lane_rate(counterpart, opposite(direction)) if counterpart else math.inf
    inspection_rate = gate.inspection_bays * 60.0 / gate.inspection_minutes
    slots: list[SlotCapacity] = []
    at = start
    while at < end:
        nxt = at + SLOT
        here = fraction(gate, at, nxt)
        there = fraction(counterpart, at, nxt) if counterpart else 1.0
        slots.append(hour_slot(at, nxt, here, there, own_rate, their_rate, inspection_rate, hourly_quota))
        at = nxt
    return slots


BASE = datetime(2026, 3, 1, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def periods(draw: st.DrawFn) -> list[OpeningPeriod]:
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        a, b = draw(minutes), draw(minutes)
        days = draw(st.frozensets(st.integers(min_value=1, max_value=7), min_size=1))
        out.append(OpeningPeriod(time(a // 60, a % 60), time(b // 60, b % 60), days))
    return out


@st.composite
def closures(draw: st.DrawFn) -> list[Closure]:
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        start = BASE + timedelta(minutes=draw(st.integers(min_value=-24 * 60, max_value=5 * 24 * 60)))
        length = timedelta(seconds=draw(st.integers(min_value=1, max_value=2 * 24 * 3600)))
        out.append(Closure(start, start + length, "test"))
    return sorted(out, key=lambda c: c.starts_at)


@st.composite
def gates(draw: st.DrawFn, country: Country) -> Gate:
    lanes = [
        Lane(
            f"L{i}",
            draw(st.sampled_from(list(Direction))),
            draw(st.sampled_from(list(LaneKind))),
            draw(st.sampled_from([3.0, 6.0, 7.5, 20.0])),
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    prefix = "vn" if country is Country.VN else "cn"
    return Gate(
        id=f"{prefix}-test",
        country=country,
        names=LocalizedText("a", "b", "c"),
        lanes=lanes,
        opening_hours=draw(periods()),
        closures=draw(closures()),
        inspection_bays=draw(st.integers(min_value=0, max_value=4)),
        inspection_minutes=draw(st.sampled_from([15.0, 30.0, 45.0])),
    )


@settings(max_examples=300, deadline=None)
@given(
    here=gates(Country.VN),
    there=st.one_of(st.none(), gates(Country.CN)),
    direction=st.sampled_from(list(Direction)),
    day=st.integers(min_value=0, max_value=3),
    quota=st.one_of(st.none(), st.integers(min_value=0, max_value=30)),
)
def test_slots_equal_the_hour_by_hour_reference(
    here: Gate, there: Gate | None, direction: Direction, day: int, quota: int | None
) -> None:
    d = BASE.date() + timedelta(days=day)
    assert slot_capacities(here, there, direction, d, hourly_quota=quota) == _hourly_reference(
        here, there, direction, d, hourly_quota=quota
    )


def test_a_declared_hourly_acceptance_replaces_the_counterpart_lane_estimate() -> None:
    """Issue 21 item 11: Tân Thanh's counterpart has two laden import lanes in the reference data (20 an hour at
    6 minutes) but declares 25 an hour; planning 20 left a fifth of what the other side accepts unused."""
    at = BASE
    nxt = at + SLOT
    # own lanes 40 an hour, counterpart lanes 20 an hour, declared acceptance 25 an hour: 25 places
    slot = hour_slot(at, nxt, 1.0, 1.0, 40.0, 20.0, 100.0, 25)
    assert slot.capacity == 25
    assert slot.limit.value == "counterpart_quota"
    # without a declaration the counterpart's lanes are the best estimate there is
    slot = hour_slot(at, nxt, 1.0, 1.0, 40.0, 20.0, 100.0, None)
    assert (slot.capacity, slot.limit.value) == (20, "counterpart_lanes")
    # own lanes still bind, scaled by the part of the hour both sides are open
    slot = hour_slot(at, nxt, 0.5, 1.0, 40.0, 20.0, 100.0, 25)
    assert (slot.capacity, slot.limit.value) == (20, "own_lanes")
