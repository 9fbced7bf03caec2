"""Re-plans move as few trucks as they must: a booked day, one slot lowered, planned again.

The published rule keeps every booking that can stay where it is (after placing the most weight and keeping
trucks within the waiting limit, before spoilage). Checked on hand cases, and on random booked days against
the fewest moves possible, found by an LP solved independently by scipy's HiGHS (tests.unit.test_allocation).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau.domain.allocation import (
    AllocationPolicy,
    FirstComeFirstServed,
    OptimalPlanner,
    Plan,
    PriorityGreedy,
    Problem,
    Request,
    validate_plan,
)
from cuakhau.domain.perishability import PROFILES, Perishability
from tests.unit.test_allocation import lp_solution, moves, problems

POLICIES: list[AllocationPolicy] = [FirstComeFirstServed(), PriorityGreedy(), OptimalPlanner()]
DRY = PROFILES[Perishability.DRY_GOODS].weight
DURIAN = PROFILES[Perishability.FRESH_PRODUCE].weight


def booked(problem: Problem, plan: Plan) -> Problem:
    """The same requests, each holding the place ``plan`` gave it."""
    places = {a.request_id: (a.resource, a.slot) for a in plan.assignments if a.resource is not None}
    requests = [
        Request(r.id, r.windows, r.weight, r.order, r.needs_inspection, places.get(r.id))  # type: ignore[arg-type]
        for r in problem.requests
    ]
    return Problem(problem.capacity, problem.inspection_capacity, requests, problem.max_wait)


def fresh(problem: Problem) -> Problem:
    """The same requests holding nothing: a re-plan as if nothing had been booked (the rule before)."""
    requests = [Request(r.id, r.windows, r.weight, r.order, r.needs_inspection) for r in problem.requests]
    return Problem(problem.capacity, problem.inspection_capacity, requests, problem.max_wait)


def lowered(problem: Problem, key: str, slot: int, trucks: int, inspections: int | None = None) -> Problem:
    caps = {k: list(v) for k, v in problem.capacity.items()}
    caps[key][slot] = trucks
    insp = None
    if problem.inspection_capacity is not None:
        insp = {k: list(v) for k, v in problem.inspection_capacity.items()}
        insp[key][slot] = min(insp[key][slot], trucks) if inspections is None else inspections
    return Problem(caps, insp, problem.requests, problem.max_wait)


def lost_places(problem: Problem) -> int:
    """Per slot, the held trucks beyond its truck places or beyond its inspection places, whichever is more."""
    held: dict[tuple[str, int], list[Request]] = {}
    for r in problem.requests:
        if r.held is not None:
            held.setdefault(r.held, []).append(r)
    lost = 0
    for (k, s), rs in held.items():
        over = len(rs) - problem.capacity[k][s]
        if problem.inspection_capacity is not None:
            over = max(over, sum(r.needs_inspection for r in rs) - problem.inspection_capacity[k][s])
        lost += max(0, over)
    return lost


def places(plan: Plan) -> dict[str, tuple[str | None, int | None]]:
    return {a.request_id: (a.resource, a.slot) for a in plan.assignments}


# ------------------------------------------------------------------------------------------ hand-checked cases


def test_a_lowered_slot_moves_only_the_truck_that_lost_its_place() -> None:
    """Six trucks of one kind booked two to an hour; the first hour loses a place. As if nothing had been booked,
    the optimal planner re-ranked all six by the order they came (three moved); now only the one that lost its
    place moves — to the waiting list, the day being full — and every other truck keeps its slot."""
    window = {"g": (0, 2)}
    requests = [Request(f"t{i}", window, DRY, order) for i, order in enumerate([5, 4, 3, 2, 1, 0])]
    day = Problem({"g": [2, 2, 2]}, None, requests, max_wait=None)
    booking = {f"t{i}": ("g", i // 2) for i in range(6)}
    held = Problem(
        day.capacity, None, [Request(r.id, r.windows, r.weight, r.order, held=booking[r.id]) for r in requests]
    )
    cut = lowered(held, "g", 0, 1)
    plan = OptimalPlanner().plan(cut)
    assert validate_plan(cut, plan) == []
    assert plan.moved == 1 == lost_places(cut)
    assert places(plan) == {**booking, "t0": (None, None)}  # t0 came last of the two in the first hour
    assert plan.assignments[1].reason == "kept_place"
    assert OptimalPlanner().plan(fresh(cut)).assignments != plan.assignments
    assert moves(cut, OptimalPlanner().plan(fresh(cut))) == 5  # the rule before: everyone re-ranked


def test_a_truck_that_lost_its_place_takes_a_free_one_before_displacing_anyone() -> None:
    """A durian loses its hour; the next hour has a free place: it moves there and nobody else moves."""
    requests = [
        Request("durian", {"g": (0, 2)}, DURIAN, 0, held=("g", 0)),
        Request("dry0", {"g": (0, 2)}, DRY, 1, held=("g", 1)),
        Request("dry1", {"g": (0, 2)}, DRY, 2, held=("g", 2)),
    ]
    cut = Problem({"g": [0, 2, 1]}, None, requests, max_wait=None)
    plan = OptimalPlanner().plan(cut)
    assert places(plan) == {"durian": ("g", 1), "dry0": ("g", 1), "dry1": ("g", 2)}
    assert plan.moved == 1
    assert [a.reason for a in plan.assignments] == ["earlier_slots_full", "kept_place", "kept_place"]


def test_a_perishable_truck_displaces_one_less_perishable_truck_not_the_day() -> None:
    """A full day of dry goods, booked; a durian that can only use the first hour asks for a place. It takes
    one, displacing exactly one dry truck (to a later hour with room), and the rest of the day stays."""
    dry = [Request(f"dry{i}", {"g": (0, 3)}, DRY, i, held=("g", i // 2)) for i in range(6)]
    durian = Request("durian", {"g": (0, 0)}, DURIAN, 6)
    problem = Problem({"g": [2, 2, 2, 1]}, None, [*dry, durian], max_wait=None)
    plan = OptimalPlanner().plan(problem)
    got = places(plan)
    assert got["durian"] == ("g", 0)
    assert plan.moved == 1 and plan.unassigned == 0
    moved = [r.id for r in dry if got[r.id] != r.held]
    assert len(moved) == 1 and got[moved[0]] == ("g", 3)
    assert moves(fresh(problem), OptimalPlanner().plan(fresh(problem))) == 0  # (nobody held anything there)


def test_the_waiting_limit_still_comes_before_keeping_places() -> None:
    """Keeping a held place never puts a truck past the waiting limit that a move would have kept within it."""
    requests = [
        Request("late", {"g": (0, 3)}, DRY, 0),  # holds nothing; within the limit only in slots 0 and 1
        Request("held", {"g": (1, 3)}, DRY, 1, held=("g", 1)),  # within the limit in slot 1 or 2
    ]
    problem = Problem({"g": [0, 1, 1, 1]}, None, requests, max_wait=1)
    plan = OptimalPlanner().plan(problem)
    assert (plan.fairness_violations, plan.moved) == (0, 1)
    assert places(plan) == {"late": ("g", 1), "held": ("g", 2)}
    keep = Problem(problem.capacity, None, requests, max_wait=None)  # without a limit, it keeps its place
    assert (OptimalPlanner().plan(keep).moved, places(OptimalPlanner().plan(keep))["late"]) == (0, ("g", 2))


def test_simple_policies_keep_held_places_while_the_slot_has_room() -> None:
    requests = [
        Request("a", {"g": (0, 2)}, DRY, 0, held=("g", 0)),
        Request("b", {"g": (0, 2)}, DURIAN, 1, held=("g", 0)),
        Request("c", {"g": (0, 2)}, DRY, 2, held=("g", 2)),
        Request("d", {"g": (0, 2)}, DRY, 3),
    ]
    cut = Problem({"g": [1, 1, 1]}, None, requests, max_wait=None)
    fcfs, greedy = FirstComeFirstServed().plan(cut), PriorityGreedy().plan(cut)
    # FCFS keeps the first come (a), the greedy the most perishable (b); the other takes the free hour
    assert places(fcfs) == {"a": ("g", 0), "b": ("g", 1), "c": ("g", 2), "d": (None, None)}
    assert places(greedy) == {"a": ("g", 1), "b": ("g", 0), "c": ("g", 2), "d": (None, None)}
    assert fcfs.moved == greedy.moved == 1
    for plan in (fcfs, greedy):
        assert validate_plan(cut, plan) == []
        assert {a.request_id for a in plan.assignments if a.reason == "kept_place"} == {
            "c",
            "a" if plan is fcfs else "b",
        }


# ------------------------------------------------------------------------------------------ random booked days


@st.composite
def cuts(draw: st.DrawFn) -> tuple[Problem, str, int, int, int | None]:
    problem = fresh(draw(problems()))
    key = draw(st.sampled_from(sorted(problem.capacity)))
    slot = draw(st.integers(0, len(problem.capacity[key]) - 1))
    trucks = draw(st.integers(0, problem.capacity[key][slot]))
    inspections = None
    if problem.inspection_capacity is not None:
        inspections = draw(st.integers(0, min(trucks, problem.inspection_capacity[key][slot])))
    return problem, key, slot, trucks, inspections


@settings(max_examples=120, deadline=None)
@given(cuts())
def test_a_replan_of_a_booked_day_moves_the_fewest_trucks_possible(
    cut_of: tuple[Problem, str, int, int, int | None],
) -> None:
    """Book a day with each policy, lower one slot, re-plan with the same policy.

    Unchanged, a re-plan is the booked plan itself (nobody moves). Lowered: the simple policies move exactly the
    trucks that lost their place; the optimal planner moves the fewest trucks any plan of the same first two
    stages can (the LP), never more than re-planning as if nothing had been booked, and at least those that
    lost their place; its spoilage is the least among plans that move that few (the LP again).
    """
    problem, key, slot, trucks, inspections = cut_of
    for policy in POLICIES:
        plan = policy.plan(problem)
        held = booked(problem, plan)
        again = policy.plan(held)
        assert again.moved == 0
        assert places(again) == places(plan)
        assert (again.cost, again.unassigned, again.fairness_violations) == (
            plan.cost,
            plan.unassigned,
            plan.fairness_violations,
        )
        cut = lowered(held, key, slot, trucks, inspections)
        replanned = policy.plan(cut)
        assert validate_plan(cut, replanned) == []
        lost = lost_places(cut)
        if policy.name != "optimal":
            assert replanned.moved == lost
            continue
        assert lost <= replanned.moved <= moves(cut, policy.plan(fresh(cut)))
        if cut.requests:
            _, weight, late, spoilage, fewest = lp_solution(cut)
            placed = sum(
                r.weight for r, a in zip(cut.requests, replanned.assignments, strict=True) if a.slot is not None
            )
            assert (placed, replanned.fairness_violations, replanned.moved, replanned.cost) == (
                weight,
                late,
                fewest,
                spoilage,
            )
