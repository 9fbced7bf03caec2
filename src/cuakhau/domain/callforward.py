"""Call-forward — gọi xe vào làn / 叫号进道: which waiting truck goes to a free lane next, and why.

The published rule: trucks in the yard are called in booking order, perishables first — the most perishable
class first (the same perishability weights as the booking planner: each class's profile in
:mod:`cuakhau.domain.perishability`), then the earlier booked slot, then the
earlier arrival in the yard. A truck called but not at the lane within the call timeout is skipped: it goes back
to the yard queue, is not called again for one call timeout (so the lane goes to a truck that is there), then
queues by the same rule from the time of the skip; the skip is recorded with its reason. A perishable lane
(luồng xanh nông sản / 果蔬绿色通道) takes perishable trucks first (the classes whose profile says
``perishable``), then anyone.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Generic, TypeVar

from cuakhau.domain.gate import Lane, LaneKind
from cuakhau.domain.perishability import PROFILES, Perishability

RULE_ID = "perishables_first_then_booking_order"

#: Read once from the profiles (the simulator calls trucks millions of times): each class's weight, and the
#: classes a perishable lane takes first.
_WEIGHTS: dict[Perishability, int] = {kind: p.weight for kind, p in PROFILES.items()}
_PERISHABLE: frozenset[Perishability] = frozenset(kind for kind, p in PROFILES.items() if p.perishable)


@dataclass(frozen=True, slots=True)
class CallRule:
    call_timeout: timedelta = timedelta(minutes=20)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": RULE_ID,
            "order": ["perishability weight (highest first)", "booked slot (earliest first)", "queued since"],
            "skipped": "not called again for one call timeout, then queued from the time of the skip",
            "call_timeout_minutes": self.call_timeout / timedelta(minutes=1),
            "perishability_weights": {p.value: w for p, w in _WEIGHTS.items()},
            "perishable_lanes": "take perishable trucks first, then any",
        }


DEFAULT_CALL_RULE = CallRule()


@dataclass(frozen=True, slots=True)
class Waiting:
    """A truck in the yard, waiting to be called."""

    trip_id: str
    perishability: Perishability
    slot_start: datetime | None  # its booked slot; None when it came without one
    queued_since: datetime  # yard arrival, or the time of its last skip

    @property
    def sort_key(self) -> tuple[int, datetime, datetime, str]:
        slot = self.slot_start or _far(self.queued_since.tzinfo)
        return (-_WEIGHTS[self.perishability], slot, self.queued_since, self.trip_id)


@functools.lru_cache(maxsize=32)
def _far(tz: tzinfo | None) -> datetime:
    """The latest instant, standing in for "no booked slot" (cached: the sort key is taken for every call)."""
    return datetime.max.replace(tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Call:
    trip_id: str
    lane: str
    position: int  # 1 = first in the queue when called
    reason: str


def lane_order(lane: Lane) -> tuple[bool, str]:
    """The order free lanes take trucks in: perishable lanes first, then by code."""
    return (lane.kind is not LaneKind.PERISHABLE, lane.code)


def order_queue(waiting: Iterable[Waiting]) -> list[Waiting]:
    return sorted(waiting, key=lambda w: w.sort_key)


def assign_lanes(waiting: Iterable[Waiting], free_lanes: Iterable[Lane], *, explain: bool = True) -> list[Call]:
    """Fill the free lanes from the queue under the published rule; each call says why this truck (without
    ``explain``, for the simulator, the same calls with an empty reason)."""
    queue = order_queue(waiting)
    calls: list[Call] = []
    # Perishable lanes choose first, so a fresh-fruit truck is not taken by a cargo lane it could have shared.
    lanes = sorted(free_lanes, key=lane_order)
    for lane in lanes:
        if not queue:
            break
        pick = 0
        if lane.kind is LaneKind.PERISHABLE:
            pick = next((i for i, w in enumerate(queue) if w.perishability in _PERISHABLE), 0)
        truck = queue.pop(pick)
        if not explain:
            calls.append(Call(truck.trip_id, lane.code, pick + 1 + len(calls), ""))
            continue
        slot = truck.slot_start.isoformat() if truck.slot_start else "none"
        calls.append(
            Call(
                trip_id=truck.trip_id,
                lane=lane.code,
                position=pick + 1 + len(calls),
                reason=f"{RULE_ID}: {truck.perishability.value} "
                f"(weight {_WEIGHTS[truck.perishability]}), slot {slot}, "
                f"queued since {truck.queued_since.isoformat()}, lane {lane.code} ({lane.kind.value})",
            )
        )
    return calls


T = TypeVar("T", datetime, float)  # an instant: an aware datetime, or seconds on one caller's time line
Item = TypeVar("Item")

#: Every perishable class weighs more than every other class (dry goods), so every perishable truck is ahead of
#: every other in the queue and a perishable lane's pick (the first perishable truck, else the first) is always
#: the head of the queue.
_DRY_LAST = min((_WEIGHTS[k] for k in _PERISHABLE), default=0) > max(
    (w for k, w in _WEIGHTS.items() if k not in _PERISHABLE), default=0
)


class CallQueue(Generic[T, Item]):
    """The yard queue kept in call order, for a caller that calls many trucks in a row (the simulator).

    :func:`assign_lanes` sorts a list of :class:`Waiting` on every call; this keeps one heap entry per truck,
    keyed as :attr:`Waiting.sort_key` is (weight, booked slot — ``far`` when none —, queued since, trip id),
    and :meth:`call` fills the free lanes exactly as :func:`assign_lanes` would on the trucks waiting (a
    property test checks it). Instants are aware datetimes or, for a caller with its own clock, seconds
    (``far`` then ``math.inf``); each truck carries an ``item`` given back when it is called.
    """

    __slots__ = ("_far", "_heap", "_seq")

    def __init__(self, far: T) -> None:
        self._far: T = far
        self._heap: list[tuple[int, T, T, str, int, Perishability, Item]] = []
        self._seq = 0  # never compared in practice: trip ids are unique

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Item]:
        """The items waiting, in no particular order."""
        return (e[6] for e in self._heap)

    def push(
        self, trip_id: str, perishability: Perishability, slot_start: T | None, queued_since: T, item: Item
    ) -> None:
        self._seq += 1
        slot = self._far if slot_start is None else slot_start
        entry = (-_WEIGHTS[perishability], slot, queued_since, trip_id, self._seq, perishability, item)
        heapq.heappush(self._heap, entry)

    def call(self, free_lanes: Iterable[Lane], limit: int | None = None) -> list[tuple[Lane, Item]]:
        """Fill the free lanes (at most ``limit`` of them, the first in :func:`lane_order`) from the queue:
        the calls of :func:`assign_lanes`, in its order, as (lane, item); the trucks called leave the queue."""
        heap = self._heap
        if not heap:
            return []
        lanes = free_lanes if isinstance(free_lanes, list) else list(free_lanes)
        if limit is not None and limit < 1:
            return []
        if _DRY_LAST and lanes and (len(heap) == 1 or len(lanes) == 1 or limit == 1):
            # one call (the common case: one lane freed, or one truck waiting): the first lane takes the head
            lane = lanes[0] if len(lanes) == 1 else min(lanes, key=lane_order)
            return [(lane, heapq.heappop(heap)[6])]
        lanes = sorted(lanes, key=lane_order)
        if limit is not None:
            lanes = lanes[:limit]
        calls: list[tuple[Lane, Item]] = []
        for lane in lanes:
            if not heap:
                break
            if _DRY_LAST or lane.kind is not LaneKind.PERISHABLE:
                calls.append((lane, heapq.heappop(heap)[6]))
                continue
            fresh = [e for e in heap if e[5] in _PERISHABLE]
            entry = min(fresh) if fresh else heap[0]
            heap.remove(entry)
            heapq.heapify(heap)
            calls.append((lane, entry[6]))
        return calls
