"""Public holidays of Vietnam and China for any year, and the holiday closures a gate's rules make of them.

The dates come from the ``holidays`` package (its Vietnamese and Chinese calendars: Tết Nguyên Đán and 春节 on
the lunisolar calendar, the days off each government moves, and the weekends it makes working days, 调休), so
no year is missing: the closures of 2040 are computed like those of 2026. A gate's configuration says which
holidays close it and for how long (:class:`cuakhau.domain.gate.ClosureRule`); :func:`holiday_closures` makes
the closures of a year from them, each with a stable id (the same rule and year give the same id, so installing
twice publishes a closure once and a changed rule replaces its closure).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays as holidays_lib

from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import Closure, ClosureKind, ClosureRule, Country, Gate, LocalizedText


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday of one country, found in the ``holidays`` calendar by its English name."""

    key: str
    names: LocalizedText
    #: Matches the calendar's English names of the holiday's days (observed days included, moved days off not).
    pattern: re.Pattern[str]
    #: The main day: a fixed (month, day), or the first day whose name is ``anchor_name``, or the first day.
    anchor: tuple[int, int] | None = None
    anchor_name: str | None = None


def _h(
    key: str, vi: str, zh: str, en: str, pattern: str, anchor: tuple[int, int] | None = None, name: str | None = None
) -> Holiday:
    return Holiday(key, LocalizedText(vi, zh, en), re.compile(pattern), anchor, name)


#: The holidays a closure rule can name, by country.
HOLIDAYS: dict[Country, dict[str, Holiday]] = {
    Country.VN: {
        h.key: h
        for h in (
            _h("new_year", "Tết Dương lịch", "越南元旦", "New Year's Day", r"^New Year's Day", (1, 1)),
            _h(
                "lunar_new_year",
                "Tết Nguyên Đán",
                "越南春节",
                "Vietnamese Lunar New Year",
                r"Lunar New Year",
                name="Lunar New Year",
            ),
            _h("hung_kings", "Giỗ Tổ Hùng Vương", "雄王祭", "Hung Kings' Commemoration Day", r"^Hung Kings"),
            _h(
                "reunification_day",
                "Ngày Giải phóng miền Nam",
                "越南南方解放日",
                "Reunification Day",
                r"^Liberation Day",
                (4, 30),
            ),
            _h("labour_day", "Quốc tế Lao động", "越南劳动节", "Labour Day", r"^International Labor Day", (5, 1)),
            _h("national_day", "Quốc khánh", "越南国庆节", "Vietnam National Day", r"^National Day", (9, 2)),
        )
    },
    Country.CN: {
        h.key: h
        for h in (
            _h("new_year", "Tết Dương lịch Trung Quốc", "元旦", "New Year's Day", r"^New Year's Day", (1, 1)),
            _h(
                "lunar_new_year",
                "Tết Nguyên Đán",
                "春节",
                "Spring Festival",
                r"^Chinese New Year",
                name="Chinese New Year (Spring Festival)",
            ),
            _h("tomb_sweeping", "Tết Thanh minh", "清明节", "Tomb-Sweeping Day", r"^Tomb-Sweeping Day"),
            _h("labour_day", "Quốc tế Lao động Trung Quốc", "劳动节", "Labour Day", r"^Labor Day", (5, 1)),
            _h("dragon_boat", "Tết Đoan ngọ", "端午节", "Dragon Boat Festival", r"^Dragon Boat Festival"),
            _h("mid_autumn", "Tết Trung thu", "中秋节", "Mid-Autumn Festival", r"^Mid-Autumn Festival"),
            _h("national_day", "Quốc khánh Trung Quốc", "国庆节", "China National Day", r"^National Day", (10, 1)),
        )
    },
}


@lru_cache(maxsize=32)
def _calendar(country: str, year: int) -> holidays_lib.HolidayBase:
    # the year before and after too: a closure bridged over New Year or a Tết in January reaches into them
    return holidays_lib.country_holidays(country, years=(year - 1, year, year + 1), language="en_US")


