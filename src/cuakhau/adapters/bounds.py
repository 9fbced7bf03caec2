"""Bounds on what one request may carry, shared by the web API, the exchange inbox and the device listener.

* :data:`Day` and :data:`Instant`: a date or a time as pydantic parses it, refused (``time_out_of_range``, shown
  as ``time.out_of_range``) outside the representable window of :mod:`cuakhau.domain.timebounds` — so no code
  ever adds a day to ``9999-12-31``. The use cases then check the window that is useful to them.
* :func:`json_shape`: how deep and how many values a JSON text holds, found by scanning its tokens without
  parsing it, and stopping at the first limit passed — so a body of 100,000 nested brackets costs one pass of a
  regular expression over at most a few dozen tokens, never the parser's recursion.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from cuakhau.domain import timebounds

#: JSON nested deeper than this is refused: no request of the API or the exchange needs more than six.
MAX_JSON_DEPTH = 32
#: JSON with more values (scalars, strings, arrays and objects, keys included) is refused: the largest request,
#: a manifest of 200 cargo lines, holds about 5,000.
MAX_JSON_ITEMS = 20_000


def _bounded(value: date | datetime) -> date | datetime:
    if not timebounds.representable(value):
        raise PydanticCustomError(
            "time_out_of_range",
            "must lie between {earliest} and {latest}",
            {"earliest": timebounds.EARLIEST_DAY.isoformat(), "latest": timebounds.LAST_DAY.isoformat()},
        )
    return value


Day = Annotated[date, AfterValidator(_bounded)]
Instant = Annotated[datetime, AfterValidator(_bounded)]
#: An instant that must carry its zone (device messages).
AwareInstant = Annotated[AwareDatetime, AfterValidator(_bounded)]

# One token per match: a string (to its closing quote, or to the end when it has none: never re-scanned), an
# opening or closing bracket, or a run of anything else that is not a separator (numbers, true, false, null).
_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"?|[\[{]|[\]}]|[^\s\[\]{},:"]++', re.DOTALL)
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


def json_shape(
    raw: bytes, *, max_depth: int = MAX_JSON_DEPTH, max_items: int = MAX_JSON_ITEMS
) -> Literal["depth", "items"] | None:
    """Which limit ``raw`` passes (``depth`` or ``items``), or None. Malformed JSON is left to the parser."""
    depth = items = 0
    for token in _TOKENS.finditer(raw):
        first = raw[token.start()]
        if first in _CLOSE:
            depth -= 1
            continue
        if first in _OPEN:
            depth += 1
            if depth > max_depth:
                return "depth"
        items += 1
        if items > max_items:
            return "items"
    return None
