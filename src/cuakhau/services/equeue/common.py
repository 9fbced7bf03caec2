"""What the e-queue's use cases share: the caller's admission, idempotency keys, slot days, notices."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cuakhau.domain.accounts import TripScope
from cuakhau.domain.booking import MOVABLE_TRIP_STATES as MOVABLE_TRIP_STATES
from cuakhau.domain.booking import Booking
from cuakhau.domain.booking import floor_hour as floor_hour
from cuakhau.domain.capacity import SLOT, day_bounds, slot_capacities
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import CuakhauError, InvalidInput, NotFound
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.notification import Notification, NotificationKind
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState, new_id
from cuakhau.i18n import LANGUAGES, reasons
from cuakhau.services.ports import UnitOfWork

SYSTEM = Actor("cuakhau:e-queue", ActorRole.SYSTEM)

#: Trips in these states are on the road or past the gate: their slots are fixed.
FIXED_STATES = frozenset({TripState.DISPATCHED, TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING})

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


def booking_messages(booking: Booking, gate: Gate) -> dict[str, str]:
    """Why the booking is where it is, a sentence in each language (``i18n.reasons``), times in the gate's."""
    return {
        language: reasons.describe(
            booking.reason, booking.reason_params, slot_start=booking.slot_start, language=language, tz=gate.timezone
        )
        for language in LANGUAGES
    }


def _notify(
    uow: UnitOfWork,
    clock: Clock,
    kind: NotificationKind,
    booking: Booking,
    gate: Gate,
    extra: dict[str, Any] | None = None,
) -> None:
    language = "vi" if gate.country.value == "VN" else "zh"
    leave_by = booking.must_leave_by()
    messages = booking_messages(booking, gate)
    payload: dict[str, Any] = {
        "gate_id": booking.gate_id,
        "direction": booking.direction.value,
        "status": booking.status.value,
        # times in the gate's local time with its offset, as people read them
        "slot_start": gate.local(booking.slot_start).isoformat() if booking.slot_start else None,
        "slot_start_local": gate.local(booking.slot_start).isoformat() if booking.slot_start else None,
        "must_leave_by": gate.local(leave_by).isoformat() if leave_by else None,
        "rule": booking.rule,
        "reason": booking.reason,
        "reason_params": dict(booking.reason_params),
        # what the gateway sends: the reason as a sentence, in the message's language and in all three
        "message": messages[language],
        "messages": messages,
        **(extra or {}),
    }
    uow.outbox.add(
        Notification(
            id=new_id(),
            kind=kind.value,
            created_at=clock.now(),
            language=language,
            payload=payload,
            trip_id=booking.trip_id,
            booking_id=booking.id,
            enterprise_id=booking.enterprise_id,
        )
    )


def _release(uow: UnitOfWork, gate: Gate, booking: Booking, slot_start: datetime | None) -> None:
    """Give back the place ``booking`` held in ``slot_start`` (its ``held_slot`` before it moved), if any."""
    if slot_start is not None:
        uow.slots.release(gate.id, booking.direction, slot_start, inspection=booking.needs_inspection)
        uow.quotas.release(gate.id, booking.direction, gate.local(slot_start).date().isoformat())


def _save_trip(uow: UnitOfWork, trip: Trip, action: TripAction, actor: Actor, clock: Clock, reason: str | None) -> None:
    trip.apply(action, actor=actor, clock=clock, reason=reason)
    uow.trips.save(trip)


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """One request to book a trip, for ``book`` (alone or with others that arrived together)."""

    trip_id: str
    earliest: datetime
    latest: datetime
    travel_minutes: int
    actor: Actor
    idempotency: Idempotency
    may_see: MaySee | None = None
    count: Count | None = None
