"""The customs risk channel — phân luồng tờ khai / 报关单风险分流 — and the officer's result.

Every declaration gets a channel: green (luồng xanh / 绿色通道: documents accepted automatically), yellow
(luồng vàng / 黄色通道: document check) or red (luồng đỏ / 红色通道: physical inspection). As in ASYCUDA's
selectivity module, the channel comes from a published :class:`SelectivityProfile`:

1. a **risk score** in [0, 1] from the commodity (HS prefix, longest wins), the enterprise's compliance history
   and the perishability of the cargo;
2. **hard rules** that set a floor (a watch-listed HS heading → red; a recent rejection → at least yellow);
3. **thresholds calibrated** on a rolling window of recent scores, so that the realised share of each channel
   tracks the target rates the board sets to match inspection capacity;
4. **random sampling** at a small published rate, drawn from an injected seeded :class:`random.Random`,
   so that low scores are still checked now and then and every draw can be replayed.

Each decision keeps its reasons (stable codes + params, rendered in vi/zh/en by :mod:`cuakhau.i18n`).
cuakhau carries customs' decision as the record of release: an officer records one final result
(release or reject) per declaration, and a second one is refused with ``customs.already_decided``.

The calibration state (:class:`SelectivityState`) is an immutable value the caller keeps and passes back in:
no globals, so a service can store it alongside the decisions in one transaction.
"""

from __future__ import annotations

import bisect
import math
import random
import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cuakhau.domain.clock import Clock, ensure_utc
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.domain.shipment import Shipment

SCORE_DIGITS = 4  # scores are published rounded, so equal inputs give exactly equal scores
MAX_ID = 128
MAX_REASON = 500
_HS_PREFIX_RE = re.compile(r"^[0-9]{2}([0-9]{2}){0,2}$")


class Channel(StrEnum):
    """The inspection channel of a declaration, ordered from least to most control."""

    GREEN = "green"  # luồng xanh / 绿色通道 — documents accepted automatically
    YELLOW = "yellow"  # luồng vàng / 黄色通道 — document check
    RED = "red"  # luồng đỏ / 红色通道 — physical inspection

    @property
    def rank(self) -> int:
        """0 green, 1 yellow, 2 red: a higher rank means more control."""
        return _RANKS[self]

    @classmethod
    def of_rank(cls, rank: int) -> Channel:
        return _CHANNEL_ORDER[rank]


_CHANNEL_ORDER = (Channel.GREEN, Channel.YELLOW, Channel.RED)
_RANKS = {c: r for r, c in enumerate(_CHANNEL_ORDER)}
_YELLOW_RANK, _RED_RANK = 1, 2


# --------------------------------------------------------------------------------------------------- profile


