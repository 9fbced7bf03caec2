"""Gate configuration files (``cuakhau gates export`` / ``import``, services/gate_config_file.py) and the install
that applies them, on SQLite and PostgreSQL: round trip on an empty database, one transaction, errors that name
the field and the line in vi / zh / en."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.tables import metadata
from cuakhau.cli import app as cli
from cuakhau.domain.accounts import Actor, ActorRole
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.gate import Closure, ClosureRule
from cuakhau.services import gate_config_file, inspections
from cuakhau.services.context import ServiceContext
from cuakhau.services.installation import Outcome, export, install, install_reference_gates

BOARD = Actor("board:1", ActorRole.GATE_ADMIN)


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            tb.name: conn.execute(select(func.count()).select_from(tb)).scalar_one()
            for tb in (t.gates, t.gate_lanes, t.gate_closures, t.yards, t.inspection_resources)
        }


def test_export_then_import_on_an_empty_database_gives_the_same_configuration(
    ctx: ServiceContext, engine: Engine
) -> None:
    install_reference_gates(ctx.uow, ctx.clock)
    now = ctx.clock.now()
    # a board's own changes travel too: a suspension, a bridged rule, its laboratory's hours
    with ctx.uow() as uow:
        gate = uow.gates.get("vn-tan-thanh")
        assert gate is not None
        rules = [*gate.closure_rules, ClosureRule("hung_kings", bridge=True, extra_days_after=1)]
        uow.gates.update(replace(gate, closure_rules=rules))
        uow.gates.add_closure(
            "vn-tan-thanh",
            Closure(datetime(2026, 7, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC), "Bão / 台风 / storm"),
        )
        uow.commit()
    inspections.set_resource(
        ctx.uow(),
        clock=ctx.clock,
        gate_id="cn-pozhai",
        kind="laboratory",
        capacity=12,
        service_minutes=600,
        hours={"opens": "08:00", "closes": "17:30", "weekdays": [0, 1, 2, 3, 4, 5], "tz": "Asia/Shanghai"},
        actor=BOARD,
    )
    before = gate_config_file.dump(export(ctx.uow(read_only=True)), now=now)
    assert "hung_kings" in before and "Bão / 台风 / storm" in before and "17:30" in before

    _empty(engine)
    report = install(ctx.uow, ctx.clock, gate_config_file.read(before, source="gates.yaml"))

    assert (report.added, report.changed) == (20, 0)
    assert gate_config_file.dump(export(ctx.uow(read_only=True)), now=now) == before
    as_json = gate_config_file.dump(export(ctx.uow(read_only=True)), "json", now=now)
    _empty(engine)
    install(ctx.uow, ctx.clock, gate_config_file.read(as_json, "json"))
    assert gate_config_file.dump(export(ctx.uow(read_only=True)), "json", now=now) == as_json
    with ctx.uow(read_only=True) as uow:
        tan_thanh = uow.gates.get("vn-tan-thanh")
    assert tan_thanh is not None
    # the rules made this year's and next year's holiday closures: Giỗ Tổ 2027 (Friday 16 April) bridged over the
    # weekend, plus a day: closed from the 16th to the end of Monday the 19th
    [hung] = [c for c in tan_thanh.closures if c.reason.startswith("Giỗ Tổ Hùng Vương 2027")]
    local = (tan_thanh.local(hung.starts_at), tan_thanh.local(hung.ends_at))
    assert (local[0].isoformat(), local[1].isoformat()) == ("2027-04-16T00:00:00+07:00", "2027-04-20T00:00:00+07:00")


def test_a_bad_file_names_the_field_and_the_line_and_writes_nothing(ctx: ServiceContext, engine: Engine) -> None:
    install_reference_gates(ctx.uow, ctx.clock)
    text = gate_config_file.dump(export(ctx.uow(read_only=True)), now=ctx.clock.now())
    _empty(engine)
    lines = text.splitlines()
    # the second gate's third lane (a green lane) gets a kind that does not exist
    second = [i for i, ln in enumerate(lines) if ln.startswith("- id: ")][1]
    lane = [i for i, ln in enumerate(lines) if i > second and ln.startswith("  - {code: ")][2]
    assert "kind: perishable" in lines[lane]
    lines[lane] = lines[lane].replace("kind: perishable", "kind: fresh")
    with pytest.raises(InvalidInput) as info:
        gate_config_file.read("\n".join(lines), source="gates.yaml")
    err = info.value
    assert (err.code, err.field, err.params["line"]) == ("gateconf.not_one_of", "gates[1].lanes[2].kind", lane + 1)
    assert _counts(engine)["gates"] == 0


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (("timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Bangkok"), "gateconf.timezone", "gates[0].timezone"),
        (("holiday: national_day", "holiday: christmas"), "gateconf.holiday", "gates[0].closure_rules[3].holiday"),
        (("capacity: 700", "capacity: -3"), "gateconf.out_of_range", "gates[0].yards[0].capacity"),
        (("  province: Lạng Sơn", "  provence: Lạng Sơn"), "gateconf.unknown_field", "gates[0].provence"),
        (("code: X2,", "code: X1,"), "gateconf.duplicate", "gates[0].lanes[1].code"),
        (("opens: '07:00'", "opens: seven"), "gateconf.not_time", "gates[0].opening_hours[0].opens"),
    ],
)
def test_each_kind_of_mistake_is_reported_at_its_line(
    ctx: ServiceContext, change: tuple[str, str], code: str, field: str
) -> None:
    text = gate_config_file.dump(export_reference(ctx), now=ctx.clock.now())
    bad = text.replace(*change, 1)
    assert bad != text
    with pytest.raises(InvalidInput) as info:
        gate_config_file.read(bad, source="g.yaml")
    assert (info.value.code, info.value.field) == (code, field)
    line = bad.splitlines()[info.value.params["line"] - 1]
    assert change[1] in line or field.rsplit(".", 1)[-1].split("[")[0] in line


def export_reference(ctx: ServiceContext) -> list:  # type: ignore[type-arg]
    from cuakhau.reference.gates import reference_gates
    from cuakhau.services.installation import reference_setups

    return reference_setups(reference_gates(years=()))[:1]


def test_a_domain_error_late_in_the_file_rolls_back_the_gates_before_it(ctx: ServiceContext, engine: Engine) -> None:
    """One transaction: the ninth gate's yard collides in the database; the eight gates before it are not kept."""
    text = gate_config_file.dump(export_reference_all(), now=ctx.clock.now())
    setups = gate_config_file.read(text)
    with ctx.uow() as uow:  # a yard already holding the id of cn-hekou's yard, at another gate: the insert fails
        from cuakhau.reference.gates import reference_gates

        uow.gates.add(reference_gates(years=())[0])
        uow.commit()
    with engine.begin() as conn:
        conn.execute(
            t.yards.insert().values(
                id="cn-hekou:yard-1",
                gate_id="vn-huu-nghi",
                name_vi="x",
                name_zh="x",
                name_en="x",
                capacity=1,
                tariff={"currency": "VND"},
            )
        )
    before = _counts(engine)
    with pytest.raises(Exception):  # noqa: B017 - whatever the database says, nothing is written
        install(ctx.uow, ctx.clock, setups)
    assert _counts(engine) == before


