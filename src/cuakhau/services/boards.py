"""Read models for people watching a gate: the public wait board and the officer dashboard.

Both are built from the record alone (trip events, lane calls, yard visits, the review queue, the gates' hours and
closures), so a board computed now equals a board computed from scratch later at the same instant. Nothing here
writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cuakhau.domain.capacity import day_bounds
from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Closure, Direction, Gate
from cuakhau.domain.perishability import PROFILES
from cuakhau.domain.trip import TERMINAL_STATES, TripState
from cuakhau.domain.waits import (
    HORIZON,
    WIDE_WINDOW,
    Crossing,
    WaitEstimate,
    estimate_wait,
    hourly_counts,
    intersect,
)
from cuakhau.services.cached import Cached, Computed
from cuakhau.services.equeue.remaining import SlotLeft, day_remaining
from cuakhau.services.ports import CrossingRow, OpenCall, PresentTrip, UnitOfWork, UnitOfWorkFactory

#: Trucks that are at the gate: in the yard, called to a lane, inspected, held or cleared but not yet across.
AT_GATE = (
    TripState.ARRIVED,
    TripState.CALLED,
    TripState.INSPECTING,
    TripState.HELD,
    TripState.RELEASED,
    TripState.CLEARED,
)
#: Stages shown on the dashboard, in lifecycle order (the finished states are not a queue).
STAGES = [s for s in TripState if s not in TERMINAL_STATES]
THROUGHPUT_HOURS = 12
CLOSURE_LOOKAHEAD = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class SideHours:
    """One side of the line: open now, today's open periods (local), the next opening, closures ahead."""

    gate: Gate
    open_now: bool
    today: list[tuple[datetime, datetime]]
    next_opening: datetime | None
    closures: list[Closure]


@dataclass(frozen=True, slots=True)
class DirectionWait:
    direction: Direction
    waiting: int
    estimate: WaitEstimate
    #: Places still bookable for the rest of the gate's local day (``equeue.remaining``, as booking finds them):
    #: for trucks whose goods need no inspection, and for those whose goods do.
    places_left_today: int = 0
    places_left_today_inspection: int = 0


@dataclass(frozen=True, slots=True)
class GateWaits:
    gate: Gate
    here: SideHours
    there: SideHours | None
    directions: list[DirectionWait]


def _side(gate: Gate, now: datetime) -> SideHours:
    day = gate.local(now).date()
    start, end = day_bounds(gate, day)
    return SideHours(
        gate=gate,
        open_now=gate.is_open(now),
        today=gate.open_intervals(start, end),
        next_opening=None if gate.is_open(now) else gate.next_opening(now),
        closures=[c for c in gate.closures if c.ends_at > now and c.starts_at < now + CLOSURE_LOOKAHEAD],
    )


def _both_open(gate: Gate, counterpart: Gate | None, now: datetime) -> list[tuple[datetime, datetime]]:
    start, end = now - WIDE_WINDOW, now + HORIZON
    here = gate.open_intervals(start, end)
    return intersect(here, counterpart.open_intervals(start, end)) if counterpart else here


def _waits_in(uow: UnitOfWork, gate: Gate, now: datetime) -> GateWaits:
    counterpart = uow.gates.get(gate.counterpart_id) if gate.counterpart_id else None
    counts = uow.activity.state_counts(gate.id)
    crossings = uow.activity.crossings(gate.id, now - WIDE_WINDOW)
    intervals = _both_open(gate, counterpart, now)
    directions = []
    for direction in Direction:
        if not gate.lanes_for(direction):
            continue
        waiting = sum(counts.get((direction, s), 0) for s in AT_GATE)
        sample = [Crossing(c.crossed_at, c.arrived_at) for c in crossings if c.direction is direction]
        estimate = estimate_wait(now=now, queue=waiting, crossings=sample, open_intervals=intervals)
        left = day_remaining(uow, gate, direction, gate.local(now).date(), now)
        directions.append(
            DirectionWait(
                direction,
                waiting,
                estimate,
                places_left_today=sum(s.plain.places for s in left),
                places_left_today_inspection=sum(s.inspected.places for s in left),
            )
        )
    return GateWaits(
        gate=gate,
        here=_side(gate, now),
        there=_side(counterpart, now) if counterpart else None,
        directions=directions,
    )


