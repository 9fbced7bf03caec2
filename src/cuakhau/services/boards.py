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
from cuakhau.domain.customs import Channel, TargetRates
from cuakhau.domain.errors import require
from cuakhau.domain.gate import Closure, Country, Direction, Gate
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
from cuakhau.services.customs_channel import DEFAULT_PROFILE
from cuakhau.services.equeue.remaining import SlotLeft, day_remaining
from cuakhau.services.ports import CrossingRow, OpenCall, OpenIncident, PresentTrip, UnitOfWork, UnitOfWorkFactory

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
#: The channel mix the dashboard compares today's decisions with: the published selectivity profile's targets.
DEFAULT_TARGETS = DEFAULT_PROFILE.targets
CLOSURE_LOOKAHEAD = timedelta(days=14)
#: The public board's chart: trucks across in each of the last 24 whole hours (one query of the crossings).
HISTORY_HOURS = 24


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
    #: Trucks that crossed in each of the last :data:`HISTORY_HOURS` whole hours, oldest first; the last hour is
    #: the one running now (it ends at ``GateWaits.history_end``).
    crossed_by_hour: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GateWaits:
    gate: Gate
    here: SideHours
    there: SideHours | None
    directions: list[DirectionWait]
    #: The end of the chart's last hour (the next whole hour after the board was computed).
    history_end: datetime | None = None


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
    history_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = min(now - WIDE_WINDOW, history_end - timedelta(hours=HISTORY_HOURS))
    crossings = uow.activity.crossings(gate.id, since)  # the estimate keeps the last 12 h; the chart, 24
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
                crossed_by_hour=tuple(
                    hourly_counts((c.crossed_at for c in sample), end=history_end, hours=HISTORY_HOURS)
                ),
            )
        )
    return GateWaits(
        gate=gate,
        here=_side(gate, now),
        there=_side(counterpart, now) if counterpart else None,
        directions=directions,
        history_end=history_end,
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


# --- the public board by gate pair and way across ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a way across: the gate, its hours, and its wait in the direction trucks take there (``export``
    at the side they leave, ``import`` at the side they enter)."""

    side: SideHours
    wait: DirectionWait


@dataclass(frozen=True, slots=True)
class PairCard:
    """One gate pair, one way across: from ``origin``'s country into ``destination``'s (either may be missing for a
    gate without a counterpart on this platform). Its legs are the sides this platform measures, the leaving one
    first; the hours are those when *both* sides are open, in the origin's local day."""

    origin: Gate | None
    destination: Gate | None
    legs: list[Leg]
    open_now: bool
    #: Periods both sides are open on the local day of the side trucks leave from (clipped to that day).
    today: list[tuple[datetime, datetime]]
    #: Open now: when this period both sides are open ends (None: not within the look-ahead).
    closes_at: datetime | None
    #: Closed now: when both sides next open (None: not within the look-ahead).
    opens_at: datetime | None
    history_end: datetime | None
    #: Trucks across in each of the last 24 hours (the leaving side's count, else the entering side's).
    crossed_by_hour: tuple[int, ...]

    @property
    def home(self) -> Gate:
        """The gate whose clock the card's times are read on: the one trucks leave from, else the other."""
        gate = self.origin or self.destination
        assert gate is not None
        return gate


