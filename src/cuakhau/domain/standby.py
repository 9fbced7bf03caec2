"""Standby list — danh sách xe chờ dự phòng / 候补车辆名单: trucks near the gate take the places left unused.

The published rule (as the live queue of GoSwift's e-queue): a place the counterpart accepts is never left unused
for want of a truck, and a booked truck is never pushed out of its own place by one standing by.

- **Booked trucks come within their dispatch window** (:func:`arrival_lead`): the e-queue lets a truck leave its
  origin from ``early_departure_tolerance`` before it must leave (:func:`cuakhau.domain.booking.dispatch_problems`),
  so one that leaves as soon as it may reaches the gate that long before its slot and passes the desks first. It
  waits in the yard until its slot starts; then it is called by the production call-forward rule.
- **A place is held for its booked truck** until the truck is waiting for its lane, or until ``grace`` after its
  slot starts (the call-forward timeout: the gate cannot tell a late truck from one that will not come); then the
  place is free. A booked truck whose slot has started is always called before any standby truck, also when it
  comes after its place went to one.
- **Who stands by:** trucks on the waiting list (no slot), asked to come near the gate, at most ``size`` at once;
  they are called, the most perishable first, then the earliest listed, only for places no booked truck holds
  (:func:`standby_room`). A truck with a slot is never asked to leave its origin early: a standby truck with a
  place of its own would free that place in turn, and each no-show would start a chain of early trucks.

:func:`standby_room` is the rule for how many may be called now; :class:`StandbyList` keeps the order. The
simulator calls both (``cuakhau.simulation.dispatch``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from cuakhau.domain.booking import DEFAULT_RULES, BookingRules
from cuakhau.domain.callforward import DEFAULT_CALL_RULE
from cuakhau.domain.perishability import PROFILES, Perishability

T = TypeVar("T")  # an instant: a datetime, or the simulator's seconds
Item = TypeVar("Item")

RULE_ID = "standby_fills_unused_acceptance"
_WEIGHTS: dict[Perishability, int] = {kind: p.weight for kind, p in PROFILES.items()}


@dataclass(frozen=True, slots=True)
class StandbyRule:
    """How many trucks the gate asks to stand by; 0 turns the list off."""

    size: int = 20
    #: How long after its slot starts a place waits for its booked truck (the call-forward timeout).
    grace: timedelta = DEFAULT_CALL_RULE.call_timeout

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": RULE_ID,
            "size": self.size,
            "booked_arrive_before_slot_minutes": arrival_lead() / timedelta(minutes=1),
            "place_held_after_slot_start_minutes": self.grace / timedelta(minutes=1),
            "called": "when a lane is free, the acceptance has room, no truck whose slot started is waiting and "
            "no booked truck holds the place",
            "who": "trucks on the waiting list (no slot)",
            "order": ["perishability weight (highest first)", "on the list since"],
        }


def arrival_lead(rules: BookingRules = DEFAULT_RULES) -> timedelta:
    """How long before its slot a booked truck reaches the gate when it leaves as soon as dispatch lets it.

    :func:`~cuakhau.domain.booking.dispatch_problems` refuses a departure before ``must_leave_by() -
    early_departure_tolerance``, and ``must_leave_by()`` is the slot start less the travel time: leaving at the
    earliest, the truck is at the gate ``early_departure_tolerance`` before its slot (a test checks it against
    ``dispatch_problems``)."""
    return rules.early_departure_tolerance


def standby_room(free_lanes: int, due_waiting: int, *limits: int | None, held: int = 0) -> int:
    """How many standby trucks may be called now.

    ``free_lanes`` lanes are free; ``due_waiting`` trucks whose slot has started are waiting in the yard (they
    go first); ``limits`` are the places left this hour under each quota and the slot's capacity (``None``: no
    such limit); ``held`` places of the current slot are still held for booked trucks not yet waiting for a lane.
    """
    room = free_lanes - due_waiting
    for left in limits:
        if left is not None:
            room = min(room, left - due_waiting - held)
    return max(0, room)


class StandbyList(Generic[T, Item]):
    """The standby trucks in order: earliest booked slot (none: last), most perishable, earliest listed."""

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


# --- the e-queue's standby list (the product; added for issue 21.11) ------------------------------------------
#
# In the product an exporter puts a trip that is on the waiting list, or booked for a later slot, on the standby
# list of its gate and day, saying how soon its truck can be at the gate (0: it is there). When a place is freed —
# a booking cancelled, or a booked truck not at the gate ``grace`` into its slot (late, or a no-show) — the next
# standby truck in the published order that can reach the gate before the slot ends is moved into it.

#: Why a place was freed (the booking change's ``cause``): a cancellation, a no-show, or a booked truck not at
#: the gate ``StandbyRule.grace`` into its slot (the gate cannot yet tell a late truck from one that will not come).
CAUSES = ("cancelled", "no_show", "late")
#: The booking change's rule and reason for a standby truck moved into a freed place.
STANDBY_RULE = "standby"
STANDBY_REASON = "standby_place_freed"
#: How far ahead a standby truck may say it can be at the gate.
MAX_REACH = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Standby:
    """A trip on the standby list of a gate day."""

    trip_id: str
    perishability: Perishability
    #: The slot its booking holds now (None: on the waiting list).
    slot_start: datetime | None
    #: When it joined the list (ties).
    joined_at: datetime
    #: How long the truck needs to be at the gate (zero: it is in the yard).
    reach: timedelta
    needs_inspection: bool = False

    @property
    def sort_key(self) -> tuple[datetime, int, datetime, str]:
        slot = self.slot_start or datetime.max.replace(tzinfo=self.joined_at.tzinfo)
        return (slot, -_WEIGHTS[self.perishability], self.joined_at, self.trip_id)

    def can_take(self, slot_start: datetime, slot_end: datetime, now: datetime) -> bool:
        """A freed place in [slot_start, slot_end) is for this truck if it is earlier than its own and the truck
        can be at the gate before the slot ends."""
        earlier = self.slot_start is None or self.slot_start > slot_start
        return earlier and now + self.reach < slot_end


def standby_order(entries: Iterable[Standby]) -> list[Standby]:
    """The published order: earliest booked slot (none: last), then most perishable, then the earliest joined."""
    return sorted(entries, key=lambda s: s.sort_key)


def offer_order(
    entries: Iterable[Standby], slot_start: datetime, slot_end: datetime, now: datetime
) -> tuple[list[Standby], list[Standby]]:
    """Whom a place freed in [slot_start, slot_end) is offered to, in order, and the trucks skipped because
    they cannot reach the gate before the slot ends (those whose own slot is not later are not asked at all)."""
    eligible: list[Standby] = []
    too_far: list[Standby] = []
    for entry in standby_order(entries):
        if entry.slot_start is not None and entry.slot_start <= slot_start:
            continue
        (eligible if entry.can_take(slot_start, slot_end, now) else too_far).append(entry)
    return eligible, too_far