def holiday(country: Country, key: str) -> Holiday:
    found = HOLIDAYS[country].get(key)
    if found is None:
        raise InvalidInput(
            "gate.holiday_unknown", field="holiday", value=key, known=", ".join(sorted(HOLIDAYS[country]))
        )
    return found


def official_days(country: Country, key: str, year: int) -> list[date]:
    """The days of ``year`` the country's calendar names for the holiday (empty when not kept that year)."""
    found = holiday(country, key)
    cal = _calendar(country.value, year)
    return sorted(
        d for d, names in cal.items() if d.year == year and any(found.pattern.search(n) for n in names.split("; "))
    )


def main_day(country: Country, key: str, year: int) -> date | None:
    """The holiday's main day in ``year`` (mùng 1 Tết, 正月初一, 2 September ...), or None when not kept."""
    found = holiday(country, key)
    days = official_days(country, key, year)
    if found.anchor is not None:
        return date(year, *found.anchor) if days else None
    if found.anchor_name is not None:
        cal = _calendar(country.value, year)
        named = [d for d in days if found.anchor_name in cal[d].split("; ")]
        if named:
            return named[0]
    return days[0] if days else None


def is_day_off(country: Country, day: date) -> bool:
    """A public holiday, a day off moved by the government, or a weekend not made a working day."""
    return not _calendar(country.value, day.year).is_working_day(day)


def closed_days(country: Country, rule: ClosureRule, year: int) -> tuple[date, date] | None:
    """The first and last local dates ``rule`` closes in ``year``; None when the holiday is not kept that year."""
    days = official_days(country, rule.holiday, year)
    anchor = main_day(country, rule.holiday, year)
    if not days or anchor is None:
        return None
    first = anchor + timedelta(days=rule.start) if rule.start is not None else days[0]
    last = first + timedelta(days=rule.days - 1) if rule.days is not None else max(days[-1], first)
    if rule.bridge:
        while is_day_off(country, first - timedelta(days=1)):
            first -= timedelta(days=1)
        while is_day_off(country, last + timedelta(days=1)):
            last += timedelta(days=1)
    return first - timedelta(days=rule.extra_days_before), last + timedelta(days=rule.extra_days_after)


def closure_id(gate_id: str, rule: ClosureRule, occurrence: int, year: int) -> str:
    """The stable id of the closure a rule makes in a year (32 characters, as every id)."""
    digest = hashlib.sha256(f"{gate_id}|{rule.holiday}|{occurrence}|{year}".encode()).hexdigest()
    return "hol" + digest[:29]


def rule_closure(gate: Gate, rule: ClosureRule, year: int, occurrence: int = 0) -> Closure | None:
    """The closure ``rule`` makes at ``gate`` in ``year`` (midnight to midnight in the gate's time zone)."""
    span = closed_days(gate.country, rule, year)
    if span is None:
        return None
    reason = rule.reason or holiday(gate.country, rule.holiday).names
    tz = gate.timezone
    return Closure(
        datetime.combine(span[0], time(0), tzinfo=tz),
        datetime.combine(span[1] + timedelta(days=1), time(0), tzinfo=tz),
        f"{reason.vi} {year} / {year}年{reason.zh} / {reason.en} {year}",
        ClosureKind.HOLIDAY,
        id=closure_id(gate.id, rule, occurrence, year),
    )


def holiday_closures(gate: Gate, year: int) -> list[Closure]:
    """The holiday closures ``gate``'s rules make in ``year`` (any year: the calendar has no last one)."""
    out: list[Closure] = []
    seen: dict[str, int] = {}
    for rule in gate.closure_rules:
        occurrence = seen.get(rule.holiday, 0)
        seen[rule.holiday] = occurrence + 1
        closure = rule_closure(gate, rule, year, occurrence)
        if closure is not None:
            out.append(closure)
    return out


def check_rules(country: Country, rules: list[ClosureRule]) -> None:
    """Every rule names a holiday of the country (``field``: ``closure_rules[i].holiday``)."""
    for i, rule in enumerate(rules):
        try:
            holiday(country, rule.holiday)
        except InvalidInput as exc:
            raise exc.at(f"closure_rules[{i}]") from None
