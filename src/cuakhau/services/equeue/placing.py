"""Placing one new booking: the checks a request meets once its trip is read, and its first-come place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from cuakhau.domain.booking import OPEN_STATUSES, Booking, BookingRules, BookingStatus, check_window, first_free_slot
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.gate import Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.trip import Actor, Trip, TripAction, TripState, new_id
from cuakhau.services.equeue.common import BOOKING_ROLES, _notify, _save_trip
from cuakhau.services.ports import BookingFacts, Place, SlotRow, UnitOfWork


class _LostRace(Exception):
    """The place seen free was taken by another booking first: the attempt is rolled back and made again."""

    def __init__(self, slot_start: datetime, day: str | None) -> None:
        super().__init__(slot_start)
        self.slot_start, self.day = slot_start, day


@dataclass(slots=True)
class _Attempts:
    """What earlier attempts of one request learnt: slots and local days (quota) found full when taken."""

    full_slots: set[datetime] = dataclasses.field(default_factory=set)
    full_days: set[str] = dataclasses.field(default_factory=set)

    def learn(self, lost: _LostRace) -> None:
        if lost.day is None:
            self.full_slots.add(lost.slot_start)
        else:
            self.full_days.add(lost.day)


def _place_and_record(
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    trip: Trip,
    booking: Booking,
    actor: Actor,
    now: datetime,
    slots: list[SlotRow],
    attempts: _Attempts,
) -> Place | None:
    """FCFS: record the booking in the earliest slot that had room when read, and return the place to take.

    The place is taken *last*, with the commit (``UnitOfWork.commit_taking``): everything the booking writes
    goes first, so the slot and quota rows that every booking of the hour and the day meet on stay locked only
    while the database takes the place and commits. A race lost there rolls the whole attempt back
    (:class:`_LostRace`) and it is made again, knowing that place is gone — cheaper than a savepoint around
    every booking, since races are the exception.
    """

    def day_of(slot: SlotRow) -> str:
        return gate.local(slot.starts_at).date().isoformat()

    def found_full(slot: SlotRow) -> bool:
        return slot.starts_at in attempts.full_slots

    def quota_left(slot: SlotRow) -> int | None:
        # A day whose quota an earlier attempt found used up has none left; otherwise the database's take decides.
        return 0 if attempts.full_days and day_of(slot) in attempts.full_days else None

    slot = first_free_slot(slots, booking, now, ruled_out=found_full, quota_left=quota_left)
    if slot is None:
        return None
    booking.place(slot.starts_at, at=now, params={"slot_start": gate.local(slot.starts_at).isoformat()})
    uow.bookings.add(booking)
    uow.bookings.add_change(booking, at=now, from_slot=None, actor_id=actor.id)
    _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
    _notify(uow, clock, NotificationKind.SLOT_ASSIGNED, booking, gate)
    return Place(gate.id, booking.direction, slot.starts_at, day_of(slot), booking.needs_inspection)


def _check_request(travel_minutes: int, actor: Actor) -> None:
    if not 0 <= travel_minutes <= 7 * 24 * 60:
        raise InvalidInput("booking.travel_minutes", field="travel_minutes", value=travel_minutes)
    if actor.role not in BOOKING_ROLES:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)


def _window(
    earliest: datetime, latest: datetime, now: datetime, rules: BookingRules
) -> tuple[datetime, datetime] | InvalidInput:
    """The checked window, or the error to raise after a replay had its chance (a replay answers what it stored)."""
    try:
        return check_window(earliest, latest, now, rules)
    except InvalidInput as exc:
        return exc


def _admit(facts: BookingFacts, window: tuple[datetime, datetime] | InvalidInput) -> tuple[datetime, datetime]:
    """The rules a request meets once its trip is read and no stored request answers it: its window."""
    if isinstance(window, InvalidInput):
        raise window
    previous = facts.latest_booking_status
    if previous is not None and BookingStatus(previous) in OPEN_STATUSES:
        raise Conflict("booking.exists", field="trip_id", status=previous)
    if facts.trip.state is not TripState.DECLARED:
        raise Conflict("booking.trip_not_declared", field="trip_id", state=facts.trip.state.value)
    return window


def _new_booking(
    facts: BookingFacts, earliest: datetime, latest: datetime, travel_minutes: int, now: datetime, order: int = 0
) -> Booking:
    """``order``: its place among requests of the same instant (a batch), kept in the first-come order."""
    trip = facts.trip
    return Booking(
        id=new_id(),
        trip_id=trip.id,
        vehicle_id=trip.vehicle_id,
        driver_id=trip.driver_id,
        shipment_id=trip.shipment_id,
        enterprise_id=facts.exporter_id,
        gate_id=facts.gate.id,
        direction=trip.direction,
        earliest=earliest,
        latest=latest,
        travel_minutes=travel_minutes,
        perishability=facts.perishability,
        needs_inspection=facts.needs_inspection,
        requested_seq=int(now.timestamp() * 1_000_000) + order,
        created_at=now,
        updated_at=now,
    )
