"""Bookings — đặt chỗ / 预约 — of a truck into an hourly slot, and the published rules around them.

A booking is bound to the trip's plate, driver and declaration: it cannot be transferred or resold. The
published rules (``BookingRules``) say how wide a window may be, how often a booking may be changed, the grace
period after a slot before a truck is a no-show, and the penalty for repeated no-shows. Dispatch gating
(``dispatch_problems``) says whether a truck may leave its origin now, and if not, every reason why.

A booking's life, written down as a table (``MOVES``) so it can be published and tested::

    waiting ─place─▶ active            (a slot with room: first come, or a re-plan's choice)
    active  ─place─▶ active            (a re-plan moves it to another slot)
    waiting/active ─wait_list─▶ waiting    (no slot with room in its window)
    waiting ─promote─▶ active          (a freed place offered to the waiting list)
    waiting/active ─reschedule─▶ waiting   (a new window: the slot is given up until placed again)
    waiting/active ─cancel─▶ cancelled;   waiting/active ─no_show─▶ no_show;   active ─use─▶ used

A new booking starts waiting (it holds no slot) and is placed or wait-listed at once. Every move keeps its rule,
reason and parameters on the booking (the change record the exporter sees); a move the table does not allow is
refused with :class:`~cuakhau.domain.errors.IllegalBookingMove`, naming the state and the move.

The one slot chooser (``free_slots``) lives here too: the slots of a booking's window, from the current hour
to its latest arrival, that have room for it, earliest first. Booking and batch booking take the first; a
re-plan hands the planner the window (``window_indexes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from cuakhau.domain.capacity import SLOT
from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.errors import Conflict, IllegalBookingMove, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.shipment import Perishability, Shipment
from cuakhau.domain.trip import TripState
from cuakhau.i18n.times import local_time


class BookingStatus(StrEnum):
    ACTIVE = "active"  # holds a slot
    WAITING = "waiting"  # on the waiting list: no slot with room in its window yet
    CANCELLED = "cancelled"
    USED = "used"  # the truck arrived
    NO_SHOW = "no_show"


OPEN_STATUSES = frozenset({BookingStatus.ACTIVE, BookingStatus.WAITING})


class BookingAction(StrEnum):
    PLACE = "place"
    WAIT_LIST = "wait_list"
    PROMOTE = "promote"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    USE = "use"
    NO_SHOW = "no_show"


_B, _M = BookingStatus, BookingAction

#: A booking's whole life: move -> (states it may start from, state it leads to).
MOVES: dict[BookingAction, tuple[frozenset[BookingStatus], BookingStatus]] = {
    _M.PLACE: (OPEN_STATUSES, _B.ACTIVE),
    _M.WAIT_LIST: (OPEN_STATUSES, _B.WAITING),
    _M.PROMOTE: (frozenset({_B.WAITING}), _B.ACTIVE),
    _M.RESCHEDULE: (OPEN_STATUSES, _B.WAITING),
    _M.CANCEL: (OPEN_STATUSES, _B.CANCELLED),
    _M.USE: (frozenset({_B.ACTIVE}), _B.USED),
    _M.NO_SHOW: (OPEN_STATUSES, _B.NO_SHOW),
}

#: Trips in these states have not left their origin: their bookings may move (re-plan, reschedule, promote).
MOVABLE_TRIP_STATES = frozenset({TripState.DECLARED, TripState.BOOKED})


def allowed_moves(status: BookingStatus) -> list[BookingAction]:
    """Moves a booking may make from ``status``, in the table's order."""
    return [move for move, (sources, _) in MOVES.items() if status in sources]


