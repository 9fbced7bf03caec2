"""Dispatch gating, arrival, no-shows, and the places late trucks lend to the standby list."""

from __future__ import annotations

from datetime import datetime, timedelta

from cuakhau.domain.booking import DEFAULT_RULES, BookingRules, BookingStatus, dispatch_problems
from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import DispatchRefused, require
from cuakhau.domain.standby import StandbyRule
from cuakhau.domain.trip import Trip, TripAction, TripState
from cuakhau.services.equeue.changes import close_booking, pass_on
from cuakhau.services.equeue.common import SYSTEM, _save_trip
from cuakhau.services.equeue.standby import DEFAULT_STANDBY
from cuakhau.services.ports import UnitOfWork


def mark_no_shows(uow: UnitOfWork, *, clock: Clock, rules: BookingRules = DEFAULT_RULES) -> int:
    """Trucks that did not arrive by the end of their slot plus the grace period are no-shows (published rule)."""
    now = clock.now()
    count = 0
    with uow:
        for b in uow.bookings.overdue(now - SLOT - rules.no_show_grace):
            trip = uow.trips.get(b.trip_id)
            if trip is None or trip.state not in {TripState.BOOKED, TripState.DISPATCHED}:
                continue
            grace = int(rules.no_show_grace / timedelta(minutes=1))
            _save_trip(uow, trip, TripAction.NO_SHOW, SYSTEM, clock, f"Missed the slot plus {grace} min grace")
            close_booking(uow, clock, trip, BookingStatus.NO_SHOW, SYSTEM)
            count += 1
        if count:  # a round that changed nothing writes nothing (several processes would roll each other back)
            uow.commit()
    return count


def offer_late_places(uow: UnitOfWork, *, clock: Clock, rule: StandbyRule = DEFAULT_STANDBY) -> int:
    """A booked truck not at the gate ``rule.grace`` into its slot (late, or a no-show to come) lends its place to
    the standby list (:mod:`.standby`): how many places were given. One transaction per place, each locking the
    late booking before the standby truck (the order a cancellation takes), so none waits on another."""
    now = clock.now()
    with uow:
        late = uow.standby.late(now - rule.grace, now - SLOT)
    given = 0
    for b in late:
        with uow:
            gate = require(uow.gates.get(b.gate_id), "gate", b.gate_id)
            assert b.slot_start is not None
            if pass_on(uow, clock, gate, b, b.slot_start, "late", released=False):
                uow.commit()
                given += 1
    return given


def check_dispatch(uow: UnitOfWork, trip: Trip, now: datetime, rules: BookingRules = DEFAULT_RULES) -> None:
    """Inside an open unit of work: refuse a dispatch that breaks the gating rule, listing every reason."""
    shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
    booking = uow.bookings.latest_for_trip(trip.id)
    gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
    problems = dispatch_problems(
        booking, shipment, now=now, rules=rules, registered=uow.registry.is_active, tz=gate.timezone
    )
    if problems:
        raise DispatchRefused([{"code": p.code, "field": p.field, **dict(p.params)} for p in problems])


def on_arrival(uow: UnitOfWork, trip: Trip, now: datetime, rules: BookingRules = DEFAULT_RULES) -> None:
    """Inside an open unit of work: an arriving truck uses its booking — unless it is past slot + grace."""
    booking = uow.bookings.latest_for_trip(trip.id)
    if booking is None or booking.status is not BookingStatus.ACTIVE or booking.slot_end is None:
        return
    gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
    booking.use(at=now, rules=rules, tz=gate.timezone)  # a refusal names the slot in the gate's local time
    uow.bookings.save(booking)
    uow.bookings.add_change(booking, at=now, from_slot=booking.slot_start, actor_id=SYSTEM.id)