@dataclass(frozen=True, slots=True)
class TargetRates:
    """Shares of declarations the board wants in red and yellow; green takes the rest."""

    red: float
    yellow: float

    def __post_init__(self) -> None:
        for name in ("red", "yellow"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
                raise InvalidInput("customs.rates_invalid", field=name, red=self.red, yellow=self.yellow)
        if self.red + self.yellow > 1.0:
            raise InvalidInput("customs.rates_invalid", field="yellow", red=self.red, yellow=self.yellow)

    @property
    def green(self) -> float:
        return 1.0 - self.red - self.yellow

    def for_channel(self, channel: Channel) -> float:
        return {Channel.RED: self.red, Channel.YELLOW: self.yellow, Channel.GREEN: self.green}[channel]


def rates_from_capacity(
    *,
    inspection_places_per_day: float,
    document_checks_per_day: float,
    expected_declarations_per_day: float,
    max_red: float = 0.15,
    max_yellow: float = 0.40,
) -> TargetRates:
    """Target rates that match inspection capacity (what ASYCUDA's selectivity settings are tuned for).

    Red = physical inspections the gate can do per day / declarations expected per day, capped at ``max_red``
    (a board does not want more than that inspected however idle the bays are). A red declaration also has its
    documents checked, so yellow = document checks left after the red ones / declarations, capped at
    ``max_yellow``. Example: 30 inspection places, 120 document checks, 600 declarations a day → red 5 %,
    yellow 15 %.
    """
    for name, value in (
        ("inspection_places_per_day", inspection_places_per_day),
        ("document_checks_per_day", document_checks_per_day),
    ):
        if not math.isfinite(value) or value < 0:
            raise InvalidInput("customs.capacity_invalid", field=name, name=name, value=value)
    if not math.isfinite(expected_declarations_per_day) or expected_declarations_per_day <= 0:
        raise InvalidInput(
            "customs.capacity_invalid",
            field="expected_declarations_per_day",
            name="expected_declarations_per_day",
            value=expected_declarations_per_day,
        )
    red = min(max_red, inspection_places_per_day / expected_declarations_per_day)
    red_checks = red * expected_declarations_per_day
    yellow = min(max_yellow, max(0.0, document_checks_per_day - red_checks) / expected_declarations_per_day)
    return TargetRates(red=red, yellow=min(yellow, 1.0 - red))


@dataclass(frozen=True, slots=True)
class HistoryRules:
    """How the enterprise's compliance record (lịch sử tuân thủ / 守法记录) becomes a score.

    Adverse events in the window are weighted (a hold counts ``hold_weight``, a rejection or an inspection
    finding counts 1) and divided by the declarations; that rate reaches score 1 at ``saturation_rate``.
    The record is blended with a prior of ``prior_score`` worth ``prior_declarations`` declarations, so a new
    enterprise starts high (the prior) and earns a low score only by a clean record.
    """

    window_days: int = 365
    prior_declarations: int = 20
    prior_score: float = 0.6
    hold_weight: float = 0.5
    rejection_weight: float = 1.0
    finding_weight: float = 1.0
    saturation_rate: float = 0.2
    recent_rejection_days: int = 90  # a rejection this recent → at least yellow


@dataclass(frozen=True, slots=True)
class CalibrationRules:
    """How thresholds follow recent scores: a rolling window, recalibrated every ``recalibrate_every``
    declarations once it holds ``min_window``; until then the published initial thresholds apply."""

    window_size: int = 2000
    recalibrate_every: int = 50
    min_window: int = 200
    initial_red_threshold: float = 0.55
    initial_yellow_threshold: float = 0.40


#: Illustrative commodity risk by HS prefix for Vietnam–China road trade. A board (Tổng cục Hải quan /
#: 海关总署) sets the real table; these only give the system sensible behaviour out of the box.
DEFAULT_COMMODITY_RISK: dict[str, float] = {
    "01": 0.85,  # live animals: disease, smuggling
    "02": 0.70,  # meat
    "0206": 0.80,  # offal: African swine fever, frozen-offal smuggling
    "03": 0.60,  # fish and seafood
    "0303": 0.65,  # frozen fish
    "04": 0.55,  # dairy, eggs
    "07": 0.35,  # vegetables
    "08": 0.40,  # fruit and nuts: pests, planting-area codes
    "0801": 0.30,  # cashew, coconut
    "09": 0.25,  # coffee, tea, spices
    "10": 0.30,  # cereals
    "12": 0.35,  # oil seeds, plants
    "1211": 0.60,  # medicinal plants
    "24": 0.70,  # tobacco
    "27": 0.40,  # mineral fuels
    "30": 0.50,  # pharmaceuticals
    "31": 0.35,  # fertilisers
    "3105": 0.45,  # mixed fertilisers (NPK): quality and origin
    "38": 0.40,  # chemical products
    "3808": 0.60,  # pesticides
    "40": 0.20,  # rubber
    "44": 0.35,  # wood
    "61": 0.35,  # knitted clothing: undervaluation
    "62": 0.35,  # woven clothing
    "64": 0.35,  # footwear
    "72": 0.30,  # iron and steel
    "84": 0.15,  # machinery
    "8471": 0.25,  # computers
    "85": 0.20,  # electrical machinery
    "8517": 0.35,  # telephones
    "87": 0.30,  # vehicles
    "8703": 0.45,  # cars
    "93": 0.95,  # arms and ammunition
}

#: Illustrative watch list: HS prefixes that always go red (other live animals: wildlife trade, CITES).
DEFAULT_WATCH_LIST: frozenset[str] = frozenset({"0106"})


def _default_perishability_risk() -> dict[Perishability, float]:
    return {kind: p.customs_risk for kind, p in PROFILES.items()}


@dataclass(frozen=True, slots=True)
class SelectivityProfile:
    """The published, auditable selectivity settings (hồ sơ rủi ro / 风险参数). Every decision names its version.

    ``score = w_commodity·commodity + w_history·history + w_perishability·perishability``, each part in [0, 1].
    ``random_red``/``random_yellow``: shares of declarations sent to red/yellow at random whatever their score;
    they are part of (not added to) the target rates.
    """

    version: str = "default-1"
    targets: TargetRates = field(default_factory=lambda: TargetRates(red=0.05, yellow=0.15))
    random_red: float = 0.01
    random_yellow: float = 0.02
    commodity_risk: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COMMODITY_RISK))
    default_commodity_risk: float = 0.30
    watch_list: frozenset[str] = DEFAULT_WATCH_LIST
    #: Illustrative risk of the cargo's perishability class (biosecurity and spoilage fraud): by default each
    #: class's profile (:mod:`cuakhau.domain.perishability`).
    perishability_risk: Mapping[Perishability, float] = field(default_factory=_default_perishability_risk)
    weight_commodity: float = 0.5
    weight_history: float = 0.4
    weight_perishability: float = 0.1
    history: HistoryRules = field(default_factory=HistoryRules)
    calibration: CalibrationRules = field(default_factory=CalibrationRules)

    def __post_init__(self) -> None:
        if not self.version.strip() or len(self.version) > MAX_ID:
            raise InvalidInput("customs.profile_invalid", field="version", name="version", value=self.version[:40])
        if not (0.0 <= self.random_red <= self.targets.red and self.random_yellow >= 0.0) or (
            self.random_red + self.random_yellow > self.targets.red + self.targets.yellow
        ):
            raise InvalidInput(
                "customs.random_above_target",
                field="random_red",
                random_red=self.random_red,
                random_yellow=self.random_yellow,
                red=self.targets.red,
                yellow=self.targets.yellow,
            )
        for prefix, score in self.commodity_risk.items():
            if not _HS_PREFIX_RE.match(prefix):
                raise InvalidInput("customs.hs_prefix_invalid", field="commodity_risk", value=str(prefix)[:20])
            _check_unit(score, f"commodity_risk.{prefix}")
        for prefix in self.watch_list:
            if not _HS_PREFIX_RE.match(prefix):
                raise InvalidInput("customs.hs_prefix_invalid", field="watch_list", value=str(prefix)[:20])
        for kind in Perishability:
            _check_unit(self.perishability_risk.get(kind), f"perishability_risk.{kind.value}")
        _check_unit(self.default_commodity_risk, "default_commodity_risk")
        weights = (self.weight_commodity, self.weight_history, self.weight_perishability)
        for name, w in zip(("weight_commodity", "weight_history", "weight_perishability"), weights, strict=True):
            _check_unit(w, name)
        if abs(sum(weights) - 1.0) > 1e-9:
            raise InvalidInput("customs.profile_invalid", field="weights", name="weights", value=round(sum(weights), 6))
        h = self.history
        _check_unit(h.prior_score, "history.prior_score")
        for name in ("hold_weight", "rejection_weight", "finding_weight"):
            if not getattr(h, name) >= 0.0:
                raise InvalidInput(
                    "customs.profile_invalid", field=f"history.{name}", name=name, value=getattr(h, name)
                )
        for name in ("window_days", "prior_declarations", "recent_rejection_days"):
            if getattr(h, name) < 0:
                raise InvalidInput(
                    "customs.profile_invalid", field=f"history.{name}", name=name, value=getattr(h, name)
                )
        if not h.saturation_rate > 0:
            raise InvalidInput(
                "customs.profile_invalid",
                field="history.saturation_rate",
                name="saturation_rate",
                value=h.saturation_rate,
            )
        c = self.calibration
        if not 1 <= c.min_window <= c.window_size or c.recalibrate_every < 1:
            raise InvalidInput(
                "customs.profile_invalid",
                field="calibration",
                name="calibration",
                value=f"{c.min_window}/{c.window_size}",
            )
        _check_unit(c.initial_red_threshold, "calibration.initial_red_threshold")
        _check_unit(c.initial_yellow_threshold, "calibration.initial_yellow_threshold")

    def commodity_score(self, hs_code: str) -> tuple[str | None, float]:
        """The longest listed prefix of ``hs_code`` (subheading, heading, chapter) and its score;
        ``(None, default)`` when none is listed."""
        for length in (6, 4, 2):
            prefix = hs_code[:length]
            if len(prefix) == length and prefix in self.commodity_risk:
                return prefix, self.commodity_risk[prefix]
        return None, self.default_commodity_risk

    def watch_listed(self, hs_code: str) -> str | None:
        """The watch-list prefix ``hs_code`` falls under, if any."""
        return next((hs_code[:n] for n in (6, 4, 2) if hs_code[:n] in self.watch_list and len(hs_code) >= n), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for publishing over the API; :meth:`from_dict` reads it back."""
        return {
            "version": self.version,
            "targets": {"red": self.targets.red, "yellow": self.targets.yellow, "green": self.targets.green},
            "random_sample": {"red": self.random_red, "yellow": self.random_yellow},
            "commodity_risk": dict(sorted(self.commodity_risk.items())),
            "default_commodity_risk": self.default_commodity_risk,
            "watch_list": sorted(self.watch_list),
            "perishability_risk": {k.value: self.perishability_risk[k] for k in Perishability},
            "weights": {
                "commodity": self.weight_commodity,
                "history": self.weight_history,
                "perishability": self.weight_perishability,
            },
            "history": asdict(self.history),
            "calibration": asdict(self.calibration),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectivityProfile:
        """Read a published profile; unknown or missing keys are refused rather than guessed."""
        try:
            targets, sample, weights = data["targets"], data["random_sample"], data["weights"]
            _no_unknown(data, set(cls().to_dict()), "profile")
            return cls(
                version=str(data["version"]),
                targets=TargetRates(red=float(targets["red"]), yellow=float(targets["yellow"])),
                random_red=float(sample["red"]),
                random_yellow=float(sample["yellow"]),
                commodity_risk={str(k): float(v) for k, v in data["commodity_risk"].items()},
                default_commodity_risk=float(data["default_commodity_risk"]),
                watch_list=frozenset(str(p) for p in data["watch_list"]),
                perishability_risk={Perishability(k): float(v) for k, v in data["perishability_risk"].items()},
                weight_commodity=float(weights["commodity"]),
                weight_history=float(weights["history"]),
                weight_perishability=float(weights["perishability"]),
                history=HistoryRules(**_known(data["history"], HistoryRules, "history")),
                calibration=CalibrationRules(**_known(data["calibration"], CalibrationRules, "calibration")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(
                "customs.profile_invalid", field="profile", name="profile", value=str(exc)[:60]
            ) from None


def _no_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput("customs.profile_invalid", field=f"{where}.{unknown[0]}", name=unknown[0], value="unknown")


def _known(data: Mapping[str, Any], kind: type[HistoryRules | CalibrationRules], where: str) -> dict[str, Any]:
    _no_unknown(data, {f.name for f in fields(kind)}, where)
    return dict(data)


def _check_unit(value: object, name: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise InvalidInput("customs.profile_invalid", field=name, name=name, value=str(value)[:20])


# --------------------------------------------------------------------------------------------------- scoring


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


# --------------------------------------------------------------------------------------------------- selection


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Scores at or above which a declaration goes red / at least yellow.

    At exactly the threshold score it goes over with probability ``*_tie`` (drawn from the seeded stream): a
    block of identical scores straddling the cut is split in the calibrated proportion instead of all going
    one way. ``None`` means no declaration passes on its score alone.
    """

    red: float | None
    red_tie: float
    yellow: float | None
    yellow_tie: float
    calibrated_on: int = 0  # window size used; 0 = the profile's initial thresholds

    def to_dict(self) -> dict[str, Any]:
        return {
            "red": self.red,
            "red_tie": self.red_tie,
            "yellow": self.yellow,
            "yellow_tie": self.yellow_tie,
            "calibrated_on": self.calibrated_on,
        }


def initial_thresholds(profile: SelectivityProfile) -> Thresholds:
    c = profile.calibration
    return Thresholds(red=c.initial_red_threshold, red_tie=1.0, yellow=c.initial_yellow_threshold, yellow_tie=1.0)


def _cut(scores: Sequence[float], wanted: float) -> tuple[float | None, float]:
    """A threshold and tie probability so that the expected number of ``scores`` passing is ``wanted``.

    ``scores`` is sorted ascending.
    """
    n = len(scores)
    if wanted <= 0 or n == 0:
        return None, 0.0
    if wanted >= n:
        return scores[0], 1.0
    # the score of the ceil(wanted)-th largest: everything above it passes, part of its tie block passes
    t = scores[n - math.ceil(wanted)]
    above = n - bisect.bisect_right(scores, t)
    equal = bisect.bisect_right(scores, t) - bisect.bisect_left(scores, t)
    return t, min(1.0, max(0.0, (wanted - above) / equal))


def _cut_any(scores: Sequence[float] | _SortedCounts, wanted: float) -> tuple[float | None, float]:
    return scores.cut(wanted) if isinstance(scores, _SortedCounts) else _cut(scores, wanted)


def calibrate(window: Sequence[tuple[float, int]], profile: SelectivityProfile) -> Thresholds:
    """Thresholds under which ``window`` (score, floor rank) would have met the targets in expectation.

    Random sampling raises a declaration from below with the published rates, and hard-rule floors cannot be
    lowered, so the score-based shares are set to what remains: with targets R (red), Y (yellow) and random
    rates r (red), y (yellow), a share R' = (R − r)/(1 − r) must be red before sampling, and
    (R + Y − r − y)/(1 − r − y) at least yellow. The floors take their part of those shares first.
    """
    red_rank, yellow_rank = Channel.RED.rank, Channel.YELLOW.rank
    return _thresholds(
        len(window),
        sum(1 for _, f in window if f >= red_rank),
        sum(1 for _, f in window if f >= yellow_rank),
        sorted(s for s, f in window if f < red_rank),
        sorted(s for s, f in window if f < yellow_rank),
        profile,
    )


def _thresholds(
    n: int,
    forced_red: int,
    forced_up: int,
    red_candidates: Sequence[float] | _SortedCounts,
    up_candidates: Sequence[float] | _SortedCounts,
    profile: SelectivityProfile,
) -> Thresholds:
    """:func:`calibrate` from the window's counts of floors and its sorted candidate scores."""
    if n == 0:
        return initial_thresholds(profile)
    t = profile.targets
    rr, ry = profile.random_red, profile.random_yellow
    red_share = (t.red - rr) / (1.0 - rr) if rr < 1.0 else 0.0
    up_share = (t.red + t.yellow - rr - ry) / (1.0 - rr - ry) if rr + ry < 1.0 else 0.0
    red, red_tie = _cut_any(red_candidates, red_share * n - forced_red)
    yellow, yellow_tie = _cut_any(up_candidates, up_share * n - forced_up)
    return Thresholds(red=red, red_tie=red_tie, yellow=yellow, yellow_tie=yellow_tie, calibrated_on=n)


@dataclass(frozen=True, slots=True)
class SelectivityState:
    """What the selector remembers between declarations: the rolling window of (score, floor rank), the
    thresholds in force and how many declarations since they were set. Keep it, pass it back in."""

    window: tuple[tuple[float, int], ...] = ()
    thresholds: Thresholds | None = None
    since_calibration: int = 0
    profile_version: str | None = None  # a new profile version forces a recalibration

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile_version": self.profile_version,
            "window": [[s, f] for s, f in self.window],
            "thresholds": None if self.thresholds is None else self.thresholds.to_dict(),
            "since_calibration": self.since_calibration,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectivityState:
        th = data.get("thresholds")
        return cls(
            window=tuple((float(s), int(f)) for s, f in data.get("window", ())),
            thresholds=None if th is None else Thresholds(**th),
            since_calibration=int(data.get("since_calibration", 0)),
            profile_version=data.get("profile_version"),
        )


@dataclass(frozen=True, slots=True)
class ChannelDecision:
    """The channel customs assigned to one declaration, with every reason and the profile version."""

    declaration_id: str
    channel: Channel
    score: float
    reasons: tuple[Reason, ...]
    profile_version: str
    decided_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "declaration_id": self.declaration_id,
            "channel": self.channel.value,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "profile_version": self.profile_version,
            "decided_at": self.decided_at.isoformat(),
        }


def _passes(score: float, threshold: float | None, tie: float, draw: float) -> bool:
    if threshold is None:
        return False
    return score > threshold or (score == threshold and draw < tie)


def _in_force(
    window: Sequence[tuple[float, int]] | RollingWindow,
    thresholds: Thresholds | None,
    since: int,
    state_version: str | None,
    profile: SelectivityProfile,
) -> tuple[Thresholds, int]:
    """The thresholds for the next declaration and the count since they were set (the window before it)."""
    cal = profile.calibration
    if len(window) < cal.min_window:
        return initial_thresholds(profile), since  # warm-up: too few scores to calibrate on
    if (
        thresholds is None
        or thresholds.calibrated_on == 0
        or since >= cal.recalibrate_every
        or state_version != profile.version
    ):
        if isinstance(window, RollingWindow):
            return window.calibrate(profile), 0
        return calibrate(window, profile), 0
    return thresholds, since


def _decide(
    score: float,
    floor: Channel,
    thresholds: Thresholds,
    profile: SelectivityProfile,
    sample_draw: float,
    tie_draw: float,
) -> tuple[Channel, Channel | None]:
    """The channel, and the sampled channel when random sampling raised it (else ``None``)."""
    if _passes(score, thresholds.red, thresholds.red_tie, tie_draw):
        by_score = Channel.RED
    elif _passes(score, thresholds.yellow, thresholds.yellow_tie, tie_draw):
        by_score = Channel.YELLOW
    else:
        by_score = Channel.GREEN
    channel = by_score if by_score.rank >= floor.rank else floor
    if sample_draw < profile.random_red:
        sampled = Channel.RED
    elif sample_draw < profile.random_red + profile.random_yellow:
        sampled = Channel.YELLOW
    else:
        return channel, None
    if sampled.rank > channel.rank:
        return sampled, sampled
    return channel, None


