"""What remains of a gate day: the one reading every view of remaining capacity shows.

The slots API, the exporter portal, the day plan and the public wait board all call :func:`day_remaining`, and
each figure in it is the domain's :func:`~cuakhau.domain.booking.room` — the rule booking itself applies when it
chooses a slot — over the same inputs booking reads: the slot's stored counters (or, for a day nobody booked yet,
the capacity booking would store: ``domain.capacity.slot_capacities``) and what remains of the counterpart's
daily quota for that local day. So a view shows 0 exactly when a booking of that hour would be refused, and
names the limit that binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cuakhau.domain.booking import Room, room
from cuakhau.domain.capacity import day_bounds, slot_capacities
from cuakhau.domain.gate import Direction, Gate
from cuakhau.services.ports import SlotRow, UnitOfWork


@dataclass(frozen=True, slots=True)
class SlotLeft:
    """One hourly slot as booking sees it: its counters, and what remains for each kind of truck."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    inspection_capacity: int
    booked_inspection: int
    #: Which limit sets the hour's capacity (own lanes, the counterpart's lanes or hourly quota, a closed side).
    capacity_limit: str
    #: Places a truck whose goods need no inspection can still book, and the limit binding when there are none.
    plain: Room
    #: The same for a truck whose goods need inspection (plant quarantine): also bounded by the inspection places.
    inspected: Room

    @property
    def remaining(self) -> int:
        return self.plain.places

    @property
    def remaining_inspection(self) -> int:
        return self.inspected.places

    def for_truck(self, needs_inspection: bool) -> Room:
        return self.inspected if needs_inspection else self.plain


def day_remaining(uow: UnitOfWork, gate: Gate, direction: Direction, day: date, now: datetime) -> list[SlotLeft]:
    """Inside an open unit of work (read only is enough): the gate's local ``day``, hour by hour, with what
    remains as booking would find it at ``now``. Writes nothing: hours without a stored slot are computed."""
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    hourly = uow.quotas.latest_hourly(gate.id, direction, day.isoformat())
    planned = slot_capacities(gate, counterpart, direction, day, hourly_quota=hourly)
    stored = {s.starts_at: s for s in uow.slots.between(gate.id, direction, *day_bounds(gate, day))}
    quota = uow.quotas.get(gate.id, direction, day.isoformat())
    quota_left = None if quota is None else max(0, quota[0] - quota[1])
    out = []
    for p in planned:
        row = stored.get(p.starts_at) or SlotRow(p.starts_at, p.ends_at, p.capacity, p.inspection_capacity, 0, 0)
        out.append(
            SlotLeft(
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                capacity=row.capacity,
                booked=row.booked,
                inspection_capacity=row.inspection_capacity,
                booked_inspection=row.booked_inspection,
                capacity_limit=p.limit.value,
                plain=room(row, needs_inspection=False, now=now, quota_left=quota_left),
                inspected=room(row, needs_inspection=True, now=now, quota_left=quota_left),
            )
        )
    return out
