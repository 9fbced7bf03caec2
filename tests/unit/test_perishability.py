"""The perishability profiles: every class described once and completely, and a new class reaching every consumer
(planner, call-forward, inspection queue, customs, dashboard, simulator, page labels) from one module."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import cuakhau
from cuakhau.adapters.db import tables
from cuakhau.adapters.web.pages.i18n import BABEL_LOCALES, LANGUAGES, po_path, translations
from cuakhau.adapters.web.pages.render import environment
from cuakhau.domain.perishability import (
    MAX_VALUE_LENGTH,
    PROFILES,
    Perishability,
    PerishabilityProfile,
    build_profiles,
)

SRC = Path(cuakhau.__file__).parent
FIELDS = {f.name: f.type for f in dataclasses.fields(PerishabilityProfile)}


def macro(language: str, value: str) -> str:
    """What a page shows for the class ``value`` (the ``perishability_name`` macro, in ``language``)."""
    page = environment(language).from_string('{% import "_macros.html" as m %}{{ m.perishability_name(p) }}')
    return page.render(p=value).strip()


def test_every_class_has_one_profile_with_every_figure() -> None:
    assert list(PROFILES) == list(Perishability)
    for kind in Perishability:
        p = PROFILES[kind]
        assert p.kind is kind and p.urgency == list(Perishability).index(kind)
        assert set(FIELDS) == {"kind", "weight", "perishable", "wait_bound", "customs_risk", "spoil_per_hour", "label"}
        assert isinstance(p.weight, int) and p.weight >= 1
        assert isinstance(p.perishable, bool)
        assert isinstance(p.wait_bound, timedelta) and p.wait_bound > timedelta(0)
        assert 0.0 <= p.customs_risk <= 1.0 and 0.0 <= p.spoil_per_hour <= 1.0
        assert p.label.strip() and len(kind.value) <= MAX_VALUE_LENGTH
    # the published order: live animals first, dry goods last, weights falling with urgency
    assert [PROFILES[k].weight for k in sorted(Perishability, key=lambda k: k.urgency)] == [10, 8, 5, 3, 1]
    assert [k for k in Perishability if not PROFILES[k].perishable] == [Perishability.DRY_GOODS]


def test_the_values_fit_the_storage_columns() -> None:
    for table in (tables.shipments, tables.cargo_lines):
        assert table.c.perishability.type.length == MAX_VALUE_LENGTH


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_is_in_the_catalog_and_shown_by_the_pages(language: str) -> None:
    with open(po_path(language), "rb") as f:
        catalog = read_po(f, locale=BABEL_LOCALES[language])
    for kind, p in PROFILES.items():
        message = catalog.get(p.label)
        assert message is not None and message.string and not message.fuzzy, (language, p.label)
        if language != "en":
            assert message.string != p.label
        assert macro(language, kind.value) == translations(language).gettext(p.label) == message.string
    assert macro(language, "not_a_class") == "not_a_class"


def _profile(kind: Perishability, weight: int, **changes: object) -> PerishabilityProfile:
    base = dataclasses.replace(PROFILES[kind], weight=weight)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profiles", "message"),
    [
        (list(PROFILES.values())[:-1], "missing \\['dry_goods'\\]"),
        ([*PROFILES.values(), PROFILES[Perishability.FROZEN]], "two profiles"),
        ([_profile(k, 5) if k is Perishability.FROZEN else p for k, p in PROFILES.items()], "fall strictly"),
        ([_profile(k, 0) if k is Perishability.DRY_GOODS else p for k, p in PROFILES.items()], "weight below 1"),
        (
            [
                _profile(k, p.weight, wait_bound=timedelta(0)) if k is Perishability.CHILLED else p
                for k, p in PROFILES.items()
            ],
            "wait bound",
        ),
        (
            [_profile(k, p.weight, customs_risk=1.5) if k is Perishability.FROZEN else p for k, p in PROFILES.items()],
            "customs risk",
        ),
        (
            [
                _profile(k, p.weight, spoil_per_hour=-0.1) if k is Perishability.FROZEN else p
                for k, p in PROFILES.items()
            ],
            "spoilage",
        ),
        ([_profile(k, p.weight, label=" ") if k is Perishability.FROZEN else p for k, p in PROFILES.items()], "label"),
        (
            [_profile(k, p.weight, label="chilled") if k is Perishability.FROZEN else p for k, p in PROFILES.items()],
            "differ",
        ),
    ],
)
def test_an_incomplete_or_inconsistent_description_is_refused(
    profiles: list[PerishabilityProfile], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_profiles(profiles)


#: Where a class may still be named outside its profile: the HS code's published default class (a rule by HS
#: heading, not a table by class) and sample data.
NAMED_ELSEWHERE = {
    "domain/perishability.py",
    "domain/shipment.py",
    "demo/seeding.py",
    "demo/exchange.py",
    "adapters/exchange/examples.py",
}


def test_no_other_module_describes_a_class() -> None:
    """Every table by class is gone: no source file or template names a class except those above."""
    values = "|".join(k.value for k in Perishability)
    names = "|".join(k.name for k in Perishability)
    pattern = re.compile(rf"Perishability\.({names})\b|[\"']({values})[\"']")
    found = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in {".py", ".html", ".js"} or path.relative_to(SRC).as_posix() in NAMED_ELSEWHERE:
            continue
        found += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in pattern.finditer(path.read_text("utf-8"))]
    assert found == []


# ------------------------------------------------------------------------------------------ a new class

NEW_MEMBER = '    CUT_FLOWERS = "cut_flowers"  # hoa cắt cành / 鲜切花\n'
NEW_PROFILE = """        PerishabilityProfile(
            Perishability.CUT_FLOWERS,
            weight=7,
            perishable=True,
            wait_bound=90 * _M,
            customs_risk=0.45,
            spoil_per_hour=0.008,
            label="cut flowers",
        ),
