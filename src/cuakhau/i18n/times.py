"""Times as people read them: the gate's local date and time with its UTC offset, never a raw UTC stamp.

The one formatter for an instant shown in a sentence — a booking's reason (:mod:`cuakhau.i18n.reasons`) and every
error that carries a time (``booking.suspended``'s ``until``, ``booking.arrived_late``'s ``slot_start``, ...):
whoever raises such an error knows the gate and passes its zone, and the param is this text. The text is the same
in vi, zh and en, so an error may carry it already formatted.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def local_time(value: datetime | str, tz: tzinfo | None = UTC) -> str:
    """A time as people read it: the gate's local date and time with its UTC offset (``2026-06-02 09:00 UTC+07:00``).

    ``tz`` None keeps the instant's own offset (a document's stated time); a naive instant is taken as UTC."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(tz) if tz is not None else instant
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