def select_channel(
    assessment: RiskAssessment,
    profile: SelectivityProfile,
    state: SelectivityState,
    rng: random.Random,
    *,
    declaration_id: str,
    at: datetime,
) -> tuple[ChannelDecision, SelectivityState]:
    """Turn an assessment into a channel; return the decision and the new state.

    Exactly two draws are taken from ``rng`` per declaration (random sample, then tie split), whatever the
    outcome, so a seeded stream replays every decision of a day in order.
    """
    if not declaration_id or len(declaration_id) > MAX_ID:
        raise InvalidInput("customs.declaration_id", field="declaration_id")
    at = ensure_utc(at)
    cal = profile.calibration
    thresholds, since = _in_force(
        state.window, state.thresholds, state.since_calibration, state.profile_version, profile
    )
    sample_draw, tie_draw = rng.random(), rng.random()

    score = assessment.score
    channel, sampled = _decide(score, assessment.floor, thresholds, profile, sample_draw, tie_draw)
    reasons = [
        *assessment.reasons,
        Reason(
            "risk.score",
            {
                "score": score,
                "red_threshold": "-" if thresholds.red is None else thresholds.red,
                "yellow_threshold": "-" if thresholds.yellow is None else thresholds.yellow,
            },
        ),
    ]
    if sampled is not None:
        rate = profile.random_red if sampled is Channel.RED else profile.random_yellow
        reasons.append(Reason(f"risk.random_sample.{sampled.value}", {"rate": rate, "draw": round(sample_draw, 6)}))

    window = (*state.window, (score, assessment.floor.rank))[-cal.window_size :]
    decision = ChannelDecision(
        declaration_id=declaration_id,
        channel=channel,
        score=score,
        reasons=tuple(reasons),
        profile_version=profile.version,
        decided_at=at,
    )
    return decision, SelectivityState(
        window=window, thresholds=thresholds, since_calibration=since + 1, profile_version=profile.version
    )


