"""The standby list — danh sách xe chờ dự phòng / 候补名单: trucks near the gate take the places others free.

An exporter puts a trip that is on the waiting list, or booked for a later slot, on the standby list of its gate
and day, saying how soon the truck can be at the gate (a truck already in the yard: at once). When a place is
freed — a booking cancelled, or a booked truck not at the gate ``StandbyRule.grace`` into its slot (late, or a
no-show to come) — the next standby truck in the published order (:func:`cuakhau.domain.standby.offer_order`:
earliest booked slot, then most perishable, then the earliest joined) that can reach the gate before the slot
ends is moved into it, told why, and the offer is kept with its cause. A cancelled booking's place is taken like
any other (the slot's and the quota's counters); a late truck's place is lent: it keeps its booking (a booked
truck whose slot started is still called first if it comes), and the slot's counters do not change.

Exactly once: the standby truck is claimed by one conditional UPDATE, the freed place by a unique key on the
freed booking (``standby_offers``), both inside a savepoint, so two frees never give one truck two places and
one place is never given twice, whichever processes run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cuakhau.domain.booking import Booking, BookingStatus, floor_hour
from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound, require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.standby import MAX_REACH, Standby, StandbyRule, offer_order, standby_order
from cuakhau.domain.trip import Trip, TripAction, TripState, new_id
from cuakhau.i18n import LANGUAGES, render
from cuakhau.services.equeue.common import SYSTEM, Count, MaySee, _caller_in, _notify, _release, _save_trip
from cuakhau.services.ports import StandbyRow, Take, UnitOfWork

#: Trips that may stand by: not yet on the road, on the road, or already in the yard (at once).
STANDBY_TRIP_STATES = frozenset({TripState.DECLARED, TripState.BOOKED, TripState.DISPATCHED, TripState.ARRIVED})
DEFAULT_STANDBY = StandbyRule()


@dataclass(frozen=True, slots=True)
class StandbyPlace:
    """A trip on a gate day's standby list, as officers see it."""

    position: int
    trip_id: str
    perishability: str
    slot_start: datetime | None
    reach_minutes: int
    at_gate: bool
    joined_at: datetime


def reason_sentences(params: dict[str, Any]) -> dict[str, str]:
    """The sentence, in each language, that tells a standby truck why it was moved (from its change's params)."""
    values = {"slot": params.get("slot", ""), "grace": params.get("grace_minutes", "")}
    return {lang: render(f"standby.freed.{params.get('cause', 'cancelled')}", lang, values) for lang in LANGUAGES}


def _slot_label(gate: Gate, slot_start: datetime) -> str:
    local = gate.local(slot_start)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def join_standby(
    uow: UnitOfWork,
    *,
    clock: Clock,
    trip_id: str,
    reach_minutes: int,
    day: date | None = None,
    may_see: MaySee | None = None,
    count: Count | None = None,
) -> StandbyRow:
    """Put the trip on the standby list of its gate's ``day`` (default: today at the gate). The truck can be at
    the gate within ``reach_minutes`` (ignored when it is already in the yard: it is there)."""
    most = int(MAX_REACH / timedelta(minutes=1))
    if not 0 <= reach_minutes <= most:
        raise InvalidInput("standby.reach_out_of_range", field="reach_minutes", min=0, max=most)
    now = clock.now()
    with uow:
        _caller_in(uow, trip_id, may_see, count)
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        booking = uow.bookings.latest_for_trip(trip_id)
        if booking is None or not booking.is_open or trip.state not in STANDBY_TRIP_STATES:
            raise Conflict("standby.not_eligible", field="trip_id")
        started = booking.slot_start is None or booking.slot_start <= floor_hour(now)
        if booking.status is BookingStatus.ACTIVE and started:
            raise Conflict("standby.not_eligible", field="trip_id")
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
        today = gate.local(now).date()
        wanted = day or today
        last = gate.local(booking.slot_start).date() if booking.slot_start else None
        if wanted < today or (last is not None and wanted > last):
            raise InvalidInput("standby.wrong_day", field="date", day=(last or today).isoformat())
        reach = 0 if trip.state is TripState.ARRIVED else reach_minutes
        row = StandbyRow(trip_id, gate.id, booking.direction, wanted.isoformat(), reach, "standing_by", now)
        uow.standby.join(row)
        uow.commit()
    return row


def leave_standby(
    uow: UnitOfWork, *, clock: Clock, trip_id: str, may_see: MaySee | None = None, count: Count | None = None
) -> None:
    """Take the trip off the standby list (its booking stays as it is)."""
    with uow:
        _caller_in(uow, trip_id, may_see, count)
        if not uow.standby.leave(trip_id, clock.now()):
            raise Conflict("standby.not_standing_by", field="trip_id")
        uow.commit()


