"""Inspection bays and the laboratory — khu kiểm hóa, phòng thí nghiệm / 查验区、实验室: capacity with queues.

Physical inspection (customs' red channel, quarantine's check of fruit) needs a bay and officers; a laboratory
sample needs a place in the lab's run and comes back only after its turnaround, counted in the lab's working
hours (durian residue tests take 2–3 working days). Each is a resource with a capacity (jobs in parallel) and a
service time. Jobs wait in a published order — the most perishable first, then the earlier request — and the
queue forecasts when each job starts and ends, so a held truck and its exporter see how long and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from heapq import heapify, heappop, heappush
from typing import Any
from zoneinfo import ZoneInfo

from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.gate import Gate
from cuakhau.domain.perishability import PROFILES, Perishability

QUEUE_RULE = "perishables_first_then_request_time"
MAX_CAPACITY = 500
MAX_SERVICE = timedelta(days=14)
MAX_REASON_LENGTH = 2000


class ResourceKind(StrEnum):
    CUSTOMS_BAY = "customs_bay"  # khu kiểm hóa hải quan / 海关查验区
    QUARANTINE_BAY = "quarantine_bay"  # khu kiểm dịch / 检疫查验区
    LABORATORY = "laboratory"  # phòng thí nghiệm / 实验室


#: The agency that runs each resource (and holds the truck while it waits there).
AGENCY: dict[ResourceKind, str] = {
    ResourceKind.CUSTOMS_BAY: "customs",
    ResourceKind.QUARANTINE_BAY: "quarantine",
    ResourceKind.LABORATORY: "quarantine",
}


class JobState(StrEnum):
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # the truck left the process (rejected, returned, cancelled) before its turn ended


class Outcome(StrEnum):
    PASS = "pass"  # nothing found: the bay is free, the agency's release follows
    SAMPLE = "sample"  # quarantine bay only: a sample goes to the laboratory; the truck is held for the result
    HOLD = "hold"
    REJECT = "reject"


#: Which outcomes each resource may record.
OUTCOMES: dict[ResourceKind, frozenset[Outcome]] = {
    ResourceKind.CUSTOMS_BAY: frozenset({Outcome.PASS, Outcome.HOLD, Outcome.REJECT}),
    ResourceKind.QUARANTINE_BAY: frozenset({Outcome.PASS, Outcome.SAMPLE, Outcome.HOLD, Outcome.REJECT}),
    ResourceKind.LABORATORY: frozenset({Outcome.PASS, Outcome.REJECT}),
}


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When a resource works, in its own time zone; service time is counted only inside these hours."""

    opens: time
    closes: time
    weekdays: frozenset[int]  # 0 = Monday
    tz: str

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise InvalidInput("inspection.hours_invalid", field="hours.closes")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise InvalidInput("inspection.hours_invalid", field="hours.weekdays")
        try:
            ZoneInfo(self.tz)
        except Exception as exc:
            raise InvalidInput("inspection.hours_invalid", field="hours.tz") from exc

    def add(self, start: datetime, work: timedelta) -> datetime:
        """The instant ``work`` of working time after ``start`` (``start`` may be outside working hours)."""
        zone = ZoneInfo(self.tz)
        local = start.astimezone(zone)
        left = work
        for _ in range(3660):  # ten years of days: a bound, never reached with MAX_SERVICE
            day = local.date()
            if day.weekday() in self.weekdays:
                day_open = datetime.combine(day, self.opens, zone)
                day_close = datetime.combine(day, self.closes, zone)
                begin = max(local, day_open)
                if begin < day_close:
                    if begin + left <= day_close:
                        return (begin + left).astimezone(start.tzinfo)
                    left -= day_close - begin
            local = datetime.combine(day + timedelta(days=1), time(0), zone)
        raise InvalidInput("inspection.hours_invalid", field="hours")

    def as_dict(self) -> dict[str, Any]:
        return {
            "opens": self.opens.isoformat("minutes"),
            "closes": self.closes.isoformat("minutes"),
            "weekdays": sorted(self.weekdays),
            "tz": self.tz,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkingHours:
        try:
            return cls(
                opens=time.fromisoformat(str(data["opens"])),
                closes=time.fromisoformat(str(data["closes"])),
                weekdays=frozenset(int(d) for d in data["weekdays"]),
                tz=str(data["tz"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("inspection.hours_invalid", field="hours") from exc


@dataclass(frozen=True, slots=True)
class InspectionResource:
    """A gate's bays of one kind, or its laboratory: how many jobs at once and how long each takes."""

    gate_id: str
    kind: ResourceKind
    capacity: int
    service_time: timedelta  # per job; for the laboratory, the result turnaround
    hours: WorkingHours | None = None  # None: around the clock

    def __post_init__(self) -> None:
        if not 0 <= self.capacity <= MAX_CAPACITY:
            raise InvalidInput("inspection.capacity_invalid", field="capacity", max=MAX_CAPACITY)
        if not timedelta(minutes=1) <= self.service_time <= MAX_SERVICE:
            raise InvalidInput("inspection.service_time_invalid", field="service_minutes")

    def finishes(self, start: datetime) -> datetime:
        return self.hours.add(start, self.service_time) if self.hours else start + self.service_time

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate_id": self.gate_id,
            "kind": self.kind.value,
            "agency": AGENCY[self.kind],
            "capacity": self.capacity,
            "service_minutes": self.service_time / timedelta(minutes=1),
            "hours": self.hours.as_dict() if self.hours else None,
            "queue_rule": QUEUE_RULE,
        }


def default_resource(gate: Gate, kind: ResourceKind) -> InspectionResource:
    """Published defaults until a gate administrator sets its own.

    Quarantine bays are the gate's declared ones (the booking capacity counts them too); four customs bays of
    45 minutes; a laboratory running 20 samples at once with two working days of turnaround, the figure reported
    for durian residue tests, in office hours (07:30–17:00, Monday to Friday) in the gate's time zone.
    """
    if kind is ResourceKind.CUSTOMS_BAY:
        return InspectionResource(gate.id, kind, capacity=4, service_time=timedelta(minutes=45))
    if kind is ResourceKind.QUARANTINE_BAY:
        minutes = timedelta(minutes=gate.inspection_minutes)
        return InspectionResource(gate.id, kind, capacity=gate.inspection_bays, service_time=minutes)
    lab_hours = WorkingHours(time(7, 30), time(17, 0), frozenset(range(5)), gate.timezone.key)
    return InspectionResource(gate.id, kind, capacity=20, service_time=timedelta(hours=19), hours=lab_hours)


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput("inspection.reason_required", field="reason")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput("inspection.reason_too_long", field="reason", max=MAX_REASON_LENGTH)
    return text or None


@dataclass(slots=True)
class InspectionJob:
    """One truck's turn at a bay, or one sample's turn in the laboratory."""

    id: str
    trip_id: str
    gate_id: str
    kind: ResourceKind
    perishability: Perishability
    requested_at: datetime
    requested_by: str
    reason: str | None
    state: JobState = JobState.QUEUED
    started_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None
    finished_by: str | None = None
    outcome: Outcome | None = None
    result_reason: str | None = None
    parent_id: str | None = None  # the bay inspection a laboratory sample was taken at
    version: int = field(default=0, compare=False)

    @classmethod
    def request(
        cls,
        *,
        trip_id: str,
        gate_id: str,
        kind: ResourceKind,
        perishability: Perishability,
        at: datetime,
        by: str,
        reason: str | None,
        parent_id: str | None = None,
    ) -> InspectionJob:
        return cls(
            id=uuid.uuid4().hex,
            trip_id=trip_id,
            gate_id=gate_id,
            kind=kind,
            perishability=perishability,
            requested_at=at,
            requested_by=by,
            reason=_reason(reason, required=False),
            parent_id=parent_id,
        )

    @property
    def agency(self) -> str:
        return AGENCY[self.kind]

    @property
    def sort_key(self) -> tuple[int, datetime, str]:
        return (-PROFILES[self.perishability].weight, self.requested_at, self.id)

    def start(self, resource: InspectionResource, now: datetime) -> None:
        if self.state is not JobState.QUEUED:
            raise Conflict("inspection.not_queued", field="job_id", state=self.state.value)
        self.state = JobState.IN_PROGRESS
        self.started_at = now
        self.due_at = resource.finishes(now)

    def finish(self, outcome: str, *, reason: str | None, by: str, now: datetime) -> Outcome:
        try:
            result = Outcome(outcome)
        except ValueError as exc:
            raise InvalidInput(
                "inspection.outcome_invalid", field="outcome", allowed=", ".join(o.value for o in Outcome)
            ) from exc
        if result not in OUTCOMES[self.kind]:
            allowed = ", ".join(sorted(o.value for o in OUTCOMES[self.kind]))
            raise InvalidInput("inspection.outcome_invalid", field="outcome", allowed=allowed)
        if self.state is not JobState.IN_PROGRESS:
            raise Conflict("inspection.not_in_progress", field="job_id", state=self.state.value)
        self.result_reason = _reason(reason, required=result is not Outcome.PASS)
        self.state = JobState.DONE
        self.outcome = result
        self.finished_at = now
        self.finished_by = by
        return result

    def withdraw(self, *, reason: str, by: str, now: datetime) -> None:
        if self.state in (JobState.DONE, JobState.WITHDRAWN):
            raise Conflict("inspection.not_open", field="job_id", state=self.state.value)
        self.state = JobState.WITHDRAWN
        self.result_reason = _reason(reason, required=True)
        self.finished_at = now
        self.finished_by = by

    @property
    def open(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.IN_PROGRESS)


def order_queue(jobs: Iterable[InspectionJob]) -> list[InspectionJob]:
    """The published order: most perishable first, then the earlier request."""
    return sorted((j for j in jobs if j.state is JobState.QUEUED), key=lambda j: j.sort_key)


def to_start(resource: InspectionResource, jobs: Sequence[InspectionJob]) -> list[InspectionJob]:
    """Which queued jobs take the free places now, in order."""
    busy = sum(1 for j in jobs if j.state is JobState.IN_PROGRESS)
    free = max(0, resource.capacity - busy)
    return order_queue(jobs)[:free]


@dataclass(frozen=True, slots=True)
class Forecast:
    job_id: str
    trip_id: str
    position: int  # 0: in progress; 1: next to start
    expected_start: datetime | None  # None: the resource has no capacity at all
    expected_end: datetime | None
    overdue: bool  # in progress past its due time


def forecast(resource: InspectionResource, jobs: Sequence[InspectionJob], now: datetime) -> list[Forecast]:
    """When each job should start and end if every job takes the published service time."""
    out: list[Forecast] = []
    running = [j for j in jobs if j.state is JobState.IN_PROGRESS]
    frees: list[datetime] = []
    for job in sorted(running, key=lambda j: (j.due_at or now, j.id)):
        due = job.due_at or now
        out.append(Forecast(job.id, job.trip_id, 0, job.started_at, due, due < now))
        frees.append(max(due, now))
    # Places never used yet are free now; places beyond capacity (capacity lowered) free nothing new.
    frees = sorted(frees)[: resource.capacity] + [now] * max(0, resource.capacity - len(frees))
    heapify(frees)
    for position, job in enumerate(order_queue(jobs), start=1):
        if not frees:
            out.append(Forecast(job.id, job.trip_id, position, None, None, False))
            continue
        start = heappop(frees)
        end = resource.finishes(start)
        heappush(frees, end)
        out.append(Forecast(job.id, job.trip_id, position, start, end, False))
    return out
