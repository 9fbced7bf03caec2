"""The simulator's incremental selector (:class:`ChannelSelector`, a sorted rolling window) gives exactly the
channels and the state of the production :func:`select_channel` on random streams of declarations."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cuakhau.domain.customs import (
    CalibrationRules,
    Channel,
    ChannelSelector,
    RiskAssessment,
    RollingWindow,
    SelectivityProfile,
    SelectivityState,
    TargetRates,
    calibrate,
    select_channel,
)
from cuakhau.domain.customs.thresholds import _cut, _SortedCounts

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
FLOORS = (Channel.GREEN, Channel.GREEN, Channel.GREEN, Channel.YELLOW, Channel.RED)
# a few repeated scores make tie blocks straddle the cuts; any float makes the rest
SCORES = st.sampled_from([0.1, 0.2, 0.35, 0.4, 0.55, 0.8]) | st.floats(0, 1)


@st.composite
def profiles(draw: st.DrawFn) -> SelectivityProfile:
    red = draw(st.sampled_from([0.0, 0.02, 0.05, 0.2]))
    yellow = draw(st.sampled_from([0.0, 0.1, 0.3]))
    random_red = draw(st.sampled_from([0.0, red / 2, red]))
    random_yellow = draw(st.sampled_from([0.0, (red + yellow - random_red) / 3]))
    size = draw(st.integers(1, 60))
    return SelectivityProfile(
        version=draw(st.sampled_from(["a", "b"])),
        targets=TargetRates(red=red, yellow=yellow),
        random_red=random_red,
        random_yellow=random_yellow,
        calibration=CalibrationRules(
            window_size=size, min_window=draw(st.integers(1, size)), recalibrate_every=draw(st.integers(1, 12))
        ),
    )


@settings(max_examples=300, deadline=None)
@given(
    profile=profiles(),
    stored=st.lists(st.tuples(SCORES, st.sampled_from([0, 0, 1, 2])), max_size=80),
    stored_version=st.sampled_from([None, "a", "b"]),
    since=st.integers(0, 20),
    stream=st.lists(st.tuples(SCORES, st.sampled_from(FLOORS)), min_size=1, max_size=250),
    seed=st.integers(0, 2**32),
)
def test_the_incremental_selector_decides_as_select_channel(
    profile: SelectivityProfile,
    stored: list[tuple[float, int]],
    stored_version: str | None,
    since: int,
    stream: list[tuple[float, Channel]],
    seed: int,
) -> None:
    # a stored state, possibly from another profile version or a longer window, possibly never calibrated
    thresholds = calibrate(stored, profile) if stored and since % 2 else None
    state = SelectivityState(
        window=tuple(stored), thresholds=thresholds, since_calibration=since, profile_version=stored_version
    )
    selector = ChannelSelector(profile, state)
    assert selector.state == state
    rng_a, rng_b = random.Random(seed), random.Random(seed)
    for i, (score, floor) in enumerate(stream):
        assessment = RiskAssessment(score=score, floor=floor, reasons=())
        decision, state = select_channel(assessment, profile, state, rng_a, declaration_id=f"tk-{i}", at=T0)
        assert selector.choose(assessment, rng_b) is decision.channel
        assert selector.state == state
    assert rng_a.getstate() == rng_b.getstate()


def test_the_incremental_selector_on_a_long_stream_of_the_default_profile() -> None:
    """The production window (2,000, recalibrated every 50) over 6,000 declarations: every channel equal."""
    profile = SelectivityProfile()
    gen = random.Random(11)
    state = SelectivityState()
    selector = ChannelSelector(profile)
    rng_a, rng_b = random.Random(5), random.Random(5)
    counts = dict.fromkeys(Channel, 0)
    for i in range(6000):
        score = round(gen.choice([gen.random(), 0.35, 0.42, 0.6]), 4)
        floor = Channel.RED if gen.random() < 0.01 else Channel.YELLOW if gen.random() < 0.03 else Channel.GREEN
        assessment = RiskAssessment(score=score, floor=floor, reasons=())
        decision, state = select_channel(assessment, profile, state, rng_a, declaration_id=f"tk-{i}", at=T0)
        assert selector.choose(assessment, rng_b) is decision.channel
        counts[decision.channel] += 1
    assert selector.state == state
    assert abs(counts[Channel.RED] / 6000 - 0.05) < 0.02 and abs(counts[Channel.YELLOW] / 6000 - 0.15) < 0.03


@settings(max_examples=300, deadline=None)
@given(
    ops=st.lists(st.tuples(st.booleans(), SCORES), max_size=80),
    wanted=st.lists(st.floats(-1, 90, allow_nan=False), min_size=1, max_size=5),
)
def test_the_counted_multiset_cuts_as_the_sorted_list(ops: list[tuple[bool, float]], wanted: list[float]) -> None:
    """The rolling window's candidates as distinct scores with counts: the same cut as on the sorted list."""
    counted, plain = _SortedCounts(), []
    for add, score in ops:
        if add or score not in plain:
            counted.add(score)
            plain.append(score)
        else:
            counted.discard(score)
            plain.remove(score)
        ordered = sorted(plain)
        assert counted.keys == sorted(set(plain)) and counted.n == len(plain)
        for w in wanted:
            assert counted.cut(w) == _cut(ordered, w)


@settings(max_examples=300, deadline=None)
@given(
    profile=profiles(),
    stored=st.lists(st.tuples(SCORES, st.sampled_from([0, 0, 1, 2])), max_size=80),
    ops=st.lists(
        st.one_of(st.none(), st.tuples(st.sampled_from([0.1, 0.35, 0.4, 0.8]) | SCORES, st.sampled_from([0, 0, 1, 2]))),
        max_size=200,
    ),
)
def test_the_rolling_window_calibrates_as_its_items(
    profile: SelectivityProfile, stored: list[tuple[float, int]], ops: list[tuple[float, int] | None]
) -> None:
    """Scores in and out only move pending counts, taken at the next calibration: at any point (``None``) the
    window calibrates as :func:`calibrate` on its items, which are ``window[-size:]`` of everything appended."""
    window = RollingWindow(profile.calibration.window_size, stored)
    plain = list(stored)
    assert window.calibrate(profile) == calibrate(plain, profile)
    for op in ops:
        if op is None:
            assert window.items() == tuple(plain)
            assert window.calibrate(profile) == calibrate(plain, profile)
        else:
            window.append(*op)
            plain = [*plain, op][-profile.calibration.window_size :]
    assert window.items() == tuple(plain) and len(window) == len(plain)
    assert window.calibrate(profile) == calibrate(plain, profile)
