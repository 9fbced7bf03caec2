"""One error tree for the whole platform, with stable machine codes.

Every error a user can cause carries a ``code`` that never changes once published (clients branch on it),
optional ``field`` naming the input at fault (a dotted path such as ``cargo_lines[0].hs_code``), and
``params`` used to fill the localised message. Rendering into vi / zh / en happens in one place,
:mod:`cuakhau.i18n`, never here.

The tree (class, HTTP status, default code, module), as ``cuakhau.errors_doc`` reads it from the code; every
code with its messages is in ``docs/errors.md``::

    CuakhauError                   400  error                      domain.errors
    ├── Conflict                   409  conflict                   domain.errors
    │   ├── ConcurrentUpdate       409  concurrent_update          domain.errors
    │   ├── DispatchRefused        409  dispatch.refused           domain.errors
    │   ├── GateClosed             409  gate.closed                domain.errors
    │   ├── IllegalBookingMove     409  booking.illegal_move       domain.errors
    │   └── IllegalTransition      409  trip.illegal_transition    domain.errors
    ├── ExchangeRefused            400  exchange.refused           domain.exchange
    ├── Forbidden                  403  auth.forbidden             domain.accounts
    ├── InvalidCredentials         401  auth.invalid_credentials   domain.accounts
    ├── InvalidInput               422  invalid                    domain.errors
    │   ├── FieldErrors            422  request.field_errors       domain.errors
    │   │   ├── ConflictsInDeclaration 409  request.field_errors       domain.errors
    │   │   └── UnknownInDeclaration 404  request.field_errors       domain.errors
    │   └── ScenarioInvalid        422  invalid                    simulation.scenario
    ├── LoginRequired              401  page.login_required        adapters.web.pages.access
    ├── MalformedRequest           400  request.malformed          domain.errors
    ├── NotFound                   404  {entity}.not_found         domain.errors
    ├── PageForbidden              403  page.forbidden             adapters.web.pages.access
    ├── RateLimited                429  auth.rate_limited          domain.accounts
    ├── RequestTooLarge            413  request.too_large          domain.errors
    ├── Unauthenticated            401  auth.unauthenticated       domain.accounts
    └── Unavailable                503  service.busy               domain.errors
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


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
    default_code = "{entity}.not_found"  # always made with its entity: ``trip.not_found``, ``gate.not_found``…
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

    default_code = "dispatch.refused"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(
            "dispatch.refused", field=problems[0]["field"] if problems else None, problems=problems, count=len(problems)
        )


class IllegalTransition(Conflict):
    default_code = "trip.illegal_transition"

    def __init__(self, *, trip_id: str, state: str, action: str, allowed: list[str]) -> None:
        super().__init__(
            "trip.illegal_transition",
            field="action",
            trip_id=trip_id,
            state=state,
            action=action,
            allowed=", ".join(allowed) or "-",
        )


class GateClosed(Conflict):
    """A truck may not be called forward, enter a lane or cross while either side of the gate pair is closed
    (outside its opening hours, or a closure): the params name the side (``gate``, in the three languages, and
    ``gate_id``), why (``why``: the closure's reason, or outside the opening hours) and until when in that side's
    local time with its offset (``until``). An officer may let it through with ``override_reason``, which is kept
    on the step (``cuakhau.domain.gate.shut_error`` makes it)."""

    default_code = "gate.closed"


class IllegalBookingMove(Conflict):
    """A booking cannot make that move from its state (``cuakhau.domain.booking.MOVES``): ``booking.not_open``
    once it is over (cancelled, used, no-show), ``booking.illegal_move`` while it is open; both name the state
    (``status``) and the move (``action``)."""

    default_code = "booking.illegal_move"

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
    default_code = "concurrent_update"

    def __init__(self, entity: str, key: str) -> None:
        super().__init__("concurrent_update", entity=entity, key=key)


def problem_of(exc: CuakhauError) -> dict[str, Any]:
    """One problem of a list (``params["problems"]``): its code, its field and the parameters of its message."""
    return {**{k: v for k, v in exc.params.items() if k != "problems"}, "code": exc.code, "field": exc.field}


class FieldErrors(InvalidInput):
    """Several independent problems with one request (a declaration), each naming its field: the API lists them
    all in ``details`` and a form shows each next to its field, so the declarant corrects everything at once."""

    default_code = "request.field_errors"

    def __init__(self, errors: Iterable[CuakhauError]) -> None:
        found = list(errors)
        self.errors = found
        super().__init__(
            "request.field_errors",
            field=found[0].field if found else None,
            problems=[problem_of(e) for e in found],
            count=len(found),
        )


class UnknownInDeclaration(FieldErrors):
    """``FieldErrors`` among which something named does not exist or may not be seen by the caller: answered 404,
    as that one problem alone would be (what the caller may not see reads as not found, whatever else is wrong)."""

    http_status = 404


class ConflictsInDeclaration(FieldErrors):
    """``FieldErrors`` that are all conflicts with what other trips hold (a busy truck and driver): 409."""

    http_status = 409


class Problems:
    """Gathers the errors of independent checks instead of stopping at the first (``raise_if_any``).

    Only problems with the request's content are gathered (not found, conflict, invalid: 404, 409, 422); anything
    else (no permission, too many requests, the service busy) stops at once."""

    GATHERED: ClassVar[frozenset[int]] = frozenset({404, 409, 422})

    def __init__(self, errors: Iterable[CuakhauError] = ()) -> None:
        self.errors: list[CuakhauError] = list(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, exc: CuakhauError, *, prefix: str | None = None) -> None:
        """Keep ``exc`` (each of its errors if it gathers several), its field put under ``prefix``."""
        for one in exc.errors if isinstance(exc, FieldErrors) else [exc]:
            if isinstance(one.params.get("problems"), list) and not isinstance(one, DispatchRefused):
                one.params = {k: v for k, v in one.params.items() if k != "problems"}
            self.errors.append(one.at(prefix) if prefix else one)

    def attempt(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``fn(*args, **kwargs)``, or ``None`` with its error kept."""
        try:
            return fn(*args, **kwargs)
        except CuakhauError as exc:
            if exc.http_status not in self.GATHERED:
                raise
            self.add(exc)
            return None

    def has(self, field: str) -> bool:
        """Whether a problem was already found at ``field`` or inside it (``shipment`` covers ``shipment.lines``)."""
        return any(
            e.field is not None and (e.field == field or e.field.startswith((f"{field}.", f"{field}[")))
            for e in self.errors
        )

    def raise_if_any(self) -> None:
        """Nothing when no problem was found; one problem is raised as itself (its status kept), several as
        :class:`FieldErrors`. Either way ``params["problems"]`` lists every one."""
        if not self.errors:
            return
        if len(self.errors) == 1:
            exc = self.errors[0]
            exc.params = {**dict(exc.params), "problems": [problem_of(exc)]}
            raise exc
        statuses = {e.http_status for e in self.errors}
        if 404 in statuses:
            raise UnknownInDeclaration(self.errors)
        if statuses == {409}:
            raise ConflictsInDeclaration(self.errors)
        raise FieldErrors(self.errors)
