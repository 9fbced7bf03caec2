"""Booking a slot — one request or many (``book``) — and reading a booking back."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, overload

from cuakhau.domain.allocation import OptimalPlanner
from cuakhau.domain.booking import DEFAULT_RULES, Booking, BookingRules, suspended_until
from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, CuakhauError, InvalidInput, NotFound, require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import NotificationKind
from cuakhau.domain.perishability import PROFILES
from cuakhau.i18n.times import local_time
from cuakhau.services.equeue.batch import _book_together
from cuakhau.services.equeue.common import (
    SYSTEM,
    BookingRequest,
    BookingResult,
    Count,
    Idempotency,
    _notify,
    _Once,
    check_caller,
    ensure_slots,
    floor_hour,
    local_days,
)
from cuakhau.services.equeue.placing import (
    _admit,
    _Attempts,
    _check_request,
    _LostRace,
    _new_booking,
    _place_and_record,
    _window,
)
from cuakhau.services.equeue.planning import _replan_day
from cuakhau.services.ports import SlotRow, Take, UnitOfWork

#: Tries of a batch (``book`` of many requests) before its requests are booked one by one: a refusal (a place another
#: process took since the read) is retried once on a fresh read.
BATCH_ATTEMPTS = 2


def _window_slots(
    uow: UnitOfWork, gate: Gate, direction: Direction, start: datetime, end: datetime, rows: list[SlotRow]
) -> list[SlotRow]:
    """The slots starting in [start, end), created first if some of the local days they fall on lack them.

    ``rows`` are the window's slots as read (with the booking's facts: no query of their own when the slots
    exist, the common case); they are counted, instead of a count over whole days and then a read.
    """
    # A day's slots are created together (one insert), so when every hour of the window has its slot, every
    # day the window touches has all of its slots.
    if len(rows) * SLOT < end - start and (days := local_days(gate, start, end)):
        ensure_slots(uow, gate, direction, days)
        rows = uow.slots.between(gate.id, direction, start, end)
    return rows


@overload
def book(
    uow: UnitOfWork, *, clock: Clock, request: BookingRequest, rules: BookingRules = DEFAULT_RULES
) -> BookingResult: ...


@overload
def book(
    uow: UnitOfWork, *, clock: Clock, request: Sequence[BookingRequest], rules: BookingRules = DEFAULT_RULES
) -> list[BookingResult | CuakhauError]: ...


def book(
    uow: UnitOfWork,
    *,
    clock: Clock,
    request: BookingRequest | Sequence[BookingRequest],
    rules: BookingRules = DEFAULT_RULES,
) -> BookingResult | list[BookingResult | CuakhauError]:
    """Book a slot for a declared trip, or put it on the waiting list — one request, or many that arrived
    together. Safe to retry with the same idempotency key.

    One request: its booking, or the error it raises. Many: for each, what it would get booked alone (its
    booking, or the error it would raise), placed one after another in their order (first come, first served);
    see ``_book_many``. A request's ``may_see`` is the caller's visibility rule and ``count`` its booking limit
    (``check_caller``), checked inside the booking's own transaction, the limit once per request.
    """
    if isinstance(request, BookingRequest):
        return _book_one(uow, clock, request, rules)
    return _book_many(uow, clock, list(request), rules)


def _book_one(uow: UnitOfWork, clock: Clock, request: BookingRequest, rules: BookingRules) -> BookingResult:
    """One request, retried while it loses races for a place (or meets its own key still in flight)."""
    _check_request(request.travel_minutes, request.actor)
    attempts, in_flight, count = _Attempts(), 0, _Once(request.count)
    while True:
        try:
            return _book_once(uow, clock, request, rules, attempts, count)
        except _LostRace as lost:
            attempts.learn(lost)  # each loss rules out one more slot or day, so this ends
        except Conflict as exc:
            in_flight += 1
            if exc.code != "idempotency.in_flight" or in_flight == 3:
                raise


def _book_many(
    uow: UnitOfWork, clock: Clock, requests: list[BookingRequest], rules: BookingRules
) -> list[BookingResult | CuakhauError]:
    """Requests that arrived together: the common case costs the batch, not each request, its fixed costs: one
    read of the trips' facts, one of their keys, one of the slots; then every booking's writes, places and the
    COMMIT in one round trip (``UnitOfWork.commit_placing``), so a whole batch is kept or none of it. Anything
    less common is booked alone after the batch, in order: an unknown trip, a key used before (a replay), an
    exporter with recent no-shows (the penalty rule), two requests for one trip, a window with no room as read
    (the waiting list and its re-plan) or without its slots yet — so such a request comes after the batch's
    placed ones, as if it had arrived just after them. And every request of a batch the database refused twice
    (a place taken meanwhile by another process, a conflict; the first refusal is retried on a fresh read),
    whose writes were then all rolled back.
    """
    # Each request's limit counted once, whether it is booked in a batch, in a retried batch or alone after it.
    requests = [dataclasses.replace(r, count=_Once(r.count)) for r in requests]
    together: list[BookingResult | CuakhauError | None] | None = None
    # A request alone takes the one-request path: it reads everything in one query, not three.
    for _ in range(BATCH_ATTEMPTS if len(requests) > 1 else 0):
        together = _book_together(uow, clock, requests, rules)
        if together is not None:
            break
    if together is None:
        together = [None] * len(requests)
    out: list[BookingResult | CuakhauError] = []
    for request, result in zip(requests, together, strict=True):
        if result is None:
            try:
                result = _book_one(uow, clock, request, rules)
            except CuakhauError as exc:
                result = exc
        out.append(result)
    return out


def _replay(uow: UnitOfWork, idempotency: Idempotency) -> BookingResult | None:
    stored = uow.idempotency.get(idempotency.scope, idempotency.key)
    return None if stored is None else _replayed(uow, idempotency, stored)


def _replayed(
    uow: UnitOfWork, idempotency: Idempotency, stored: tuple[str, int, Any], gate: Gate | None = None
) -> BookingResult:
    request_hash, _status, response = stored
    if request_hash != idempotency.request_hash:
        raise Conflict("idempotency.mismatch", field="Idempotency-Key")
    booking = require(uow.bookings.get(response["booking_id"]), "booking", response["booking_id"])
    if gate is None or gate.id != booking.gate_id:
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
    return BookingResult(booking, gate, replayed=True)


def _book_once(
    uow: UnitOfWork, clock: Clock, request: BookingRequest, rules: BookingRules, attempts: _Attempts, count: Count
) -> BookingResult:
    trip_id, idempotency, actor = request.trip_id, request.idempotency, request.actor
    now = clock.now()
    since = now - rules.penalty_period - rules.suspension
    window = _window(request.earliest, request.latest, now, rules)
    start, end = (now, now) if isinstance(window, InvalidInput) else (floor_hour(max(window[0], now)), window[1])
    with uow:
        # Trip, gate, shipment, the trip's latest booking, the exporter's no-shows, the key and the window's slots
        # in one query.
        facts = uow.shipments.booking_facts(trip_id, since, idempotency.scope, idempotency.key, (start, end))
        if facts is None:
            replay = _replay(uow, idempotency)
            if replay is not None:  # pragma: no cover - a stored booking keeps its trip (foreign key)
                return replay
            raise NotFound("trip", trip_id)
        check_caller(facts.scope, trip_id, request.may_see, count)
        if facts.stored_request is not None:
            return _replayed(uow, idempotency, facts.stored_request, facts.gate)
        earliest, latest = _admit(facts, window)
        trip, gate = facts.trip, facts.gate
        if facts.no_shows:
            until = suspended_until(uow.bookings.no_show_times(facts.exporter_id, since), now, rules)
            if until is not None:
                rule = rules.penalty_no_shows
                raise Conflict("booking.suspended", field="trip_id", until=local_time(until, gate.timezone), rule=rule)
        booking = _new_booking(facts, earliest, latest, request.travel_minutes, now)
        slots = _window_slots(uow, gate, trip.direction, start, latest, facts.window_slots)
        # The key goes out with the booking's rows, before the place is taken (see _place_and_record).
        uow.idempotency.put(
            idempotency.scope, idempotency.key, idempotency.request_hash, 201, {"booking_id": booking.id}, now
        )
        place = _place_and_record(uow, clock, gate, trip, booking, actor, now, slots, attempts)
        if place is not None:
            taken = uow.commit_taking(place)
            if taken is not Take.TAKEN:
                raise _LostRace(place.starts_at, place.day if taken is Take.QUOTA_FULL else None)
            return BookingResult(booking, gate=gate)
        booking.wait_list(at=now)
        uow.bookings.add(booking)
        uow.bookings.add_change(booking, at=now, from_slot=None, actor_id=actor.id)
        _notify(uow, clock, NotificationKind.WAITLISTED, booking, gate)
        if PROFILES[booking.perishability].perishable:
            # Perishables first: see whether the day can be re-planned to make room.
            for day in local_days(gate, booking.window_start(now), latest):
                _replan_day(uow, clock, gate, booking.direction, day, OptimalPlanner(), SYSTEM, rules)
            # The re-plan may have moved this booking: read back what it holds then.
            booking = uow.bookings.get(booking.id) or booking
        uow.commit()
    return BookingResult(booking, gate=gate)


def get_booking(uow: UnitOfWork, trip_id: str) -> tuple[Booking, list[dict[str, Any]]]:
    with uow:
        booking = require(uow.bookings.latest_for_trip(trip_id), "booking", trip_id)
        return booking, uow.bookings.changes(booking.id)
