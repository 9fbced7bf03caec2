"""The public wait board (HTML) and its JSON API — no account needed, like CBP's border wait times.

The JSON feed (``/api/v1/public/waits``) lists every gate with both its directions, as it always did. The page shows
one card per gate pair and way across (``boards.pair_cards``): what a driver leaving Lạng Sơn for Pingxiang needs on
a phone — whether the crossing is open, in plain words and the leaving side's local time, the trucks waiting and the
wait on each side with its range and how sure it is, and the trucks across in the last 24 hours as a small chart
drawn on the server (an SVG: no script)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from babel.dates import format_skeleton
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.i18n import Formatter, translations
from cuakhau.adapters.web.pages.render import language_of, render
from cuakhau.adapters.web.pages.views import iso, waits_json
from cuakhau.domain.gate import Country, Gate
from cuakhau.services import boards
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate

router = APIRouter()

#: The board is computed again at most this often (``boards.BOARD_FRESH_FOR``; the ``public_board`` job refreshes
#: it every 10 s); every figure says when it was computed.
CACHE_SECONDS = int(boards.BOARD_FRESH_FOR.total_seconds())
_MAKING = threading.Lock()
#: The chart's drawing box (SVG user units): one bar per hour.
CHART_W, CHART_H, BAR = 240, 48, 10


def _board(request: Request, ctx: ServiceContext) -> boards.PublicBoard:
    """The process's board (``bootstrap.create_app`` makes it and gives it to the job); an app built without one
    (tests, an embedding) makes its own, which its readers then refresh (once for all of them)."""
    board: boards.PublicBoard | None = getattr(request.app.state, "public_board", None)
    if board is None:
        with _MAKING:
            board = getattr(request.app.state, "public_board", None)
            if board is None:
                board = request.app.state.public_board = boards.PublicBoard(ctx.uow, ctx.clock)
    return board


def _payload(request: Request, ctx: ServiceContext, gate_id: str | None) -> dict[str, Any]:
    board = _board(request, ctx).read()  # never computed per request: the last board, with its age
    computed_at, waits = board.computed_at, board.value.gates
    if gate_id is not None:
        get_gate(ctx.uow(read_only=True), gate_id)  # unknown gate: 404 in the usual error shape
        waits = [w for w in waits if w.gate.id == gate_id]
    now = ctx.clock.now()
    return {
        "computed_at": iso(computed_at),
        "age_seconds": max(0, round((now - computed_at).total_seconds())),
        "method": "expected = max(trucks ahead / measured crossings per open hour, median time of recent trucks); "
        "range from the 90 % Poisson interval of throughput and the quartiles of recent trucks; "
        "laid over the hours both sides are open",
        "gates": [waits_json(w, now=now) for w in waits],
    }


@router.get("/api/v1/public/waits", tags=["public"], summary="Trucks waiting and expected waits, every gate")
def public_waits(
    request: Request,
    response: Response,
    ctx: ContextDep,
    gate_id: Annotated[str | None, Query(max_length=64, description="Only this gate")] = None,
) -> dict[str, Any]:
    payload = _payload(request, ctx, gate_id)
    # Caches and proxies may keep it as long as the server does; the figure carries its own age.
    response.headers["Cache-Control"] = f"public, max-age={max(0, CACHE_SECONDS - payload['age_seconds'])}"
    return payload


# --- the page's words ----------------------------------------------------------------------------------------


class BoardText:
    """Times and durations as a person on the board reads them: a gate's local clock ("07:00", "tomorrow 07:00",
    "Thu 4 Jun 07:00"), a rough duration ("in 7 h", "in 25 min"), never a zone name or an ISO stamp."""

    UNITS: ClassVar[dict[str, tuple[str, str]]] = {"vi": ("giờ", "phút"), "zh": ("小时", "分钟")}

    def __init__(self, language: str, now: datetime) -> None:
        self.language = language
        self.now = now
        self.fmt = Formatter(language)
        self._ = translations(language).gettext

    def zone_word(self, gate: Gate) -> str:
        return self._("Vietnam time") if gate.country is Country.VN else self._("China time")

    def country(self, gate: Gate) -> str:
        return self._("Vietnam") if gate.country is Country.VN else self._("China")

    def clock(self, at: datetime | None, gate: Gate) -> str:
        """The time on ``gate``'s clock, with the day when it is not today there."""
        if at is None:
            return "—"
        time = self.fmt.time(at, gate.timezone)
        days = (gate.local(at).date() - gate.local(self.now).date()).days
        if days == 0:
            return time
        if days == 1:
            return self._("tomorrow %(time)s") % {"time": time}
        day = format_skeleton("MMMEd", gate.local(at), locale=self.fmt.locale)
        return f"{day} {time}"

    def hours(self, periods: list[tuple[datetime, datetime]], gate: Gate) -> str:
        return ", ".join(f"{self.fmt.time(s, gate.timezone)}–{self.fmt.time(e, gate.timezone)}" for s, e in periods)

    def duration(self, minutes: float | None) -> str:
        """Rounded as a person says it: to 5 minutes under an hour, 10 under three hours, whole hours beyond."""
        if minutes is None:
            return "—"
        unit_h, unit_m = self.UNITS.get(self.language, ("h", "min"))
        if minutes < 60:
            return f"{max(5, round(minutes / 5) * 5)} {unit_m}"
        if minutes < 180:
            hours, mins = divmod(round(minutes / 10) * 10, 60)
            return f"{hours} {unit_h} {mins:02d} {unit_m}" if mins else f"{hours} {unit_h}"
        return f"{round(minutes / 60)} {unit_h}"

    def until(self, at: datetime | None) -> str:
        return self.duration(None if at is None else (at - self.now) / timedelta(minutes=1))


def chart(card: boards.PairCard, text: BoardText) -> dict[str, Any]:
    """The last 24 h as bars (SVG user units; the tallest bar fills the box) and their sentence for a screen
    reader."""
    counts = list(card.crossed_by_hour)
    top = max(counts, default=0)
    bars = []
    for i, n in enumerate(counts):
        h = 0 if top == 0 else max(1.5, n / top * (CHART_H - 2)) if n else 0
        bars.append({"x": i * BAR + 1, "y": round(CHART_H - h, 1), "w": BAR - 2, "h": round(h, 1)})
    busiest = counts.index(top) if top else None
    end = card.history_end
    started = end - timedelta(hours=len(counts) - busiest) if end is not None and busiest is not None else None
    return {
        "w": CHART_W,
        "h": CHART_H,
        "bars": [b for b in bars if b["h"]],
        "total": sum(counts),
        "top": top,
        "busiest_from": text.clock(started, card.home) if started else None,
    }


@router.get("/waits", include_in_schema=False, response_class=HTMLResponse)
def waits_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    board = _board(request, ctx).read()
    text = BoardText(language_of(request), board.computed_at)
    return render(
        request,
        "waits.html",
        cards=[(card, chart(card, text)) for card in board.value.cards],
        text=text,
        computed_at=board.computed_at,
        cache_seconds=CACHE_SECONDS,
    )
