"""Standby list — danh sách xe chờ dự phòng / 候补车辆名单: trucks near the gate take the places left unused.

The published rule (as the live queue of GoSwift's e-queue): a place the counterpart accepts is never left unused
for want of a truck. Booking spreads trucks over the day, so a place can find no booked truck waiting for it: its
truck did not come (a no-show), is late, or is still in the desks. Trucks that are ready, near the gate and
cleared, holding a later slot, stand by; when a lane is free, the counterpart's acceptance has room and no truck
whose slot has started is waiting in the yard, the first standby truck is called.

- **Booked trucks first.** A truck whose slot has started and that is waiting is always called before any
  standby truck; standby trucks take only what is left. A booked truck that comes after its place went to a
  standby truck is called first as soon as there is room again.
- **Order on the list:** the earlier booked slot first (the truck whose own place is nearest is moved forward
  the least), then the more perishable (the planner's weights), then the earlier on the list.
- **The list is bounded** (``size``): only that many trucks are asked to come early, so the yard holds no more
  than the gate can take; each truck that crosses from standby frees its own later place, which in turn goes to
  a standby truck when its hour comes and its owner has already crossed.

:func:`standby_room` is the rule for how many may be called now; :class:`StandbyList` keeps the order. The
simulator calls both (``cuakhau.simulation.gatemodel``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from cuakhau.domain.perishability import PROFILES, Perishability

T = TypeVar("T")  # an instant: a datetime, or the simulator's seconds
Item = TypeVar("Item")

RULE_ID = "standby_fills_unused_acceptance"
_WEIGHTS: dict[Perishability, int] = {kind: p.weight for kind, p in PROFILES.items()}


@dataclass(frozen=True, slots=True)
class StandbyRule:
    """How many trucks the gate asks to stand by; 0 turns the list off."""

    size: int = 20

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": RULE_ID,
            "size": self.size,
            "called": "when a lane is free, the acceptance has room and no truck whose slot started is waiting",
            "order": ["booked slot (earliest first)", "perishability weight (highest first)", "on the list since"],
        }


def standby_room(free_lanes: int, due_waiting: int, *limits: int | None) -> int:
    """How many standby trucks may be called now.

    ``free_lanes`` lanes are free; ``due_waiting`` trucks whose slot has started are waiting in the yard (they
    go first); ``limits`` are the places left under each of the counterpart's quotas (``None``: no such quota).
    """
    room = free_lanes - due_waiting
    for left in limits:
        if left is not None:
            room = min(room, left - due_waiting)
    return max(0, room)


class StandbyList(Generic[T, Item]):
    """The standby trucks in the published order: earliest booked slot, most perishable, earliest listed."""

    __slots__ = ("_heap", "_seq", "far")

    def __init__(self, far: T) -> None:
        self.far = far  # stands in for "no booked slot" (later than every slot)
        self._heap: list[tuple[T, int, int, Item]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Item]:
        return (entry[3] for entry in self._heap)

    def push(self, perishability: Perishability, slot_start: T | None, item: Item) -> None:
        self._seq += 1
        slot = self.far if slot_start is None else slot_start
        heapq.heappush(self._heap, (slot, -_WEIGHTS[perishability], self._seq, item))

    def pop(self) -> Item:
        """The next truck to call (the list must not be empty)."""
        return heapq.heappop(self._heap)[3]
