"""The officer's result on a declaration: cuakhau records customs' decision, one final result per declaration
(:mod:`cuakhau.domain.customs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.customs.profile import MAX_ID, MAX_REASON, Channel
from cuakhau.domain.customs.selection import ChannelDecision
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.i18n.times import local_time


class ResultKind(StrEnum):
    """What an officer records on a declaration."""

    RELEASE = "release"  # thông quan / 放行 — final
    HOLD = "hold"  # tạm dừng / 暂扣 — pending; a release or reject follows
    REJECT = "reject"  # từ chối thông quan / 不予放行 — final

    @property
    def final(self) -> bool:
        return self is not ResultKind.HOLD


@dataclass(frozen=True, slots=True)
class CustomsResult:
    """An officer's result on a declaration; cuakhau records it, it never makes one up."""

    declaration_id: str
    kind: ResultKind
    officer_id: str
    at: datetime
    channel: Channel
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "declaration_id": self.declaration_id,
            "kind": self.kind.value,
            "officer_id": self.officer_id,
            "at": self.at.isoformat(),
            "channel": self.channel.value,
            "reason": self.reason,
        }


def record_result(
    decision: ChannelDecision,
    previous: Sequence[CustomsResult],
    *,
    kind: ResultKind | str,
    officer_id: str,
    reason: str | None = None,
    at: datetime,
    tz: tzinfo,
) -> CustomsResult:
    """Check and build an officer's result on ``decision``, given the results already recorded on it.

    Any channel may end in any result (a green declaration can still be held). A hold and a reject need a
    reason. A hold may be followed by a release or a reject; once a release or a reject is recorded, nothing
    more is (``customs.already_decided``): cuakhau carries customs' decision, it never issues a second one.
    """
    if isinstance(kind, str) and not isinstance(kind, ResultKind):
        try:
            kind = ResultKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in ResultKind)
            raise InvalidInput("enum.invalid", field="kind", value=kind[:40], allowed=allowed) from None
    officer = (officer_id or "").strip()
    if not officer or len(officer) > MAX_ID:
        raise InvalidInput("customs.officer_required", field="officer_id")
    text = (reason or "").strip() or None
    if text is None and kind is not ResultKind.RELEASE:
        raise InvalidInput("customs.reason_required", field="reason", result=kind.value)
    if text is not None and len(text) > MAX_REASON:
        raise InvalidInput("text.too_long", field="reason", max=MAX_REASON)
    at = ensure_utc(at)
    if at < decision.decided_at:
        raise InvalidInput(
            "customs.result_before_decision",
            field="at",
            at=local_time(at, tz),
            decided_at=local_time(decision.decided_at, tz),
        )
    for earlier in previous:
        if earlier.declaration_id != decision.declaration_id:
            raise InvalidInput(
                "customs.wrong_declaration",
                field="declaration_id",
                declaration_id=earlier.declaration_id,
                expected=decision.declaration_id,
            )
        if earlier.kind.final:
            raise Conflict(
                "customs.already_decided",
                field="kind",
                declaration_id=decision.declaration_id,
                result=earlier.kind.value,
            )
    if kind is ResultKind.HOLD and any(e.kind is ResultKind.HOLD for e in previous):
        raise Conflict("customs.already_held", field="kind", declaration_id=decision.declaration_id)
    if previous and at < max(e.at for e in previous):
        raise InvalidInput(
            "customs.result_before_decision",
            field="at",
            at=local_time(at, tz),
            decided_at=local_time(max(e.at for e in previous), tz),
        )
    return CustomsResult(
        declaration_id=decision.declaration_id,
        kind=kind,
        officer_id=officer,
        at=at,
        channel=decision.channel,
        reason=text,
    )
