"""The optimal planner's exact shortcut: a greedy plan taken without the flow when it provably is optimal."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from cuakhau.domain.allocation.model import Placed
from cuakhau.domain.allocation.prepare import Window


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
