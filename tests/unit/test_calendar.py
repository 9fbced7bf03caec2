"""Public holidays of Vietnam and China from the ``holidays`` calendars, and closure rules over them
(domain/calendar.py): checked against the published breaks of Tết 2025 / 2026 and the Spring Festival."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cuakhau.domain import calendar
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import ClosureKind, ClosureRule, Country, Gate, LocalizedText

OFFICIAL_BREAK = ClosureRule("lunar_new_year", bridge=True)


def _gate(gate_id: str, country: Country, *rules: ClosureRule) -> Gate:
    return Gate(gate_id, country, LocalizedText("a", "b", "c"), closure_rules=list(rules))


@pytest.mark.parametrize(
    ("country", "year", "first", "last"),
    [
        # Vietnam's civil servants (Bộ LĐ-TB-XH): Tết Ất Tỵ 25 January – 2 February 2025, Bính Ngọ 14–22 February 2026
        (Country.VN, 2025, date(2025, 1, 25), date(2025, 2, 2)),
        (Country.VN, 2026, date(2026, 2, 14), date(2026, 2, 22)),
        # China's State Council: 春节 28 January – 4 February 2025 (26 January a working Sunday), 15–23 February 2026
        # (14 February, a Saturday, made a working day: the break does not reach back to it)
        (Country.CN, 2025, date(2025, 1, 28), date(2025, 2, 4)),
        (Country.CN, 2026, date(2026, 2, 15), date(2026, 2, 23)),
    ],
)
def test_the_official_lunar_new_year_break_is_the_published_one(
    country: Country, year: int, first: date, last: date
) -> None:
    assert calendar.closed_days(country, OFFICIAL_BREAK, year) == (first, last)


def test_china_national_day_2025_bridges_to_mid_autumn_as_published() -> None:
    # 国庆节、中秋节: 1–8 October 2025 (28 September and 11 October worked)
    assert calendar.closed_days(Country.CN, ClosureRule("national_day", bridge=True), 2025) == (
        date(2025, 10, 1),
        date(2025, 10, 8),
    )


def test_without_bridge_only_the_named_days_close_and_extra_days_are_added() -> None:
    # Tết 2025 in the Vietnamese calendar: 29 tháng Chạp (27 January) to mùng 4 (1 February)
    assert calendar.closed_days(Country.VN, ClosureRule("lunar_new_year"), 2025) == (
        date(2025, 1, 27),
        date(2025, 2, 1),
    )
    rule = ClosureRule("lunar_new_year", start=0, days=3, extra_days_before=2, extra_days_after=1)
    assert calendar.closed_days(Country.VN, rule, 2025) == (date(2025, 1, 27), date(2025, 2, 1))


def test_a_rule_makes_a_local_midnight_closure_with_a_stable_id() -> None:
    gate = _gate("cn-dongxing", Country.CN, ClosureRule("lunar_new_year", start=-1, days=5))
    [closure] = calendar.holiday_closures(gate, 2025)
    assert closure.starts_at == datetime(2025, 1, 27, 16, 0, tzinfo=UTC)  # 28 January 00:00 in China
    assert closure.ends_at == datetime(2025, 2, 1, 16, 0, tzinfo=UTC)
    assert closure.kind is ClosureKind.HOLIDAY and "春节" in closure.reason and "2025" in closure.reason
    assert closure.id == calendar.holiday_closures(gate, 2025)[0].id != calendar.holiday_closures(gate, 2026)[0].id
    assert closure.id is not None and len(closure.id) == 32


def test_every_holiday_of_both_countries_is_found_for_twenty_years() -> None:
    for country, table in calendar.HOLIDAYS.items():
        for year in range(2025, 2045):
            for key in table:
                days = calendar.official_days(country, key, year)
                main = calendar.main_day(country, key, year)
                assert days and main is not None and main.year == year, (country, key, year)
                assert days[0] <= main <= days[-1], (country, key, year)


def test_an_unknown_holiday_names_the_rule() -> None:
    with pytest.raises(InvalidInput) as info:
        calendar.check_rules(Country.CN, [ClosureRule("national_day"), ClosureRule("reunification_day")])
    assert info.value.code == "gate.holiday_unknown"
    assert info.value.field == "closure_rules[1].holiday"


def test_rule_bounds_are_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        ClosureRule("lunar_new_year", days=0)
    assert (info.value.code, info.value.field) == ("gate.rule_days", "days")
    assert ClosureRule.from_dict(ClosureRule("x", start=-1, days=5, reason=LocalizedText("a", "b", "c")).as_dict()) == (
        ClosureRule("x", start=-1, days=5, reason=LocalizedText("a", "b", "c"))
    )
