"""Worklists per role at a gate: what needs this officer now, stage by stage, in the published order.

Read from the record alone like the dashboard (:mod:`cuakhau.services.boards`): the trucks at the gate, open
bay and laboratory jobs, the review queue and the hotline. One computation serves every role (the page shows the
viewer's own), so a live feed of the worklists costs one read per gate whatever the number of officers.

- customs: trucks in the yard waiting for a call, at a lane (inspection and result due), held by customs,
  released and waiting for clearance;
- quarantine: trucks whose phytosanitary certificate check has blocking findings not yet accepted (clearance
  waits for them), trucks waiting at or in the quarantine bay, samples waiting for the laboratory's result (with the
  time it is due), trucks held by quarantine;
- border guard: trucks called to a lane, cleared and waiting to cross, every held truck;
- gate administration: trucks past their wait bound, device reads in the review queue, open hotline incidents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cuakhau.domain.accounts import Role
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import require
from cuakhau.domain.inspection import InspectionJob, JobState, ResourceKind
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import TripState
from cuakhau.domain.worklist import time_left, urgency
from cuakhau.services.boards import AT_GATE
from cuakhau.services.ports import OpenIncident, PresentTrip, UnitOfWork

#: The roles with a worklist, in the order the page lists them.
WORKLIST_ROLES = (Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD, Role.GATE_ADMIN)
#: The stages of each role's worklist, in the order shown (their names are in the page catalogs).
STAGES: dict[Role, tuple[str, ...]] = {
    Role.CUSTOMS_OFFICER: ("yard", "at_lane", "held_customs", "released"),
    Role.QUARANTINE_OFFICER: ("certificate", "quarantine_bay", "laboratory", "held_quarantine"),
    Role.BORDER_GUARD: ("called", "cleared", "held"),
    Role.GATE_ADMIN: ("overdue",),
}


@dataclass(frozen=True, slots=True)
class WorkItem:
    truck: PresentTrip
    minutes_left: int  # before the wait bound; negative: past it
    bound_minutes: int
    due_at: datetime | None = None  # a laboratory result's due time
    in_progress: bool = False  # at the bay now (not queued)


@dataclass(frozen=True, slots=True)
class Worklists:
    computed_at: datetime
    stages: dict[Role, dict[str, list[WorkItem]]]
    open_reviews: int = 0
    incidents: list[OpenIncident] = field(default_factory=list)


def _item(p: PresentTrip, now: datetime, job: InspectionJob | None = None) -> WorkItem:
    left = time_left(p.perishability, p.arrived_at, now)
    return WorkItem(
        truck=p,
        minutes_left=int(left / timedelta(minutes=1)),
        bound_minutes=int(PROFILES[p.perishability].wait_bound / timedelta(minutes=1)),
        due_at=job.due_at if job is not None else None,
        in_progress=job is not None and job.state is JobState.IN_PROGRESS,
    )


def gate_worklists(uow: UnitOfWork, *, clock: Clock, gate_id: str) -> Worklists:
    """Every role's worklist at one gate, at one instant."""
    now = clock.now()
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        present = uow.activity.present(gate.id, AT_GATE)
        bay = uow.inspections.open_jobs(gate.id, ResourceKind.QUARANTINE_BAY)
        lab = uow.inspections.open_jobs(gate.id, ResourceKind.LABORATORY)
        blocked = uow.inspections.blocking_trips(gate.id)
        reviews = uow.activity.open_reviews(gate.id)
        incidents = uow.activity.open_incidents(gate.id)
    by_id = {p.trip_id: p for p in present}

    def of(states: tuple[TripState, ...], role: str | None = None) -> list[WorkItem]:
        return [_item(p, now) for p in present if p.state in states and (role is None or p.last_role == role)]

    def jobs(found: list[InspectionJob]) -> list[WorkItem]:
        seen: set[str] = set()
        out = []
        for job in found:
            p = by_id.get(job.trip_id)
            if p is not None and job.trip_id not in seen:
                seen.add(job.trip_id)
                out.append(_item(p, now, job))
        return out

    stages: dict[Role, dict[str, list[WorkItem]]] = {
        Role.CUSTOMS_OFFICER: {
            "yard": of((TripState.ARRIVED,)),
            "at_lane": of((TripState.CALLED, TripState.INSPECTING)),
            "held_customs": of((TripState.HELD,), "customs"),
            "released": of((TripState.RELEASED,)),
        },
        Role.QUARANTINE_OFFICER: {
            "certificate": [_item(p, now) for p in present if p.trip_id in blocked],
            "quarantine_bay": jobs(bay),
            "laboratory": jobs(lab),
            "held_quarantine": [
                i for i in of((TripState.HELD,), "quarantine") if i.truck.trip_id not in {j.trip_id for j in lab}
            ],
        },
        Role.BORDER_GUARD: {
            "called": of((TripState.CALLED,)),
            "cleared": of((TripState.CLEARED,)),
            "held": of((TripState.HELD,)),
        },
        Role.GATE_ADMIN: {"overdue": [i for i in of(AT_GATE) if i.minutes_left < 0]},
    }
    for rows in stages.values():
        for items in rows.values():
            items.sort(key=lambda i: urgency(i.truck.perishability, i.truck.arrived_at, now, i.truck.trip_id))
    return Worklists(computed_at=now, stages=stages, open_reviews=reviews, incidents=incidents)


def role_of(role: Role) -> Role:
    """The worklist a principal sees: their own; anyone else at the gate (a system administrator) sees the gate
    administration's."""
    return role if role in STAGES else Role.GATE_ADMIN
