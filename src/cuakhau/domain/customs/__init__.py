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

The package, one module per part (each imports only the ones listed before it):

* :mod:`.profile` — the channels and the published profile: target rates, history and calibration rules,
  commodity risk, the watch list;
* :mod:`.risk` — the enterprise's record, the reasons, the score and hard-rule floor of one declaration;
* :mod:`.thresholds` — the thresholds in force, their calibration and the rolling window kept sorted;
* :mod:`.selection` — the selector state, the decision, :func:`select_channel` and the simulator's
  :class:`ChannelSelector`;
* :mod:`.results` — the officer's result on a declaration.
"""

from __future__ import annotations

from cuakhau.domain.customs.profile import (
    DEFAULT_COMMODITY_RISK,
    DEFAULT_WATCH_LIST,
    MAX_ID,
    MAX_REASON,
    SCORE_DIGITS,
    CalibrationRules,
    Channel,
    HistoryRules,
    SelectivityProfile,
    TargetRates,
    rates_from_capacity,
    replace_targets,
)
from cuakhau.domain.customs.results import CustomsResult, ResultKind, record_result
from cuakhau.domain.customs.risk import EnterpriseHistory, Reason, RiskAssessment, assess_risk, history_score
from cuakhau.domain.customs.selection import (
    ChannelDecision,
    ChannelSelector,
    SelectivityState,
    decide_channel,
    select_channel,
)
from cuakhau.domain.customs.thresholds import RollingWindow, Thresholds, calibrate, initial_thresholds

__all__ = [
    "DEFAULT_COMMODITY_RISK",
    "DEFAULT_WATCH_LIST",
    "MAX_ID",
    "MAX_REASON",
    "SCORE_DIGITS",
    "CalibrationRules",
    "Channel",
    "ChannelDecision",
    "ChannelSelector",
    "CustomsResult",
    "EnterpriseHistory",
    "HistoryRules",
    "Reason",
    "ResultKind",
    "RiskAssessment",
    "RollingWindow",
    "SelectivityProfile",
    "SelectivityState",
    "TargetRates",
    "Thresholds",
    "assess_risk",
    "calibrate",
    "decide_channel",
    "history_score",
    "initial_thresholds",
    "rates_from_capacity",
    "record_result",
    "replace_targets",
    "select_channel",
]
