"""The customs risk channel: scoring, hard rules, reasons in three languages, officers' results, and the
channel target rates held over many declarations (also when the cargo mix shifts mid-stream)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuakhau import i18n
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.customs import (
    CalibrationRules,
    Channel,
    ChannelDecision,
    CustomsResult,
    EnterpriseHistory,
    HistoryRules,
    Reason,
    ResultKind,
    RiskAssessment,
    SelectivityProfile,
    SelectivityState,
    TargetRates,
    assess_risk,
    calibrate,
    decide_channel,
    history_score,
    rates_from_capacity,
    record_result,
    replace_targets,
    select_channel,
)
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.shipment import Shipment

NOM = HsNomenclature.load_default()
PROFILE = SelectivityProfile()
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ICT = timezone(timedelta(hours=7))


def shipment(*codes: str, shipment_id: str = "tk-1") -> Shipment:
    lines = [
        {
            "hs_code": code,
            "description": "Hàng mẫu / 样品",
            "net_kg": "1000",
            "gross_kg": "1100",
            "packages": 10,
            "value": "5000",
            "currency": "USD",
        }
        for code in codes
    ]
    return Shipment.create(
        NOM,
        shipment_id=shipment_id,
        exporter_id="e1",
        consignee_name="凭祥市友谊关进出口贸易有限公司",
        consignee_country="CN",
        lines=lines,
    )


COMPLIANT = EnterpriseHistory("vn-good", declarations=400, holds=2)
NEW = EnterpriseHistory("vn-new", declarations=1)
POOR = EnterpriseHistory("vn-poor", declarations=80, holds=12, rejections=4, findings=6)


def decide(
    s: Shipment, h: EnterpriseHistory, *, state: SelectivityState | None = None, seed: int = 7
) -> ChannelDecision:
    decision, _ = decide_channel(s, h, PROFILE, state or SelectivityState(), random.Random(seed), clock=ManualClock(T0))
    return decision


def codes(decision: ChannelDecision | RiskAssessment) -> list[str]:
    return [r.code for r in decision.reasons]


def reason(decision: ChannelDecision | RiskAssessment, code: str) -> Reason:
    return next(r for r in decision.reasons if r.code == code)


# ------------------------------------------------------------------------------------------------ scoring


@pytest.mark.parametrize(
    ("hs", "prefix", "score"),
    [
        ("030389", "0303", 0.65),  # frozen fish: heading beats chapter 03
        ("030617", "03", 0.60),
        ("081090", "08", 0.40),  # fresh fruit
        ("310520", "3105", 0.45),  # NPK fertiliser: heading beats chapter 31
        ("310210", "31", 0.35),
        ("842952", "84", 0.15),  # excavators
        ("847130", "8471", 0.25),
        ("010121", "01", 0.85),  # live horses
    ],
)
def test_commodity_risk_longest_prefix_wins(hs: str, prefix: str, score: float) -> None:
    assessment = assess_risk(shipment(hs), COMPLIANT, PROFILE, at=T0)
    assert reason(assessment, "risk.commodity").params == {"hs": hs, "prefix": prefix, "score": score}


def test_an_unlisted_commodity_takes_the_default_score() -> None:
    assessment = assess_risk(shipment("250100"), COMPLIANT, PROFILE, at=T0)  # salt, chapter 25 not listed
    assert reason(assessment, "risk.commodity_default").params == {"hs": "250100", "score": 0.30}
    assert "risk.commodity" not in codes(assessment)


def test_a_subheading_entry_beats_its_heading() -> None:
    profile = replace(PROFILE, commodity_risk={**PROFILE.commodity_risk, "081060": 0.9}, version="durian")
    assert profile.commodity_score("08106000") == ("081060", 0.9)
    assert profile.commodity_score("081090") == ("08", 0.40)


def test_the_riskiest_line_sets_the_commodity_part() -> None:
    mixed = assess_risk(shipment("842952", "030389"), COMPLIANT, PROFILE, at=T0)
    machinery = assess_risk(shipment("842952"), COMPLIANT, PROFILE, at=T0)
    assert reason(mixed, "risk.commodity").params["hs"] == "030389"
    assert mixed.score > machinery.score
    # fish (chapter 03) is also the most urgent perishability class on the truck
    assert reason(mixed, "risk.perishability").params["perishability"] == "chilled"


def test_history_new_enterprises_score_higher_and_a_clean_record_lowers_the_score() -> None:
    rules = PROFILE.history
    new, good, poor = (history_score(h, rules) for h in (NEW, COMPLIANT, POOR))
    assert good < new < poor
    clean = [history_score(EnterpriseHistory("e", declarations=n), rules) for n in (0, 10, 100, 1000)]
    assert clean == sorted(clean, reverse=True) and len(set(clean)) == 4
    assert history_score(EnterpriseHistory("x"), rules) == rules.prior_score
    a = assess_risk(shipment("081090"), NEW, PROFILE, at=T0)
    assert reason(a, "risk.new_enterprise").params == {"declarations": 1, "score": new}
    b = assess_risk(shipment("081090"), POOR, PROFILE, at=T0)
    assert reason(b, "risk.history").params == {
        "declarations": 80,
        "holds": 12,
        "rejections": 4,
        "findings": 6,
        "score": poor,
    }
    assert a.score > assess_risk(shipment("081090"), COMPLIANT, PROFILE, at=T0).score


@given(
    n=st.integers(0, 5000),
    holds=st.integers(0, 500),
    rejections=st.integers(0, 500),
    findings=st.integers(0, 500),
    more=st.integers(1, 50),
)
def test_history_score_is_bounded_and_monotone(n: int, holds: int, rejections: int, findings: int, more: int) -> None:
    rules = PROFILE.history
    base = EnterpriseHistory("e", declarations=n, holds=holds, rejections=rejections, findings=findings)
    score = history_score(base, rules)
    assert 0.0 <= score <= 1.0
    worse = replace(base, rejections=rejections + more)
    assert history_score(worse, rules) >= score
    # a clean record never earns a higher score with more declarations
    clean = EnterpriseHistory("e", declarations=n)
    assert history_score(replace(clean, declarations=n + more), rules) <= history_score(clean, rules)


def test_history_counts_must_be_non_negative_integers() -> None:
    with pytest.raises(InvalidInput) as err:
        EnterpriseHistory("e", declarations=-1)
    assert err.value.code == "customs.history_invalid" and err.value.field == "declarations"
    with pytest.raises(InvalidInput) as err:
        EnterpriseHistory("e", declarations=10, last_rejection_at=datetime(2026, 1, 1))  # naive
    assert err.value.code == "time.naive"


# ------------------------------------------------------------------------------------------------ hard rules


def test_a_watch_listed_heading_goes_red_whatever_the_score() -> None:
    # a clean enterprise, and a profile where nothing passes on its score
    profile = replace(PROFILE, calibration=replace(PROFILE.calibration, initial_red_threshold=1.0), version="t")
    s = shipment("842952", "010619")  # an excavator and a live wild mammal
    assessment = assess_risk(s, COMPLIANT, profile, at=T0)
    assert assessment.floor is Channel.RED
    assert reason(assessment, "risk.rule.watch_list").params == {"hs": "010619", "prefix": "0106"}
    for seed in range(20):
        decision, _ = select_channel(
            assessment, profile, SelectivityState(), random.Random(seed), declaration_id="tk", at=T0
        )
        assert decision.channel is Channel.RED


def test_a_recent_rejection_means_at_least_yellow_and_an_old_one_does_not() -> None:
    recent = replace(COMPLIANT, rejections=1, last_rejection_at=T0 - timedelta(days=30))
    old = replace(COMPLIANT, rejections=1, last_rejection_at=T0 - timedelta(days=200))
    a = assess_risk(shipment("842952"), recent, PROFILE, at=T0)
    assert a.floor is Channel.YELLOW
    assert reason(a, "risk.rule.recent_rejection").params == {"last_rejection": "2026-05-02", "days": 90}
    b = assess_risk(shipment("842952"), old, PROFILE, at=T0)
    assert b.floor is Channel.GREEN and "risk.rule.recent_rejection" not in codes(b)
    channels = {decide(shipment("842952"), recent, seed=seed).channel for seed in range(30)}
    assert Channel.GREEN not in channels


@given(
    score=st.floats(0, 1),
    floor=st.sampled_from(list(Channel)),
    window=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2)), max_size=400),
    seed=st.integers(0, 2**32),
)
def test_the_channel_is_never_below_the_hard_rule_floor(
    score: float, floor: Channel, window: list[tuple[float, int]], seed: int
) -> None:
    assessment = RiskAssessment(score=score, floor=floor, reasons=())
    state = SelectivityState(window=tuple(window))
    decision, after = select_channel(assessment, PROFILE, state, random.Random(seed), declaration_id="tk", at=T0)
    assert decision.channel.rank >= floor.rank
    assert len(after.window) == min(len(window) + 1, PROFILE.calibration.window_size)
    assert after.window[-1] == (score, floor.rank)


# ------------------------------------------------------------------------------------------------ reasons


def test_every_decision_keeps_its_reasons_and_the_profile_version() -> None:
    d = decide(shipment("030389"), POOR)
    assert d.declaration_id == "tk-1" and d.decided_at == T0 and d.profile_version == PROFILE.version
    assert codes(d)[:4] == ["risk.commodity", "risk.history", "risk.perishability", "risk.score"]
    score_reason = reason(d, "risk.score")
    assert score_reason.params["score"] == d.score
    assert score_reason.params["red_threshold"] == PROFILE.calibration.initial_red_threshold
    assert d.to_dict()["reasons"][0] == {
        "code": "risk.commodity",
        "params": {"hs": "030389", "prefix": "0303", "score": 0.65},
    }


def test_random_sampling_is_recorded_with_its_draw_and_replays_from_the_seed() -> None:
    # a compliant machinery importer scores low: only random sampling takes it out of green
    s = shipment("842952")
    sampled = [(seed, d) for seed in range(400) if (d := decide(s, COMPLIANT, seed=seed)).channel is not Channel.GREEN]
    assert sampled, "400 seeds at 3 % sampling should pick some"
    kinds = {r.code for _, d in sampled for r in d.reasons if r.code.startswith("risk.random_sample")}
    assert kinds == {"risk.random_sample.red", "risk.random_sample.yellow"}
    seed, d = sampled[0]
    sample = next(r for r in d.reasons if r.code.startswith("risk.random_sample"))
    assert sample.params["draw"] == round(random.Random(seed).random(), 6)
    assert decide(s, COMPLIANT, seed=seed) == d


def _all_reason_codes() -> set[str]:
    found: set[str] = set()
    watched = replace(COMPLIANT, rejections=1, last_rejection_at=T0 - timedelta(days=1))
    for hs, h in [("030389", POOR), ("250100", NEW), ("010619", watched), ("842952", COMPLIANT)]:
        for seed in range(200):
            found.update(codes(decide(shipment(hs), h, seed=seed)))
    return found


def test_every_reason_renders_in_vietnamese_chinese_and_english() -> None:
    found = _all_reason_codes()
    assert found >= {
        "risk.commodity",
        "risk.commodity_default",
        "risk.history",
        "risk.new_enterprise",
        "risk.perishability",
        "risk.score",
        "risk.random_sample.red",
        "risk.random_sample.yellow",
        "risk.rule.watch_list",
        "risk.rule.recent_rejection",
    }
    d = decide(shipment("030389"), POOR)
    for r in d.reasons:
        texts = {lang: i18n.render(r.code, lang, r.params) for lang in i18n.LANGUAGES}
        assert len(set(texts.values())) == 3
        assert all("{" not in t and str(r.params["score"]) in t for t in texts.values() if "score" in r.params)
    assert "0303" in i18n.render("risk.commodity", "vi", reason(d, "risk.commodity").params)
    assert "商品风险" in i18n.render("risk.commodity", "zh", reason(d, "risk.commodity").params)
    for code in found | {f"channel.{c.value}" for c in Channel}:
        assert code in i18n.CATALOG and set(i18n.CATALOG[code]) == {"vi", "zh", "en"}


# ------------------------------------------------------------------------------------------------ results


def test_results_release_hold_reject() -> None:
    d = decide(shipment("842952"), COMPLIANT)
    assert d.channel is Channel.GREEN
    later = T0 + timedelta(minutes=20)
    release = record_result(d, [], tz=UTC, kind="release", officer_id=" HQ-LS-0042 ", at=later)
    assert release == CustomsResult("tk-1", ResultKind.RELEASE, "HQ-LS-0042", later, Channel.GREEN, None)
    # a green declaration can still be held by an officer, then released or rejected
    hold = record_result(
        d, [], tz=UTC, kind=ResultKind.HOLD, officer_id="HQ-LS-0042", reason="Nghi khai sai trọng lượng", at=later
    )
    assert hold.reason == "Nghi khai sai trọng lượng" and hold.channel is Channel.GREEN
    released = record_result(d, [hold], tz=UTC, kind="release", officer_id="HQ-LS-0007", at=later + timedelta(hours=2))
    assert released.kind is ResultKind.RELEASE
    rejected = record_result(d, [hold], tz=UTC, kind="reject", officer_id="HQ-LS-0007", reason="货证不符", at=later)
    assert rejected.to_dict()["kind"] == "reject" and rejected.to_dict()["reason"] == "货证不符"


@pytest.mark.parametrize("kind", ["hold", "reject"])
def test_hold_and_reject_need_a_reason(kind: str) -> None:
    d = decide(shipment("842952"), COMPLIANT)
    for blank in (None, "", "   "):
        with pytest.raises(InvalidInput) as err:
            record_result(d, [], tz=UTC, kind=kind, officer_id="HQ-1", reason=blank, at=T0)
        assert err.value.code == "customs.reason_required" and err.value.params == {"result": kind}


def test_a_second_decision_is_refused() -> None:
    d = decide(shipment("030389"), POOR)
    release = record_result(d, [], tz=UTC, kind="release", officer_id="HQ-1", at=T0)
    for kind, why in (("release", None), ("reject", "late finding"), ("hold", "again")):
        with pytest.raises(Conflict) as err:
            record_result(d, [release], tz=UTC, kind=kind, officer_id="HQ-2", reason=why, at=T0 + timedelta(hours=1))
        assert err.value.code == "customs.already_decided"
        assert err.value.params == {"declaration_id": "tk-1", "result": "release"}
    reject = record_result(d, [], tz=UTC, kind="reject", officer_id="HQ-1", reason="Hàng cấm", at=T0)
    with pytest.raises(Conflict) as err:
        record_result(d, [reject], tz=UTC, kind="release", officer_id="HQ-2", at=T0)
    assert err.value.code == "customs.already_decided" and err.value.params["result"] == "reject"
    hold = record_result(d, [], tz=UTC, kind="hold", officer_id="HQ-1", reason="Chờ giám định", at=T0)
    with pytest.raises(Conflict) as err:
        record_result(d, [hold], tz=UTC, kind="hold", officer_id="HQ-1", reason="Chờ giám định", at=T0)
    assert err.value.code == "customs.already_held"


def test_result_inputs_are_checked() -> None:
    d = decide(shipment("842952"), COMPLIANT)
    with pytest.raises(InvalidInput) as err:
        record_result(d, [], tz=UTC, kind="release", officer_id="  ", at=T0)
    assert err.value.code == "customs.officer_required"
    with pytest.raises(InvalidInput) as err:
        record_result(d, [], tz=UTC, kind="approve", officer_id="HQ-1", at=T0)
    assert err.value.code == "enum.invalid"
    with pytest.raises(InvalidInput) as err:
        record_result(d, [], tz=ICT, kind="release", officer_id="HQ-1", at=T0 - timedelta(seconds=1))
    assert err.value.code == "customs.result_before_decision"
    with pytest.raises(InvalidInput) as err:
        record_result(d, [], tz=UTC, kind="reject", officer_id="HQ-1", reason="x" * 501, at=T0)
    assert err.value.code == "text.too_long"
    other = replace(d, declaration_id="tk-2")
    hold = record_result(other, [], tz=UTC, kind="hold", officer_id="HQ-1", reason="check", at=T0)
    with pytest.raises(InvalidInput) as err:
        record_result(d, [hold], tz=UTC, kind="release", officer_id="HQ-1", at=T0)
    assert err.value.code == "customs.wrong_declaration"


# ------------------------------------------------------------------------------------------------ profile


def test_the_profile_is_published_and_read_back() -> None:
    published = PROFILE.to_dict()
    assert published["targets"] == {"red": 0.05, "yellow": 0.15, "green": pytest.approx(0.80)}
    assert published["commodity_risk"]["3105"] == 0.45 and published["watch_list"] == ["0106"]
    assert published["perishability_risk"]["live_animals"] == 0.9
    assert SelectivityProfile.from_dict(published) == PROFILE
    with pytest.raises(InvalidInput) as err:
        SelectivityProfile.from_dict({**published, "bonus": 1})
    assert err.value.code == "customs.profile_invalid" and err.value.params["name"] == "bonus"
    with pytest.raises(InvalidInput) as err:
        SelectivityProfile.from_dict({k: v for k, v in published.items() if k != "weights"})
    assert err.value.code == "customs.profile_invalid"


@given(
    red=st.floats(0, 0.3),
    yellow=st.floats(0, 0.5),
    fraction=st.floats(0, 1),
    window=st.integers(1, 5000),
)
def test_profile_round_trip(red: float, yellow: float, fraction: float, window: int) -> None:
    profile = SelectivityProfile(
        version="v2",
        targets=TargetRates(red=red, yellow=yellow),
        random_red=red * fraction,
        random_yellow=yellow * fraction,
        calibration=CalibrationRules(window_size=window, min_window=min(window, 100)),
        history=HistoryRules(prior_declarations=5),
    )
    assert SelectivityProfile.from_dict(profile.to_dict()) == profile


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"random_red": 0.06}, "customs.random_above_target"),
        ({"random_yellow": 0.5}, "customs.random_above_target"),
        ({"commodity_risk": {"081": 0.5}}, "customs.hs_prefix_invalid"),
        ({"watch_list": frozenset({"abc"})}, "customs.hs_prefix_invalid"),
        ({"commodity_risk": {"08": 1.5}}, "customs.profile_invalid"),
        ({"weight_history": 0.9}, "customs.profile_invalid"),
        ({"version": " "}, "customs.profile_invalid"),
        ({"calibration": CalibrationRules(window_size=10, min_window=20)}, "customs.profile_invalid"),
        ({"history": HistoryRules(saturation_rate=0)}, "customs.profile_invalid"),
    ],
)
def test_a_bad_profile_is_refused(over: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        replace(PROFILE, **over)
    assert err.value.code == code


def test_target_rates_must_add_up() -> None:
    with pytest.raises(InvalidInput) as err:
        TargetRates(red=0.6, yellow=0.5)
    assert err.value.code == "customs.rates_invalid"
    with pytest.raises(InvalidInput):
        TargetRates(red=-0.1, yellow=0.1)


def test_target_rates_from_inspection_capacity() -> None:
    rates = rates_from_capacity(
        inspection_places_per_day=30, document_checks_per_day=120, expected_declarations_per_day=600
    )
    assert (
        rates.red == pytest.approx(0.05) and rates.yellow == pytest.approx(0.15) and rates.green == pytest.approx(0.80)
    )
    # an idle inspection bay does not push the red rate past the cap
    capped = rates_from_capacity(
        inspection_places_per_day=500, document_checks_per_day=100, expected_declarations_per_day=600
    )
    assert capped.red == 0.15 and capped.yellow == pytest.approx(10 / 600)
    with pytest.raises(InvalidInput) as err:
        rates_from_capacity(inspection_places_per_day=1, document_checks_per_day=1, expected_declarations_per_day=0)
    assert err.value.code == "customs.capacity_invalid"
    profile = replace_targets(PROFILE, TargetRates(red=0.005, yellow=0.1), version="capacity-2026-06")
    assert profile.random_red == 0.005 and profile.version == "capacity-2026-06"


@given(
    places=st.floats(0, 1000),
    checks=st.floats(0, 5000),
    declarations=st.floats(0.5, 10000),
)
def test_capacity_rates_are_within_bounds(places: float, checks: float, declarations: float) -> None:
    rates = rates_from_capacity(
        inspection_places_per_day=places, document_checks_per_day=checks, expected_declarations_per_day=declarations
    )
    assert 0 <= rates.red <= 0.15 and 0 <= rates.yellow <= 0.40
    assert rates.red * declarations <= places + 1e-9
    assert (rates.red + rates.yellow) * declarations <= max(checks, rates.red * declarations) + 1e-6


# ------------------------------------------------------------------------------------------------ calibration


@given(
    window=st.lists(
        st.tuples(st.sampled_from([0.1, 0.2, 0.35, 0.5, 0.8]) | st.floats(0, 1), st.sampled_from([0, 0, 0, 0, 1, 2])),
        min_size=50,
        max_size=600,
    )
)
def test_calibrated_thresholds_meet_the_targets_on_their_window(window: list[tuple[float, int]]) -> None:
    """Expected shares on the window itself equal the targets, ties included, whenever the floors allow it."""
    th = calibrate(window, PROFILE)
    n = len(window)

    def passes(score: float, t: float | None, tie: float) -> float:
        return 0.0 if t is None else 1.0 if score > t else tie if score == t else 0.0

    red_before = sum(1.0 if f == 2 else passes(s, th.red, th.red_tie) for s, f in window) / n
    up_before = (
        sum(
            1.0 if f >= 1 else max(passes(s, th.yellow, th.yellow_tie), passes(s, th.red, th.red_tie))
            for s, f in window
        )
        / n
    )
    rr, ry = PROFILE.random_red, PROFILE.random_yellow
    red = red_before + rr * (1 - red_before)
    up = up_before + (rr + ry) * (1 - up_before)
    t = PROFILE.targets
    red_share = (t.red - rr) / (1 - rr)
    up_share = (t.red + t.yellow - rr - ry) / (1 - rr - ry)
    forced_red = sum(1 for _, f in window if f == 2) / n
    forced_up = sum(1 for _, f in window if f >= 1) / n
    if forced_red <= red_share:
        assert red == pytest.approx(t.red, abs=1e-9)
    elif forced_red > red_share + 1e-9:  # hard rules alone exceed the target: they win, nothing red on score
        assert th.red is None and red > t.red
    if forced_up <= up_share:
        assert up >= t.red + t.yellow - 1e-9
        if th.red is None or (th.yellow is not None and th.yellow < th.red):
            assert up == pytest.approx(t.red + t.yellow, abs=1e-9)


def test_state_survives_a_round_trip_and_replays_the_same_decisions() -> None:
    rng_a, rng_b = random.Random(3), random.Random(3)
    state = SelectivityState()
    mix = [shipment(hs, shipment_id=f"tk-{i}") for i, hs in enumerate(["081090", "030389", "310520", "842952"] * 80)]
    clock = ManualClock(T0)
    for s in mix[:300]:
        _, state = decide_channel(s, POOR if s.id.endswith("7") else COMPLIANT, PROFILE, state, rng_a, clock=clock)
    stored = SelectivityState.from_dict(state.to_dict())
    assert stored == state and state.thresholds is not None and state.thresholds.calibrated_on >= 200
    rng_b.setstate(rng_a.getstate())
    for s in mix[300:]:
        a, state = decide_channel(s, COMPLIANT, PROFILE, state, rng_a, clock=clock)
        b, stored = decide_channel(s, COMPLIANT, PROFILE, stored, rng_b, clock=clock)
        assert a == b
    assert stored == state


def test_a_new_profile_version_is_calibrated_at_once() -> None:
    window = tuple((i / 1000, 0) for i in range(1000))
    state = SelectivityState(window=window, thresholds=calibrate(window, PROFILE), profile_version=PROFILE.version)
    stricter = replace_targets(PROFILE, TargetRates(red=0.20, yellow=0.20), version="surge")
    assessment = RiskAssessment(score=0.85, floor=Channel.GREEN, reasons=())
    _, after = select_channel(assessment, stricter, state, random.Random(1), declaration_id="tk", at=T0)
    assert after.thresholds is not None and after.thresholds.red is not None and after.thresholds.red < 0.85
    assert after.profile_version == "surge" and after.since_calibration == 1


# ------------------------------------------------------------------------------------------------ many declarations


def _template(hs: str) -> Shipment:
    return shipment(hs, shipment_id="template")


#: What crosses at Hữu Nghị – Youyiguan: fresh fruit south→north, frozen fish, NPK fertiliser and machinery.
GOODS = {
    "fruit": [_template("081090"), _template("081060"), _template("080450")],  # dragon fruit, durian, mango
    "frozen_fish": [_template("030389"), _template("030617")],  # frozen fish, frozen shrimp
    "fertiliser": [_template("310520"), _template("310510")],
    "machinery": [_template("842952"), _template("850440"), _template("847130")],
    "watch_listed": [_template("010619")],
}
USUAL_MIX = {"fruit": 0.35, "frozen_fish": 0.15, "fertiliser": 0.15, "machinery": 0.345, "watch_listed": 0.005}
HARVEST_MIX = {"fruit": 0.70, "frozen_fish": 0.10, "fertiliser": 0.05, "machinery": 0.145, "watch_listed": 0.005}

N = 20_000
WARM_UP = 2_000
BLOCK = 2_000
TOLERANCE = 0.015  # overall, after warm-up
BLOCK_TOLERANCE = 0.025  # any block of 2,000 (binomial s.d. of yellow at 15 % is 0.8 points)


def _enterprises(rng: random.Random) -> list[tuple[str, EnterpriseHistory]]:
    """400 enterprises: most compliant, some average, a few poor (some recently rejected), a few new."""
    out: list[tuple[str, EnterpriseHistory]] = []
    for i in range(400):
        u = rng.random()
        if u < 0.75:
            n = rng.randint(30, 600)
            out.append(
                (
                    "compliant",
                    EnterpriseHistory(f"e{i}", n, holds=rng.randint(0, n // 50), findings=rng.randint(0, n // 100)),
                )
            )
        elif u < 0.90:
            n = rng.randint(20, 300)
            h = EnterpriseHistory(
                f"e{i}",
                n,
                holds=rng.randint(0, n // 10),
                rejections=rng.randint(0, n // 40),
                findings=rng.randint(0, n // 20),
            )
            out.append(("average", h))
        elif u < 0.97:
            n = rng.randint(20, 200)
            h = EnterpriseHistory(
                f"e{i}",
                n,
                holds=rng.randint(n // 10, n // 4),
                rejections=rng.randint(1, max(1, n // 10)),
                findings=rng.randint(n // 20, n // 5),
                last_rejection_at=T0 - timedelta(days=rng.randint(1, 400)),
            )
            out.append(("poor", h))
        else:
            out.append(("new", EnterpriseHistory(f"e{i}", rng.randint(0, 10))))
    return out


def simulate(
    profile: SelectivityProfile,
    *,
    surge_at: int | None = None,
    after_surge: SelectivityProfile | None = None,
    seed: int = 2026,
) -> list[tuple[str, str, ChannelDecision]]:
    """N declarations from a seeded stream; the selector has its own seeded stream, as in production.

    From ``surge_at`` on, the harvest mix applies and, if given, the ``after_surge`` profile."""
    data, selector = random.Random(seed), random.Random(seed + 1)
    enterprises = _enterprises(data)
    clock, state = ManualClock(T0), SelectivityState()
    out = []
    for i in range(N):
        surging = surge_at is not None and i >= surge_at
        mix = HARVEST_MIX if surging else USUAL_MIX
        kind = data.choices(list(mix), weights=list(mix.values()))[0]
        goods = replace(data.choice(GOODS[kind]), id=f"tk-{i}")
        group, history = data.choice(enterprises)
        current = after_surge if surging and after_surge is not None else profile
        decision, state = decide_channel(goods, history, current, state, selector, clock=clock)
        clock.advance(timedelta(seconds=90))
        out.append((kind, group, decision))
    return out


def shares(decisions: list[tuple[str, str, ChannelDecision]]) -> dict[Channel, float]:
    counts = Counter(d.channel for _, _, d in decisions)
    return {c: counts[c] / len(decisions) for c in Channel}


def _assert_on_target(decisions: list[tuple[str, str, ChannelDecision]], tolerance: float, what: str) -> None:
    got = shares(decisions)
    for channel in Channel:
        target = PROFILE.targets.for_channel(channel)
        assert abs(got[channel] - target) <= tolerance, f"{what}: {channel} {got[channel]:.4f} vs {target:.2f}"


@pytest.fixture(scope="module")
def steady() -> list[tuple[str, str, ChannelDecision]]:
    return simulate(PROFILE)


@pytest.fixture(scope="module")
def harvest() -> list[tuple[str, str, ChannelDecision]]:
    return simulate(PROFILE, surge_at=N // 2)


def test_channel_target_rates_held_over_many_declarations(steady: list[tuple[str, str, ChannelDecision]]) -> None:
    _assert_on_target(steady[WARM_UP:], TOLERANCE, "after warm-up")
    for start in range(WARM_UP, N, BLOCK):
        _assert_on_target(steady[start : start + BLOCK], BLOCK_TOLERANCE, f"block at {start}")


def test_rates_still_held_when_a_harvest_surge_shifts_the_mix(harvest: list[tuple[str, str, ChannelDecision]]) -> None:
    after_surge = harvest[N // 2 :]
    assert Counter(k for k, _, _ in after_surge)["fruit"] / len(after_surge) > 0.65
    _assert_on_target(harvest[WARM_UP:], TOLERANCE, "after warm-up")
    _assert_on_target(after_surge, TOLERANCE, "after the surge")
    for start in range(WARM_UP, N, BLOCK):
        _assert_on_target(harvest[start : start + BLOCK], BLOCK_TOLERANCE, f"block at {start}")


def test_thresholds_frozen_before_the_surge_miss_the_targets() -> None:
    """The counterfactual: the same stream, but the thresholds calibrated on the usual mix are kept through
    the harvest (same profile version, never recalibrated). Fruit lowers the average risk, yellow falls short."""
    frozen = replace(PROFILE, calibration=replace(PROFILE.calibration, recalibrate_every=10 * N))
    decisions = simulate(PROFILE, surge_at=N // 2, after_surge=frozen)
    _assert_on_target(decisions[WARM_UP : N // 2], TOLERANCE, "before the surge")
    got = shares(decisions[N // 2 :])
    assert max(abs(got[c] - PROFILE.targets.for_channel(c)) for c in Channel) > TOLERANCE
    assert got[Channel.YELLOW] < PROFILE.targets.yellow - TOLERANCE


def test_higher_risk_declarations_are_more_often_red(steady: list[tuple[str, str, ChannelDecision]]) -> None:
    body = sorted(steady[WARM_UP:], key=lambda x: x[2].score)
    top = [shares(body[-int(len(body) * frac) :])[Channel.RED] for frac in (0.02, 0.05, 0.10, 0.20)]
    assert top == sorted(top, reverse=True) and top[0] > 0.95  # the riskiest 2 % are all red
    # below the top fifth, only random sampling sends a declaration to red, at its published rate
    rest = shares(body[: int(len(body) * 0.8)])[Channel.RED]
    assert PROFILE.random_red - 0.003 <= rest <= PROFILE.random_red + 0.003

    def rate(kind: str, group: str, channels: set[Channel]) -> float:
        picked = [x for x in steady[WARM_UP:] if x[0] == kind and x[1] == group]
        got = shares(picked)
        return sum(got[c] for c in channels)

    red, checked = {Channel.RED}, {Channel.RED, Channel.YELLOW}
    assert rate("frozen_fish", "poor", red) > 0.9 > 0.1 > rate("frozen_fish", "compliant", red)
    assert rate("fruit", "poor", red) > rate("fruit", "average", red)
    assert rate("frozen_fish", "compliant", checked) > 5 * rate("machinery", "compliant", checked)
    assert all(x[2].channel is Channel.RED for x in steady if x[0] == "watch_listed")


def test_the_stream_is_reproducible(steady: list[tuple[str, str, ChannelDecision]]) -> None:
    again = simulate(PROFILE)
    assert [d.channel for _, _, d in again] == [d.channel for _, _, d in steady]
