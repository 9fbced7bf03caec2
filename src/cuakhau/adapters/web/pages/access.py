"""Who is looking at a page, and what they may see.

Pages take the signed-in principal from the session cookie (``cuakhau_session``) through
:func:`page_principal`. An officer sees the dashboards of their own gates only; an exporter sees and changes only
their enterprise's trips; anyone else is sent to the login page. The resolver is a dependency, so tests (and the
time before accounts existed) can swap it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fastapi import Request

from cuakhau.domain.errors import CuakhauError


class PagePrincipal(Protocol):
    """What pages read of :class:`cuakhau.domain.accounts.Principal`."""

    @property
    def account_id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> Any: ...
    @property
    def enterprise_id(self) -> str | None: ...
    @property
    def gate_codes(self) -> frozenset[str]: ...


OFFICER_ROLES = frozenset({"customs_officer", "quarantine_officer", "border_guard", "gate_admin", "system_admin"})


class LoginRequired(CuakhauError):
    default_code = "page.login_required"
    http_status = 401


class PageForbidden(CuakhauError):
    default_code = "page.forbidden"
    http_status = 403


Resolver = Callable[[Request], PagePrincipal | None]


def page_principal(request: Request) -> PagePrincipal | None:
    """The signed-in principal or None; cached on the request."""
    if hasattr(request.state, "principal"):
        found: PagePrincipal | None = request.state.principal
        return found
    resolver: Resolver | None = getattr(request.app.state, "page_principal_resolver", None)
    principal = resolver(request) if resolver is not None else None
    request.state.principal = principal
    return principal


def officer_at(request: Request, gate_id: str) -> PagePrincipal:
    principal = page_principal(request)
    if principal is None:
        raise LoginRequired(field="session")
    if str(principal.role) not in OFFICER_ROLES:
        raise PageForbidden(field="role")
    if str(principal.role) != "system_admin" and gate_id not in principal.gate_codes:
        raise PageForbidden(field="gate_id")
    return principal


def exporter(request: Request) -> PagePrincipal:
    principal = page_principal(request)
    if principal is None:
        raise LoginRequired(field="session")
    if principal.enterprise_id is None:
        raise PageForbidden(field="role")
    return principal
