"""The booking aggregate: every legal move, every illegal one refused naming state and move, reasons kept; the
one slot chooser; the pure decisions of a day's re-plan."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cuakhau.domain.allocation import FirstComeFirstServed, OptimalPlanner
from cuakhau.domain.booking import (
    DEFAULT_RULES,
    MOVES,
    OPEN_STATUSES,
    Booking,
    BookingAction,
    BookingRules,
    BookingStatus,
    allowed_moves,
    first_free_slot,
    free_slots,
    waiting_for,
    window_indexes,
)
from cuakhau.domain.errors import Conflict, IllegalBookingMove, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.domain.replanning import DayProblem, Target, may_move
from cuakhau.domain.trip import TripState

NOW = datetime(2026, 6, 2, 1, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
S0 = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # the current hour
B, M = BookingStatus, BookingAction
_ids = itertools.count()

ICT = timezone(timedelta(hours=7))


def booking(
    status: BookingStatus = B.WAITING,
    *,
    slot: datetime | None = None,
    earliest: datetime = S0,
    hours: int = 6,
    kind: Perishability = Perishability.DRY_GOODS,
    inspection: bool = False,
    seq: int | None = None,
    changes: int = 0,
) -> Booking:
    n = next(_ids)
    return Booking(
        id=f"b{n}",
        trip_id=f"t{n}",
        vehicle_id="v",
        driver_id="d",
        shipment_id="s",
        enterprise_id="e",
        gate_id="vn-huu-nghi",
        direction=Direction.EXPORT,
        earliest=earliest,
        latest=earliest + hours * HOUR,
        travel_minutes=60,
        perishability=kind,
        needs_inspection=inspection,
        requested_seq=n if seq is None else seq,
        status=status,
        slot_start=slot,
        changes=changes,
    )


def in_state(status: BookingStatus) -> Booking:
    return booking(status, slot=S0 + HOUR if status is not B.WAITING else None)


def make(b: Booking, move: BookingAction) -> None:
    """Make ``move`` with valid arguments, so only the state can refuse it."""
    at = NOW
    if move is M.PLACE:
        b.place(S0 + 2 * HOUR, at=at)
    elif move is M.WAIT_LIST:
        b.wait_list(at=at)
    elif move is M.PROMOTE:
        b.promote(S0 + 2 * HOUR, at=at)
    elif move is M.RESCHEDULE:
        b.reschedule(S0 + HOUR, S0 + 5 * HOUR, trip_state=TripState.BOOKED, now=at, rules=DEFAULT_RULES)
    elif move is M.CANCEL:
        b.cancel(by="exporter", at=at)
    elif move is M.NO_SHOW:
        b.no_show(by="system", at=at)
    else:
        b.use(at=at, rules=DEFAULT_RULES, tz=UTC)


# --- the table ----------------------------------------------------------------------------------------------


#: The published life of a booking (the module's docstring), written out independently of ``MOVES``.
PUBLISHED = {
    B.WAITING: {M.PLACE, M.WAIT_LIST, M.PROMOTE, M.RESCHEDULE, M.CANCEL, M.NO_SHOW},
    B.ACTIVE: {M.PLACE, M.WAIT_LIST, M.RESCHEDULE, M.CANCEL, M.NO_SHOW, M.USE},
    B.CANCELLED: set(),
    B.USED: set(),
    B.NO_SHOW: set(),
}
LEADS_TO = {
    M.PLACE: B.ACTIVE,
    M.WAIT_LIST: B.WAITING,
    M.PROMOTE: B.ACTIVE,
    M.RESCHEDULE: B.WAITING,
    M.CANCEL: B.CANCELLED,
    M.USE: B.USED,
    M.NO_SHOW: B.NO_SHOW,
}


def test_the_table_is_the_published_one() -> None:
    assert {s: set(allowed_moves(s)) for s in BookingStatus} == PUBLISHED
    assert {m: target for m, (_, target) in MOVES.items()} == LEADS_TO


def test_the_table_covers_every_move_and_closed_states_allow_none() -> None:
    assert set(MOVES) == set(BookingAction)
    for status in BookingStatus:
        assert (allowed_moves(status) != []) is (status in OPEN_STATUSES)


@pytest.mark.parametrize(("status", "move"), [(s, m) for m in BookingAction for s in MOVES[m][0]])
def test_every_legal_move_leads_where_the_table_says(status: BookingStatus, move: BookingAction) -> None:
    b = in_state(status)
    make(b, move)
    assert b.status is MOVES[move][1]
    assert b.updated_at == NOW


@pytest.mark.parametrize(
    ("status", "move"), [(s, m) for m in BookingAction for s in BookingStatus if s not in MOVES[m][0]]
)
def test_every_illegal_move_is_refused_naming_state_and_move(status: BookingStatus, move: BookingAction) -> None:
    b = in_state(status)
    before = (b.status, b.slot_start, b.rule, b.reason, dict(b.reason_params), b.changes, b.updated_at)
    with pytest.raises(IllegalBookingMove) as info:
        make(b, move)
    err = info.value
    assert isinstance(err, Conflict) and err.http_status == 409
    # a closed booking answers as before (booking.not_open); an open one names what it may do instead
    assert err.code == ("booking.not_open" if status not in OPEN_STATUSES else "booking.illegal_move")
    assert err.params["status"] == status.value and err.params["action"] == move.value
    assert err.params["allowed"] == (", ".join(m.value for m in allowed_moves(status)) or "-")
    assert (b.status, b.slot_start, b.rule, b.reason, dict(b.reason_params), b.changes, b.updated_at) == before


# --- each move keeps its rule and reason -----------------------------------------------------------------------


def test_place_first_come_records_the_rule_and_the_slot() -> None:
    b = booking()
    b.place(S0 + HOUR, at=NOW)
    assert (b.status, b.slot_start, b.held_slot) == (B.ACTIVE, S0 + HOUR, S0 + HOUR)
    assert (b.rule, b.reason, dict(b.reason_params)) == (
        "fcfs",
        "earliest_free_slot",
        {"slot_start": "2026-06-02T02:00:00+00:00"},
    )


def test_a_replan_places_or_moves_with_its_policy_and_reason() -> None:
    b = booking(B.ACTIVE, slot=S0 + HOUR)
    b.place(S0 + 3 * HOUR, at=NOW, rule="optimal", reason="moved_for_perishables", params={"wait": 2})
    assert (b.status, b.slot_start, b.rule, b.reason, dict(b.reason_params)) == (
        B.ACTIVE,
        S0 + 3 * HOUR,
        "optimal",
        "moved_for_perishables",
        {"wait": 2},
    )


def test_wait_list_gives_up_the_slot_and_says_why() -> None:
    b = booking(B.ACTIVE, slot=S0 + HOUR)
    b.wait_list(at=NOW)
    assert (b.status, b.slot_start, b.held_slot) == (B.WAITING, None, None)
    assert (b.rule, b.reason, dict(b.reason_params)) == ("fcfs", "no_capacity_in_window", {})
    b.wait_list(at=NOW, rule="optimal", reason="counterpart_daily_quota", params={"quota": 3})
    assert (b.rule, b.reason, dict(b.reason_params)) == ("optimal", "counterpart_daily_quota", {"quota": 3})


def test_promote_records_the_waiting_list_rule_and_the_weight() -> None:
    b = booking(kind=Perishability.FRESH_PRODUCE)
    b.promote(S0 + 2 * HOUR, at=NOW)
    assert (b.status, b.slot_start) == (B.ACTIVE, S0 + 2 * HOUR)
    assert (b.rule, b.reason) == ("waiting_list", "promoted_from_waiting_list")
    assert dict(b.reason_params) == {"weight": PROFILES[Perishability.FRESH_PRODUCE].weight}


def test_reschedule_changes_the_window_counts_the_change_and_frees_the_place() -> None:
    b = booking(B.ACTIVE, slot=S0 + HOUR)
    freed = b.reschedule(S0 + 2 * HOUR, S0 + 8 * HOUR, trip_state=TripState.DECLARED, now=NOW, rules=DEFAULT_RULES)
    assert freed == S0 + HOUR
    assert (b.status, b.slot_start, b.changes, b.earliest, b.latest) == (
        B.WAITING,
        None,
        1,
        S0 + 2 * HOUR,
        S0 + 8 * HOUR,
    )
    waiting = booking()
    assert waiting.reschedule(S0, S0 + 4 * HOUR, trip_state=TripState.BOOKED, now=NOW, rules=DEFAULT_RULES) is None


def test_reschedule_refuses_in_the_published_order_and_changes_nothing() -> None:
    rules = BookingRules(max_changes=1)
    closed = booking(B.CANCELLED)
    with pytest.raises(IllegalBookingMove) as refused:  # closed first, whatever else is wrong
        closed.reschedule(S0, S0 - HOUR, trip_state=TripState.DISPATCHED, now=NOW, rules=rules)
    assert refused.value.code == "booking.not_open"
    used_up = booking(B.ACTIVE, slot=S0 + HOUR, changes=1)
    with pytest.raises(Conflict) as info:
        used_up.reschedule(S0, S0 - HOUR, trip_state=TripState.DISPATCHED, now=NOW, rules=rules)
    assert info.value.code == "booking.too_many_changes" and info.value.params == {"max": 1}
    on_road = booking(B.ACTIVE, slot=S0 + HOUR)
    with pytest.raises(Conflict) as info:
        on_road.reschedule(S0, S0 - HOUR, trip_state=TripState.DISPATCHED, now=NOW, rules=rules)
    assert info.value.code == "booking.on_the_road" and info.value.params == {"state": "dispatched"}
    with pytest.raises(InvalidInput) as bad:
        on_road.reschedule(S0, S0 - HOUR, trip_state=TripState.BOOKED, now=NOW, rules=rules)
    assert bad.value.code == "time.end_before_start"
    assert (on_road.status, on_road.slot_start, on_road.changes) == (B.ACTIVE, S0 + HOUR, 0)


@pytest.mark.parametrize("status", [B.CANCELLED, B.NO_SHOW])
def test_close_keeps_the_slot_on_record_and_says_who(status: BookingStatus) -> None:
    b = booking()
    b.place(S0 + HOUR, at=NOW)
    assert b.close(status, by="exporter", at=NOW) == S0 + HOUR
    assert (b.status, b.slot_start, b.held_slot) == (status, S0 + HOUR, None)
    assert (b.rule, b.reason, dict(b.reason_params)) == (None, status.value, {"by": "exporter"})
    assert booking().close(status, by="system", at=NOW) is None  # a waiting booking held no place


def test_close_is_only_cancel_or_no_show() -> None:
    with pytest.raises(ValueError, match="used"):
        booking(B.ACTIVE, slot=S0).close(B.USED, by="system", at=NOW)


def test_use_marks_the_arrival_and_keeps_the_rule() -> None:
    b = booking(B.ACTIVE, slot=S0)
    b.rule, b.reason_params = "fcfs", {"slot_start": S0.isoformat()}
    arrival = S0 + HOUR + DEFAULT_RULES.no_show_grace  # the last moment that still counts
    b.use(at=arrival, rules=DEFAULT_RULES, tz=UTC)
    assert (b.status, b.reason, b.rule, b.updated_at) == (B.USED, "arrived", "fcfs", arrival)
    assert dict(b.reason_params) == {"slot_start": S0.isoformat()}


def test_use_past_the_slot_and_grace_is_refused_as_late() -> None:
    b = booking(B.ACTIVE, slot=S0)
    with pytest.raises(Conflict) as info:
        b.use(at=S0 + HOUR + DEFAULT_RULES.no_show_grace + timedelta(seconds=1), rules=DEFAULT_RULES, tz=ICT)
    assert info.value.code == "booking.arrived_late"
    assert info.value.params == {"slot_start": f"{S0.astimezone(ICT):%Y-%m-%d %H:%M} UTC+07:00"}
    assert b.status is B.ACTIVE


# --- the slot chooser ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    capacity: int = 2
    booked: int = 0
    inspection_capacity: int = 1
    booked_inspection: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


def day(n: int = 24, **full: int) -> list[Slot]:
    return [Slot(S0 + (i - 1) * HOUR, booked=full.get(f"h{i}", 0)) for i in range(n)]


def test_the_chooser_takes_the_earliest_slot_with_room_from_the_current_hour() -> None:
    slots = day(h1=2, h2=2)  # the current hour (h1) and the next are full; h0 is past
    b = booking(earliest=S0 - HOUR, hours=6)
    assert first_free_slot(slots, b, NOW) == slots[3]
    assert [s.starts_at for s in free_slots(slots, b, NOW)] == [S0 + i * HOUR for i in range(2, 5)]
    assert first_free_slot(slots, b, NOW, ruled_out=lambda s: s.starts_at == S0 + 2 * HOUR) == slots[4]


def test_the_chooser_needs_an_inspection_place_for_goods_that_need_one() -> None:
    slots = [Slot(S0, booked_inspection=1), Slot(S0 + HOUR)]
    assert first_free_slot(slots, booking(inspection=True), NOW) == slots[1]
    assert first_free_slot(slots, booking(inspection=False), NOW) == slots[0]


def test_the_chooser_gives_nothing_when_the_window_is_full_or_over() -> None:
    assert first_free_slot(day(h1=2, h2=2), booking(hours=2), NOW) is None
    assert first_free_slot(day(), booking(earliest=S0 - 3 * HOUR, hours=1), NOW) is None


def test_window_indexes_are_the_slots_the_chooser_looks_at() -> None:
    slots = day()
    b = booking(earliest=S0 - 3 * HOUR, hours=5)  # from the current hour to two hours on
    assert window_indexes(slots, b, NOW) == (1, 2)
    assert window_indexes(slots, booking(earliest=S0 + 30 * HOUR), NOW) is None


def test_a_freed_place_goes_to_the_most_perishable_then_the_first_come() -> None:
    dry_first = booking(kind=Perishability.DRY_GOODS, seq=1)
    fresh_late = booking(kind=Perishability.FRESH_PRODUCE, seq=3)
    fresh_early = booking(kind=Perishability.FRESH_PRODUCE, seq=2)
    outside = booking(kind=Perishability.LIVE_ANIMALS, earliest=S0 + 5 * HOUR, hours=2)
    active = booking(B.ACTIVE, slot=S0 + HOUR, kind=Perishability.LIVE_ANIMALS)
    assert waiting_for([dry_first, fresh_late, outside, active, fresh_early], S0 + HOUR) == [
        fresh_early,
        fresh_late,
        dry_first,
    ]


# --- the re-plan's decisions --------------------------------------------------------------------------------------


def test_only_bookings_whose_trip_has_not_left_and_whose_hour_has_not_begun_may_move() -> None:
    today = {s.starts_at for s in day()}
    assert may_move(booking(B.ACTIVE, slot=S0 + HOUR), TripState.BOOKED, today, NOW)
    assert may_move(booking(), TripState.DECLARED, today, NOW)
    assert not may_move(booking(B.ACTIVE, slot=S0 + HOUR), TripState.DISPATCHED, today, NOW)
    assert not may_move(booking(B.ACTIVE, slot=S0 - HOUR), TripState.BOOKED, today, NOW)  # its hour is over
    assert may_move(booking(B.ACTIVE, slot=S0), TripState.BOOKED, today, NOW)  # the current hour is still open
    assert not may_move(booking(B.ACTIVE, slot=S0 + 30 * HOUR), TripState.BOOKED, today, NOW)  # another day's


def test_a_replan_keeps_moves_and_wait_lists_with_reasons() -> None:
    slots = [Slot(S0 + i * HOUR, capacity=1, booked=1) for i in range(3)]  # all three held
    keeps = booking(B.ACTIVE, slot=S0, kind=Perishability.FRESH_PRODUCE, hours=1)
    moves = booking(B.ACTIVE, slot=S0 + HOUR, kind=Perishability.DRY_GOODS, hours=3)
    promoted = booking(kind=Perishability.LIVE_ANIMALS, earliest=S0 + HOUR, hours=1)
    no_window = booking(earliest=S0 - 5 * HOUR, hours=2)
    on_road = booking(B.ACTIVE, slot=S0 + 2 * HOUR)
    found = [(keeps, TripState.BOOKED), (moves, TripState.BOOKED), (promoted, TripState.DECLARED)]
    found += [(no_window, TripState.DECLARED), (on_road, TripState.DISPATCHED)]
    problem = DayProblem.of(slots, found, now=NOW, resource="g/export", max_wait=12)
    assert problem.movable == [keeps, moves, promoted, no_window]
    assert problem.fixed == 1  # the truck on the road holds the last hour
    assert problem.problem.capacity == {"g/export": [1, 1, 0]}
    targets = {t.booking.id: t for t in problem.decide(OptimalPlanner().plan(problem.problem), quota_limit=None)}
    assert not targets[keeps.id].changed and targets[keeps.id].slot_start == S0
    assert targets[promoted.id].slot_start == S0 + HOUR and targets[promoted.id].changed
    moved = targets[moves.id]
    assert moved.changed and moved.slot_start is None and moved.rule == "optimal"
    assert (targets[no_window.id].slot_start, targets[no_window.id].reason) == (None, "no_capacity_in_window")
    for t in targets.values():
        if t.changed:
            t.apply(at=NOW)
    assert (promoted.status, promoted.slot_start, promoted.rule) == (B.ACTIVE, S0 + HOUR, "optimal")
    assert (moves.status, moves.slot_start, moves.reason) == (B.WAITING, None, moved.reason)


def test_the_daily_acceptance_keeps_the_most_urgent() -> None:
    slots = [Slot(S0 + i * HOUR, capacity=3) for i in range(3)]
    dry = booking(kind=Perishability.DRY_GOODS, seq=1)
    fresh = booking(kind=Perishability.FRESH_PRODUCE, seq=2)
    live = booking(kind=Perishability.LIVE_ANIMALS, seq=3)
    found = [(b, TripState.DECLARED) for b in (dry, fresh, live)]
    problem = DayProblem.of(slots, found, now=NOW, resource="g/export", max_wait=12)
    targets = problem.decide(FirstComeFirstServed().plan(problem.problem), quota_limit=2)
    by_id = {t.booking.id: t for t in targets}
    assert [t.booking for t in targets] == [dry, fresh, live]  # in the order of the movable bookings
    assert by_id[live.id].slot_start is not None and by_id[fresh.id].slot_start is not None
    assert (by_id[dry.id].slot_start, by_id[dry.id].reason, dict(by_id[dry.id].params)) == (
        None,
        "counterpart_daily_quota",
        {"quota": 2},
    )
    assert all(t.rule == "fcfs" for t in targets)
    assert isinstance(targets[0], Target)


def test_a_replan_after_a_slot_shrinks_moves_only_the_booking_that_lost_its_place() -> None:
    """Six dry trucks booked two to an hour (the later ones came first); the first hour shrinks to one place.
    The re-plan moves one booking, to the waiting list (the day is full), and every other keeps its slot —
    re-planned as if nothing had been booked, the first come would have taken the earliest hours (five moves)."""
    slots = [Slot(S0 + i * HOUR, capacity=2, booked=2, inspection_capacity=2) for i in range(3)]
    held = [booking(B.ACTIVE, slot=S0 + (i // 2) * HOUR, hours=3, seq=10 - i) for i in range(6)]
    found = [(b, TripState.BOOKED) for b in held]
    problem = DayProblem.of(slots, found, now=NOW, resource="g/export", max_wait=12, capacity_override={S0: (1, 1)})
    targets = problem.decide(OptimalPlanner().plan(problem.problem), quota_limit=None)
    changed = [t for t in targets if t.changed]
    assert [(t.booking, t.slot_start) for t in changed] == [(held[0], None)]  # the later-come of the first hour
    assert all(t.slot_start == t.booking.held_slot for t in targets if not t.changed)


def test_a_full_day_keeps_the_bookings_that_hold_their_place_before_promoting_an_equal_one() -> None:
    """The counterpart's daily acceptance is reached: a waiting truck of the same class that came first does not
    take the place of one that holds its slot (it would be two changes for no truck more)."""
    slots = [Slot(S0 + i * HOUR, capacity=2, booked=int(i == 0)) for i in range(3)]
    holder = booking(B.ACTIVE, slot=S0, seq=5)
    waiting = booking(seq=1)
    found = [(holder, TripState.BOOKED), (waiting, TripState.DECLARED)]
    problem = DayProblem.of(slots, found, now=NOW, resource="g/export", max_wait=12)
    targets = {t.booking.id: t for t in problem.decide(OptimalPlanner().plan(problem.problem), quota_limit=1)}
    assert not targets[holder.id].changed
    assert (targets[waiting.id].slot_start, targets[waiting.id].reason) == (None, "counterpart_daily_quota")
