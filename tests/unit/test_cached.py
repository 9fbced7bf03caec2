"""A cached figure (services/cached.py) is recomputed once while stale, by one reader, as the others are served the
previous value with its age at once; a cold start computes once for all; the job refreshes it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from cuakhau.domain.clock import ManualClock
from cuakhau.services.cached import Cached

START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
READERS = 12


class Slow:
    """A computation that waits to be released and counts its runs; each run's value is its number."""

    def __init__(self) -> None:
        self.runs = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> int:
        self.runs += 1
        self.entered.set()
        assert self.release.wait(10)
        return self.runs


def test_stale_readers_get_the_previous_value_while_one_computes() -> None:
    clock, slow = ManualClock(START), Slow()
    cached = Cached(slow, clock, fresh_for=timedelta(seconds=15))
    assert cached.read().value == 1 and cached.read().value == 1  # fresh: computed once
    clock.advance(timedelta(seconds=20))
    slow.entered.clear()
    slow.release.clear()
    with ThreadPoolExecutor(READERS) as pool:
        computing = pool.submit(cached.read)  # the first stale reader computes...
        assert slow.entered.wait(5)
        others = [pool.submit(cached.read) for _ in range(READERS - 1)]
        served = [f.result(timeout=5) for f in others]  # ...the others are served at once, while it computes
        assert slow.runs == 2
        assert {(s.value, s.computed_at) for s in served} == {(1, START)}  # the previous value and its age
        slow.release.set()
        assert computing.result(timeout=5).value == 2
    assert slow.runs == 2 and cached.computations == 2
    assert cached.read().computed_at == START + timedelta(seconds=20)


def test_a_cold_start_computes_once_for_every_reader() -> None:
    clock, slow = ManualClock(START), Slow()
    slow.release.clear()
    cached = Cached(slow, clock, fresh_for=timedelta(seconds=15))
    with ThreadPoolExecutor(READERS) as pool:
        readers = [pool.submit(cached.read) for _ in range(READERS)]
        assert slow.entered.wait(5)
        slow.release.set()
        assert {f.result(timeout=5).value for f in readers} == {1}
    assert slow.runs == 1


def test_the_job_refreshes_it_and_readers_then_compute_nothing() -> None:
    clock, slow = ManualClock(START), Slow()
    cached = Cached(slow, clock, fresh_for=timedelta(seconds=15))
    for _ in range(5):  # the job every 10 s keeps it fresh: readers never compute
        done = cached.refresh()
        assert done is not None and done.computed_at == clock.now()
        for _ in range(3):
            assert cached.read() == done
        clock.advance(timedelta(seconds=10))
    assert slow.runs == 5


def test_a_failed_recomputation_keeps_the_previous_value() -> None:
    clock = ManualClock(START)
    values = iter([1])

    def compute() -> int:
        return next(values)  # the second run fails (StopIteration)

    cached = Cached(compute, clock, fresh_for=timedelta(seconds=15))
    assert cached.read().value == 1
    clock.advance(timedelta(seconds=20))
    assert cached.read() == cached.peek() and cached.read().computed_at == START
    cold = Cached(compute, clock, fresh_for=timedelta(seconds=15))
    with pytest.raises(StopIteration):
        cold.read()  # no previous value: the reader sees the failure
