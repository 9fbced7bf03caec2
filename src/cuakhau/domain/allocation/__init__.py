"""Slot allocation — phân bổ khung giờ / 时段分配 — under published, auditable policies.

In a harvest peak about a thousand fruit trucks a day ask for a gate that can take about three hundred, so
every truck is booked into an hourly slot before it leaves the orchard. The published rule:

1. **Place as many trucks as capacity allows.** When not all fit, the trucks placed are the set with the
   largest total perishability weight; that set is also one of the largest possible (the sets of trucks that
   can be placed together form a matroid, so the heaviest is a largest one).
2. **Keep every truck within the published waiting limit** (``max_wait`` slots past its earliest slot) as far
   as capacity allows: fewest trucks past the limit.
3. **A re-plan keeps every booking that can stay where it is.** A truck that holds a place (``Request.held``:
   a booked day re-planned after a closure, a lowered quota, or a perishable truck that found no room) keeps
   it unless the two stages above need it: fewest trucks moved (to another slot or to the waiting list). So a
   re-plan moves the trucks that lost their place, and those that a truck placed in their stead must displace
   — never the rest of the day; each move is a notification to a driver who may already be on the road.
4. **Then keep spoilage lowest.** Each slot a truck waits past its earliest slot costs its perishability
   weight (published in each class's profile, :mod:`cuakhau.domain.perishability`: live animals weigh most,
   dry goods least). The plan minimises the sum of weight × wait over the trucks placed.

Every truck stays inside its window (earliest to latest slot, per gate and direction it may use), and no slot
takes more trucks than its capacity, nor more plant-quarantine inspections than its inspection places.
The optimal planner solves this exactly as a min-cost flow; first come, first served is the baseline, and a
greedy ("last chance first, then the most perishable") is the simple alternative. In a re-plan both simple
policies first keep each truck's held place while its slot has room (FCFS in the order trucks came, the greedy
most perishable first) and place only the others; they never displace a truck. Every assignment carries
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
``kept_place``              a re-plan kept the truck in the place it held (``params`` as for any placed truck)
``no_capacity_in_window``   not placed: every slot of every window was full (waiting list)
``outside_horizon``         not placed: no slot of its windows lies in the planning horizon
==========================  ================================================================================

"Full" means for that truck: no truck place left, or no inspection place left when it needs inspection.
The ``params`` of a placed truck are ``earliest``, ``wait``, ``weight`` and ``max_wait`` (when there is a
limit); of one that waited also ``ahead`` (trucks placed in its slots before), ``ahead_heavier`` and
``ahead_weight`` (the heaviest weight among those, 0 when none was heavier); of one not placed ``weight``,
``slots`` (how many slots its windows hold in the horizon) and ``max_wait``.

Windows are clipped to the horizon (the slots a resource's capacity lists); a wait counts from the first slot
of the clipped window. A plan's ``moved`` counts the trucks that held a place and do not keep it; a held place
outside the truck's (clipped) windows cannot be kept. A window naming a resource without capacity, a window
ending before it starts, a weight below 1 and duplicate request ids are refused with
:class:`~cuakhau.domain.errors.InvalidInput`.

The package, one module per concern (each imports only the ones listed before it):

* :mod:`.model` — requests, problems, assignments and plans, grouped requests, the reason codes;
* :mod:`.prepare` — checking a problem, clipping windows to the horizon, the places left per slot;
* :mod:`.explain` — each assignment's reason and figures, derived from the placements;
* :mod:`.heuristics` — first come, first served and the priority greedy;
* :mod:`.shortcut` — the optimal planner's exact greedy shortcut, with its proof;
* :mod:`.optimal` — the optimal planner (min-cost flow) and the weights of its objective;
* :mod:`.checks` — a plan's spoilage and everything wrong with it.
"""

from __future__ import annotations

from cuakhau.domain.allocation.checks import spoilage_cost, validate_plan
from cuakhau.domain.allocation.explain import Placement
from cuakhau.domain.allocation.heuristics import FirstComeFirstServed, PriorityGreedy
from cuakhau.domain.allocation.model import (
    AFTER_MORE_PERISHABLE,
    EARLIER_SLOTS_FULL,
    EARLIEST_FREE_SLOT,
    EARLIEST_POSSIBLE,
    FAIRNESS_BOUND,
    FCFS,
    KEPT_PLACE,
    NO_CAPACITY_IN_WINDOW,
    OUTSIDE_HORIZON,
    PAST_FAIRNESS_BOUND,
    AllocationPolicy,
    Assignment,
    GroupedPlan,
    GroupedProblem,
    Placed,
    Plan,
    Problem,
    Request,
    RequestGroup,
)
from cuakhau.domain.allocation.optimal import OptimalPlanner, objective_weights
from cuakhau.domain.allocation.prepare import Window

__all__ = [
    "AFTER_MORE_PERISHABLE",
    "EARLIER_SLOTS_FULL",
    "EARLIEST_FREE_SLOT",
    "EARLIEST_POSSIBLE",
    "FAIRNESS_BOUND",
    "FCFS",
    "KEPT_PLACE",
    "NO_CAPACITY_IN_WINDOW",
    "OUTSIDE_HORIZON",
    "PAST_FAIRNESS_BOUND",
    "AllocationPolicy",
    "Assignment",
    "FirstComeFirstServed",
    "GroupedPlan",
    "GroupedProblem",
    "OptimalPlanner",
    "Placed",
    "Placement",
    "Plan",
    "PriorityGreedy",
    "Problem",
    "Request",
    "RequestGroup",
    "Window",
    "objective_weights",
    "spoilage_cost",
    "validate_plan",
]
