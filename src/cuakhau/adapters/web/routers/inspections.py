"""Inspection bays, laboratory samples, holds and phytosanitary certificates over HTTP.

Gate staff read the queues and holds at their gates; customs and quarantine officers send trucks to bays and
record outcomes, quarantine records laboratory results and accepts certificates; an exporter follows its own
trucks' jobs and hands in certificates for its own shipments. Another tenant's object reads as missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import Field

from cuakhau import i18n
from cuakhau.adapters.exchange.sps import MAX_BYTES, read_sps_certificate
from cuakhau.adapters.web.auth import PrincipalDep, actor_for
from cuakhau.adapters.web.deps import ContextDep, LanguageDep
from cuakhau.adapters.web.downloads import XML, attachment, safe_filename
from cuakhau.adapters.web.schemas import ActorIn, Out, Strict, Text
from cuakhau.domain.accounts import Permission
from cuakhau.domain.inspection import QUEUE_RULE, InspectionJob, ResourceKind
from cuakhau.domain.quarantine import CertificateCheck
from cuakhau.services import access, inspections

router = APIRouter(tags=["inspection and quarantine"])


class HoursIn(Strict):
    opens: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["07:30"])]
    closes: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["17:00"])]
    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1, max_length=7)]
    tz: Annotated[str, Field(max_length=64, examples=["Asia/Ho_Chi_Minh"])]


class ResourceIn(Strict):
    capacity: Annotated[int, Field(ge=0, le=500, description="Jobs at once (bays, or samples in the lab's run)")]
    service_minutes: Annotated[float, Field(gt=0, le=20160, description="Per job; the lab's result turnaround")]
    hours: HoursIn | None = Field(default=None, description="Working hours; null: around the clock")
    actor: ActorIn | None = None


class InspectionIn(Strict):
    kind: Annotated[str, Field(description="customs_bay or quarantine_bay", examples=["quarantine_bay"])]
    reason: Text | None = None
    actor: ActorIn | None = None


class OutcomeIn(Strict):
    outcome: Annotated[str, Field(description="pass, sample (quarantine bay), hold, reject", examples=["sample"])]
    reason: Text | None = None
    actor: ActorIn | None = None


class CertificateIn(Strict):
    document: Annotated[str, Field(min_length=1, max_length=MAX_BYTES, description="The SPS certificate XML")]
    actor: ActorIn | None = None


class AcceptIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    actor: ActorIn | None = None


class JobOut(Out):
    id: str
    trip_id: str
    gate_id: str
    kind: str
    agency: str
    perishability: str
    state: str
    requested_at: datetime
    requested_by: str
    reason: str | None
    started_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    finished_by: str | None
    outcome: str | None
    result_reason: str | None
    parent_id: str | None

    @classmethod
    def of(cls, job: InspectionJob) -> JobOut:
        return cls(
            id=job.id,
            trip_id=job.trip_id,
            gate_id=job.gate_id,
            kind=job.kind.value,
            agency=job.agency,
            perishability=job.perishability.value,
            state=job.state.value,
            requested_at=job.requested_at,
            requested_by=job.requested_by,
            reason=job.reason,
            started_at=job.started_at,
            due_at=job.due_at,
            finished_at=job.finished_at,
            finished_by=job.finished_by,
            outcome=job.outcome.value if job.outcome else None,
            result_reason=job.result_reason,
            parent_id=job.parent_id,
        )


def _check(check: CertificateCheck, language: str) -> dict[str, Any]:
    return {
        "id": check.id,
        "shipment_id": check.shipment_id,
        "certificate_id": check.certificate_id,
        "document_sha256": check.document_sha256,
        "checked_at": check.checked_at,
        "checked_by": check.checked_by,
        "blocking": check.blocking,
        "blocks_clearance": check.blocks_clearance,
        "accepted_at": check.accepted_at,
        "accepted_by": check.accepted_by,
        "accepted_reason": check.accepted_reason,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "field": f.field,
                "element": f.element,
                "params": dict(f.params),
                "message": i18n.render(f.code, language, dict(f.params)),
            }
            for f in check.findings
        ],
    }


@router.get("/gates/{gate_id}/inspection-resources", summary="Inspection bays and the laboratory: published capacity")
def list_resources(gate_id: str, ctx: ContextDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    return [r.as_dict() for r in inspections.get_resources(ctx.uow(), gate_id)]


@router.put("/gates/{gate_id}/inspection-resources/{kind}", summary="Publish a bay's or the laboratory's capacity")
def put_resource(
    gate_id: str, kind: ResourceKind, body: ResourceIn, ctx: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    access.require_gate(principal, Permission.ADMINISTER_GATE, gate_id)
    resource = inspections.set_resource(
        ctx.uow(),
        clock=ctx.clock,
        gate_id=gate_id,
        kind=kind.value,
        capacity=body.capacity,
        service_minutes=body.service_minutes,
        hours=body.hours.model_dump() if body.hours else None,
        actor=actor_for(principal, body.actor),
    )
    return resource.as_dict()


@router.get(
    "/gates/{gate_id}/inspection-queues/{kind}",
    summary="A resource's queue in its published order, with when each job should start and end",
)
def get_queue(gate_id: str, kind: ResourceKind, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    q = inspections.queue(ctx.uow(), clock=ctx.clock, gate_id=gate_id, kind=kind.value)
    return {
        "resource": q.resource.as_dict(),
        "rule": QUEUE_RULE,
        "computed_at": q.computed_at,
        "in_progress": sum(1 for _, f in q.jobs if f.position == 0),
        "queued": sum(1 for _, f in q.jobs if f.position > 0),
        "jobs": [
            {
                **JobOut.of(job).model_dump(),
                "position": f.position,
                "expected_start": f.expected_start,
                "expected_end": f.expected_end,
                "overdue": f.overdue,
            }
            for job, f in q.jobs
        ],
    }


@router.post("/trips/{trip_id}/inspections", status_code=201, summary="Send a truck to a customs or quarantine bay")
def request_inspection(trip_id: str, body: InspectionIn, ctx: ContextDep, principal: PrincipalDep) -> JobOut:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.INSPECT)
    job = inspections.request_inspection(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        kind=body.kind,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
    )
    return JobOut.of(job)


@router.get("/trips/{trip_id}/inspections", summary="A truck's inspections and laboratory samples")
def trip_inspections(trip_id: str, ctx: ContextDep, principal: PrincipalDep) -> list[JobOut]:
    access.trip_in_scope(ctx.uow(read_only=True), principal, trip_id, Permission.READ_TRIP)
    return [JobOut.of(j) for j in inspections.trip_jobs(ctx.uow(), trip_id)]


@router.get("/inspections/{job_id}", summary="One inspection job or laboratory sample")
def get_job(job_id: str, ctx: ContextDep, principal: PrincipalDep) -> JobOut:
    access.job_in_scope(ctx.uow(read_only=True), principal, job_id, Permission.READ_TRIP)
    return JobOut.of(inspections.get_job(ctx.uow(), job_id))


@router.post(
    "/inspections/{job_id}/outcome",
    summary="A bay's outcome: pass, sample (to the laboratory; the truck is held), hold or reject, with the reason",
)
def finish_inspection(job_id: str, body: OutcomeIn, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    access.job_in_scope(ctx.uow(read_only=True), principal, job_id, Permission.INSPECT)
    job, sample = inspections.finish_inspection(
        ctx.uow(),
        clock=ctx.clock,
        job_id=job_id,
        outcome=body.outcome,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
    )
    return {"job": JobOut.of(job), "sample": JobOut.of(sample) if sample else None}


@router.post(
    "/inspections/{job_id}/lab-result",
    summary="The laboratory's result for a sample: pass releases the held truck, reject rejects it",
)
def lab_result(job_id: str, body: OutcomeIn, ctx: ContextDep, principal: PrincipalDep) -> JobOut:
    access.job_in_scope(ctx.uow(read_only=True), principal, job_id, Permission.RECORD_QUARANTINE)
    job = inspections.record_lab_result(
        ctx.uow(),
        clock=ctx.clock,
        job_id=job_id,
        outcome=body.outcome,
        actor=actor_for(principal, body.actor),
        reason=body.reason,
    )
    return JobOut.of(job)


@router.get("/gates/{gate_id}/holds", summary="Trucks held at a gate: by which agency, since when, why")
def gate_holds(gate_id: str, ctx: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    held = inspections.holds(ctx.uow(), clock=ctx.clock, gate_id=gate_id)
    by_agency: dict[str, dict[str, float]] = {}
    for h in held:
        row = by_agency.setdefault(h.agency, {"trucks": 0, "hours": 0.0})
        row["trucks"] += 1
        row["hours"] += h.held_for.total_seconds() / 3600
    return {
        "by_agency": by_agency,
        "holds": [
            {
                "trip_id": h.trip_id,
                "plate": h.plate,
                "agency": h.agency,
                "reason": h.reason,
                "since": h.since,
                "held_hours": round(h.held_for.total_seconds() / 3600, 2),
                "sample": JobOut.of(h.sample) if h.sample else None,
            }
            for h in held
        ],
    }


@router.post(
    "/shipments/{shipment_id}/phytosanitary-certificates",
    status_code=201,
    summary="Hand in a phytosanitary certificate (UN/CEFACT SPS XML): parsed, checked against the declaration, kept",
    responses={200: {"description": "The same document handed in again: its check as made the first time"}},
)
def submit_certificate(
    shipment_id: str,
    body: CertificateIn,
    ctx: ContextDep,
    language: LanguageDep,
    response: Response,
    principal: PrincipalDep,
) -> dict[str, Any]:
    access.require_permission(principal, Permission.SUBMIT_CERTIFICATE)
    access.shipment_in_scope(ctx.uow(read_only=True), principal, shipment_id)
    document = body.document.encode("utf-8")
    # an unreadable certificate, or one carrying markup from another vocabulary (an XHTML script…), is a 422
    # naming the element at fault, and nothing is kept; differences from the ePhyto schema are warnings
    certificate, conformance = read_sps_certificate(document)
    check, created = inspections.submit_certificate(
        ctx.uow(),
        clock=ctx.clock,
        shipment_id=shipment_id,
        certificate=certificate,
        document=document,
        actor=actor_for(principal, body.actor),
        conformance=conformance,
    )
    if not created:
        response.status_code = 200
    return _check(check, language)


@router.get(
    "/shipments/{shipment_id}/phytosanitary-certificates", summary="The certificates handed in and their checks"
)
def list_certificates(
    shipment_id: str, ctx: ContextDep, language: LanguageDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    access.shipment_in_scope(ctx.uow(read_only=True), principal, shipment_id)
    return [_check(c, language) for c in inspections.certificate_checks(ctx.uow(), shipment_id)]


@router.get(
    "/phytosanitary-checks/{check_id}/document",
    summary="The certificate exactly as handed in, as a download (never shown inline: it came from a user)",
    response_class=Response,
    responses={200: {"content": {XML: {}}, "description": "The XML as an attachment, sandboxed, nosniff"}},
)
def certificate_document(check_id: str, ctx: ContextDep, principal: PrincipalDep) -> Response:
    access.check_in_scope(ctx.uow(read_only=True), principal, check_id, Permission.READ_TRIP)
    check, document = inspections.certificate_document(ctx.uow(), check_id)
    return attachment(
        document, filename=safe_filename(check.certificate_id, "phyto-certificate", ".xml"), media_type=XML
    )


@router.post(
    "/phytosanitary-checks/{check_id}/accept",
    summary="Quarantine accepts a certificate despite its blocking findings (the reason is kept)",
)
def accept_certificate(
    check_id: str, body: AcceptIn, ctx: ContextDep, language: LanguageDep, principal: PrincipalDep
) -> dict[str, Any]:
    access.check_in_scope(ctx.uow(read_only=True), principal, check_id, Permission.RECORD_QUARANTINE)
    check = inspections.accept_certificate(
        ctx.uow(), clock=ctx.clock, check_id=check_id, actor=actor_for(principal, body.actor), reason=body.reason
    )
    return _check(check, language)
