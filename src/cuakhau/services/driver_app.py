"""What a driver's phone shows: today's trip (or the next), its booking, the lane to go to and the notices sent.

Only a driver account bound to a driver id reads it (``Role.DRIVER`` with ``driver_id``); every other account is
refused (403) — an exporter or an officer has the portal and the dashboards. The trips are those the driver
drives (:func:`cuakhau.services.authorized.scoped_filter`); one of another driver answers exactly like a trip that
does not exist (``trip.not_found``), as the API does.

Which trip is "today's": the one under way (dispatched, in the yard, at a lane, held …), else the booked or
declared one whose slot comes first, else the one that ended last. The others still open are listed as "next".
"""

from __future__ import annotations

from dataclasses import dataclass

from cuakhau.domain.accounts import Forbidden, Permission, Principal, Role
from cuakhau.domain.gate import Gate
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import TERMINAL_STATES, TripState
from cuakhau.services import authorized, portal
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import LaneCall, TripFilter, TripSummary

#: Trips read to pick today's (a driver drives one open trip at a time; a few closed ones stay listed).
MAX_TRIPS = 20
#: Notices shown for the trip, newest first.
MAX_NOTICES = 10
#: States before the truck leaves its origin: today's trip is one under way before any of these.
NOT_STARTED = frozenset({TripState.DECLARED, TripState.BOOKED})


@dataclass(frozen=True, slots=True)
class DriverTrip:
    view: portal.TripView
    counterpart: Gate | None  # the gate across the border, for the steps taken on that side
    lane: LaneCall | None  # the lane the truck is called to, while the call is open
    notices: list[Notification]


@dataclass(frozen=True, slots=True)
class DriverToday:
    trip: DriverTrip | None  # None: the driver has no trip on record
    others: list[TripSummary]  # the driver's other open trips


def require_driver(principal: Principal) -> str:
    """The driver id of a driver account bound to one; 403 for every other account."""
    if principal.role is not Role.DRIVER or principal.driver_id is None:
        raise Forbidden(permission=Permission.READ_TRIP.value, field="driver_id")
    return principal.driver_id


def _rank(ctx: ServiceContext, summary: TripSummary) -> tuple[int, float]:
    """Under way first; then not started, the first slot (else the first declared) first; then the last ended."""
    trip = summary.trip
    declared = trip.declared_at.timestamp() if trip.declared_at else 0.0
    if trip.state in NOT_STARTED:
        with ctx.uow(read_only=True) as uow:
            booking = uow.bookings.latest_for_trip(trip.id)
        slot = booking.slot_start if booking is not None else None
        return 1, slot.timestamp() if slot is not None else declared
    if trip.state not in TERMINAL_STATES:
        return 0, declared
    ended = trip.updated_at or trip.declared_at
    return 2, -(ended.timestamp() if ended else 0.0)


def trip(ctx: ServiceContext, principal: Principal, trip_id: str) -> DriverTrip:
    """One trip the driver drives, with what the phone shows; ``trip.not_found`` for anyone else's."""
    require_driver(principal)
    view = authorized.trip_view(ctx, principal, trip_id)
    with ctx.uow(read_only=True) as uow:
        counterpart = uow.gates.get(view.gate.counterpart_id) if view.gate.counterpart_id else None
        lane = uow.lanes.open_for_trip(trip_id)
        notices = [sent.notification for sent in reversed(uow.outbox.for_trip(trip_id, limit=MAX_NOTICES))]
    return DriverTrip(view=view, counterpart=counterpart, lane=lane, notices=notices)


def today(ctx: ServiceContext, principal: Principal) -> DriverToday:
    """The driver's trip of the day (see the module's rule) and its other open trips."""
    require_driver(principal)
    found, _ = authorized.visible_trips(ctx, principal, TripFilter(), limit=MAX_TRIPS, offset=0)
    if not found:
        return DriverToday(trip=None, others=[])
    ranked = sorted(found, key=lambda s: _rank(ctx, s))
    first = ranked[0]
    others = [s for s in ranked[1:] if s.trip.state not in TERMINAL_STATES]
    return DriverToday(trip=trip(ctx, principal, first.trip.id), others=others)
