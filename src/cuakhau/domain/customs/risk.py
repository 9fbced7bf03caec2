"""The risk score of one declaration: the enterprise's compliance record, the commodity, the perishability,
and the hard rules that set a floor (:mod:`cuakhau.domain.customs`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cuakhau.domain.clock import ensure_utc
from cuakhau.domain.customs.profile import SCORE_DIGITS, Channel, HistoryRules, SelectivityProfile
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.shipment import Shipment


@dataclass(frozen=True, slots=True)
class EnterpriseHistory:
    """An enterprise's record over the profile's history window, summarised by the service that reads it.

    ``findings`` are physical inspections that found a discrepancy (sai phạm / 查验发现问题).
    """

    enterprise_id: str
    declarations: int = 0
    holds: int = 0
    rejections: int = 0
    findings: int = 0
    last_rejection_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("declarations", "holds", "rejections", "findings"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput("customs.history_invalid", field=name, name=name, value=str(value)[:20])
        if self.last_rejection_at is not None:
            object.__setattr__(self, "last_rejection_at", ensure_utc(self.last_rejection_at, field="last_rejection_at"))


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a declaration got its channel: a stable code (rendered by :func:`cuakhau.i18n.render`) and params."""

    code: str
    params: Mapping[str, str | int | float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The score of one declaration, the channel its hard rules demand at least, and the reasons so far."""

    score: float
    floor: Channel
    reasons: tuple[Reason, ...]


def history_score(history: EnterpriseHistory, rules: HistoryRules) -> float:
    """The compliance score in [0, 1]: the record's adverse rate blended with the prior (see :class:`HistoryRules`)."""
    n = history.declarations
    adverse = (
        history.holds * rules.hold_weight
        + history.rejections * rules.rejection_weight
        + history.findings * rules.finding_weight
    )
    record = min(1.0, adverse / n / rules.saturation_rate) if n else 0.0
    weight = n + rules.prior_declarations
    blended = (n * record + rules.prior_declarations * rules.prior_score) / weight if weight else record
    return round(blended, SCORE_DIGITS)


def assess_risk(
    shipment: Shipment, history: EnterpriseHistory, profile: SelectivityProfile, *, at: datetime
) -> RiskAssessment:
    """Score a declaration and apply the hard rules; the channel itself comes from :func:`select_channel`.

    The riskiest cargo line sets the commodity part (one bad line puts the whole truck at risk); the most
    urgent perishability class of the shipment sets that part.
    """
    at = ensure_utc(at)
    reasons: list[Reason] = []
    worst_line, worst_prefix, commodity = shipment.lines[0].hs.code, None, -1.0
    for line in shipment.lines:
        prefix, score = profile.commodity_score(line.hs.code)
        if score > commodity:
            worst_line, worst_prefix, commodity = line.hs.code, prefix, score
    if worst_prefix is None:
        reasons.append(Reason("risk.commodity_default", {"hs": worst_line, "score": commodity}))
    else:
        reasons.append(Reason("risk.commodity", {"hs": worst_line, "prefix": worst_prefix, "score": commodity}))

    past = history_score(history, profile.history)
    if history.declarations < profile.history.prior_declarations:
        reasons.append(Reason("risk.new_enterprise", {"declarations": history.declarations, "score": past}))
    else:
        reasons.append(
            Reason(
                "risk.history",
                {
                    "declarations": history.declarations,
                    "holds": history.holds,
                    "rejections": history.rejections,
                    "findings": history.findings,
                    "score": past,
                },
            )
        )

    kind = shipment.perishability
    perishable = profile.perishability_risk[kind]
    reasons.append(Reason("risk.perishability", {"perishability": kind.value, "score": perishable}))

    total = round(
        profile.weight_commodity * commodity
        + profile.weight_history * past
        + profile.weight_perishability * perishable,
        SCORE_DIGITS,
    )

    floor = Channel.GREEN
    for line in shipment.lines:
        watched = profile.watch_listed(line.hs.code)
        if watched is not None:
            reasons.append(Reason("risk.rule.watch_list", {"hs": line.hs.code, "prefix": watched}))
            floor = Channel.RED
            break
    last = history.last_rejection_at
    days = profile.history.recent_rejection_days
    if last is not None and at - last <= timedelta(days=days):
        reasons.append(Reason("risk.rule.recent_rejection", {"last_rejection": last.date().isoformat(), "days": days}))
        floor = max(floor, Channel.YELLOW, key=lambda c: c.rank)
    return RiskAssessment(score=min(1.0, max(0.0, total)), floor=floor, reasons=tuple(reasons))
