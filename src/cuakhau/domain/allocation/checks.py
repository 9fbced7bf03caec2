"""Checks of a plan: its spoilage, and everything wrong with it."""

from __future__ import annotations

from collections.abc import Sequence

from cuakhau.domain.allocation.model import Assignment, Plan, Problem


def spoilage_cost(problem: Problem, assignments: Sequence[Assignment]) -> int:
    """Sum of weight × wait over the placed assignments."""
    weights = {r.id: r.weight for r in problem.requests}
    return sum(weights[a.request_id] * a.wait for a in assignments if a.wait is not None)


def validate_plan(problem: Problem, plan: Plan) -> list[str]:
    """Everything wrong with a plan, in words; ``[]`` when none.

    Checks: one assignment per request in the problem's order; every placed request inside its window on a
    known resource, with its wait counted from the window's first slot in the horizon; no slot over its truck
    capacity or its inspection places; the plan's cost, unassigned, fairness and moved figures.
    """
    issues: list[str] = []
    if [a.request_id for a in plan.assignments] != [r.id for r in problem.requests]:
        issues.append("assignments do not follow the problem's requests one for one")
    by_id = {r.id: r for r in problem.requests}
    used: dict[tuple[str, int], int] = {}
    used_insp: dict[tuple[str, int], int] = {}
    violations = moved = 0
    for a in plan.assignments:
        r = by_id.get(a.request_id)
        if r is None:
            issues.append(f"{a.request_id}: not a request of the problem")
            continue
        moved += r.held is not None and r.held != (a.resource, a.slot)
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
    if plan.moved != moved:
        issues.append(f"moved {plan.moved}, counted {moved}")
    return issues
