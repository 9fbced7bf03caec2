"""The bays and the laboratory as queues: jobs start as places free, and give them back when a truck leaves.

Each resource queues its jobs under the published rule (perishables first) and starts them while it has free
places; every change holds the resource's row lock, so two server processes never start more jobs than the
resource has places. The trip lifecycle (:mod:`cuakhau.services.lifecycle`) asks two things of this module:
before a truck is cleared, that nothing is still open for it (:func:`check_clearance_in`); once it is turned
back, that its open jobs give their places to the next trucks (:func:`withdraw_open_in`).
"""

from __future__ import annotations

from datetime import datetime

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, require
from cuakhau.domain.gate import Gate
from cuakhau.domain.inspection import InspectionJob, InspectionResource, ResourceKind, default_resource, to_start
from cuakhau.domain.trip import Actor, Trip, TripState
from cuakhau.services.ports import UnitOfWork

#: Once a truck is turned back, its open jobs are withdrawn so their places go to the next trucks.
LEFT = frozenset({TripState.REJECTED, TripState.RETURNED, TripState.CANCELLED, TripState.NO_SHOW})


def resource_in(uow: UnitOfWork, gate: Gate, kind: ResourceKind) -> InspectionResource:
    return uow.inspections.resource(gate.id, kind) or default_resource(gate, kind)


def start_due_in(uow: UnitOfWork, resource: InspectionResource, now: datetime) -> list[InspectionJob]:
    """Inside a unit of work that holds the resource's lock: start what the free places allow."""
    started = to_start(resource, uow.inspections.open_jobs(resource.gate_id, resource.kind))
    for job in started:
        job.start(resource, now)
        uow.inspections.save_job(job)
    return started


def check_clearance_in(uow: UnitOfWork, trip: Trip) -> None:
    """Inside a unit of work, before a truck is cleared: nothing may still be open for it."""
    for job in uow.inspections.for_trip(trip.id):
        if job.open:
            raise Conflict("inspection.pending", field="trip_id", kind=job.kind.value, job=job.id, agency=job.agency)
    checks = uow.inspections.checks(trip.shipment_id)
    if checks and checks[-1].blocks_clearance:
        raise Conflict("phyto.check_blocking", field="trip_id", check=checks[-1].id)


def withdraw_open_in(uow: UnitOfWork, clock: Clock, trip: Trip, actor: Actor) -> None:
    """Inside a unit of work, when a truck leaves the process: its open jobs give their places back."""
    if trip.state not in LEFT:
        return
    for job in uow.inspections.for_trip(trip.id):
        if not job.open:
            continue
        gate = require(uow.gates.get(job.gate_id), "gate", job.gate_id)
        resource = resource_in(uow, gate, job.kind)
        uow.inspections.lock(resource, at=clock.now(), by=actor.id)
        job.withdraw(reason=f"trip {trip.state.value}", by=actor.id, now=clock.now())
        uow.inspections.save_job(job)
        start_due_in(uow, resource, clock.now())
