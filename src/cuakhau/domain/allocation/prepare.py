"""Checking a problem and clipping its windows to the horizon; the places left per slot while planning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cuakhau.domain.allocation.model import GroupedProblem, Problem
from cuakhau.domain.errors import InvalidInput

Window = tuple[str, int, int]  # (resource, first slot, last slot), clipped to the horizon


def _check_capacity(
    capacity: Mapping[str, Sequence[int]], inspection_capacity: Mapping[str, Sequence[int]] | None
) -> dict[str, int]:
    """Check the capacities; the last slot of each resource."""
    for key, caps in capacity.items():
        if not all(type(c) is int and c >= 0 for c in caps):
            raise InvalidInput("allocation.capacity", field="capacity", resource=key)
    if inspection_capacity is not None:
        insp = inspection_capacity
        if set(insp) != set(capacity):
            raise InvalidInput("allocation.capacity", field="inspection_capacity", resource=", ".join(sorted(insp)))
        for key, caps in insp.items():
            if len(caps) != len(capacity[key]) or not all(type(c) is int and c >= 0 for c in caps):
                raise InvalidInput("allocation.capacity", field="inspection_capacity", resource=key)
    return {k: len(c) - 1 for k, c in capacity.items()}


def _clip(windows: Mapping[str, tuple[int, int]], last_slot: Mapping[str, int], field: str) -> tuple[Window, ...]:
    """Check one windows mapping; its windows clipped to the horizon (empty ones dropped), by resource."""
    out: list[Window] = []
    for key in sorted(windows) if len(windows) > 1 else windows:
        lo, hi = windows[key]
        last = last_slot.get(key)
        if last is None:
            raise InvalidInput("allocation.unknown_resource", field=f"{field}.windows", resource=key)
        if hi < lo:
            raise InvalidInput("time.end_before_start", field=f"{field}.windows.{key}")
        lo, hi = (lo if lo > 0 else 0), (hi if hi < last else last)
        if lo <= hi:
            out.append((key, lo, hi))
    return tuple(out)


def _prepare(problem: Problem) -> list[tuple[Window, ...]]:
    """Check the problem; each request's windows clipped to the horizon (empty ones dropped), by resource."""
    last_slot = _check_capacity(problem.capacity, problem.inspection_capacity)
    seen: set[str] = set()
    out: list[tuple[Window, ...]] = []
    clipped: dict[int, tuple[Window, ...]] = {}  # by the identity of a windows mapping (alive all call long)
    for i, r in enumerate(problem.requests):
        if r.id in seen:
            raise InvalidInput("allocation.duplicate_request", field=f"requests[{i}].id", id=r.id)
        seen.add(r.id)
        if type(r.weight) is not int or r.weight < 1:  # (bool is not int here)
            raise InvalidInput("number.not_positive", field=f"requests[{i}].weight", value=r.weight)
        done = clipped.get(id(r.windows))
        if done is not None:  # the same mapping object as an earlier request's: already checked and clipped
            out.append(done)
            continue
        out.append(clipped.setdefault(id(r.windows), _clip(r.windows, last_slot, f"requests[{i}]")))
    return out


def _prepare_groups(problem: GroupedProblem) -> list[tuple[Window, ...]]:
    """Check a grouped problem; each group's windows clipped to the horizon, as :func:`_prepare` does."""
    last_slot = _check_capacity(problem.capacity, problem.inspection_capacity)
    out: list[tuple[Window, ...]] = []
    for i, g in enumerate(problem.groups):
        if type(g.weight) is not int or g.weight < 1:
            raise InvalidInput("number.not_positive", field=f"groups[{i}].weight", value=g.weight)
        if type(g.count) is not int or g.count < 1:
            raise InvalidInput("number.not_positive", field=f"groups[{i}].count", value=g.count)
        out.append(_clip(g.windows, last_slot, f"groups[{i}]"))
    return out


def _keepable(held: tuple[str, int] | None, wins: tuple[Window, ...]) -> tuple[str, int] | None:
    """The place a request holds when it lies in one of its (clipped) windows, so that it may keep it; else
    None (a place outside its windows, or past the horizon, cannot be kept)."""
    if held is None:
        return None
    key, slot = held
    for k, lo, hi in wins:
        if k == key and lo <= slot <= hi:
            return held
    return None


def _keep_held(
    problem: Problem, windows: Sequence[tuple[Window, ...]], room: _Room, *, heaviest_first: bool
) -> list[tuple[str, int] | None]:
    """The simple policies' stability: each request holding a place keeps it while it has room for it, in the
    order requests came (``heaviest_first``: the most perishable first, then that order); the places kept are
    taken out of ``room``. Per request its kept place, else None."""
    requests = problem.requests
    kept: list[tuple[str, int] | None] = [None] * len(requests)
    holders = [i for i, r in enumerate(requests) if r.held is not None]
    if heaviest_first:
        holders.sort(key=lambda i: (-requests[i].weight, requests[i].order))
    else:
        holders.sort(key=lambda i: requests[i].order)
    for i in holders:
        r = requests[i]
        held = _keepable(r.held, windows[i])
        if held is not None and room.fits(held[0], held[1], r.needs_inspection):
            room.take(held[0], held[1], r.needs_inspection)
            kept[i] = held
    return kept


class _Room:
    """Places left per slot: trucks, and inspection places (``None`` when inspection is not a constraint)."""

    def __init__(self, problem: Problem) -> None:
        self.trucks = {k: list(v) for k, v in problem.capacity.items()}
        insp = problem.inspection_capacity
        self.inspection = {k: list(v) for k, v in insp.items()} if insp is not None else None

    def fits(self, key: str, slot: int, inspection: bool) -> bool:
        if self.trucks[key][slot] <= 0:
            return False
        return not (inspection and self.inspection is not None and self.inspection[key][slot] <= 0)

    def take(self, key: str, slot: int, inspection: bool) -> None:
        self.trucks[key][slot] -= 1
        if inspection and self.inspection is not None:
            self.inspection[key][slot] -= 1


class _NextFree:
    """The next slot at or after ``s`` still open, with slots closed for good (union-find, path halving)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size + 1))  # ``size`` is the sentinel "none left"

    def find(self, s: int) -> int:
        parent = self.parent
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def close(self, s: int) -> None:
        self.parent[s] = s + 1