def floor_hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The published booking rules of a gate (defaults are the platform's; a board may publish others)."""

    max_window: timedelta = timedelta(hours=48)
    min_window: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(days=14)  # how far ahead a slot may be booked
    max_changes: int = 3  # reschedules allowed per booking
    no_show_grace: timedelta = timedelta(hours=2)
    #: A truck may leave its origin at most this long before it must leave to make its slot.
    early_departure_tolerance: timedelta = timedelta(hours=2)
    #: Penalty: this many no-shows within ``penalty_period`` suspend the enterprise's booking for ``suspension``.
    penalty_no_shows: int = 3
    penalty_period: timedelta = timedelta(days=30)
    suspension: timedelta = timedelta(days=7)
    #: Fairness bound: no truck waits more hours than this past its earliest arrival while capacity allows.
    max_wait_hours: int = 12

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_window_hours": self.max_window / timedelta(hours=1),
            "min_window_hours": self.min_window / timedelta(hours=1),
            "horizon_days": self.horizon / timedelta(days=1),
            "max_changes": self.max_changes,
            "no_show_grace_minutes": self.no_show_grace / timedelta(minutes=1),
            "early_departure_tolerance_minutes": self.early_departure_tolerance / timedelta(minutes=1),
            "penalty_no_shows": self.penalty_no_shows,
            "penalty_period_days": self.penalty_period / timedelta(days=1),
            "suspension_days": self.suspension / timedelta(days=1),
            "max_wait_hours": self.max_wait_hours,
        }


DEFAULT_RULES = BookingRules()


def check_window(earliest: datetime, latest: datetime, now: datetime, rules: BookingRules) -> tuple[datetime, datetime]:
    earliest = ensure_utc(earliest, field="earliest")
    latest = ensure_utc(latest, field="latest")
    if latest <= earliest:
        raise InvalidInput("time.end_before_start", field="latest")
    if latest - earliest < rules.min_window:
        raise InvalidInput("booking.window_too_narrow", field="latest", min_hours=rules.as_dict()["min_window_hours"])
    if latest - earliest > rules.max_window:
        raise InvalidInput("booking.window_too_wide", field="latest", max_hours=rules.as_dict()["max_window_hours"])
    if latest <= now:
        raise InvalidInput("booking.window_in_past", field="latest")
    if earliest > now + rules.horizon:
        raise InvalidInput("booking.too_far_ahead", field="earliest", days=rules.as_dict()["horizon_days"])
    return earliest, latest


