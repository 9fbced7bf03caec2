"""The periodic rules, with their intended cadence, as data a scheduler runs.

Each :class:`Job` is a name, a period and a function of a :class:`JobContext` (the unit-of-work factory, the
clock, and the adapters a few jobs need) returning how many things it changed. A job's function is a use case:
it opens its own unit of work, and should commit only when it changed something.

One runner (adapters/periodic.py) runs the whole table under leases (the ``scheduled_jobs`` table): in each
server process by default (``CUAKHAU_JOBS_IN_SERVER=true``), or in ``cuakhau worker`` processes. Whatever the
number of processes, each job runs in one of them at a time, once per period. ``served_by`` names the worker that
ran the job before the scheduler (``cuakhau notify`` still runs the notification dispatcher's round on its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cuakhau.domain.clock import Clock
from cuakhau.services import accounts, equeue, gates, hotline, lanes
from cuakhau.services.boards import BOARD_REFRESH, PublicBoard
from cuakhau.services.exchange import Identity
from cuakhau.services.notifications import Notifier, deliver_due
from cuakhau.services.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class JobContext:
    uow: UnitOfWorkFactory
    clock: Clock
    #: Where notifications go (the ``notifications`` job needs it).
    notifier: Notifier | None = None
    #: Who we are in the cross-border exchange (the ``exchange_links`` job needs it).
    identity: Identity | None = None
    #: How long a partner may stay unreached before the ``exchange_links`` job raises a fault (its default).
    link_fault_after: timedelta | None = None
    #: This server process's public wait board (the ``public_board`` job refreshes it).
    board: PublicBoard | None = None


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    period: timedelta
    run: Callable[[JobContext], int]
    summary: str
    #: The worker that runs the job today in a server process; ``None``: the periodic runner; ``"web"``: the web
    #: server itself (its read models), whatever other worker runs.
    served_by: str | None = None
    #: The :class:`JobContext` fields the job cannot run without.
    needs: tuple[str, ...] = ()
    #: Runs in every runner that can run it, on its own schedule, without a lease: it refreshes something held in
    #: the memory of its process (a read model), which a run in another process would not reach.
    per_process: bool = False

    def runnable(self, ctx: JobContext) -> bool:
        return all(getattr(ctx, need) is not None for need in self.needs)


#: A notifications run delivers batches of this many, and keeps going (up to ``NOTIFICATION_BATCHES``) while the
#: batches come back full: a backlog drains at once, not one batch per period.
NOTIFICATION_BATCH = 50
NOTIFICATION_BATCHES = 20


def _notifications(ctx: JobContext) -> int:
    assert ctx.notifier is not None
    handled = 0
    for _ in range(NOTIFICATION_BATCHES):
        report = deliver_due(ctx.uow, ctx.notifier, ctx.clock, limit=NOTIFICATION_BATCH)
        handled += report.handled
        if report.handled < NOTIFICATION_BATCH:
            break
    return handled


def _no_shows(ctx: JobContext) -> int:
    # The places of trucks not at the gate 20 minutes into their slot go to the standby list first (issue 21.11).
    given = equeue.offer_late_places(ctx.uow(), clock=ctx.clock)
    return given + equeue.mark_no_shows(ctx.uow(), clock=ctx.clock)


def _lane_requeue(ctx: JobContext) -> int:
    return len(lanes.skip_late(ctx.uow(), clock=ctx.clock).skipped)


def _token_purge(ctx: JobContext) -> int:
    return accounts.purge_expired_tokens(ctx.uow(), clock=ctx.clock)


def _holiday_closures(ctx: JobContext) -> int:
    return gates.publish_holiday_closures(ctx.uow(), clock=ctx.clock)


def _exchange_links(ctx: JobContext) -> int:
    assert ctx.identity is not None
    if ctx.link_fault_after is None:
        return hotline.watch_links(ctx.uow(), clock=ctx.clock, identity=ctx.identity)
    return hotline.watch_links(ctx.uow(), clock=ctx.clock, identity=ctx.identity, after=ctx.link_fault_after)


def _hotline_escalation(ctx: JobContext) -> int:
    return hotline.sweep_incidents(ctx.uow(), clock=ctx.clock)


def _public_board(ctx: JobContext) -> int:
    assert ctx.board is not None
    ctx.board.refresh()
    return 0  # a read model in memory: nothing written


NOTIFICATIONS = Job(
    "notifications",
    timedelta(seconds=2),
    _notifications,
    "deliver the due notifications of the outbox, retrying failures with back-off",
    served_by="notify",
    needs=("notifier",),
)
NO_SHOWS = Job(
    "no_shows",
    timedelta(seconds=2),
    _no_shows,
    "trucks not at the gate 20 minutes into their slot lend their place to the standby list; trucks not arrived "
    "by the end of their slot plus the grace period are no-shows (published rule)",
    served_by="notify",
)
LANE_REQUEUE = Job(
    "lane_requeue",
    timedelta(seconds=30),
    _lane_requeue,
    "trucks called but not at their lane within 20 minutes go back to the queue; their lanes are refilled",
)
TOKEN_PURGE = Job(
    "token_purge",
    timedelta(hours=1),
    _token_purge,
    "delete expired sessions and API tokens",
)
HOLIDAY_CLOSURES = Job(
    "holiday_closures",
    timedelta(days=1),
    _holiday_closures,
    "publish the holiday closures the gates' rules make in the next 400 days; re-plan the bookings they touch",
)
EXCHANGE_LINKS = Job(
    "exchange_links",
    timedelta(seconds=30),
    _exchange_links,
    "raise a hotline link fault for a partner not reached for 5 minutes",
    served_by="exchange",
    needs=("identity",),
)
HOTLINE_ESCALATION = Job(
    "hotline_escalation",
    timedelta(seconds=30),
    _hotline_escalation,
    "escalate the hotline incidents not acknowledged by their deadline",
    served_by="exchange",
)

PUBLIC_BOARD = Job(
    "public_board",
    BOARD_REFRESH,
    _public_board,
    "compute the public wait board of this server process, which its readers are then served",
    served_by="web",
    needs=("board",),
    per_process=True,
)

#: Every periodic rule, in the order a round runs them.
JOBS: tuple[Job, ...] = (
    NOTIFICATIONS,
    NO_SHOWS,
    LANE_REQUEUE,
    TOKEN_PURGE,
    HOLIDAY_CLOSURES,
    EXCHANGE_LINKS,
    HOTLINE_ESCALATION,
    PUBLIC_BOARD,
)


def jobs_served_by(worker: str | None) -> list[Job]:
    """The jobs that ``worker`` runs in a server process (``None``: the periodic runner's)."""
    return [job for job in JOBS if job.served_by == worker]
