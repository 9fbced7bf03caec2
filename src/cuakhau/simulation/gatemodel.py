"""One replication of a scenario under one policy: trucks through the yard, the desks and the lanes.

A truck is *ready* (loaded, wanting to cross) at a time drawn from the scenario's arrivals by hour, weekday and
season. With a booking policy it first gets an hourly slot from the production planner
(:mod:`cuakhau.domain.allocation`, planned each local day over the slot capacities of
:func:`cuakhau.domain.capacity.slot_capacities`) and waits at its origin until the slot; without one it drives
to the gate at once. At the gate it waits on the road while the yard is full, then passes the document desk;
the production customs selector (:func:`cuakhau.domain.customs.assess_risk` and ``select_channel``, through
its incremental :class:`~cuakhau.domain.customs.ChannelSelector`) gives its channel — yellow means a document
check, red a physical inspection in a bay —,
plant products pass plant quarantine (some with a laboratory test), and finally the truck waits in the yard to
be called to a lane. Calls follow the production call-forward rule (:func:`cuakhau.domain.callforward.assign_lanes`,
through its heap-kept :class:`~cuakhau.domain.callforward.CallQueue`) or, as a baseline, arrival order. Desks
work the gate's hours; lanes run only while both sides are open
(:meth:`cuakhau.domain.gate.Gate.open_intervals`, closures included) and the counterpart's daily quota lasts.
"""

from __future__ import annotations

import gc
import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from cuakhau.domain.allocation import (
    AllocationPolicy,
    FirstComeFirstServed,
    GroupedProblem,
    OptimalPlanner,
    PriorityGreedy,
    Problem,
    Request,
    RequestGroup,
)
from cuakhau.domain.callforward import CallQueue
from cuakhau.domain.capacity import FREIGHT_LANES, slot_capacities
from cuakhau.domain.customs import (
    CalibrationRules,
    Channel,
    ChannelSelector,
    EnterpriseHistory,
    RiskAssessment,
    SelectivityProfile,
    TargetRates,
    assess_risk,
)
from cuakhau.domain.gate import Closure, ClosureKind, Direction, Gate, Lane, LaneKind, OpeningPeriod
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.standby import StandbyList, StandbyRule, arrival_lead, standby_room
from cuakhau.reference.gates import reference_gates
from cuakhau.simulation.engine import Engine, InfiniteServer, Job, SimClock, Station, TimeAverage, schedule_hours
from cuakhau.simulation.scenario import (
    Booking,
    CallForward,
    Distribution,
    GateSpec,
    Hours,
    Policy,
    Scenario,
)

HOUR = 3600.0
DAY = 86400.0
VN_TZ_OFFSET = timedelta(hours=7)
#: The stages whose waits are reported, in the order a truck meets them.
STAGES = ("booking", "road", "documents", "customs", "quarantine", "crossing", "total")
#: The cargo classes figures are reported for (the perishability classes, most urgent first).
CLASSES = tuple(p.value for p in Perishability)

PLANNERS: dict[Booking, Callable[[], AllocationPolicy]] = {
    Booking.FCFS: FirstComeFirstServed,
    Booking.PRIORITY: PriorityGreedy,
    Booking.OPTIMAL: OptimalPlanner,
}


def sampler(dist: Distribution, rng: random.Random) -> Callable[[Any], float]:
    """A function returning one draw in seconds (its argument is ignored, so it can serve a station)."""
    mean = dist.mean_minutes * 60.0
    kind = dist.distribution
    # Python's expovariate and lognormvariate written out (the same formulas on the same stream, so the same
    # draws to the last bit, a test checks it): two calls fewer per draw, a draw or two per truck and stage.
    rnd = rng.random
    log, exp = math.log, math.exp
    if kind == "exponential":
        rate = 1.0 / mean
        return lambda _: -log(1.0 - rnd()) / rate
    if kind == "fixed":
        return lambda _: mean
    if kind == "lognormal":
        sd = (dist.sd_minutes or 0.0) * 60.0
        sigma2 = math.log(1 + (sd / mean) ** 2)
        mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
        magic = 4 * math.exp(-0.5) / math.sqrt(2.0)  # random.NV_MAGICCONST: Kinderman and Monahan's method

        def lognormal(_: Any) -> float:
            while True:
                u1 = rnd()
                u2 = 1.0 - rnd()
                z = magic * (u1 - 0.5) / u2
                if z * z / 4.0 <= -log(u2):
                    return exp(mu + z * sigma)

        return lognormal
    lo, hi = (dist.min_minutes or 0.0) * 60.0, (dist.max_minutes or 0.0) * 60.0
    if kind == "uniform":
        uni = rng.uniform
        return lambda _: uni(lo, hi)
    mode = 3 * mean - lo - hi
    tri = rng.triangular
    return lambda _: tri(lo, hi, mode)


