"""One replication of a scenario under one policy: trucks through the yard, the desks and the lanes.

A truck is *ready* (loaded, wanting to cross) at a time drawn from the scenario's arrivals by hour, weekday and
season. With a booking policy it first gets an hourly slot from the production planner
(:mod:`cuakhau.domain.allocation`, planned each local day over the slot capacities of
:func:`cuakhau.domain.capacity.slot_capacities`) and waits at its origin until its dispatch window, then waits
in the yard for its slot (:mod:`cuakhau.simulation.dispatch`, with the standby list); without one it drives to
the gate at once. At the gate it waits on the road while the yard is full, then passes the document desk;
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
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from cuakhau.domain.allocation import AllocationPolicy, FirstComeFirstServed, OptimalPlanner, PriorityGreedy
from cuakhau.domain.callforward import CallQueue
from cuakhau.domain.capacity import FREIGHT_LANES
from cuakhau.domain.customs import Channel, ChannelSelector
from cuakhau.domain.gate import Direction, Lane
from cuakhau.domain.perishability import Perishability
from cuakhau.domain.standby import standby_room
from cuakhau.simulation.dispatch import Dispatch
from cuakhau.simulation.engine import Engine, InfiniteServer, Job, SimClock, Station, TimeAverage, schedule_hours
from cuakhau.simulation.inputs import (
    DAY,
    HOUR,
    CargoKind,
    Metrics,
    Truck,
    _intersect,
    _static,
    arrivals,
    build_gates,
    cargo_kinds,
    customs_profile,
    sampler,
    streams,
)
from cuakhau.simulation.scenario import Booking, CallForward, Distribution, GateSpec, Policy, Scenario

# what tests, benchmarks and callers import from here
__all__ = [
    "CLASSES",
    "DAY",
    "HOUR",
    "PLANNERS",
    "STAGES",
    "CargoKind",
    "GateModel",
    "Metrics",
    "Truck",
    "_intersect",
    "build_gates",
    "cargo_kinds",
    "customs_profile",
    "epoch_of",
    "sampler",
    "simulate",
    "streams",
]

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


class GateModel(Dispatch):
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
        self.booking = policy.booking is not Booking.NONE
        self._init_dispatch(static, policy)
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
            self._init_booking(PLANNERS[policy.booking](), static, policy, rng)

    def _seconds(self, intervals: list[tuple[datetime, datetime]]) -> list[tuple[float, float]]:
        epoch = self.clock.epoch
        return [((a - epoch).total_seconds(), (b - epoch).total_seconds()) for a, b in intervals]

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
