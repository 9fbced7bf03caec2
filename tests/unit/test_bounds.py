"""The bounds on one request's input: JSON shape found without parsing, and the windows of dates and periods."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from cuakhau.adapters.bounds import MAX_JSON_DEPTH, json_shape
from cuakhau.adapters.devices.schemas import parse_message
from cuakhau.adapters.exchange import examples
from cuakhau.domain import timebounds
from cuakhau.domain.booking import DEFAULT_RULES
from cuakhau.domain.errors import InvalidInput

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (nested(MAX_JSON_DEPTH), None),
        (nested(MAX_JSON_DEPTH + 1), "depth"),
        (b'{"a":' * MAX_JSON_DEPTH + b"1" + b"}" * MAX_JSON_DEPTH, None),
        (b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1), "depth"),
        (nested(100_000), "depth"),
        # brackets inside strings are text, escaped quotes do not end a string
        (json.dumps({"note": "[" * 1000 + '\\"{{{' + "{" * 1000}).encode(), None),
        (json.dumps(["a\\", "[" * 100]).encode(), None),
        # an unterminated string is scanned once, to the end: the parser refuses it afterwards
        (b'["' + b'\\"' * 100_000, None),
        (b"[" + b",".join([b"0"] * 19_999) + b"]", None),
        (b"[" + b",".join([b"0"] * 20_000) + b"]", "items"),
        (b"[" + b",".join([b'{"k":"v"}'] * 7_000) + b"]", "items"),  # keys, values and objects all count
        (b"", None),
        (b"not json at all", None),
    ],
)
def test_json_shape(raw: bytes, expected: str | None) -> None:
    assert json_shape(raw) == expected


def test_the_largest_real_message_is_well_inside_the_limits() -> None:
    """A manifest at its schema's maximum of 200 cargo lines."""
    manifest = examples.examples()["manifest.submitted.json"]
    manifest["body"]["lines"] = manifest["body"]["lines"][:1] * 200
    assert json_shape(json.dumps(manifest).encode()) is None
    assert json_shape(json.dumps(manifest).encode(), max_items=5_000) is None


@pytest.mark.parametrize("value", [date(1, 1, 1), date(1999, 12, 31), date(9000, 1, 1), date(9999, 12, 31)])
def test_days_outside_the_representable_window_are_refused(value: date) -> None:
    assert not timebounds.representable(value)
    with pytest.raises(InvalidInput) as info:
        timebounds.check_representable(value, "date")
    assert (info.value.code, info.value.field) == ("time.out_of_range", "date")


def test_day_windows() -> None:
    today = NOW.date()
    horizon = DEFAULT_RULES.horizon
    assert timebounds.check_plannable_day(today + horizon, today=today, horizon=horizon) == today + horizon
    for day in (today - timedelta(days=2), today + horizon + timedelta(days=2)):
        with pytest.raises(InvalidInput, match=r"time\.out_of_range"):
            timebounds.check_plannable_day(day, today=today, horizon=horizon)
    assert timebounds.check_readable_day(today - timedelta(days=365), today=today, horizon=horizon)
    with pytest.raises(InvalidInput) as info:
        timebounds.check_readable_day(today - timedelta(days=4 * 366), today=today, horizon=horizon, field="day")
    assert info.value.field == "day" and info.value.params["latest"] == str(today + horizon + timedelta(days=1))


def test_closures_may_end_far_ahead_but_not_start_years_ahead() -> None:
    timebounds.check_closure(NOW, datetime(4585, 6, 30, tzinfo=UTC), now=NOW)
    with pytest.raises(InvalidInput) as info:
        timebounds.check_closure(NOW + timedelta(days=800), NOW + timedelta(days=900), now=NOW, field="closures[2]")
    assert info.value.field == "closures[2].starts_at"
    with pytest.raises(InvalidInput, match=r"time\.out_of_range"):
        timebounds.check_closure(NOW, datetime(9999, 12, 31, tzinfo=UTC), now=NOW)


def test_periods() -> None:
    timebounds.check_period(NOW - timedelta(days=30), NOW, now=NOW, tz=UTC)
    with pytest.raises(InvalidInput, match=r"time\.end_before_start"):
        timebounds.check_period(NOW, NOW - timedelta(hours=1), now=NOW, tz=UTC)
    with pytest.raises(InvalidInput, match=r"time\.period_too_long"):
        timebounds.check_period(NOW - timedelta(days=400), NOW, now=NOW, tz=UTC)
    with pytest.raises(InvalidInput, match=r"time\.out_of_range"):
        timebounds.check_period(datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 2, 1, tzinfo=UTC), now=NOW, tz=UTC)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-05:00"])
def test_a_device_time_no_arithmetic_can_use_is_refused(at: str) -> None:
    payload = json.dumps({"message_id": "m-1", "plate": "12C-123.45", "confidence": 0.9, "at": at}).encode()
    with pytest.raises(InvalidInput) as info:
        parse_message("cuakhau/vn-huu-nghi/plate/yard_entry/cam-1", payload)
    assert (info.value.code, info.value.field) == ("device.out_of_range", "device.payload.at")
