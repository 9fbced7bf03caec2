"""Slot planner benchmark: FCFS, the priority greedy and the optimal planner on a harvest-peak day and week.

    python benchmarks/planner.py [--quick] [--week-lp]

Day: 5,000 trucks, 24 hourly slots of 220 trucks, arrivals peaking mid-morning, windows of 2–12 hours, a
harvest mix of perishability (fresh produce dominant), about 30 % needing plant-quarantine inspection (80
places an hour). Week: 30,000 trucks, 168 slots at each of four gates with different travel times from the
orchards; each truck may use any gate, its window there being its departure plus the travel time. Solve
times are the best of 3 runs, pinned to one core. The optimum is cross-checked against scipy's HiGHS LP on
the same objective (the week's LP is given 60 s and skipped, saying so, if it needs more; ``--week-lp``
lifts the limit).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version

from cuakhau.domain.allocation import (
    FirstComeFirstServed,
    OptimalPlanner,
    Plan,
    PriorityGreedy,
    Problem,
    Request,
    objective_weights,
)
from cuakhau.domain.perishability import PROFILES, Perishability

MIX = [  # share of the trucks in a harvest peak
    (Perishability.FRESH_PRODUCE, 0.55),
    (Perishability.DRY_GOODS, 0.25),
    (Perishability.FROZEN, 0.10),
    (Perishability.CHILLED, 0.08),
    (Perishability.LIVE_ANIMALS, 0.02),
]
#: Extra hours of travel from the orchards to each gate, beyond the nearest.
GATES = {"vn-huu-nghi": 0, "vn-tan-thanh": 1, "vn-chi-ma": 2, "vn-kim-thanh": 6}
MAX_WAIT = 12  # the published waiting limit, hours
LEFT_OUT_HOURS = 24  # a truck not placed is counted as waiting a whole day more
LP_TIME_LIMIT = 60.0


def day_instance(n: int = 5000, slots: int = 24, per_hour: int = 220, seed: int = 2026) -> Problem:
    rng = random.Random(seed)
    kinds, shares = zip(*MIX, strict=True)
    requests = []
    for i in range(n):
        kind = rng.choices(kinds, shares)[0]
        earliest = min(slots - 1, max(0, int(rng.gauss(9.5, 4.0))))  # a mid-morning peak, a long tail
        latest = min(slots - 1, earliest + rng.randint(2, 12))
        windows = {"vn-huu-nghi/export": (earliest, latest)}
        requests.append(Request(f"t{i}", windows, PROFILES[kind].weight, i, rng.random() < 0.3))
    capacity = {"vn-huu-nghi/export": [per_hour] * slots}
    inspection = {"vn-huu-nghi/export": [per_hour * 80 // 220] * slots}
    return Problem(capacity, inspection, requests, max_wait=MAX_WAIT)


def week_instance(n: int = 30000, days: int = 7, seed: int = 7) -> Problem:
    rng = random.Random(seed)
    slots = 24 * days
    kinds, shares = zip(*MIX, strict=True)
    # 60 trucks an hour from 01 to 13 UTC (08–20 local), 30 at night, at each gate
    capacity = {f"{g}/export": [60 if 1 <= h % 24 <= 13 else 30 for h in range(slots)] for g in GATES}
    requests = []
    for i in range(n):
        kind = rng.choices(kinds, shares)[0]
        depart = min(slots - 21, 24 * rng.randrange(days) + max(0, int(rng.gauss(6, 5))))
        width = rng.randint(4, 16)
        windows = {
            f"{g}/export": (depart + extra, min(slots - 1, depart + extra + width)) for g, extra in GATES.items()
        }
        requests.append(Request(f"t{i}", windows, PROFILES[kind].weight, i))
    return Problem(capacity, None, requests, max_wait=MAX_WAIT)


def best_of(runs: int, fn: Callable[[], Plan]) -> tuple[float, Plan]:
    best, plan = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        plan = fn()
        best = min(best, time.perf_counter() - t0)
    assert plan is not None
    return best, plan


def with_left_out(problem: Problem, plan: Plan) -> int:
    """Spoilage with each truck left out charged a whole day more (24 h × its weight): comparable across policies."""
    weights = {r.id: r.weight for r in problem.requests}
    return plan.cost + sum(LEFT_OUT_HOURS * weights[a.request_id] for a in plan.assignments if a.slot is None)


def waits(plan: Plan) -> tuple[float, float]:
    w = sorted(a.wait for a in plan.assignments if a.wait is not None)
    if not w:
        return 0.0, 0.0
    return statistics.fmean(w), float(w[int(0.95 * (len(w) - 1))])


def objective(problem: Problem, plan: Plan) -> int:
    """The optimal planner's lexicographic objective in its integer form."""
    move, late, unplaced = objective_weights(problem)
    weights = {r.id: r.weight for r in problem.requests}
    left_out = sum(weights[a.request_id] for a in plan.assignments if a.slot is None)
    return unplaced * left_out + late * plan.fairness_violations + move * plan.moved + plan.cost


