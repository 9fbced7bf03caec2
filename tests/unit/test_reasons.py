"""The booking reasons people read: every code in vi, zh and en with the same placeholders; times local."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cuakhau.domain.allocation import model
from cuakhau.i18n.reasons import REASONS, describe, local_time

PLACEHOLDER = re.compile(r"{(\w+)}")


@pytest.mark.parametrize("code", sorted(REASONS))
def test_three_languages_with_the_same_placeholders(code: str) -> None:
    texts = REASONS[code]
    assert set(texts) == {"vi", "zh", "en"}
    assert len({frozenset(PLACEHOLDER.findall(t)) for t in texts.values()}) == 1


def test_every_reason_the_planner_gives_has_a_sentence() -> None:
    codes = {v for k, v in vars(model).items() if k.isupper() and isinstance(v, str) and v.islower() and "_" in v}
    assert codes - {"fcfs", "optimal", "priority"} <= set(REASONS)


def test_times_are_the_gates_local_time_with_its_offset() -> None:
    at = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
    assert local_time(at, ZoneInfo("Asia/Ho_Chi_Minh")) == "2026-06-02 08:00 UTC+07:00"
    assert local_time(at.isoformat(), ZoneInfo("Asia/Shanghai")) == "2026-06-02 09:00 UTC+08:00"
    text = describe("earliest_free_slot", {}, slot_start=at, language="zh", tz=ZoneInfo("Asia/Shanghai"))
    assert text == "时段 2026-06-02 09:00 UTC+08:00：您所选时间窗内最早仍有名额的时段。"


def test_an_unknown_or_incomplete_reason_never_shows_a_code_or_a_placeholder() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert describe("something_new", {}, slot_start=None, language="en", tz=tz) == "No slot yet."
    text = describe("after_more_perishable", {}, slot_start=None, language="vi", tz=tz)
    assert "{" not in text and "ahead_heavier" not in text
