"""Worklists — danh sách việc / 待办清单: the order in which an officer sees the trucks that need them.

The published order is the call-forward rule's (:mod:`cuakhau.domain.callforward`) read for a desk: a truck
past its wait bound, or within :data:`NEAR_BOUND` of it, comes first; then the heavier perishability class (the
weights of :mod:`cuakhau.domain.perishability`); then the less time left before its bound; then the earlier
arrival. So live animals and fresh produce lead, and a crate of dry goods that has waited all day is not buried.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cuakhau.domain.perishability import PROFILES, Perishability

#: A truck with this little time left before its wait bound is shown with those past it, at the top.
NEAR_BOUND = timedelta(minutes=30)


def time_left(perishability: Perishability, arrived_at: datetime | None, now: datetime) -> timedelta:
    """How long before the truck passes its class's wait bound (negative: past it). Not yet arrived: the bound."""
    bound = PROFILES[perishability].wait_bound
    return bound if arrived_at is None else bound - (now - arrived_at)


def urgency(
    perishability: Perishability, arrived_at: datetime | None, now: datetime, tiebreak: str = ""
) -> tuple[int, int, float, datetime, str]:
    """The sort key of the published worklist order (smaller first)."""
    left = time_left(perishability, arrived_at, now)
    return (
        0 if left <= NEAR_BOUND else 1,
        -PROFILES[perishability].weight,
        left.total_seconds(),
        arrived_at or now,
        tiebreak,
    )