def lp_optimum(problem: Problem, time_limit: float | None) -> tuple[float, int, int, int, int] | None:
    """The same objective as an LP, built sparse, solved by HiGHS: (objective, weight left out, late, spoilage,
    trucks moved from the places they hold).

    None when HiGHS needs more than ``time_limit`` seconds. HiGHS's interior-point method: on the week its
    dual simplex stopped with an unknown status (its costs run from 0 to 1.6e11).
    """
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    move, late, unplaced = objective_weights(problem)
    slot_row: dict[tuple[str, int], int] = {}
    for key in sorted(problem.capacity):
        for s in range(len(problem.capacity[key])):
            slot_row[(key, s)] = len(slot_row)
    b_ub = [problem.capacity[k][s] for (k, s) in slot_row]
    insp_row: dict[tuple[str, int], int] = {}
    if problem.inspection_capacity is not None:
        for k, s in slot_row:
            insp_row[(k, s)] = len(b_ub)
            b_ub.append(problem.inspection_capacity[k][s])
    costs: list[int] = []
    col_weight: list[int] = []
    col_wait: list[int] = []
    col_moves: list[int] = []
    eq_r: list[int] = []
    ub_r: list[int] = []
    ub_c: list[int] = []
    for i, r in enumerate(problem.requests):
        for key, (lo, hi) in r.windows.items():
            lo, hi = max(lo, 0), min(hi, len(problem.capacity[key]) - 1)
            for s in range(lo, hi + 1):
                col = len(costs)
                wait = s - lo
                leaves = r.held is not None and r.held != (key, s)
                col_moves.append(leaves)
                costs.append(
                    r.weight * wait
                    + (late if problem.max_wait is not None and wait > problem.max_wait else 0)
                    + move * leaves
                )
                col_weight.append(r.weight)
                col_wait.append(wait)
                eq_r.append(i)
                ub_r.append(slot_row[(key, s)])
                ub_c.append(col)
                if r.needs_inspection and insp_row:
                    ub_r.append(insp_row[(key, s)])
                    ub_c.append(col)
    n, m = len(problem.requests), len(costs)
    c = np.array(costs + [unplaced * r.weight + move * (r.held is not None) for r in problem.requests], dtype=float)
    a_eq = coo_matrix((np.ones(m + n), (eq_r + list(range(n)), list(range(m + n)))), shape=(n, m + n))
    a_ub = coo_matrix((np.ones(len(ub_r)), (ub_r, ub_c)), shape=(len(b_ub), m + n))
    result = linprog(
        c,
        A_ub=a_ub.tocsr(),
        b_ub=b_ub,
        A_eq=a_eq.tocsr(),
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs-ipm",
        options={} if time_limit is None else {"time_limit": time_limit},
    )
    if result.status == 1:  # time limit
        return None
    assert result.status == 0, result.message
    x = result.x
    weights = np.array([r.weight for r in problem.requests], dtype=float)
    left_out = float(weights @ x[m:])
    is_late = np.array([problem.max_wait is not None and w > problem.max_wait for w in col_wait], dtype=float)
    spoilage = float((np.array(col_weight) * np.array(col_wait)) @ x[:m])
    held = np.array([r.held is not None for r in problem.requests], dtype=float)
    moved = float(np.array(col_moves, dtype=float) @ x[:m]) + float(held @ x[m:])
    return float(result.fun), round(left_out), round(float(is_late @ x[:m])), round(spoilage), round(moved)


