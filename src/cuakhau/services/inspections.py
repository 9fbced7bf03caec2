"""Inspection use cases: bays and the laboratory as queued capacity, holds for samples, certificate checks.

A customs or quarantine officer sends a truck to a bay; it queues there under the published rule (perishables
first) and starts when a place frees (:mod:`cuakhau.services.inspection_queue`). A quarantine inspection may
take a laboratory sample: the truck is held, with the sample as the reason, until the lab's result releases or
rejects it. Clearance waits for every open job and for a phytosanitary certificate without unaccepted blocking
findings.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import ConcurrentUpdate, Conflict, InvalidInput, require
from cuakhau.domain.inspection import (
    Forecast,
    InspectionJob,
    InspectionResource,
    Outcome,
    ResourceKind,
    WorkingHours,
    forecast,
)
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.quarantine import CertificateCheck, Finding, PhytoCertificate, check_certificate
from cuakhau.domain.trip import Actor, ActorRole, TripAction, TripState
from cuakhau.services import customs, equeue
from cuakhau.services.inspection_queue import resource_in, start_due_in
from cuakhau.services.lifecycle import step
from cuakhau.services.ports import TripFilter, UnitOfWork

T = TypeVar("T")
ATTEMPTS = 5
#: A new quarantine-bay capacity re-plans the booked days this far ahead (bookings open at most 14 days ahead).
REPLAN_HORIZON = DEFAULT_RULES.horizon + timedelta(days=1)

#: The officer role that works each resource.
ROLE: dict[ResourceKind, ActorRole] = {
    ResourceKind.CUSTOMS_BAY: ActorRole.CUSTOMS,
    ResourceKind.QUARANTINE_BAY: ActorRole.QUARANTINE,
    ResourceKind.LABORATORY: ActorRole.QUARANTINE,
}

#: A truck can be sent to a bay from the lane, after a release, or while another agency inspects it.
SEND_FROM = frozenset({TripState.CALLED, TripState.RELEASED, TripState.INSPECTING})


def _role(actor: Actor, kind: ResourceKind) -> None:
    if actor.role is not ROLE[kind]:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)


def _retrying(uow: UnitOfWork, key: str, work: Callable[[], T]) -> T:
    for _ in range(ATTEMPTS):
        with uow:
            try:
                result = work()
                uow.commit()
            except ConcurrentUpdate:
                continue
            return result
    raise ConcurrentUpdate("inspection", key)


# --- resources -------------------------------------------------------------------------------------------------


def get_resources(uow: UnitOfWork, gate_id: str) -> list[InspectionResource]:
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id)
        return [resource_in(uow, gate, kind) for kind in ResourceKind]


def set_resource(
    uow: UnitOfWork,
    *,
    clock: Clock,
    gate_id: str,
    kind: str,
    capacity: int,
    service_minutes: float,
    hours: dict[str, Any] | None,
    actor: Actor,
) -> InspectionResource:
    """A gate administrator publishes a resource's capacity; more places start queued jobs at once.

    The quarantine bays are also the gate's declared inspection bays that the e-queue books plant products
    against: changing them re-plans the booked days and notifies the holders of bookings that move.
    """
    if actor.role is not ActorRole.GATE_ADMIN:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    resource_kind = parse_enum(ResourceKind, kind, field="kind")
    if not 1 <= service_minutes <= 14 * 24 * 60:
        raise InvalidInput("inspection.service_time_invalid", field="service_minutes")
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id)
        resource = InspectionResource(
            gate_id,
            resource_kind,
            capacity,
            timedelta(minutes=service_minutes),
            WorkingHours.from_dict(hours) if hours is not None else None,
        )
        uow.inspections.save_resource(resource, at=clock.now(), by=actor.id)
        if resource_kind is ResourceKind.QUARANTINE_BAY:
            # One figure for the queue and the booking plan: the days already booked are re-planned, holders told.
            uow.gates.set_inspection_capacity(gate_id, capacity, service_minutes)
            equeue.capacity_changed(
                uow,
                clock=clock,
                gate_id=gate_id,
                start=clock.now(),
                end=clock.now() + REPLAN_HORIZON,
                cause=equeue.change_cause("inspection_capacity", gate, actor.role),
            )
        start_due_in(uow, resource, clock.now())
        uow.commit()
        return resource


# --- bay inspections -------------------------------------------------------------------------------------------


def request_inspection(
    uow: UnitOfWork, *, clock: Clock, trip_id: str, kind: str, actor: Actor, reason: str | None = None
) -> InspectionJob:
    """Send a truck to a customs or quarantine bay: it becomes ``inspecting`` and queues for a place."""
    resource_kind = parse_enum(ResourceKind, kind, field="kind")
    if resource_kind is ResourceKind.LABORATORY:
        raise InvalidInput("inspection.lab_by_sample", field="kind")
    _role(actor, resource_kind)

    def work() -> InspectionJob:
        trip = require(uow.trips.get(trip_id), "trip", trip_id)
        if trip.state not in SEND_FROM:
            raise Conflict("inspection.trip_not_at_lane", field="trip_id", state=trip.state.value)
        if any(j.open and j.kind is resource_kind for j in uow.inspections.for_trip(trip.id)):
            raise Conflict("inspection.already_open", field="trip_id", kind=resource_kind.value)
        gate = require(uow.gates.get(trip.gate_id), "gate", trip.gate_id)
        resource = resource_in(uow, gate, resource_kind)
        uow.inspections.lock(resource, at=clock.now(), by=actor.id)
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        job = InspectionJob.request(
            trip_id=trip.id,
            gate_id=trip.gate_id,
            kind=resource_kind,
            perishability=max((ln.perishability for ln in shipment.lines), key=lambda p: PROFILES[p].weight),
            at=clock.now(),
            by=actor.id,
            reason=reason,
        )
        if trip.state is not TripState.INSPECTING:
            step(uow, trip, TripAction.INSPECT, actor=actor, clock=clock, reason=job.reason)
        uow.inspections.add_job(job)
        started = {j.id: j for j in start_due_in(uow, resource, clock.now())}
        return started.get(job.id, job)

    return _retrying(uow, trip_id, work)


def finish_inspection(
    uow: UnitOfWork, *, clock: Clock, job_id: str, outcome: str, actor: Actor, reason: str | None = None
) -> tuple[InspectionJob, InspectionJob | None]:
    """Record a bay's outcome; the place goes to the next job. Returns the job and a laboratory sample, if taken.

    ``pass`` frees the bay (the agency's release follows); ``sample`` (quarantine) sends a sample to the lab and
    holds the truck for its result; ``hold`` and ``reject`` are the agency's decision, carried onto the trip
    (customs' through its record of results, so it stays the record of release).
    """

    def work() -> tuple[InspectionJob, InspectionJob | None]:
        job = require(uow.inspections.job(job_id), "inspection_job", job_id)
        _role(actor, job.kind)
        if job.kind is ResourceKind.LABORATORY:
            raise InvalidInput("inspection.lab_by_result", field="job_id")
        trip = require(uow.trips.get(job.trip_id), "trip", job.trip_id)
        gate = require(uow.gates.get(job.gate_id), "gate", job.gate_id)
        resource = resource_in(uow, gate, job.kind)
        uow.inspections.lock(resource, at=clock.now(), by=actor.id)
        job = require(uow.inspections.job(job_id), "inspection_job", job_id)  # as of the lock
        result = job.finish(outcome, reason=reason, by=actor.id, now=clock.now())
        uow.inspections.save_job(job)
        sample: InspectionJob | None = None
        if result is Outcome.SAMPLE:
            lab = resource_in(uow, gate, ResourceKind.LABORATORY)
            uow.inspections.lock(lab, at=clock.now(), by=actor.id)
            sample = InspectionJob.request(
                trip_id=trip.id,
                gate_id=trip.gate_id,
                kind=ResourceKind.LABORATORY,
                perishability=job.perishability,
                at=clock.now(),
                by=actor.id,
                reason=job.result_reason,
                parent_id=job.id,
            )
            uow.inspections.add_job(sample)
            hold_why = f"laboratory sample {sample.id}: {job.result_reason}"
            step(uow, trip, TripAction.HOLD, actor=actor, clock=clock, reason=hold_why)
            started = {s.id: s for s in start_due_in(uow, lab, clock.now())}
            sample = started.get(sample.id, sample)
        elif result in (Outcome.HOLD, Outcome.REJECT):
            if job.kind is ResourceKind.CUSTOMS_BAY:
                customs.carry_result_in(
                    uow, trip, clock=clock, kind=result.value, actor=actor, reason=job.result_reason
                )
            else:
                action = TripAction.HOLD if result is Outcome.HOLD else TripAction.REJECT
                step(uow, trip, action, actor=actor, clock=clock, reason=job.result_reason)
        start_due_in(uow, resource, clock.now())
        return job, sample

    return _retrying(uow, job_id, work)


def record_lab_result(
    uow: UnitOfWork, *, clock: Clock, job_id: str, outcome: str, actor: Actor, reason: str | None = None
) -> InspectionJob:
    """The laboratory's result for a sample: ``pass`` releases the held truck, ``reject`` rejects it."""

    def work() -> InspectionJob:
        job = require(uow.inspections.job(job_id), "inspection_job", job_id)
        if job.kind is not ResourceKind.LABORATORY:
            raise InvalidInput("inspection.not_a_sample", field="job_id")
        _role(actor, job.kind)
        gate = require(uow.gates.get(job.gate_id), "gate", job.gate_id)
        lab = resource_in(uow, gate, job.kind)
        uow.inspections.lock(lab, at=clock.now(), by=actor.id)
        job = require(uow.inspections.job(job_id), "inspection_job", job_id)
        result = job.finish(outcome, reason=reason, by=actor.id, now=clock.now())
        uow.inspections.save_job(job)
        trip = require(uow.trips.get(job.trip_id), "trip", job.trip_id)
        if result is Outcome.PASS and trip.state is TripState.HELD:
            step(uow, trip, TripAction.RELEASE, actor=actor, clock=clock, reason=f"laboratory sample {job.id} passed")
        elif result is Outcome.REJECT:
            step(uow, trip, TripAction.REJECT, actor=actor, clock=clock, reason=job.result_reason)
        start_due_in(uow, lab, clock.now())
        return job

    return _retrying(uow, job_id, work)


# --- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queue:
    resource: InspectionResource
    jobs: list[tuple[InspectionJob, Forecast]]
    computed_at: datetime


def queue(uow: UnitOfWork, *, clock: Clock, gate_id: str, kind: str) -> Queue:
    resource_kind = parse_enum(ResourceKind, kind, field="kind")
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id)
        resource = resource_in(uow, gate, resource_kind)
        jobs = uow.inspections.open_jobs(gate_id, resource_kind)
        now = clock.now()
        by_id = {j.id: j for j in jobs}
        return Queue(resource, [(by_id[f.job_id], f) for f in forecast(resource, jobs, now)], now)


def trip_jobs(uow: UnitOfWork, trip_id: str) -> list[InspectionJob]:
    with uow:
        require(uow.trips.get(trip_id), "trip", trip_id)
        return uow.inspections.for_trip(trip_id)


def get_job(uow: UnitOfWork, job_id: str) -> InspectionJob:
    with uow:
        return require(uow.inspections.job(job_id), "inspection_job", job_id)


@dataclass(frozen=True, slots=True)
class Hold:
    trip_id: str
    plate: str
    agency: str
    reason: str | None
    since: datetime
    held_for: timedelta
    sample: InspectionJob | None  # the laboratory sample the truck waits for, if any


def holds(uow: UnitOfWork, *, clock: Clock, gate_id: str) -> list[Hold]:
    """Trucks held at a gate, by whom, since when and why (longest first)."""
    now = clock.now()
    out: list[Hold] = []
    with uow:
        require(uow.gates.get(gate_id), "gate", gate_id)
        rows, _ = uow.trips.find(TripFilter(gate_id=gate_id, state=TripState.HELD), limit=1000, offset=0)
        for row in rows:
            events = uow.trips.events(row.trip.id)
            hold = next((e for e in reversed(events) if e.action is TripAction.HOLD), None)
            if hold is None:
                continue
            samples = [j for j in uow.inspections.for_trip(row.trip.id) if j.kind is ResourceKind.LABORATORY and j.open]
            out.append(
                Hold(
                    trip_id=row.trip.id,
                    plate=row.plate,
                    agency=hold.actor.role.value,
                    reason=hold.reason,
                    since=hold.at,
                    held_for=now - hold.at,
                    sample=samples[-1] if samples else None,
                )
            )
    return sorted(out, key=lambda h: h.since)


# --- phytosanitary certificates --------------------------------------------------------------------------------

#: Who may hand in a certificate: the exporter (or its broker) declaring, or a quarantine officer at the gate.
_SUBMITTERS = frozenset({ActorRole.EXPORTER, ActorRole.QUARANTINE, ActorRole.COUNTERPART})


def submit_certificate(
    uow: UnitOfWork,
    *,
    clock: Clock,
    shipment_id: str,
    certificate: PhytoCertificate,
    document: bytes,
    actor: Actor,
    max_age_days: int | None = None,
    conformance: Sequence[Finding] = (),
) -> tuple[CertificateCheck, bool]:
    """Check a parsed certificate against the declared shipment and keep both. Returns (check, created).

    ``conformance``: what the reader found about the document itself (its differences from the ePhyto schema),
    kept after the declaration's findings. The same document handed in twice for one shipment is one check (the
    first), so a retry is harmless.
    """
    if actor.role not in _SUBMITTERS:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    digest = hashlib.sha256(document).hexdigest()
    text = document.decode("utf-8", errors="replace")
    with uow:
        shipment = require(uow.shipments.get(shipment_id), "shipment", shipment_id)
        existing = uow.inspections.check_by_document(shipment_id, digest)
        if existing is not None:
            return existing, False
        exporter = uow.enterprises.get(shipment.exporter_id)
        options: dict[str, Any] = {} if max_age_days is None else {"max_age_days": max_age_days}
        if shipment.part_of is not None:  # one truck's part: the certificate covers the whole consignment
            options["consignment"] = uow.shipments.get(shipment.part_of)
        findings = check_certificate(
            certificate,
            shipment,
            registry_is_active=uow.registry.is_active,
            now=clock.now(),
            exporter_name=exporter.name if exporter else None,
            exporter_country=exporter.tax_id.country if exporter else None,
            **options,
        )
        check = CertificateCheck(
            id=uuid.uuid4().hex,
            shipment_id=shipment_id,
            certificate_id=certificate.id,
            document_sha256=digest,
            findings=(*findings, *conformance),
            checked_at=clock.now(),
            checked_by=actor.id,
        )
        uow.inspections.add_check(check, text)
        uow.commit()
        return check, True


def certificate_checks(uow: UnitOfWork, shipment_id: str) -> list[CertificateCheck]:
    with uow:
        require(uow.shipments.get(shipment_id), "shipment", shipment_id)
        return uow.inspections.checks(shipment_id)


def certificate_document(uow: UnitOfWork, check_id: str) -> tuple[CertificateCheck, str]:
    with uow:
        check = require(uow.inspections.check(check_id), "phyto_check", check_id)
        return check, uow.inspections.document(check_id) or ""


def accept_certificate(uow: UnitOfWork, *, clock: Clock, check_id: str, actor: Actor, reason: str) -> CertificateCheck:
    """A quarantine officer accepts a certificate despite its blocking findings; the reason is kept."""
    if actor.role is not ActorRole.QUARANTINE:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("inspection.reason_required", field="reason")
    with uow:
        check = require(uow.inspections.check(check_id), "phyto_check", check_id)
        if not check.blocking:
            raise Conflict("phyto.nothing_to_accept", field="check_id")
        if not uow.inspections.accept(check_id, at=clock.now(), by=actor.id, reason=why):
            raise Conflict("phyto.already_accepted", field="check_id")
        uow.commit()
        return require(uow.inspections.check(check_id), "phyto_check", check_id)
