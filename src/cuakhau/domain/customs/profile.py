"""The channels and the published selectivity profile (hồ sơ rủi ro / 风险参数): target rates, the rules that
turn a compliance record into a score and that calibrate the thresholds, commodity risk by HS prefix, the watch
list (:mod:`cuakhau.domain.customs`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.perishability import PROFILES, Perishability

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


def replace_targets(profile: SelectivityProfile, targets: TargetRates, *, version: str) -> SelectivityProfile:
    """The same profile with new target rates (e.g. from :func:`rates_from_capacity`) under a new version;
    random rates are scaled down if they would exceed the new targets."""
    random_red = min(profile.random_red, targets.red)
    random_yellow = min(profile.random_yellow, max(0.0, targets.red + targets.yellow - random_red))
    return replace(profile, version=version, targets=targets, random_red=random_red, random_yellow=random_yellow)