def report(name: str, problem: Problem, runs: int, lp_limit: float | None) -> dict[str, tuple[float, Plan]]:
    slots = sum(len(c) for c in problem.capacity.values())
    print(f"\n{name}: {len(problem.requests):,} trucks, {len(problem.capacity)} gate(s), {slots} slots in all")
    print(
        f"{'policy':<9} {'solve s':>8} {'spoilage':>10} {'ratio':>6} {'unplaced':>9} {'wt left':>8} "
        f"{'+24h/left':>10} {'ratio':>6} {'mean h':>7} {'p95 h':>6} {'> limit':>8}"
    )
    results: dict[str, tuple[float, Plan]] = {}
    for policy in (FirstComeFirstServed(), PriorityGreedy(), OptimalPlanner()):
        results[policy.name] = best_of(runs, lambda p=policy: p.plan(problem))  # type: ignore[misc]
    weights = {r.id: r.weight for r in problem.requests}
    best_plan = results["optimal"][1]
    for policy_name, (seconds, plan) in results.items():
        mean, p95 = waits(plan)
        left = sum(weights[a.request_id] for a in plan.assignments if a.slot is None)
        total = with_left_out(problem, plan)
        ratio = plan.cost / best_plan.cost if best_plan.cost else float(plan.cost == 0)
        best_total = with_left_out(problem, best_plan)
        ratio_total = total / best_total if best_total else float(total == 0)
        print(
            f"{policy_name:<9} {seconds:>8.3f} {plan.cost:>10,} {ratio:>6.3f} {plan.unassigned:>9,} {left:>8,} "
            f"{total:>10,} {ratio_total:>6.3f} {mean:>7.2f} {p95:>6.1f} {plan.fairness_violations:>8,}"
        )
    t0 = time.perf_counter()
    found = lp_optimum(problem, lp_limit)
    seconds = time.perf_counter() - t0
    if found is None:
        print(f"LP cross-check skipped: HiGHS did not finish within {lp_limit:.0f} s ({seconds:.0f} s in all)")
    else:
        lp_value, left_out, late, spoilage, _ = found
        ours = (
            sum(weights[a.request_id] for a in best_plan.assignments if a.slot is None),
            best_plan.fairness_violations,
            best_plan.cost,
        )
        print(
            f"LP cross-check (HiGHS, {seconds:.1f} s with building): min-cost-flow objective / LP optimum = "
            f"{objective(problem, best_plan) / lp_value:.6f}; weight left out, > limit, spoilage: "
            f"flow {ours}, LP {(left_out, late, spoilage)}"
        )
    return results


def booked(problem: Problem) -> tuple[Plan, Problem]:
    """The day booked by the optimal planner, and the same requests holding the places it gave them."""
    plan = OptimalPlanner().plan(problem, explain=False)
    held = {
        a.request_id: (a.resource, a.slot) for a in plan.assignments if a.resource is not None and a.slot is not None
    }
    requests = [
        Request(r.id, r.windows, r.weight, r.order, r.needs_inspection, held.get(r.id)) for r in problem.requests
    ]
    return plan, Problem(problem.capacity, problem.inspection_capacity, requests, problem.max_wait)


def lowered(problem: Problem, key: str, slots: range, keep: tuple[int, int]) -> Problem:
    """``problem`` with the capacity of ``slots`` at ``key`` cut to ``keep[0]/keep[1]`` of it (inspection places
    no more than truck places)."""
    caps = list(problem.capacity[key])
    for s in slots:
        caps[s] = caps[s] * keep[0] // keep[1]
    insp = problem.inspection_capacity
    if insp is not None:
        insp = {**insp, key: [min(c, i) for c, i in zip(caps, insp[key], strict=True)]}
    return Problem({**problem.capacity, key: caps}, insp, problem.requests, problem.max_wait)


