"""The notification dispatcher of ``cuakhau notify``: deliver due notifications (and, unless told not to, apply the
no-show rule) every ``notify_poll_seconds``, on a daemon thread, until stopped. Servers and ``cuakhau worker`` run
the same delivery as the ``notifications`` job of the periodic table, under leases (adapters/periodic.py).

Every failure is logged and the next round tries again: a gateway that is down, or a database that is briefly
unavailable, delays messages but never stops the worker and never touches a booking.
"""

from __future__ import annotations

import logging
import threading

from cuakhau.adapters import logs
from cuakhau.services import periodic
from cuakhau.services.context import ServiceContext
from cuakhau.services.notifications import DeliveryReport, Notifier, Transactional, deliver_due

log = logging.getLogger("cuakhau.notify.dispatcher")

#: Messages per round; a full round is followed at once by the next one instead of waiting a poll interval.
ROUND_LIMIT = 50


class NotificationDispatcher:
    """``start()`` / ``stop(timeout)`` the worker thread, or call ``run_once()`` directly (tests, the CLI).

    ``transactions`` defaults to the context's unit of work; a process that only delivers may pass
    :class:`cuakhau.adapters.db.outbox.SqlOutboxTransactions`. ``mark_no_shows`` also applies the no-show rule
    each round (its job in the periodic table, services/periodic.py; the table's other jobs run elsewhere).
    """

    def __init__(
        self,
        context: ServiceContext,
        notifier: Notifier,
        *,
        poll_seconds: float = 2.0,
        transactions: Transactional | None = None,
        mark_no_shows: bool = True,
        limit: int = ROUND_LIMIT,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        self.context = context
        self.notifier = notifier
        self.poll_seconds = poll_seconds
        self.transactions: Transactional = transactions or context.uow
        self.mark_no_shows = mark_no_shows
        self.limit = limit
        self.rounds = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @logs.as_job("notifications")
    def run_once(self) -> DeliveryReport:
        """One round: deliver what is due, then (if enabled) mark no-shows. Raises what delivery raises."""
        try:
            report = deliver_due(self.transactions, self.notifier, self.context.clock, limit=self.limit)
        finally:
            if self.mark_no_shows:
                try:
                    periodic.NO_SHOWS.run(periodic.JobContext(self.context.uow, self.context.clock))
                except Exception:
                    log.exception("marking no-shows failed; the next round tries again")
            self.rounds += 1
        if report.failed:
            log.error("%d notification(s) given up after the last attempt", report.failed)
        if report.retried:
            log.warning("%d notification(s) failed and will be retried", report.retried)
        return report

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                report = self.run_once()
                busy = report.handled >= self.limit
            except Exception:  # keep serving; the next round tries again
                log.exception("notification round failed; the next round tries again")
            if not busy:
                self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="cuakhau-notify", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the worker to stop and wait up to ``timeout`` seconds for the round in progress to finish.

        A send still in flight after that is abandoned with the (daemon) thread; its message is due again when
        its lease runs out.
        """
        with self._lock:
            self._stop.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("notification dispatcher still busy after %.1f s; left to finish on its own", timeout)
