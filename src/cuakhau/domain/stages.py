"""The stage clock — đồng hồ công đoạn / 环节计时: how long a truck spent in each stage, and which agency held it.

Derived from the trip's events alone (they are the record), so it can be recomputed at any time. Each span
between two events belongs to the state the first one led to; the agency is who had the truck then: the
exporter before departure, the haulier on the road, the gate in the yard and lanes, customs or quarantine while
inspecting or holding (whoever took that step), the border guard between clearance and the line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cuakhau.domain.trip import TERMINAL_STATES, TripEvent, TripState

#: Who has the truck in each state, unless the step that led there names its own agency (inspect, hold, reject).
STAGE_AGENCY: dict[TripState, str] = {
    TripState.DECLARED: "exporter",
    TripState.BOOKED: "exporter",
    TripState.DISPATCHED: "haulier",
    TripState.ARRIVED: "gate",
    TripState.CALLED: "gate",
    TripState.RELEASED: "gate",
    TripState.CLEARED: "border_guard",
}
_BY_ACTOR = frozenset({TripState.INSPECTING, TripState.HELD, TripState.REJECTED})


@dataclass(frozen=True, slots=True)
class StageSpan:
    state: TripState
    agency: str
    actor_id: str  # who took the step into this stage
    started_at: datetime
    ended_at: datetime | None  # None: the truck is still in this stage
    duration: timedelta


def stage_clock(events: Sequence[TripEvent], now: datetime) -> list[StageSpan]:
    spans: list[StageSpan] = []
    for i, event in enumerate(events):
        if event.to_state in TERMINAL_STATES:
            continue
        ended = events[i + 1].at if i + 1 < len(events) else None
        agency = event.actor.role.value if event.to_state in _BY_ACTOR else STAGE_AGENCY[event.to_state]
        spans.append(
            StageSpan(
                state=event.to_state,
                agency=agency,
                actor_id=event.actor.id,
                started_at=event.at,
                ended_at=ended,
                duration=(ended or now) - event.at,
            )
        )
    return spans


def totals(spans: Iterable[StageSpan]) -> tuple[dict[str, timedelta], dict[str, timedelta]]:
    """Time summed by stage and by agency."""
    by_stage: dict[str, timedelta] = defaultdict(timedelta)
    by_agency: dict[str, timedelta] = defaultdict(timedelta)
    for span in spans:
        by_stage[span.state.value] += span.duration
        by_agency[span.agency] += span.duration
    return dict(by_stage), dict(by_agency)