def _open_both(gates: list[Gate], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    both = gates[0].open_intervals(start, end)
    for other in gates[1:]:
        both = intersect(both, other.open_intervals(start, end))
    return both


def _card(origin: GateWaits | None, destination: GateWaits | None, now: datetime) -> PairCard | None:
    legs = [
        Leg(w.here, d)
        for w, flow in ((origin, Direction.EXPORT), (destination, Direction.IMPORT))
        if w is not None
        for d in w.directions
        if d.direction is flow
    ]
    if not legs:
        return None
    gates = [w.gate for w in (origin, destination) if w is not None]
    home = gates[0]
    day_start, day_end = day_bounds(home, home.local(now).date())
    horizon = max(day_end, now + CLOSURE_LOOKAHEAD)
    both = _open_both(gates, day_start, horizon)
    current = next(((s, e) for s, e in both if s <= now < e), None)
    board = origin or destination
    assert board is not None
    return PairCard(
        origin=origin.gate if origin else None,
        destination=destination.gate if destination else None,
        legs=legs,
        open_now=current is not None,
        today=[(max(s, day_start), min(e, day_end)) for s, e in both if s < day_end and e > day_start],
        closes_at=current[1] if current and current[1] < horizon else None,
        opens_at=None if current else next((s for s, _ in both if s > now), None),
        history_end=board.history_end,
        crossed_by_hour=legs[0].wait.crossed_by_hour,
    )


def _lead(w: GateWaits) -> tuple[bool, str]:
    return (w.gate.country is not Country.VN, w.gate.id)


def pair_cards(board: list[GateWaits], now: datetime) -> list[PairCard]:
    """The board as one card per gate pair and way across (each pair once each way, where the per-gate board has
    each pair twice: once from each side). Pairs in the order of their Vietnamese gate; in a pair, the way out of
    Vietnam first."""
    by_id = {w.gate.id: w for w in board}
    pairs: dict[tuple[str, ...], list[GateWaits]] = {}
    for w in board:
        other = by_id.get(w.gate.counterpart_id) if w.gate.counterpart_id else None
        pair = sorted((x for x in (w, other) if x is not None), key=_lead)
        pairs.setdefault(tuple(x.gate.id for x in pair), pair)
    cards = []
    for pair in sorted(pairs.values(), key=lambda p: _lead(p[0])):
        first, second = pair[0], pair[1] if len(pair) > 1 else None
        for card in (_card(first, second, now), _card(second, first, now)):
            if card is not None:
                cards.append(card)
    return cards


@dataclass(frozen=True, slots=True)
class Board:
    """The public board at one instant: by gate (the JSON feed's shape) and by gate pair and way across (the page's
    cards, and the versioned feed's)."""

    gates: list[GateWaits]
    cards: list[PairCard]


def public_board(uow: UnitOfWork, *, clock: Clock) -> Board:
    now = clock.now()  # the cards' hours are read at the board's instant (the waits' own is a moment later)
    gates = public_waits(uow, clock=clock)
    return Board(gates, pair_cards(gates, now))


class PublicBoard:
    """The public wait board as a read model of this process: every gate's :func:`public_waits` and its
    :func:`pair_cards`, computed by the ``public_board`` job (or, failing that, by one reader at a time) and served
    to every reader with its age — never computed per request (services/cached.py)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, fresh_for: timedelta = BOARD_FRESH_FOR) -> None:
        self.cached: Cached[Board] = Cached(
            lambda: public_board(uow(read_only=True), clock=clock), clock, fresh_for=fresh_for
        )

    def read(self) -> Computed[Board]:
        return self.cached.read()

    def refresh(self) -> None:
        """The job: compute the board now (nothing when a computation is already running)."""
        self.cached.refresh()


# --- the officer dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YardView:
    yard_id: str
    names: dict[str, str]  # vi, zh, en: the page shows its language's
    capacity: int
    occupancy: int


@dataclass(frozen=True, slots=True)
class LaneView:
    code: str
    direction: Direction
    kind: str
    calls: list[OpenCall]
    #: A truck at this lane sent by an officer's hand (no lane call, so the lane it stands at is not recorded):
    #: placed on a lane of its direction with no call, so the lanes show every truck the dashboard lists at a lane.
    unrecorded: PresentTrip | None = None


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
    #: Customs channel decisions since the start of the gate's local day, by channel, and the published targets.
    channels: dict[Channel, int] = field(default_factory=dict)
    channel_targets: TargetRates | None = None
    incidents: list[OpenIncident] = field(default_factory=list)
    #: For each hour of the throughput chart: was this side open during it, was the other side.
    hours_open: list[tuple[bool, bool]] = field(default_factory=list)


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
        yards = [
            YardView(
                y.id, {"vi": y.names.vi, "zh": y.names.zh, "en": y.names.en}, y.capacity, uow.yards.occupancy(y.id)
            )
            for y in uow.yards.for_gate(gate.id)
        ]
        reviews = uow.activity.open_reviews(gate.id)
        day_start, _ = day_bounds(gate, gate.local(now).date())
        channel_rows = uow.activity.channel_counts(gate.id, day_start)
        incidents = uow.activity.open_incidents(gate.id)
    stages = {d: {s: counts.get((d, s), 0) for s in STAGES} for d in Direction if gate.lanes_for(d)}
    by_lane: dict[str, list[OpenCall]] = defaultdict(list)
    for call in calls:
        by_lane[call.lane].append(call)
    called = {c.trip_id for c in calls}
    by_hand = [p for p in present if p.state in (TripState.CALLED, TripState.INSPECTING) and p.trip_id not in called]
    unplaced = {d: [p for p in by_hand if p.direction is d] for d in Direction}
    lanes = []
    for ln in gate.lanes:
        own = by_lane.get(ln.code, [])
        extra = unplaced[ln.direction].pop(0) if not own and unplaced[ln.direction] else None
        lanes.append(LaneView(ln.code, ln.direction, ln.kind.value, own, extra))
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
    hour_starts = [end - timedelta(hours=THROUGHPUT_HOURS - i) for i in range(THROUGHPUT_HOURS)]
    there = waits.there.gate if waits.there else None
    hours_open = [(_open_during(gate, h), there is None or _open_during(there, h)) for h in hour_starts]
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
        hour_starts=hour_starts,
        throughput=throughput,
        overdue=overdue,
        holds=dict(sorted(holds.items())),
        open_reviews=reviews,
        channels={c: channel_rows.get(c.value, 0) for c in Channel},
        channel_targets=DEFAULT_TARGETS,
        incidents=incidents,
        hours_open=hours_open,
    )


def _open_during(gate: Gate, hour: datetime) -> bool:
    """Was the gate open at any time in the hour starting at ``hour``."""
    return bool(gate.open_intervals(hour, hour + timedelta(hours=1)))


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
