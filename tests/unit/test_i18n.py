"""Every error code the source can raise has a message in Vietnamese, Chinese and English."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from cuakhau import i18n

SRC = Path(__file__).resolve().parents[2] / "src" / "cuakhau"
CODE_RE = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")
ERROR_CALLS = {
    "DispatchProblem",
    "InvalidInput",
    "Conflict",
    "CuakhauError",
    "MalformedRequest",
    "RequestTooLarge",
    "Forbidden",
    "Unauthenticated",
    "InvalidCredentials",
    "_code_error",
    "respond",
    "error_body",
    "__init__",
}


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def codes_in_source() -> set[str]:
    """Codes passed to the error constructors and renderers, found in the syntax tree of every module."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == "NotFound" and node.args and isinstance(node.args[0], ast.Constant):
                    found.add(f"{node.args[0].value}.not_found")
                elif name == "require" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    found.add(f"{node.args[1].value}.not_found")
                elif name in ERROR_CALLS:
                    position = {"respond": 2, "error_body": 1}.get(name, 0)
                    if len(node.args) > position:
                        found.update(v for v in _strings(node.args[position]) if CODE_RE.match(v))
                found.update(
                    kw.value.value
                    for kw in node.keywords
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
                )
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in {"default_code", "_PYDANTIC_CODES"} for t in node.targets
            ):
                found.update(v for v in _strings(node.value) if CODE_RE.match(v))
            elif isinstance(node, (ast.Dict, ast.Return)) and path.name == "errors.py":
                found.update(v for v in _strings(node) if CODE_RE.match(v) and v.split(".")[0] in {"request", "route"})
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = codes_in_source()
    for expected in [
        "hs.only_in_2017",
        "plate.two_wheeler",
        "trip.illegal_transition",
        "request.too_large",
        "weight.gross_below_net",
        "trip.not_found",
        "container.check_digit",
    ]:
        assert expected in codes


@pytest.mark.parametrize("code", sorted(codes_in_source()))
def test_every_raised_code_has_three_languages(code: str) -> None:
    assert code in i18n.CATALOG, f"no message for {code}"
    texts = i18n.CATALOG[code]
    assert set(texts) >= {"vi", "zh", "en"}
    assert all(texts[lang].strip() for lang in ("vi", "zh", "en"))


@pytest.mark.parametrize("code", sorted(i18n.CATALOG))
def test_placeholders_agree_across_languages(code: str) -> None:
    texts = i18n.CATALOG[code]
    assert placeholders(texts["vi"]) == placeholders(texts["zh"]) == placeholders(texts["en"])


def test_render_fills_params_and_tolerates_missing_ones() -> None:
    msg = i18n.render("weight.gross_below_net", "vi", {"gross": "100", "net": "200"})
    assert "100" in msg and "200" in msg
    assert "{net}" in i18n.render("weight.gross_below_net", "en", {"gross": "1"})
    assert i18n.render("no.such.code", "zh") == i18n.CATALOG["invalid"]["zh"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("vi", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("zh-Hans-CN", "zh"),
        ("en;q=0.5, zh;q=0.9", "zh"),
        ("fr, de", "en"),
        ("*", "en"),
        ("vi;q=0", "en"),
        ("zh;q=abc, vi", "vi"),
        ("x" * 5000, "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected
