"""What the operations metrics read from the database at scrape time (``/metrics``): three grouped counts in one
read-only unit of work, cheap enough to run on every scrape (docs/operations.md, "Metrics")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import TripState
from cuakhau.services.ports.uow import UnitOfWork

#: The states of a booked truck on its way (the gate's queue).
QUEUE_STATES = frozenset({TripState.BOOKED, TripState.DISPATCHED})
#: The states in which a truck is in (or at) the gate's yard; held and released trucks wait there too.
YARD_STATES = frozenset(
    {TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING, TripState.HELD, TripState.RELEASED, TripState.CLEARED}
)


@dataclass(frozen=True, slots=True)
class PartnerBacklog:
    pending: int
    failing: int
    oldest_pending: datetime | None


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    #: Trips not yet finished by gate, direction and state.
    trips: dict[tuple[str, Direction, TripState], int]
    #: Notifications in the outbox by status.
    outbox: dict[str, int]
    #: The exchange's outgoing messages waiting for delivery, by partner.
    exchange: dict[str, PartnerBacklog]


def snapshot(uow: UnitOfWork) -> OpsSnapshot:
    with uow:
        trips = uow.activity.open_trip_counts()
        outbox = uow.outbox.counts()
        stats = uow.exchange.outbox_stats()
    exchange = {
        peer: PartnerBacklog(pending=s["pending"], failing=s["failing"], oldest_pending=s["oldest_pending"])
        for peer, s in stats.items()
    }
    return OpsSnapshot(trips=trips, outbox=outbox, exchange=exchange)
