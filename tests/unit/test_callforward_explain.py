"""Call-forward without explanations (the simulator's ``explain=False``) makes exactly the same calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cuakhau.domain.callforward import Waiting, assign_lanes
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
