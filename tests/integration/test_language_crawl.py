"""Every page, in every language, as every role, shows people sentences in their language (issue 18, item 4).

The crawl starts from every GET page route of the app (the keys of :data:`PAGES` in ``test_page_api_parity.py``,
which must name every page route), fills the ids from its :func:`setup_ids` (own, sibling, fresh, cancelled and
another enterprise's trips), and follows the links it finds within the site — each distinct route template once
per role and language. On each page answered with HTML it reads what a person sees (text, and the ``alt``,
``title``, ``aria-label`` and ``placeholder`` attributes; not scripts, styles or other attributes) and fails on:

* another language's words: on Vietnamese and Chinese pages the common English words of a user interface
  (:data:`ENGLISH_UI_WORDS`, not proper nouns); on English and Vietnamese pages Chinese characters;
* codes: ``snake_case`` tokens (``on_the_road``) and dotted error codes (``booking.full``);
* ids: UUIDs and hex strings of 16 characters or more;
* raw ISO times (``2026-06-02T08:00``, ``+00:00``, ``08:00Z``) and time-zone names (``Asia/Ho_Chi_Minh``).

Data that people typed or registered (an enterprise's or consignee's name, a goods description, a gate's proper
name) may be in any language: :data:`ALLOWED` lists each such value with the reason it is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.web.pages import dashboard
from cuakhau.adapters.web.pages.i18n import COOKIE
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_page_api_parity import HOME, PAGES, ROLES, Ids, callers, setup_ids

LANGUAGES = ("vi", "zh", "en")

#: GET routes that are no page a person reads, each with the reason it is not crawled.
NOT_PAGES: dict[str, str] = {
    "/": "a redirect to the API documentation",
    "/healthz": "liveness probe, read by machines",
    "/readyz": "readiness probe, read by machines",
    "/metrics": "Prometheus metrics, read by machines",
    "/openapi.json": "the API description, read by programs (in English, as the API's field names are)",
    "/docs": "the API documentation for developers (Swagger UI, in English by design)",
    "/sw.js": "the driver app's service worker script",
    "/driver/manifest.webmanifest": "the driver app's manifest (its names are checked in test_driver_page.py)",
    "/gates/{gate_id}/dashboard.json": "the dashboard's JSON feed, read by its script",
    "/gates/{gate_id}/dashboard/events": "the dashboard's event stream, read by its script",
    "/gates/{gate_id}/worklist.json": "the worklist's JSON feed, read by its script",
    "/gates/{gate_id}/worklist/events": "the worklist's event stream, read by its script",
}

#: Common English words of a user interface: none may be left on a Vietnamese or Chinese page. Only words that
#: are not also Vietnamese words without their marks ("to", "an", "do", "in", "no" … are left out).
ENGLISH_UI_WORDS = (  # noqa: SIM905 (a list of words reads best as words)
    "the and with from your you this that are was were will has have not none yes "
    "waiting booked booking bookings gate gates trip trips truck trucks driver drivers vehicle vehicles "
    "open opens closed today tomorrow hours hour minutes minute wait waits queue slot slots "
    "declare declared cancel cancelled save search submit sign password status details page found error "
    "expected arrival departure reschedule dispatch dispatched export import released hold step steps "
    "next back previous first last list new edit delete remove add send confirm close"
).split()
ENGLISH = re.compile(r"(?i)(?<![\w-])(?:" + "|".join(ENGLISH_UI_WORDS) + r")(?![\w-])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
SNAKE_CASE = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")
DOTTED_CODE = re.compile(r"(?<![\w./@-])[a-z][a-z_]+\.[a-z][a-z_]+(?![\w./@-])")
HEX_ID = re.compile(
    r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{16,}\b"
)
ISO_TIME = re.compile(
    r"\d{4}-\d\d-\d\dT\d|\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z\b|[+-]\d\d:?\d\d\b)|[+-]00:00\b|\b[A-Z][a-z]+/[A-Z]\w+"
)

#: Values allowed on any page, each with its reason. Matched as whole strings and removed before the checks.
ALLOWED: dict[str, str] = {
    "中文": "the language switcher names each language in that language",
    "Tiếng Việt": "the language switcher names each language in that language",
    "English": "the language switcher names each language in that language",
    "广西凭祥友谊果蔬进出口贸易有限公司": "a consignee's registered name (data, as typed by the exporter)",
    "鲜红心火龙果": "a goods description typed by the exporter (the fixtures' data)",
    "榴莲": "the HS search's hint: a goods name may be typed in any of the three languages (sầu riêng, 榴莲, durian)",
    "荔枝干": "the HS search for 荔枝 names the nomenclature's Chinese alias it matched (the reader typed Chinese)",
    "荔枝": "the HS search for 荔枝 repeats the reader's own query",
    "桂F12345": "a Chinese plate as written on the plate (the fleet form's example: plates are data, not words)",
    "鲜榴莲": "the upload template's example description in both languages of the pair, as a cooperative writes it",
}


class Visible(HTMLParser):
    """The text a person sees (and hears from a screen reader): data outside scripts and styles, and the
    attributes that are shown or read out."""

    SHOWN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
    HIDDEN_TAGS = ("script", "style", "template", "noscript")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN_TAGS:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "a" and name == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    parser = Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " | ".join(parser.parts)), parser.links


def leaks(text: str, language: str, data: tuple[str, ...]) -> list[str]:
    """What a person must not see on a page in ``language`` (after the allowed values are taken out)."""
    for value in sorted({*ALLOWED, *data}, key=len, reverse=True):
        text = text.replace(value, " ")
    found = [f"code {m}" for m in SNAKE_CASE.findall(text) + DOTTED_CODE.findall(text)]
    found += [f"id {m}" for m in HEX_ID.findall(text)]
    found += [f"time {m}" for m in ISO_TIME.findall(text)]
    if language in ("vi", "zh"):
        found += [f"English {m}" for m in ENGLISH.findall(text)]
    if language in ("vi", "en"):
        found += [f"Chinese {m}" for m in CJK.findall(text)]
    return found


def route_patterns() -> list[tuple[str, re.Pattern[str]]]:
    gets = [path for method, path in PAGES if method == "GET"]
    return [(p, re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", p) + "$")) for p in gets]


def template_of(path: str, patterns: list[tuple[str, re.Pattern[str]]]) -> str | None:
    # The most specific template first ("/portal/trips/new" before "/portal/trips/{trip_id}").
    matches = [p for p, rx in patterns if rx.match(path)]
    return min(matches, key=lambda p: p.count("{")) if matches else None


def seeds(ids: Ids) -> Iterator[str]:
    """Every GET page route with its ids filled in (each trip for the trip pages)."""
    values = {
        "gate_id": [HOME],
        "trip_id": [ids.own_trip, ids.sibling_trip, ids.fresh_trip, ids.earlier_trip, ids.their_trip],
        "vehicle_id": [ids.truck, ids.their_truck],
        "driver_id": [ids.employed_driver_id, ids.their_driver_id],
    }
    for method, path in PAGES:
        if method != "GET" or path in NOT_PAGES:
            continue
        urls = [path]
        for name, choices in values.items():
            if "{" + name + "}" in path:
                urls = [u.replace("{" + name + "}", c) for u in urls for c in choices]
        assert all("{" not in u for u in urls), f"no id to fill in {path}: add it to seeds()"
        yield from urls
    yield "/portal/hs?q=vải"
    yield "/portal/hs?q=荔枝"


def data_values(world: World) -> tuple[str, ...]:
    """Proper names in Chinese allowed on every page: each gate's name as written on its own side (a Vietnamese
    page may name 友谊关 next to Hữu Nghị Quan), and the enterprises' registered names."""
    names = [g.names.zh for g in world.gates] + [world.exporter.name]
    return tuple(n for n in names if n)


