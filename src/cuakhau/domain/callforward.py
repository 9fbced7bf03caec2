"""Call-forward — gọi xe vào làn / 叫号进道: which waiting truck goes to a free lane next, and why.

The published rule: trucks in the yard are called in booking order, perishables first — the most perishable
class first (the same perishability weights as the booking planner), then the earlier booked slot, then the
earlier arrival in the yard. A truck called but not at the lane within the call timeout is skipped: it goes back
to the yard queue, is not called again for one call timeout (so the lane goes to a truck that is there), then
queues by the same rule from the time of the skip; the skip is recorded with its reason. A perishable lane
(luồng xanh nông sản / 果蔬绿色通道) takes perishable trucks first, then anyone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from cuakhau.domain.allocation import PERISHABILITY_WEIGHTS
from cuakhau.domain.gate import Lane, LaneKind
from cuakhau.domain.shipment import Perishability

RULE_ID = "perishables_first_then_booking_order"


@dataclass(frozen=True, slots=True)
class CallRule:
    call_timeout: timedelta = timedelta(minutes=20)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": RULE_ID,
            "order": ["perishability weight (highest first)", "booked slot (earliest first)", "queued since"],
            "skipped": "not called again for one call timeout, then queued from the time of the skip",
            "call_timeout_minutes": self.call_timeout / timedelta(minutes=1),
            "perishability_weights": {p.value: w for p, w in PERISHABILITY_WEIGHTS.items()},
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
        return (-PERISHABILITY_WEIGHTS[self.perishability], slot, self.queued_since, self.trip_id)


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


def order_queue(waiting: Iterable[Waiting]) -> list[Waiting]:
    return sorted(waiting, key=lambda w: w.sort_key)


def assign_lanes(waiting: Iterable[Waiting], free_lanes: Iterable[Lane], *, explain: bool = True) -> list[Call]:
    """Fill the free lanes from the queue under the published rule; each call says why this truck (without
    ``explain``, for the simulator, the same calls with an empty reason)."""
    queue = order_queue(waiting)
    calls: list[Call] = []
    # Perishable lanes choose first, so a fresh-fruit truck is not taken by a cargo lane it could have shared.
    lanes = sorted(free_lanes, key=lambda ln: (ln.kind is not LaneKind.PERISHABLE, ln.code))
    for lane in lanes:
        if not queue:
            break
        pick = 0
        if lane.kind is LaneKind.PERISHABLE:
            pick = next((i for i, w in enumerate(queue) if w.perishability is not Perishability.DRY_GOODS), 0)
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
                f"(weight {PERISHABILITY_WEIGHTS[truck.perishability]}), slot {slot}, "
                f"queued since {truck.queued_since.isoformat()}, lane {lane.code} ({lane.kind.value})",
            )
        )
    return calls