@dataclass(slots=True)
class Booking:
    id: str
    trip_id: str
    vehicle_id: str
    driver_id: str
    shipment_id: str
    enterprise_id: str
    gate_id: str
    direction: Direction
    earliest: datetime
    latest: datetime
    travel_minutes: int
    perishability: Perishability
    needs_inspection: bool
    requested_seq: int
    status: BookingStatus = BookingStatus.WAITING
    slot_start: datetime | None = None
    rule: str | None = None
    reason: str | None = None
    reason_params: Mapping[str, Any] = field(default_factory=dict)
    changes: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def slot_end(self) -> datetime | None:
        return self.slot_start + timedelta(hours=1) if self.slot_start else None

    def must_leave_by(self) -> datetime | None:
        """The latest departure from the origin that still makes the slot."""
        return self.slot_start - timedelta(minutes=self.travel_minutes) if self.slot_start else None

    @property
    def held_slot(self) -> datetime | None:
        """The slot whose place this booking holds now (an active booking's slot), else None."""
        return self.slot_start if self.status is BookingStatus.ACTIVE else None

    def window_start(self, now: datetime) -> datetime:
        """The first slot it may use: the hour of its earliest arrival, or the current hour if that is later."""
        return floor_hour(max(self.earliest, now))

    # --- moves ---------------------------------------------------------------------------------------------

    def _move(
        self,
        move: BookingAction,
        at: datetime,
        *,
        rule: str | None,
        reason: str,
        params: Mapping[str, Any],
        slot_start: datetime | None,
    ) -> None:
        self.check(move)
        self.status = MOVES[move][1]
        self.slot_start = slot_start
        self.rule, self.reason, self.reason_params = rule, reason, params
        self.updated_at = at

    def check(self, move: BookingAction) -> None:
        """Refuse a move the table does not allow from the current state, naming both."""
        if self.status not in MOVES[move][0]:
            raise IllegalBookingMove(
                booking_id=self.id,
                status=self.status.value,
                action=move.value,
                allowed=[m.value for m in allowed_moves(self.status)],
                closed=not self.is_open,
            )

    def place(
        self,
        slot_start: datetime,
        *,
        at: datetime,
        rule: str = "fcfs",
        reason: str = "earliest_free_slot",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Hold a place in the slot starting at ``slot_start``: by default the first come's earliest free slot,
        or the slot a re-plan chose (its policy, reason and parameters)."""
        if params is None:
            params = {"slot_start": slot_start.isoformat()}
        self._move(_M.PLACE, at, rule=rule, reason=reason, params=params, slot_start=slot_start)

    def wait_list(
        self,
        *,
        at: datetime,
        rule: str = "fcfs",
        reason: str = "no_capacity_in_window",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Join (or stay on) the waiting list, giving up any slot: no slot of its window had room for it."""
        self._move(_M.WAIT_LIST, at, rule=rule, reason=reason, params=params or {}, slot_start=None)

    def promote(self, slot_start: datetime, *, at: datetime) -> None:
        """Take a place freed in ``slot_start``, offered to the waiting list by weight, then first come."""
        params = {"weight": PROFILES[self.perishability].weight}
        self._move(
            _M.PROMOTE,
            at,
            rule="waiting_list",
            reason="promoted_from_waiting_list",
            params=params,
            slot_start=slot_start,
        )

    def take_freed(self, slot_start: datetime, *, at: datetime, params: Mapping[str, Any]) -> datetime | None:
        """A standby truck moved into a place freed in ``slot_start`` (``cuakhau.domain.standby``): from the
        waiting list (promoted) or from its later slot (placed). ``params`` say why (the cause, the slot in the
        gate's local time). Returns the slot whose place it gave up, if any."""
        given_up = self.held_slot
        move = _M.PROMOTE if self.status is BookingStatus.WAITING else _M.PLACE
        self._move(move, at, rule="standby", reason="standby_place_freed", params=params, slot_start=slot_start)
        return given_up

    def check_reschedule(self, rules: BookingRules) -> None:
        """The rules a change of window meets before anything else is read: open, and changes left."""
        self.check(_M.RESCHEDULE)
        if self.changes >= rules.max_changes:
            raise Conflict("booking.too_many_changes", field="trip_id", max=rules.max_changes)

    def reschedule(
        self, earliest: datetime, latest: datetime, *, trip_state: TripState, now: datetime, rules: BookingRules
    ) -> datetime | None:
        """Move to a new window (a limited number of times; not once the truck is on the road): the booking
        gives up its slot and waits to be placed again. Returns the slot whose place it gave up, if any."""
        self.check_reschedule(rules)
        if trip_state not in MOVABLE_TRIP_STATES:
            raise Conflict("booking.on_the_road", field="trip_id", state=trip_state.value)
        earliest, latest = check_window(earliest, latest, now, rules)
        freed = self.held_slot
        self.earliest, self.latest, self.changes = earliest, latest, self.changes + 1
        self.status, self.slot_start, self.updated_at = MOVES[_M.RESCHEDULE][1], None, now
        return freed

    def close(self, status: BookingStatus, *, by: str, at: datetime) -> datetime | None:
        """End an open booking: cancelled (``cancel``) or a no-show (``no_show``); ``by`` is the role that
        closed it. Returns the slot whose place it held (a no-show's place is not given back: the hour is over)."""
        move = {BookingStatus.CANCELLED: _M.CANCEL, BookingStatus.NO_SHOW: _M.NO_SHOW}.get(status)
        if move is None:
            raise ValueError(f"a booking is closed as cancelled or no_show, not {status.value}")
        held = self.held_slot
        self._move(move, at, rule=None, reason=status.value, params={"by": by}, slot_start=self.slot_start)
        return held

    def cancel(self, *, by: str, at: datetime) -> datetime | None:
        return self.close(BookingStatus.CANCELLED, by=by, at=at)

    def no_show(self, *, by: str, at: datetime) -> datetime | None:
        return self.close(BookingStatus.NO_SHOW, by=by, at=at)

    def use(self, *, at: datetime, rules: BookingRules, tz: tzinfo) -> None:
        """The truck arrived: the booking is used — unless it came past its slot plus the grace period (the
        refusal gives the slot in ``tz``, the gate's zone)."""
        self.check(_M.USE)
        if self.slot_start is not None and at > self.slot_start + SLOT + rules.no_show_grace:
            raise Conflict("booking.arrived_late", field="trip_id", slot_start=local_time(self.slot_start, tz))
        self.status, self.updated_at, self.reason = BookingStatus.USED, at, "arrived"


# --- the slot chooser --------------------------------------------------------------------------------------


class SlotRoom(Protocol):
    """What the chooser reads of a slot (the database's ``SlotRow``)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def capacity(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def booked_inspection(self) -> int: ...
    @property
    def inspection_capacity(self) -> int: ...


S = TypeVar("S", bound=SlotRoom)


class RoomLimit(StrEnum):
    """Why a slot has no place left for a truck: the limit booking meets there (none while places remain)."""

    HOUR_OVER = "hour_over"  # the hour is over: no booking can take it
    CLOSED = "closed"  # no capacity at all: a side is closed, or the counterpart accepts none that hour
    SLOT_FULL = "slot_full"  # every place of the hour is held (lanes or the counterpart's hourly quota)
    INSPECTION_FULL = "inspection_full"  # every inspection place of the hour is held
    DAILY_QUOTA = "daily_quota"  # the counterpart's daily acceptance for that local day is used up


@dataclass(frozen=True, slots=True)
class Room:
    """What remains of one slot for one kind of truck, and the limit that binds when nothing does."""

    places: int
    limit: RoomLimit | None


def room(slot: SlotRoom, *, needs_inspection: bool, now: datetime, quota_left: int | None = None) -> Room:
    """THE rule of what remains: the places a truck (needing inspection or not) can still book in ``slot``.

    Booking takes a place only where this is above zero, and every view of what remains (the slots API, the
    portal, the day plan, the wait board) shows this figure, so a view shows 0 exactly when booking refuses.
    It applies every limit a booking meets: the hour not yet over; the slot's capacity, which already holds both
    sides' hours and closures, both sides' lanes and the counterpart's hourly quota (``domain.capacity``); the
    inspection places for goods that need inspection; and ``quota_left``, what remains of the counterpart's
    daily quota for the slot's local day (None: none declared, or — on the booking path — not known to be used
    up: the database takes the day's place atomically with the slot's).
    """
    if slot.starts_at < floor_hour(now):
        return Room(0, RoomLimit.HOUR_OVER)
    if slot.capacity <= 0:
        return Room(0, RoomLimit.CLOSED)
    candidates = [(slot.remaining, RoomLimit.SLOT_FULL)]
    if needs_inspection:
        candidates.append((slot.inspection_capacity - slot.booked_inspection, RoomLimit.INSPECTION_FULL))
    if quota_left is not None:
        candidates.append((quota_left, RoomLimit.DAILY_QUOTA))
    places, limit = min(candidates, key=lambda c: c[0])
    return Room(places, limit) if places > 0 else Room(0, limit)


def has_room(slot: SlotRoom, booking: Booking, now: datetime, quota_left: int | None = None) -> bool:
    """A place left in the slot for the booking (``room``): in the hour, in inspection if its goods need it, and
    under the day's quota."""
    return room(slot, needs_inspection=booking.needs_inspection, now=now, quota_left=quota_left).places > 0


