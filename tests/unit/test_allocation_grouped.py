"""The optimal planner's grouped entry (:meth:`OptimalPlanner.plan_grouped`, the simulator's): on random
instances its plan keeps windows and capacities, reaches the LP optimum of the requests the groups stand for
(solved independently by HiGHS), and matches :meth:`OptimalPlanner.plan` on those requests slot for slot."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cuakhau.domain.allocation import (
    GroupedPlan,
    GroupedProblem,
    OptimalPlanner,
    Problem,
    Request,
    RequestGroup,
)
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.perishability import PROFILES
from tests.unit.test_allocation import clipped, lp_solution, problems


@st.composite
def grouped_problems(draw: st.DrawFn) -> GroupedProblem:
    keys = draw(st.sampled_from([["g"], ["g", "h"]]))
    capacity = {k: draw(st.lists(st.integers(0, 6), min_size=1, max_size=6)) for k in keys}
    inspection = None
    if draw(st.booleans()):
        inspection = {k: [draw(st.integers(0, c)) for c in capacity[k]] for k in keys}
    groups = []
    for _ in range(draw(st.integers(0, 6))):
        windows = {}
        for k in draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True)):
            lo = draw(st.integers(-1, len(capacity[k])))
            windows[k] = (lo, draw(st.integers(lo, len(capacity[k]) + 1)))
        weight = draw(st.sampled_from(sorted(p.weight for p in PROFILES.values())))
        groups.append(RequestGroup(windows, weight, draw(st.integers(1, 5)), draw(st.booleans())))
    return GroupedProblem(capacity, inspection, groups, max_wait=draw(st.one_of(st.none(), st.integers(0, 3))))


def expanded(problem: GroupedProblem) -> Problem:
    """The requests the groups stand for: each group's members one after the other."""
    requests = [
        Request(f"g{g}-{m}", group.windows, group.weight, len(problem.groups) * m + g, group.needs_inspection)
        for g, group in enumerate(problem.groups)
        for m in range(group.count)
    ]
    return Problem(problem.capacity, problem.inspection_capacity, requests, problem.max_wait)


def check_grouped(problem: GroupedProblem, plan: GroupedPlan) -> None:
    """Independently of the planner: each group's places inside its clipped windows, sorted, at most its count;
    no slot over its trucks or inspections; cost, unassigned and fairness figures counted again."""
    assert len(plan.placements) == len(problem.groups)
    trucks: Counter[tuple[str, int]] = Counter()
    inspections: Counter[tuple[str, int]] = Counter()
    cost = late = placed_all = 0
    for group, spots in zip(problem.groups, plan.placements, strict=True):
        windows = clipped(Problem(problem.capacity), Request("x", group.windows, group.weight, 0))
        assert [(s, k) for s, k, _ in spots] == sorted({(s, k) for s, k, _ in spots})
        placed = 0
        for s, k, n in spots:
            assert n > 0 and k in windows and windows[k][0] <= s <= windows[k][1]
            trucks[(k, s)] += n
            inspections[(k, s)] += n * group.needs_inspection
            wait = s - windows[k][0]
            cost += group.weight * wait * n
            late += n * (problem.max_wait is not None and wait > problem.max_wait)
            placed += n
        assert placed <= group.count
        placed_all += placed
    for (k, s), n in trucks.items():
        assert n <= problem.capacity[k][s]
        if problem.inspection_capacity is not None:
            assert inspections[(k, s)] <= problem.inspection_capacity[k][s]
    total = sum(g.count for g in problem.groups)
    assert (plan.cost, plan.fairness_violations, plan.unassigned) == (cost, late, total - placed_all)


