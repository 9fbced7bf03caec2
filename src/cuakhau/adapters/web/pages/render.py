"""Jinja2 rendering in the reader's language, CSRF tokens for forms, and the language cookie."""

from __future__ import annotations

import functools
import hmac
import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from cuakhau import i18n as messages
from cuakhau.adapters.web.pages.i18n import COOKIE, LANGUAGE_NAMES, LANGUAGES, Formatter, pick_language, translations
from cuakhau.domain.errors import CuakhauError
from cuakhau.domain.perishability import PROFILES
from cuakhau.i18n import step_reasons
from cuakhau.services import gates

CSRF_COOKIE = "cuakhau_csrf"
CSRF_FIELD = "csrf_token"
YEAR = 365 * 24 * 3600


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("cuakhau.adapters.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["perishability_labels"] = {kind.value: p.label for kind, p in PROFILES.items()}
    # A step's reason (hold, release …) as a sentence in the reader's language (i18n/step_reasons.py).
    env.filters["step_reason"] = functools.partial(step_reasons.describe, language=language)
    env.filters["utc_offset"] = utc_offset
    env.filters["closure_reason"] = functools.partial(closure_reason, language=language)
    return env


def utc_offset(zone: ZoneInfo | str) -> str:
    """A gate's time zone as people read it, ``UTC+7``, never its database name (``Asia/Ho_Chi_Minh``)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    offset = datetime.now(tz).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


#: The positions of a closure's reason as published in the three languages (services/gate_admin.py joins the
#: texts given, Vietnamese and Chinese required, English optional, with " / ").
_REASON_PARTS = {3: {"vi": 0, "zh": 1, "en": 2}, 2: {"vi": 0, "zh": 1, "en": 0}}


def closure_reason(reason: str, language: str) -> str:
    """A closure's reason in the reader's language, when it was published in each (``vi / zh / en``)."""
    parts = [p.strip() for p in reason.split(" / ")]
    where = _REASON_PARTS.get(len(parts))
    return parts[where[language]] if where and language in where else reason


def language_of(request: Request) -> str:
    """``?lang=``, the language cookie, the signed-in account's language, then ``Accept-Language``."""
    principal = getattr(request.state, "principal", None)
    locale = getattr(principal, "locale", None)
    header = request.headers.get("accept-language")
    return pick_language(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(COOKIE),
        accept_language=locale if locale in LANGUAGES else header,
    )


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def csrf_token(request: Request) -> str:
    """The form token: the value of the CSRF cookie (set on first sight; double-submit pattern)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and hmac.compare_digest(cookie, submitted))


def template_globals(request: Request, language: str, tz: ZoneInfo) -> dict[str, Any]:
    """What every template may use: formatters in the reader's locale and the given zone, the CSRF token."""
    fmt = Formatter(language)
    now: datetime = request.app.state.context.clock.now()

    def zone_of(zone: ZoneInfo | str | None) -> ZoneInfo:
        return ZoneInfo(zone) if isinstance(zone, str) else (zone or tz)

    def dt(value: str | datetime | None, fmt_name: str = "short", zone: ZoneInfo | str | None = None) -> str:
        return fmt.datetime(_parse(value), zone_of(zone), fmt_name)

    def tm(value: str | datetime | None, zone: ZoneInfo | str | None = None) -> str:
        return fmt.time(_parse(value), zone_of(zone))

    def when(value: str | datetime | None, zone: ZoneInfo | str | None = None) -> str:
        """A moment of today (the gate's local day) as its time alone; of another day with its date too."""
        parsed, where = _parse(value), zone_of(zone)
        if parsed is None or parsed.astimezone(where).date() == now.astimezone(where).date():
            return fmt.time(parsed, where)
        return fmt.datetime(parsed, where, "short")

    def error_text(code: str, params: dict[str, Any] | None = None) -> str:
        return messages.render(code, language, params)

    def gate_name(gate_id: str) -> str:
        """A gate's name in the reader's language (the navigation names gates, never their ids)."""
        try:
            names = gates.get_gate(request.app.state.context.uow(read_only=True), gate_id).names
        except CuakhauError:
            return gate_id
        return names.get(language)

    return {
        "lang": language,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "path": request.url.path,
        "fmt": fmt,
        "dt": dt,
        "tm": tm,
        "when": when,
        "error_text": error_text,
        "gate_name": gate_name,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "principal": getattr(request.state, "principal", None),
        "now": now,
    }


def render_text(request: Request, template: str, **context: Any) -> str:
    from cuakhau.adapters.web.pages.access import page_principal

    page_principal(request)  # the navigation shows who is signed in, in their language
    language = language_of(request)
    tz: ZoneInfo = context.pop("tz", None) or ZoneInfo("Asia/Ho_Chi_Minh")
    page = environment(language).get_template(template)
    return page.render(**template_globals(request, language, tz), **context)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = render_text(request, template, **context)
    response = HTMLResponse(html, status_code=status, headers={"Content-Language": language_of(request)})
    finish(request, response)
    return response


def finish(request: Request, response: Any) -> None:
    """Cookies every page response carries: the chosen language and the CSRF token."""
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, request.query_params["lang"], max_age=YEAR, samesite="lax", httponly=True)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, samesite="strict", httponly=True)
