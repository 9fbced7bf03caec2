"""Customs use cases: the risk channel of each declaration, and the officers' results carried as the record.

A declaration (one per trip here) gets its channel when its truck reaches the yard
(:mod:`cuakhau.services.customs_channel`, set off by the trip lifecycle).

Officers record release, hold or reject; cuakhau carries that decision onto the trip (clear, hold, reject) and
never issues a second one.
"""

from __future__ import annotations

from cuakhau.domain.clock import Clock
from cuakhau.domain.customs import ChannelDecision, CustomsResult, ResultKind, record_result
from cuakhau.domain.errors import ConcurrentUpdate, Conflict, InvalidInput, require
from cuakhau.domain.trip import Actor, ActorRole, Trip, TripAction, TripState
from cuakhau.services.customs_channel import DEFAULT_PROFILE
from cuakhau.services.lifecycle import step
from cuakhau.services.ports import UnitOfWork

ATTEMPTS = 5


def get_channel(uow: UnitOfWork, trip_id: str) -> tuple[ChannelDecision | None, list[CustomsResult]]:
    with uow:
        require(uow.trips.get(trip_id), "trip", trip_id)
        return uow.customs.decision(trip_id), uow.customs.results(trip_id)


#: The trip steps that carry an officer's result, from the states a truck can be in when it is recorded.
_CARRY: dict[ResultKind, list[tuple[frozenset[TripState], list[TripAction]]]] = {
    ResultKind.RELEASE: [
        (frozenset({TripState.CALLED, TripState.INSPECTING, TripState.RELEASED}), [TripAction.CLEAR]),
        (frozenset({TripState.HELD}), [TripAction.RELEASE, TripAction.CLEAR]),
    ],
    ResultKind.HOLD: [(frozenset({TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING}), [TripAction.HOLD])],
    ResultKind.REJECT: [(frozenset({TripState.CALLED, TripState.INSPECTING, TripState.HELD}), [TripAction.REJECT])],
}


def possible_results(state: TripState) -> tuple[str, ...]:
    """The results customs may record on a trip in ``state`` (release, hold, reject), as ``_CARRY`` allows: a page
    offers only these."""
    return tuple(kind.value for kind, ways in _CARRY.items() if any(state in states for states, _ in ways))


def carry_result_in(
    uow: UnitOfWork, trip: Trip, *, clock: Clock, kind: str, actor: Actor, reason: str | None = None
) -> CustomsResult:
    """Inside an open unit of work: keep an officer's result and take the trip steps that carry it; no commit."""
    if actor.role is not ActorRole.CUSTOMS:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    decision = uow.customs.decision(trip.id)
    if decision is None:
        raise Conflict("customs.no_decision", field="trip_id", state=trip.state.value)
    gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
    result = record_result(
        decision,
        uow.customs.results(trip.id),
        kind=kind,
        officer_id=actor.id,
        reason=reason,
        at=clock.now(),
        tz=gate.timezone,  # a refusal gives its times in the gate's local time
    )
    steps = next((acts for states, acts in _CARRY[result.kind] if trip.state in states), None)
    if steps is None:
        raise Conflict("customs.trip_not_at_gate", field="trip_id", state=trip.state.value, result=result.kind.value)
    shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
    uow.customs.add_result(trip.id, shipment.exporter_id, result)
    for action in steps:
        why = reason if action in (TripAction.HOLD, TripAction.REJECT) else None
        step(uow, trip, action, actor=actor, clock=clock, reason=why)
    return result


def record_customs_result(
    uow: UnitOfWork, *, clock: Clock, trip_id: str, kind: str, actor: Actor, reason: str | None = None
) -> tuple[CustomsResult, Trip]:
    """An officer records customs' result; it is kept, and carried onto the trip as its step."""
    for _ in range(ATTEMPTS):
        with uow:
            trip = require(uow.trips.get(trip_id), "trip", trip_id)
            try:
                result = carry_result_in(uow, trip, clock=clock, kind=kind, actor=actor, reason=reason)
                uow.commit()
            except ConcurrentUpdate:
                continue
            return result, trip
    raise ConcurrentUpdate("trip", trip_id)


__all__ = ["DEFAULT_PROFILE", "carry_result_in", "get_channel", "record_customs_result"]