def free_slots(
    slots: Iterable[S],
    booking: Booking,
    now: datetime,
    *,
    ruled_out: Callable[[S], bool] | None = None,
    quota_left: Callable[[S], int | None] | None = None,
) -> Iterator[S]:
    """The slots of ``slots`` (in time order) in the booking's window — from ``window_start(now)`` to its latest
    arrival — with room for it (``room``, with what remains of the day's quota by ``quota_left``) and not
    ``ruled_out`` (e.g. found full by an earlier attempt), earliest first. First come, first served takes the
    first."""
    start = booking.window_start(now)
    for slot in slots:
        in_window = start <= slot.starts_at < booking.latest
        left = quota_left(slot) if quota_left is not None else None
        if in_window and has_room(slot, booking, now, left) and (ruled_out is None or not ruled_out(slot)):
            yield slot


def first_free_slot(
    slots: Iterable[S],
    booking: Booking,
    now: datetime,
    *,
    ruled_out: Callable[[S], bool] | None = None,
    quota_left: Callable[[S], int | None] | None = None,
) -> S | None:
    """First come, first served: the earliest of ``free_slots``, or None (the waiting list)."""
    return next(free_slots(slots, booking, now, ruled_out=ruled_out, quota_left=quota_left), None)


def priority(booking: Booking) -> tuple[int, int]:
    """The waiting list's order, and whom a full day keeps: most perishable first, then first come."""
    return -PROFILES[booking.perishability].weight, booking.requested_seq


