"""What an exporter needs to know next about a trip: the waiting-list position and the slot to expect, what a
change of window would cost, whether the truck may leave now, the next step of each trip, and the inbox.

Every figure is read from what booking itself reads (``equeue.remaining.day_remaining``: the domain's ``room``;
the waiting list's order: ``domain.booking.priority``; the gating rule: ``domain.booking.dispatch_problems``),
so the portal never promises what booking would refuse. Nothing here writes.

These reads do not check who asks: the pages reach them after :mod:`cuakhau.services.authorized` has checked
the trip's scope (or, for the inbox, through ``authorized.inbox``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cuakhau.domain.booking import (
    DEFAULT_RULES,
    Booking,
    BookingRules,
    BookingStatus,
    DispatchProblem,
    check_window,
    dispatch_problems,
    priority,
)
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.trip import TERMINAL_STATES, Trip, TripState
from cuakhau.services.equeue.common import local_days
from cuakhau.services.equeue.remaining import SlotLeft, day_remaining
from cuakhau.services.ports import TripSummary, UnitOfWork
from cuakhau.services.ports.outbox import SentNotification

#: Messages that carry a one-time link for one person: never listed in an enterprise's inbox.
PRIVATE_KINDS = frozenset(
    k.value for k in (NotificationKind.ACCOUNT_INVITED, NotificationKind.PASSWORD_RESET, NotificationKind.JOIN_APPROVED)
)
#: Trip states in which the truck is at the gate or beyond: its next step is the gate's, not the exporter's.
ON_THE_ROAD = frozenset({TripState.DISPATCHED})


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where a waiting booking stands: its place in the waiting list of its window (1: next to be offered a
    place), and the slot it can expect once those before it have taken theirs — ``None`` when no place
    remains in its window, so that it gets one only if a booked truck cancels, moves or misses its slot."""

    position: int
    expected_slot: datetime | None

    @property
    def certainty(self) -> Literal["likely", "uncertain"]:
        return "likely" if self.expected_slot is not None else "uncertain"


@dataclass(frozen=True, slots=True)
class ReschedulePreview:
    """What moving a booking to a new window would do: the slot it holds now (given up), the slot it would
    take at once (``None``: none free, it joins the waiting list), and its outlook on that list."""

    held: datetime | None
    new_slot: datetime | None
    outlook: Outlook | None

    @property
    def loses_slot(self) -> bool:
        return self.held is not None and self.new_slot is None


@dataclass(frozen=True, slots=True)
class NextStep:
    """A trip's next step in words' terms: ``kind`` names it (``book``, ``waiting``, ``dispatch``, ``arrive``,
    ``at_gate``, ``done``), with the time it is due and the slot it is for."""

    kind: str
    gate: Gate
    at: datetime | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    position: int | None = None


@dataclass(frozen=True, slots=True)
class InboxItem:
    sent: SentNotification
    gate: Gate | None
    plate: str | None


def _slots(uow: UnitOfWork, gate: Gate, booking: Booking, now: datetime) -> list[SlotLeft]:
    start, end = booking.window_start(now), booking.latest
    out: list[SlotLeft] = []
    for day in local_days(gate, start, end):
        out.extend(s for s in day_remaining(uow, gate, booking.direction, day, now) if start <= s.starts_at < end)
    return out


class _Places:
    """What remains per slot for each kind of truck, taken one truck at a time as the list would take it."""

    def __init__(self, slots: list[SlotLeft], give_back: datetime | None, needs_inspection: bool) -> None:
        self.plain = {s.starts_at: s.plain.places for s in slots}
        self.inspected = {s.starts_at: s.inspected.places for s in slots}
        if give_back in self.plain and not any(s.starts_at == give_back and s.capacity <= 0 for s in slots):
            assert give_back is not None
            self.plain[give_back] += 1  # its own place, released before it is placed again
            if needs_inspection:
                self.inspected[give_back] += 1
            else:
                self.inspected[give_back] = min(self.inspected[give_back], self.plain[give_back])

    def take(self, b: Booking, now: datetime) -> datetime | None:
        start = b.window_start(now)
        places = self.inspected if b.needs_inspection else self.plain
        for at in sorted(places):
            if start <= at < b.latest and places[at] > 0:
                self.plain[at] -= 1
                self.inspected[at] = min(self.inspected[at] - (1 if b.needs_inspection else 0), self.plain[at])
                return at
        return None


def _outlook(uow: UnitOfWork, gate: Gate, booking: Booking, now: datetime, give_back: datetime | None) -> Outlook:
    start = booking.window_start(now)
    others = uow.bookings.open_for_window(gate.id, booking.direction, start, booking.latest)
    ahead = sorted(
        (
            b
            for b in others
            if b.status is BookingStatus.WAITING and b.id != booking.id and priority(b) < priority(booking)
        ),
        key=priority,
    )
    places = _Places(_slots(uow, gate, booking, now), give_back, booking.needs_inspection)
    for b in ahead:
        places.take(b, now)
    return Outlook(position=len(ahead) + 1, expected_slot=places.take(booking, now))


