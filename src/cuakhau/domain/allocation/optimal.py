"""The optimal planner: the published rule solved exactly as a min-cost flow (OR-Tools)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from ortools.graph.python import min_cost_flow

from cuakhau.domain.allocation.explain import Placement, _explain
from cuakhau.domain.allocation.model import GroupedPlan, GroupedProblem, Placed, Plan, Problem
from cuakhau.domain.allocation.prepare import Window, _keepable, _prepare, _prepare_groups
from cuakhau.domain.allocation.shortcut import _greedy


class OptimalPlanner:
    """The published rule solved exactly: most weight placed, then fewest past the limit, then (in a re-plan)
    fewest trucks moved from the places they hold, then least spoilage.

    A min-cost flow: identical requests (same clipped windows, weight and inspection need) form one supply
    node; each has an arc to every (resource, slot) of its windows — through the slot's inspection node when
    it needs inspection — and an arc straight to the sink for "not placed". Lexicographic priorities become
    integer costs (:func:`objective_weights`). A request holding a place (``Request.held``) pays a move on every
    arc but the one to that place, its "not placed" arc included; requests holding different places are
    different groups. Within a group, the request that came first gets the earlier slot. When every window runs
    to the end of the horizon and no request holds a place, a greedy plan (slot after slot, heaviest first) is
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
        groups: dict[tuple[tuple[Window, ...], int, bool, Placement | None], list[int]] = {}
        for i, r in enumerate(requests):
            held = _keepable(r.held, windows[i])
            groups.setdefault((windows[i], r.weight, r.needs_inspection, held), []).append(i)
        placements = _solve(
            problem.capacity,
            problem.inspection_capacity,
            problem.max_wait,
            [(wins, weight, inspection, len(m)) for (wins, weight, inspection, _), m in groups.items()],
            [held for (_, _, _, held) in groups],
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
    held: Sequence[Placement | None] = (),
) -> list[list[Placed]]:
    """The optimal planner's min-cost flow over groups (clipped windows, weight, needs inspection, count);
    per group its places (slot, resource, trucks) sorted by slot, then resource. ``held``: per group the place
    its trucks hold (inside its windows), if any; none when empty."""
    if not group_list:
        return []
    holding = any(h is not None for h in held)
    if not holding:
        fast = _greedy(capacity, inspection_capacity, max_wait, group_list)
        if fast is not None:
            return fast
    insp = inspection_capacity
    needs_insp = insp is not None and any(inspection for _, _, inspection, _ in group_list)
    move_penalty, late_penalty, unplaced_penalty = _objective_weights(capacity, needs_insp, group_list, holding)
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
            at = len(costs)
            if max_wait is None:
                costs += [weight * d for d in waits]
            else:
                costs += [weight * d + (late_penalty if d > max_wait else 0) for d in waits]
            own = held[g] if holding else None
            if own is not None:
                for j, s in enumerate(slots):
                    if own != (key, s):
                        costs[at + j] += move_penalty
    choices = len(tails) - first_choice
    for g, (_, weight, _, n) in enumerate(group_list):  # "not placed", last
        tails.append(node + g)
        heads.append(sink)
        caps.append(n)
        costs.append(unplaced_penalty * weight + (move_penalty if holding and held[g] is not None else 0))
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


def objective_weights(problem: Problem) -> tuple[int, int, int]:
    """The integer costs that make the optimal planner's objective lexicographic: ``(move, late, unplaced)``.

    The planner minimises ``unplaced × (weight of the trucks not placed) + late × (trucks past the limit) +
    move × (trucks not kept in the place they hold) + spoilage`` over its flow network (``move`` is 0 when no
    request holds a place). Two plans differ by units of flow around simple cycles of the network, and a simple
    cycle passes each node once: it takes at most two choice arcs (a group's arc to a slot, or to the slot's
    inspection node) at each group and at each node of the slot side, so at most ``K = 2 × min(groups, slot-side
    nodes with choice arcs)`` of them, and at most two "not placed" arcs (both end at the sink). Around one
    cycle, spoilage thus changes by at most ``K × S`` (``S`` the largest spoilage one choice arc costs), the
    trucks moved by at most ``K + 2`` and the trucks past the limit by at most ``K``. With ``move = K × S + 1``,
    ``late = (K + 2) × move + K × S + 1`` and ``unplaced = K × late + (K + 2) × move + K × S + 1`` per unit of
    weight (weights are whole numbers), a cycle that places more weight, or as much and fewer trucks past the
    limit, or as many and fewer trucks moved, always costs less; so a plan of least cost has no such cycle and
    no plan is better on the published rule. (Bounds on one cycle, not on a whole plan, keep the costs small,
    and the solver's cost scaling fast.)
    """
    windows = _prepare(problem)
    groups: dict[tuple[tuple[Window, ...], int, bool, Placement | None], int] = {}
    for r, w in zip(problem.requests, windows, strict=True):
        key = (w, r.weight, r.needs_inspection, _keepable(r.held, w))
        groups[key] = groups.get(key, 0) + 1
    needs_insp = problem.inspection_capacity is not None and any(r.needs_inspection for r in problem.requests)
    return _objective_weights(
        problem.capacity,
        needs_insp,
        [(w, weight, insp, n) for (w, weight, insp, _), n in groups.items()],
        any(held is not None for (_, _, _, held) in groups),
    )


def _open_slots(capacity: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    """The slots with room, per resource: a window's choice arcs go to its slots among them."""
    return {k: [s for s, c in enumerate(caps) if c > 0] for k, caps in capacity.items()}


def _objective_weights(
    capacity: Mapping[str, Sequence[int]],
    needs_insp: bool,
    group_list: Sequence[tuple[tuple[Window, ...], int, bool, int]],
    holding: bool,
) -> tuple[int, int, int]:
    """:func:`objective_weights` of the flow over ``group_list`` (clipped windows, weight, inspection, count);
    ``holding``: whether some group holds a place (else no move costs anything)."""
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
    spoilage = arcs * largest  # what one cycle changes in spoilage, at most
    move = spoilage + 1 if holding else 0
    moves = (arcs + 2) * move  # ... and in the cost of moves
    late = moves + spoilage + 1
    return move, late, arcs * late + moves + spoilage + 1
