"""Fast on a slow phone (issue 18, item 5): the pages an exporter and a driver use weigh less than 100 KB before
images — the HTML and every same-origin stylesheet and script it loads — and name no third-party origin in any
``src`` or ``href``. Lighthouse's scores are a benchmark (``benchmarks/lighthouse.py``, ``docs/benchmarks.md``);
this is the cheap check CI runs on every change.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_page_api_parity import callers, setup_ids

BUDGET = 100 * 1024  # bytes of HTML + CSS + JS, images not counted


class Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []  # every src and href
        self.loaded: list[str] = []  # what the browser fetches to show the page: stylesheets and scripts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href", "srcset", "action", "poster") and v]
        if tag == "script" and a.get("src"):
            self.loaded.append(a["src"] or "")
        elif tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.loaded.append(a["href"] or "")


def third_party(url: str) -> bool:
    """An address on another origin: absolute (``https://…``) or scheme-relative (``//cdn…``)."""
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)) and not url.startswith("http://testserver/")


def weigh(client: TestClient, url: str) -> tuple[int, list[str], list[str]]:
    """(bytes of HTML + CSS + JS, what it loads, third-party addresses) of the page at ``url``."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code, page.text[:300])
    parser = Resources()
    parser.feed(page.text)
    total = len(page.content)
    for asset in dict.fromkeys(parser.loaded):
        r = client.get(asset)
        assert r.status_code == 200, asset
        total += len(r.content)
    return total, parser.loaded, [u for u in parser.urls if third_party(u)]


def test_the_check_can_fail() -> None:
    parser = Resources()
    parser.feed('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/y.js"></script>')
    assert [u for u in parser.urls if third_party(u)] == ["https://cdn.example/x.css", "//cdn.example/y.js"]
    assert parser.loaded == ["https://cdn.example/x.css", "//cdn.example/y.js"]
    assert not third_party("/static/cuakhau.css") and not third_party("mailto:help@example.org")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_exporter_and_driver_pages_are_light_and_first_party(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    ids = setup_ids(ctx, world)
    who = callers(ctx, app, ids)
    pages = [
        ("anonymous", "/waits"),
        ("anonymous", "/login"),
        ("exporter", "/portal"),
        ("exporter", "/portal/trips/new"),
        ("exporter", f"/portal/trips/{ids.own_trip}"),
        ("driver_bound", "/driver"),
        ("driver_bound", f"/driver/trips/{ids.own_trip}"),
    ]
    weights = {}
    for role, url in pages:
        for language in ("vi", "zh"):
            total, loaded, foreign = weigh(who[role].page, f"{url}{'&' if '?' in url else '?'}lang={language}")
            assert not foreign, (url, foreign)
            assert loaded and all(u.startswith("/static/") for u in loaded), (url, loaded)  # assets are packaged
            weights[f"{url} {language}"] = total
    assert all(w < BUDGET for w in weights.values()), {k: f"{w / 1024:.1f} KB" for k, w in weights.items()}
    assert min(weights.values()) > 2 * 1024  # the pages and their assets were weighed, not empty answers