def public_waits(uow: UnitOfWork, *, clock: Clock, gate_id: str | None = None) -> list[GateWaits]:
    """Every gate (or one), each direction: trucks waiting and the expected wait from measured throughput."""
    now = clock.now()
    with uow:
        gates = [require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")] if gate_id else uow.gates.all()
        return [_waits_in(uow, gate, now) for gate in sorted(gates, key=lambda g: g.id)]


#: The public board is refreshed by the ``public_board`` job this often (services/periodic.py) ...
BOARD_REFRESH = timedelta(seconds=10)
#: ... and a reader finding it older than this (no job in this process) computes it again, once for all readers.
BOARD_FRESH_FOR = timedelta(seconds=15)


class PublicBoard:
    """The public wait board as a read model of this process: every gate's :func:`public_waits`, computed by the
    ``public_board`` job (or, failing that, by one reader at a time) and served to every reader with its age —
    never computed per request (services/cached.py)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, fresh_for: timedelta = BOARD_FRESH_FOR) -> None:
        self.cached: Cached[list[GateWaits]] = Cached(
            lambda: public_waits(uow(read_only=True), clock=clock), clock, fresh_for=fresh_for
        )

    def read(self) -> Computed[list[GateWaits]]:
        return self.cached.read()

    def refresh(self) -> None:
        """The job: compute the board now (nothing when a computation is already running)."""
        self.cached.refresh()


# --- the officer dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YardView:
    yard_id: str
    name: str
    capacity: int
    occupancy: int


@dataclass(frozen=True, slots=True)
class LaneView:
    code: str
    direction: Direction
    kind: str
    calls: list[OpenCall]


@dataclass(frozen=True, slots=True)
class OverdueTruck:
    truck: PresentTrip
    waited_minutes: int
    bound_minutes: int


@dataclass(frozen=True, slots=True)
class GateDashboard:
    computed_at: datetime
    waits: GateWaits
    stages: dict[Direction, dict[TripState, int]]
    yards: list[YardView]
    lanes: list[LaneView]
    unassigned_at_lane: list[PresentTrip]  # at a lane by an officer's hand, no lane call
    hour_starts: list[datetime]
    throughput: dict[Direction, list[int]]
    overdue: list[OverdueTruck]
    holds: dict[str, list[PresentTrip]] = field(default_factory=dict)
    open_reviews: int = 0


def gate_dashboard(uow: UnitOfWork, *, clock: Clock, gate_id: str) -> GateDashboard:
    """Everything an officer watches at one gate, at one instant."""
    now = clock.now()
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        waits = _waits_in(uow, gate, now)
        counts = uow.activity.state_counts(gate.id)
        present = uow.activity.present(gate.id, AT_GATE)
        crossings: list[CrossingRow] = uow.activity.crossings(gate.id, now - timedelta(hours=THROUGHPUT_HOURS))
        calls = uow.activity.open_calls(gate.id)
        yards = [YardView(y.id, y.names.vi, y.capacity, uow.yards.occupancy(y.id)) for y in uow.yards.for_gate(gate.id)]
        reviews = uow.activity.open_reviews(gate.id)
    stages = {d: {s: counts.get((d, s), 0) for s in STAGES} for d in Direction if gate.lanes_for(d)}
    by_lane: dict[str, list[OpenCall]] = defaultdict(list)
    for call in calls:
        by_lane[call.lane].append(call)
    lanes = [LaneView(ln.code, ln.direction, ln.kind.value, by_lane.get(ln.code, [])) for ln in gate.lanes]
    called = {c.trip_id for c in calls}
    by_hand = [p for p in present if p.state in (TripState.CALLED, TripState.INSPECTING) and p.trip_id not in called]
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    throughput = {
        d: hourly_counts((c.crossed_at for c in crossings if c.direction is d), end=end, hours=THROUGHPUT_HOURS)
        for d in stages
    }
    overdue = []
    for p in present:
        bound = PROFILES[p.perishability].wait_bound
        if p.arrived_at is not None and now - p.arrived_at > bound:
            overdue.append(
                OverdueTruck(p, int((now - p.arrived_at) / timedelta(minutes=1)), int(bound / timedelta(minutes=1)))
            )
    overdue.sort(key=lambda o: (-o.waited_minutes, o.truck.trip_id))
    holds: dict[str, list[PresentTrip]] = defaultdict(list)
    for p in present:
        if p.state is TripState.HELD:
            holds[p.last_role].append(p)
    return GateDashboard(
        computed_at=now,
        waits=waits,
        stages=stages,
        yards=yards,
        lanes=lanes,
        unassigned_at_lane=by_hand,
        hour_starts=[end - timedelta(hours=THROUGHPUT_HOURS - i) for i in range(THROUGHPUT_HOURS)],
        throughput=throughput,
        overdue=overdue,
        holds=dict(sorted(holds.items())),
        open_reviews=reviews,
    )


def change_marker(uow: UnitOfWork, gate_id: str) -> tuple[object, ...]:
    """Cheap: changes whenever :func:`gate_dashboard` of this gate may show something new (bar the clock)."""
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        return uow.activity.marker([gate.id] + ([gate.counterpart_id] if gate.counterpart_id else []))


# --- remaining capacity, for the exporter choosing a window --------------------------------------------------


def day_capacity(
    uow: UnitOfWork, *, clock: Clock, gate_id: str, direction: str, day: date
) -> tuple[Gate, list[SlotLeft]]:
    """A gate day's hourly slots with what remains (``equeue.remaining``: the figures booking applies); hours
    nobody booked yet are computed, not written."""
    flow = parse_enum(Direction, direction, field="direction")
    with uow:
        gate = require(uow.gates.get(gate_id), "gate", gate_id, field="gate_id")
        return gate, day_remaining(uow, gate, flow, day, clock.now())
