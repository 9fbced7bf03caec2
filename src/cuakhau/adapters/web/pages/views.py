"""Read models turned into plain JSON: the same dict feeds the JSON API, the page templates and the live feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cuakhau.domain.gate import Gate
from cuakhau.domain.waits import WaitEstimate
from cuakhau.services.boards import GateDashboard, GateWaits, SideHours
from cuakhau.services.ports import OpenIncident, PresentTrip
from cuakhau.services.worklists import Worklists


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def gate_json(gate: Gate) -> dict[str, Any]:
    return {
        "id": gate.id,
        "country": gate.country.value,
        "time_zone": gate.timezone.key,
        "name": {"vi": gate.names.vi, "zh": gate.names.zh, "en": gate.names.en},
        "counterpart_id": gate.counterpart_id,
    }


def side_json(side: SideHours) -> dict[str, Any]:
    gate = side.gate
    return {
        **gate_json(gate),
        "open_now": side.open_now,
        "hours_today": [{"opens": iso(s), "closes": iso(e)} for s, e in side.today],
        "next_opening": iso(side.next_opening),
        "closures": [
            {"starts_at": iso(c.starts_at), "ends_at": iso(c.ends_at), "kind": c.kind.value, "reason": c.reason}
            for c in side.closures
        ],
    }


def estimate_json(e: WaitEstimate) -> dict[str, Any]:
    return {
        "expected_wait_minutes": e.expected_minutes,
        "range_minutes": None if e.low_minutes is None else [e.low_minutes, e.high_minutes],
        "throughput_per_hour": e.throughput_per_hour,
        "throughput_range": None if e.throughput_low is None else [e.throughput_low, e.throughput_high],
        "recent_median_minutes": e.recent_median_minutes,
        "sample_size": e.sample,
        "window_hours": e.window_hours,
        "open_hours_in_window": e.open_hours,
        "confidence": e.confidence.value,
        "basis": e.basis,
    }


def waits_json(w: GateWaits, *, now: datetime) -> dict[str, Any]:
    return {
        **side_json(w.here),
        "counterpart": side_json(w.there) if w.there else None,
        "directions": [
            {
                "direction": d.direction.value,
                "trucks_waiting": d.waiting,
                "places_left_today": d.places_left_today,
                "places_left_today_inspection": d.places_left_today_inspection,
                **estimate_json(d.estimate),
                "computed_at": iso(d.estimate.computed_at),
                "age_seconds": max(0, round((now - d.estimate.computed_at).total_seconds())),
            }
            for d in w.directions
        ],
    }


def _truck(p: PresentTrip) -> dict[str, Any]:
    return {
        "trip_id": p.trip_id,
        "plate": p.plate,
        "direction": p.direction.value,
        "state": p.state.value,
        "perishability": p.perishability.value,
        "since": iso(p.since),
        "arrived_at": iso(p.arrived_at),
        "reason": p.last_reason,
        "vehicle_warnings": [{"code": w.code, "params": dict(w.params)} for w in p.vehicle_warnings],
    }


def dashboard_json(d: GateDashboard) -> dict[str, Any]:
    """The dashboard as sections; the live feed sends the sections that changed (see :mod:`..live`)."""
    return {
        "gate": gate_json(d.waits.gate),
        "hours": {
            "here": side_json(d.waits.here),
            "there": side_json(d.waits.there) if d.waits.there else None,
        },
        "waits": [
            {"direction": w.direction.value, "trucks_waiting": w.waiting, **estimate_json(w.estimate)}
            for w in d.waits.directions
        ],
        "stages": {direction.value: {s.value: n for s, n in row.items()} for direction, row in d.stages.items()},
        "yards": [
            {"id": y.yard_id, "name": dict(y.names), "capacity": y.capacity, "occupancy": y.occupancy} for y in d.yards
        ],
        "lanes": [
            {
                "code": ln.code,
                "direction": ln.direction.value,
                "kind": ln.kind,
                "calls": [
                    {
                        "trip_id": c.trip_id,
                        "plate": c.plate,
                        "status": c.status,
                        "called_at": iso(c.called_at),
                        "deadline": iso(c.deadline),
                        "vehicle_warnings": [{"code": w.code, "params": dict(w.params)} for w in c.vehicle_warnings],
                    }
                    for c in ln.calls
                ],
                "unrecorded": _truck(ln.unrecorded) if ln.unrecorded is not None else None,
            }
            for ln in d.lanes
        ],
        "by_hand": [_truck(p) for p in d.unassigned_at_lane],
        "throughput": {
            "hours": [iso(h) for h in d.hour_starts],
            "open": [{"here": here, "there": there} for here, there in d.hours_open],
            **{direction.value: counts for direction, counts in d.throughput.items()},
        },
        "overdue": [
            {**_truck(o.truck), "waited_minutes": o.waited_minutes, "bound_minutes": o.bound_minutes} for o in d.overdue
        ],
        "holds": {agency: [_truck(p) for p in trucks] for agency, trucks in d.holds.items()},
        "reviews": {"open": d.open_reviews},
        "channels": {
            "actual": {c.value: n for c, n in d.channels.items()},
            "targets": (
                {c.value: d.channel_targets.for_channel(c) for c in d.channels} if d.channel_targets is not None else {}
            ),
        },
        "incidents": [incident_json(i) for i in d.incidents],
    }


def incident_json(i: OpenIncident) -> dict[str, Any]:
    return {
        "id": i.id,
        "from_other_side": i.origin != "self",
        "kind": i.kind,
        "severity": i.severity,
        "summary": i.summary,
        "trip_ref": i.trip_ref,
        "raised_at": iso(i.raised_at),
        "ack_due_at": iso(i.ack_due_at),
    }


SECTIONS = (
    "hours",
    "waits",
    "stages",
    "yards",
    "lanes",
    "by_hand",
    "throughput",
    "channels",
    "overdue",
    "holds",
    "reviews",
    "incidents",
)


def worklists_json(w: Worklists) -> dict[str, Any]:
    """Every role's worklist as sections (one per role) plus the gate administration's queues."""
    out: dict[str, Any] = {
        role.value: [
            {
                "stage": stage,
                "items": [
                    {
                        **_truck(i.truck),
                        "minutes_left": i.minutes_left,
                        "bound_minutes": i.bound_minutes,
                        "due_at": iso(i.due_at),
                        "in_progress": i.in_progress,
                    }
                    for i in items
                ],
            }
            for stage, items in stages.items()
        ]
        for role, stages in w.stages.items()
    }
    out["reviews"] = {"open": w.open_reviews}
    out["incidents"] = [incident_json(i) for i in w.incidents]
    return out
