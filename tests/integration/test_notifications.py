"""Notifications reach a real webhook on 127.0.0.1 exactly once when it is healthy, are retried on the published
backoff when it is not and given up after the last attempt; a change that is rolled back notifies nobody; a slow
gateway never holds a database lock; two dispatchers at once never send the same message. On both databases."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.adapters.db.outbox import SqlOutboxTransactions
from cuakhau.adapters.notify.dispatcher import NotificationDispatcher
from cuakhau.adapters.notify.webhook import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    verify_signature,
)
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.notification import CLAIM_LEASE, MAX_ATTEMPTS, Notification, next_attempt_delay
from cuakhau.domain.trip import new_id
from cuakhau.services.context import ServiceContext
from cuakhau.services.notifications import deliver_due

SECRET = "khoá-bí-mật-chung"
WAIT = 20.0  # the longest any test waits for another thread


@dataclass(frozen=True)
class Hit:
    method: str
    id_header: str | None
    body: dict[str, Any] | None
    signature_ok: bool
    status: int


class Receiver:
    """A gateway stand-in on 127.0.0.1: verifies every signature; can fail the next k requests, answer with a
    redirect, be slow, or hold each request until released."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.fail_next = 0
        self.fail_status = 503
        self.delay = 0.0
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(WAIT)
                if receiver.delay:
                    time.sleep(receiver.delay)
                ok = verify_signature(
                    SECRET, self.headers[TIMESTAMP_HEADER], raw, self.headers[SIGNATURE_HEADER], time.time()
                )
                with receiver.lock:
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = receiver.fail_status
                    else:
                        status = 204
                    receiver.hits.append(
                        Hit(self.command, self.headers[ID_HEADER], json.loads(raw) if raw else None, ok, status)
                    )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = _handle
            do_GET = _handle

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def delivered(self) -> list[str]:
        """Ids accepted (2xx), in order."""
        with self.lock:
            return [h.body["id"] for h in self.hits if h.status < 300 and h.body]

    def requests_for(self, notification_id: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.id_header == notification_id]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def webhook(receiver: Receiver, **kw: Any) -> WebhookNotifier:
    return WebhookNotifier(receiver.url, SECRET, proxies={}, **kw)  # straight to 127.0.0.1, never via a proxy


def enqueue(ctx: ServiceContext, n: int, *, kind: str = "slot_changed") -> list[str]:
    ids = []
    with ctx.uow() as uow:
        for i in range(n):
            message = Notification(
                id=new_id(),
                kind=kind,
                created_at=ctx.clock.now(),
                language="vi",
                payload={"gate_id": "vn-huu-nghi", "slot_start_local": f"2026-06-02T{8 + i % 12:02d}:00"},
                trip_id=new_id(),
            )
            uow.outbox.add(message)
            ids.append(message.id)
        uow.commit()
    return ids


def rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(t.notifications))}


def state(engine: Engine, notification_id: str) -> tuple[str, int]:
    r = rows(engine)[notification_id]
    return r.status, r.attempts