"""
NEW_LABELS = {"vi": "hoa cắt cành", "zh": "鲜切花", "en": "cut flowers"}

#: Run in the copy: each consumer, given a truck or a cargo of the new class, without any other edit.
PROBE = r"""
import json
from datetime import UTC, datetime, timedelta
from importlib import resources

from cuakhau.adapters.web.pages.render import environment
from cuakhau.domain.callforward import DEFAULT_CALL_RULE, CallQueue, Waiting, assign_lanes
from cuakhau.domain.customs import SelectivityProfile
from cuakhau.domain.gate import Direction, Lane, LaneKind
from cuakhau.domain import perishability
from cuakhau.domain.perishability import PROFILES, Perishability
from cuakhau.simulation.gatemodel import cargo_kinds, customs_profile, simulate
from cuakhau.simulation.scenario import parse_scenario

new = Perishability("cut_flowers")
out = {"module": perishability.__file__, "urgency": new.urgency, "weight": PROFILES[new].weight}

# Call-forward: the new class is perishable and weighs 7, so it goes before a chilled truck that came earlier,
# and a perishable lane takes it before the dry truck at the head of nothing heavier.
t0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
yard = [
    Waiting("dry", Perishability.DRY_GOODS, None, t0),
    Waiting("chilled", Perishability.CHILLED, None, t0),
    Waiting("flowers", new, None, t0 + timedelta(minutes=5)),
]
lanes = [Lane("C1", Direction.EXPORT, LaneKind.CARGO), Lane("P1", Direction.EXPORT, LaneKind.PERISHABLE)]
out["calls"] = [(c.trip_id, c.lane) for c in assign_lanes(yard, lanes)]
out["reason"] = assign_lanes(yard, lanes[1:])[0].reason
queue = CallQueue(t0 + timedelta(days=1))
for w in yard:
    queue.push(w.trip_id, w.perishability, None, w.queued_since, w.trip_id)
