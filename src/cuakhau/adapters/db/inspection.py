"""The inspection repository: bay and laboratory resources, their jobs, and phytosanitary certificate checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.domain.errors import ConcurrentUpdate
from cuakhau.domain.inspection import (
    InspectionJob,
    InspectionResource,
    JobState,
    Outcome,
    ResourceKind,
    WorkingHours,
)
from cuakhau.domain.quarantine import CertificateCheck, Finding, Severity
from cuakhau.domain.shipment import Perishability

_JOB_FIELDS = (
    "trip_id",
    "gate_id",
    "requested_at",
    "requested_by",
    "reason",
    "started_at",
    "due_at",
    "finished_at",
    "finished_by",
    "result_reason",
    "parent_id",
)


def _job(r: Row[Any]) -> InspectionJob:
    return InspectionJob(
        id=r.id,
        kind=ResourceKind(r.kind),
        perishability=Perishability(r.perishability),
        state=JobState(r.state),
        outcome=Outcome(r.outcome) if r.outcome else None,
        **{f: getattr(r, f) for f in _JOB_FIELDS},
    )


def _job_values(job: InspectionJob) -> dict[str, Any]:
    return {
        "kind": job.kind.value,
        "perishability": job.perishability.value,
        "state": job.state.value,
        "outcome": job.outcome.value if job.outcome else None,
        **{f: getattr(job, f) for f in _JOB_FIELDS},
    }


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(data["code"], Severity(data["severity"]), data.get("field"), data.get("element"), data["params"])


def _check(r: Row[Any]) -> CertificateCheck:
    return CertificateCheck(
        id=r.id,
        shipment_id=r.shipment_id,
        certificate_id=r.certificate_id,
        document_sha256=r.document_sha256,
        findings=tuple(_finding(f) for f in r.findings),
        checked_at=r.checked_at,
        checked_by=r.checked_by,
        accepted_at=r.accepted_at,
        accepted_by=r.accepted_by,
        accepted_reason=r.accepted_reason,
    )


class SqlInspectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- resources ---------------------------------------------------------------------------------------------

    def resource(self, gate_id: str, kind: ResourceKind) -> InspectionResource | None:
        c = t.inspection_resources.c
        r = self.conn.execute(select(t.inspection_resources).where(c.gate_id == gate_id, c.kind == kind.value)).first()
        if r is None:
            return None
        hours = WorkingHours.from_dict(r.hours) if r.hours else None
        return InspectionResource(gate_id, kind, r.capacity, timedelta(minutes=r.service_minutes), hours)

    def lock(self, resource: InspectionResource, *, at: datetime, by: str) -> None:
        """Take the resource's row for this transaction (created with ``resource`` when missing)."""
        c = t.inspection_resources.c
        bumped = self.conn.execute(
            update(t.inspection_resources)
            .where(c.gate_id == resource.gate_id, c.kind == resource.kind.value)
            .values(version=c.version + 1)
        ).rowcount
        if bumped:
            return
        try:
            with self.conn.begin_nested():
                self.save_resource(resource, at=at, by=by)
        except IntegrityError:  # another transaction created it first: take it now
            self.conn.execute(
                update(t.inspection_resources)
                .where(c.gate_id == resource.gate_id, c.kind == resource.kind.value)
                .values(version=c.version + 1)
            )

    def save_resource(self, resource: InspectionResource, *, at: datetime, by: str) -> None:
        c = t.inspection_resources.c
        values = {
            "capacity": resource.capacity,
            "service_minutes": resource.service_time / timedelta(minutes=1),
            "hours": resource.hours.as_dict() if resource.hours else None,
            "updated_at": at,
            "updated_by": by,
        }
        where = (c.gate_id == resource.gate_id, c.kind == resource.kind.value)
        if self.conn.execute(
            update(t.inspection_resources).where(*where).values(version=c.version + 1, **values)
        ).rowcount:
            return
        self.conn.execute(
            insert(t.inspection_resources).values(
                gate_id=resource.gate_id, kind=resource.kind.value, version=1, **values
            )
        )

    # --- jobs --------------------------------------------------------------------------------------------------

    def add_job(self, job: InspectionJob) -> None:
        self.conn.execute(insert(t.inspection_jobs).values(id=job.id, **_job_values(job)))

    def save_job(self, job: InspectionJob) -> None:
        c = t.inspection_jobs.c
        done = self.conn.execute(update(t.inspection_jobs).where(c.id == job.id).values(**_job_values(job))).rowcount
        if not done:
            raise ConcurrentUpdate("inspection_job", job.id)

    def job(self, job_id: str) -> InspectionJob | None:
        r = self.conn.execute(select(t.inspection_jobs).where(t.inspection_jobs.c.id == job_id)).first()
        return _job(r) if r else None

    def open_jobs(self, gate_id: str, kind: ResourceKind) -> list[InspectionJob]:
        c = t.inspection_jobs.c
        open_states = (JobState.QUEUED.value, JobState.IN_PROGRESS.value)
        rows = self.conn.execute(
            select(t.inspection_jobs)
            .where(c.gate_id == gate_id, c.kind == kind.value, c.state.in_(open_states))
            .order_by(c.requested_at, c.id)
        )
        return [_job(r) for r in rows]

    def for_trip(self, trip_id: str) -> list[InspectionJob]:
        c = t.inspection_jobs.c
        rows = self.conn.execute(select(t.inspection_jobs).where(c.trip_id == trip_id).order_by(c.requested_at, c.id))
        return [_job(r) for r in rows]

    # --- phytosanitary certificate checks ----------------------------------------------------------------------

    def add_check(self, check: CertificateCheck, document: str) -> None:
        self.conn.execute(
            insert(t.phyto_checks).values(
                id=check.id,
                shipment_id=check.shipment_id,
                certificate_id=check.certificate_id,
                document_sha256=check.document_sha256,
                document=document,
                findings=[
                    {
                        "code": f.code,
                        "severity": f.severity.value,
                        "field": f.field,
                        "element": f.element,
                        "params": dict(f.params),
                    }
                    for f in check.findings
                ],
                blocking=check.blocking,
                checked_at=check.checked_at,
                checked_by=check.checked_by,
            )
        )

    def check_by_document(self, shipment_id: str, sha256: str) -> CertificateCheck | None:
        c = t.phyto_checks.c
        r = self.conn.execute(
            select(t.phyto_checks).where(c.shipment_id == shipment_id, c.document_sha256 == sha256)
        ).first()
        return _check(r) if r else None

    def check(self, check_id: str) -> CertificateCheck | None:
        r = self.conn.execute(select(t.phyto_checks).where(t.phyto_checks.c.id == check_id)).first()
        return _check(r) if r else None

    def checks(self, shipment_id: str) -> list[CertificateCheck]:
        c = t.phyto_checks.c
        rows = self.conn.execute(select(t.phyto_checks).where(c.shipment_id == shipment_id).order_by(c.checked_at))
        return [_check(r) for r in rows]

    def blocking_trips(self, gate_id: str) -> set[str]:
        c = t.phyto_checks.c
        latest = (
            select(c.shipment_id, func.max(c.checked_at).label("at"))
            .join(t.trips, t.trips.c.shipment_id == c.shipment_id)
            .where(t.trips.c.gate_id == gate_id)
            .group_by(c.shipment_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(t.trips.c.id)
            .join(t.phyto_checks, c.shipment_id == t.trips.c.shipment_id)
            .join(latest, (latest.c.shipment_id == c.shipment_id) & (latest.c.at == c.checked_at))
            .where(t.trips.c.gate_id == gate_id, c.blocking.is_(True), c.accepted_at.is_(None))
        )
        return {r[0] for r in rows}

    def document(self, check_id: str) -> str | None:
        c = t.phyto_checks.c
        return self.conn.execute(select(c.document).where(c.id == check_id)).scalar_one_or_none()

    def accept(self, check_id: str, *, at: datetime, by: str, reason: str) -> bool:
        c = t.phyto_checks.c
        return bool(
            self.conn.execute(
                update(t.phyto_checks)
                .where(c.id == check_id, c.accepted_at.is_(None))
                .values(accepted_at=at, accepted_by=by, accepted_reason=reason)
            ).rowcount
        )
