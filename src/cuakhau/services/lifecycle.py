"""The trip lifecycle's rules in one place: what a step checks first, and what it sets off in other features.

:meth:`Trip.apply <cuakhau.domain.trip.Trip.apply>` decides which step is legal from which state
(``domain.trip.TRANSITIONS``). The platform's features ride on those steps, and the three tables below are the
only place that says how: a use case that moves a trip calls :func:`step` inside its unit of work, and the
features answer through the hooks named here, never by importing each other sideways.

* :data:`GUARDS` are checked before the step is applied; each may refuse it, and the trip is left untouched.
* :data:`SIDE_EFFECTS` follow the step once applied, in order, before the trip is saved; each may still refuse
  it (the unit of work is then rolled back).
* :data:`ON_EVERY_STEP` follow every step once the trip is saved: rules that ride on where the truck now is
  (off its lane, turned back), not on the action that took it there.

The e-queue and call-forward take a few steps inside their own bookkeeping, through ``Trip.apply`` directly:
``book`` (a place taken or promoted from the waiting list), ``cancel`` and ``no_show`` (closing the booking as
:data:`SIDE_EFFECTS` does), ``call`` and ``requeue`` (the lane call opened or skipped). Those steps start
before a truck reaches the yard or concern only the lanes, so no other feature's rule rides on them; the
call-forward checks the gate pair's hours itself, as the ``gate_open`` guard does for a call by hand.

Outside the transaction, the exchange announces departed trucks across the line from its outbox sweep
(``exchange.announce_departures``) and notifications go out from the outbox: neither is a hook here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import Clock
from cuakhau.domain.trip import Actor, Trip, TripAction, TripEvent, TripState
from cuakhau.services import customs_channel, equeue, exchange, inspection_queue, lanes, open_hours
from cuakhau.services.ports import UnitOfWork


@dataclass(slots=True)
class Step:
    """The step being taken: the action, by whom, on which clock, why; ``from_state`` is the state before it.

    ``at`` is when it happened if not now (a device's read delivered late); ``override_reason`` an officer's
    reason for letting it through a rule that would refuse it, which that rule marks as ``overridden``."""

    action: TripAction
    from_state: TripState
    actor: Actor
    clock: Clock
    reason: str | None
    at: datetime | None = None
    override_reason: str | None = None
    overridden: bool = False

    @property
    def when(self) -> datetime:
        return self.at or self.clock.now()


#: A rule riding on a step: called inside the step's open unit of work; it refuses the step by raising.
Rule = Callable[[UnitOfWork, Trip, Step], None]


# --- the rules, each a hook of the feature it belongs to --------------------------------------------------------


def nothing_open(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """Clearance waits for every open bay or laboratory job and for a certificate without blocking findings."""
    inspection_queue.check_clearance_in(uow, trip)


def not_refused_across(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """A truck does not cross while the gate across has held or returned it."""
    exchange.check_crossing_in(uow, trip)


def gate_open(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """No truck is called forward or crosses while either side of the gate pair is shut, unless an officer
    overrides it with a reason (``services.open_hours``)."""
    gate = uow.gates.get(trip.gate_id)
    if gate is not None and not open_hours.check_open_in(uow, gate, step.when, override_reason=step.override_reason):
        step.overridden = True


def gating_rule(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """The e-queue's gating rule on dispatch (a booking, the documents), refused with every reason."""
    equeue.check_dispatch(uow, trip, step.clock.now())


def booking_used(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """An arriving truck uses its booking, unless it is past its slot and the grace period."""
    equeue.on_arrival(uow, trip, step.clock.now())


def channel_assigned(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """The declaration's customs risk channel, decided once, when the truck reaches the yard."""
    customs_channel.assign_channel_in(uow, step.clock, trip)


def booking_cancelled(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """A cancelled trip's booking closes; its place goes to the waiting list."""
    equeue.close_booking(uow, step.clock, trip, BookingStatus.CANCELLED, step.actor)


def booking_missed(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """A no-show's booking closes as a no-show."""
    equeue.close_booking(uow, step.clock, trip, BookingStatus.NO_SHOW, step.actor)


def lane_freed(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """A truck leaving its lane frees it, and the next truck in the yard is called forward to it."""
    if step.from_state in lanes.AT_LANE and trip.state not in lanes.AT_LANE:
        lanes.lane_freed(uow, step.clock, trip, step.actor)


def jobs_withdrawn(uow: UnitOfWork, trip: Trip, step: Step) -> None:
    """A truck turned back gives the places of its open inspection jobs to the next trucks."""
    inspection_queue.withdraw_open_in(uow, step.clock, trip, step.actor)


# --- the tables -------------------------------------------------------------------------------------------------

#: Checked before the step is applied, in order; each may refuse it.
GUARDS: Mapping[TripAction, tuple[Rule, ...]] = {
    TripAction.CALL: (gate_open,),
    TripAction.CLEAR: (nothing_open,),
    TripAction.CROSS: (not_refused_across, gate_open),
}

#: Set off by the step once applied, in order, before the trip is saved.
SIDE_EFFECTS: Mapping[TripAction, tuple[Rule, ...]] = {
    TripAction.DISPATCH: (gating_rule,),
    TripAction.ARRIVE: (booking_used, channel_assigned),
    TripAction.CANCEL: (booking_cancelled,),
    TripAction.NO_SHOW: (booking_missed,),
}

#: Set off by every step once the trip is saved, in order.
ON_EVERY_STEP: tuple[Rule, ...] = (lane_freed, jobs_withdrawn)


def step(
    uow: UnitOfWork,
    trip: Trip,
    action: TripAction,
    *,
    actor: Actor,
    clock: Clock,
    reason: str | None = None,
    at: datetime | None = None,
    override_reason: str | None = None,
) -> TripEvent:
    """Inside an open unit of work: take one step and apply the rules that ride on it (the tables above); no
    commit — the use case that took the step commits, or rolls everything back when a rule refuses.

    ``at``: when the step happened, if not now (a device's read); the guards judge that instant.
    ``override_reason``: an officer lets the step through a guard that would refuse it (the gate pair's hours);
    kept on the event when a guard was indeed overridden."""
    taken = Step(action, trip.state, actor, clock, reason, at, open_hours.override(override_reason, actor))
    for rule in GUARDS.get(action, ()):
        rule(uow, trip, taken)
    kept = taken.override_reason if taken.overridden else None
    event = trip.apply(action, actor=actor, clock=clock, reason=reason, override_reason=kept)
    for rule in SIDE_EFFECTS.get(action, ()):
        rule(uow, trip, taken)
    uow.trips.save(trip)
    for rule in ON_EVERY_STEP:
        rule(uow, trip, taken)
    return event


__all__ = ["GUARDS", "ON_EVERY_STEP", "SIDE_EFFECTS", "Rule", "Step", "step"]
