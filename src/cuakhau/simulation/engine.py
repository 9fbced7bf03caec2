"""A small, fast discrete-event engine: a heap of (time, sequence, callback, argument).

SimPy drives processes through generators and events; for queueing networks that costs about twenty times a
plain callback loop, so this engine keeps only what the models need: scheduled callbacks, multi-server stations
with first-come-first-served or priority queues that open and close, and time-weighted counters. Time is a
float in seconds from the run's start; :class:`SimClock` turns it into the aware UTC instants the production
policies ask for (the :class:`~cuakhau.domain.clock.Clock` port).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cuakhau.domain.clock import ensure_utc

Callback = Callable[[Any], None]


class Engine:
    """Events run in the order of their time, ties in the order they were scheduled.

    A model schedules its calendar up front (opening hours, quota resets: a year of them) and its trucks as it
    goes. :meth:`run` sorts what was scheduled before it into a list read in order and keeps the heap for what
    is scheduled during the run, taking the earlier of the two heads each time: the same order as one heap of
    everything (the (time, sequence) pairs are unique), with every push and pop on a heap of the few events in
    flight rather than of the whole calendar.
    """

    __slots__ = ("_calendar", "_heap", "_next", "_seq", "now")

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, Callback, Any]] = []
        self._seq = 0
        self._calendar: list[tuple[float, int, Callback, Any]] = []  # sorted; read from ``_next`` on
        self._next = 0

    def at(self, time: float, fn: Callback, arg: Any = None) -> None:
        """Call ``fn(arg)`` at ``time`` (not before now); ties run in the order they were scheduled."""
        self._seq += 1
        heapq.heappush(self._heap, (time if time > self.now else self.now, self._seq, fn, arg))

    def after(self, delay: float, fn: Callback, arg: Any = None) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (self.now + delay, self._seq, fn, arg))

    def run(self, until: float = math.inf) -> None:
        heap = self._heap
        pop = heapq.heappop
        if heap:  # what was scheduled before the run joins the calendar (the heap list itself stays)
            calendar = self._calendar[self._next :] + heap
            calendar.sort()
            heap.clear()
            self._calendar, self._next = calendar, 0
        calendar, i, n = self._calendar, self._next, len(self._calendar)
        try:
            while i < n:
                head = calendar[i]
                if heap and heap[0] < head:
                    if heap[0][0] > until:
                        break
                    self.now, _, fn, arg = pop(heap)
                else:
                    if head[0] > until:
                        break
                    i += 1
                    self.now, _, fn, arg = head
                fn(arg)
        finally:
            self._next = i
        if i < n:  # stopped at ``until`` with calendar events left
            self.now = until
            return
        self._calendar, self._next = [], 0
        if until == math.inf:
            while heap:
                self.now, _, fn, arg = pop(heap)
                fn(arg)
            return
        while heap and heap[0][0] <= until:
            self.now, _, fn, arg = pop(heap)
            fn(arg)
        self.now = until

    @property
    def pending(self) -> int:
        return len(self._heap) + len(self._calendar) - self._next


class SimClock:
    """The clock port on simulated time: ``epoch`` plus the engine's seconds."""

    __slots__ = ("engine", "epoch")

    def __init__(self, engine: Engine, epoch: datetime) -> None:
        self.engine = engine
        self.epoch = ensure_utc(epoch)

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.engine.now)

    def instant(self, seconds: float) -> datetime:
        return self.epoch + timedelta(seconds=seconds)


class TimeAverage:
    """The time-weighted mean and the maximum of a level (queue length, yard occupancy) from ``start`` on."""

    __slots__ = ("_area", "_last", "engine", "level", "peak", "start")

    def __init__(self, engine: Engine, start: float = 0.0) -> None:
        self.engine = engine
        self.start = start
        self.level = 0
        self.peak = 0
        self._area = 0.0
        self._last = start

    def change(self, delta: int) -> None:
        now = self.engine.now
        if now > self._last:
            self._area += self.level * (now - self._last)
            self._last = now
        self.level += delta
        if self.level > self.peak and now >= self.start:
            self.peak = self.level

    def mean(self, end: float) -> float:
        area = self._area + (self.level * (end - self._last) if end > self._last else 0.0)
        return area / (end - self.start) if end > self.start else math.nan


class Job:
    """Something that queues: a customer, a truck. Models hang their own fields on ``data``."""

    __slots__ = ("arrived", "data", "id", "priority", "queued", "started")

    def __init__(self, id: int, arrived: float, priority: int = 0, data: Any = None) -> None:
        self.id = id
        self.arrived = arrived
        self.priority = priority
        self.queued = arrived  # when it joined its current station's queue
        self.started = arrived  # when its current service started (wait = started - queued)
        self.data = data


