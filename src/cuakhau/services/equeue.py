"""The electronic queue — hàng đợi điện tử / 电子排队: book, cancel, reschedule, re-plan, capacity, no-shows.

How a booking gets its slot (the published rule):

1. At booking time the truck takes the earliest slot in its window that still has room on both sides of the
   line (first come, first served), taken atomically in the database so no slot is ever overbooked.
2. When no slot has room, the booking joins the waiting list, and — if its goods are perishable (by their
   class's profile, :mod:`cuakhau.domain.perishability`) — the day is re-planned at once: the optimal planner
   may move less perishable trucks later within *their* windows to make room, never past the published
   fairness bound while capacity allows.
3. Whenever capacity changes (a closure on either side, the counterpart lowers its acceptance) the affected
   days are re-planned the same way, and every truck whose slot moved is told, with the reason.
4. A freed place goes to the waiting list: most perishable first, then first come.

Trucks already on the road (dispatched) keep their slots. Every change is recorded with its rule and reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cuakhau.domain import timebounds
from cuakhau.domain.accounts import TripScope
from cuakhau.domain.allocation import (
    AllocationPolicy,
    FirstComeFirstServed,
    OptimalPlanner,
    PriorityGreedy,
    Problem,
    Request,
)
from cuakhau.domain.booking import (
    DEFAULT_RULES,
    OPEN_STATUSES,
    Booking,
    BookingRules,
    BookingStatus,
    check_window,
    dispatch_problems,
    suspended_until,
)
from cuakhau.domain.capacity import SLOT, day_bounds, slot_capacities
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, CuakhauError, DispatchRefused, InvalidInput, NotFound, require
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import Notification, NotificationKind
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState, new_id
from cuakhau.services.ports import BookingFacts, Place, SlotRow, Take, UnitOfWork

SYSTEM = Actor("cuakhau:e-queue", ActorRole.SYSTEM)
POLICIES: dict[str, type[AllocationPolicy]] = {
    "optimal": OptimalPlanner,
    "fcfs": FirstComeFirstServed,
    "priority": PriorityGreedy,
}
#: Trips in these states are on the road or past the gate: their slots are fixed.
FIXED_STATES = frozenset({TripState.DISPATCHED, TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING})
MOVABLE_TRIP_STATES = frozenset({TripState.DECLARED, TripState.BOOKED})
#: Tries of a batch (``book_trips``) before its requests are booked one by one: a refusal (a place another
#: process took since the read) is retried once on a fresh read.
BATCH_ATTEMPTS = 2
BOOKING_ROLES = frozenset({ActorRole.EXPORTER, ActorRole.DRIVER, ActorRole.GATE_ADMIN, ActorRole.SYSTEM})


@dataclass(frozen=True, slots=True)
class Idempotency:
    scope: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, scope: str, key: str | None, body: Any) -> Idempotency:
        if key is None or not key.strip():
            raise InvalidInput("idempotency.key_required", field="Idempotency-Key")
        if len(key) > 128:
            raise InvalidInput("text.too_long", field="Idempotency-Key", max=128)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        return cls(scope, key.strip(), digest)


#: The caller's visibility rule (``Principal.can_see_trip``): a trip it may not see answers like a missing one.
MaySee = Callable[[TripScope], bool]
#: Counts one booking change against the caller's limit; raises ``RateLimited`` past it.
Count = Callable[[], None]


class _Once:
    """``count`` called at most once per request, however often the booking is retried (a lost race, a batch
    refused and booked again alone); a refusal is repeated, not counted again."""

    def __init__(self, count: Count | None) -> None:
        self._count = count
        self._refused: CuakhauError | None = None
        self._done = count is None

    def __call__(self) -> None:
        if not self._done:
            self._done = True
            try:
                assert self._count is not None
                self._count()
            except CuakhauError as exc:
                self._refused = exc
        if self._refused is not None:
            raise self._refused


def check_caller(scope: TripScope | None, trip_id: str, may_see: MaySee | None, count: Count | None) -> None:
    """The one place a booking change (book, reschedule, cancel) admits its caller: first the trip must be
    visible to them — a trip they may not see answers exactly like a missing one — and only then is the change
    counted against their booking limit, so a request about someone else's trip never uses up the limit."""
    if scope is None or (may_see is not None and not may_see(scope)):
        raise NotFound("trip", trip_id)
    if count is not None:
        count()


