"""Gates keep their hours on their own clock; closures cut them; instants are always aware."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import (
    Closure,
    Country,
    Direction,
    Gate,
    Lane,
    LaneKind,
    LocalizedText,
    OpeningPeriod,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CN = ZoneInfo("Asia/Shanghai")
NAMES = LocalizedText("Cửa khẩu thử", "测试口岸", "Test gate")


def gate(country: Country = Country.VN, *periods: OpeningPeriod, gid: str | None = None) -> Gate:
    return Gate(
        id=gid or f"{country.value.lower()}-test",
        country=country,
        names=NAMES,
        lanes=[Lane("X1", Direction.EXPORT), Lane("N1", Direction.IMPORT, LaneKind.EMPTY)],
        opening_hours=list(periods) or [OpeningPeriod(time(7), time(19))],
    )


def test_the_same_instant_reads_an_hour_apart_across_the_line() -> None:
    hn, yy = gate(Country.VN), gate(Country.CN, OpeningPeriod(time(8), time(20)))
    instant = datetime(2026, 6, 2, 0, 30, tzinfo=UTC)  # 07:30 at Hữu Nghị, 08:30 at Youyiguan
    assert hn.local(instant).hour == 7 and yy.local(instant).hour == 8
    assert hn.is_open(instant) and yy.is_open(instant)
    early = datetime(2026, 6, 1, 23, 59, tzinfo=UTC)  # 06:59 VN / 07:59 CN
    assert not hn.is_open(early) and not yy.is_open(early)


def test_vietnamese_hours_are_not_chinese_clock_hours() -> None:
    # 07:00–19:00 on each side's own clock are different instants: the Chinese side opens an hour earlier.
    vn, cn = gate(Country.VN), gate(Country.CN)
    instant = datetime(2026, 6, 2, 7, 0, tzinfo=CN).astimezone(UTC)  # 06:00 in Vietnam
    assert cn.is_open(instant) and not vn.is_open(instant)


def test_a_period_running_past_midnight() -> None:
    night = gate(Country.VN, OpeningPeriod(time(20), time(2), frozenset({1})))  # Monday 20:00 → Tuesday 02:00
    monday = datetime(2026, 6, 1, 23, 0, tzinfo=VN)
    tuesday_small_hours = datetime(2026, 6, 2, 1, 30, tzinfo=VN)
    tuesday_night = datetime(2026, 6, 2, 21, 0, tzinfo=VN)
    assert night.is_open(monday) and night.is_open(tuesday_small_hours)
    assert not night.is_open(tuesday_night)


def test_closures_cut_open_intervals_and_move_the_next_opening() -> None:
    g = gate(Country.VN)
    g.add_closure(Closure(datetime(2026, 6, 2, 10, tzinfo=VN), datetime(2026, 6, 3, 12, tzinfo=VN), "lũ / 洪水"))
    start, end = datetime(2026, 6, 2, 0, tzinfo=VN), datetime(2026, 6, 4, 0, tzinfo=VN)
    assert [
        (a.astimezone(VN).strftime("%d %H:%M"), b.astimezone(VN).strftime("%d %H:%M"))
        for a, b in g.open_intervals(start, end)
    ] == [("02 07:00", "02 10:00"), ("03 12:00", "03 19:00")]
    assert g.next_opening(datetime(2026, 6, 2, 11, tzinfo=VN)) == datetime(2026, 6, 3, 12, tzinfo=VN)
    assert g.closure_at(datetime(2026, 6, 2, 11, tzinfo=VN)).reason == "lũ / 洪水"  # type: ignore[union-attr]


def test_weekday_only_hours() -> None:
    g = gate(Country.VN, OpeningPeriod(time(7), time(17), frozenset({1, 2, 3, 4, 5})))
    assert not g.is_open(datetime(2026, 6, 6, 10, tzinfo=VN))  # Saturday
    assert g.next_opening(datetime(2026, 6, 6, 10, tzinfo=VN)) == datetime(2026, 6, 8, 7, tzinfo=VN)


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: gate(gid="huu nghi"), "gate.id"),
        (lambda: gate(Country.CN, gid="vn-youyiguan"), "gate.id"),
        (lambda: Gate("vn-x", Country.VN, NAMES, locode="CNYYG"), "gate.locode"),
        (lambda: Gate("vn-x", Country.VN, NAMES, latitude=121.0), "gate.coordinates"),
        (
            lambda: Gate("vn-x", Country.VN, NAMES, lanes=[Lane("A", Direction.EXPORT), Lane("A", Direction.IMPORT)]),
            "gate.lane_duplicate",
        ),
        (lambda: OpeningPeriod(time(7), time(8), frozenset({0})), "gate.weekdays"),
        (lambda: Closure(datetime(2026, 1, 1), datetime(2026, 1, 2), "x"), "time.naive"),
        (
            lambda: Closure(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), "x"),
            "time.end_before_start",
        ),
        (lambda: Closure(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), " "), "reason.required"),
    ],
)
def test_invalid_gate_data_is_refused(build: object, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        build()  # type: ignore[operator]
    assert info.value.code == code


def test_naive_instants_are_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        gate().is_open(datetime(2026, 6, 2, 8, 0))
    assert info.value.code == "time.naive"


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    hours=st.integers(min_value=1, max_value=24 * 14),
    cut=st.integers(min_value=0, max_value=24 * 14),
    length=st.integers(min_value=1, max_value=72),
)
def test_open_intervals_agree_with_is_open(start: datetime, hours: int, cut: int, length: int) -> None:
    g = gate(Country.CN, OpeningPeriod(time(8), time(20)), OpeningPeriod(time(22), time(1), frozenset({5})))
    g.add_closure(Closure(start + timedelta(hours=cut), start + timedelta(hours=cut + length), "kiểm tra / 检查"))
    end = start + timedelta(hours=hours)
    intervals = g.open_intervals(start, end)
    for a, b in intervals:
        assert start <= a < b <= end
        assert g.is_open(a) and g.is_open(b - timedelta(seconds=1))
    for a, b in itertools.pairwise(intervals):
        assert a[1] < b[0]  # merged: never touching
        assert not g.is_open(a[1])
