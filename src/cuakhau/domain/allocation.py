"""Slot allocation — phân bổ khung giờ / 时段分配 — under published, auditable policies.

In a harvest peak about a thousand fruit trucks a day ask for a gate that can take about three hundred, so
every truck is booked into an hourly slot before it leaves the orchard. The published rule:

1. **Place as many trucks as capacity allows.** When not all fit, the trucks placed are the set with the
   largest total perishability weight; that set is also one of the largest possible (the sets of trucks that
   can be placed together form a matroid, so the heaviest is a largest one).
2. **Keep every truck within the published waiting limit** (``max_wait`` slots past its earliest slot) as far
   as capacity allows: fewest trucks past the limit.
3. **Then keep spoilage lowest.** Each slot a truck waits past its earliest slot costs its perishability
   weight (published in each class's profile, :mod:`cuakhau.domain.perishability`: live animals weigh most,
   dry goods least). The plan minimises the sum of weight × wait over the trucks placed.

Every truck stays inside its window (earliest to latest slot, per gate and direction it may use), and no slot
takes more trucks than its capacity, nor more plant-quarantine inspections than its inspection places.
The optimal planner solves this exactly as a min-cost flow; first come, first served is the baseline, and a
greedy ("last chance first, then the most perishable") is the simple alternative. Every assignment carries
the policy's name, a stable reason code and the figures that explain it:

==========================  ================================================================================
reason                      meaning (always true of the plan it belongs to)
==========================  ================================================================================
``earliest_free_slot``      FCFS: when its turn came, this was its earliest slot with room
``earliest_possible``       placed in the first slot of its window
``after_more_perishable``   waited: every slot before was full, ``ahead_heavier`` of them by heavier trucks
``earlier_slots_full``      waited: every slot before was full, none of them by a heavier truck
``fairness_bound``          waited exactly the published limit: every slot before was full
``past_fairness_bound``     waited past the limit: every slot before was full (optimal: in every window too)
``no_capacity_in_window``   not placed: every slot of every window was full (waiting list)
``outside_horizon``         not placed: no slot of its windows lies in the planning horizon
==========================  ================================================================================

"Full" means for that truck: no truck place left, or no inspection place left when it needs inspection.
The ``params`` of a placed truck are ``earliest``, ``wait``, ``weight`` and ``max_wait`` (when there is a
limit); of one that waited also ``ahead`` (trucks placed in its slots before), ``ahead_heavier`` and
``ahead_weight`` (the heaviest weight among those, 0 when none was heavier); of one not placed ``weight``,
``slots`` (how many slots its windows hold in the horizon) and ``max_wait``.

Windows are clipped to the horizon (the slots a resource's capacity lists); a wait counts from the first slot
of the clipped window. A window naming a resource without capacity, a window ending before it starts, a weight
below 1 and duplicate request ids are refused with :class:`~cuakhau.domain.errors.InvalidInput`.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ortools.graph.python import min_cost_flow

from cuakhau.domain.errors import InvalidInput

#: Stable reason codes (see the module docstring).
EARLIEST_FREE_SLOT = "earliest_free_slot"
EARLIEST_POSSIBLE = "earliest_possible"
AFTER_MORE_PERISHABLE = "after_more_perishable"
EARLIER_SLOTS_FULL = "earlier_slots_full"
FAIRNESS_BOUND = "fairness_bound"
PAST_FAIRNESS_BOUND = "past_fairness_bound"
NO_CAPACITY_IN_WINDOW = "no_capacity_in_window"
OUTSIDE_HORIZON = "outside_horizon"


@dataclass(frozen=True, slots=True)
class Request:
    """A truck asking for a slot.

    ``windows`` maps each resource it may use (a gate and direction, ``"vn-huu-nghi/export"``) to its earliest
    and latest slot index there, inclusive. ``weight`` is its spoilage weight per slot waited; ``order`` its
    place in the order requests came (smaller is earlier).
    """

    id: str
    windows: Mapping[str, tuple[int, int]]
    weight: int
    order: int
    needs_inspection: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Trucks per slot for each resource, optional inspection places per slot, the requests, the limit."""

    capacity: Mapping[str, Sequence[int]]
    inspection_capacity: Mapping[str, Sequence[int]] | None = None  # None: inspection is not a constraint
    requests: Sequence[Request] = ()
    max_wait: int | None = None  # the published waiting limit, in slots past a request's earliest slot


@dataclass(frozen=True, slots=True)
class Assignment:
    request_id: str
    resource: str | None  # None: not placed (waiting list)
    slot: int | None
    wait: int | None  # slot - first slot of the (clipped) window at that resource
    rule: str  # the policy's name
    reason: str  # a stable reason code
    params: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    policy: str
    assignments: Sequence[Assignment]  # in the order of ``problem.requests``
    cost: int  # spoilage: sum of weight x wait over the placed requests
    unassigned: int
    fairness_violations: int  # placed requests waiting longer than ``max_wait``


