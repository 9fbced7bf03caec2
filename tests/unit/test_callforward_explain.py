"""Call-forward without explanations (the simulator's ``explain=False``) and through the heap-kept
:class:`CallQueue` (the simulator's) makes exactly the same calls as :func:`assign_lanes`."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cuakhau.domain import callforward
from cuakhau.domain.callforward import CallQueue, Waiting, assign_lanes
from cuakhau.domain.gate import Direction, Lane, LaneKind
from cuakhau.domain.shipment import Perishability

T0 = datetime(2026, 6, 1, tzinfo=UTC)
HOURS = st.integers(0, 6).map(lambda h: T0 + timedelta(hours=h))


@given(
    yard=st.lists(st.tuples(st.sampled_from(list(Perishability)), st.none() | HOURS, HOURS), max_size=12),
    kinds=st.lists(st.sampled_from([LaneKind.CARGO, LaneKind.PERISHABLE]), max_size=5),
)
def test_calls_without_explanations_are_the_same(
    yard: list[tuple[Perishability, datetime | None, datetime]], kinds: list[LaneKind]
) -> None:
    waiting = [Waiting(f"t{i}", p, slot, since) for i, (p, slot, since) in enumerate(yard)]
    lanes = [Lane(f"L{j}", Direction.EXPORT, kind) for j, kind in enumerate(kinds)]
    full, bare = assign_lanes(waiting, lanes), assign_lanes(waiting, lanes, explain=False)
    assert [(c.trip_id, c.lane, c.position) for c in full] == [(c.trip_id, c.lane, c.position) for c in bare]
    assert all(c.reason for c in full) and not any(c.reason for c in bare)


@given(
    events=st.lists(
        st.one_of(
            st.tuples(st.just("arrive"), st.sampled_from(list(Perishability)), st.none() | HOURS, HOURS),
            st.tuples(
                st.just("call"),
                st.lists(st.sampled_from([LaneKind.CARGO, LaneKind.PERISHABLE]), max_size=4),
                st.none() | st.integers(-1, 4),
            ),
        ),
        max_size=30,
    ),
    dry_last=st.booleans(),
)
@example(  # a dry truck heavier than a frozen one, ahead of it: the perishable lane takes the frozen one
    events=[
        ("arrive", Perishability.DRY_GOODS, None, T0),
        ("arrive", Perishability.FROZEN, None, T0),
        ("call", [LaneKind.CARGO, LaneKind.PERISHABLE], None),
    ],
    dry_last=False,
)
@settings(max_examples=300)
def test_the_call_queue_calls_as_assign_lanes_does(events: list[tuple[Any, ...]], dry_last: bool) -> None:
    """Trucks join and lanes free up in any order: each call of the heap-kept queue is ``assign_lanes`` on the
    trucks still waiting (with the lanes cut to the first ``limit`` in lane order), in datetimes and in seconds.
    With ``dry_last`` off, the general perishable-lane pick, under weights where dry goods are not last."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(callforward, "_DRY_LAST", dry_last)
        if not dry_last:  # weights under which a dry truck can be ahead of a frozen one
            weights = {**callforward._WEIGHTS, Perishability.DRY_GOODS: 4}
            patch.setattr(callforward, "_WEIGHTS", weights)
        replay(events)


def replay(events: list[tuple[Any, ...]]) -> None:
    queue: CallQueue[datetime, str] = CallQueue(datetime.max.replace(tzinfo=UTC))
    seconds: CallQueue[float, str] = CallQueue(math.inf)
    waiting: dict[str, Waiting] = {}
    for n, event in enumerate(events):
        if event[0] == "arrive":
            _, p, slot, since = event
            trip = f"t{n}"
            waiting[trip] = Waiting(trip, p, slot, since)
            queue.push(trip, p, slot, since, trip)
            seconds.push(
                trip, p, None if slot is None else (slot - T0).total_seconds(), (since - T0).total_seconds(), trip
            )
            continue
        _, kinds, limit = event
        lanes = [Lane(f"L{n}-{j}", Direction.EXPORT, kind) for j, kind in enumerate(kinds)]
        chosen = sorted(lanes, key=lambda ln: (ln.kind is not LaneKind.PERISHABLE, ln.code))[
            : None if limit is None else max(limit, 0)
        ]
        expected = [(c.lane, c.trip_id) for c in assign_lanes(list(waiting.values()), chosen)]
        assert [(lane.code, trip) for lane, trip in queue.call(lanes, limit)] == expected
        assert [(lane.code, trip) for lane, trip in seconds.call(list(reversed(lanes)), limit)] == expected
        for _, trip in expected:
            del waiting[trip]
        assert len(queue) == len(seconds) == len(waiting)
        assert sorted(queue) == sorted(seconds) == sorted(waiting)


def test_perishable_lanes_take_the_head_because_dry_goods_weigh_least() -> None:
    assert callforward._DRY_LAST