def streams(seed: int, replication: int, gate: int) -> dict[str, random.Random]:
    """One seeded stream per source, the same for every policy (common random numbers)."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=(replication, gate))
    # a new source goes last: the first streams stay as they were (spawned children are numbered)
    names = (
        "arrivals",
        "documents",
        "customs",
        "yellow",
        "red",
        "quarantine",
        "laboratory",
        "lanes",
        "channel",
        "punctuality",
    )
    return {n: random.Random(int(s.generate_state(1)[0])) for n, s in zip(names, seq.spawn(len(names)), strict=True)}


def _shift(t: time, hours: int) -> time:
    return (datetime.combine(date(2026, 1, 5), t) + timedelta(hours=hours)).time()


def build_gates(scenario: Scenario, spec: GateSpec, policy: Policy) -> tuple[Gate, Gate]:
    """The Vietnamese gate and its counterpart as the production domain sees them, with the overrides applied."""
    years = range(scenario.start.year, (scenario.start + timedelta(days=scenario.days)).year + 1)
    by_id = {g.id: g for g in reference_gates(years)}
    here = by_id[spec.gate]
    there = by_id[here.counterpart_id or ""]
    here = replace(here, lanes=list(here.lanes), closures=list(here.closures))
    there = replace(there, lanes=list(there.lanes), closures=list(there.closures))
    hours: Hours | None = policy.hours or spec.hours
    if hours is not None:
        here.opening_hours = [OpeningPeriod(hours.opens, hours.closes)]
        there.opening_hours = [OpeningPeriod(_shift(hours.opens, 1), _shift(hours.closes, 1))]
    if spec.counterpart_hours is not None:
        there.opening_hours = [OpeningPeriod(spec.counterpart_hours.opens, spec.counterpart_hours.closes)]
    direction = Direction(spec.direction)
    freight = [ln for ln in here.lanes_for(direction) if ln.kind in FREIGHT_LANES]
    wanted = (spec.lanes or len(freight)) + policy.extra_lanes
    prefix = "X" if direction is Direction.EXPORT else "N"
    minutes = freight[0].service_minutes if freight else 6.0
    new = freight[:wanted] + [
        Lane(f"{prefix}S{i + 1}", direction, LaneKind.CARGO, minutes) for i in range(wanted - len(freight))
    ]
    here.lanes = [ln for ln in here.lanes if ln not in freight] + new
    if spec.inspection_bays is not None:
        here.inspection_bays = spec.inspection_bays
    for c in spec.closures:
        for gate, side in ((here, "vn"), (there, "cn")):
            if c.side in ("both", side):
                gate.add_closure(Closure(c.starts_at, c.ends_at, c.reason, ClosureKind.SUSPENSION))
    return here, there


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True, slots=True)
class CargoKind:
    name: str
    perishability: Perishability
    weight: int
    plant: bool
    value: float
    spoil_per_hour: float
    assessment: RiskAssessment
    urgency: int = 0  # the perishability class's index (CLASSES), for the figures per class


def cargo_kinds(scenario: Scenario, spec: GateSpec, profile: SelectivityProfile, at: datetime) -> list[CargoKind]:
    """Each cargo of the mix as a production shipment, scored once by the production risk assessment."""
    nomenclature = HsNomenclature.load_default()
    kinds: list[CargoKind] = []
    for i, c in enumerate(spec.arrivals.cargo):
        shipment = Shipment.create(
            nomenclature,
            shipment_id=f"sim-{i}",
            exporter_id="sim-exporter",
            consignee_name="sim consignee",
            consignee_country="CN" if spec.direction == "export" else "VN",
            lines=[
                {
                    "hs_code": c.hs,
                    "description": c.name,
                    "net_kg": 20000,
                    "gross_kg": 22000,
                    "packages": 1000,
                    "value": round(c.value_usd, 2),
                    "currency": "USD",
                    "perishability": c.perishability.value if c.perishability else None,
                }
            ],
        )
        h = c.history
        history = EnterpriseHistory(
            enterprise_id=f"sim-{i}",
            declarations=h.get("declarations", 0),
            holds=h.get("holds", 0),
            rejections=h.get("rejections", 0),
            findings=h.get("findings", 0),
        )
        kind = shipment.perishability
        kinds.append(
            CargoKind(
                name=c.name,
                perishability=kind,
                weight=PROFILES[kind].weight,
                plant=shipment.plant_product,
                value=c.value_usd,
                spoil_per_hour=scenario.spoilage.per_hour.get(kind, 0.0),
                assessment=assess_risk(shipment, history, profile, at=at),
                urgency=kind.urgency,
            )
        )
    return kinds


def customs_profile(scenario: Scenario) -> SelectivityProfile:
    c = scenario.customs
    return SelectivityProfile(
        version="simulation",
        targets=TargetRates(red=c.red, yellow=c.yellow),
        random_red=c.random_red,
        random_yellow=c.random_yellow,
        calibration=CalibrationRules(window_size=c.window_size, min_window=min(200, c.window_size)),
    )


def arrivals(
    scenario: Scenario, spec: GateSpec, rng: random.Random, weights: list[float]
) -> tuple[list[float], list[int]]:
    """Ready times (seconds from the start) and cargo kinds, from the hourly, weekday and seasonal rates."""
    a = spec.arrivals
    by_hour = np.asarray(a.by_hour or [1.0] * 24, dtype=float)
    by_hour = by_hour / by_hour.sum()
    by_week = np.asarray(a.by_weekday or [1.0] * 7, dtype=float)
    shares = np.asarray(weights, dtype=float)
    shares = shares / shares.sum()
    days = [scenario.start + timedelta(days=d) for d in range(scenario.days)]
    season = np.array(
        [[(c.season[d.month - 1] if c.season else 1.0) for c in a.cargo] for d in days], dtype=float
    )  # days x kinds
    day_rate = a.per_day * by_week[[d.weekday() for d in days]][:, None] * season * shares[None, :]
    rates = (day_rate[:, None, :] * by_hour[None, :, None]).reshape(len(days) * 24, len(a.cargo))
    gen = np.random.default_rng(rng.getrandbits(64))
    counts = gen.poisson(rates)
    hours_idx, kinds_idx = np.nonzero(counts)
    reps = counts[hours_idx, kinds_idx]
    hours_rep = np.repeat(hours_idx, reps)
    kinds_rep = np.repeat(kinds_idx, reps)
    times = (hours_rep + gen.random(len(hours_rep))) * HOUR
    order = np.argsort(times, kind="stable")
    return times[order].tolist(), kinds_rep[order].tolist()


@dataclass(frozen=True, slots=True)
class _Static:
    """What a gate flow needs that does not change between replications (built once per process)."""

    here: Gate
    there: Gate
    profile: SelectivityProfile
    kinds: list[CargoKind]
    capacity: tuple[int, ...]  # truck places per hour from the start, both sides' hours, lanes and quotas
    inspection_capacity: tuple[int, ...]


_STATIC: dict[tuple[str, str, str], _Static] = {}


def _static(scenario: Scenario, spec: GateSpec, policy: Policy, epoch: datetime) -> _Static:
    key = (scenario.model_dump_json(), spec.model_dump_json(), policy.model_dump_json())
    found = _STATIC.get(key)
    if found is not None:
        return found
    here, there = build_gates(scenario, spec, policy)
    profile = customs_profile(scenario)
    caps: list[int] = []
    insp: list[int] = []
    if policy.booking is not Booking.NONE:
        quota = policy.quota_daily if policy.quota_daily is not None else spec.quota.daily
        for d in range(scenario.days + policy.booking_horizon_days):
            day = scenario.start + timedelta(days=d)
            slots = slot_capacities(here, there, Direction(spec.direction), day, hourly_quota=spec.quota.hourly)
            left = quota
            for slot in slots:
                c = slot.capacity if left is None else min(slot.capacity, left)
                if left is not None:
                    left -= c
                caps.append(c)
                insp.append(min(c, slot.inspection_capacity))
    if len(_STATIC) > 64:  # a long-lived process running many scenarios: keep the cache small
        _STATIC.clear()
    found = _STATIC[key] = _Static(
        here, there, profile, cargo_kinds(scenario, spec, profile, epoch), tuple(caps), tuple(insp)
    )
    return found


class Truck(Job):
    __slots__ = (
        "at_gate",
        "booked_wait",
        "channel",
        "counted",
        "holding",
        "kind",
        "present",
        "slot_start",
        "standby",
        "waits",
    )

    def __init__(
        self,
        id: int,
        ready: float,
        kind: CargoKind,
        counted: bool,
        slot_start: float | None = None,
        booked: float = 0.0,
    ) -> None:
        # Job's fields set here rather than through super().__init__: one truck is made per truck simulated
        self.id = id
        self.arrived = self.queued = self.started = ready
        self.priority = 0
        self.data = None
        self.kind = kind
        self.counted = counted
        self.at_gate = ready
        self.booked_wait = booked  # waited for its slot at its origin
        self.slot_start = slot_start  # its booked slot's start, seconds from the start; None without one
        self.channel = Channel.GREEN
        self.present = False  # a booked truck: at the gate (in its slot, or called from its origin to stand by)
        self.standby = False
        self.holding = False  # a booked truck whose place in its slot is held for it (domain.standby)
        self.waits = [booked, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]  # the STAGES: booking, road, ..., crossing, total


class Metrics:
    """What one replication measured, for trucks ready after the warm-up (``counted``)."""

    def __init__(self) -> None:
        self.waits: list[float] = []  # per crossed truck its wait at each of the STAGES, one after the other
        self.classes: list[int] = []  # per crossed truck its cargo class (an index of CLASSES)
        self.unfinished: list[tuple[float, int]] = []  # per counted truck not crossed: (time so far, class)
        self.arrived = 0
        self.crossed = 0  # counted trucks that crossed
        self.crossed_in_window = 0  # crossings inside the measured window, any truck
        self.spoilage = 0.0
        self.past_bound = 0
        self.no_shows = 0  # counted booked trucks that never came
        self.from_standby = 0  # crossings inside the measured window from the standby list, any truck
        self.channels = {c: 0 for c in Channel}


class GateModel:
    """One gate flow inside a replication."""

    def __init__(
        self,
        engine: Engine,
        clock: SimClock,
        scenario: Scenario,
        spec: GateSpec,
        policy: Policy,
        rng: dict[str, random.Random],
        metrics: Metrics,
        queue_len: TimeAverage,
        road_len: TimeAverage,
        yard_level: TimeAverage,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.scenario = scenario
        self.spec = spec
        self.policy = policy
        self.metrics = metrics
        self.warmup = scenario.warmup_days * DAY
        self.horizon = scenario.days * DAY
        self.bound = scenario.wait_bound_hours * HOUR
        self.factor = scenario.spoilage.booked_wait_factor
        static = _static(scenario, spec, policy, clock.epoch)
        self.here, self.there = static.here, static.there
        self.direction = Direction(spec.direction)
        self.profile = static.profile
        self.kinds = static.kinds
        self.ready, self.kind_of = arrivals(scenario, spec, rng["arrivals"], [c.share for c in spec.arrivals.cargo])
        self.selector = ChannelSelector(self.profile)
        self.crossed = bytearray(len(self.ready))  # per truck: 1 once it has crossed
        self.channel_rng = rng["channel"]
        self.rng = rng
        self.yard_capacity = policy.yard_capacity or spec.yard_capacity
        self.quota = policy.quota_daily if policy.quota_daily is not None else spec.quota.daily
        self.queue_len, self.road_len, self.yard_level = queue_len, road_len, yard_level
        self.road: deque[Truck] = deque()
        self.in_yard = 0
        s = scenario.stages
        off = spec.officers
        self.documents = Station(engine, off.documents, sampler(s.documents, rng["documents"]), self._documented)
        # each stage's wait is read off the truck when its service ends (started - queued at that station)
        self.yellow = Station(engine, off.customs, sampler(s.customs_yellow, rng["yellow"]), self._checked)
        self.red = Station(engine, self.here.inspection_bays, sampler(s.customs_red, rng["red"]), self._checked)
        self.quarantine = Station(engine, off.quarantine, sampler(s.quarantine, rng["quarantine"]), self._inspected)
        self.lab = InfiniteServer(engine, sampler(s.laboratory, rng["laboratory"]), self._to_lanes)
        self.lab_share = s.laboratory_share
        self.lab_draw = rng["laboratory"].random
        own = self._seconds(self.here.open_intervals(clock.epoch, clock.instant(self.horizon)))
        theirs = self._seconds(self.there.open_intervals(clock.epoch, clock.instant(self.horizon)))
        for station in (self.documents, self.yellow, self.red, self.quarantine):
            schedule_hours(engine, station, own)
        # lanes
        self.lanes = [ln for ln in self.here.lanes_for(self.direction) if ln.kind in FREIGHT_LANES]
        self.free: list[Lane] = list(self.lanes)
        self.lane_by_code = {ln.code: ln for ln in self.lanes}
        self.lane_time: dict[str, Callable[[Any], float]] = {}
        for ln in self.lanes:
            dist = spec.lane_minutes or Distribution(mean_minutes=ln.service_minutes)
            self.lane_time[ln.code] = sampler(dist, rng["lanes"])
        self.lanes_open = False
        self.used_today = 0
        self.rule = policy.call_forward
        # the yard queue: the production call order (seconds for instants), or arrival order as the baseline
        self.queue: CallQueue[float, Truck] = CallQueue(math.inf)
        self.heap: list[tuple[float, int, Truck]] = []
        self.seq = 0
        # the standby list (booking only): candidates at their origin, by slot; the list itself at the gate
        self.standby_list: StandbyList[float, Truck] = StandbyList(math.inf)
        self.unplaced: deque[int] = deque()  # waiting-list trucks (no slot) ready at their origin, in order
        self.state = bytearray(len(self.ready))  # booking: 1 placed by a plan, 2 came to stand by without a slot
        self.held = 0  # trucks asked to stand by and not yet called to a lane
        self.standby_size = 0
        self.booking = policy.booking is not Booking.NONE
        # booking: per slot (hour from the start) the places still held for booked trucks not yet waiting for a
        # lane; slots up to ``released`` hold none (their grace is over); cleared trucks waiting for their slot
        self.holds: dict[int, int] = {}
        self.released = -1
        self.early: dict[int, list[Truck]] = {}
        self.slot_capacity = static.capacity
        self.lead = arrival_lead().total_seconds()
        self.grace = StandbyRule().grace.total_seconds()
        # At one instant: lanes close, then the quota resets, then lanes open (events at equal times run in the
        # order scheduled), so a closing hour's reset starts no call and an opening hour starts on a fresh quota.
        crossing = _intersect(own, theirs)
        if self.booking:  # a day's plan comes first at its midnight: the places it books are held from then
            for d in range(scenario.days):
                engine.at(d * DAY, self._plan_day, d)
        for _, hi in crossing:
            engine.at(hi, self._lanes_open, False)
        self.hourly = spec.quota.hourly
        self.used_hour = 0
        if self.hourly is not None or self.booking:
            for h in range(scenario.days * 24):
                engine.at(h * HOUR, self._new_quota_hour)
        if self.booking:
            for h in range(scenario.days * 24):
                engine.at(h * HOUR, self._slot_starts, h)
        # the counterpart's quota resets at its local midnight (UTC+8: one hour before the Vietnamese one)
        if self.quota is not None:
            t = -HOUR
            while t < self.horizon:
                if t >= 0:
                    engine.at(t, self._new_quota_day)
                t += DAY
        for lo, _ in crossing:
            engine.at(lo, self._lanes_open, True)
        if policy.booking is Booking.NONE:
            if self.ready:
                engine.at(self.ready[0], self._arrive_unbooked, 0)
        else:
            self.planner = PLANNERS[policy.booking]()
            # the kinds' classes for booking: (weight, needs inspection), numbered
            self.classes: list[tuple[int, bool]] = sorted({(k.weight, k.plant) for k in self.kinds})
            self.kind_class = [self.classes.index((k.weight, k.plant)) for k in self.kinds]
            # per truck: the hour it is ready, numbered with its class (the groups of the optimal planner)
            hours = (np.asarray(self.ready) // HOUR).astype(np.int64) * len(self.classes)
            self.codes: list[int] = (hours + np.asarray(self.kind_class, dtype=np.int64)[self.kind_of]).tolist()
            self.capacity = list(static.capacity)  # used up as trucks are placed
            self.inspection_capacity = list(static.inspection_capacity)
            self.carry: list[int] = []
            self.next_truck = 0
            self.standby_size = policy.standby
            self.no_show_share, self.late_share = policy.no_show_share, policy.late_share
            self.punctuality = policy.no_show_share > 0 or policy.late_share > 0
            self.punctual = rng["punctuality"].random
            self.late_time = sampler(policy.late_minutes, rng["punctuality"])

    def _seconds(self, intervals: list[tuple[datetime, datetime]]) -> list[tuple[float, float]]:
        epoch = self.clock.epoch
        return [((a - epoch).total_seconds(), (b - epoch).total_seconds()) for a, b in intervals]

    def _truck(self, i: int) -> Truck:
        ready = self.ready[i]
        counted = ready >= self.warmup
        if counted:
            self.metrics.arrived += 1
        return Truck(i, ready, self.kinds[self.kind_of[i]], counted)

    # ------------------------------------------------------------------------------------------ booking

    def _plan_day(self, d: int) -> None:
        """Plan the trucks ready today (and those left over) with the production planner."""
        end = (d + 1) * DAY
        new: list[int] = []
        while self.next_truck < len(self.ready) and self.ready[self.next_truck] < end:
            new.append(self.next_truck)
            self.next_truck += 1
        first = d * 24
        span = self.policy.booking_horizon_days * 24
        last = min(first + span, len(self.capacity))
        state = self.state
        ids = [i for i in self.carry if not state[i]] + new  # not those that came to stand by meanwhile
        if isinstance(self.planner, OptimalPlanner):
            self._plan_grouped(d, ids, first, last, span)
            return
        kinds, kind_of, ready = self.kinds, self.kind_of, self.ready
        windows: dict[int, dict[str, tuple[int, int]]] = {}  # one window mapping per earliest slot, shared
        requests = []
        for i in ids:
            lo = int(ready[i] // HOUR) - first
            lo = lo if lo > 0 else 0
            win = windows.get(lo)
            if win is None:
                win = windows[lo] = {"g": (lo, span - 1)}
            kind = kinds[kind_of[i]]
            requests.append(Request(str(i), win, kind.weight, i, kind.plant))
        problem = Problem(
            capacity={"g": self.capacity[first:last]},
            inspection_capacity={"g": self.inspection_capacity[first:last]},
            requests=requests,
            max_wait=self.policy.max_wait_hours,
        )
        plan = self.planner.plan(problem, explain=False)
        carry: list[int] = []
        capacity, inspection = self.capacity, self.inspection_capacity
        arriving: dict[float, list[Truck]] = {}  # by the time they reach the gate
        for i, a in zip(ids, plan.assignments, strict=True):  # assignments come in the order of the requests
            if a.slot is None:
                carry.append(i)
                continue
            slot = first + a.slot
            capacity[slot] -= 1
            if kinds[kind_of[i]].plant:
                inspection[slot] -= 1
            truck = self._truck(i)
            self.state[i] = 1
            truck.slot_start = slot * HOUR
            self._hold(truck, slot)
            when = self._when(truck)
            if when is None:
                continue
            truck.booked_wait = truck.waits[0] = when - truck.arrived
            batch = arriving.get(when)
            if batch is None:
                arriving[when] = [truck]
            else:
                batch.append(truck)
        self._send(arriving)
        self._carry(d, carry)

    def _plan_grouped(self, d: int, ids: list[int], first: int, last: int, span: int) -> None:
        """:meth:`_plan_day` for the optimal planner: the trucks asked for as groups (same earliest slot, weight
        and inspection need, in the order they came), the plan :meth:`OptimalPlanner.plan` makes for them."""
        kinds, kind_of, ready = self.kinds, self.kind_of, self.ready
        # a group per earliest slot and class, numbered slot x classes + class (the trucks' hour and class are
        # numbered so once for the run); ready before today: slot 0
        members: dict[int, list[int]] = {}  # group number -> positions in ids, in order
        classes, codes, klass = self.classes, self.codes, self.kind_class
        ncls = len(classes)
        base = first * ncls
        for j, i in enumerate(ids):
            key = codes[i] - base
            if key < 0:
                key = klass[kind_of[i]]
            found = members.get(key)
            if found is None:
                members[key] = [j]
            else:
                found.append(j)
        groups = [
            RequestGroup({"g": (key // ncls, span - 1)}, classes[key % ncls][0], len(m), classes[key % ncls][1])
            for key, m in members.items()
        ]
        plan = self.planner.plan_grouped(  # type: ignore[attr-defined]
            GroupedProblem(
                capacity={"g": self.capacity[first:last]},
                inspection_capacity={"g": self.inspection_capacity[first:last]},
                groups=groups,
                max_wait=self.policy.max_wait_hours,
            )
        )
        slot_of = [-1] * len(ids)  # per position in ids: its slot from the start, -1 when not placed
        capacity, inspection = self.capacity, self.inspection_capacity
        for positions, spots, key in zip(members.values(), plan.placements, members, strict=True):
            plant = classes[key % ncls][1]
            k = 0
            for s, _, n in spots:
                slot = first + s
                capacity[slot] -= n
                if plant:
                    inspection[slot] -= n
                for j in positions[k : k + n]:
                    slot_of[j] = slot
                k += n
        # trucks go to the gate in the order they came (events at one instant run in the order scheduled)
        carry: list[int] = []
        arriving: dict[float, list[Truck]] = {}  # by the time they reach the gate
        warmup, holds, state = self.warmup, self.holds, self.state
        counted = 0
        for i, slot in zip(ids, slot_of, strict=True):
            if slot < 0:
                carry.append(i)
                continue
            arrived = ready[i]
            truck = Truck(i, arrived, kinds[kind_of[i]], arrived >= warmup, slot * HOUR)
            state[i] = 1
            counted += arrived >= warmup
            holds[slot] = holds.get(slot, 0) + 1  # _hold inlined
            truck.holding = True
            when = self._when(truck)
            if when is None:
                continue
            truck.booked_wait = truck.waits[0] = when - arrived
            batch = arriving.get(when)
            if batch is None:
                arriving[when] = [truck]
            else:
                batch.append(truck)
        self.metrics.arrived += counted
        self._send(arriving)
        self._carry(d, carry)

    def _when(self, truck: Truck) -> float | None:
        """When a booked truck reaches the gate: within its dispatch window, :func:`arrival_lead` before its slot
        (at once when it is ready later); a late truck after its slot starts; None for one that never comes."""
        start: float = truck.slot_start  # type: ignore[assignment]
        arrived = truck.arrived
        when = start - self.lead
        if when < arrived:
            when = arrived
        if self.punctuality:
            draw = self.punctual()
            if draw < self.no_show_share:
                self.crossed[truck.id] = 2  # never comes: left out of the figures of trucks that wanted to cross
                self.metrics.no_shows += truck.counted
                return None
            if draw < self.no_show_share + self.late_share:
                late = start + self.late_time(None)
                when = late if late > arrived else arrived
        return when

    def _hold(self, truck: Truck, slot: int) -> None:
        """The truck's place in its slot is held for it (domain.standby) until it waits for a lane or the grace
        after its slot start is over."""
        self.holds[slot] = self.holds.get(slot, 0) + 1
        truck.holding = True

    def _unhold(self, truck: Truck) -> None:
        truck.holding = False
        slot = int(truck.slot_start // HOUR)  # type: ignore[operator]
        if slot > self.released:
            self.holds[slot] -= 1

    def _slot_starts(self, h: int) -> None:
        """A slot starts: its booked trucks waiting in the yard are due; its places are held until the grace."""
        self.engine.after(self.grace, self._release, h)
        trucks = self.early.pop(h, None)
        if trucks:
            for truck in trucks:
                self._unhold(truck)
                self._enqueue(truck, truck.queued)
            self._call()

    def _release(self, h: int) -> None:
        """The grace after slot ``h`` started is over: places its booked trucks did not come for are free."""
        self.released = h
        if self.holds.pop(h, 0):
            self._call()

    def _carry(self, d: int, carry: list[int]) -> None:
        """Trucks the plan could not place wait for the next day's plan, and stand by once ready if asked."""
        self.carry = carry
        if d == self.scenario.days - 1:
            for i in carry:  # never placed within the run: they count as not crossed
                self._unfinished(self._truck(i))
        elif self.standby_size:
            at, ready = self.engine.at, self.ready
            for i in carry:
                at(ready[i], self._listed_unplaced, i)

    def _listed_unplaced(self, i: int) -> None:
        """A truck on the waiting list (no slot), ready at its origin: the last standby candidates."""
        if not self.state[i]:
            self.unplaced.append(i)
            self._pull()

    def _pull(self) -> None:
        """Ask waiting-list trucks to come and stand by, in order, while the list has room."""
        unplaced, state = self.unplaced, self.state
        while self.held < self.standby_size and unplaced:
            i = unplaced.popleft()
            if state[i]:  # placed by a later plan (it comes in its slot)
                continue
            state[i] = 2
            truck = self._truck(i)
            truck.present = truck.standby = True
            self.held += 1
            truck.booked_wait = truck.waits[0] = self.engine.now - truck.arrived
            self._at_gate(truck)

    def _booked_arrives(self, truck: Truck) -> None:
        if truck.present:  # already came to stand by
            return
        truck.present = True
        self._at_gate(truck)

    def _send(self, arriving: dict[float, list[Truck]]) -> None:
        """One event per instant for the booked trucks reaching the gate then, taking them in order: the order
        an event per truck would run them in (all scheduled here one after the other, so no other event at that
        instant comes between them), on a heap a fraction the size."""
        at = self.engine.at
        at_gate, at_gate_all = self._booked_arrives, self._at_gate_all
        for when, trucks in arriving.items():
            if len(trucks) == 1:
                at(when, at_gate, trucks[0])
            else:
                at(when, at_gate_all, trucks)

    def _at_gate_all(self, trucks: list[Truck]) -> None:
        for truck in trucks:
            if not truck.present:
                truck.present = True
                self._at_gate(truck)

    # ------------------------------------------------------------------------------------------ the gate

    def _arrive_unbooked(self, i: int) -> None:
        self._at_gate(self._truck(i))
        if i + 1 < len(self.ready):
            self.engine.at(self.ready[i + 1], self._arrive_unbooked, i + 1)

    def _at_gate(self, truck: Truck) -> None:
        truck.at_gate = self.engine.now
        if self.in_yard < self.yard_capacity:
            self._enter_yard(truck)
        else:
            self.road.append(truck)
            self.road_len.change(1)

    def _enter_yard(self, truck: Truck) -> None:
        self.in_yard += 1
        self.yard_level.change(1)
        truck.waits[1] = self.engine.now - truck.at_gate
        self.documents.arrive(truck)

    def _documented(self, job: Job) -> None:
        truck: Truck = job  # type: ignore[assignment]
        truck.waits[2] = truck.started - truck.queued
        # the production selector's decisions without the decision record (a property test shows they are
        # select_channel's); the simulated clock does not enter the channel
        channel = truck.channel = self.selector.choose(truck.kind.assessment, self.channel_rng)
        if truck.counted:
            self.metrics.channels[channel] += 1
        if channel is Channel.RED:
            self.red.arrive(truck)
        elif channel is Channel.YELLOW:
            self.yellow.arrive(truck)
        else:
            self._cleared(truck)

    def _checked(self, job: Job) -> None:
        job.waits[3] = job.started - job.queued  # type: ignore[attr-defined]
        self._cleared(job)

    def _cleared(self, job: Job) -> None:
        truck: Truck = job  # type: ignore[assignment]
        if truck.kind.plant:
            self.quarantine.arrive(truck)
        else:
            self._to_lanes(truck)

    def _inspected(self, job: Job) -> None:
        job.waits[4] = job.started - job.queued  # type: ignore[attr-defined]
        if self.lab_share and self.lab_draw() < self.lab_share:
            self.lab.arrive(job)
        else:
            self._to_lanes(job)

    # ------------------------------------------------------------------------------------------ lanes

    def _to_lanes(self, job: Job) -> None:
        truck: Truck = job  # type: ignore[assignment]
        now = truck.queued = self.engine.now
        self.queue_len.change(1)
        if truck.standby:
            self.standby_list.push(truck.kind.perishability, truck.slot_start, truck)
        else:
            slot = truck.slot_start
            if slot is not None:
                if slot > now:  # came early (its dispatch window): waits in the yard for its slot
                    h = int(slot // HOUR)
                    found = self.early.get(h)
                    if found is None:
                        self.early[h] = [truck]
                    else:
                        found.append(truck)
                    return
                if truck.holding:
                    self._unhold(truck)
            self._enqueue(truck, now)
        self._call()

    def _enqueue(self, truck: Truck, since: float) -> None:
        if self.rule is CallForward.PERISHABLES_FIRST:
            self.queue.push(str(truck.id), truck.kind.perishability, truck.slot_start, since, truck)
        else:
            self.seq += 1
            heapq.heappush(self.heap, (since, self.seq, truck))

    def _lanes_open(self, is_open: bool) -> None:
        self.lanes_open = is_open
        self._call()

    def _new_quota_day(self, _: Any) -> None:
        self.used_today = 0
        self._call()

    def _new_quota_hour(self, _: Any) -> None:
        self.used_hour = 0
        self._call()

    def _call(self) -> None:
        free = self.free
        if not free or not self.lanes_open:
            return
        room = len(free)
        if self.quota is not None:
            room = min(room, self.quota - self.used_today)
        if self.hourly is not None:
            room = min(room, self.hourly - self.used_hour)
        if room <= 0:
            return
        if self.rule is CallForward.ARRIVAL_ORDER:
            heap = self.heap
            while heap and room > 0:
                self._start_crossing(heapq.heappop(heap)[2], free.pop())
                room -= 1
            due = len(heap)
        elif self.queue:
            # The production rule: when the quota leaves fewer trucks than free lanes, the first lanes in its order.
            for lane, truck in self.queue.call(free, room if room < len(free) else None):
                # by identity (each lane is one object): list.remove would compare the lanes field by field
                for k, other in enumerate(free):
                    if other is lane:
                        del free[k]
                        break
                self._start_crossing(truck, lane)
            due = len(self.queue)
        else:
            due = 0
        standby = self.standby_list
        if standby:  # places no booked truck is waiting for go to the standby list (domain.standby)
            h = int(self.engine.now // HOUR)
            caps = self.slot_capacity
            n = standby_room(
                len(free),
                due,
                None if self.quota is None else self.quota - self.used_today,
                None if self.hourly is None else self.hourly - self.used_hour,
                caps[h] - self.used_hour if h < len(caps) else None,
                held=self.holds.get(h, 0) if h > self.released else 0,
            )
            for _ in range(min(n, len(standby))):
                truck = standby.pop()
                self.held -= 1
                self._start_crossing(truck, free.pop())
            self._pull()

    def _start_crossing(self, truck: Truck, lane: Lane) -> None:
        self.queue_len.change(-1)
        self.used_today += 1
        self.used_hour += 1
        now = self.engine.now
        truck.waits[5] = now - truck.queued
        self.engine.after(self.lane_time[lane.code](None), self._crossed, (truck, lane))

    def _crossed(self, arg: tuple[Truck, Lane]) -> None:
        truck, lane = arg
        self.crossed[truck.id] = 1
        self.free.append(lane)
        self.in_yard -= 1
        self.yard_level.change(-1)
        now = self.engine.now
        m = self.metrics
        if self.warmup <= now < self.horizon:
            m.crossed_in_window += 1
            m.from_standby += truck.standby
        if truck.counted:
            m.crossed += 1
            waits = truck.waits
            total = waits[6] = now - truck.arrived
            m.waits += waits
            m.classes.append(truck.kind.urgency)
            # _account inlined
            if total > self.bound:
                m.past_bound += 1
            booked = truck.booked_wait
            kind = truck.kind
            effective = (total - booked + self.factor * booked) / HOUR
            m.spoilage += kind.value * min(1.0, kind.spoil_per_hour * effective)
        if self.road:
            self.road_len.change(-1)
            self._enter_yard(self.road.popleft())
        self._call()

    def _account(self, truck: Truck, total: float) -> None:
        if total > self.bound:
            self.metrics.past_bound += 1
        effective = (total - truck.booked_wait + self.factor * truck.booked_wait) / HOUR
        self.metrics.spoilage += truck.kind.value * min(1.0, truck.kind.spoil_per_hour * effective)

    def _unfinished(self, truck: Truck) -> None:
        if truck.counted:
            self._account(truck, self.horizon - truck.arrived)

    def finish(self) -> None:
        """At the end of the run: trucks still on their way count toward spoilage and the wait bound."""
        pending: list[Truck] = list(self.road)
        pending += [e[2] for e in self.heap]
        pending += list(self.queue)
        pending += list(self.standby_list)
        pending += [t for trucks in self.early.values() for t in trucks]
        # trucks inside the desks are not tracked one by one; their waits so far are short next to the queues
        for t in pending:
            self._unfinished(t)
        # every truck ready after the warm-up that has not crossed, wherever it is (at its origin with a slot
        # after the end, on the waiting list, in the desks): the time it has waited so far, for the fair figures
        ready = np.asarray(self.ready, dtype=np.float64)
        kind_of = np.asarray(self.kind_of, dtype=np.int64)
        flags = np.frombuffer(bytes(self.crossed), dtype=np.uint8)
        left = (ready >= self.warmup) & (flags == 0)
        urgency = np.asarray([k.urgency for k in self.kinds], dtype=np.int64)
        self.metrics.unfinished += zip(
            (self.horizon - ready[left]).tolist(), urgency[kind_of[left]].tolist(), strict=True
        )


def epoch_of(scenario: Scenario) -> datetime:
    """Local midnight in Vietnam (UTC+7) on the start day, as UTC."""
    return datetime.combine(scenario.start, time(0, 0), tzinfo=UTC) - VN_TZ_OFFSET


def _summarise(out: dict[str, Any], mean_key: str, p95_key: str, waits: np.ndarray) -> None:
    """The mean and the 95th percentile (the order statistic itself) of ``waits`` in seconds, as hours."""
    n = len(waits)
    out[mean_key] = (math.fsum(waits.tolist()) / n / HOUR) if n else math.nan
    if n:  # a partition finds it without sorting half a million waits
        k = min(n - 1, math.ceil(0.95 * n) - 1)
        out[p95_key] = float(np.partition(waits, k)[k]) / HOUR
    else:
        out[p95_key] = math.nan


def simulate(scenario: Scenario, policy: Policy, replication: int) -> dict[str, Any]:
    """Run one replication of ``scenario`` under ``policy``; the figures of :mod:`cuakhau.simulation.runner`."""
    engine = Engine()
    clock = SimClock(engine, epoch_of(scenario))
    warmup = scenario.warmup_days * DAY
    horizon = scenario.days * DAY
    metrics = Metrics()
    queue_len, road_len, yard = TimeAverage(engine, warmup), TimeAverage(engine, warmup), TimeAverage(engine, warmup)
    models = [
        GateModel(
            engine,
            clock,
            scenario,
            spec,
            policy,
            streams(scenario.seed, replication, g),
            metrics,
            queue_len,
            road_len,
            yard,
        )
        for g, spec in enumerate(scenario.gates)
    ]
    # A replication makes millions of short-lived objects without reference cycles (refcounting frees them);
    # the cyclic collector would only rescan the live heap again and again (about 15% of the run).
    collecting = gc.isenabled()
    gc.disable()
    try:
        engine.run(horizon)
    finally:
        if collecting:
            gc.enable()
    for model in models:
        model.finish()
    days = (horizon - warmup) / DAY
    out: dict[str, Any] = {}
    by_stage = np.array(metrics.waits, dtype=np.float64).reshape(-1, len(STAGES))
    classes = np.array(metrics.classes, dtype=np.int64)
    for stage, name in enumerate(STAGES):
        waits = by_stage[:, stage]
        _summarise(out, f"wait_mean_h.{name}", f"wait_p95_h.{name}", waits)
        if name != "total":  # the share of trucks that waited at the stage: P(wait) of queueing theory
            out[f"p_wait.{name}"] = float(np.count_nonzero(waits > 0)) / len(waits) if len(waits) else math.nan
        for k, cls in enumerate(CLASSES):  # every class, NaN when none of it crossed (left out of the intervals)
            mine = waits[classes == k]
            n = len(mine)
            out[f"wait_mean_h.{name}.{cls}"] = float(mine.mean()) / HOUR if n else math.nan
            if name != "total":
                out[f"p_wait.{name}.{cls}"] = float(np.count_nonzero(mine > 0)) / n if n else math.nan
    # Every truck that became ready after the warm-up, crossed or not: a truck not crossed by the end counts the
    # time it has waited so far (waiting list and booking wait included), so no policy looks better for leaving
    # trucks out of its figure. A lower bound of the true mean when trucks are left (the share not crossed says
    # how many).
    left = np.array([t for t, _ in metrics.unfinished], dtype=np.float64)
    left_cls = np.array([c for _, c in metrics.unfinished], dtype=np.int64)
    every = np.concatenate([by_stage[:, -1], left])
    every_cls = np.concatenate([classes, left_cls])
    _summarise(out, "time_all_mean_h", "time_all_p95_h", every)
    out["time_all_trucks"] = float(len(every))
    for k, cls in enumerate(CLASSES):
        mine = every[every_cls == k]
        out[f"time_all_mean_h.{cls}"] = float(mine.mean()) / HOUR if len(mine) else math.nan
    out["queue_length"] = queue_len.mean(horizon)
    out["road_queue"] = road_len.mean(horizon)
    out["yard_occupancy"] = yard.mean(horizon)
    out["yard_peak"] = float(yard.peak)
    out["throughput_per_day"] = metrics.crossed_in_window / days
    out["arrivals_per_day"] = metrics.arrived / days
    out["spoilage_usd_per_day"] = metrics.spoilage / days
    unfinished = metrics.arrived - metrics.crossed
    out["past_wait_bound_per_day"] = metrics.past_bound / days
    out["past_wait_bound_share"] = metrics.past_bound / metrics.arrived if metrics.arrived else math.nan
    out["not_crossed_share"] = unfinished / metrics.arrived if metrics.arrived else math.nan
    declared = sum(metrics.channels.values())
    for c in Channel:
        out[f"channel_share.{c.value}"] = metrics.channels[c] / declared if declared else math.nan
    out["trucks"] = float(len(by_stage))
    out["no_show_per_day"] = metrics.no_shows / days
    # the share of the window's crossings that came from the standby list (the throughput's trucks)
    out["standby_share"] = metrics.from_standby / metrics.crossed_in_window if metrics.crossed_in_window else math.nan
    return out