def _caller_in(uow: UnitOfWork, trip_id: str, may_see: MaySee | None, count: Count | None) -> None:
    """Inside the change's open unit of work: ``check_caller`` on the trip's scope (one indexed read)."""
    if may_see is not None or count is not None:
        check_caller(uow.access.trip_scope(trip_id), trip_id, may_see, count)


@dataclass(frozen=True, slots=True)
class BookingResult:
    booking: Booking
    gate: Gate
    replayed: bool = False


def floor_hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def local_days(gate: Gate, start: datetime, end: datetime) -> list[date]:
    first, last = gate.local(start).date(), gate.local(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def ensure_slots(uow: UnitOfWork, gate: Gate, direction: Direction, days: Iterable[date]) -> None:
    """Create the slots of these local days that do not exist yet (one cheap count when they all do)."""
    days = list(days)
    if not days:
        return
    start, end = day_bounds(gate, days[0])[0], day_bounds(gate, days[-1])[1]
    if uow.slots.count_between(gate.id, direction, start, end) * SLOT >= end - start:
        return
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    for day in days:
        hourly = uow.quotas.latest_hourly(gate.id, direction, day.isoformat())
        uow.slots.ensure(gate.id, direction, slot_capacities(gate, counterpart, direction, day, hourly_quota=hourly))


def _notify(uow: UnitOfWork, clock: Clock, kind: NotificationKind, booking: Booking, gate: Gate) -> None:
    payload: dict[str, Any] = {
        "gate_id": booking.gate_id,
        "direction": booking.direction.value,
        "status": booking.status.value,
        "slot_start": booking.slot_start.isoformat() if booking.slot_start else None,
        "slot_start_local": gate.local(booking.slot_start).isoformat() if booking.slot_start else None,
        "must_leave_by": booking.must_leave_by().isoformat() if booking.slot_start else None,  # type: ignore[union-attr]
        "rule": booking.rule,
        "reason": booking.reason,
        "reason_params": dict(booking.reason_params),
    }
    uow.outbox.add(
        Notification(
            id=new_id(),
            kind=kind.value,
            created_at=clock.now(),
            language="vi" if gate.country.value == "VN" else "zh",
            payload=payload,
            trip_id=booking.trip_id,
            booking_id=booking.id,
            enterprise_id=booking.enterprise_id,
        )
    )


def _take_first_free(uow: UnitOfWork, gate: Gate, booking: Booking, now: datetime) -> bool:
    """FCFS: the earliest slot in the window with room here, there, in inspection and under the day quota."""
    start = max(floor_hour(booking.earliest), floor_hour(now))
    for slot in uow.slots.between(gate.id, booking.direction, start, booking.latest):
        if not _has_room(slot, booking):
            continue
        day = gate.local(slot.starts_at).date().isoformat()
        if (
            uow.slots.take_place(gate.id, booking.direction, slot.starts_at, day, inspection=booking.needs_inspection)
            is not Take.TAKEN
        ):
            continue  # somebody took the last place since we looked
        booking.slot_start = slot.starts_at
        booking.status = BookingStatus.ACTIVE
        booking.rule, booking.reason = "fcfs", "earliest_free_slot"
        booking.reason_params = {"slot_start": slot.starts_at.isoformat()}
        return True
    booking.status = BookingStatus.WAITING
    booking.slot_start = None
    booking.rule, booking.reason, booking.reason_params = "fcfs", "no_capacity_in_window", {}
    return False


def _has_room(slot: SlotRow, booking: Booking) -> bool:
    return slot.remaining > 0 and (not booking.needs_inspection or slot.booked_inspection < slot.inspection_capacity)


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
    for slot in slots:
        day = gate.local(slot.starts_at).date().isoformat()
        if not _has_room(slot, booking) or slot.starts_at in attempts.full_slots or day in attempts.full_days:
            continue
        booking.status, booking.slot_start = BookingStatus.ACTIVE, slot.starts_at
        booking.rule, booking.reason = "fcfs", "earliest_free_slot"
        booking.reason_params = {"slot_start": slot.starts_at.isoformat()}
        uow.bookings.add(booking)
        uow.bookings.add_change(booking, at=now, from_slot=None, actor_id=actor.id)
        _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
        _notify(uow, clock, NotificationKind.SLOT_ASSIGNED, booking, gate)
        return Place(gate.id, booking.direction, slot.starts_at, day, booking.needs_inspection)
    return None


def _release(uow: UnitOfWork, gate: Gate, booking: Booking) -> None:
    if booking.status is BookingStatus.ACTIVE and booking.slot_start is not None:
        uow.slots.release(gate.id, booking.direction, booking.slot_start, inspection=booking.needs_inspection)
        uow.quotas.release(gate.id, booking.direction, gate.local(booking.slot_start).date().isoformat())


def _save_trip(uow: UnitOfWork, trip: Trip, action: TripAction, actor: Actor, clock: Clock, reason: str | None) -> None:
    trip.apply(action, actor=actor, clock=clock, reason=reason)
    uow.trips.save(trip)


def book_trip(
    uow: UnitOfWork,
    *,
    clock: Clock,
    trip_id: str,
    earliest: datetime,
    latest: datetime,
    travel_minutes: int,
    actor: Actor,
    idempotency: Idempotency,
    rules: BookingRules = DEFAULT_RULES,
    may_see: MaySee | None = None,
    count: Count | None = None,
) -> BookingResult:
    """Book a slot for a declared trip, or put it on the waiting list. Safe to retry with the same key.

    ``may_see`` is the caller's visibility rule and ``count`` its booking limit (``check_caller``), checked
    inside the booking's own transaction (no second one just for the check), the limit once per request.
    """
    _check_request(travel_minutes, actor)
    attempts, in_flight, caller = _Attempts(), 0, (may_see, _Once(count))
    while True:
        try:
            return _book_once(
                uow, clock, trip_id, earliest, latest, travel_minutes, actor, idempotency, rules, attempts, caller
            )
        except _LostRace as lost:
            attempts.learn(lost)  # each loss rules out one more slot or day, so this ends
        except Conflict as exc:
            in_flight += 1
            if exc.code != "idempotency.in_flight" or in_flight == 3:
                raise


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """One request to book a trip: ``book_trip``'s arguments, for ``book_trips``."""

    trip_id: str
    earliest: datetime
    latest: datetime
    travel_minutes: int
    actor: Actor
    idempotency: Idempotency
    may_see: MaySee | None = None
    count: Count | None = None


def book_request(
    uow: UnitOfWork, *, clock: Clock, request: BookingRequest, rules: BookingRules = DEFAULT_RULES
) -> BookingResult:
    """``book_trip`` for one ``BookingRequest``."""
    return book_trip(
        uow,
        clock=clock,
        trip_id=request.trip_id,
        earliest=request.earliest,
        latest=request.latest,
        travel_minutes=request.travel_minutes,
        actor=request.actor,
        idempotency=request.idempotency,
        rules=rules,
        may_see=request.may_see,
        count=request.count,
    )


def book_trips(
    uow: UnitOfWork, *, clock: Clock, requests: list[BookingRequest], rules: BookingRules = DEFAULT_RULES
) -> list[BookingResult | CuakhauError]:
    """Book requests that arrived together: for each, what ``book_trip`` gives it (its booking, or the error it
    would raise), the batch's requests placed one after another in their order (first come, first served).

    The common case costs the batch, not each request, its fixed costs: one read of the trips' facts, one of
    their keys, one of the slots; then every booking's writes, places and the COMMIT in one round trip
    (``UnitOfWork.commit_placing``), so a whole batch is kept or none of it. Anything less common goes
    through ``book_trip`` after the batch, in order: an unknown trip, a key used before (a replay), an exporter
    with recent no-shows (the penalty rule), two requests for one trip, a window with no room as read (the
    waiting list and its re-plan) or without its slots yet — so such a request comes after the batch's placed
    ones, as if it had arrived just after them. And every request of a batch the database refused twice (a
    place taken meanwhile by another process, a conflict; the first refusal is retried on a fresh read), whose
    writes were then all rolled back.
    """
    # Each request's limit counted once, whether it is booked in a batch, in a retried batch or alone after it.
    requests = [dataclasses.replace(r, count=_Once(r.count)) for r in requests]
    together: list[BookingResult | CuakhauError | None] | None = None
    # A request alone takes book_trip's own path: it reads everything in one query, not three.
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
                result = book_request(uow, clock=clock, request=request, rules=rules)
            except CuakhauError as exc:
                result = exc
        out.append(result)
    return out


def _book_together(
    uow: UnitOfWork, clock: Clock, requests: list[BookingRequest], rules: BookingRules
) -> list[BookingResult | CuakhauError | None] | None:
    """``book_trips``' one transaction: each request's result, None for those left to ``book_trip``; or None
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
                continue  # book_trip's own path
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
    """``book_trip``'s choice from the slots read: the earliest with room in the window — or None when the
    window lacks some of its slots (``book_trip`` creates them) or has no room (the waiting list)."""
    start, end = floor_hour(max(booking.earliest, now)), booking.latest
    hour = start
    while hour < end:
        slot = slots.get(hour)
        if slot is None:
            return None
        if _has_room(slot, booking):
            return slot
        hour += SLOT
    return None


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
    uow: UnitOfWork,
    clock: Clock,
    trip_id: str,
    earliest: datetime,
    latest: datetime,
    travel_minutes: int,
    actor: Actor,
    idempotency: Idempotency,
    rules: BookingRules,
    attempts: _Attempts,
    caller: tuple[MaySee | None, Count],
) -> BookingResult:
    now = clock.now()
    since = now - rules.penalty_period - rules.suspension
    window = _window(earliest, latest, now, rules)
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
        check_caller(facts.scope, trip_id, *caller)
        if facts.stored_request is not None:
            return _replayed(uow, idempotency, facts.stored_request, facts.gate)
        earliest, latest = _admit(facts, window)
        trip, gate = facts.trip, facts.gate
        if facts.no_shows:
            until = suspended_until(uow.bookings.no_show_times(facts.exporter_id, since), now, rules)
            if until is not None:
                rule = rules.penalty_no_shows
                raise Conflict("booking.suspended", field="trip_id", until=until.isoformat(), rule=rule)
        booking = _new_booking(facts, earliest, latest, travel_minutes, now)
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
        booking.status, booking.slot_start = BookingStatus.WAITING, None
        booking.rule, booking.reason, booking.reason_params = "fcfs", "no_capacity_in_window", {}
        uow.bookings.add(booking)
        uow.bookings.add_change(booking, at=now, from_slot=None, actor_id=actor.id)
        _notify(uow, clock, NotificationKind.WAITLISTED, booking, gate)
        if PROFILES[booking.perishability].perishable:
            # Perishables first: see whether the day can be re-planned to make room.
            for day in local_days(gate, floor_hour(max(earliest, now)), latest):
                _replan_day(uow, clock, gate, booking.direction, day, OptimalPlanner(), SYSTEM, rules)
            # The re-plan may have moved this booking: read back what it holds then.
            booking = uow.bookings.get(booking.id) or booking
        uow.commit()
    return BookingResult(booking, gate=gate)


def get_booking(uow: UnitOfWork, trip_id: str) -> tuple[Booking, list[dict[str, Any]]]:
    with uow:
        booking = require(uow.bookings.latest_for_trip(trip_id), "booking", trip_id)
        return booking, uow.bookings.changes(booking.id)


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
        if not booking.is_open:
            raise Conflict("booking.not_open", field="trip_id", status=booking.status.value)
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
    freed = booking.slot_start if booking.status is BookingStatus.ACTIVE else None
    if status is BookingStatus.CANCELLED:
        _release(uow, gate, booking)
    booking.status, booking.updated_at = status, now
    booking.rule, booking.reason, booking.reason_params = None, status.value, {"by": actor.role.value}
    uow.bookings.save(booking)
    uow.bookings.add_change(booking, at=now, from_slot=freed, actor_id=actor.id)
    kind = NotificationKind.BOOKING_CANCELLED if status is BookingStatus.CANCELLED else NotificationKind.NO_SHOW
    _notify(uow, clock, kind, booking, gate)
    if freed is not None and status is BookingStatus.CANCELLED and freed >= floor_hour(now):
        _promote_waiting(uow, clock, gate, booking.direction, freed, now)


def _promote_waiting(
    uow: UnitOfWork, clock: Clock, gate: Gate, direction: Direction, slot_start: datetime, now: datetime
) -> None:
    """Offer a freed place to the waiting list: most perishable first, then first come."""
    waiting = [
        b
        for b in uow.bookings.open_for_window(gate.id, direction, slot_start, slot_start + SLOT)
        if b.status is BookingStatus.WAITING and b.earliest < slot_start + SLOT and b.latest > slot_start
    ]
    waiting.sort(key=lambda b: (-PROFILES[b.perishability].weight, b.requested_seq))
    for candidate in waiting:
        trip = uow.trips.get(candidate.trip_id)
        if trip is None or trip.state not in MOVABLE_TRIP_STATES:
            continue
        day = gate.local(slot_start).date().isoformat()
        taken = uow.slots.take_place(gate.id, direction, slot_start, day, inspection=candidate.needs_inspection)
        if taken is Take.SLOT_FULL:
            continue
        if taken is Take.QUOTA_FULL:
            return
        candidate.status, candidate.slot_start, candidate.updated_at = BookingStatus.ACTIVE, slot_start, now
        candidate.rule, candidate.reason = "waiting_list", "promoted_from_waiting_list"
        candidate.reason_params = {"weight": PROFILES[candidate.perishability].weight}
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
        if not booking.is_open:
            raise Conflict("booking.not_open", field="trip_id", status=booking.status.value)
        if booking.changes >= rules.max_changes:
            raise Conflict("booking.too_many_changes", field="trip_id", max=rules.max_changes)
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        if trip.state not in MOVABLE_TRIP_STATES:
            raise Conflict("booking.on_the_road", field="trip_id", state=trip.state.value)
        earliest, latest = check_window(earliest, latest, now, rules)
        gate = require(uow.gates.get(booking.gate_id), "gate", booking.gate_id)
        old_slot, was_active = booking.slot_start, booking.status is BookingStatus.ACTIVE
        _release(uow, gate, booking)
        booking.earliest, booking.latest, booking.changes, booking.updated_at = (
            earliest,
            latest,
            booking.changes + 1,
            now,
        )
        ensure_slots(uow, gate, booking.direction, local_days(gate, floor_hour(max(earliest, now)), latest))
        placed = _take_first_free(uow, gate, booking, now)
        uow.bookings.save(booking)
        uow.bookings.add_change(booking, at=now, from_slot=old_slot, actor_id=actor.id)
        if placed and trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
        _notify(uow, clock, NotificationKind.SLOT_CHANGED if placed else NotificationKind.WAITLISTED, booking, gate)
        if was_active and old_slot is not None and old_slot != booking.slot_start:
            _promote_waiting(uow, clock, gate, booking.direction, old_slot, now)
        uow.commit()
    return booking


# --- planning ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayPlan:
    gate_id: str
    direction: Direction
    day: date
    policy: str
    moved: int
    placed: int
    waiting: int
    cost: int


def replan(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    day: date,
    policy: str = "optimal",
    actor: Actor = SYSTEM,
    rules: BookingRules = DEFAULT_RULES,
) -> DayPlan:
    """Re-plan a gate day's bookings under a published policy and tell every truck that moved."""
    flow = parse_enum(Direction, direction, field="direction")
    if actor.role not in {ActorRole.GATE_ADMIN, ActorRole.SYSTEM}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    if policy not in POLICIES:
        raise InvalidInput("enum.invalid", field="policy", value=policy[:40], allowed=", ".join(POLICIES))
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        # a past day is re-planned as a no-op (its trucks are fixed); no day past the horizon has bookings
        timebounds.check_readable_day(day, today=gate.local(clock.now()).date(), horizon=rules.horizon)
        ensure_slots(uow, gate, flow, [day])
        result = _replan_day(uow, clock, gate, flow, day, POLICIES[policy](), actor, rules)
        uow.commit()
    return result


def _replan_day(
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    direction: Direction,
    day: date,
    policy: AllocationPolicy,
    actor: Actor,
    rules: BookingRules,
    capacity_override: dict[datetime, tuple[int, int]] | None = None,
    quota_limit: int | None = None,
) -> DayPlan:
    """The day's movable bookings re-assigned under ``policy``; counters moved by releases, then takes."""
    now = clock.now()
    start, end = day_bounds(gate, day)
    slots = uow.slots.between(gate.id, direction, start, end)
    index = {s.starts_at: i for i, s in enumerate(slots)}
    bookings = uow.bookings.open_for_window(gate.id, direction, start, end)
    movable: list[Booking] = []
    trips: dict[str, Trip] = {}
    for b in bookings:
        trip = uow.trips.get(b.trip_id)
        if trip is None:
            continue
        trips[b.trip_id] = trip
        in_day = b.slot_start is not None and b.slot_start in index
        if b.status is BookingStatus.ACTIVE and not in_day:
            continue  # holds a slot on another day: that day's plan owns it
        if trip.state in MOVABLE_TRIP_STATES and (b.slot_start is None or b.slot_start >= floor_hour(now)):
            movable.append(b)
    # Whatever the counters hold beyond the movable bookings is fixed: trucks on the road, arrived, or past.
    fixed = [s.booked for s in slots]
    fixed_inspection = [s.booked_inspection for s in slots]
    for b in movable:
        if b.status is BookingStatus.ACTIVE and b.slot_start is not None:
            fixed[index[b.slot_start]] -= 1
            fixed_inspection[index[b.slot_start]] -= int(b.needs_inspection)
    capacities = [(capacity_override or {}).get(s.starts_at, (s.capacity, s.inspection_capacity)) for s in slots]
    first_open = next((i for i, s in enumerate(slots) if s.starts_at >= floor_hour(now)), len(slots))
    key = f"{gate.id}/{direction.value}"
    requests = []
    for b in movable:
        lo = max(first_open, _slot_index(slots, b.earliest, up=True))
        hi = min(len(slots) - 1, _slot_index(slots, b.latest, up=False))
        if lo <= hi:
            requests.append(
                Request(
                    id=b.id,
                    windows={key: (lo, hi)},
                    weight=PROFILES[b.perishability].weight,
                    order=b.requested_seq,
                    needs_inspection=b.needs_inspection,
                )
            )
    problem = Problem(
        capacity={key: [max(0, c[0] - fixed[i]) for i, c in enumerate(capacities)]},
        inspection_capacity={key: [max(0, c[1] - fixed_inspection[i]) for i, c in enumerate(capacities)]},
        requests=requests,
        max_wait=rules.max_wait_hours,
    )
    plan = policy.plan(problem)
    # The counterpart's daily acceptance bounds the day as a whole: keep the most urgent within it.
    quota = uow.quotas.get(gate.id, direction, day.isoformat())
    limit = quota_limit if quota_limit is not None else (quota[0] if quota else None)
    by_id = {b.id: b for b in movable}
    placed_ids = [a.request_id for a in plan.assignments if a.slot is not None]
    if limit is not None:
        room = limit - sum(fixed)
        ranked = sorted(placed_ids, key=lambda i: (-PROFILES[by_id[i].perishability].weight, by_id[i].requested_seq))
        over_quota = set(ranked[max(0, room) :])
    else:
        over_quota = set()
    targets: dict[str, tuple[datetime | None, str, str, dict[str, Any]]] = {}
    for a in plan.assignments:
        if a.slot is not None and a.request_id not in over_quota:
            targets[a.request_id] = (slots[a.slot].starts_at, plan.policy, a.reason, dict(a.params))
        elif a.request_id in over_quota:
            targets[a.request_id] = (None, plan.policy, "counterpart_daily_quota", {"quota": limit or 0})
        else:
            targets[a.request_id] = (None, plan.policy, a.reason, dict(a.params))
    planned = {r.id for r in requests}
    for b in movable:
        if b.id not in planned:
            targets[b.id] = (None, plan.policy, "no_capacity_in_window", {})
    # Release every place that changes hands, then take the new ones: swaps never trip the capacity check.
    changed = [b for b in movable if targets[b.id][0] != (b.slot_start if b.status is BookingStatus.ACTIVE else None)]
    for b in changed:
        _release(uow, gate, b)
    for b in changed:
        slot_start = targets[b.id][0]
        if slot_start is not None:
            taken = uow.slots.take_place(gate.id, direction, slot_start, day.isoformat(), inspection=b.needs_inspection)
            if taken is not Take.TAKEN:  # pragma: no cover - the plan respects the locked capacities
                raise Conflict("concurrent_update", entity="slot", key=slot_start.isoformat())
    counts_placed = 0
    for b in movable:
        slot_start, rule, reason, params = targets[b.id]
        counts_placed += slot_start is not None
        if b not in changed:
            continue
        old = b.slot_start if b.status is BookingStatus.ACTIVE else None
        b.slot_start = slot_start
        b.status = BookingStatus.ACTIVE if slot_start is not None else BookingStatus.WAITING
        b.rule, b.reason, b.reason_params, b.updated_at = rule, reason, params, now
        uow.bookings.save(b)
        uow.bookings.add_change(b, at=now, from_slot=old, actor_id=actor.id)
        trip = trips[b.trip_id]
        if slot_start is not None and trip.state is TripState.DECLARED:
            _save_trip(uow, trip, TripAction.BOOK, actor, clock, None)
            kind = NotificationKind.PROMOTED
        elif slot_start is None:
            kind = NotificationKind.WAITLISTED
        else:
            kind = NotificationKind.SLOT_CHANGED
        _notify(uow, clock, kind, b, gate)
    return DayPlan(
        gate_id=gate.id,
        direction=direction,
        day=day,
        policy=plan.policy,
        moved=len(changed),
        placed=counts_placed,
        waiting=len(movable) - counts_placed,
        cost=plan.cost,
    )


def _slot_index(slots: list[Any], instant: datetime, *, up: bool) -> int:
    """Index of the first slot starting at/after ``instant`` (up) or the last starting before it."""
    if up:
        return next((i for i, s in enumerate(slots) if s.starts_at >= floor_hour(instant)), len(slots))
    return max((i for i, s in enumerate(slots) if s.starts_at < instant), default=-1)


def refresh_capacity(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: Direction,
    days: Iterable[date],
    actor: Actor = SYSTEM,
    rules: BookingRules = DEFAULT_RULES,
    daily_quota: int | None = None,
) -> list[DayPlan]:
    """Recompute slot capacities after a change; re-plan days that no longer fit (inside the caller's unit)."""
    gate = require(uow.gates.get(gate_id), "gate", gate_id)
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    plans = []
    for day in days:
        hourly = uow.quotas.latest_hourly(gate.id, direction, day.isoformat())
        fresh = slot_capacities(gate, counterpart, direction, day, hourly_quota=hourly)
        uow.slots.ensure(gate.id, direction, fresh)
        start, end = day_bounds(gate, day)
        current = {s.starts_at: s for s in uow.slots.between(gate.id, direction, start, end)}
        quota = uow.quotas.get(gate.id, direction, day.isoformat())
        limit = daily_quota if daily_quota is not None else (quota[0] if quota else None)
        overfull = quota is not None and limit is not None and quota[1] > limit
        target: dict[datetime, tuple[int, int]] = {}
        for c in fresh:
            row = current[c.starts_at]
            target[c.starts_at] = (c.capacity, c.inspection_capacity)
            if row.booked > c.capacity or row.booked_inspection > c.inspection_capacity:
                overfull = True
            # never below what is held now, until the re-plan has moved trucks out
            uow.slots.set_capacity(
                gate.id,
                direction,
                c.starts_at,
                max(c.capacity, row.booked),
                max(c.inspection_capacity, row.booked_inspection),
            )
        if overfull:
            plans.append(_replan_day(uow, clock, gate, direction, day, OptimalPlanner(), actor, rules, target, limit))
        for starts_at, (cap, insp) in target.items():
            row = next(s for s in uow.slots.between(gate.id, direction, starts_at, starts_at + SLOT))
            # trucks already on the road keep their places even when the slot shrinks below them
            uow.slots.set_capacity(
                gate.id, direction, starts_at, max(cap, row.booked), max(insp, row.booked_inspection)
            )
    return plans


def declare_acceptance(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: str,
    day: date,
    daily_quota: int | None,
    hourly_quota: int | None,
    actor: Actor,
    reason: str | None = None,
) -> list[DayPlan]:
    """The counterpart declares how many trucks it accepts (a day or per hour); affected bookings move."""
    flow = parse_enum(Direction, direction, field="direction")
    if actor.role not in {ActorRole.COUNTERPART, ActorRole.GATE_ADMIN, ActorRole.SYSTEM}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    for name, value in (("daily_quota", daily_quota), ("hourly_quota", hourly_quota)):
        if value is not None and not 0 <= value <= 100_000:
            raise InvalidInput("request.out_of_range", field=name, expected="0–100000")
    if daily_quota is None and hourly_quota is None:
        raise InvalidInput("acceptance.empty", field="daily_quota")
    with uow:
        plans = apply_acceptance(
            uow,
            clock=clock,
            gate_id=gate_id,
            direction=flow,
            day=day,
            daily_quota=daily_quota,
            hourly_quota=hourly_quota,
            actor=actor,
            reason=reason,
        )
        uow.commit()
    return plans


def apply_acceptance(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    direction: Direction,
    day: date,
    daily_quota: int | None,
    hourly_quota: int | None,
    actor: Actor,
    reason: str | None = None,
) -> list[DayPlan]:
    """Inside an open unit of work: record a declared acceptance and move the bookings it affects.

    Used by :func:`declare_acceptance` and by the cross-border exchange when the counterpart's declaration
    arrives (applied in the same transaction that claims the message).
    """
    flow = direction
    now = clock.now()
    gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
    timebounds.check_plannable_day(day, today=gate.local(now).date(), horizon=DEFAULT_RULES.horizon)
    ensure_slots(uow, gate, flow, [day])
    uow.quotas.record_acceptance(
        {
            "id": new_id(),
            "gate_id": gate.id,
            "direction": flow.value,
            "day": day.isoformat(),
            "daily_quota": daily_quota,
            "hourly_quota": hourly_quota,
            "declared_by": actor.id,
            "reason": reason,
            "declared_at": now,
        }
    )
    key = day.isoformat()
    if daily_quota is not None:
        current = uow.quotas.get(gate.id, flow, key)
        held = (
            current[1] if current else sum(s.booked for s in uow.slots.between(gate.id, flow, *day_bounds(gate, day)))
        )
        # Not below what is held yet: the re-plan first brings the day under the new quota.
        uow.quotas.set_quota(gate.id, flow, key, max(daily_quota, held), held)
    plans = refresh_capacity(
        uow, clock=clock, gate_id=gate.id, direction=flow, days=[day], actor=actor, daily_quota=daily_quota
    )
    if daily_quota is not None:
        after = uow.quotas.get(gate.id, flow, key)
        booked = after[1] if after else 0
        # trucks on the road keep their places even when the quota falls below them
        uow.quotas.set_quota(gate.id, flow, key, max(daily_quota, booked), booked)
    return plans


def capacity_changed(uow: UnitOfWork, *, clock: Clock, gate_id: str, start: datetime, end: datetime) -> list[DayPlan]:
    """Inside an open unit of work: a closure on this gate changed capacity here and at the counterpart.

    Only days that already have slots (someone booked into them, so inside the booking horizon) and are not
    over are refreshed, found in one query — however far the change reaches (a closure until further notice);
    other days are computed fresh when first booked.
    """
    plans: list[DayPlan] = []
    gate = require(uow.gates.get(gate_id), "gate", gate_id)
    gates = {g.id: g for g in (gate, uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None) if g}
    days: dict[tuple[str, Direction], set[date]] = {}
    for gid, flow, starts_at in uow.slots.overlapping(list(gates), max(start, clock.now() - timedelta(days=1)), end):
        days.setdefault((gid, flow), set()).add(gates[gid].local(starts_at).date())
    for gid in gates:
        for flow in Direction:
            if (gid, flow) in days:
                plans += refresh_capacity(uow, clock=clock, gate_id=gid, direction=flow, days=sorted(days[gid, flow]))
    return plans


# --- no-shows and dispatch ---------------------------------------------------------------------------


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
        uow.commit()
    return count


def check_dispatch(uow: UnitOfWork, trip: Trip, now: datetime, rules: BookingRules = DEFAULT_RULES) -> None:
    """Inside an open unit of work: refuse a dispatch that breaks the gating rule, listing every reason."""
    shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
    booking = uow.bookings.latest_for_trip(trip.id)
    problems = dispatch_problems(booking, shipment, now=now, rules=rules, registered=uow.registry.is_active)
    if problems:
        raise DispatchRefused([{"code": p.code, "field": p.field, **dict(p.params)} for p in problems])


def on_arrival(uow: UnitOfWork, trip: Trip, now: datetime, rules: BookingRules = DEFAULT_RULES) -> None:
    """Inside an open unit of work: an arriving truck uses its booking — unless it is past slot + grace."""
    booking = uow.bookings.latest_for_trip(trip.id)
    if booking is None or booking.status is not BookingStatus.ACTIVE or booking.slot_end is None:
        return
    if now > booking.slot_end + rules.no_show_grace:
        raise Conflict("booking.arrived_late", field="trip_id", slot_start=booking.slot_start.isoformat())  # type: ignore[union-attr]
    booking.status, booking.updated_at = BookingStatus.USED, now
    booking.reason = "arrived"
    uow.bookings.save(booking)
    uow.bookings.add_change(booking, at=now, from_slot=booking.slot_start, actor_id=SYSTEM.id)
