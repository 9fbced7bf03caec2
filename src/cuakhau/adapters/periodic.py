"""The periodic runner of a server process: runs the jobs of the periodic table (services/periodic.py) that no
other worker runs, each once per its period as the clock reads it, on a daemon thread started and stopped by
the web app's lifespan. A failing job is logged and tried again a period later; it never stops the others.

It is the single-process scheduler: every server process runs its own (a scheduler with one leader per job
replaces it when several processes share a database).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from cuakhau.adapters import logs
from cuakhau.services.periodic import Job, JobContext

log = logging.getLogger("cuakhau.periodic")


class PeriodicRunner:
    """``start()`` / ``stop(timeout)`` the thread, which calls :meth:`run_due` every ``tick_seconds``; or call
    :meth:`run_due` directly (tests, a command)."""

    def __init__(self, context: JobContext, jobs: Sequence[Job], *, tick_seconds: float = 1.0) -> None:
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        skipped = [job.name for job in jobs if not job.runnable(context)]
        if skipped:
            raise ValueError(f"jobs missing what they need in the context: {', '.join(skipped)}")
        self.context = context
        self.jobs = list(jobs)
        self.tick_seconds = tick_seconds
        self.runs: dict[str, int] = {job.name: 0 for job in self.jobs}
        self.failures: dict[str, int] = {job.name: 0 for job in self.jobs}
        self._next: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def next_run(self, name: str) -> datetime | None:
        """When the job is due next (``None``: at once, it has not run yet)."""
        return self._next.get(name)

    def run_due(self) -> dict[str, int]:
        """Run every job whose time has come (all of them the first time); returns what each one changed."""
        results: dict[str, int] = {}
        for job in self.jobs:
            now = self.context.clock.now()
            due = self._next.get(job.name)
            if due is not None and now < due:
                continue
            self._next[job.name] = now + job.period
            self.runs[job.name] += 1
            with logs.scope(job=job.name, run_id=logs.new_id()[:16]):
                try:
                    results[job.name] = job.run(self.context)
                except Exception:  # keep serving; the job is tried again a period later
                    self.failures[job.name] += 1
                    log.exception("periodic job %s failed; tried again in %s", job.name, job.period)
                    continue
                if results[job.name]:
                    log.info("periodic job %s changed %d", job.name, results[job.name])
        return results

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.tick_seconds)

    def start(self) -> None:
        with self._lock:
            if self.running or not self.jobs:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="cuakhau-periodic", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stop.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("periodic runner still busy after %.1f s; left to finish on its own", timeout)
