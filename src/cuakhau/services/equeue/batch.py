"""Booking requests that arrived together in one transaction (``book``'s common case for many)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from cuakhau.domain.booking import Booking, BookingRules, first_free_slot
from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.services.equeue.common import BookingRequest, BookingResult, check_caller, floor_hour
from cuakhau.services.equeue.placing import _admit, _Attempts, _check_request, _new_booking, _place_and_record, _window
from cuakhau.services.ports import BookingFacts, Place, SlotRow, UnitOfWork


def _book_together(
    uow: UnitOfWork, clock: Clock, requests: list[BookingRequest], rules: BookingRules
) -> list[BookingResult | CuakhauError | None] | None:
    """A batch's one transaction: each request's result, None for those left to be booked alone; or None
    when the database refused the batch (nothing kept)."""
    now = clock.now()
    since = now - rules.penalty_period - rules.suspension
    results: list[BookingResult | CuakhauError | None] = [None] * len(requests)
    per_trip = Counter(r.trip_id for r in requests)
    placed: list[tuple[int, BookingRequest, BookingFacts, Booking, SlotRow]] = []
    with uow:
        facts_of = uow.shipments.booking_facts_many(sorted(per_trip), since)
        used = uow.idempotency.stored_keys(sorted({r.idempotency.scope for r in requests}))
        windows = [_window(r.earliest, r.latest, now, rules) for r in requests]
        slots_of: dict[tuple[str, Direction], dict[datetime, SlotRow]] = {}
        for (gate_id, direction), ranges in _ranges_by_flow(requests, windows, facts_of, now).items():
            rows = uow.slots.between(gate_id, direction, min(r[0] for r in ranges), max(r[1] for r in ranges))
            slots_of[gate_id, direction] = {row.starts_at: row for row in rows}
        for i, request in enumerate(requests):
            facts = facts_of.get(request.trip_id)
            key = (request.idempotency.scope, request.idempotency.key)
            if facts is None or per_trip[request.trip_id] > 1 or key in used or facts.no_shows:
                continue  # booked alone, after the batch
            try:
                _check_request(request.travel_minutes, request.actor)
                check_caller(facts.scope, request.trip_id, request.may_see, request.count)
                earliest, latest = _admit(facts, windows[i])
            except CuakhauError as exc:
                results[i] = exc
                continue
            booking = _new_booking(facts, earliest, latest, request.travel_minutes, now, order=i)
            slot = _first_with_room(slots_of[facts.gate.id, facts.trip.direction], booking, now)
            if slot is not None:
                placed.append((i, request, facts, booking, slot))
                slots_of[facts.gate.id, facts.trip.direction][slot.starts_at] = dataclasses.replace(
                    slot,
                    booked=slot.booked + 1,
                    booked_inspection=slot.booked_inspection + booking.needs_inspection,
                )

        def record() -> list[Place]:
            places = []
            for _, request, facts, booking, slot in placed:
                idem = request.idempotency
                uow.idempotency.put(idem.scope, idem.key, idem.request_hash, 201, {"booking_id": booking.id}, now)
                place = _place_and_record(
                    uow, clock, facts.gate, facts.trip, booking, request.actor, now, [slot], _Attempts()
                )
                if place is None:  # pragma: no cover - the slot was chosen for its room
                    raise RuntimeError("a slot chosen for its room had none")
                places.append(place)
            return places

        if placed:
            if not uow.commit_placing(record):
                return None
            for i, _, facts, booking, _ in placed:
                results[i] = BookingResult(booking, gate=facts.gate)
    return results


def _ranges_by_flow(
    requests: list[BookingRequest],
    windows: list[tuple[datetime, datetime] | InvalidInput],
    facts_of: dict[str, BookingFacts],
    now: datetime,
) -> dict[tuple[str, Direction], list[tuple[datetime, datetime]]]:
    """The slot range each request may use, per gate and direction (requests with a bad window left out)."""
    flows: dict[tuple[str, Direction], list[tuple[datetime, datetime]]] = {}
    for request, window in zip(requests, windows, strict=True):
        facts = facts_of.get(request.trip_id)
        if facts is not None and not isinstance(window, InvalidInput):
            flow = (facts.gate.id, facts.trip.direction)
            flows.setdefault(flow, []).append((floor_hour(max(window[0], now)), window[1]))
    return flows


def _first_with_room(slots: dict[datetime, SlotRow], booking: Booking, now: datetime) -> SlotRow | None:
    """The one-request path's choice (the domain's chooser) from the slots read: the earliest with room in
    the window — or None when the window lacks some of its slots before one with room (booked alone, they are
    created) or has no room (the waiting list)."""
    return first_free_slot(_read_hours(slots, booking.window_start(now), booking.latest), booking, now)


def _read_hours(slots: dict[datetime, SlotRow], start: datetime, end: datetime) -> Iterator[SlotRow]:
    """The slots read of the hours from ``start`` to ``end``, in order, up to the first hour not read."""
    hour = start
    while hour < end and (slot := slots.get(hour)) is not None:
        yield slot
        hour += SLOT
