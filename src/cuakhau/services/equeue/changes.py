"""Changes to a booking: cancel, reschedule, close (cancelled or no-show); a freed place goes to the standby list,
then the waiting list."""

from __future__ import annotations

from datetime import datetime

from cuakhau.domain.booking import (
    DEFAULT_RULES,
    MOVABLE_TRIP_STATES,
    Booking,
    BookingAction,
    BookingRules,
    BookingStatus,
    floor_hour,
    free_slots,
    waiting_for,
)
from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.trip import Actor, Trip, TripAction, TripState
from cuakhau.services.equeue.common import (
    SYSTEM,
    Count,
    MaySee,
    _caller_in,
    _notify,
    _release,
    _save_trip,
    ensure_slots,
    local_days,
)
from cuakhau.services.equeue.standby import offer_freed_place
from cuakhau.services.ports import Take, UnitOfWork


def _take_first_free(uow: UnitOfWork, gate: Gate, booking: Booking, now: datetime) -> bool:
    """FCFS: the earliest slot in the window with room here, there, in inspection and under the day quota."""
    start = booking.window_start(now)
    for slot in free_slots(uow.slots.between(gate.id, booking.direction, start, booking.latest), booking, now):
        day = gate.local(slot.starts_at).date().isoformat()
        if (
            uow.slots.take_place(gate.id, booking.direction, slot.starts_at, day, inspection=booking.needs_inspection)
            is not Take.TAKEN
        ):
            continue  # somebody took the last place since we looked
        booking.place(slot.starts_at, at=now, params={"slot_start": gate.local(slot.starts_at).isoformat()})
        return True
    booking.wait_list(at=now)
    return False


def cancel_booking(
    uow: UnitOfWork,
    *,
    clock: Clock,
    trip_id: str,
    actor: Actor,
    reason: str,
    rules: BookingRules = DEFAULT_RULES,
    may_see: MaySee | None = None,
    count: Count | None = None,
) -> Booking:
    """Cancel the trip's booking (and so the trip): the place goes to the waiting list. ``may_see`` and
    ``count``: the caller, checked first (``check_caller``)."""
    with uow:
        _caller_in(uow, trip_id, may_see, count)
        booking = require(uow.bookings.latest_for_trip(trip_id), "booking", trip_id)
        booking.check(BookingAction.CANCEL)
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        _save_trip(uow, trip, TripAction.CANCEL, actor, clock, reason)
        close_booking(uow, clock, trip, BookingStatus.CANCELLED, actor)
        uow.commit()
    return booking


def close_booking(uow: UnitOfWork, clock: Clock, trip: Trip, status: BookingStatus, actor: Actor) -> None:
    """Inside an open unit of work: end the trip's open booking (cancelled or no-show) and pass its place on."""
    booking = uow.bookings.latest_for_trip(trip.id)
    if booking is None or not booking.is_open:
        return
    now = clock.now()
    gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
    freed = booking.close(status, by=actor.role.value, at=now)
    uow.bookings.save(booking)  # first: a lend of this place in progress (offer_freed_place) is waited for
    # A late truck's place lent to a standby truck stays with it: nothing to give back or pass on.
    lent = freed is not None and uow.standby.offered(booking.id)
    if status is BookingStatus.CANCELLED and not lent:
        _release(uow, gate, booking, freed)
    uow.bookings.add_change(booking, at=now, from_slot=freed, actor_id=actor.id)
    kind = NotificationKind.BOOKING_CANCELLED if status is BookingStatus.CANCELLED else NotificationKind.NO_SHOW
    _notify(uow, clock, kind, booking, gate)
    if freed is None or lent or freed < floor_hour(now):
        return
    cause = "cancelled" if status is BookingStatus.CANCELLED else "no_show"
    pass_on(uow, clock, gate, booking, freed, cause, released=status is BookingStatus.CANCELLED)


def pass_on(
    uow: UnitOfWork, clock: Clock, gate: Gate, freed: Booking, slot_start: datetime, cause: str, *, released: bool
) -> bool:
    """Inside an open unit of work: a place ``freed`` left in ``slot_start`` goes to the standby list first (a
    truck near the gate), else — when the place was given back — to the waiting list; a standby truck that left
    a later slot passes that place to the waiting list. True when a standby truck took it."""
    now = clock.now()
    given = offer_freed_place(uow, clock, gate, freed, slot_start, cause, released=released)
    if given is None:
        if released:
            _promote_waiting(uow, clock, gate, freed.direction, slot_start, now)
        return False
    _, given_up = given
    if given_up is not None and given_up >= floor_hour(now):
        _promote_waiting(uow, clock, gate, freed.direction, given_up, now)
    return True


def _promote_waiting(
    uow: UnitOfWork, clock: Clock, gate: Gate, direction: Direction, slot_start: datetime, now: datetime
) -> None:
    """Offer a freed place to the waiting list: most perishable first, then first come."""
    candidates = uow.bookings.open_for_window(gate.id, direction, slot_start, slot_start + SLOT)
    for candidate in waiting_for(candidates, slot_start):
        trip = uow.trips.get(candidate.trip_id)
        if trip is None or trip.state not in MOVABLE_TRIP_STATES:
            continue
        day = gate.local(slot_start).date().isoformat()
        taken = uow.slots.take_place(gate.id, direction, slot_start, day, inspection=candidate.needs_inspection)
        if taken is Take.SLOT_FULL:
            continue
        if taken is Take.QUOTA_FULL:
            return
        candidate.promote(slot_start, at=now)
        uow.bookings.save(candidate)
        uow.bookings.add_change(candidate, at=now, from_slot=None, actor_id=SYSTEM.id)
        if trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, SYSTEM, clock, None)
        _notify(uow, clock, NotificationKind.PROMOTED, candidate, gate)
        return


def reschedule_booking(
    uow: UnitOfWork,
    *,
    clock: Clock,
    trip_id: str,
    earliest: datetime,
    latest: datetime,
    actor: Actor,
    rules: BookingRules = DEFAULT_RULES,
    may_see: MaySee | None = None,
    count: Count | None = None,
) -> Booking:
    """Move a booking to a new window (limited edits; not once the truck is on the road). ``may_see`` and
    ``count``: the caller, checked first (``check_caller``)."""
    now = clock.now()
    with uow:
        _caller_in(uow, trip_id, may_see, count)
        booking = require(uow.bookings.latest_for_trip(trip_id), "booking", trip_id)
        booking.check_reschedule(rules)
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        old_slot = booking.slot_start
        freed = booking.reschedule(earliest, latest, trip_state=trip.state, now=now, rules=rules)
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
        _release(uow, gate, booking, freed)
        ensure_slots(uow, gate, booking.direction, local_days(gate, booking.window_start(now), booking.latest))
        placed = _take_first_free(uow, gate, booking, now)
        uow.bookings.save(booking)
        uow.bookings.add_change(booking, at=now, from_slot=old_slot, actor_id=actor.id)
        if placed and trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
        _notify(uow, clock, NotificationKind.SLOT_CHANGED if placed else NotificationKind.WAITLISTED, booking, gate)
        if freed is not None and freed != booking.slot_start:
            _promote_waiting(uow, clock, gate, booking.direction, freed, now)
        uow.commit()
    return booking
