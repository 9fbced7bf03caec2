"""The electronic queue — hàng đợi điện tử / 电子排队: book, cancel, reschedule, re-plan, capacity, no-shows.

How a booking gets its slot (the published rule):

1. At booking time the truck takes the earliest slot in its window that still has room on both sides of the
   line (first come, first served), taken atomically in the database so no slot is ever overbooked.
2. When no slot has room, the booking joins the waiting list, and — if its goods are perishable (by their
   class's profile, :mod:`cuakhau.domain.perishability`) — the day is re-planned at once: the optimal planner
   may move less perishable trucks later within *their* windows to make room, never past the published
   fairness bound while capacity allows.
3. Whenever capacity changes (a closure on either side, the counterpart lowers its acceptance) the affected
   days are re-planned the same way, and every truck whose slot moved is told, with the reason.
4. A freed place goes first to the standby list — trucks near the gate whose exporter asked for an earlier place
   (:mod:`.standby`): a cancelled place, or the place of a booked truck not at the gate 20 minutes into its
   slot, moves the next standby truck that can reach the gate before the slot ends (earliest booked slot, most
   perishable, earliest joined); then to the waiting list: most perishable first, then first come.

Trucks already on the road (dispatched) keep their slots. Every change is recorded with its rule and reason.

The package, one module per concern (each imports only the ones listed before it):

* :mod:`.common` — what the use cases share: the caller's admission, idempotency keys, slot days, notices;
* :mod:`.remaining` — what remains of a day, by the one rule booking applies (every view shows it);
* :mod:`.placing` — the checks a new booking meets and its first-come place;
* :mod:`.planning` — re-planning a gate day under a published policy;
* :mod:`.batch` — requests that arrived together, booked in one transaction;
* :mod:`.booking` — the entry for booking one request or many, and reading a booking back;
* :mod:`.standby` — the standby list: join, leave, list; a freed place offered to it, exactly once;
* :mod:`.changes` — cancel, reschedule, close; a freed place goes to the standby list, then the waiting list;
* :mod:`.capacity` — changes of capacity: closures, the counterpart's acceptance, refreshing slots;
* :mod:`.gating` — dispatch checks, arrival, no-shows, late trucks' places lent to the standby list.
"""

from __future__ import annotations

from cuakhau.services.equeue.booking import BATCH_ATTEMPTS, book, get_booking
from cuakhau.services.equeue.capacity import (
    apply_acceptance,
    capacity_changed,
    change_cause,
    closure_cause,
    declare_acceptance,
    refresh_capacity,
)
from cuakhau.services.equeue.changes import cancel_booking, close_booking, reschedule_booking
from cuakhau.services.equeue.common import (
    BOOKING_ROLES,
    FIXED_STATES,
    MOVABLE_TRIP_STATES,
    SYSTEM,
    BookingRequest,
    BookingResult,
    Count,
    Idempotency,
    MaySee,
    booking_messages,
    check_caller,
    ensure_slots,
    floor_hour,
    local_days,
)
from cuakhau.services.equeue.gating import check_dispatch, mark_no_shows, offer_late_places, on_arrival
from cuakhau.services.equeue.planning import POLICIES, DayPlan, replan
from cuakhau.services.equeue.standby import (
    StandbyPlace,
    join_standby,
    leave_standby,
    reason_sentences,
    standby_list,
    standby_offers,
)

__all__ = [
    "BATCH_ATTEMPTS",
    "BOOKING_ROLES",
    "FIXED_STATES",
    "MOVABLE_TRIP_STATES",
    "POLICIES",
    "SYSTEM",
    "BookingRequest",
    "BookingResult",
    "Count",
    "DayPlan",
    "Idempotency",
    "MaySee",
    "StandbyPlace",
    "apply_acceptance",
    "book",
    "booking_messages",
    "cancel_booking",
    "capacity_changed",
    "change_cause",
    "check_caller",
    "check_dispatch",
    "close_booking",
    "closure_cause",
    "declare_acceptance",
    "ensure_slots",
    "floor_hour",
    "get_booking",
    "join_standby",
    "leave_standby",
    "local_days",
    "mark_no_shows",
    "offer_late_places",
    "on_arrival",
    "reason_sentences",
    "refresh_capacity",
    "replan",
    "reschedule_booking",
    "standby_list",
    "standby_offers",
]