class Station:
    """``servers`` identical servers with one queue (FIFO, or lowest ``priority`` first, FIFO within a class).

    Non-preemptive. A closed station finishes the jobs in service but starts none until it opens again.
    ``on_wait(job, wait)`` is called as each service starts, if given; ``done`` receives each job after service.
    With ``tally_from`` set, the station itself sums the waits of jobs whose id is at least that, per priority
    class (``wait_sum``, ``wait_count``): the cheapest way to measure a plain queue.
    """

    __slots__ = (
        "_queue",
        "_seq",
        "busy",
        "done",
        "engine",
        "is_open",
        "name",
        "on_wait",
        "priority",
        "qlen",
        "servers",
        "service",
        "tally_from",
        "wait_count",
        "wait_sum",
    )

    def __init__(
        self,
        engine: Engine,
        servers: int,
        service: Callable[[Job], float],
        done: Callable[[Job], None] | None,
        *,
        priority: bool = False,
        on_wait: Callable[[Job, float], None] | None = None,
        name: str = "",
        qlen: TimeAverage | None = None,
        tally_from: int | None = None,
        classes: int = 1,
    ) -> None:
        self.engine = engine
        self.servers = servers
        self.service = service
        self.done = done
        self.priority = priority
        self.on_wait = on_wait
        self.name = name
        self.busy = 0
        self.is_open = True
        self.qlen = qlen
        self._seq = 0
        self._queue: Any = [] if priority else deque()
        self.tally_from = tally_from
        self.wait_sum = [0.0] * classes
        self.wait_count = [0] * classes

    def __len__(self) -> int:
        return len(self._queue)

    def arrive(self, job: Job) -> None:
        now = job.queued = job.started = self.engine.now
        if self.busy < self.servers and self.is_open:
            # start service at once (inlined _start: this is the hot path of every queueing model)
            self.busy += 1
            if self.on_wait is not None:
                self.on_wait(job, 0.0)
            if self.tally_from is not None and job.id >= self.tally_from:
                self.wait_count[job.priority] += 1
            engine = self.engine
            engine._seq += 1
            heapq.heappush(engine._heap, (now + self.service(job), engine._seq, self._finish, job))
        elif self.priority:
            self._seq += 1
            heapq.heappush(self._queue, (job.priority, self._seq, job))
            if self.qlen is not None:
                self.qlen.change(1)
        else:
            self._queue.append(job)
            if self.qlen is not None:
                self.qlen.change(1)

    def _start(self, job: Job) -> None:
        self.busy += 1
        engine = self.engine
        job.started = engine.now
        if self.on_wait is not None:
            self.on_wait(job, engine.now - job.queued)
        if self.tally_from is not None and job.id >= self.tally_from:
            self.wait_sum[job.priority] += engine.now - job.queued
            self.wait_count[job.priority] += 1
        engine._seq += 1
        heapq.heappush(engine._heap, (engine.now + self.service(job), engine._seq, self._finish, job))

    def _finish(self, job: Job) -> None:
        queue = self._queue
        if queue and self.is_open:
            nxt = heapq.heappop(queue)[2] if self.priority else queue.popleft()
            if self.qlen is not None:
                self.qlen.change(-1)
            # _start inlined: the server goes straight on to the next job
            engine = self.engine
            now = nxt.started = engine.now
            if self.on_wait is not None:
                self.on_wait(nxt, now - nxt.queued)
            if self.tally_from is not None and nxt.id >= self.tally_from:
                self.wait_sum[nxt.priority] += now - nxt.queued
                self.wait_count[nxt.priority] += 1
            engine._seq += 1
            heapq.heappush(engine._heap, (now + self.service(nxt), engine._seq, self._finish, nxt))
        else:
            self.busy -= 1
        if self.done is not None:
            self.done(job)

    def _next(self) -> None:
        queue = self._queue
        while queue and self.is_open and self.busy < self.servers:
            job = heapq.heappop(queue)[2] if self.priority else queue.popleft()
            if self.qlen is not None:
                self.qlen.change(-1)
            self._start(job)

    def open(self, _: Any = None) -> None:
        self.is_open = True
        self._next()

    def close(self, _: Any = None) -> None:
        self.is_open = False


class InfiniteServer:
    """A pure delay (a laboratory test, a drive): every job is served at once."""

    __slots__ = ("done", "engine", "service")

    def __init__(self, engine: Engine, service: Callable[[Job], float], done: Callable[[Job], None]) -> None:
        self.engine = engine
        self.service = service
        self.done = done

    def arrive(self, job: Job) -> None:
        self.engine.after(self.service(job), self.done, job)


def schedule_hours(engine: Engine, station: Station, intervals: list[tuple[float, float]]) -> None:
    """Open ``station`` only within ``intervals`` (seconds, sorted, disjoint); closed outside them."""
    station.is_open = bool(intervals) and intervals[0][0] <= engine.now
    for start, end in intervals:
        if start > engine.now:
            engine.at(start, station.open)
        engine.at(end, station.close)
