"""What a gate flow is built from: the scenario's gates as the production domain sees them, the cargo kinds
scored by the production risk assessment, the trucks' ready times, seeded streams and samplers, the slot
capacities the planner books, and the trucks themselves with what a replication measures.

Built once per process where they do not change between replications (:func:`_static`); the flow itself is
:mod:`cuakhau.simulation.gatemodel` (the gate) and :mod:`cuakhau.simulation.dispatch` (booking, standby).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from cuakhau.domain.capacity import FREIGHT_LANES, slot_capacities
from cuakhau.domain.customs import (
    CalibrationRules,
    Channel,
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
from cuakhau.reference.gates import reference_gates
from cuakhau.simulation.engine import Job
from cuakhau.simulation.scenario import Booking, Distribution, GateSpec, Hours, Policy, Scenario

HOUR = 3600.0
DAY = 86400.0


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