@dataclass(frozen=True, slots=True)
class RequestGroup:
    """``count`` identical requests — the same windows, weight and inspection need — asked for at once.

    A caller with many trucks that differ only in their order (the simulator: a day's trucks by earliest slot
    and weight) plans them as groups; the optimal planner's flow treats identical requests as one supply node
    anyway, so a group costs what one request does.
    """

    windows: Mapping[str, tuple[int, int]]
    weight: int
    count: int
    needs_inspection: bool = False


@dataclass(frozen=True, slots=True)
class GroupedProblem:
    """:class:`Problem` with :class:`RequestGroup` s instead of single requests."""

    capacity: Mapping[str, Sequence[int]]
    inspection_capacity: Mapping[str, Sequence[int]] | None = None
    groups: Sequence[RequestGroup] = ()
    max_wait: int | None = None


#: Trucks of a group placed in one slot: (slot, resource, trucks).
Placed = tuple[int, str, int]


@dataclass(frozen=True, slots=True)
class GroupedPlan:
    """Where each group's trucks go: per group (in the order of ``problem.groups``) its slots, earliest first
    (then by resource), with how many of its trucks each takes; the rest of the group is not placed. Among
    identical requests the one that came first takes the earliest of these places (as :meth:`OptimalPlanner.plan`
    does). ``cost``, ``unassigned`` and ``fairness_violations`` as in :class:`Plan`."""

    policy: str
    placements: Sequence[Sequence[Placed]]
    cost: int
    unassigned: int
    fairness_violations: int


class AllocationPolicy(Protocol):
    name: str

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan: ...


# ----------------------------------------------------------------------------------------------- preparation

Window = tuple[str, int, int]  # (resource, first slot, last slot), clipped to the horizon


def _check_capacity(
    capacity: Mapping[str, Sequence[int]], inspection_capacity: Mapping[str, Sequence[int]] | None
) -> dict[str, int]:
    """Check the capacities; the last slot of each resource."""
    for key, caps in capacity.items():
        if not all(type(c) is int and c >= 0 for c in caps):
            raise InvalidInput("allocation.capacity", field="capacity", resource=key)
    if inspection_capacity is not None:
        insp = inspection_capacity
        if set(insp) != set(capacity):
            raise InvalidInput("allocation.capacity", field="inspection_capacity", resource=", ".join(sorted(insp)))
        for key, caps in insp.items():
            if len(caps) != len(capacity[key]) or not all(type(c) is int and c >= 0 for c in caps):
                raise InvalidInput("allocation.capacity", field="inspection_capacity", resource=key)
    return {k: len(c) - 1 for k, c in capacity.items()}


def _clip(windows: Mapping[str, tuple[int, int]], last_slot: Mapping[str, int], field: str) -> tuple[Window, ...]:
    """Check one windows mapping; its windows clipped to the horizon (empty ones dropped), by resource."""
    out: list[Window] = []
    for key in sorted(windows) if len(windows) > 1 else windows:
        lo, hi = windows[key]
        last = last_slot.get(key)
        if last is None:
            raise InvalidInput("allocation.unknown_resource", field=f"{field}.windows", resource=key)
        if hi < lo:
            raise InvalidInput("time.end_before_start", field=f"{field}.windows.{key}")
        lo, hi = (lo if lo > 0 else 0), (hi if hi < last else last)
        if lo <= hi:
            out.append((key, lo, hi))
    return tuple(out)


def _prepare(problem: Problem) -> list[tuple[Window, ...]]:
    """Check the problem; each request's windows clipped to the horizon (empty ones dropped), by resource."""
    last_slot = _check_capacity(problem.capacity, problem.inspection_capacity)
    seen: set[str] = set()
    out: list[tuple[Window, ...]] = []
    clipped: dict[int, tuple[Window, ...]] = {}  # by the identity of a windows mapping (alive all call long)
    for i, r in enumerate(problem.requests):
        if r.id in seen:
            raise InvalidInput("allocation.duplicate_request", field=f"requests[{i}].id", id=r.id)
        seen.add(r.id)
        if type(r.weight) is not int or r.weight < 1:  # (bool is not int here)
            raise InvalidInput("number.not_positive", field=f"requests[{i}].weight", value=r.weight)
        done = clipped.get(id(r.windows))
        if done is not None:  # the same mapping object as an earlier request's: already checked and clipped
            out.append(done)
            continue
        out.append(clipped.setdefault(id(r.windows), _clip(r.windows, last_slot, f"requests[{i}]")))
    return out


def _prepare_groups(problem: GroupedProblem) -> list[tuple[Window, ...]]:
    """Check a grouped problem; each group's windows clipped to the horizon, as :func:`_prepare` does."""
    last_slot = _check_capacity(problem.capacity, problem.inspection_capacity)
    out: list[tuple[Window, ...]] = []
    for i, g in enumerate(problem.groups):
        if type(g.weight) is not int or g.weight < 1:
            raise InvalidInput("number.not_positive", field=f"groups[{i}].weight", value=g.weight)
        if type(g.count) is not int or g.count < 1:
            raise InvalidInput("number.not_positive", field=f"groups[{i}].count", value=g.count)
        out.append(_clip(g.windows, last_slot, f"groups[{i}]"))
    return out


