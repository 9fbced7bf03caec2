"""Every page in every language: a lang attribute, one h1, a skip link, labelled form fields, named buttons and
images with text alternatives — checked on the rendered HTML (the browser tests also tab through them)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Principal
from cuakhau.domain.devices import Checkpoint
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import GATE, dispatched, plate_of, read

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.fields: list[dict[str, str | None]] = []
        self.labels_for: set[str] = set()
        self.h1 = 0
        self.skip = False
        self.images_without_alt = 0
        self.buttons: list[list[str]] = []
        self._label_depth = 0
        self._in_button: list[str] | None = None
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a: dict[str, Any] = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("href") == "#main":
            self.skip = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (a.get("type") or "text") in UNLABELLED_TYPES:
                return
            self.fields.append({**a, "_tag": tag, "_wrapped": "yes" if self._label_depth else None})
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt += 1
        elif tag == "button":
            self._in_button = [a.get("aria-label") or ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        elif tag == "button" and self._in_button is not None:
            self.buttons.append(self._in_button)
            self._in_button = None

    def handle_data(self, data: str) -> None:
        if self._in_button is not None:
            self._in_button.append(data.strip())


def audit(html: str) -> Audit:
    parser = Audit()
    parser.feed(html)
    return parser


def assert_accessible(html: str, language: str) -> None:
    page = audit(html)
    assert page.html_lang == language
    assert page.h1 == 1, "one h1 per page"
    assert page.skip, "a skip link to #main"
    for field in page.fields:
        labelled = (
            field.get("id") in page.labels_for
            or field.get("aria-label")
            or field.get("aria-labelledby")
            or field["_wrapped"]
        )
        assert labelled, f"unlabelled {field['_tag']} name={field.get('name')}"
    assert page.images_without_alt == 0
    assert all("".join(b).strip() for b in page.buttons), "every button has a name"
    assert len(page.ids) == len(set(page.ids)), "ids are unique"


def Exporter(enterprise_id: str) -> Principal:
    return principal("exporter", enterprise_id=enterprise_id)


def Officer() -> Principal:
    return principal("customs_officer", gates=[GATE], username="officer")


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
def test_every_page_is_labelled_and_keyboard_reachable(
    ctx: ServiceContext, world: World, client: TestClient, language: str
) -> None:
    trip_id = dispatched(world)
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
    declared = world.declare(GATE, vehicle_id=world.new_truck()).id
    pages = ["/waits", "/login"]
    for path in pages:
        response = client.get(f"{path}?lang={language}")
        assert response.status_code == 200, path
        assert_accessible(response.text, language)
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: Officer()
    response = client.get(f"/gates/{GATE}/dashboard?lang={language}")
    assert response.status_code == 200
    assert_accessible(response.text, language)
    app.state.page_principal_resolver = lambda request: Exporter(world.exporter.id)
    for path in ["/portal", "/portal/trips/new", f"/portal/trips/{declared}", "/portal/hs?q=durian"]:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={language}")
        assert response.status_code == 200, path
        assert_accessible(response.text, language)


def test_the_audit_catches_an_unlabelled_field() -> None:
    html = '<html lang="en"><body><a href="#main">skip</a><h1>x</h1><input name="q"></body></html>'
    with pytest.raises(AssertionError, match="unlabelled input"):
        assert_accessible(html, "en")
