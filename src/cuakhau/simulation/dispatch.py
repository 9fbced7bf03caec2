"""Booking and the standby list inside a gate flow: the production planner's slots, each booked truck's way to
the gate within its dispatch window, the places held for it, and the waiting-list trucks that stand by.

Each local day the production planner (:mod:`cuakhau.domain.allocation`) places the trucks ready that day and
those left over in hourly slots. A booked truck waits at its origin and reaches the gate
:func:`~cuakhau.domain.standby.arrival_lead` before its slot (the product's dispatch window), passes the desks and
waits in the yard until its slot starts; some never come (``no_show_share``) and some come late
(``late_share``). A slot's places are held for its trucks until the grace after it starts
(:class:`~cuakhau.domain.standby.StandbyRule`); places no booked truck holds go to the standby list, trucks from
the waiting list asked to come near the gate (:mod:`cuakhau.domain.standby`).

:class:`Dispatch` is the base of :class:`cuakhau.simulation.gatemodel.GateModel`, which supplies the gate.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from cuakhau.domain.allocation import (
    AllocationPolicy,
    GroupedProblem,
    OptimalPlanner,
    Problem,
    Request,
    RequestGroup,
)
from cuakhau.domain.standby import StandbyList, StandbyRule, arrival_lead
from cuakhau.simulation.engine import Engine
from cuakhau.simulation.inputs import DAY, HOUR, CargoKind, Metrics, Truck, _Static, sampler
from cuakhau.simulation.scenario import Policy, Scenario


class Dispatch:
    """The booking side of one gate flow (the gate's own attributes are set by the subclass)."""

    # the gate flow's
    engine: Engine
    scenario: Scenario
    policy: Policy
    metrics: Metrics
    ready: list[float]
    kind_of: list[int]
    kinds: list[CargoKind]
    warmup: float
    crossed: bytearray

    def _init_dispatch(self, static: _Static, policy: Policy) -> None:
        """What every flow keeps for booking and the standby list (empty without booking)."""
        self.standby_list: StandbyList[float, Truck] = StandbyList(math.inf)
        self.unplaced: deque[int] = deque()  # waiting-list trucks (no slot) ready at their origin, in order
        self.state = bytearray(len(self.ready))  # booking: 1 placed by a plan, 2 came to stand by without a slot
        self.held = 0  # trucks asked to stand by and not yet called to a lane
        self.standby_size = 0
        # per slot (hour from the start) the places still held for booked trucks not yet waiting for a lane;
        # slots up to ``released`` hold none (their grace is over); cleared trucks waiting for their slot
        self.holds: dict[int, int] = {}
        self.released = -1
        self.early: dict[int, list[Truck]] = {}
        self.slot_capacity = static.capacity
        self.lead = arrival_lead().total_seconds()
        self.grace = StandbyRule().grace.total_seconds()

    def _init_booking(
        self, planner: AllocationPolicy, static: _Static, policy: Policy, rng: dict[str, random.Random]
    ) -> None:
        self.planner = planner
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
        self.late_time: Callable[[Any], float] = sampler(policy.late_minutes, rng["punctuality"])

    # the gate's, in the subclass
    def _at_gate(self, truck: Truck) -> None:
        raise NotImplementedError

    def _enqueue(self, truck: Truck, since: float) -> None:
        raise NotImplementedError

    def _call(self) -> None:
        raise NotImplementedError

    def _unfinished(self, truck: Truck) -> None:
        raise NotImplementedError

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
