"""Booking requests of one server process booked together (``equeue.book`` of many).

Under load, many booking requests wait at the same moment. Each costs the same fixed work — a unit of work,
a read of its trip's facts, a write, a commit — and that fixed work, not the database, limited how fast a
process could book (docs/benchmarks.md, booking load). Here the requests that arrive while a batch is in the
database form the next batch: a booking thread takes all that wait (up to ``max_batch``), books them in one
transaction and answers each with its own result. With one request waiting, a batch is that request: no
timer holds a request back to wait for company.

The handler awaits its result without holding a worker thread, so the process can take in the next requests
while a batch is in the database.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

import anyio.to_thread

from cuakhau.domain.errors import CuakhauError
from cuakhau.services import equeue
from cuakhau.services.context import ServiceContext
from cuakhau.services.equeue import BookingRequest, BookingResult

log = logging.getLogger(__name__)

BookMany = Callable[[list[BookingRequest]], list[BookingResult | CuakhauError]]
_STOP = None


async def book(booker: BookingBatcher | None, ctx: ServiceContext, booking: BookingRequest) -> BookingResult:
    """Book through the app's batcher if it has one (``app.state.booker``), else alone in the thread pool: the
    API's booking route and the portal's booking form both come here."""
    if booker is not None:  # booked together with the requests waiting at the same moment
        return await booker.book(booking)
    run = functools.partial(equeue.book, ctx.uow(), clock=ctx.clock, request=booking)
    return await anyio.to_thread.run_sync(run)


class BookingBatcher:
    """Books waiting requests together on ``threads`` booking threads (started with the first request)."""

    def __init__(self, book: BookMany, *, max_batch: int = 16, threads: int = 1) -> None:
        self._book = book
        self._max_batch = max_batch
        self._threads_wanted = threads
        self._queue: queue.SimpleQueue[tuple[BookingRequest, Future[BookingResult]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopped = False
        #: Batches booked and requests in them (for the benchmark's report and the tests).
        self.batches = 0
        self.requests = 0

    async def book(self, request: BookingRequest) -> BookingResult:
        """The request's booking, or the error ``equeue.book`` would raise for it."""
        return await asyncio.wrap_future(self.submit(request))

    def submit(self, request: BookingRequest) -> Future[BookingResult]:
        future: Future[BookingResult] = Future()
        self._start()
        self._queue.put((request, future))
        return future

    def start(self) -> None:
        """Nothing to do until the first request (``Background``: the app's lifespan calls it)."""

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopped = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(_STOP)
        for thread in threads:
            thread.join(timeout)
        if self.requests:
            log.info("booking batcher: %d requests booked in %d batches", self.requests, self.batches)

    def _start(self) -> None:
        if self._threads:
            return
        with self._lock:
            if self._stopped:
                raise RuntimeError("the booking batcher is stopped")
            while len(self._threads) < self._threads_wanted:
                thread = threading.Thread(target=self._run, name=f"booking-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            items = [item]
            while len(items) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._queue.put(_STOP)  # for this thread's next round: finish this batch first
                    break
                items.append(more)
            self._answer(items)

    def _answer(self, items: list[tuple[BookingRequest, Future[BookingResult]]]) -> None:
        live = [(r, f) for r, f in items if f.set_running_or_notify_cancel()]
        if not live:
            return
        self.batches += 1
        self.requests += len(live)
        try:
            results = self._book([r for r, _ in live])
        except BaseException as exc:  # the database is gone, say: every request of the batch gets the error
            log.warning("booking batch of %d failed: %r", len(live), exc)
            for _, future in live:
                future.set_exception(exc)
            return
        for (_, future), result in zip(live, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
