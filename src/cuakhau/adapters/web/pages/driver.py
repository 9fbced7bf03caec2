"""The driver's page — an installable web app for a phone on a bad line.

``/driver`` shows a driver account (role ``driver``, bound to a driver id) its trip of the day
(:mod:`cuakhau.services.driver_app`): the slot and the leave-by time in the gate's local time, the gate and the
lane to go to, a QR code of the booking for the gate, each step as it happens on both sides of the border and the
notices sent about the trip. ``/driver/trips/{trip_id}`` shows another of its trips; someone else's answers like
a trip that does not exist, as the API does.

Installable: ``/driver/manifest.webmanifest`` (name in the reader's language, icons in ``static/``) and a service
worker at ``/sw.js`` (scope ``/driver``). The worker keeps the page shell and the last page it got; with the
network off the page is served from there and says how old it is (``static/driver.js`` counts the minutes from
the time the page was read, written in the page). The worker's script carries its own CSP: a worker obeys the
policy of its own script, and the API's ``default-src 'none'`` would forbid it to fetch anything.

The QR code is drawn on the server with ``segno`` (an SVG in a ``data:`` address: the pages' CSP allows images
from ``data:``, and no script is needed to show it).
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.headers import WORKER_CSP
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.i18n import translations
from cuakhau.adapters.web.pages.render import language_of, render
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import ActorRole, TripEvent, TripState
from cuakhau.i18n import reasons
from cuakhau.services import driver_app

router = APIRouter(include_in_schema=False)

#: The steps a trip goes through to the other side, in order (the page shows those still to come).
ROUTE = (
    TripState.DECLARED,
    TripState.BOOKED,
    TripState.DISPATCHED,
    TripState.ARRIVED,
    TripState.CALLED,
    TripState.CLEARED,
    TripState.CROSSED,
)
#: Steps taken across the border (the counterpart's system) as opposed to this side's agencies.
OTHER_SIDE = frozenset({ActorRole.COUNTERPART})
#: The published call-forward rule, as the timeline names it (its reason text is for officers).
CALL_RULE = "perishables_first_then_booking_order"


def booking_code(trip_id: str, booking_id: str) -> str:
    """What the QR code holds: the booking and its trip, for the gate's reader."""
    return f"CUAKHAU:BOOKING:{booking_id}:TRIP:{trip_id}"


@functools.lru_cache(maxsize=256)
def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG ``data:`` address (dark modules on white, a quiet zone of 4)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=4, dark="#000", light="#fff"))


def _event_reason(event: TripEvent, language: str) -> str | None:
    """A step's reason as a sentence: the call-forward rule named in words, an officer's words as written."""
    if not event.reason:
        return None
    if event.reason.startswith(CALL_RULE):
        return translations(language).gettext("Called in the published order: perishable goods first, then by slot.")
    return event.reason


def _notice_text(n: Notification, language: str, tz: Any) -> str | None:
    """The sentence a notice carried, in the reader's language (never its code or raw times)."""
    messages = n.payload.get("messages")
    if isinstance(messages, dict) and isinstance(messages.get(language), str):
        return str(messages[language])
    if n.kind == "called" and n.payload.get("lane"):
        come_by = n.payload.get("come_by")
        by = reasons.local_time(str(come_by), tz) if come_by else "—"
        return translations(language).gettext("Go to lane %(lane)s by %(time)s.") % {
            "lane": n.payload["lane"],
            "time": by,
        }
    return None


def _page(request: Request, today: driver_app.DriverToday) -> HTMLResponse:
    language = language_of(request)
    found = today.trip
    context: dict[str, Any] = {"today": today, "found": found, "route": [s.value for s in ROUTE]}
    if found is not None:
        view = found.view
        tz = view.gate.timezone
        booking = view.booking
        context |= {
            "tz": tz,
            "view": view,
            "booking": booking,
            "leave_by": booking.must_leave_by() if booking is not None else None,
            "qr": qr_data_uri(booking_code(view.trip.id, booking.id))
            if booking is not None and booking.slot_start is not None and booking.is_open
            else None,
            "steps": [
                {
                    "event": e,
                    "other_side": e.actor.role in OTHER_SIDE,
                    "reason": _event_reason(e, language),
                }
                for e in view.events
            ],
            "reached": {e.to_state.value for e in view.events},
            "notices": [(n, _notice_text(n, language, tz)) for n in found.notices],
            "booking_reason": reasons.describe(
                booking.reason, booking.reason_params, slot_start=booking.slot_start, language=language, tz=tz
            )
            if booking is not None
            else None,
        }
    response = render(request, "driver/today.html", **context)
    response.headers["Cache-Control"] = "no-cache, private"  # the worker keeps it; the browser asks again
    return response


@router.get("/driver", response_class=HTMLResponse)
def today_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = signed_in(request)
    return _page(request, driver_app.today(ctx, principal))


@router.get("/driver/trips/{trip_id}", response_class=HTMLResponse)
def trip_page(trip_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    principal = signed_in(request)
    return _page(request, driver_app.DriverToday(trip=driver_app.trip(ctx, principal, trip_id), others=[]))


@router.get("/driver/manifest.webmanifest")
def manifest(request: Request) -> Response:
    """The web app manifest, named in the reader's language."""
    language = language_of(request)
    _ = translations(language).gettext
    body = {
        "name": _("cuakhau — driver"),
        "short_name": _("My trip"),
        "description": _("Today's trip, slot and lane; it keeps the last state when the network is off."),
        "lang": language,
        "start_url": "/driver",
        "scope": "/driver",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": "/static/driver-icon.svg", "sizes": "any", "type": "image/svg+xml"},
            {"src": "/static/driver-icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/driver-icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"},
    )


@functools.cache
def _worker_source() -> bytes:
    return files("cuakhau.adapters.web").joinpath("static", "sw.js").read_bytes()


@router.get("/sw.js")
def service_worker() -> Response:
    """The driver app's service worker, from the site root so that it may control ``/driver``."""
    return Response(
        _worker_source(),
        media_type="text/javascript",
        headers={
            "Cache-Control": "no-cache",  # a new version is picked up at the next visit
            "Content-Security-Policy": WORKER_CSP,
            "Service-Worker-Allowed": "/driver",
        },
    )