class _SortedCounts:
    """A multiset of scores as its distinct scores, sorted, and their counts: putting a score in or taking it out
    touches a dict unless the score is new or gone (few distinct scores: a simulator's cargo kinds), and
    :meth:`cut` equals :func:`_cut` on the sorted list of all of them."""

    __slots__ = ("counts", "keys", "n")

    def __init__(self) -> None:
        self.keys: list[float] = []
        self.counts: dict[float, int] = {}
        self.n = 0

    def add(self, score: float) -> None:
        c = self.counts.get(score)
        if c is None:
            bisect.insort(self.keys, score)
            self.counts[score] = 1
        else:
            self.counts[score] = c + 1
        self.n += 1

    def discard(self, score: float) -> None:
        c = self.counts[score]
        if c == 1:
            del self.counts[score]
            del self.keys[bisect.bisect_left(self.keys, score)]
        else:
            self.counts[score] = c - 1
        self.n -= 1

    def move(self, score: float, delta: int) -> None:
        """Put ``score`` in ``delta`` times (take it out when negative); the multiset never goes below zero."""
        c = self.counts.get(score)
        if c is None:
            if delta:
                bisect.insort(self.keys, score)
                self.counts[score] = delta
        else:
            c += delta
            if c == 0:
                del self.counts[score]
                del self.keys[bisect.bisect_left(self.keys, score)]
            else:
                self.counts[score] = c
        self.n += delta

    def cut(self, wanted: float) -> tuple[float | None, float]:
        """:func:`_cut`: the ceil(wanted)-th largest score, and the share of its tie block that passes."""
        n = self.n
        if wanted <= 0 or n == 0:
            return None, 0.0
        if wanted >= n:
            return self.keys[0], 1.0
        k = math.ceil(wanted)
        above = 0
        counts = self.counts
        for t in reversed(self.keys):
            equal = counts[t]
            if above + equal >= k:
                return t, min(1.0, max(0.0, (wanted - above) / equal))
            above += equal
        raise AssertionError("unreachable: the counts add up to n")  # pragma: no cover


