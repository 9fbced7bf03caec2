"""The leases of the periodic jobs in the ``scheduled_jobs`` table (port: services/ports/jobs.py).

A claim is one conditional ``UPDATE``: it succeeds only if the job is due and its lease is free, expired or
already ours. PostgreSQL locks the row, and re-checks the condition of a concurrent claim after the first one
commits; SQLite serialises writers: either way one process wins. Each method commits at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.services.ports.jobs import Claim, JobState

_J = t.scheduled_jobs


class SqlJobLeases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def register(self, name: str, period: timedelta) -> None:
        seconds = period.total_seconds()
        with self.engine.begin() as conn:
            row = conn.execute(select(_J.c.period_seconds).where(_J.c.name == name)).first()
            if row is not None:
                if row.period_seconds != seconds:
                    conn.execute(update(_J).where(_J.c.name == name).values(period_seconds=seconds))
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(_J.insert().values(name=name, period_seconds=seconds, runs=0, failures=0))
        except IntegrityError:
            pass  # another process registered it first

    def claim(self, name: str, owner: str, *, now: datetime, until: datetime) -> Claim | None:
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(_J)
                .where(
                    _J.c.name == name,
                    or_(_J.c.owner.is_(None), _J.c.owner == owner, _J.c.lease_expires_at < now),
                    or_(_J.c.next_run_at.is_(None), _J.c.next_run_at <= now),
                )
                .values(owner=owner, lease_expires_at=until)
            ).rowcount
            if taken != 1:
                return None
            due = conn.execute(select(_J.c.next_run_at).where(_J.c.name == name)).scalar_one()
        return Claim(name=name, due=due)

    def finish(
        self,
        name: str,
        owner: str,
        *,
        started: datetime,
        finished: datetime,
        lag: timedelta | None,
        next_run: datetime,
        until: datetime,
        changed: int | None,
        error: str | None,
    ) -> bool:
        values: dict[str, object] = {
            "lease_expires_at": until,
            "next_run_at": next_run,
            "last_started_at": started,
            "last_finished_at": finished,
            "last_duration_ms": (finished - started).total_seconds() * 1000,
            "last_lag_ms": None if lag is None else lag.total_seconds() * 1000,
            "last_changed": changed,
            "last_error": None if error is None else error[:2000],
            "runs": _J.c.runs + 1,
        }
        if error is not None:
            values["failures"] = _J.c.failures + 1
        with self.engine.begin() as conn:
            done = conn.execute(update(_J).where(_J.c.name == name, _J.c.owner == owner).values(**values)).rowcount
        return done == 1

    def renew(self, owner: str, *, until: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(update(_J).where(_J.c.owner == owner).values(lease_expires_at=until)).rowcount

    def release(self, owner: str) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                update(_J).where(and_(_J.c.owner == owner)).values(owner=None, lease_expires_at=None)
            ).rowcount

    def states(self) -> list[JobState]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_J).order_by(_J.c.name)).all()
        return [
            JobState(
                name=r.name,
                period=timedelta(seconds=r.period_seconds),
                owner=r.owner,
                lease_expires_at=r.lease_expires_at,
                next_run_at=r.next_run_at,
                last_started_at=r.last_started_at,
                last_finished_at=r.last_finished_at,
                last_duration_ms=r.last_duration_ms,
                last_lag_ms=r.last_lag_ms,
                last_changed=r.last_changed,
                last_error=r.last_error,
                runs=int(r.runs),
                failures=int(r.failures),
            )
            for r in rows
        ]