def export_reference_all() -> list:  # type: ignore[type-arg]
    from cuakhau.reference.gates import reference_gates
    from cuakhau.services.installation import reference_setups

    return reference_setups(reference_gates(years=()))


def test_cli_install_reports_a_value_changed_in_the_database(
    ctx: ServiceContext, database_url: str, engine: Engine
) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["gates", "install", "--json", "--database-url", database_url])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["added"] == 20
    again = json.loads(runner.invoke(cli, ["gates", "install", "--json", "--database-url", database_url]).output)
    assert (again["added"], again["changed"]) == (0, 0)
    with engine.begin() as conn:  # by hand (a new revision each: this process keeps the gates it read cached)
        g = t.gates.c
        conn.execute(t.gates.update().where(g.id == "cn-aidian").values(latitude=21.5, inspection_bays=9, revision="a"))
        conn.execute(t.gate_lanes.update().where(t.gate_lanes.c.gate_id == "vn-chi-ma").values(kind="passenger"))
        conn.execute(t.gates.update().where(g.id == "vn-chi-ma").values(revision="b"))
    third = json.loads(runner.invoke(cli, ["gates", "install", "--json", "--database-url", database_url]).output)
    changed = {i["id"]: i["fields"] for i in third["items"] if i["outcome"] == Outcome.CHANGED}
    assert changed == {"cn-aidian": ["latitude", "inspection"], "vn-chi-ma": ["lanes"]}
    last = json.loads(runner.invoke(cli, ["gates", "install", "--json", "--database-url", database_url]).output)
    assert (last["added"], last["changed"], last["unchanged"]) == (0, 0, 20)


def test_cli_export_import_round_trip_and_errors_in_the_chosen_language(
    ctx: ServiceContext, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["gates", "install", "--database-url", database_url]).exit_code == 0
    out = tmp_path / "two.json"
    r = runner.invoke(
        cli,
        [
            "gates",
            "export",
            "--database-url",
            database_url,
            "--format",
            "json",
            "--gate",
            "vn-mong-cai",
            "--gate",
            "cn-dongxing",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    exported = out.read_text(encoding="utf-8")
    assert [g["id"] for g in json.loads(exported)["gates"]] == ["vn-mong-cai", "cn-dongxing"]
    _empty(engine)
    r = runner.invoke(cli, ["gates", "import", str(out), "--json", "--database-url", database_url])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["added"] == 4  # two gates, two yards
    again = runner.invoke(
        cli,
        [
            "gates",
            "export",
            "--database-url",
            database_url,
            "--format",
            "json",
            "--gate",
            "vn-mong-cai",
            "--gate",
            "cn-dongxing",
        ],
    )
    assert again.stdout == exported

    bad = tmp_path / "bad.json"
    bad.write_text(exported.replace('"capacity": 400', '"capacity": "many"', 1), encoding="utf-8")
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if '"many"' in ln)
    for lang, words in (("vi", "dòng"), ("zh", "行"), ("en", "line")):
        r = runner.invoke(cli, ["gates", "import", str(bad), "--lang", lang, "--database-url", database_url])
        assert r.exit_code == 2
        message = " ".join(r.stderr.split())
        assert words in message and str(line) in message and "gates[0].yards[0].capacity" in message, message
