"""Inspection resources: working-hours arithmetic, the published queue order, forecasts and job outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.inspection import (
    InspectionJob,
    InspectionResource,
    JobState,
    Outcome,
    ResourceKind,
    WorkingHours,
    forecast,
    order_queue,
    to_start,
)
from cuakhau.domain.shipment import Perishability

LAB_HOURS = WorkingHours(time(7, 30), time(17, 0), frozenset(range(5)), "Asia/Ho_Chi_Minh")
T0 = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # Tuesday 08:00 in Lạng Sơn


def job(kind: ResourceKind, p: Perishability, minutes: int, trip: str) -> InspectionJob:
    return InspectionJob.request(
        trip_id=trip,
        gate_id="vn-chi-ma",
        kind=kind,
        perishability=p,
        at=T0 + timedelta(minutes=minutes),
        by="o",
        reason=None,
    )


def test_working_time_skips_nights_and_the_weekend() -> None:
    friday_4pm = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)  # 16:00 local
    # 1 h on Friday, the weekend off, then 2 h from Monday 07:30
    assert LAB_HOURS.add(friday_4pm, timedelta(hours=3)) == datetime(2026, 6, 8, 2, 30, tzinfo=UTC)
    saturday = datetime(2026, 6, 6, 3, 0, tzinfo=UTC)
    assert LAB_HOURS.add(saturday, timedelta(minutes=30)) == datetime(2026, 6, 8, 1, 0, tzinfo=UTC)
    # exactly to the close stays on the same day
    assert LAB_HOURS.add(T0, timedelta(hours=9)) == datetime(2026, 6, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"opens": "17:00", "closes": "07:30", "weekdays": [0], "tz": "Asia/Ho_Chi_Minh"}, "hours.closes"),
        ({"opens": "07:30", "closes": "17:00", "weekdays": [7], "tz": "Asia/Ho_Chi_Minh"}, "hours.weekdays"),
        ({"opens": "07:30", "closes": "17:00", "weekdays": [0], "tz": "Mars/Olympus"}, "hours.tz"),
        ({"opens": "7h", "closes": "17:00", "weekdays": [0], "tz": "Asia/Ho_Chi_Minh"}, "hours"),
    ],
)
def test_bad_working_hours_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        WorkingHours.from_dict(data)
    assert err.value.field == field


def test_the_queue_takes_the_most_perishable_first_then_the_earlier_request() -> None:
    dry = job(ResourceKind.QUARANTINE_BAY, Perishability.DRY_GOODS, 0, "dry")
    fruit_late = job(ResourceKind.QUARANTINE_BAY, Perishability.FRESH_PRODUCE, 9, "fruit-late")
    fruit = job(ResourceKind.QUARANTINE_BAY, Perishability.FRESH_PRODUCE, 5, "fruit")
    assert [j.trip_id for j in order_queue([dry, fruit_late, fruit])] == ["fruit", "fruit-late", "dry"]
    bays = InspectionResource("vn-chi-ma", ResourceKind.QUARANTINE_BAY, 2, timedelta(minutes=30))
    assert [j.trip_id for j in to_start(bays, [dry, fruit_late, fruit])] == ["fruit", "fruit-late"]


def test_the_forecast_fills_places_as_they_free() -> None:
    bays = InspectionResource("vn-chi-ma", ResourceKind.QUARANTINE_BAY, 2, timedelta(minutes=30))
    running = job(ResourceKind.QUARANTINE_BAY, Perishability.FRESH_PRODUCE, 0, "a")
    running.start(bays, T0)
    queued = [job(ResourceKind.QUARANTINE_BAY, Perishability.FRESH_PRODUCE, m, t) for m, t in ((1, "b"), (2, "c"))]
    now = T0 + timedelta(minutes=10)
    f = {x.trip_id: x for x in forecast(bays, [running, *queued], now)}
    assert f["a"].position == 0 and f["a"].expected_end == T0 + timedelta(minutes=30) and not f["a"].overdue
    assert f["b"].expected_start == now  # the second bay is free
    assert f["c"].expected_start == T0 + timedelta(minutes=30)  # after the first truck
    late = forecast(bays, [running], T0 + timedelta(hours=1))
    assert late[0].overdue
    closed = InspectionResource("vn-chi-ma", ResourceKind.QUARANTINE_BAY, 0, timedelta(minutes=30))
    assert [x.expected_start for x in forecast(closed, queued, now)] == [None, None]


def test_outcomes_are_checked_per_resource_and_need_reasons() -> None:
    bay = InspectionResource("vn-chi-ma", ResourceKind.CUSTOMS_BAY, 1, timedelta(minutes=45))
    j = job(ResourceKind.CUSTOMS_BAY, Perishability.DRY_GOODS, 0, "t")
    with pytest.raises(Conflict):
        j.finish("pass", reason=None, by="o", now=T0)  # not started
    j.start(bay, T0)
    with pytest.raises(InvalidInput) as err:
        j.finish("sample", reason="x", by="o", now=T0)  # customs takes no laboratory sample
    assert err.value.field == "outcome"
    with pytest.raises(InvalidInput) as err:
        j.finish("hold", reason="  ", by="o", now=T0)
    assert err.value.field == "reason"
    assert j.finish("hold", reason="seal broken", by="o", now=T0) is Outcome.HOLD
    assert j.state is JobState.DONE and not j.open
    with pytest.raises(Conflict):
        j.withdraw(reason="trip rejected", by="o", now=T0)


def test_resource_limits() -> None:
    with pytest.raises(InvalidInput) as err:
        InspectionResource("vn-chi-ma", ResourceKind.LABORATORY, 501, timedelta(hours=1))
    assert err.value.field == "capacity"
    with pytest.raises(InvalidInput) as err:
        InspectionResource("vn-chi-ma", ResourceKind.LABORATORY, 5, timedelta(days=15))
    assert err.value.field == "service_minutes"
