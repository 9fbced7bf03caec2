"""`cuakhau sim run` end to end: a small scenario, JSON out, an HTML report; a bad file is one red line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cuakhau.cli import app

SCENARIO = """\
name: cli test
start: 2026-06-01
days: 3
warmup_days: 1
replications: 2
gates:
  - gate: vn-tan-thanh
    quota: {hourly: 20}
    arrivals:
      per_day: 200
      cargo:
        - {name: dragon fruit, hs: "081090", share: 1}
policies:
  - {name: status quo, call_forward: arrival_order}
  - {name: booking, booking: fcfs}
"""


def test_sim_run_json_and_report(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    report = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["sim", "run", str(path), "--json", "--report", str(report), "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["replications"] == 2
    assert [p["name"] for p in data["policies"]] == ["status quo", "booking"]
    throughput = data["policies"][0]["metrics"]["throughput_per_day"]
    assert throughput["n"] == 2 and throughput["ci_low"] <= throughput["mean"] <= throughput["ci_high"]
    assert "vs_first" in data["policies"][1]["metrics"]["spoilage_usd_per_day"]
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "cli test" in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_sim_run_table_with_replications_override(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(app, ["sim", "run", str(path), "--replications", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1 replications" in result.stdout


def test_bad_scenario_is_one_line_naming_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("per_day: 200", "per_day: lots"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "cuakhau", "sim", "run", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    text = " ".join(proc.stderr.split())  # Rich wraps long lines at the terminal width
    assert "gates[0].arrivals.per_day" in text and "line 10" in text
    assert "Traceback" not in proc.stderr


def test_examples_are_listed_and_copied(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sim", "examples", "--write", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "tan-thanh-fruit-peak.yaml").exists()
