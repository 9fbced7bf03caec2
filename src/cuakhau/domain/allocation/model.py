"""The planner's vocabulary: requests, problems, assignments and plans, grouped requests, reason codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Stable reason codes (see the package docstring, :mod:`cuakhau.domain.allocation`).
EARLIEST_FREE_SLOT = "earliest_free_slot"
EARLIEST_POSSIBLE = "earliest_possible"
AFTER_MORE_PERISHABLE = "after_more_perishable"
EARLIER_SLOTS_FULL = "earlier_slots_full"
FAIRNESS_BOUND = "fairness_bound"
PAST_FAIRNESS_BOUND = "past_fairness_bound"
NO_CAPACITY_IN_WINDOW = "no_capacity_in_window"
OUTSIDE_HORIZON = "outside_horizon"
KEPT_PLACE = "kept_place"

# A constant, not ``FirstComeFirstServed.name``: compiled (mypyc), a class does not expose its instances' attributes.
FCFS = "fcfs"


@dataclass(frozen=True, slots=True)
class Request:
    """A truck asking for a slot.

    ``windows`` maps each resource it may use (a gate and direction, ``"vn-huu-nghi/export"``) to its earliest
    and latest slot index there, inclusive. ``weight`` is its spoilage weight per slot waited; ``order`` its
    place in the order requests came (smaller is earlier). ``held``, in a re-plan, is the place (resource, slot)
    the truck holds now: the rule keeps it there unless placing more weight or keeping trucks within the waiting
    limit needs the place (a move is a notification to a driver who may already be on the road).
    """

    id: str
    windows: Mapping[str, tuple[int, int]]
    weight: int
    order: int
    needs_inspection: bool = False
    held: tuple[str, int] | None = None


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
    moved: int = 0  # requests that held a place (``Request.held``) and do not keep it: moved or not placed


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