def lost_places(problem: Problem) -> tuple[int, set[tuple[str, int]]]:
    """Places the held bookings lost (per slot, holders beyond its trucks or its inspection places), and the
    slots that lost any."""
    holders: dict[tuple[str, int], list[Request]] = {}
    for r in problem.requests:
        if r.held is not None:
            holders.setdefault(r.held, []).append(r)
    lost, where = 0, set()
    for (key, s), rs in holders.items():
        over = len(rs) - problem.capacity[key][s]
        if problem.inspection_capacity is not None:
            over = max(over, sum(r.needs_inspection for r in rs) - problem.inspection_capacity[key][s])
        if over > 0:
            lost += over
            where.add((key, s))
    return lost, where


def moves(problem: Problem, plan: Plan) -> tuple[int, int, int]:
    """(trucks moved, of them from a slot that lost no place — displaced, of them to the waiting list)."""
    _, where = lost_places(problem)
    moved = displaced = waiting = 0
    for r, a in zip(problem.requests, plan.assignments, strict=True):
        if r.held is not None and r.held != (a.resource, a.slot):
            moved += 1
            displaced += r.held not in where
            waiting += a.slot is None
    return moved, displaced, waiting


def replans(problem: Problem, runs: int) -> None:
    """Book the day, lower capacity, re-plan: trucks moved with stability in the rule, and as if nothing had
    been booked (the rule before it), against the places lost and the fewest moves possible (HiGHS)."""
    _, held = booked(problem)
    key = sorted(problem.capacity)[0]
    scenarios = [
        ("the 09:00 slot halved", lowered(held, key, range(9, 10), (1, 2))),
        ("a 40 % capacity drop in 6 slots (08-13)", lowered(held, key, range(8, 14), (6, 10))),
    ]
    for name, cut in scenarios:
        lost, _ = lost_places(cut)
        fresh = Problem(
            cut.capacity,
            cut.inspection_capacity,
            [Request(r.id, r.windows, r.weight, r.order, r.needs_inspection) for r in cut.requests],
            cut.max_wait,
        )
        print(f"re-plan after {name}: {lost:,} places lost")
        print(
            f"{'policy':<9} {'solve s':>8} {'moved':>6} {'displ.':>7} {'to wait':>8} {'before':>7} {'spoilage':>9} "
            f"{'unplaced':>9} {'> limit':>8}"
        )
        for policy in (FirstComeFirstServed(), PriorityGreedy(), OptimalPlanner()):
            seconds, plan = best_of(runs, lambda p=policy, c=cut: p.plan(c))  # type: ignore[misc]
            moved, displaced, waiting = moves(cut, plan)
            assert plan.moved == moved
            before = moves(cut, policy.plan(fresh, explain=False))[0]  # the same trucks, planned afresh
            print(
                f"{policy.name:<9} {seconds:>8.3f} {moved:>6,} {displaced:>7,} {waiting:>8,} {before:>7,} "
                f"{plan.cost:>9,} {plan.unassigned:>9,} {plan.fairness_violations:>8,}"
            )
        found = lp_optimum(cut, None)
        assert found is not None
        ours = OptimalPlanner().plan(cut)
        print(
            f"fewest moves possible (HiGHS LP, same rule): {found[4]:,}; optimal moved {ours.moved:,}; "
            f"objective / LP optimum = {objective(cut, ours) / found[0]:.6f}; target moved <= lost + displaced: "
            f"{ours.moved:,} <= {lost:,} + {moves(cut, ours)[1]:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller instances, one run each")
    parser.add_argument("--week-lp", action="store_true", help=f"no {LP_TIME_LIMIT:.0f} s limit on the week's LP")
    opts = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    runs = 1 if opts.quick else 3
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (this process pinned to one), "
        f"Python {platform.python_version()}, ortools {version('ortools')}, scipy {version('scipy')}; "
        f"best of {runs}"
    )
    n = 1000 if opts.quick else 5000
    day = day_instance(n=n, per_hour=220 * n // 5000)
    report("Harvest-peak day", day, runs, lp_limit=None)
    replans(day, runs)
    week = week_instance(n=5000 if opts.quick else 30000)
    report("Week, four gates", week, runs, lp_limit=None if opts.week_lp else LP_TIME_LIMIT)


if __name__ == "__main__":
    main()