@settings(max_examples=150, deadline=None)
@given(grouped_problems())
def test_grouped_plan_is_feasible_and_reaches_the_lp_optimum_of_its_requests(problem: GroupedProblem) -> None:
    plan = OptimalPlanner().plan_grouped(problem)
    assert plan.policy == "optimal"
    check_grouped(problem, plan)
    requests = expanded(problem)
    if not requests.requests:
        assert plan.placements == [] and (plan.cost, plan.unassigned) == (0, 0)
        return
    _, lp_weight, lp_late, lp_spoilage, _ = lp_solution(requests)
    placed_weight = sum(
        g.weight * n for g, spots in zip(problem.groups, plan.placements, strict=True) for *_, n in spots
    )
    assert (placed_weight, plan.fairness_violations, plan.cost) == (lp_weight, lp_late, lp_spoilage)


@settings(max_examples=150, deadline=None)
@given(grouped_problems())
def test_grouped_plan_is_the_plan_of_its_requests(problem: GroupedProblem) -> None:
    """Slot for slot: the per-request planner on the members gives each group the same places, the earliest to
    the member that came first. (Groups alike once clipped are one group to :meth:`OptimalPlanner.plan`, which
    may then split their places differently: such instances are left out.)"""
    alike = Counter(
        (
            tuple(sorted(clipped(Problem(problem.capacity), Request("x", g.windows, 1, 0)).items())),
            g.weight,
            g.needs_inspection,
        )
        for g in problem.groups
    )
    assume(all(n == 1 for n in alike.values()))
    grouped = OptimalPlanner().plan_grouped(problem)
    requests = expanded(problem)
    plan = OptimalPlanner().plan(requests, explain=False)
    assert (plan.cost, plan.unassigned, plan.fairness_violations) == (
        grouped.cost,
        grouped.unassigned,
        grouped.fairness_violations,
    )
    by_id = {a.request_id: a for a in plan.assignments}
    for g, (group, spots) in enumerate(zip(problem.groups, grouped.placements, strict=True)):
        members = [by_id[f"g{g}-{m}"] for m in range(group.count)]  # in the order they came
        expected = [(s, k) for s, k, n in spots for _ in range(n)]
        assert [(a.slot, a.resource) for a in members[: len(expected)]] == expected
        assert all(a.slot is None for a in members[len(expected) :])


@settings(max_examples=100, deadline=None)
@given(problems())
def test_requests_planned_as_singleton_groups_give_the_same_objective(problem: Problem) -> None:
    """Any request list as groups of one (distinct ids, so no two merged): the same cost and counts (groups hold
    no places: the requests' are forgotten)."""
    groups = [RequestGroup(r.windows, r.weight, 1, r.needs_inspection) for r in problem.requests]
    grouped = OptimalPlanner().plan_grouped(
        GroupedProblem(problem.capacity, problem.inspection_capacity, groups, problem.max_wait)
    )
    requests = [Request(r.id, r.windows, r.weight, r.order, r.needs_inspection) for r in problem.requests]
    plan = OptimalPlanner().plan(Problem(problem.capacity, problem.inspection_capacity, requests, problem.max_wait))
    assert (grouped.cost, grouped.unassigned, grouped.fairness_violations) == (
        plan.cost,
        plan.unassigned,
        plan.fairness_violations,
    )


@pytest.mark.parametrize(
    ("group", "code", "field"),
    [
        (RequestGroup({"h": (0, 0)}, 1, 1), "allocation.unknown_resource", "groups[0].windows"),
        (RequestGroup({"g": (1, 0)}, 1, 1), "time.end_before_start", "groups[0].windows.g"),
        (RequestGroup({"g": (0, 0)}, 0, 1), "number.not_positive", "groups[0].weight"),
        (RequestGroup({"g": (0, 0)}, 1, 0), "number.not_positive", "groups[0].count"),
    ],
)
def test_bad_groups_are_refused_with_a_stable_code(group: RequestGroup, code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        OptimalPlanner().plan_grouped(GroupedProblem({"g": [1]}, groups=[group]))
    assert (info.value.code, info.value.field) == (code, field)
    with pytest.raises(InvalidInput) as info:
        OptimalPlanner().plan_grouped(GroupedProblem({"g": [-1]}))
    assert info.value.code == "allocation.capacity"