def standby_list(uow: UnitOfWork, *, gate_id: str, direction: str, day: date) -> tuple[Gate, list[StandbyPlace]]:
    """A gate day's standby list in the order freed places are offered (positions from 1)."""
    try:
        flow = Direction(direction)
    except ValueError:
        raise InvalidInput("enum.invalid", field="direction", value=direction[:40], allowed="export, import") from None
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        entries = _entries(uow, gate_id, flow, day.isoformat())
    ordered = standby_order(e for e, _ in entries)
    trips = {e.trip_id: trip for e, trip in entries}
    return gate, [
        StandbyPlace(
            position=i,
            trip_id=e.trip_id,
            perishability=e.perishability.value,
            slot_start=e.slot_start,
            reach_minutes=int(e.reach / timedelta(minutes=1)),
            at_gate=trips[e.trip_id].state is TripState.ARRIVED,
            joined_at=e.joined_at,
        )
        for i, e in enumerate(ordered, start=1)
    ]


def standby_offers(uow: UnitOfWork, trip_id: str) -> list[dict[str, Any]]:
    """The places this trip was given from the standby list, each with its cause."""
    with uow:
        if uow.trips.get(trip_id) is None:
            raise NotFound("trip", trip_id)
        return uow.standby.offers_for_trip(trip_id)


def _entries(uow: UnitOfWork, gate_id: str, direction: Direction, day: str) -> list[tuple[Standby, Trip]]:
    """The day's standing-by trips whose booking is still open and whose truck has not reached a lane."""
    out: list[tuple[Standby, Trip]] = []
    for row in uow.standby.standing_by(gate_id, direction, day):
        booking, trip = uow.bookings.latest_for_trip(row.trip_id), uow.trips.get(row.trip_id)
        if booking is None or not booking.is_open or trip is None or trip.state not in STANDBY_TRIP_STATES:
            continue
        reach = timedelta(0) if trip.state is TripState.ARRIVED else timedelta(minutes=row.reach_minutes)
        entry = Standby(
            row.trip_id, booking.perishability, booking.held_slot, row.joined_at, reach, booking.needs_inspection
        )
        out.append((entry, trip))
    return out


def offer_freed_place(
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    freed: Booking,
    slot_start: datetime,
    cause: str,
    *,
    released: bool,
    rule: StandbyRule = DEFAULT_STANDBY,
) -> tuple[Booking, datetime | None] | None:
    """Inside an open unit of work: give the place ``freed`` left in ``slot_start`` to the first standby truck
    that can take it. ``released``: the place was given back to the slot's counters (a cancellation) and is taken
    again; otherwise it is lent (the freed booking still counts). Returns the booking moved and the slot whose
    place it gave up (the caller passes that one on), or None when nobody took it."""
    now = clock.now()
    slot_end = slot_start + SLOT
    if slot_end <= now or uow.standby.offered(freed.id):
        return None
    if not released and not uow.standby.lock_active(freed.id):
        return None  # cancelled (or arrived) since it was read: that path passes the place on
    day = gate.local(slot_start).date().isoformat()
    entries = _entries(uow, gate.id, freed.direction, day)
    trips = {e.trip_id: trip for e, trip in entries}
    eligible, too_far = offer_order((e for e, _ in entries), slot_start, slot_end, now)
    for entry in eligible:
        if not released and entry.needs_inspection and not freed.needs_inspection:
            continue  # a lent place has no inspection place to lend
        with uow.savepoint() as sp:
            if not uow.standby.claim(entry.trip_id, now):
                continue  # another process placed it, or it left
            booking = uow.bookings.latest_for_trip(entry.trip_id)
            if booking is None or not booking.is_open:
                sp.rollback()
                continue
            given_up = booking.held_slot
            _release(uow, gate, booking, given_up)
            if released:
                local_day = gate.local(slot_start).date().isoformat()
                taken = uow.slots.take_place(
                    gate.id, freed.direction, slot_start, local_day, inspection=booking.needs_inspection
                )
                if taken is not Take.TAKEN:
                    sp.rollback()
                    continue
            offer = {
                "id": new_id(),
                "freed_booking_id": freed.id,
                "trip_id": entry.trip_id,
                "booking_id": booking.id,
                "gate_id": gate.id,
                "direction": freed.direction.value,
                "slot_start": slot_start,
                "from_slot": given_up,
                "cause": cause,
                "skipped": [e.trip_id for e in too_far],
                "at": now,
            }
            if not uow.standby.record_offer(offer):
                sp.rollback()
                return None  # the place was given by another process
        params: dict[str, Any] = {
            "cause": cause,
            "slot": _slot_label(gate, slot_start),
            "skipped_too_far": len(too_far),
        }
        if cause == "late":
            params["grace_minutes"] = int(rule.grace / timedelta(minutes=1))
        booking.take_freed(slot_start, at=now, params=params)
        uow.bookings.save(booking)
        uow.bookings.add_change(booking, at=now, from_slot=given_up, actor_id=f"cuakhau:standby:{cause}")
        trip = trips[entry.trip_id]
        if trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, SYSTEM, clock, None)
        kind = NotificationKind.PROMOTED if given_up is None else NotificationKind.SLOT_CHANGED
        _notify(uow, clock, kind, booking, gate, extra={"reason_text": reason_sentences(params)})
        return booking, given_up
    return None
