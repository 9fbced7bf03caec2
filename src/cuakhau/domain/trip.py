"""The trip — chuyến xe / 车次: one truck, one driver, one shipment, through one gate in one direction.

A trip has exactly one lifecycle, written down below as a table so it can be published and tested::

    declared ─book─▶ booked ─dispatch─▶ dispatched ─arrive─▶ arrived (yard) ─call─▶ called
    called ─inspect─▶ inspecting ─clear─▶ cleared ─cross─▶ crossed
    called ─clear─▶ cleared                      (green channel: documents only, no physical inspection)
    called ─requeue─▶ arrived                    (called forward but not at the lane in time: back in the queue)
    hold (arrived, called, inspecting, cleared) ─▶ held ─release─▶ released ─call/inspect/clear─▶ …
    reject (called, inspecting, held) ─▶ rejected ─return─▶ returned
    cancel (declared, booked, dispatched) ─▶ cancelled;   no_show (booked, dispatched) ─▶ no_show

Every step is a :class:`TripEvent` with time, actor and reason, appended and never changed. Decisions that
stop or turn back a truck (hold, reject, return, cancel, no-show) must carry a reason: that is the published
rule that lets an exporter see *why*.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import IllegalTransition, InvalidInput
from cuakhau.domain.gate import Direction
from cuakhau.domain.values import ContainerNumber


class TripState(StrEnum):
    DECLARED = "declared"
    BOOKED = "booked"
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"  # in the yard — bãi chờ / 堆场
    CALLED = "called"  # called forward to a lane
    INSPECTING = "inspecting"
    CLEARED = "cleared"  # customs and quarantine released the goods (their decision, carried here)
    CROSSED = "crossed"
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class TripAction(StrEnum):
    DECLARE = "declare"
    BOOK = "book"
    DISPATCH = "dispatch"
    ARRIVE = "arrive"
    CALL = "call"
    INSPECT = "inspect"
    CLEAR = "clear"
    CROSS = "cross"
    HOLD = "hold"
    RELEASE = "release"
    REJECT = "reject"
    RETURN = "return"
    CANCEL = "cancel"
    NO_SHOW = "no_show"
    REQUEUE = "requeue"


class ActorRole(StrEnum):
    EXPORTER = "exporter"  # exporter or haulier — chủ hàng, nhà vận tải / 货主、承运人
    DRIVER = "driver"
    CUSTOMS = "customs"  # hải quan / 海关
    QUARANTINE = "quarantine"  # kiểm dịch / 检疫
    BORDER_GUARD = "border_guard"  # biên phòng / 边防
    GATE_ADMIN = "gate_admin"  # ban quản lý cửa khẩu / 口岸管理
    COUNTERPART = "counterpart"  # the system across the border
    SYSTEM = "system"  # a rule applied automatically (e.g. no-show after the grace period)


S, A = TripState, TripAction

#: The whole lifecycle: action -> (states it may start from, state it leads to).
TRANSITIONS: dict[TripAction, tuple[frozenset[TripState], TripState]] = {
    A.BOOK: (frozenset({S.DECLARED}), S.BOOKED),
    A.DISPATCH: (frozenset({S.BOOKED}), S.DISPATCHED),
    A.ARRIVE: (frozenset({S.DISPATCHED}), S.ARRIVED),
    A.CALL: (frozenset({S.ARRIVED, S.RELEASED}), S.CALLED),
    A.INSPECT: (frozenset({S.CALLED, S.RELEASED}), S.INSPECTING),
    A.CLEAR: (frozenset({S.CALLED, S.INSPECTING, S.RELEASED}), S.CLEARED),
    A.CROSS: (frozenset({S.CLEARED}), S.CROSSED),
    A.HOLD: (frozenset({S.ARRIVED, S.CALLED, S.INSPECTING, S.CLEARED}), S.HELD),
    A.RELEASE: (frozenset({S.HELD}), S.RELEASED),
    A.REJECT: (frozenset({S.CALLED, S.INSPECTING, S.HELD}), S.REJECTED),
    A.RETURN: (frozenset({S.REJECTED, S.HELD}), S.RETURNED),
    A.CANCEL: (frozenset({S.DECLARED, S.BOOKED, S.DISPATCHED}), S.CANCELLED),
    A.NO_SHOW: (frozenset({S.BOOKED, S.DISPATCHED}), S.NO_SHOW),
    A.REQUEUE: (frozenset({S.CALLED}), S.ARRIVED),
}

#: Actions that stop or turn back a truck: a reason is mandatory.
REASON_REQUIRED: frozenset[TripAction] = frozenset({A.HOLD, A.REJECT, A.RETURN, A.CANCEL, A.NO_SHOW, A.REQUEUE})

TERMINAL_STATES: frozenset[TripState] = frozenset({S.CROSSED, S.RETURNED, S.CANCELLED, S.NO_SHOW})

MAX_REASON_LENGTH = 2000


def allowed_actions(state: TripState) -> list[TripAction]:
    """Actions that may be taken from ``state``, in lifecycle order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a user or system id and the role they acted in."""

    id: str
    role: ActorRole

    def __post_init__(self) -> None:
        if not self.id.strip() or len(self.id) > 200:
            raise InvalidInput("actor.id", field="actor.id")


@dataclass(frozen=True, slots=True)
class TripEvent:
    """One step of a trip, kept forever (sự kiện / 事件)."""

    trip_id: str
    seq: int
    action: TripAction
    from_state: TripState | None
    to_state: TripState
    at: datetime
    actor: Actor
    reason: str | None = None
    #: The officer's reason for letting the step through a rule that refused it (the gate pair's opening hours).
    override_reason: str | None = None


@dataclass(slots=True)
class Trip:
    id: str
    gate_id: str
    direction: Direction
    vehicle_id: str
    driver_id: str
    shipment_id: str
    trailer_id: str | None = None
    containers: tuple[ContainerNumber, ...] = ()
    state: TripState = TripState.DECLARED
    version: int = 0
    declared_at: datetime | None = None
    updated_at: datetime | None = None
    #: Events raised since the trip was loaded; the repository appends them and clears the list.
    pending_events: list[TripEvent] = field(default_factory=list)

    @classmethod
    def declare(
        cls,
        *,
        gate_id: str,
        direction: Direction,
        vehicle_id: str,
        driver_id: str,
        shipment_id: str,
        actor: Actor,
        clock: Clock,
        trailer_id: str | None = None,
        containers: tuple[ContainerNumber, ...] = (),
        trip_id: str | None = None,
    ) -> Trip:
        if len(set(containers)) != len(containers):
            raise InvalidInput("trip.container_duplicate", field="containers")
        now = clock.now()
        trip = cls(
            id=trip_id or new_id(),
            gate_id=gate_id,
            direction=direction,
            vehicle_id=vehicle_id,
            driver_id=driver_id,
            shipment_id=shipment_id,
            trailer_id=trailer_id,
            containers=containers,
            declared_at=now,
            updated_at=now,
        )
        trip.pending_events.append(TripEvent(trip.id, 1, A.DECLARE, None, S.DECLARED, now, actor, None))
        return trip

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def apply(
        self,
        action: TripAction,
        *,
        actor: Actor,
        clock: Clock,
        reason: str | None = None,
        override_reason: str | None = None,
    ) -> TripEvent:
        """Take one step of the lifecycle, or refuse it naming the current state and the step asked for.
        ``override_reason``: why an officer let the step through a rule that refused it, kept on the event."""
        sources, target = TRANSITIONS.get(action, (frozenset(), None))
        if target is None or self.state not in sources:
            raise IllegalTransition(
                trip_id=self.id,
                state=self.state.value,
                action=action.value,
                allowed=[a.value for a in allowed_actions(self.state)],
            )
        reason = (reason or "").strip() or None
        if action in REASON_REQUIRED and reason is None:
            raise InvalidInput("trip.reason_required", field="reason", action=action.value)
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput("text.too_long", field="reason", max=MAX_REASON_LENGTH)
        now = clock.now()
        if self.updated_at is not None and now < self.updated_at:
            # Events of one trip are totally ordered in time; a step dated before the last one is a clock fault.
            now = self.updated_at
        event = TripEvent(
            trip_id=self.id,
            seq=self.version + len(self.pending_events) + 1,
            action=action,
            from_state=self.state,
            to_state=target,
            at=now,
            actor=actor,
            reason=reason,
            override_reason=override_reason,
        )
        self.state = target
        self.updated_at = now
        self.pending_events.append(event)
        return event


def new_id() -> str:
    return uuid.uuid4().hex