class RollingWindow:
    """The calibration window kept sorted as it rolls: the scores in the window as a sorted multiset of candidates
    (:class:`_SortedCounts`), so a recalibration reads sorted candidates instead of sorting the window.

    A score going in or out only moves a count of its (score, floor rank) pair; the candidates take the net
    moves when the window is next calibrated (with few distinct pairs, as in the simulator, a few dict updates
    every ``recalibrate_every`` declarations instead of four on every one). Same multiset of scores, same
    cuts, so :meth:`calibrate` equals :func:`calibrate` on the window.
    """

    __slots__ = ("_forced_red", "_forced_up", "_items", "_pending", "_red", "_size", "_up")

    def __init__(self, size: int, items: Sequence[tuple[float, int]] = ()) -> None:
        self._size = size
        self._items: deque[tuple[float, int]] = deque()
        self._pending: dict[tuple[float, int], int] = {}  # net moves not yet in the candidates
        self._red = _SortedCounts()  # scores below a red floor
        self._up = _SortedCounts()  # scores below a yellow floor
        self._forced_red = self._forced_up = 0
        for score, floor_rank in items:  # all of them: a longer stored window is trimmed at the next append
            self._items.append((score, floor_rank))
            self._remove(score, floor_rank, 1)

    def __len__(self) -> int:
        return len(self._items)

    def append(self, score: float, floor_rank: int) -> None:
        """Add the newest score and keep the last ``size`` (as ``window[-size:]`` does)."""
        items = self._items
        pending = self._pending
        while len(items) >= self._size:
            old = items.popleft()
            pending[old] = pending.get(old, 0) - 1
        new = (score, floor_rank)
        items.append(new)
        pending[new] = pending.get(new, 0) + 1

    def _flush(self) -> None:
        """Move the pending counts into the candidates (and the forced counts)."""
        for (score, floor_rank), delta in self._pending.items():
            if delta:
                self._remove(score, floor_rank, delta)
        self._pending.clear()

    def _remove(self, score: float, floor_rank: int, delta: int) -> None:
        """Take ``score`` out (``delta`` < 0) or put it in (> 0), ``|delta|`` times: a candidate below its floor's
        channel, else a forced count."""
        if floor_rank < _YELLOW_RANK:
            self._red.move(score, delta)
            self._up.move(score, delta)
        elif floor_rank < _RED_RANK:
            self._red.move(score, delta)
            self._forced_up += delta
        else:
            self._forced_red += delta
            self._forced_up += delta

    def items(self) -> tuple[tuple[float, int], ...]:
        return tuple(self._items)

    def calibrate(self, profile: SelectivityProfile) -> Thresholds:
        if self._pending:
            self._flush()
        return _thresholds(len(self._items), self._forced_red, self._forced_up, self._red, self._up, profile)


