"""The runner of the periodic table (services/periodic.py): runs each job once per its period as the clock reads
it, on a daemon thread (started and stopped by the web app's lifespan, or by ``cuakhau worker``). A failing job
is logged and tried again a period later; it never stops the others.

With ``leases`` (the ``scheduled_jobs`` table: services/ports/jobs.py) several runners share one database: a job
runs only in the runner that holds its lease, at most once per period across all of them, and each run is
recorded (last run, next run, duration, lag, failures). The holder renews its leases every third of
``lease_seconds`` on a heartbeat thread of its own (also while a job runs); a runner that dies stops renewing and
another one takes its jobs once the lease has expired, within ``lease_seconds`` plus a tick. A clean stop releases
the leases at once. Without ``leases`` the runner keeps its schedule in memory (one process, tests); so does it,
leases or not, for a ``per_process`` job (the public board: a read model in this process's memory), which every
runner that can run it runs, and which the lease table does not list.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from cuakhau.adapters import logs
from cuakhau.services.periodic import Job, JobContext
from cuakhau.services.ports.jobs import JobLeaseRepository

log = logging.getLogger("cuakhau.periodic")

#: The default lease: a runner that stops renewing loses its jobs this long after its last renewal.
LEASE_SECONDS = 10.0


def owner_id() -> str:
    """A name unique to this runner: host, process and a random part (two runners in one process differ)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def due_at(due: datetime | None, now: datetime, period: timedelta) -> datetime:
    """What the next run counts from: when this one was due, unless it is a whole period late or more."""
    return due if due is not None and now - due < period else now


#: Told of every run: ``(job, seconds, lag_seconds, failed)`` (the metrics, adapters/metrics.py).
RunObserver = Callable[[str, float, float, bool], None]


