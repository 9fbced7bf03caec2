"""Every page template works under the pages' Content-Security-Policy (``adapters/web/headers.py``): no inline
script, no event-handler attribute, no inline style, nothing loaded from another origin. The browser would refuse
them; this finds them before a browser does (``tests/e2e/test_browser_csp.py`` checks the rendered pages)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest

TEMPLATES = Path(str(files("cuakhau.adapters.web") / "templates"))
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "data", "poster", "srcset", "xlink:href"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def _where(self) -> str:
        return f"line {self.getpos()[0]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"{self._where()}: event-handler attribute {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"{self._where()}: inline style= on <{tag}>")
            if name in URL_ATTRIBUTES:
                if value.lower().startswith("javascript:"):
                    self.problems.append(f"{self._where()}: javascript: URL in {name}= on <{tag}>")
                if re.match(r"(?i)^(https?:)?//", value):
                    self.problems.append(f"{self._where()}: another origin in {name}={value!r} on <{tag}>")
        if tag == "style":
            self.problems.append(f"{self._where()}: <style> element")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append(f"{self._where()}: inline <script> (no src)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"{self._where()}: code inside <script>")


def problems(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


def templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) >= 10 and any(p.parent.name == "portal" for p in found), found  # the walk found them
    return found


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_inline_script_handler_or_style(template: Path) -> None:
    assert problems(template.read_text("utf-8")) == []


def test_the_finder_finds_what_a_strict_csp_refuses() -> None:
    """The check is not vacuous: each kind of problem is found (the dashboard's old bar chart had the style=)."""
    assert problems('<span style="height: {{ h }}%"></span>') == ["line 1: inline style= on <span>"]
    assert problems('<button onclick="go()">x</button>') == ["line 1: event-handler attribute onclick= on <button>"]
    assert problems("<script>alert(1)</script>") == [
        "line 1: inline <script> (no src)",
        "line 1: code inside <script>",
    ]
    assert problems("<style>p { color: red }</style>") == ["line 1: <style> element"]
    assert problems('<a href="javascript:go()">x</a>') == ["line 1: javascript: URL in href= on <a>"]
    assert problems('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>') == [
        "line 1: another origin in src='https://cdn.jsdelivr.net/npm/x.js' on <script>"
    ]
    assert problems('<script src="/static/portal.js" defer></script><a href="/waits?lang={{ c }}">w</a>') == []