class ChannelSelector:
    """:func:`select_channel` for one caller that decides many declarations in a row (the simulator): the
    same thresholds, the same two draws per declaration and the same channels, with the window kept by
    :class:`RollingWindow` and no decision record built by :meth:`choose`. A property test checks that its
    channels and state equal :func:`select_channel`'s on random streams.
    """

    __slots__ = ("_initial", "_profile", "_since", "_thresholds", "_version", "_window")

    def __init__(self, profile: SelectivityProfile, state: SelectivityState | None = None) -> None:
        state = state or SelectivityState()
        self._profile = profile
        self._initial = initial_thresholds(profile)
        self._window = RollingWindow(profile.calibration.window_size, state.window)
        self._thresholds = state.thresholds
        self._since = state.since_calibration
        self._version = state.profile_version

    def choose(self, assessment: RiskAssessment, rng: random.Random) -> Channel:
        """The channel :func:`select_channel` would give, and the state moved on as it would.

        :func:`_in_force` and :func:`_decide` written out (this runs once per simulated truck)."""
        profile = self._profile
        cal = profile.calibration
        window = self._window
        since = self._since
        held = self._thresholds
        if len(window) < cal.min_window:
            thresholds = self._initial  # warm-up: too few scores to calibrate on
        elif (
            held is None
            or held.calibrated_on == 0
            or since >= cal.recalibrate_every
            or self._version != profile.version
        ):
            thresholds, since = window.calibrate(profile), 0
        else:
            thresholds = held
        sample_draw = rng.random()
        tie_draw = rng.random()
        score = assessment.score
        floor = _RANKS[assessment.floor]
        red, yellow = thresholds.red, thresholds.yellow
        if red is not None and (score > red or (score == red and tie_draw < thresholds.red_tie)):
            rank = _RED_RANK
        elif yellow is not None and (score > yellow or (score == yellow and tie_draw < thresholds.yellow_tie)):
            rank = _YELLOW_RANK
        else:
            rank = 0
        if floor > rank:
            rank = floor
        if sample_draw < profile.random_red:
            rank = _RED_RANK
        elif sample_draw < profile.random_red + profile.random_yellow and rank < _YELLOW_RANK:
            rank = _YELLOW_RANK
        window.append(score, floor)
        self._thresholds, self._since, self._version = thresholds, since + 1, profile.version
        return _CHANNEL_ORDER[rank]

    @property
    def state(self) -> SelectivityState:
        return SelectivityState(
            window=self._window.items(),
            thresholds=self._thresholds,
            since_calibration=self._since,
            profile_version=self._version,
        )


