"""How far in time an input may reach — one set of bounds for every date, instant and period a user sends.

Two layers, each described here once:

1. **Representable** (no clock needed; the web and exchange schemas apply it as they parse, see
   :mod:`cuakhau.adapters.bounds`): every date and instant lies in [``EARLIEST``, ``LATEST``). Nothing cuakhau
   records is older than 2000, and the far end leaves room for an open-ended closure ("until further notice")
   while staying far enough from year 9999 that no day or time-zone arithmetic on an accepted value overflows.
   ``0001-01-01`` or ``9999-12-31`` are refused before any code adds a day to them.
2. **Useful** (relative to the clock; checked by the use case that knows what it will do with the value):

   ============================== ===========================================================================
   what                           window
   ============================== ===========================================================================
   a gate day read or re-planned  ``HISTORY`` back .. the booking horizon (+1 day for the two time zones)
   an acceptance for a gate day   yesterday .. the booking horizon + 1 day: the days that can hold bookings
   a booking window               ``BookingRules`` (``check_window``): not past, at most the horizon ahead
   a closure                      starts at most ``CLOSURE_NOTICE`` ahead; ends after it starts and after now,
                                  at most at ``LATEST`` (an open-ended suspension may say 2200)
   a period read (delays)         ``since`` before ``until``, at most ``MAX_PERIOD`` long, inside ``HISTORY``
   a trip list filter             ``declared_from`` not after ``declared_to``
   a passage recorded by hand     at most ``MANUAL_READ_LATE`` ago, at most ``CLOCK_SKEW`` ahead
   ============================== ===========================================================================

A value outside its window is refused with 422 ``time.out_of_range`` naming the field and the window; a period
too long with ``time.period_too_long``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from cuakhau.domain.errors import InvalidInput
from cuakhau.i18n.times import local_time

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
EARLIEST_DAY, LAST_DAY = EARLIEST.date(), LATEST.date() - timedelta(days=1)

#: How far back a gate day or a period may be read.
HISTORY = timedelta(days=3 * 366)
#: How far ahead a closure may start (an announcement years ahead is a typing error, not a plan).
CLOSURE_NOTICE = timedelta(days=2 * 366)
#: The longest period read at once (the delay report).
MAX_PERIOD = timedelta(days=366)
#: A passage recorded by hand: at most this late, and this much ahead of our clock.
MANUAL_READ_LATE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)


def out_of_range(field: str, earliest: date | datetime, latest: date | datetime, *, tz: tzinfo = UTC) -> InvalidInput:
    """The refusal of a time outside its window; a window of instants is told in ``tz`` (the gate's zone)."""
    return InvalidInput("time.out_of_range", field=field, earliest=_text(earliest, tz), latest=_text(latest, tz))


def _text(value: date | datetime, tz: tzinfo) -> str:
    return local_time(value, tz) if isinstance(value, datetime) else value.isoformat()


def representable(value: date | datetime) -> bool:
    """Inside [EARLIEST, LATEST); a naive time is judged as if it were UTC (its zone is refused elsewhere)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None and value.utcoffset() is not None else value.replace(tzinfo=UTC)
        return EARLIEST <= aware < LATEST
    return EARLIEST_DAY <= value <= LAST_DAY


def check_representable(value: date | datetime, field: str) -> None:
    if not representable(value):
        raise out_of_range(field, EARLIEST_DAY, LAST_DAY)


def check_day(day: date, *, field: str, earliest: date, latest: date) -> date:
    check_representable(day, field)
    if not earliest <= day <= latest:
        raise out_of_range(field, earliest, latest)
    return day


def check_readable_day(day: date, *, today: date, horizon: timedelta, field: str = "date") -> date:
    """A gate day that may be read: the kept history up to the last bookable day."""
    return check_day(day, field=field, earliest=today - HISTORY, latest=today + horizon + timedelta(days=1))


def check_plannable_day(day: date, *, today: date, horizon: timedelta, field: str = "date") -> date:
    """A gate day that can hold bookings, and so may be re-planned or given an acceptance."""
    return check_day(day, field=field, earliest=today - timedelta(days=1), latest=today + horizon + timedelta(days=1))


def check_instant(value: datetime, *, field: str, earliest: datetime, latest: datetime, tz: tzinfo) -> datetime:
    check_representable(value, field)
    if value.tzinfo is not None and not earliest <= value <= latest:
        raise out_of_range(field, earliest, latest, tz=tz)
    return value


def check_period(
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    tz: tzinfo,
    since_field: str = "since",
    until_field: str = "until",
) -> None:
    """A period read at once: ordered, inside the history and at most ``MAX_PERIOD`` long (its window told in
    ``tz``, the gate's zone)."""
    check_instant(since, field=since_field, earliest=now - HISTORY, latest=now + timedelta(days=1), tz=tz)
    check_representable(until, until_field)
    if until <= since:
        raise InvalidInput("time.end_before_start", field=until_field)
    if until - since > MAX_PERIOD:
        raise InvalidInput("time.period_too_long", field=until_field, max_days=MAX_PERIOD.days)


def check_closure(starts_at: datetime, ends_at: datetime, *, now: datetime, field: str = "") -> None:
    """A closure starts at most ``CLOSURE_NOTICE`` ahead and ends after it starts, before ``LATEST``."""
    prefix = f"{field}." if field else ""
    check_representable(starts_at, f"{prefix}starts_at")
    check_representable(ends_at, f"{prefix}ends_at")
    if starts_at > now + CLOSURE_NOTICE:
        raise out_of_range(f"{prefix}starts_at", EARLIEST_DAY, (now + CLOSURE_NOTICE).date())
    if ends_at <= starts_at:
        raise InvalidInput("time.end_before_start", field=f"{prefix}ends_at")
