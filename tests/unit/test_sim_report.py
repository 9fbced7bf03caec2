"""Issue 21 item 9: the report in vi, zh and en; the table and --json carry P(wait), stages and classes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cuakhau.cli import app
from cuakhau.simulation.labels import LANGS, keys, label
from cuakhau.simulation.report import render_html
from cuakhau.simulation.runner import SimulationResult, run_scenario
from cuakhau.simulation.scenario import parse_scenario

SMALL = """\
name: small
start: 2026-06-01
days: 3
warmup_days: 1
gates:
  - gate: vn-tan-thanh
    quota: {hourly: 10}
    arrivals:
      per_day: 150
      cargo:
        - {name: dragon fruit, hs: "081090", share: 0.7}
        - {name: cassava chips, hs: "071410", share: 0.3, perishability: dry_goods}
policies:
  - {name: status quo, call_forward: arrival_order}
  - {name: booking, booking: optimal}
"""


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return run_scenario(parse_scenario(SMALL).scenario, replications=2, workers=1)


def test_every_label_has_three_different_languages() -> None:
    for key in keys():
        words = [label(key, lang) for lang in LANGS]
        assert all(words) and len(set(words)) == 3, key


@pytest.mark.parametrize("lang", LANGS)
def test_html_report_in_each_language(result: SimulationResult, lang: str) -> None:
    html = render_html(result, lang)
    assert f'<html lang="{lang}">' in html
    for key in ("time_all_mean_h", "p_wait.crossing", "stage.documents", "class.fresh_produce", "by_class"):
        assert label(key, lang) in html
    others = [o for o in LANGS if o != lang]
    for key in ("comparison", "stage.quarantine", "class.dry_goods", "footer"):
        for other in others:
            assert label(key, other) not in html, (key, other)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "_" not in text.replace("cuakhau sim run", "")  # no snake_case keys shown to people


def test_cli_table_and_json_report_queueing_figures(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SMALL, encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(app, ["sim", "run", str(path), "--replications", "2", "--workers", "1", "--json"])
    assert out.exit_code == 0, out.output
    metrics = json.loads(out.output)["policies"][0]["metrics"]
    for key in (
        "p_wait.crossing",
        "p_wait.documents.fresh_produce",
        "wait_mean_h.crossing.dry_goods",
        "time_all_mean_h",
    ):
        assert key in metrics and "half_width" in metrics[key], key
    report = tmp_path / "r.html"
    out = runner.invoke(
        app, ["sim", "run", str(path), "--replications", "2", "--workers", "1", "--lang", "zh", "--report", str(report)]
    )
    assert out.exit_code == 0, out.output
    assert label("p_wait.crossing", "zh") in out.output and label("stage.crossing", "zh") in out.output
    assert label("comparison", "zh") in report.read_text(encoding="utf-8")
    out = runner.invoke(app, ["sim", "run", str(path), "--lang", "fr"])
    assert out.exit_code != 0 and "--lang" in out.output
