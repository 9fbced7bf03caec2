"""One error tree for the whole platform, with stable machine codes.

Every error a user can cause carries a ``code`` that never changes once published (clients branch on it),
optional ``field`` naming the input at fault (a dotted path such as ``cargo_lines[0].hs_code``), and
``params`` used to fill the localised message. Rendering into vi / zh / en happens in one place,
:mod:`cuakhau.i18n`, never here.

::

    CuakhauError
    ├── InvalidInput        422  bad value in a field (plate, HS code, weight, currency, ...)
    ├── MalformedRequest    400  the request itself cannot be read (bad JSON, wrong content type)
    ├── RequestTooLarge     413  body over the limit
    ├── NotFound            404  no such object (or not visible to the caller)
    ├── Unavailable         503  overloaded or out of reach for the moment: nothing done, retry (Retry-After)
    └── Conflict            409  the request is valid but the current state forbids it
        ├── IllegalTransition    a trip cannot take that step from its current state
        ├── IllegalBookingMove   a booking cannot make that move from its current state
        ├── DispatchRefused      the truck may not leave its origin yet (every reason listed)
        └── ConcurrentUpdate     somebody else changed the object first; retry
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")


class CuakhauError(Exception):
    """Base of every error cuakhau raises on purpose."""

    default_code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, code: str | None = None, /, *, field: str | None = None, **params: Any) -> None:
        self.code = code or self.default_code
        self.field = field
        self.params: Mapping[str, Any] = params
        super().__init__(self.describe())

    def describe(self) -> str:
        """An English one-liner for logs; users get the localised message from :mod:`cuakhau.i18n`."""
        where = f" [{self.field}]" if self.field else ""
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}{where}" + (f" ({extra})" if extra else "")

    def at(self, prefix: str) -> CuakhauError:
        """Return the same error with ``prefix`` put in front of its field path."""
        if self.field is None:
            self.field = prefix
        elif self.field.startswith("["):
            self.field = f"{prefix}{self.field}"
        else:
            self.field = f"{prefix}.{self.field}"
        self.args = (self.describe(),)
        return self


class InvalidInput(CuakhauError):
    default_code = "invalid"
    http_status = 422


class MalformedRequest(CuakhauError):
    default_code = "request.malformed"
    http_status = 400


class RequestTooLarge(CuakhauError):
    default_code = "request.too_large"
    http_status = 413


class Unavailable(CuakhauError):
    """Nothing was done because the service is overloaded (``service.busy``: no database connection free in time,
    the database locked, too many requests at once) or a resource is out of reach; retry after ``retry_after``
    seconds (503 with ``Retry-After``)."""

    default_code = "service.busy"
    http_status = 503

    def __init__(self, code: str | None = None, /, *, retry_after: int) -> None:
        super().__init__(code, retry_after=retry_after)

    @property
    def retry_after(self) -> int:
        return int(self.params["retry_after"])


class NotFound(CuakhauError):
    default_code = "not_found"
    http_status = 404

    def __init__(self, entity: str, key: str, *, field: str | None = None) -> None:
        super().__init__(f"{entity}.not_found", field=field, entity=entity, key=key)


def require(obj: T | None, entity: str, key: str, *, field: str | None = None) -> T:
    """``obj``, or :class:`NotFound` for ``entity`` ``key`` when a lookup found nothing."""
    if obj is None:
        raise NotFound(entity, key, field=field)
    return obj


class Conflict(CuakhauError):
    default_code = "conflict"
    http_status = 409


class DispatchRefused(Conflict):
    """A truck may not leave its origin yet: ``params["problems"]`` lists every reason (code, field)."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(
            "dispatch.refused", field=problems[0]["field"] if problems else None, problems=problems, count=len(problems)
        )


class IllegalTransition(Conflict):
    def __init__(self, *, trip_id: str, state: str, action: str, allowed: list[str]) -> None:
        super().__init__(
            "trip.illegal_transition",
            field="action",
            trip_id=trip_id,
            state=state,
            action=action,
            allowed=", ".join(allowed) or "-",
        )


class IllegalBookingMove(Conflict):
    """A booking cannot make that move from its state (``cuakhau.domain.booking.MOVES``): ``booking.not_open``
    once it is over (cancelled, used, no-show), ``booking.illegal_move`` while it is open; both name the state
    (``status``) and the move (``action``)."""

    def __init__(self, *, booking_id: str, status: str, action: str, allowed: list[str], closed: bool) -> None:
        super().__init__(
            "booking.not_open" if closed else "booking.illegal_move",
            field="trip_id",
            booking_id=booking_id,
            status=status,
            action=action,
            allowed=", ".join(allowed) or "-",
        )


class ConcurrentUpdate(Conflict):
    def __init__(self, entity: str, key: str) -> None:
        super().__init__("concurrent_update", entity=entity, key=key)
