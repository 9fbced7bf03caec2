"""Capacity per gate, direction and hour — what both sides can really take, with the binding reason.

A slot at a gate is usable only while *both* sides are open (each on its own clock, with its own closures),
and a truck is only as fast as the slower side: the slot capacity is the smaller of this gate's lanes and the
counterpart's lanes for the same flow, scaled by the part of the hour both are open. When the counterpart
declares an hourly acceptance (an hourly quota; a daily quota is a separate counter), that figure is its own word
for what its side passes in the hour and replaces the estimate from its lanes (which this side knows only from
reference data): planning below a declared acceptance leaves places the other side would have taken unused.
Trucks whose goods need inspection (plant quarantine) also need a place in the inspection bays.

Every slot says which limit binds (``reason``), so a board can see *why* a slot is small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.gate import Direction, Gate, LaneKind

SLOT = timedelta(hours=1)


class CapacityLimit(StrEnum):
    CLOSED_HERE = "closed_here"
    CLOSED_THERE = "closed_there"
    OWN_LANES = "own_lanes"
    COUNTERPART_LANES = "counterpart_lanes"
    COUNTERPART_QUOTA = "counterpart_quota"


@dataclass(frozen=True, slots=True)
class SlotCapacity:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    inspection_capacity: int
    limit: CapacityLimit


def opposite(direction: Direction) -> Direction:
    return Direction.IMPORT if direction is Direction.EXPORT else Direction.EXPORT


#: The lanes that carry laden trucks (capacity, the call-forward, the simulator): empty-truck lanes are not counted.
FREIGHT_LANES = frozenset({LaneKind.CARGO, LaneKind.PERISHABLE})


def lane_rate(gate: Gate, direction: Direction) -> float:
    """Laden trucks per hour the gate's freight lanes for ``direction`` serve when open (empty lanes excluded)."""
    return sum(60.0 / ln.service_minutes for ln in gate.lanes_for(direction) if ln.kind in FREIGHT_LANES and ln.open)


def _clipped_fraction(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    """The part of [start, end) the gate is open, from its open intervals over a longer span containing it.

    The same float as from ``gate.open_intervals(start, end)`` itself: ``Gate.open_intervals`` returns its set in
    one form only (sorted, disjoint, each piece cut only where a closure cut it), and cutting that form to
    [start, end) gives the very pieces it returns for [start, end): the same seconds, summed in the same order.
    """
    seconds = sum((min(b, end) - max(a, start)).total_seconds() for a, b in intervals if a < end and b > start)
    return seconds / (end - start).total_seconds()


def day_bounds(gate: Gate, day: date) -> tuple[datetime, datetime]:
    """The UTC instants of the gate's local midnight on ``day`` and the next."""
    start = datetime.combine(day, time(0, 0), tzinfo=gate.timezone)
    return ensure_utc(start), ensure_utc(start + timedelta(days=1))


def slot_capacities(
    gate: Gate,
    counterpart: Gate | None,
    direction: Direction,
    day: date,
    *,
    hourly_quota: int | None = None,
) -> list[SlotCapacity]:
    """The hourly slots of ``gate``'s local ``day`` for trucks going in ``direction``."""
    start, end = day_bounds(gate, day)
    own_rate = lane_rate(gate, direction)
    their_rate = lane_rate(counterpart, opposite(direction)) if counterpart else math.inf
    inspection_rate = gate.inspection_bays * 60.0 / gate.inspection_minutes
    # The day's open intervals once, each hour cut from them (the same figures as asking hour by hour).
    here_open = gate.open_intervals(start, end)
    there_open = counterpart.open_intervals(start, end) if counterpart else []
    slots: list[SlotCapacity] = []
    at = start
    while at < end:
        nxt = at + SLOT
        here = _clipped_fraction(here_open, at, nxt)
        there = _clipped_fraction(there_open, at, nxt) if counterpart else 1.0
        slots.append(hour_slot(at, nxt, here, there, own_rate, their_rate, inspection_rate, hourly_quota))
        at = nxt
    return slots


def hour_slot(
    at: datetime,
    nxt: datetime,
    here: float,
    there: float,
    own_rate: float,
    their_rate: float,
    inspection_rate: float,
    hourly_quota: int | None,
) -> SlotCapacity:
    """One slot from the parts of it each side is open (``here``, ``there``) and the rates: the published rule.

    A declared ``hourly_quota`` stands for the counterpart's side (its lanes' estimate is not used then)."""
    both = min(here, there)
    candidates = [(own_rate * both, CapacityLimit.OWN_LANES)]
    if hourly_quota is not None:
        candidates.append((float(hourly_quota), CapacityLimit.COUNTERPART_QUOTA))
    else:
        candidates.append((their_rate * both, CapacityLimit.COUNTERPART_LANES))
    value, limit = min(candidates, key=lambda c: c[0])
    if here == 0:
        limit = CapacityLimit.CLOSED_HERE
    elif there == 0:
        limit = CapacityLimit.CLOSED_THERE
    capacity = math.floor(value + 1e-9) if both > 0 else 0
    inspection = min(capacity, math.floor(inspection_rate * both + 1e-9)) if both > 0 else 0
    return SlotCapacity(at, nxt, capacity, inspection, limit)
