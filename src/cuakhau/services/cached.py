"""A figure computed once for many readers: stale-while-revalidate with a single flight.

A :class:`Cached` holds the last computed value and when its computation started (its age is the age of the
computation, which is what a reader is told). Readers never wait for a value that exists:

* fresh (younger than ``fresh_for``): returned;
* stale, nobody computing: *this* reader computes it again (one at a time), every other reader meanwhile gets the
  previous value at once, with its age;
* none yet (a cold start): one reader computes, the others wait for that computation rather than start their own.

A scheduled job (:meth:`Cached.refresh`) normally keeps the value fresh, so readers do not compute at all; the
readers' own recomputation is the fallback when no job runs in this process. A failed computation keeps the
previous value and is tried again by the next reader or run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from cuakhau.domain.clock import Clock

T = TypeVar("T")

log = logging.getLogger("cuakhau.cached")


@dataclass(frozen=True, slots=True)
class Computed(Generic[T]):
    value: T
    #: When the computation started, as the clock read it (the instant the figure describes).
    computed_at: datetime


class Cached(Generic[T]):
    def __init__(self, compute: Callable[[], T], clock: Clock, *, fresh_for: timedelta) -> None:
        self._compute = compute
        self._clock = clock
        self.fresh_for = fresh_for
        self._value: Computed[T] | None = None
        self._computing = False
        self._changed = threading.Condition()
        #: How many computations ran (readers' and jobs'), for tests and metrics.
        self.computations = 0

    def peek(self) -> Computed[T] | None:
        return self._value

    def read(self) -> Computed[T]:
        """The value: fresh, or the previous one while a single reader computes the next (see the module)."""
        with self._changed:
            while True:
                value = self._value
                if value is not None and self._clock.now() - value.computed_at < self.fresh_for:
                    return value
                if not self._computing:
                    self._computing = True
                    break  # this reader computes
                if value is not None:
                    return value  # someone is computing: serve the previous value, with its age
                self._changed.wait()  # a cold start: wait for the one computation
        try:
            return self._run()
        except Exception:
            if value is None:
                raise
            log.exception("recomputing a cached figure failed; the previous value is served")
            return value

    def refresh(self) -> Computed[T] | None:
        """Compute now (the scheduled job); ``None`` when a computation is already running."""
        with self._changed:
            if self._computing:
                return None
            self._computing = True
        return self._run()

    def _run(self) -> Computed[T]:
        try:
            started = self._clock.now()
            fresh = Computed(self._compute(), started)
        finally:
            with self._changed:
                self._computing = False
                self.computations += 1
                self._changed.notify_all()
        with self._changed:
            if self._value is None or self._value.computed_at <= fresh.computed_at:
                self._value = fresh
            return self._value
