"""Scenario files: the shipped examples load; every mistake names its line and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cuakhau import i18n
from cuakhau.simulation.scenario import ScenarioInvalid, example_scenarios, load_scenario, parse_scenario

SMALL = """\
name: small
start: 2026-06-01
days: 3
gates:
  - gate: vn-tan-thanh
    arrivals:
      per_day: 100
      cargo:
        - {name: dragon fruit, hs: "081090", share: 1}
policies:
  - name: a
"""


def test_shipped_examples_load() -> None:
    examples = example_scenarios()
    assert {"tan-thanh-fruit-peak.yaml", "five-gates-year.yaml"} <= set(examples)
    for name, text in examples.items():
        loaded = parse_scenario(text, source=name)
        assert loaded.scenario.policies


def test_tan_thanh_compares_booking_and_longer_hours() -> None:
    s = parse_scenario(example_scenarios()["tan-thanh-fruit-peak.yaml"]).scenario
    assert {p.booking.value for p in s.policies} >= {"none", "optimal"}
    assert any(p.hours is not None and p.hours.closes.hour == 22 for p in s.policies)


def _error(text: str) -> ScenarioInvalid:
    with pytest.raises(ScenarioInvalid) as info:
        parse_scenario(text, source="t.yaml")
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ("      per_day: 100", "      per_day: -5", "gates[0].arrivals.per_day", 7),
        ("      per_day: 100", "      per_dai: 100", "gates[0].arrivals.per_dai", 7),
        ("days: 3", "days: three", "days", 3),
        ('hs: "081090"', 'hs: "999999"', "gates[0].arrivals.cargo[0].hs", 9),
        ("gate: vn-tan-thanh", "gate: vn-nowhere", "gates[0].gate", 5),
        ("  - name: a", "  - name: a\n    booking: sometimes", "policies[0].booking", 12),
    ],
)
def test_errors_name_line_and_field(old: str, new: str, field: str, line: int) -> None:
    err = _error(SMALL.replace(old, new))
    assert err.code == "simulation.scenario_invalid"
    assert err.field == field
    assert err.params["line"] == line
    text = i18n.render(err.code, "vi", err.params)
    assert f"dòng {line}" in text and "t.yaml" in text


def test_yaml_syntax_error_names_line_and_column() -> None:
    err = _error(SMALL.replace("days: 3", "days: [3"))
    assert err.code == "simulation.scenario_yaml"
    assert err.params["line"] >= 3


def test_not_a_mapping_and_unreadable_file(tmp_path: Path) -> None:
    assert _error("- 1\n- 2\n").code == "simulation.scenario_invalid"
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(tmp_path / "missing.yaml")
    assert info.value.code == "simulation.scenario_unreadable"


def test_cross_field_rules() -> None:
    err = _error(SMALL.replace("days: 3", "days: 3\nwarmup_days: 3"))
    assert err.field == "" or err.params["line"] == 1
    err = _error(SMALL + "  - name: a\n")
    assert "differ" in err.params["message"]


@pytest.mark.parametrize(
    "hours",
    ['{opens: "00:00", closes: "24:00"}', "{opens: 00:00, closes: 24:00}", "{open_all_day: true}"],
)
def test_a_gate_open_all_day_can_be_written(hours: str) -> None:
    from cuakhau.simulation.gatemodel import build_gates, epoch_of

    s = parse_scenario(SMALL.replace("  - name: a", f"  - name: a\n    hours: {hours}")).scenario
    here, there = build_gates(s, s.gates[0], s.policies[0])
    start = epoch_of(s)
    for gate in (here, there):
        assert gate.open_intervals(start, start + timedelta(days=3)) == [(start, start + timedelta(days=3))]


def test_hours_need_both_ends_or_all_day() -> None:
    err = _error(SMALL.replace("  - name: a", '  - name: a\n    hours: {opens: "07:00"}'))
    assert err.field.startswith("policies[0].hours")
    err = _error(SMALL.replace("  - name: a", '  - name: a\n    hours: {open_all_day: true, closes: "19:00"}'))
    assert "open_all_day" in err.params["message"]
