"""The optimal planner's greedy shortcut (:func:`cuakhau.domain.allocation.shortcut._greedy`): whenever it answers, its
plan is feasible and as good as the min-cost flow's on every term of the published rule (the same lexicographic
objective), and the very same plan when every truck gets its first slot (then the optimum is unique). It answers
on the simulator's kind of problem (every window to the end of the horizon) and declines where a greedy could be
wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from unittest import mock

from hypothesis import event, given, settings
from hypothesis import strategies as st

from cuakhau.domain.allocation import (
    GroupedProblem,
    OptimalPlanner,
    Placed,
    RequestGroup,
    optimal,
    prepare,
    shortcut,
)
from cuakhau.domain.perishability import PROFILES
from tests.unit.test_allocation import lp_solution
from tests.unit.test_allocation_grouped import check_grouped, expanded

Group = tuple[tuple[tuple[str, int, int], ...], int, bool, int]


@st.composite
def open_ended(draw: st.DrawFn, queue: bool = False) -> GroupedProblem:
    """Groups with one window each, from some slot to the end of the horizon (as the simulator's day plans);
    capacities with closed slots and scarce inspection places, so the greedy is often wrong-footed. With
    ``queue`` every truck is ready in the first slots, so most have to wait."""
    keys = draw(st.sampled_from([["g"], ["g", "h"]]))
    capacity = {k: draw(st.lists(st.integers(0, 4), min_size=3 if queue else 1, max_size=8)) for k in keys}
    inspection = None
    if draw(st.booleans()):
        inspection = {k: [draw(st.integers(0, c)) for c in capacity[k]] for k in keys}
    groups = []
    for _ in range(draw(st.integers(1 if queue else 0, 7))):
        k = draw(st.sampled_from(keys))
        lo = draw(st.integers(-1, len(capacity[k]) - 1 if not queue and draw(st.booleans()) else 0))
        weight = draw(st.sampled_from(sorted(p.weight for p in PROFILES.values())))
        groups.append(
            RequestGroup(
                {k: (lo, max(lo, len(capacity[k]) + draw(st.integers(-2, 2))))},
                weight,
                draw(st.integers(1, 3 if queue else 6)),
                draw(st.booleans()),
            )
        )
    max_wait = draw(st.one_of(st.none(), st.integers(0, 4) if not queue else st.integers(2, 8)))
    return GroupedProblem(capacity, inspection, groups, max_wait=max_wait)


def group_list(problem: GroupedProblem) -> list[Group]:
    windows = prepare._prepare_groups(problem)
    return [(w, g.weight, g.needs_inspection, g.count) for w, g in zip(windows, problem.groups, strict=True)]


def objective(
    groups: Sequence[Group], placements: Sequence[Sequence[Placed]], max_wait: int | None
) -> tuple[int, int, int]:
    """(weight placed, trucks past the limit, spoilage)."""
    weight = late = spoilage = 0
    for (wins, w, _, _), spots in zip(groups, placements, strict=True):
        first = {key: lo for key, lo, _ in wins}
        for s, key, n in spots:
            wait = s - first[key]
            weight += w * n
            late += n * (max_wait is not None and wait > max_wait)
            spoilage += w * wait * n
    return weight, late, spoilage


def flow(problem: GroupedProblem) -> list[list[Placed]]:
    """The min-cost flow alone (the shortcut switched off)."""
    with mock.patch.object(optimal, "_greedy", return_value=None):
        return optimal._solve(problem.capacity, problem.inspection_capacity, problem.max_wait, group_list(problem))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(open_ended(), open_ended(queue=True)))
def test_the_greedy_plan_when_given_is_optimal_like_the_flow(problem: GroupedProblem) -> None:
    groups = group_list(problem)
    fast = shortcut._greedy(problem.capacity, problem.inspection_capacity, problem.max_wait, groups)
    event("greedy answered" if fast is not None else "greedy declined")
    if fast is None:
        return
    exact = flow(problem)
    assert objective(groups, fast, problem.max_wait) == objective(groups, exact, problem.max_wait)
    # it places every truck, none past the limit
    assert all(sum(n for *_, n in spots) == count for (*_, count), spots in zip(groups, fast, strict=True))
    assert objective(groups, fast, problem.max_wait)[1] == 0
    # feasible, with the grouped plan's figures (the planner uses the shortcut)
    plan = OptimalPlanner().plan_grouped(problem)
    assert plan.placements == fast
    check_grouped(problem, plan)
    if objective(groups, fast, problem.max_wait)[2] > 0:
        event("some truck waits")
    else:  # every truck in its first slot: the only optimum
        event("every truck in its first slot")
        assert fast == exact


@settings(max_examples=300, deadline=None)
@given(st.one_of(open_ended(), open_ended(queue=True)))
def test_plans_with_the_shortcut_reach_the_lp_optimum(problem: GroupedProblem) -> None:
    requests = expanded(problem)
    if not requests.requests:
        return
    plan = OptimalPlanner().plan_grouped(problem)
    _, lp_weight, lp_late, lp_spoilage, _ = lp_solution(requests)
    placed = sum(g.weight * n for g, spots in zip(problem.groups, plan.placements, strict=True) for *_, n in spots)
    assert (placed, plan.fairness_violations, plan.cost) == (lp_weight, lp_late, lp_spoilage)


def test_the_greedy_declines_where_heaviest_first_is_wrong() -> None:
    """Two heavy trucks without inspection and two lighter ones needing it, an inspection place short in the
    second slot: heaviest first (both heavy in slot 0) costs 24; the optimum mixes them (18)."""
    problem = GroupedProblem(
        {"g": [2, 2, 2]},
        {"g": [2, 1, 2]},
        [RequestGroup({"g": (0, 2)}, 10, 2, False), RequestGroup({"g": (0, 2)}, 8, 2, True)],
    )
    assert shortcut._greedy(problem.capacity, problem.inspection_capacity, None, group_list(problem)) is None
    plan = OptimalPlanner().plan_grouped(problem)
    assert (plan.cost, plan.unassigned) == (18, 0)


def test_the_greedy_answers_a_morning_queue() -> None:
    """Trucks ready overnight queue for the morning; every one placed within the limit, heaviest first."""
    problem = GroupedProblem(
        {"g": [0, 0, 3, 3, 3]},
        {"g": [0, 0, 2, 2, 2]},
        [
            RequestGroup({"g": (0, 4)}, 1, 2, False),
            RequestGroup({"g": (0, 4)}, 8, 3, True),
            RequestGroup({"g": (1, 4)}, 5, 2, False),
            RequestGroup({"g": (3, 4)}, 8, 1, True),
        ],
        max_wait=4,
    )
    groups = group_list(problem)
    fast = shortcut._greedy(problem.capacity, problem.inspection_capacity, problem.max_wait, groups)
    assert fast == [[(4, "g", 2)], [(2, "g", 2), (3, "g", 1)], [(2, "g", 1), (3, "g", 1)], [(3, "g", 1)]]
    assert objective(groups, fast, 4) == objective(groups, flow(problem), 4)
    assert Counter(s for spots in fast for s, _, n in spots for _ in range(n)) == {2: 3, 3: 3, 4: 2}
