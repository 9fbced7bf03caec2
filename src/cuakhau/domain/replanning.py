"""Re-planning a gate day, the pure part: which bookings may move, the planner's problem, and what each gets.

The service reads the day (its slots, its open bookings and their trips' states), asks a published policy
(:mod:`cuakhau.domain.allocation`) for a plan, reads the counterpart's daily acceptance, and writes what is
decided here. The decisions, each with its rule and reason:

* a booking **may move** if its trip has not left its origin and it holds no place in an hour already begun
  (nor one on another day: that day's plan owns it); everything else the counters hold is **fixed**;
* each movable booking may use the slots of its window (``window_indexes``: the same chooser first come, first
  served uses); the planner places it there or leaves it out; a booking holding a place tells the planner so
  (``Request.held``), and the published rule keeps it there unless placing more weight or keeping trucks within
  the waiting limit needs the place: a re-plan moves as few trucks as it must;
* the counterpart's daily acceptance bounds the day as a whole: the most urgent placed bookings
  (``priority``; at equal perishability those the plan keeps where they are, then first come) keep their places
  within it, the rest go to the waiting list (``counterpart_daily_quota``);
* a booking **keeps** its place if the plan gives it the slot it holds, else it **moves** (``place``) or goes to
  the **waiting list** (``wait_list``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cuakhau.domain.allocation import Plan, Problem, Request
from cuakhau.domain.booking import (
    MOVABLE_TRIP_STATES,
    Booking,
    BookingStatus,
    floor_hour,
    priority,
    window_indexes,
)
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import TripState


class SlotCounts(Protocol):
    """What a re-plan reads of a slot (the database's ``SlotRow``)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def capacity(self) -> int: ...
    @property
    def inspection_capacity(self) -> int: ...
    @property
    def booked(self) -> int: ...
    @property
    def booked_inspection(self) -> int: ...
    @property
    def remaining(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Target:
    """What the plan gives one movable booking: a slot (None: the waiting list), with its rule and reason."""

    booking: Booking
    slot_start: datetime | None
    rule: str
    reason: str
    params: Mapping[str, Any]

    @property
    def changed(self) -> bool:
        """Whether the booking's place changes hands (it keeps the slot it holds otherwise)."""
        return self.slot_start != self.booking.held_slot

    def apply(self, *, at: datetime) -> None:
        """Make the booking's move: to its new slot, or to the waiting list."""
        if self.slot_start is None:
            self.booking.wait_list(at=at, rule=self.rule, reason=self.reason, params=self.params)
        else:
            self.booking.place(self.slot_start, at=at, rule=self.rule, reason=self.reason, params=self.params)


def may_move(booking: Booking, trip_state: TripState, day_slots: set[datetime], now: datetime) -> bool:
    """Whether a day's re-plan may move this open booking: its trip has not left, it holds no place on another
    day, and none in an hour already begun."""
    if booking.status is BookingStatus.ACTIVE and booking.slot_start not in day_slots:
        return False  # holds a slot on another day: that day's plan owns it
    return trip_state in MOVABLE_TRIP_STATES and (booking.slot_start is None or booking.slot_start >= floor_hour(now))


@dataclass(frozen=True, slots=True)
class DayProblem:
    """A gate day ready for a policy: its slots, the bookings that may move, and the planner's problem."""

    slots: Sequence[SlotCounts]
    movable: list[Booking]
    problem: Problem
    #: Places the counters hold for bookings that may not move (on the road, arrived, or in a past hour).
    fixed: int

    @classmethod
    def of(
        cls,
        slots: Sequence[SlotCounts],
        bookings: Sequence[tuple[Booking, TripState]],
        *,
        now: datetime,
        resource: str,
        max_wait: int,
        capacity_override: Mapping[datetime, tuple[int, int]] | None = None,
    ) -> DayProblem:
        """``slots``: the day's, in time order; ``bookings``: the open bookings of the day with their trips'
        states; ``capacity_override``: (capacity, inspection) of slots about to change (a closure)."""
        index = {s.starts_at: i for i, s in enumerate(slots)}
        day_slots = set(index)
        movable = [b for b, state in bookings if may_move(b, state, day_slots, now)]
        # Whatever the counters hold beyond the movable bookings is fixed.
        fixed = [s.booked for s in slots]
        fixed_inspection = [s.booked_inspection for s in slots]
        for b in movable:
            if (held := b.held_slot) is not None:
                fixed[index[held]] -= 1
                fixed_inspection[index[held]] -= int(b.needs_inspection)
        override = capacity_override or {}
        capacities = [override.get(s.starts_at, (s.capacity, s.inspection_capacity)) for s in slots]
        requests = []
        for b in movable:
            window = window_indexes(slots, b, now)
            if window is not None:
                weight = PROFILES[b.perishability].weight
                held = b.held_slot
                place = (resource, index[held]) if held is not None else None
                requests.append(
                    Request(b.id, {resource: window}, weight, b.requested_seq, b.needs_inspection, held=place)
                )
        problem = Problem(
            capacity={resource: [max(0, c[0] - fixed[i]) for i, c in enumerate(capacities)]},
            inspection_capacity={resource: [max(0, c[1] - fixed_inspection[i]) for i, c in enumerate(capacities)]},
            requests=requests,
            max_wait=max_wait,
        )
        return cls(slots, movable, problem, sum(fixed))

    def decide(self, plan: Plan, *, quota_limit: int | None) -> list[Target]:
        """What each movable booking gets under ``plan`` (in the order of ``movable``), the day kept within the
        counterpart's daily acceptance ``quota_limit`` (None: no limit declared)."""
        by_id = {b.id: b for b in self.movable}
        over_quota: set[str] = set()
        if quota_limit is not None:
            kept = {
                a.request_id
                for a in plan.assignments
                if a.slot is not None and self._keeps(by_id[a.request_id], a.slot)
            }

            def urgency(b: Booking) -> tuple[int, bool, int]:
                weight, seq = priority(b)
                return weight, b.id not in kept, seq

            placed = sorted((by_id[a.request_id] for a in plan.assignments if a.slot is not None), key=urgency)
            over_quota = {b.id for b in placed[max(0, quota_limit - self.fixed) :]}
        decided: dict[str, tuple[datetime | None, str, dict[str, Any]]] = {}
        for a in plan.assignments:
            if a.request_id in over_quota:
                decided[a.request_id] = (None, "counterpart_daily_quota", {"quota": quota_limit or 0})
            elif a.slot is not None:
                decided[a.request_id] = (self.slots[a.slot].starts_at, a.reason, dict(a.params))
            else:
                decided[a.request_id] = (None, a.reason, dict(a.params))
        targets = []
        for b in self.movable:
            slot_start, reason, params = decided.get(b.id) or (None, "no_capacity_in_window", {})
            targets.append(Target(b, slot_start, plan.policy, reason, params))
        return targets

    def _keeps(self, booking: Booking, slot: int) -> bool:
        """Whether placing ``booking`` in the day's ``slot`` keeps the place it holds."""
        return booking.held_slot is not None and self.slots[slot].starts_at == booking.held_slot
