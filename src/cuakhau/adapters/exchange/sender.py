"""The exchange worker of a server process: announce departed trucks, deliver due messages and escalate overdue
hotline incidents every
``poll_seconds`` on a daemon thread (started and stopped by the web app's lifespan, like the notification
dispatcher). Failures are logged and the next round tries again."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from cuakhau.adapters import logs
from cuakhau.domain.exchange import RetryPolicy
from cuakhau.services import exchange, hotline
from cuakhau.services.context import ServiceContext

log = logging.getLogger("cuakhau.exchange.sender")
ROUND_LIMIT = 50


class ExchangeSender:
    def __init__(
        self,
        context: ServiceContext,
        transport: exchange.Transport,
        scheme: exchange.SignatureScheme,
        *,
        poll_seconds: float = 0.5,
        retry: RetryPolicy | None = None,
        limit: int = ROUND_LIMIT,
        lease: timedelta = exchange.CLAIM_LEASE,
        identity: exchange.Identity | None = None,
        link_fault_after: timedelta = hotline.LINK_FAULT_AFTER,
        hotline_sweeps: bool = True,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        self.context = context
        self.transport = transport
        self.scheme = scheme
        self.poll_seconds = poll_seconds
        self.retry = retry or RetryPolicy()
        self.limit = limit
        self.lease = lease
        self.identity = identity
        self.link_fault_after = link_fault_after
        #: Watch the links and escalate the hotline each round; off when the periodic jobs' runner does it.
        self.hotline_sweeps = hotline_sweeps
        self.rounds = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Send now rather than at the next poll (called after a message is written)."""
        self._wake.set()

    @logs.as_job("exchange.sender")
    def run_once(self) -> exchange.DeliveryReport:
        if self.identity is not None:
            try:
                exchange.announce_departures(self.context.uow, clock=self.context.clock, identity=self.identity)
            except Exception:
                log.exception("announcing departures failed; the next round tries again")
        try:
            report = exchange.deliver_due(
                self.context.uow,
                self.transport,
                self.scheme,
                self.context.clock,
                retry=self.retry,
                limit=self.limit,
                lease=self.lease,
            )
        finally:
            try:
                if self.hotline_sweeps:
                    self._sweep()
            except Exception:
                log.exception("hotline sweep failed; the next round tries again")
            self.rounds += 1
        if report.lost:
            log.info("%d exchange message(s) left to the sender that claimed them after our lease ran out", report.lost)
        if report.retried:
            log.warning("%d exchange message(s) not delivered, will retry: %s", report.retried, report.errors[0])
        return report

    def _sweep(self) -> None:
        if self.identity is not None:
            hotline.watch_links(
                self.context.uow(), clock=self.context.clock, identity=self.identity, after=self.link_fault_after
            )
        hotline.sweep_incidents(self.context.uow(), clock=self.context.clock)

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                busy = self.run_once().delivered >= self.limit
            except Exception:
                log.exception("exchange round failed; the next round tries again")
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="cuakhau-exchange", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stop.set()
            self._wake.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
