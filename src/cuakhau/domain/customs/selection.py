"""The channel of a declaration from its assessment, the thresholds in force and the seeded random sample; the
selector state a caller keeps between declarations (:mod:`cuakhau.domain.customs`)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cuakhau.domain.clock import Clock, ensure_utc
from cuakhau.domain.customs.profile import (
    _CHANNEL_ORDER,
    _RANKS,
    _RED_RANK,
    _YELLOW_RANK,
    MAX_ID,
    Channel,
    SelectivityProfile,
)
from cuakhau.domain.customs.risk import EnterpriseHistory, Reason, RiskAssessment, assess_risk
from cuakhau.domain.customs.thresholds import RollingWindow, Thresholds, calibrate, initial_thresholds
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.shipment import Shipment


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
