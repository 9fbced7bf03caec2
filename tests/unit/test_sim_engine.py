"""The engine runs events in (time, order scheduled) whether they were scheduled before the run (its sorted
calendar) or during it (its heap), across runs stopped at ``until`` and resumed."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau.simulation.engine import Engine


@settings(max_examples=200, deadline=None)
@given(
    upfront=st.lists(st.integers(0, 20), max_size=30),
    stops=st.lists(st.integers(0, 25), max_size=4),
    seed=st.integers(0, 2**16),
)
def test_events_run_in_time_then_schedule_order(upfront: list[int], stops: list[int], seed: int) -> None:
    rng = random.Random(seed)
    engine = Engine()
    ran: list[tuple[float, int]] = []
    scheduled: list[tuple[float, int]] = []  # (time, schedule number) of every event, the reference order

    def schedule(at: float) -> None:
        number = len(scheduled)
        scheduled.append((max(at, engine.now), number))
        engine.at(at, event, number)

    def event(number: int) -> None:
        ran.append((engine.now, number))
        assert engine.now == scheduled[number][0]
        if rng.random() < 0.5 and len(scheduled) < 200:  # events schedule more, some at this very instant
            schedule(engine.now + rng.choice([0, 0, 1, 2.5, 7]))

    for t in upfront:
        schedule(float(t))
    for stop in sorted(stops):
        engine.run(float(stop))
        assert engine.now == stop
        assert all(t <= stop for t, _ in ran)
        schedule(stop + rng.choice([0, 1, 3]))  # scheduled between runs
    engine.run(math.inf)
    assert engine.pending == 0
    assert ran == sorted(scheduled)