class PeriodicRunner:
    """``start()`` / ``stop(timeout)`` the thread, which calls :meth:`run_due` every ``tick_seconds``; or call
    :meth:`run_due` (and :meth:`renew`) directly (tests, a command)."""

    def __init__(
        self,
        context: JobContext,
        jobs: Sequence[Job],
        *,
        tick_seconds: float = 1.0,
        leases: JobLeaseRepository | None = None,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        observe: RunObserver | None = None,
    ) -> None:
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        if lease_seconds < 3 * tick_seconds:
            raise ValueError("lease_seconds must be at least three ticks")
        skipped = [job.name for job in jobs if not job.runnable(context)]
        if skipped:
            raise ValueError(f"jobs missing what they need in the context: {', '.join(skipped)}")
        self.context = context
        self.jobs = list(jobs)
        self.tick_seconds = tick_seconds
        self.leases = leases
        self.owner = owner or owner_id()
        self.lease = timedelta(seconds=lease_seconds)
        self.observe = observe
        self.runs: dict[str, int] = {job.name: 0 for job in self.jobs}
        self.failures: dict[str, int] = {job.name: 0 for job in self.jobs}
        self._next: dict[str, datetime] = {}
        #: When each job last started a run, as the clock read it (readiness judges the lag from it).
        self.last_run: dict[str, datetime] = {}
        #: When the runner was started (a job that has not run yet is late from then on).
        self.started_at: datetime | None = None
        self._registered = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def next_run(self, name: str) -> datetime | None:
        """When the job is due next in this runner (``None``: at once, or not known here)."""
        return self._next.get(name)

    def lags(self, now: datetime) -> dict[str, timedelta | None]:
        """How far each job is behind its period at ``now`` (``now - last run - period``; before its first run,
        counted from the runner's start); ``None`` when the runner has not been started nor run the job. With
        leases the last run is the job's, by whichever process ran it (the lease table, read once)."""
        shared = {st.name: st.last_started_at for st in self.leases.states()} if self.leases is not None else {}
        found: dict[str, timedelta | None] = {}
        for job in self.jobs:
            since = self.last_run.get(job.name)
            elsewhere = shared.get(job.name)
            if elsewhere is not None:
                since = elsewhere if since is None else max(since, elsewhere)
            since = since or self.started_at
            found[job.name] = None if since is None else now - since - job.period
        return found

    def _register(self) -> None:
        if self.leases is not None and not self._registered:
            for job in self.jobs:
                if not job.per_process:
                    self.leases.register(job.name, job.period)
            self._registered = True

    def run_due(self) -> dict[str, int]:
        """Run every job whose time has come (and, with leases, whose lease we hold or can take); returns what
        each one changed."""
        self._register()
        results: dict[str, int] = {}
        for job in self.jobs:
            now = self.context.clock.now()
            due = self._next.get(job.name)
            leased = self.leases is not None and not job.per_process
            if not leased:
                if due is not None and now < due:
                    continue
            else:
                assert self.leases is not None
                claim = self.leases.claim(job.name, self.owner, now=now, until=now + self.lease)
                if claim is None:
                    continue
                due = claim.due
            lag = None if due is None else now - due
            # keep the cadence: the next run is a period after this one was due (after now, if that is past)
            anchor = due_at(due, now, job.period)
            self._next[job.name] = anchor + job.period
            self.last_run[job.name] = now
            self.runs[job.name] += 1
            began = time.perf_counter()
            error: str | None = None
            with logs.scope(job=job.name, run_id=logs.new_id()[:16]):
                try:
                    results[job.name] = job.run(self.context)
                except Exception as exc:  # keep serving; the job is tried again a period later
                    self.failures[job.name] += 1
                    error = f"{type(exc).__name__}: {exc}"
                    log.exception("periodic job %s failed; tried again in %s", job.name, job.period)
                self._observed(job.name, began, lag, failed=error is not None)
                if error is None and results[job.name]:
                    log.info("periodic job %s changed %d", job.name, results[job.name])
                if leased:
                    assert self.leases is not None
                    finished = now + timedelta(seconds=time.perf_counter() - began)
                    kept = self.leases.finish(
                        job.name,
                        self.owner,
                        started=now,
                        finished=finished,
                        lag=lag,
                        next_run=anchor + job.period,
                        until=self.context.clock.now() + self.lease,
                        changed=results.get(job.name),
                        error=error,
                    )
                    if not kept:
                        log.warning("periodic job %s: lease lost during the run (ran longer than the lease?)", job.name)
        return results

    def _observed(self, name: str, began: float, lag: timedelta | None, *, failed: bool) -> None:
        if self.observe is not None:
            try:
                self.observe(name, time.perf_counter() - began, lag.total_seconds() if lag else 0.0, failed)
            except Exception:  # metrics never stop a job
                log.exception("periodic job %s: run not recorded", name)

    def renew(self) -> int:
        """Extend the leases this runner holds (the heartbeat)."""
        if self.leases is None:
            return 0
        return self.leases.renew(self.owner, until=self.context.clock.now() + self.lease)

    def release(self) -> int:
        if self.leases is None:
            return 0
        return self.leases.release(self.owner)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # the database is unreachable: try again at the next tick
                log.exception("periodic round failed; the next tick tries again")
            self._stop.wait(self.tick_seconds)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            try:
                self.renew()
            except Exception:
                log.exception("renewing the periodic jobs' leases failed; the next beat tries again")

    def start(self) -> None:
        with self._lock:
            if self.running or not self.jobs:
                return
            self._stop.clear()
            self.started_at = self.context.clock.now()
            self._threads = [threading.Thread(target=self._loop, name="cuakhau-periodic", daemon=True)]
            if self.leases is not None:
                self._threads.append(threading.Thread(target=self._heartbeat, name="cuakhau-leases", daemon=True))
            for thread in self._threads:
                thread.start()

    def stop(self, timeout: float = 10.0, *, release: bool = True) -> None:
        """Stop the threads and release the leases (``release=False`` leaves them to expire, as a crash would)."""
        with self._lock:
            self._stop.set()
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("periodic runner still busy after %.1f s; left to finish on its own", timeout)
                return  # its job still holds the lease; it expires on its own
        if threads and release:
            try:
                self.release()
            except Exception:
                log.exception("releasing the periodic jobs' leases failed; they expire on their own")