def decide_channel(
    shipment: Shipment,
    history: EnterpriseHistory,
    profile: SelectivityProfile,
    state: SelectivityState,
    rng: random.Random,
    *,
    clock: Clock,
    declaration_id: str | None = None,
) -> tuple[ChannelDecision, SelectivityState]:
    """Assess and select in one step, at ``clock.now()``; the declaration id defaults to the shipment's."""
    at = clock.now()
    assessment = assess_risk(shipment, history, profile, at=at)
    return select_channel(assessment, profile, state, rng, declaration_id=declaration_id or shipment.id, at=at)


# --------------------------------------------------------------------------------------------------- results


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
            at=at.isoformat(),
            decided_at=decision.decided_at.isoformat(),
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
            at=at.isoformat(),
            decided_at=max(e.at for e in previous).isoformat(),
        )
    return CustomsResult(
        declaration_id=decision.declaration_id,
        kind=kind,
        officer_id=officer,
        at=at,
        channel=decision.channel,
        reason=text,
    )


def replace_targets(profile: SelectivityProfile, targets: TargetRates, *, version: str) -> SelectivityProfile:
    """The same profile with new target rates (e.g. from :func:`rates_from_capacity`) under a new version;
    random rates are scaled down if they would exceed the new targets."""
    random_red = min(profile.random_red, targets.red)
    random_yellow = min(profile.random_yellow, max(0.0, targets.red + targets.yellow - random_red))
    return replace(profile, version=version, targets=targets, random_red=random_red, random_yellow=random_yellow)
