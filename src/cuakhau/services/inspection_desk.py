"""The inspection desk of a gate: what customs and quarantine officers act on, read in one unit of work.

The inspection page (``adapters/web/pages/inspections.py``) shows, for a gate: each bay's and the laboratory's
queue in the published order (:func:`cuakhau.services.inspections.queue`: perishables first, then the earlier
request) with the truck behind each job; the trucks that could be sent to a bay of each kind now (at a lane,
released, or being inspected by the other agency) in the same order; and the latest phytosanitary certificate
check of the trucks at the gate, blocking ones first. The truck page reads one truck's part of it
(:func:`truck_desk`). Nothing here decides anything: the actions are the use cases of
:mod:`cuakhau.services.inspections` and :mod:`cuakhau.services.trips`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Gate
from cuakhau.domain.inspection import Forecast, InspectionJob, InspectionResource, ResourceKind, forecast
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.domain.quarantine import CertificateCheck
from cuakhau.domain.trip import TripState
from cuakhau.services.inspection_queue import resource_in
from cuakhau.services.inspections import SEND_FROM
from cuakhau.services.ports import TripFilter, UnitOfWork

#: The trucks the desk shows: in the yard, at a lane, inspected, held or released (not yet cleared).
AT_GATE = (TripState.ARRIVED, TripState.CALLED, TripState.INSPECTING, TripState.HELD, TripState.RELEASED)
#: The bays a truck can be sent to (a laboratory sample is taken at a quarantine bay, never sent).
BAYS = (ResourceKind.CUSTOMS_BAY, ResourceKind.QUARANTINE_BAY)
LIMIT = 500


@dataclass(frozen=True, slots=True)
class DeskTruck:
    trip_id: str
    gate_id: str
    plate: str
    state: TripState
    perishability: Perishability
    shipment_id: str
    since: datetime | None

    @property
    def sort_key(self) -> tuple[int, datetime | None, str]:
        return (-PROFILES[self.perishability].weight, self.since, self.trip_id)


@dataclass(frozen=True, slots=True)
class QueueRow:
    job: InspectionJob
    forecast: Forecast
    truck: DeskTruck | None


@dataclass(frozen=True, slots=True)
class DeskQueue:
    resource: InspectionResource
    rows: list[QueueRow]

    @property
    def in_progress(self) -> int:
        return sum(1 for r in self.rows if r.forecast.position == 0)

    @property
    def queued(self) -> int:
        return sum(1 for r in self.rows if r.forecast.position > 0)


@dataclass(frozen=True, slots=True)
class CertificateRow:
    truck: DeskTruck
    check: CertificateCheck


@dataclass(frozen=True, slots=True)
class Desk:
    gate: Gate
    computed_at: datetime
    queues: dict[ResourceKind, DeskQueue]
    #: Per bay kind: the trucks that may be sent there now, most perishable first, then the longest waiting.
    to_send: dict[ResourceKind, list[DeskTruck]]
    certificates: list[CertificateRow]


@dataclass(frozen=True, slots=True)
class TruckDesk:
    """One truck's inspections, samples and certificate checks, and what may be done about them now."""

    truck: DeskTruck
    jobs: list[InspectionJob]
    checks: list[CertificateCheck]
    sendable: list[ResourceKind] = field(default_factory=list)

    @property
    def open_jobs(self) -> list[InspectionJob]:
        return [j for j in self.jobs if j.open]

    @property
    def latest_check(self) -> CertificateCheck | None:
        return self.checks[-1] if self.checks else None


def _sendable(truck: DeskTruck, jobs: list[InspectionJob]) -> list[ResourceKind]:
    if truck.state not in SEND_FROM:
        return []
    return [k for k in BAYS if not any(j.open and j.kind is k for j in jobs)]


def desk(uow: UnitOfWork, *, clock: Clock, gate_id: str) -> Desk:
    now = clock.now()
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id)
        trucks: dict[str, DeskTruck] = {}
        for state in AT_GATE:
            rows, _ = uow.trips.find(TripFilter(gate_id=gate_id, state=state), limit=LIMIT, offset=0)
            for row in rows:
                trip = row.trip
                trucks[trip.id] = DeskTruck(
                    trip.id, trip.gate_id, row.plate, trip.state, row.perishability, trip.shipment_id, trip.updated_at
                )
        queues: dict[ResourceKind, DeskQueue] = {}
        open_by_trip: dict[str, list[InspectionJob]] = {}
        for kind in ResourceKind:
            resource = resource_in(uow, gate, kind)
            jobs = uow.inspections.open_jobs(gate_id, kind)
            by_id = {j.id: j for j in jobs}
            for j in jobs:
                open_by_trip.setdefault(j.trip_id, []).append(j)
            rows_ = [QueueRow(by_id[f.job_id], f, trucks.get(f.trip_id)) for f in forecast(resource, jobs, now)]
            queues[kind] = DeskQueue(resource, rows_)
        ordered = sorted(trucks.values(), key=lambda t: t.sort_key)
        to_send = {kind: [t for t in ordered if kind in _sendable(t, open_by_trip.get(t.trip_id, []))] for kind in BAYS}
        certificates = []
        for t in ordered:
            checks = uow.inspections.checks(t.shipment_id)
            if checks:
                certificates.append(CertificateRow(t, checks[-1]))
        certificates.sort(key=lambda c: (not c.check.blocks_clearance, c.truck.sort_key))
    return Desk(gate, now, queues, to_send, certificates)


def truck_desk(uow: UnitOfWork, trip_id: str) -> TruckDesk:
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        vehicle = uow.vehicles.get(trip.vehicle_id)
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        perishability = max((ln.perishability for ln in shipment.lines), key=lambda p: PROFILES[p].weight)
        truck = DeskTruck(
            trip.id,
            trip.gate_id,
            vehicle.plate.text if vehicle else "",
            trip.state,
            perishability,
            trip.shipment_id,
            trip.updated_at,
        )
        jobs = uow.inspections.for_trip(trip_id)
        checks = uow.inspections.checks(trip.shipment_id)
    return TruckDesk(truck, jobs, checks, _sendable(truck, jobs))
