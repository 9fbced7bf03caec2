"""Accessibility checks in a real browser with axe-core, vendored (``tests/e2e/vendor/axe-core``, see its NOTICE).

The pages' Content-Security-Policy refuses scripts the server did not send, so a context that injects axe must be
opened with ``bypass_csp=True`` (for the test only: the application's policy is unchanged and
``test_browser_csp.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
#: The rules a page must pass: WCAG 2.1 A and AA, and axe's best practices.
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """The axe-core violations on the page as it is now, of the given impacts (each: id, impact, help, the
    selectors of the failing nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    assert page.evaluate("window.axe.version") == AXE_VERSION
    result = page.evaluate(
        "async (tags) => await window.axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(TAGS),
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                ", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]
            ][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list for an assertion message."""
    return "\n".join(f"{v['impact']}: {v['id']} — {v['help']} at {v['nodes']}" for v in violations)
