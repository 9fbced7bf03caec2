"""Who is looking at a page.

Pages take the signed-in principal from the session cookie (``cuakhau_session``) through
:func:`page_principal`; someone not signed in is sent to the login page. What the principal may see and do is
not decided here: pages call the same checks and use cases as the API (``services/access.py``,
``services/authorized.py``), so a page answers exactly as its API twin does. The resolver is a dependency, so
tests can swap it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from cuakhau.adapters import logs
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import CuakhauError
from cuakhau.services import access


class LoginRequired(CuakhauError):
    default_code = "page.login_required"
    http_status = 401


class PageForbidden(CuakhauError):
    default_code = "page.forbidden"
    http_status = 403


Resolver = Callable[[Request], Principal | None]


def page_principal(request: Request) -> Principal | None:
    """The signed-in principal or None; cached on the request."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    resolver: Resolver | None = getattr(request.app.state, "page_principal_resolver", None)
    principal = resolver(request) if resolver is not None else None
    request.state.principal = principal
    if principal is not None:
        logs.bind(account=principal.username)
    return principal


def signed_in(request: Request) -> Principal:
    """The signed-in principal; the login page for anyone else."""
    principal = page_principal(request)
    if principal is None:
        raise LoginRequired(field="session")
    return principal


def officer_at(request: Request, gate_id: str) -> Principal:
    """A gate's operations (its dashboard): the API's check for the gate's yard, plan and review queue."""
    principal = signed_in(request)
    access.require_gate(principal, Permission.READ_GATE_OPS, gate_id)
    return principal
