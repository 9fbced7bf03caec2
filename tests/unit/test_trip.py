"""The trip lifecycle: the published table, refusals that name state and step, reasons, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import IllegalTransition, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import (
    REASON_REQUIRED,
    TERMINAL_STATES,
    TRANSITIONS,
    Actor,
    ActorRole,
    Trip,
    TripAction,
    TripState,
    allowed_actions,
)

T0 = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
OFFICER = Actor("vn-huu-nghi:customs-01", ActorRole.CUSTOMS)
HAPPY_PATH = ["book", "dispatch", "arrive", "call", "inspect", "clear", "cross"]


def new_trip(clock: ManualClock) -> Trip:
    return Trip.declare(
        gate_id="vn-huu-nghi",
        direction=Direction.EXPORT,
        vehicle_id="v1",
        driver_id="d1",
        shipment_id="s1",
        actor=Actor("exporter-1", ActorRole.EXPORTER),
        clock=clock,
    )


def test_declared_trip_records_a_declare_event_at_clock_time() -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    assert trip.state is TripState.DECLARED
    assert trip.declared_at == T0
    [event] = trip.pending_events
    assert (event.seq, event.action, event.from_state, event.to_state) == (
        1,
        TripAction.DECLARE,
        None,
        TripState.DECLARED,
    )
    assert event.actor.role is ActorRole.EXPORTER


def test_happy_path_reaches_crossed_with_one_event_per_step() -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    for i, action in enumerate(HAPPY_PATH):
        clock.advance(timedelta(minutes=30))
        event = trip.apply(TripAction(action), actor=OFFICER, clock=clock)
        assert event.seq == i + 2
        assert event.at == clock.now()
    assert trip.state is TripState.CROSSED
    assert trip.is_terminal
    assert [e.to_state.value for e in trip.pending_events] == [
        "declared",
        "booked",
        "dispatched",
        "arrived",
        "called",
        "inspecting",
        "cleared",
        "crossed",
    ]


def test_green_channel_clears_without_physical_inspection() -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    for action in ["book", "dispatch", "arrive", "call", "clear"]:
        trip.apply(TripAction(action), actor=OFFICER, clock=clock)
    assert trip.state is TripState.CLEARED


def test_illegal_transition_names_current_state_and_requested_step() -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    with pytest.raises(IllegalTransition) as info:
        trip.apply(TripAction.CROSS, actor=OFFICER, clock=clock)
    err = info.value
    assert err.code == "trip.illegal_transition"
    assert err.params["state"] == "declared"
    assert err.params["action"] == "cross"
    assert "book" in err.params["allowed"]
    assert err.http_status == 409
    assert trip.state is TripState.DECLARED and len(trip.pending_events) == 1


@pytest.mark.parametrize("action", sorted(a.value for a in REASON_REQUIRED))
def test_decisions_that_stop_a_truck_need_a_reason(action: str) -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    # bring the trip to a state the action is allowed from
    route = {
        "hold": ["book", "dispatch", "arrive"],
        "reject": ["book", "dispatch", "arrive", "call"],
        "return": ["book", "dispatch", "arrive", "call"],
        "cancel": [],
        "no_show": ["book"],
        "requeue": ["book", "dispatch", "arrive", "call"],
    }[action]
    for step in route:
        trip.apply(TripAction(step), actor=OFFICER, clock=clock)
    if action == "return":
        trip.apply(TripAction.REJECT, actor=OFFICER, clock=clock, reason="failed quarantine")
    with pytest.raises(InvalidInput) as info:
        trip.apply(TripAction(action), actor=OFFICER, clock=clock, reason="   ")
    assert info.value.code == "trip.reason_required" and info.value.field == "reason"
    event = trip.apply(TripAction(action), actor=OFFICER, clock=clock, reason="Lấy mẫu kiểm nghiệm / 抽样送检")
    assert event.reason == "Lấy mẫu kiểm nghiệm / 抽样送检"


def test_terminal_states_allow_nothing_and_every_state_is_reachable() -> None:
    for state in TERMINAL_STATES:
        assert allowed_actions(state) == []
    reachable = {TripState.DECLARED}
    frontier = [TripState.DECLARED]
    while frontier:
        state = frontier.pop()
        for action in allowed_actions(state):
            target = TRANSITIONS[action][1]
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(TripState)


def test_an_event_is_never_dated_before_the_previous_one() -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    clock.set(T0 - timedelta(hours=1))  # a device or officer clock running behind
    event = trip.apply(TripAction.BOOK, actor=OFFICER, clock=clock)
    assert event.at == T0


@given(st.lists(st.sampled_from(list(TripAction)), max_size=30))
def test_any_sequence_of_requests_follows_the_published_table(actions: list[TripAction]) -> None:
    clock = ManualClock(T0)
    trip = new_trip(clock)
    for action in actions:
        before = trip.state
        sources, target = TRANSITIONS.get(action, (frozenset(), None))
        clock.advance(timedelta(minutes=1))
        if target is not None and before in sources:
            event = trip.apply(action, actor=OFFICER, clock=clock, reason="r")
            assert (event.from_state, event.to_state) == (before, target)
            assert trip.state is target
        else:
            with pytest.raises(IllegalTransition) as info:
                trip.apply(action, actor=OFFICER, clock=clock, reason="r")
            assert info.value.params["state"] == before.value
            assert trip.state is before
    seqs = [e.seq for e in trip.pending_events]
    assert seqs == list(range(1, len(seqs) + 1))
    times = [e.at for e in trip.pending_events]
    assert times == sorted(times)