class _Room:
    """Places left per slot: trucks, and inspection places (``None`` when inspection is not a constraint)."""

    def __init__(self, problem: Problem) -> None:
        self.trucks = {k: list(v) for k, v in problem.capacity.items()}
        insp = problem.inspection_capacity
        self.inspection = {k: list(v) for k, v in insp.items()} if insp is not None else None

    def fits(self, key: str, slot: int, inspection: bool) -> bool:
        if self.trucks[key][slot] <= 0:
            return False
        return not (inspection and self.inspection is not None and self.inspection[key][slot] <= 0)

    def take(self, key: str, slot: int, inspection: bool) -> None:
        self.trucks[key][slot] -= 1
        if inspection and self.inspection is not None:
            self.inspection[key][slot] -= 1


class _NextFree:
    """The next slot at or after ``s`` still open, with slots closed for good (union-find, path halving)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size + 1))  # ``size`` is the sentinel "none left"

    def find(self, s: int) -> int:
        parent = self.parent
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def close(self, s: int) -> None:
        self.parent[s] = s + 1


# ----------------------------------------------------------------------------------------------- explanation

Placement = tuple[str, int]  # (resource, slot)


def _explain(
    policy: str,
    problem: Problem,
    windows: list[tuple[Window, ...]],
    placed: Sequence[Placement | None],
    explain: bool = True,
) -> Plan:
    """The plan with each assignment's reason, derived from the placements themselves (so it is true of them).

    Without ``explain`` (a simulation planning millions of trucks) the same placements, waits, cost and counts,
    with an empty reason and no params.
    """
    requests = problem.requests
    if not explain:
        return _unexplained(policy, problem, windows, placed)
    max_wait = problem.max_wait
    weights = sorted({r.weight for r in requests})
    wpos = {w: j for j, w in enumerate(weights)}
    # per resource and weight: prefix[k][j][s] = trucks of weights[j] placed at k in slots before s
    counts = {k: [[0] * (len(c) + 1) for _ in weights] for k, c in problem.capacity.items()}
    for r, p in zip(requests, placed, strict=True):
        if p is not None:
            counts[p[0]][wpos[r.weight]][p[1] + 1] += 1
    for rows in counts.values():
        for row in rows:
            for s in range(1, len(row)):
                row[s] += row[s - 1]
    out: list[Assignment] = []
    cost = violations = 0
    fcfs = policy == FCFS
    ahead_memo: dict[tuple[str, int, int, int], tuple[int, int, int]] = {}
    for r, wins, p in zip(requests, windows, placed, strict=True):
        if p is None:
            reason = NO_CAPACITY_IN_WINDOW if wins else OUTSIDE_HORIZON
            params: dict[str, int | str] = {"weight": r.weight, "slots": sum(hi - lo + 1 for _, lo, hi in wins)}
            if max_wait is not None:
                params["max_wait"] = max_wait
            out.append(Assignment(r.id, None, None, None, policy, reason, params))
            continue
        key, slot = p
        lo = wins[0][1] if len(wins) == 1 else next(w[1] for w in wins if w[0] == key)
        wait = slot - lo
        cost += r.weight * wait
        late = max_wait is not None and wait > max_wait
        violations += late
        params = {"earliest": lo, "wait": wait, "weight": r.weight}
        if max_wait is not None:
            params["max_wait"] = max_wait
        heavier = 0
        if wait > 0:
            memo_key = (key, lo, slot, r.weight)
            found = ahead_memo.get(memo_key)
            if found is None:
                rows = counts[key]
                ahead = heaviest = 0
                for j in range(len(weights) - 1, -1, -1):
                    n = rows[j][slot] - rows[j][lo]
                    ahead += n
                    if n and weights[j] > r.weight:
                        heavier += n
                        heaviest = heaviest or weights[j]
                found = ahead_memo[memo_key] = (ahead, heavier, heaviest)
            params["ahead"], params["ahead_heavier"], params["ahead_weight"] = found
            heavier = found[1]
        if fcfs:
            reason = EARLIEST_FREE_SLOT
        elif wait == 0:
            reason = EARLIEST_POSSIBLE
        elif late:
            reason = PAST_FAIRNESS_BOUND
        elif wait == max_wait:
            reason = FAIRNESS_BOUND
        elif heavier:
            reason = AFTER_MORE_PERISHABLE
        else:
            reason = EARLIER_SLOTS_FULL
        out.append(Assignment(r.id, key, slot, wait, policy, reason, params))
    return Plan(policy, out, cost, sum(p is None for p in placed), violations)


def _unexplained(
    policy: str, problem: Problem, windows: list[tuple[Window, ...]], placed: Sequence[Placement | None]
) -> Plan:
    max_wait = problem.max_wait
    out: list[Assignment] = []
    cost = violations = unassigned = 0
    no_params: Mapping[str, int | str] = {}
    for r, wins, p in zip(problem.requests, windows, placed, strict=True):
        if p is None:
            unassigned += 1
            out.append(Assignment(r.id, None, None, None, policy, "", no_params))
            continue
        key, slot = p
        wait = slot - (wins[0][1] if len(wins) == 1 else next(w[1] for w in wins if w[0] == key))
        cost += r.weight * wait
        violations += max_wait is not None and wait > max_wait
        out.append(Assignment(r.id, key, slot, wait, policy, "", no_params))
    return Plan(policy, out, cost, unassigned, violations)


# ----------------------------------------------------------------------------------------------- policies


# A constant, not ``FirstComeFirstServed.name``: compiled (mypyc), a class does not expose its instances' attributes.
FCFS = "fcfs"


class FirstComeFirstServed:
    """In the order requests came, each takes its earliest slot with room (earliest slot first, then resource)."""

    name = FCFS

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        windows = _prepare(problem)
        room = _Room(problem)
        # next slot with a truck place, and next with a truck *and* an inspection place, per resource
        free = {k: _NextFree(len(c)) for k, c in problem.capacity.items()}
        free_insp = {k: _NextFree(len(c)) for k, c in problem.capacity.items()}
        for k, caps in problem.capacity.items():
            for s, c in enumerate(caps):
                if c <= 0:
                    free[k].close(s)
                if c <= 0 or (room.inspection is not None and room.inspection[k][s] <= 0):
                    free_insp[k].close(s)
        placed: list[Placement | None] = [None] * len(problem.requests)
        for i in sorted(range(len(problem.requests)), key=lambda i: problem.requests[i].order):
            insp = problem.requests[i].needs_inspection
            best: tuple[int, str] | None = None
            for key, lo, hi in windows[i]:
                s = (free_insp if insp else free)[key].find(lo)
                if s <= hi and (best is None or s < best[0]):
                    best = (s, key)
            if best is None:
                continue
            s, key = best
            room.take(key, s, insp)
            placed[i] = (key, s)
            if room.trucks[key][s] <= 0:
                free[key].close(s)
                free_insp[key].close(s)
            elif room.inspection is not None and room.inspection[key][s] <= 0:
                free_insp[key].close(s)
        return _explain(self.name, problem, windows, placed, explain)


class PriorityGreedy:
    """Slot by slot in time order: last-chance trucks first, then the most perishable, then first come.

    A truck's last chance is the last slot within the published waiting limit and, again, the last slot of
    its windows. Simple and fast, but not optimal: it cannot see that a truck served now would have fitted
    later.
    """

    name = "priority"

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        windows = _prepare(problem)
        requests = problem.requests
        room = _Room(problem)
        horizon = max((len(c) for c in problem.capacity.values()), default=0)
        starts: dict[str, list[list[int]]] = {k: [[] for _ in c] for k, c in problem.capacity.items()}
        deadlines: list[tuple[int, ...]] = []
        limit = problem.max_wait
        for i, wins in enumerate(windows):
            last = within = -1
            for key, lo, hi in wins:
                starts[key][lo].append(i)
                last = max(last, hi)
                within = max(within, hi if limit is None else min(hi, lo + limit))
            deadlines.append((within, last) if within != last else (last,))
        latest = [{key: hi for key, _, hi in wins} for wins in windows]
        placed: list[Placement | None] = [None] * len(requests)
        # per resource: last-chance heap (deadline, -weight, order, i), weight heaps without / with inspection
        urgent: dict[str, list[tuple[int, int, int, int]]] = {k: [] for k in problem.capacity}
        plain: dict[str, list[tuple[int, int, int]]] = {k: [] for k in problem.capacity}
        inspected: dict[str, list[tuple[int, int, int]]] = {k: [] for k in problem.capacity}

        def top(heap: list[tuple[int, int, int]], key: str, s: int) -> tuple[int, int, int] | None:
            while heap and (placed[heap[0][2]] is not None or latest[heap[0][2]][key] < s):
                heapq.heappop(heap)
            return heap[0] if heap else None

        for s in range(horizon):
            for key in sorted(problem.capacity):
                if s >= len(problem.capacity[key]):
                    continue
                for i in starts[key][s]:
                    r = requests[i]
                    for d in deadlines[i]:
                        heapq.heappush(urgent[key], (d, -r.weight, r.order, i))
                    heapq.heappush(inspected[key] if r.needs_inspection else plain[key], (-r.weight, r.order, i))
                heap = urgent[key]
                while heap and heap[0][0] <= s and room.trucks[key][s] > 0:
                    d, _, _, i = heapq.heappop(heap)
                    inspection = requests[i].needs_inspection
                    if d == s and placed[i] is None and latest[i][key] >= s and room.fits(key, s, inspection):
                        room.take(key, s, inspection)
                        placed[i] = (key, s)
                while room.trucks[key][s] > 0:
                    a = top(plain[key], key, s)
                    b = top(inspected[key], key, s) if room.fits(key, s, True) else None
                    if a is None and b is None:
                        break
                    best = plain[key] if b is None or (a is not None and a < b) else inspected[key]
                    _, _, i = heapq.heappop(best)
                    room.take(key, s, requests[i].needs_inspection)
                    placed[i] = (key, s)
        return _explain(self.name, problem, windows, placed, explain)


class OptimalPlanner:
    """The published rule solved exactly: most weight placed, then fewest past the limit, then least spoilage.

    A min-cost flow: identical requests (same clipped windows, weight and inspection need) form one supply
    node; each has an arc to every (resource, slot) of its windows — through the slot's inspection node when
    it needs inspection — and an arc straight to the sink for "not placed". Lexicographic priorities become
    integer costs (:func:`objective_weights`). Within a group, the request that came first gets the earlier
    slot. When every window runs to the end of the horizon, a greedy plan (slot after slot, heaviest first) is
    tried first and taken without the flow when it provably reaches the same optimum (:func:`_greedy`).
    :meth:`plan_grouped` takes the groups directly (no object per request); :meth:`plan` groups its requests
    and solves the same flow.
    """

    name = "optimal"

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        windows = _prepare(problem)
        requests = problem.requests
        if not requests:
            return _explain(self.name, problem, windows, [], explain)
        groups: dict[tuple[tuple[Window, ...], int, bool], list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault((windows[i], r.weight, r.needs_inspection), []).append(i)
        placements = _solve(
            problem.capacity,
            problem.inspection_capacity,
            problem.max_wait,
            [(wins, weight, inspection, len(m)) for (wins, weight, inspection), m in groups.items()],
        )
        placed: list[Placement | None] = [None] * len(requests)
        orders = [r.order for r in requests]
        for spots, members in zip(placements, groups.values(), strict=True):
            ranked = iter(sorted(members, key=orders.__getitem__))
            for s, key, n in spots:
                for _ in range(n):
                    placed[next(ranked)] = (key, s)
        return _explain(self.name, problem, windows, placed, explain)

    def plan_grouped(self, problem: GroupedProblem) -> GroupedPlan:
        """The plan of the requests the groups stand for: the same flow as :meth:`plan`, the same objective."""
        windows = _prepare_groups(problem)
        groups = problem.groups
        placements = _solve(
            problem.capacity,
            problem.inspection_capacity,
            problem.max_wait,
            [(w, g.weight, g.needs_inspection, g.count) for w, g in zip(windows, groups, strict=True)],
        )
        max_wait = problem.max_wait
        cost = violations = unassigned = 0
        for wins, g, spots in zip(windows, groups, placements, strict=True):
            placed = 0
            for s, key, n in spots:
                wait = s - (wins[0][1] if len(wins) == 1 else next(w[1] for w in wins if w[0] == key))
                cost += g.weight * wait * n
                if max_wait is not None and wait > max_wait:
                    violations += n
                placed += n
            unassigned += g.count - placed
        return GroupedPlan(self.name, placements, cost, unassigned, violations)


def _solve(
    capacity: Mapping[str, Sequence[int]],
    inspection_capacity: Mapping[str, Sequence[int]] | None,
    max_wait: int | None,
    group_list: Sequence[tuple[tuple[Window, ...], int, bool, int]],
) -> list[list[Placed]]:
    """The optimal planner's min-cost flow over groups (clipped windows, weight, needs inspection, count);
    per group its places (slot, resource, trucks) sorted by slot, then resource."""
    if not group_list:
        return []
    fast = _greedy(capacity, inspection_capacity, max_wait, group_list)
    if fast is not None:
        return fast
    insp = inspection_capacity
    needs_insp = insp is not None and any(inspection for _, _, inspection, _ in group_list)
    late_penalty, unplaced_penalty = _objective_weights(capacity, needs_insp, group_list)
    sink = 0
    node = 1
    slot_node: dict[str, list[int]] = {}
    insp_node: dict[str, list[int]] = {}
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    for key in sorted(capacity):  # per slot an arc to the sink, and from its inspection node to it
        m = len(capacity[key])
        slots = slot_node[key] = list(range(node, node + m))
        node += m
        tails += slots
        heads += [sink] * m
        caps += capacity[key]
        costs += [0] * m
        if needs_insp and insp is not None:
            inspections = insp_node[key] = list(range(node, node + m))
            node += m
            tails += inspections
            heads += slots
            caps += insp[key]
            costs += [0] * m
    first_choice = len(tails)
    supplies: list[int] = []
    open_slots = _open_slots(capacity)
    # per window (resource, first, last slot, through inspection): its slots, their nodes and the waits there,
    # shared by the groups of different weights that have it
    shared: dict[tuple[str, int, int, bool], tuple[list[int], list[int], list[int]]] = {}
    starts: list[int] = []  # per window of every group, in arc order: its first choice arc
    windows: list[tuple[int, str, list[int]]] = []  # ... and its group, resource and slots
    total = 0
    for g, (wins, weight, inspection, n) in enumerate(group_list):
        gnode = node + g
        supplies.append(n)
        total += n
        via = inspection and needs_insp
        for key, lo, hi in wins:
            found = shared.get((key, lo, hi, via))
            if found is None:
                targets = insp_node[key] if via else slot_node[key]
                opens = open_slots[key]
                slots = opens[bisect.bisect_left(opens, lo) : bisect.bisect_right(opens, hi)]
                found = shared[(key, lo, hi, via)] = (slots, [targets[s] for s in slots], [s - lo for s in slots])
            slots, nodes, waits = found
            if not slots:
                continue
            k = len(slots)
            starts.append(len(tails) - first_choice)
            windows.append((g, key, slots))
            tails += [gnode] * k
            heads += nodes
            caps += [n] * k
            if max_wait is None:
                costs += [weight * d for d in waits]
            else:
                costs += [weight * d + (late_penalty if d > max_wait else 0) for d in waits]
    choices = len(tails) - first_choice
    for g, (_, weight, _, n) in enumerate(group_list):  # "not placed", last
        tails.append(node + g)
        heads.append(sink)
        caps.append(n)
        costs.append(unplaced_penalty * weight)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies([sink, *range(node, node + len(group_list))], [-total, *supplies])
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - "not placed" arcs make every instance feasible
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(arcs[first_choice : first_choice + choices])  # an array: read only its non-zero arcs
    used = flows.nonzero()[0].tolist()
    taken: list[list[Placed]] = [[] for _ in group_list]
    for arc, f in zip(used, flows[used].tolist(), strict=True):
        w = bisect.bisect_right(starts, arc) - 1
        g, key, slots = windows[w]
        taken[g].append((slots[arc - starts[w]], key, f))
    for spots in taken:
        if len(spots) > 1:
            spots.sort()
    return taken


def _greedy(
    capacity: Mapping[str, Sequence[int]],
    inspection_capacity: Mapping[str, Sequence[int]] | None,
    max_wait: int | None,
    group_list: Sequence[tuple[tuple[Window, ...], int, bool, int]],
) -> list[list[Placed]] | None:
    """An optimal plan of :func:`_solve`'s problem found without the flow, or ``None`` when it cannot tell.

    It applies when every group has one window and that window runs to its resource's last slot (the
    simulator's day plans: a truck may take any slot from its earliest one on). Each resource is then planned
    on its own, slot after slot: a slot takes the waiting trucks (released at or before it, not placed yet)
    heaviest first — at equal weight those needing inspection first, then the earliest released — as long as
    it has a truck place left, and, for one needing inspection, an inspection place. The plan is returned only
    when it places every truck and none past the limit (when there is one), and one of two conditions holds:

    (R) the inspection places never stopped a truck the slot would otherwise have taken ("not bound"), or
    (X) no slot ends with its truck places used up, inspection places left and a truck needing inspection
        still waiting ("no risky slot").

    *Such a plan is optimal for the published rule* (and so has the flow's least cost, the weights of
    :func:`objective_weights` making the two orders agree). It places all the weight, the most possible, and
    no truck past the limit, the fewest possible; what is left is that its spoilage is the least among plans
    placing every truck (whether or not they keep the limit — a lower bound for those that do). Spoilage is
    ``Σ weight × (slot − first slot)``, and for a plan placing every truck only the slots depend on the plan.

    Exchange argument. Take a plan O placing every truck, of least spoilage, and among those one agreeing
    with the greedy plan G (as counts of each group's trucks per slot) on the most slots from the start, then
    on the most trucks at the first slot ``s`` where they differ. At ``s`` both have the same trucks waiting.
    Let A = G(s), B = O(s). B is not A plus more: G stops only when the slot has no truck place left, or only
    trucks needing inspection wait and the inspection places are used up, so B would be over a capacity. So a
    truck j of A is not in B; O places it at some ``t > s`` (not before ``s``: O agrees with G there).

    * If B has a truck place left, and an inspection place when j needs one, moving j to ``s`` cuts spoilage
      by ``weight(j) × (t − s) > 0``: impossible, O is of least spoilage.
    * Else B has a truck k not in A (were B inside A, it would have the room A has: the first case), and we
      swap j with such a k: j to ``s``, k to ``t`` (k is released by ``s < t``, every
      window runs to the last slot, and ``t`` has room for j's place). Spoilage changes by
      ``(weight(k) − weight(j)) × (t − s)``, at most 0 when weight(k) ≤ weight(j); the plan O' then places
      every truck, has least spoilage and agrees with G on more, a contradiction. The k needed:
      - j and k of the same kind (both needing inspection or neither), when such a pair exists: both slots keep
        their inspection counts. k was left waiting at ``s``; if it needs no inspection, the truck places ran
        out at or before its turn, so j (taken) came before it in G's order; if it needs inspection, either
        that, or the inspection places ran out at its turn — then j, needing inspection too and taken, came
        before it too. Either way weight(j) ≥ weight(k).
      - j needs inspection and every such k does not: B has fewer inspections than A (its inspected trucks
        are all in A), so an inspection place is left at ``s`` and B has no truck place left (first case).
        k waited for a truck place, so j came first: weight(j) ≥ weight(k). Inspections: ``s`` gains one (no
        more than A's), ``t`` loses one.
      - j needs no inspection and every such k does: B has more inspections than A, so G did not run out of
        inspection places at ``s`` and k waited for a truck place: ``s`` ends in G with no truck place, an
        inspection place left and k waiting — a risky slot, excluded by (X).
    * Under (R) instead: G is the greedy plan of the problem without inspection places (the same choices), for
      which the exchange above needs only its first kind of swap; so no plan placing every truck spoils less
      even without inspection limits, and G keeps them.

    Where the least spoilage is reached by several plans (trucks of equal weight trading slots), this one may
    differ from the flow's; when every truck gets its first slot the plan is the only optimal one (each truck
    at its first open slot, which the flow must reach too).
    """
    last_slot = {k: len(c) - 1 for k, c in capacity.items()}
    by_key: dict[str, list[int]] = {}
    for g, (wins, _, _, _) in enumerate(group_list):
        if len(wins) != 1:
            return None
        key, _, hi = wins[0]
        if hi != last_slot[key]:
            return None
        by_key.setdefault(key, []).append(g)
    insp = inspection_capacity
    checked = insp is not None and any(inspection for _, _, inspection, _ in group_list)
    taken: list[list[Placed]] = [[] for _ in group_list]
    unlimited = 1 << 62
    for key, members in by_key.items():
        members.sort(key=lambda g: group_list[g][0][0][1])
        caps = capacity[key]
        icaps = insp[key] if checked and insp is not None else None
        last = last_slot[key]
        left = [group_list[g][3] for g in members]
        heap: list[tuple[int, bool, int, int]] = []  # (-weight, needs no inspection, first slot, member)
        bound = risky = False
        waiting_insp = 0  # trucks needing inspection released and not placed
        nxt, n = 0, len(members)
        s = 0
        while nxt < n or heap:
            if not heap:  # nobody waits: on to the next release
                first = group_list[members[nxt]][0][0][1]
                if first > s:
                    s = first
            while nxt < n:
                _, weight, inspection, count = group_list[members[nxt]]
                first = group_list[members[nxt]][0][0][1]
                if first > s:
                    break
                heapq.heappush(heap, (-weight, not inspection, first, nxt))
                if inspection:
                    waiting_insp += count
                nxt += 1
            if s > last:  # trucks left over: not every truck placed
                return None
            room = caps[s]
            ins = icaps[s] if icaps is not None else unlimited
            later: list[tuple[int, bool, int, int]] = []
            while room and heap:
                item = heapq.heappop(heap)
                _, plain, first, m = item
                if max_wait is not None and s - first > max_wait:
                    return None  # someone waits past the limit
                want = left[m] if left[m] < room else room
                if not plain:
                    if want > ins:
                        bound = True
                        want = ins
                    ins -= want
                    waiting_insp -= want
                if want:
                    taken[members[m]].append((s, key, want))
                    room -= want
                    left[m] -= want
                if left[m]:
                    later.append(item)
            if not room and ins and waiting_insp and caps[s]:
                risky = True
            if bound and risky:
                return None
            for item in later:
                heapq.heappush(heap, item)
            s += 1
    return taken


def objective_weights(problem: Problem) -> tuple[int, int]:
    """The integer costs that make the optimal planner's objective lexicographic: ``(late, unplaced)``.

    The planner minimises ``unplaced × (weight of the trucks not placed) + late × (trucks past the limit) +
    spoilage`` over its flow network. Two plans differ by units of flow around simple cycles of the network,
    and a simple cycle passes each node once: it takes at most two choice arcs (a group's arc to a slot, or to
    the slot's inspection node) at each group and at each node of the slot side, so at most ``K = 2 × min(groups,
    slot-side nodes with choice arcs)`` of them. Around one cycle, spoilage thus changes by at most ``K × S``
    (``S`` the largest spoilage one choice arc costs) and the trucks past the limit by at most ``K``. With ``late
    = K × S + 1`` and ``unplaced = K × late + K × S + 1`` per unit of weight (weights are whole numbers), a
    cycle that places more weight, or as much and fewer trucks past the limit, always costs less; so a plan of
    least cost has no such cycle and no plan is better on the published rule. (Bounds on one cycle, not on a
    whole plan, keep the costs small, and the solver's cost scaling fast.)
    """
    windows = _prepare(problem)
    groups: dict[tuple[tuple[Window, ...], int, bool], int] = {}
    for r, w in zip(problem.requests, windows, strict=True):
        key = (w, r.weight, r.needs_inspection)
        groups[key] = groups.get(key, 0) + 1
    needs_insp = problem.inspection_capacity is not None and any(r.needs_inspection for r in problem.requests)
    return _objective_weights(
        problem.capacity, needs_insp, [(w, weight, insp, n) for (w, weight, insp), n in groups.items()]
    )


def _open_slots(capacity: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    """The slots with room, per resource: a window's choice arcs go to its slots among them."""
    return {k: [s for s, c in enumerate(caps) if c > 0] for k, caps in capacity.items()}


def _objective_weights(
    capacity: Mapping[str, Sequence[int]],
    needs_insp: bool,
    group_list: Sequence[tuple[tuple[Window, ...], int, bool, int]],
) -> tuple[int, int]:
    """:func:`objective_weights` of the flow over ``group_list`` (clipped windows, weight, inspection, count)."""
    open_slots = _open_slots(capacity)
    reached: dict[str, set[int]] = {}  # per resource, the open slots some choice arc goes to
    through_insp: dict[str, set[int]] = {}  # ... and those some choice arc reaches through inspection
    largest = 0  # S: the largest spoilage of one choice arc
    for wins, weight, inspection, _ in group_list:
        for key, lo, hi in wins:
            opens = open_slots[key]
            slots = opens[bisect.bisect_left(opens, lo) : bisect.bisect_right(opens, hi)]
            if not slots:
                continue
            (through_insp if inspection and needs_insp else reached).setdefault(key, set()).update(slots)
            largest = max(largest, weight * (slots[-1] - lo))
    side = sum(len(v) for v in reached.values()) + sum(len(v) for v in through_insp.values())
    arcs = 2 * min(len(group_list), side)  # K: choice arcs on one simple cycle, at most
    late = arcs * largest + 1
    return late, arcs * late + arcs * largest + 1


# ----------------------------------------------------------------------------------------------- checks


def spoilage_cost(problem: Problem, assignments: Sequence[Assignment]) -> int:
    """Sum of weight × wait over the placed assignments."""
    weights = {r.id: r.weight for r in problem.requests}
    return sum(weights[a.request_id] * a.wait for a in assignments if a.wait is not None)


def validate_plan(problem: Problem, plan: Plan) -> list[str]:
    """Everything wrong with a plan, in words; ``[]`` when none.

    Checks: one assignment per request in the problem's order; every placed request inside its window on a
    known resource, with its wait counted from the window's first slot in the horizon; no slot over its truck
    capacity or its inspection places; the plan's cost, unassigned and fairness figures.
    """
    issues: list[str] = []
    if [a.request_id for a in plan.assignments] != [r.id for r in problem.requests]:
        issues.append("assignments do not follow the problem's requests one for one")
    by_id = {r.id: r for r in problem.requests}
    used: dict[tuple[str, int], int] = {}
    used_insp: dict[tuple[str, int], int] = {}
    violations = 0
    for a in plan.assignments:
        r = by_id.get(a.request_id)
        if r is None:
            issues.append(f"{a.request_id}: not a request of the problem")
            continue
        if a.slot is None or a.resource is None:
            if a.slot is not None or a.resource is not None or a.wait is not None:
                issues.append(f"{a.request_id}: half placed (resource {a.resource}, slot {a.slot}, wait {a.wait})")
            continue
        caps = problem.capacity.get(a.resource)
        if caps is None or a.resource not in r.windows:
            issues.append(f"{a.request_id}: resource {a.resource} is not one of its windows")
            continue
        lo, hi = r.windows[a.resource]
        lo, hi = max(lo, 0), min(hi, len(caps) - 1)
        if not lo <= a.slot <= hi:
            issues.append(f"{a.request_id}: slot {a.slot} outside its window {lo}..{hi} at {a.resource}")
            continue
        if a.wait != a.slot - lo:
            issues.append(f"{a.request_id}: wait {a.wait} but slot {a.slot} is {a.slot - lo} past {lo}")
        violations += problem.max_wait is not None and a.slot - lo > problem.max_wait
        used[(a.resource, a.slot)] = used.get((a.resource, a.slot), 0) + 1
        if r.needs_inspection:
            used_insp[(a.resource, a.slot)] = used_insp.get((a.resource, a.slot), 0) + 1
    for (key, slot), n in sorted(used.items()):
        if n > problem.capacity[key][slot]:
            issues.append(f"{key} slot {slot}: {n} trucks over capacity {problem.capacity[key][slot]}")
    if problem.inspection_capacity is not None:
        for (key, slot), n in sorted(used_insp.items()):
            if n > problem.inspection_capacity[key][slot]:
                issues.append(f"{key} slot {slot}: {n} inspections over {problem.inspection_capacity[key][slot]}")
    if plan.cost != spoilage_cost(problem, [a for a in plan.assignments if a.request_id in by_id]):
        issues.append(f"cost {plan.cost} is not the spoilage of the assignments")
    if plan.unassigned != sum(a.slot is None for a in plan.assignments):
        issues.append(f"unassigned {plan.unassigned} does not count the requests left out")
    if plan.fairness_violations != violations:
        issues.append(f"fairness violations {plan.fairness_violations}, counted {violations}")
    return issues
