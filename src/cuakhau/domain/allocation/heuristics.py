"""The simple policies: first come, first served (the baseline) and the priority greedy."""

from __future__ import annotations

import heapq

from cuakhau.domain.allocation.explain import Placement, _explain
from cuakhau.domain.allocation.model import FCFS, Plan, Problem
from cuakhau.domain.allocation.prepare import _keep_held, _NextFree, _prepare, _Room


class FirstComeFirstServed:
    """In the order requests came, each takes its earliest slot with room (earliest slot first, then resource).

    In a re-plan, each truck first keeps the place it holds (``Request.held``) while that slot has room for it,
    in the order trucks came; only the others are placed, first come, first served.
    """

    name = FCFS

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        windows = _prepare(problem)
        room = _Room(problem)
        placed: list[Placement | None] = _keep_held(problem, windows, room, heaviest_first=False)
        # next slot with a truck place, and next with a truck *and* an inspection place, per resource
        free = {k: _NextFree(len(c)) for k, c in problem.capacity.items()}
        free_insp = {k: _NextFree(len(c)) for k, c in problem.capacity.items()}
        for k, caps in room.trucks.items():
            for s, c in enumerate(caps):
                if c <= 0:
                    free[k].close(s)
                if c <= 0 or (room.inspection is not None and room.inspection[k][s] <= 0):
                    free_insp[k].close(s)
        for i in sorted(range(len(problem.requests)), key=lambda i: problem.requests[i].order):
            if placed[i] is not None:
                continue  # kept the place it holds
            insp = problem.requests[i].needs_inspection
            best: tuple[int, str] | None = None
            for key, lo, hi in windows[i]:
                s = (free_insp if insp else free)[key].find(lo)
                if s <= hi and (best is None or s < best[0]):
                    best = (s, key)
            if best is None:
                continue
            s, key = best
            room.take(key, s, insp)
            placed[i] = (key, s)
            if room.trucks[key][s] <= 0:
                free[key].close(s)
                free_insp[key].close(s)
            elif room.inspection is not None and room.inspection[key][s] <= 0:
                free_insp[key].close(s)
        return _explain(self.name, problem, windows, placed, explain)


class PriorityGreedy:
    """Slot by slot in time order: last-chance trucks first, then the most perishable, then first come.

    A truck's last chance is the last slot within the published waiting limit and, again, the last slot of
    its windows. Simple and fast, but not optimal: it cannot see that a truck served now would have fitted
    later. In a re-plan, each truck first keeps the place it holds while that slot has room for it (the most
    perishable first, then first come); only the others are placed, slot by slot.
    """

    name = "priority"

    def plan(self, problem: Problem, *, explain: bool = True) -> Plan:
        windows = _prepare(problem)
        requests = problem.requests
        room = _Room(problem)
        placed: list[Placement | None] = _keep_held(problem, windows, room, heaviest_first=True)
        horizon = max((len(c) for c in problem.capacity.values()), default=0)
        starts: dict[str, list[list[int]]] = {k: [[] for _ in c] for k, c in problem.capacity.items()}
        deadlines: list[tuple[int, ...]] = []
        limit = problem.max_wait
        for i, wins in enumerate(windows):
            last = within = -1
            for key, lo, hi in wins:
                starts[key][lo].append(i)
                last = max(last, hi)
                within = max(within, hi if limit is None else min(hi, lo + limit))
            deadlines.append((within, last) if within != last else (last,))
        latest = [{key: hi for key, _, hi in wins} for wins in windows]
        # per resource: last-chance heap (deadline, -weight, order, i), weight heaps without / with inspection
        urgent: dict[str, list[tuple[int, int, int, int]]] = {k: [] for k in problem.capacity}
        plain: dict[str, list[tuple[int, int, int]]] = {k: [] for k in problem.capacity}
        inspected: dict[str, list[tuple[int, int, int]]] = {k: [] for k in problem.capacity}

        def top(heap: list[tuple[int, int, int]], key: str, s: int) -> tuple[int, int, int] | None:
            while heap and (placed[heap[0][2]] is not None or latest[heap[0][2]][key] < s):
                heapq.heappop(heap)
            return heap[0] if heap else None

        for s in range(horizon):
            for key in sorted(problem.capacity):
                if s >= len(problem.capacity[key]):
                    continue
                for i in starts[key][s]:
                    r = requests[i]
                    for d in deadlines[i]:
                        heapq.heappush(urgent[key], (d, -r.weight, r.order, i))
                    heapq.heappush(inspected[key] if r.needs_inspection else plain[key], (-r.weight, r.order, i))
                heap = urgent[key]
                while heap and heap[0][0] <= s and room.trucks[key][s] > 0:
                    d, _, _, i = heapq.heappop(heap)
                    inspection = requests[i].needs_inspection
                    if d == s and placed[i] is None and latest[i][key] >= s and room.fits(key, s, inspection):
                        room.take(key, s, inspection)
                        placed[i] = (key, s)
                while room.trucks[key][s] > 0:
                    a = top(plain[key], key, s)
                    b = top(inspected[key], key, s) if room.fits(key, s, True) else None
                    if a is None and b is None:
                        break
                    best = plain[key] if b is None or (a is not None and a < b) else inspected[key]
                    _, _, i = heapq.heappop(best)
                    room.take(key, s, requests[i].needs_inspection)
                    placed[i] = (key, s)
        return _explain(self.name, problem, windows, placed, explain)
