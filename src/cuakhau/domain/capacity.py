"""Capacity per gate, direction and hour — what both sides can really take, with the binding reason.

A slot at a gate is usable only while *both* sides are open (each on its own clock, with its own closures),
and a truck is only as fast as the slower side: the slot capacity is the smaller of this gate's lanes and the
counterpart's lanes for the same flow, scaled by the part of the hour both are open, and capped by the
counterpart's declared acceptance (an hourly quota; a daily quota is a separate counter). Trucks whose goods
need inspection (plant quarantine) also need a place in the inspection bays.

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


FREIGHT_LANES = frozenset({LaneKind.CARGO, LaneKind.PERISHABLE})


def lane_rate(gate: Gate, direction: Direction) -> float:
    """Laden trucks per hour the gate's freight lanes for ``direction`` serve when open (empty lanes excluded)."""
    return sum(60.0 / ln.service_minutes for ln in gate.lanes_for(direction) if ln.kind in FREIGHT_LANES)


def _open_fraction(gate: Gate, start: datetime, end: datetime) -> float:
    seconds = sum((b - a).total_seconds() for a, b in gate.open_intervals(start, end))
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
    slots: list[SlotCapacity] = []
    at = start
    while at < end:
        nxt = at + SLOT
        here = _open_fraction(gate, at, nxt)
        there = _open_fraction(counterpart, at, nxt) if counterpart else 1.0
        both = min(here, there)
        candidates = [
            (own_rate * both, CapacityLimit.OWN_LANES),
            (their_rate * both, CapacityLimit.COUNTERPART_LANES),
        ]
        if hourly_quota is not None:
            candidates.append((float(hourly_quota), CapacityLimit.COUNTERPART_QUOTA))
        value, limit = min(candidates, key=lambda c: c[0])
        if here == 0:
            limit = CapacityLimit.CLOSED_HERE
        elif there == 0:
            limit = CapacityLimit.CLOSED_THERE
        capacity = math.floor(value + 1e-9) if both > 0 else 0
        inspection = min(capacity, math.floor(inspection_rate * both + 1e-9)) if both > 0 else 0
        slots.append(SlotCapacity(at, nxt, capacity, inspection, limit))
        at = nxt
    return slots