out["queue"] = [(trip, lane.code) for lane, trip in queue.call(lanes)]
out["published_weights"] = DEFAULT_CALL_RULE.as_dict()["perishability_weights"]

# Customs: the default selectivity profile holds the class's risk.
out["customs_risk"] = SelectivityProfile().perishability_risk[new]

# Simulator and its booking planner: a cargo of the new class, booked by the optimal planner.
text = (resources.files("cuakhau.simulation") / "scenarios" / "tan-thanh-fruit-peak.yaml").read_text("utf-8")
text = text.replace("          perishability: dry_goods", "          perishability: cut_flowers")
scenario = parse_scenario(text).scenario
scenario = scenario.model_copy(update={"days": 3, "warmup_days": 1})
spec = scenario.gates[0]
kinds = cargo_kinds(scenario, spec, customs_profile(scenario), datetime(2026, 6, 1, tzinfo=UTC))
flowers = next(k for k in kinds if k.perishability is new)
out["sim_kind"] = {"weight": flowers.weight, "spoil_per_hour": flowers.spoil_per_hour}
out["sim_default_spoilage"] = scenario.spoilage.per_hour[new]
booking = next(i for i, p in enumerate(scenario.policies) if p.booking.value == "optimal")
figures = simulate(scenario, scenario.policies[booking], 0)
out["sim_crossed"] = figures["throughput_per_day"] > 0

# Pages: the label in each language.
out["labels"] = {
    lang: environment(lang)
    .from_string('{% import "_macros.html" as m %}{{ m.perishability_name("cut_flowers") }}')
    .render()
    .strip()
    for lang in ("vi", "zh", "en")
}
out["wait_bound_minutes"] = PROFILES[new].wait_bound / timedelta(minutes=1)
print(json.dumps(out))
"""


def _copy_with_a_new_class(root: Path) -> Path:
    """The package copied (Python sources and data, never a compiled module) with one new class: an edit of
    ``domain/perishability.py`` and the three catalogs only."""
    copy = root / "cuakhau"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.pyc"))
    module = copy / "domain" / "perishability.py"
    text = module.read_text("utf-8")
    anchors = (
        ('    CHILLED = "chilled"', NEW_MEMBER + '    CHILLED = "chilled"'),
        (
            "        PerishabilityProfile(\n            Perishability.CHILLED,",
            NEW_PROFILE + "        PerishabilityProfile(\n            Perishability.CHILLED,",
        ),
        ("_H = timedelta(hours=1)\n", "_H = timedelta(hours=1)\n_M = timedelta(minutes=1)\n"),
    )
    for anchor, replacement in anchors:
        assert text.count(anchor) == 1, anchor
        text = text.replace(anchor, replacement)
    module.write_text(text, "utf-8")
    for language, label in NEW_LABELS.items():
        po = copy / "adapters" / "web" / "locale" / language / "LC_MESSAGES" / "messages.po"
        po.write_text(po.read_text("utf-8") + f'\nmsgid "cut flowers"\nmsgstr "{label}"\n', "utf-8")
    return root


def test_a_new_class_reaches_every_consumer_from_one_module_and_the_catalogs(tmp_path: Path) -> None:
    root = _copy_with_a_new_class(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(out["module"]).is_relative_to(root)  # the copy ran, not an installed package
    assert out["urgency"] == 2 and out["weight"] == 7  # declared between fresh produce and chilled
    # call-forward: heavier than chilled; the perishable lane first takes the heaviest perishable truck
    assert out["calls"] == [["flowers", "P1"], ["chilled", "C1"]]
    assert out["queue"] == out["calls"]
    assert "cut_flowers (weight 7)" in out["reason"]
    assert out["published_weights"]["cut_flowers"] == 7
    assert out["customs_risk"] == 0.45
    assert out["sim_kind"] == {"weight": 7, "spoil_per_hour": 0.008} and out["sim_default_spoilage"] == 0.008
    assert out["sim_crossed"] is True
    assert out["labels"] == NEW_LABELS
    assert out["wait_bound_minutes"] == 90