def crawl(
    client: TestClient, start: list[str], patterns: list[tuple[str, re.Pattern[str]]]
) -> Iterator[tuple[str, str]]:
    """(url, html) of each page reached: the start urls, then links to templates not yet seen."""
    seen_templates: set[str] = set()
    seen_urls: set[str] = set()
    queue = list(start)
    while queue:
        url = queue.pop(0)
        if url in seen_urls:
            continue
        seen_urls.add(url)
        r = client.get(url, follow_redirects=True)
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        yield url, r.text
        _, links = visible(r.text)
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or "lang=" in parts.query:
                continue  # another site, an anchor, or the language switcher (it changes the language)
            template = template_of(parts.path, patterns)
            if template is None or template in NOT_PAGES or template in seen_templates:
                continue
            seen_templates.add(template)
            queue.append(link)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_another_language_a_code_an_id_or_a_raw_time(
    ctx: ServiceContext, world: World, app: FastAPI, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "MAX_STREAM_SECONDS", 0.0)
    ids = setup_ids(ctx, world)
    data = data_values(world)
    patterns = route_patterns()
    start = list(seeds(ids))
    found: dict[str, list[str]] = {}  # leak -> where (role and page)
    pages = 0
    for role, caller in callers(ctx, app, ids).items():
        client = caller.page
        client.cookies.set(COOKIE, language)
        client.headers["Accept-Language"] = language
        for url, html in crawl(client, start, patterns):
            pages += 1
            assert f'lang="{language}"' in html[:300], (role, url)
            text, _ = visible(html)
            for leak in leaks(text, language, data):
                found.setdefault(leak, []).append(f"{role} {url}")
    assert pages >= len(ROLES) * 5  # the crawl reached pages, not only sign-in redirects
    assert not found, "\n".join(f"{leak!r} on {len(w)} pages, e.g. {w[:3]}" for leak, w in sorted(found.items()))


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("Trạng thái: on_the_road", "vi", "code"),
        ("Lỗi booking.full", "vi", "code"),
        ("Chuyến 0123456789abcdef0123456789abcdef", "vi", "id"),
        ("Giờ 2026-06-02T08:00:00+00:00", "vi", "time"),
        ("Lúc 08:00Z", "en", "time"),
        ("Asia/Ho_Chi_Minh", "en", "time"),
        ("Xe đang waiting ở cửa khẩu", "vi", "English"),
        ("车辆 booked", "zh", "English"),
        ("Chờ 排队", "vi", "Chinese"),
        ("Queue at 入境", "en", "Chinese"),
    ],
)
def test_the_leak_detector_catches_each_kind(text: str, language: str, kind: str) -> None:
    assert any(leak.startswith(kind) for leak in leaks(text, language, ())), (text, leaks(text, language, ()))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Mở cửa 07:00–19:00 hôm nay, Hữu Nghị (友谊关)", "vi"),  # a gate's proper name in Chinese
        ("友谊关 今天 07:00–19:00 开放", "zh"),
        ("Bên nhận: 广西凭祥友谊果蔬进出口贸易有限公司", "vi"),
        ("Tiếng Việt | 中文 | English", "zh"),
        ("Biển số 29C-123.45, cân 19.500 kg", "vi"),
    ],
)
def test_the_leak_detector_lets_data_and_proper_names_through(text: str, language: str) -> None:
    assert leaks(text, language, ("友谊关",)) == []