def test_delivered_exactly_once_when_the_gateway_is_healthy(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    ids = enqueue(ctx, 25)
    notifier = webhook(receiver)
    report = deliver_due(ctx.uow, notifier, clock)
    assert (report.sent, report.retried, report.failed, report.deferred) == (25, 0, 0, 0)
    assert deliver_due(ctx.uow, notifier, clock).handled == 0  # nothing sent twice
    clock.advance(CLAIM_LEASE * 3)
    assert deliver_due(ctx.uow, notifier, clock).handled == 0  # … however long we wait
    assert sorted(receiver.delivered) == sorted(ids)
    assert all(h.signature_ok and h.method == "POST" and h.body and h.id_header == h.body["id"] for h in receiver.hits)
    first = next(h.body for h in receiver.hits if h.body and h.body["id"] == ids[0])
    assert first is not None
    assert first["payload"] == {"gate_id": "vn-huu-nghi", "slot_start_local": "2026-06-02T08:00"}
    assert first["kind"] == "slot_changed" and first["language"] == "vi"
    assert datetime.fromisoformat(first["created_at"]) == clock.now() - CLAIM_LEASE * 3
    stored = rows(engine)
    assert {(r.status, r.attempts, r.last_error) for r in stored.values()} == {("sent", 1, None)}
    assert {r.sent_at for r in stored.values()} == {clock.now() - CLAIM_LEASE * 3}
    with SqlOutboxTransactions(engine)() as tx:
        assert tx.outbox.counts() == {"pending": 0, "sent": 25, "failed": 0}
        assert [r["status"] for r in tx.outbox.recent(5)] == ["sent"] * 5


def test_failures_are_retried_on_the_published_backoff(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    [note] = enqueue(ctx, 1)
    notifier = webhook(receiver)
    receiver.fail_next = 3
    for attempt in (1, 2, 3):
        failed_at = clock.now()
        assert deliver_due(ctx.uow, notifier, clock).retried == 1
        row = rows(engine)[note]
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.next_attempt_at == failed_at + next_attempt_delay(attempt)  # 10 s, 20 s, 40 s
        assert "503" in row.last_error
        clock.advance(next_attempt_delay(attempt) - timedelta(seconds=1))
        assert deliver_due(ctx.uow, notifier, clock).handled == 0  # not due yet
        clock.advance(timedelta(seconds=1))
    assert deliver_due(ctx.uow, notifier, clock).sent == 1
    assert state(engine, note) == ("sent", 4)
    assert [h.status for h in receiver.requests_for(note)] == [503, 503, 503, 204]
    assert receiver.delivered == [note]


def test_given_up_after_max_attempts_and_never_tried_again(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    [doomed] = enqueue(ctx, 1)
    notifier = webhook(receiver)
    receiver.fail_next = 10 * MAX_ATTEMPTS
    reports = []
    for attempt in range(1, MAX_ATTEMPTS + 3):
        reports.append(deliver_due(ctx.uow, notifier, clock))
        clock.advance(next_attempt_delay(attempt))
    assert [r.retried for r in reports[: MAX_ATTEMPTS - 1]] == [1] * (MAX_ATTEMPTS - 1)
    assert reports[MAX_ATTEMPTS - 1].failed == 1
    assert [r.handled for r in reports[MAX_ATTEMPTS:]] == [0, 0]
    assert state(engine, doomed) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.requests_for(doomed)) == MAX_ATTEMPTS
    assert receiver.delivered == []
    with ctx.uow() as uow:
        assert uow.outbox.counts()["failed"] == 1


def test_a_rolled_back_change_notifies_nobody(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    with ctx.uow() as uow:
        uow.outbox.add(Notification(id=new_id(), kind="promoted", created_at=clock.now(), language="zh"))
        # no commit: the booking this would have reported never happened
    with pytest.raises(RuntimeError), ctx.uow() as uow:
        uow.outbox.add(Notification(id=new_id(), kind="called", created_at=clock.now(), language="vi"))
        raise RuntimeError("the booking failed after its notification was written")
    with ctx.uow() as uow:
        uow.outbox.add(Notification(id=new_id(), kind="no_show", created_at=clock.now(), language="vi"))
        uow.rollback()
    assert deliver_due(ctx.uow, webhook(receiver), clock).handled == 0
    assert receiver.hits == [] and rows(engine) == {}


def test_an_unreachable_gateway_never_loses_the_message(
    ctx: ServiceContext, engine: Engine, clock: ManualClock
) -> None:
    [note] = enqueue(ctx, 1)
    with socket.socket() as s:  # a port on 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    notifier = WebhookNotifier(f"http://127.0.0.1:{port}/hook", SECRET, timeout=2, proxies={})
    assert deliver_due(ctx.uow, notifier, clock).retried == 1
    row = rows(engine)[note]
    assert (row.status, row.attempts) == ("pending", 1) and "unreachable" in row.last_error


def test_a_redirect_is_a_failed_attempt_not_a_delivery(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    [note] = enqueue(ctx, 1)
    receiver.fail_next, receiver.fail_status = 1, 302
    assert deliver_due(ctx.uow, webhook(receiver), clock).retried == 1
    assert [h.method for h in receiver.hits] == ["POST"]  # the redirect was not followed (as a bodiless GET)
    assert state(engine, note) == ("pending", 1) and "302" in rows(engine)[note].last_error


def test_a_slow_gateway_holds_no_database_lock(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    """While a send waits on the network, a booking (here: another outbox write) commits at once."""
    [note] = enqueue(ctx, 1)
    receiver.hold = threading.Event()
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(deliver_due(ctx.uow, webhook(receiver), clock).sent))
    worker.start()
    try:
        assert receiver.arrived.wait(WAIT), "the dispatcher never reached the gateway"
        started = time.monotonic()
        [other] = enqueue(ctx, 1, kind="slot_assigned")
        assert time.monotonic() - started < 5.0
        assert state(engine, other) == ("pending", 0)
        assert rows(engine)[note].next_attempt_at == clock.now() + CLAIM_LEASE  # claimed, not sent yet
    finally:
        receiver.hold.set()
        worker.join(WAIT)
    assert not worker.is_alive() and results == [2]  # the message written meanwhile went out in the same round
    assert state(engine, note) == state(engine, other) == ("sent", 1)


def test_a_dispatcher_that_stops_mid_send_loses_nothing(
    ctx: ServiceContext, engine: Engine, receiver: Receiver, clock: ManualClock
) -> None:
    """Claimed, then the process died: the message is leased, then due again; a late report of the dead attempt
    cannot overwrite what the next one recorded; a message whose last attempt died is given up."""
    [note] = enqueue(ctx, 1)
    transactions = SqlOutboxTransactions(engine)
    with transactions() as tx:
        [(claimed, attempt)] = tx.outbox.claim_due(clock.now(), 10)
        tx.commit()
    assert claimed.id == note and attempt == 1
    assert deliver_due(transactions, webhook(receiver), clock).handled == 0  # leased
    clock.advance(CLAIM_LEASE)
    assert deliver_due(transactions, webhook(receiver), clock).sent == 1  # due again: at least once
    with transactions() as tx:
        assert tx.outbox.mark_retry(note, clock.now(), "late report of attempt 1", 1)  # not given up …
        tx.commit()
    assert state(engine, note) == ("sent", 2) and rows(engine)[note].last_error is None  # … and nothing changed

    [last] = enqueue(ctx, 1)
    with engine.begin() as conn:
        conn.execute(t.notifications.update().where(t.notifications.c.id == last).values(attempts=MAX_ATTEMPTS - 1))
    with transactions() as tx:
        assert [a for _, a in tx.outbox.claim_due(clock.now(), 10)] == [MAX_ATTEMPTS]
        tx.commit()
    clock.advance(CLAIM_LEASE)
    assert deliver_due(transactions, webhook(receiver), clock).handled == 0
    assert state(engine, last) == ("failed", MAX_ATTEMPTS)
    assert receiver.requests_for(last) == []


def test_two_dispatchers_at_once_send_each_message_once(
    ctx: ServiceContext, receiver: Receiver, database_url: str, clock: ManualClock
) -> None:
    ids = enqueue(ctx, 60)
    receiver.delay = 0.005  # so the two overlap
    engines = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            barrier.wait(timeout=WAIT)
            transactions = SqlOutboxTransactions(engine)
            notifier = webhook(receiver)
            deadline = time.monotonic() + 60
            while deliver_due(transactions, notifier, clock, limit=5).handled and time.monotonic() < deadline:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=90)
        assert not any(th.is_alive() for th in threads)
    finally:
        for e in engines:
            e.dispose()
    assert errors == []
    delivered = receiver.delivered
    assert len(delivered) == len(set(delivered)), "a message was sent twice"
    assert sorted(delivered) == sorted(ids)


def test_the_background_dispatcher_delivers_until_stopped(
    ctx: ServiceContext, engine: Engine, receiver: Receiver
) -> None:
    dispatcher = NotificationDispatcher(ctx, webhook(receiver), poll_seconds=0.05)
    dispatcher.start()
    try:
        ids = enqueue(ctx, 3)
        deadline = time.monotonic() + WAIT
        while len(receiver.delivered) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(receiver.delivered) == sorted(ids)
    finally:
        started = time.monotonic()
        dispatcher.stop(timeout=WAIT)
    assert time.monotonic() - started < 5.0 and not dispatcher.running
    [later] = enqueue(ctx, 1)
    time.sleep(0.2)
    assert later not in receiver.delivered  # stopped means stopped
    assert dispatcher.run_once().sent == 1  # and one round on demand
    assert {state(engine, i)[0] for i in [*ids, later]} == {"sent"}


def test_the_notifications_job_drains_a_backlog_in_one_run(
    ctx: ServiceContext, engine: Engine, receiver: Receiver
) -> None:
    """The scheduler runs the job every 2 s: a backlog of several batches goes out in one run, not one batch per
    run (as the dispatcher did, with a full round followed at once by the next)."""
    from cuakhau.services import periodic

    ids = enqueue(ctx, 2 * periodic.NOTIFICATION_BATCH + 7)
    job = periodic.JobContext(ctx.uow, ctx.clock, notifier=webhook(receiver))
    assert periodic.NOTIFICATIONS.run(job) == len(ids)
    assert sorted(receiver.delivered) == sorted(ids)