def waiting_for(bookings: Iterable[Booking], slot_start: datetime) -> list[Booking]:
    """The waiting bookings whose window covers the slot starting at ``slot_start``, in the order a place freed
    there is offered to them (``priority``)."""
    end = slot_start + SLOT
    waiting = [b for b in bookings if b.status is BookingStatus.WAITING and b.earliest < end and b.latest > slot_start]
    return sorted(waiting, key=priority)


def window_indexes(slots: Sequence[SlotRoom], booking: Booking, now: datetime) -> tuple[int, int] | None:
    """The first and last index of the slots (in time order) in the booking's window, or None if none is:
    the slots a planner may choose from for it."""
    start = booking.window_start(now)
    inside = [i for i, s in enumerate(slots) if start <= s.starts_at < booking.latest]
    return (inside[0], inside[-1]) if inside else None


@dataclass(frozen=True, slots=True)
class DispatchProblem:
    code: str
    field: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def dispatch_problems(
    booking: Booking | None,
    shipment: Shipment,
    *,
    now: datetime,
    rules: BookingRules,
    registered: Callable[[str, str], bool],
    tz: tzinfo,
) -> list[DispatchProblem]:
    """Every reason a truck may not leave its origin now; empty when it may (times in ``tz``, the gate's zone).

    ``registered(kind, code)`` answers whether a planting-area or packing-house code is in the importable
    registry and active.
    """
    problems: list[DispatchProblem] = []
    if booking is None or booking.status is not BookingStatus.ACTIVE or booking.slot_start is None:
        problems.append(DispatchProblem("dispatch.no_slot", "booking"))
    else:
        leave_by = booking.must_leave_by()
        assert leave_by is not None
        earliest_departure = leave_by - rules.early_departure_tolerance
        if now < earliest_departure:
            problems.append(
                DispatchProblem(
                    "dispatch.too_early",
                    "booking.slot_start",
                    {
                        "slot_start": local_time(booking.slot_start, tz),
                        "leave_after": local_time(earliest_departure, tz),
                    },
                )
            )
        if booking.slot_end is not None and now > booking.slot_end + rules.no_show_grace:
            problems.append(DispatchProblem("dispatch.slot_missed", "booking.slot_start"))
    if shipment.plant_product:
        if not shipment.phytosanitary_certificate_no:
            problems.append(DispatchProblem("dispatch.no_phytosanitary_certificate", "phytosanitary_certificate_no"))
        for i, line in enumerate(shipment.lines):
            if line.hs.chapter not in {"07", "08"}:
                continue  # registered orchards and packing houses are required for fresh fruit and vegetables
            for kind, code, missing, unregistered in (
                (
                    "planting_area",
                    line.planting_area_code,
                    "dispatch.no_planting_area_code",
                    "dispatch.unregistered_planting_area",
                ),
                (
                    "packing_house",
                    line.packing_house_code,
                    "dispatch.no_packing_house_code",
                    "dispatch.unregistered_packing_house",
                ),
            ):
                if code is None:
                    problems.append(DispatchProblem(missing, f"lines[{i}].{kind}_code"))
                elif not registered(kind, code):
                    problems.append(DispatchProblem(unregistered, f"lines[{i}].{kind}_code", {"value": code}))
    return problems


def suspended_until(no_shows: list[datetime], now: datetime, rules: BookingRules) -> datetime | None:
    """Under the penalty rule, until when an enterprise with these no-show times may not book (or None)."""
    recent = sorted(t for t in no_shows if now - t <= rules.penalty_period + rules.suspension)
    for i in range(len(recent) - rules.penalty_no_shows + 1):
        window = recent[i : i + rules.penalty_no_shows]
        if window[-1] - window[0] <= rules.penalty_period:
            until = window[-1] + rules.suspension
            if until > now:
                return until
    return None