def waiting_outlook(uow: UnitOfWork, *, clock: Clock, booking: Booking) -> Outlook | None:
    """A waiting booking's place on the list and the slot to expect (None for a booking that is not waiting)."""
    if booking.status is not BookingStatus.WAITING:
        return None
    with uow:
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
        return _outlook(uow, gate, booking, clock.now(), None)


def preview_reschedule(
    uow: UnitOfWork, *, clock: Clock, booking: Booking, earliest: datetime, latest: datetime
) -> ReschedulePreview:
    """What ``reschedule_booking`` would do with this window now: the first slot with room in it (the booking's
    own place counted as given back first, as the change does), else the waiting list and its outlook there."""
    now = clock.now()
    booking.check_reschedule(DEFAULT_RULES)  # a change refused anyway is refused before any warning
    earliest, latest = check_window(earliest, latest, now, DEFAULT_RULES)
    moved = dataclasses.replace(booking, earliest=earliest, latest=latest, status=BookingStatus.WAITING)
    held = booking.held_slot
    with uow:
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
        places = _Places(_slots(uow, gate, moved, now), held, booking.needs_inspection)
        new_slot = places.take(moved, now)
        outlook = None if new_slot is not None else _outlook(uow, gate, moved, now, held)
    return ReschedulePreview(held=held, new_slot=new_slot, outlook=outlook)


def dispatch_check(
    uow: UnitOfWork, *, clock: Clock, trip_id: str, rules: BookingRules = DEFAULT_RULES
) -> list[DispatchProblem]:
    """Every reason the truck may not leave now (the gating rule dispatch applies); empty when it may."""
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
        booking = uow.bookings.latest_for_trip(trip.id)
        return dispatch_problems(
            booking, shipment, now=clock.now(), rules=rules, registered=uow.registry.is_active, tz=gate.timezone
        )


def next_step(trip: Trip, gate: Gate, booking: Booking | None, outlook: Outlook | None) -> NextStep:
    """The one thing to do or wait for next, from the trip's state and its booking."""
    open_booking = booking if booking is not None and booking.is_open else None
    if trip.state in (TripState.DECLARED, TripState.BOOKED):
        if open_booking is None:
            return NextStep("book", gate)
        if open_booking.status is BookingStatus.WAITING:
            return NextStep(
                "waiting",
                gate,
                slot_start=outlook.expected_slot if outlook else None,
                position=outlook.position if outlook else None,
            )
        return NextStep(
            "dispatch",
            gate,
            at=open_booking.must_leave_by(),
            slot_start=open_booking.slot_start,
            slot_end=open_booking.slot_end,
        )
    if trip.state in ON_THE_ROAD and booking is not None and booking.slot_start is not None:
        return NextStep("arrive", gate, slot_start=booking.slot_start, slot_end=booking.slot_end)
    if trip.state in TERMINAL_STATES:
        return NextStep("done", gate)
    return NextStep("at_gate", gate)


def next_steps(uow: UnitOfWork, *, clock: Clock, trips: list[TripSummary]) -> dict[str, NextStep]:
    """The next step of each listed trip (its booking read once per trip; the waiting ones with their place)."""
    now = clock.now()
    out: dict[str, NextStep] = {}
    with uow:
        gates: dict[str, Gate] = {}
        for s in trips:
            gate = gates.get(s.trip.gate_id) or require(uow.gates.get(s.trip.gate_id), "gate", s.trip.gate_id)
            gates[gate.id] = gate
            booking = uow.bookings.latest_for_trip(s.trip.id)
            outlook = (
                _outlook(uow, gate, booking, now, None)
                if booking is not None and booking.status is BookingStatus.WAITING
                else None
            )
            out[s.trip.id] = next_step(s.trip, gate, booking, outlook)
    return out


def inbox(uow: UnitOfWork, *, enterprise_id: str, limit: int, offset: int) -> tuple[list[InboxItem], int]:
    """The messages sent to an enterprise about its trips, newest first, with each trip's gate and plate
    (messages carrying one person's link are left out: ``PRIVATE_KINDS``)."""
    with uow:
        sent, total = uow.outbox.for_enterprise(enterprise_id, limit=limit, offset=offset, exclude_kinds=PRIVATE_KINDS)
        gates: dict[str, Gate | None] = {}
        plates: dict[str, str | None] = {}
        items = []
        for s in sent:
            n = s.notification
            gate_id = str(n.payload.get("gate_id") or "")
            trip: Trip | None = None
            if n.trip_id and n.trip_id not in plates:
                trip = uow.trips.get(n.trip_id)
                vehicle = uow.vehicles.get(trip.vehicle_id) if trip else None
                plates[n.trip_id] = vehicle.plate.text if vehicle else None
                gate_id = gate_id or (trip.gate_id if trip else "")
            if gate_id and gate_id not in gates:
                gates[gate_id] = uow.gates.get(gate_id)
            items.append(InboxItem(s, gates.get(gate_id), plates.get(n.trip_id) if n.trip_id else None))
    return items, total


__all__ = [
    "InboxItem",
    "NextStep",
    "Outlook",
    "ReschedulePreview",
    "dispatch_check",
    "inbox",
    "next_step",
    "next_steps",
    "preview_reschedule",
    "waiting_outlook",
]
