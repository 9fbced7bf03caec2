"""The reasons of a plan, derived from its placements (so they are true of them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    Assignment,
    Plan,
    Problem,
    Request,
)
from cuakhau.domain.allocation.prepare import Window

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
    moved = _moved(requests, placed)
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
        if r.held is not None and r.held == p:
            reason = KEPT_PLACE
        elif fcfs:
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
    return Plan(policy, out, cost, sum(p is None for p in placed), violations, moved)


def _moved(requests: Sequence[Request], placed: Sequence[Placement | None]) -> int:
    """Requests that held a place and do not keep it (moved elsewhere or not placed)."""
    return sum(r.held is not None and r.held != p for r, p in zip(requests, placed, strict=True))


def _unexplained(
    policy: str, problem: Problem, windows: list[tuple[Window, ...]], placed: Sequence[Placement | None]
) -> Plan:
    max_wait = problem.max_wait
    out: list[Assignment] = []
    cost = violations = unassigned = 0
    no_params: Mapping[str, int | str] = {}
    moved = 0
    for r, wins, p in zip(problem.requests, windows, placed, strict=True):
        if r.held is not None and r.held != p:
            moved += 1
        if p is None:
            unassigned += 1
            out.append(Assignment(r.id, None, None, None, policy, "", no_params))
            continue
        key, slot = p
        wait = slot - (wins[0][1] if len(wins) == 1 else next(w[1] for w in wins if w[0] == key))
        cost += r.weight * wait
        violations += max_wait is not None and wait > max_wait
        out.append(Assignment(r.id, key, slot, wait, policy, "", no_params))
    return Plan(policy, out, cost, unassigned, violations, moved)
