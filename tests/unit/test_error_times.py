"""Issue 21, item 5: an error that carries a time shows it in the gate's local time with its offset, never as a
raw UTC stamp. Each error code whose message takes a time is raised here by the code that raises it in
production, and rendered in vi, zh and en; a catalog entry with a time placeholder that is not covered fails."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cuakhau import i18n
from cuakhau.domain.booking import DEFAULT_RULES, BookingStatus, dispatch_problems
from cuakhau.domain.declaration import TripHold, claim_conflicts
from cuakhau.domain.errors import CuakhauError
from cuakhau.domain.exchange import check_window
from cuakhau.domain.gate import pair_shut, shut_error
from cuakhau.domain.timebounds import check_instant
from cuakhau.domain.trip import TripState
from cuakhau.reference.gates import reference_gates
from tests.unit import test_booking, test_customs, test_quarantine

GATES = {g.id: g for g in reference_gates(years=(2026,))}
CHI_MA = GATES["vn-chi-ma"]
#: A raw machine stamp: ``2026-06-02T01:00``, ``+00:00`` or a ``Z`` after a time.
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT|\+00:00|\d\d:\d\d(:\d\d)?Z\b")
#: Placeholders that hold a time in some message (``declared`` is one only next to the other trip's ``plate``).
TIME_PLACEHOLDERS = {"at", "until", "slot_start", "leave_after", "decided_at", "issued", "sent_at", "earliest",
                     "latest", "come_by", "ended", "last_rejection"}  # fmt: skip


def _raised(call: Callable[[], Any]) -> tuple[str, dict[str, Any]]:
    with pytest.raises(CuakhauError) as info:
        call()
    return info.value.code, dict(info.value.params)


def _arrived_late() -> tuple[str, dict[str, Any]]:
    b = test_booking.booking(BookingStatus.ACTIVE, slot=test_booking.S0)
    return _raised(lambda: b.use(at=test_booking.S0 + timedelta(hours=5), rules=DEFAULT_RULES, tz=CHI_MA.timezone))


def _too_early() -> tuple[str, dict[str, Any]]:
    b = test_booking.booking(BookingStatus.ACTIVE, slot=test_booking.S0 + timedelta(hours=10))
    (found,) = [
        p
        for p in dispatch_problems(
            b,
            test_quarantine.shipment(),
            now=test_booking.S0,
            rules=DEFAULT_RULES,
            registered=lambda kind, code: True,
            tz=CHI_MA.timezone,
        )
        if p.code == "dispatch.too_early"
    ]
    return found.code, dict(found.params)


def _result_before_decision() -> tuple[str, dict[str, Any]]:
    from cuakhau.domain.customs import record_result

    d = test_customs.decide(test_customs.shipment("842952"), test_customs.COMPLIANT)
    earlier = d.decided_at - timedelta(minutes=5)
    return _raised(lambda: record_result(d, [], kind="release", officer_id="HQ-1", at=earlier, tz=CHI_MA.timezone))


def _finding(code: str, now: datetime) -> tuple[str, dict[str, Any]]:
    (f,) = [f for f in test_quarantine.check(now=now) if f.code == code]
    return f.code, dict(f.params)


def _gate_closed() -> tuple[str, dict[str, Any]]:
    shut = pair_shut((CHI_MA,), datetime(2026, 6, 2, 11, 0, tzinfo=UTC))  # 18:00 at Chi Ma
    assert shut is not None
    error = shut_error(shut)
    return error.code, dict(error.params)


def _held(code: str) -> tuple[str, dict[str, Any]]:
    hold = TripHold(
        "t1", "s1", "s1", "VN-PC-1", "v1", "d1", "29C-123.45", TripState.CROSSED,
        datetime(2026, 6, 2, 1, 0, tzinfo=UTC), CHI_MA,
    )  # fmt: skip
    ship = test_quarantine.shipment(shipment_id="s1")
    (error,) = [e for e in claim_conflicts([hold], shipment=ship, vehicle_id=None, driver_id=None) if e.code == code]
    return error.code, dict(error.params)


NOW = test_quarantine.NOW
RAISED: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
    "booking.arrived_late": _arrived_late,
    "dispatch.too_early": _too_early,
    "customs.result_before_decision": _result_before_decision,
    "exchange.stale": lambda: _raised(lambda: check_window(NOW - timedelta(hours=1), NOW, tz=CHI_MA.timezone)),
    "phyto.issued_in_future": lambda: _finding("phyto.issued_in_future", test_quarantine.ISSUED - timedelta(hours=1)),
    "phyto.expired": lambda: _finding("phyto.expired", test_quarantine.ISSUED + timedelta(days=30)),
    "time.out_of_range": lambda: _raised(
        lambda: check_instant(
            NOW - timedelta(days=9), field="at", earliest=NOW - timedelta(days=7), latest=NOW, tz=CHI_MA.timezone
        )
    ),
    "gate.closed": _gate_closed,
    "shipment.already_crossed": lambda: _held("shipment.already_crossed"),
}
#: Codes whose time placeholders are dates or durations people read as they are (no instant, so no zone), or
#: which are raised by a service and checked over the API (tests/integration/test_equeue.py).
ELSEWHERE = {
    "phyto.treatment_after_issue",  # two calendar dates
    "risk.rule.recent_rejection",  # a calendar date
    "booking.suspended",  # a service's refusal: test_equeue's no-show penalty reads it in vi and zh
    # the same words of the other trip as shipment.already_crossed (domain.declaration.describe):
    "shipment.on_another_trip",
    "shipment.certificate_on_another_trip",
    "shipment.certificate_crossed",
    "trip.vehicle_busy",
    "trip.driver_busy",
    "shipment.split_after_trip",
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_with_a_time_is_covered() -> None:
    with_time = {
        code
        for code, texts in i18n.CATALOG.items()
        if _placeholders(texts["en"]) & TIME_PLACEHOLDERS or {"declared", "plate"} <= _placeholders(texts["en"])
    }
    assert with_time == set(RAISED) | ELSEWHERE


@pytest.mark.parametrize("code", sorted(RAISED))
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_a_time_in_an_error_is_local_with_its_offset(code: str, language: str) -> None:
    raised, params = RAISED[code]()
    assert raised == code
    text = i18n.render(code, language, params)
    assert not ISO_UTC.search(text), text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \(?UTC[+-]\d\d:\d\d", text), text
    assert "{" not in text


def test_a_gate_side_time_is_the_gates() -> None:
    _, params = _arrived_late()
    assert params["slot_start"] == "2026-06-02 08:00 UTC+07:00"  # 01:00 UTC at Chi Ma
    _, params = _too_early()
    assert params["slot_start"] == "2026-06-02 18:00 UTC+07:00"
