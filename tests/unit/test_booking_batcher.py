"""The booking batcher (adapters/web/batching.py): requests that wait while a batch is booked form the next
batch, each request gets its own result or error, none is lost, and stopping ends its threads."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from cuakhau.adapters.web.batching import BookingBatcher
from cuakhau.domain.errors import Conflict, CuakhauError
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services.equeue import BookingRequest, BookingResult, Idempotency

NOW = datetime(2026, 6, 2, 1, tzinfo=UTC)


def req(n: int) -> BookingRequest:
    return BookingRequest(
        trip_id=f"trip-{n}",
        earliest=NOW,
        latest=NOW,
        travel_minutes=60,
        actor=Actor("exporter-1", ActorRole.EXPORTER),
        idempotency=Idempotency(f"book:trip-{n}", f"key-{n}", "hash"),
    )


class Recorder:
    """Answers each request with its trip id (a stand-in result), or a conflict for odd trips when asked;
    the first batch waits for ``release``."""

    def __init__(self, *, odd_conflict: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.odd_conflict = odd_conflict

    def __call__(self, requests: list[BookingRequest]) -> list[Any]:
        self.batches.append([r.trip_id for r in requests])
        self.entered.set()
        self.release.wait(10)
        out: list[Any] = []
        for r in requests:
            n = int(r.trip_id.split("-")[1])
            out.append(Conflict("booking.exists", field="trip_id") if self.odd_conflict and n % 2 else r.trip_id)
        return out


def test_requests_waiting_during_a_batch_form_the_next_one() -> None:
    book = Recorder()
    batcher = BookingBatcher(book, max_batch=4)
    try:
        first = batcher.submit(req(0))
        assert book.entered.wait(5)
        waiting = [batcher.submit(req(n)) for n in range(1, 7)]
        book.release.set()
        assert first.result(5) == "trip-0"
        assert [f.result(5) for f in waiting] == [f"trip-{n}" for n in range(1, 7)]
        # the first alone (nothing else waited), then the six that waited, at most four at a time, in order
        assert book.batches == [["trip-0"], ["trip-1", "trip-2", "trip-3", "trip-4"], ["trip-5", "trip-6"]]
        assert (batcher.batches, batcher.requests) == (3, 7)
    finally:
        book.release.set()
        batcher.stop()


def test_each_request_gets_its_own_error() -> None:
    book = Recorder(odd_conflict=True)
    book.release.set()
    batcher = BookingBatcher(book)
    try:
        futures = [batcher.submit(req(n)) for n in range(4)]
        assert futures[0].result(5) == "trip-0" and futures[2].result(5) == "trip-2"
        for f in (futures[1], futures[3]):
            with pytest.raises(Conflict):
                f.result(5)
    finally:
        batcher.stop()


def test_a_failed_batch_fails_each_of_its_requests_and_the_batcher_goes_on() -> None:
    calls: list[int] = []

    def book(requests: list[BookingRequest]) -> list[BookingResult | CuakhauError]:
        calls.append(len(requests))
        if len(calls) == 1:
            raise ConnectionError("database gone")
        return [r.trip_id for r in requests]  # type: ignore[misc]

    batcher = BookingBatcher(book)
    try:
        with pytest.raises(ConnectionError):
            batcher.submit(req(0)).result(5)
        assert batcher.submit(req(1)).result(5) == "trip-1"
    finally:
        batcher.stop()


def test_awaited_from_the_event_loop_and_a_cancelled_request_is_not_booked() -> None:
    book = Recorder()
    batcher = BookingBatcher(book)

    async def main() -> tuple[object, bool]:
        first = asyncio.ensure_future(batcher.book(req(0)))
        while not book.entered.is_set():
            await asyncio.sleep(0.01)
        dropped = asyncio.ensure_future(batcher.book(req(1)))  # the client gave up while it waited
        kept = asyncio.ensure_future(batcher.book(req(2)))
        await asyncio.sleep(0.05)
        dropped.cancel()
        # The cancel reaches the booking thread's future through the loop's next turn: let it get there before
        # the thread takes the next batch (otherwise the test races the callback, not the batcher).
        await asyncio.sleep(0.05)
        book.release.set()
        return await asyncio.gather(first, kept), dropped.cancelled()

    try:
        results, cancelled = asyncio.run(main())
        assert results == ["trip-0", "trip-2"] and cancelled
        assert book.batches == [["trip-0"], ["trip-2"]]
    finally:
        book.release.set()
        batcher.stop()


def test_stop_ends_the_threads_and_refuses_new_requests() -> None:
    book = Recorder()
    book.release.set()
    batcher = BookingBatcher(book, threads=2)
    assert batcher.submit(req(0)).result(5) == "trip-0"
    booking_threads = list(batcher._threads)
    assert len(booking_threads) == 2 and all(t.is_alive() for t in booking_threads)
    batcher.stop()
    assert not any(t.is_alive() for t in booking_threads)
    with pytest.raises(RuntimeError):
        batcher.submit(req(1))
