"""The `cuakhau` commands a gate board uses: plan a day, import the plant registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from cuakhau.cli import app
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World


def test_plan_shows_capacity_and_booked_trucks(ctx: ServiceContext, world: World, database_url: str) -> None:
    trip_id = world.declare().id
    world.book(trip_id)
    result = CliRunner().invoke(
        app,
        ["plan", "vn-huu-nghi", "--date", "2026-06-02", "--replan", "--database-url", database_url],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "re-planned (optimal)" in result.output
    assert "08:00" in result.output and trip_id[:8] in result.output
    assert "waiting list: 0" in result.output


def test_registry_import_all_or_nothing(tmp_path: Path, database_url: str, engine: Engine) -> None:
    good = tmp_path / "registry.csv"
    good.write_text(
        "kind,code,holder,province,crops,status\n"
        "planting_area,VN-TGOR-0027,HTX Sầu riêng Ngũ Hiệp,Tiền Giang,sầu riêng,active\n"
        "packing_house,VN-TGPH-003,Công ty Đóng gói Cai Lậy,Tiền Giang,sầu riêng,active\n",
        encoding="utf-8",
    )
    ok = CliRunner().invoke(app, ["registry", "import", str(good), "--database-url", database_url])
    assert ok.exit_code == 0, ok.output
    assert "'planting_area': 1" in ok.output and "'packing_house': 1" in ok.output
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,code,holder,province,crops,status\norchard,VN-X-1,a,b,c,active\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "cuakhau", "registry", "import", str(bad), "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "enum.invalid [line 2.kind]" in run.stderr and "orchard" in run.stderr


def test_accounts_create_token_and_disable(ctx: ServiceContext, world: World, database_url: str) -> None:
    from cuakhau.services import accounts

    runner = CliRunner()
    created = runner.invoke(
        app,
        [
            *("accounts", "create", "hq.customs.01", "--role", "customs_officer", "--gate", "vn-huu-nghi"),
            *("--gate", "vn-tan-thanh", "--password-stdin", "--database-url", database_url),
        ],
        input="mật khẩu đủ dài\n",
    )
    assert created.exit_code == 0, created.output
    principal, _ = accounts.login(ctx.uow(), "hq.customs.01", "mật khẩu đủ dài", clock=ctx.clock)
    assert principal.gate_codes == {"vn-huu-nghi", "vn-tan-thanh"}
    exporter = runner.invoke(
        app,
        [
            *("accounts", "create", "erp.hoanghau", "--role", "exporter", "--enterprise", world.exporter.id),
            *("--no-password", "--database-url", database_url),
        ],
    )
    assert exporter.exit_code == 0, exporter.output
    issued = runner.invoke(app, ["accounts", "token", "erp.hoanghau", "--label", "ERP", "--database-url", database_url])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    found = accounts.resolve_token(ctx.uow(), token, clock=ctx.clock)
    assert found is not None and found.enterprise_id == world.exporter.id
    disabled = runner.invoke(app, ["accounts", "disable", "erp.hoanghau", "--database-url", database_url])
    assert disabled.exit_code == 0, disabled.output
    assert accounts.resolve_token(ctx.uow(), token, clock=ctx.clock) is None
    # a bad binding is one red line and exit code 2, not a traceback
    run = subprocess.run(
        [
            *(sys.executable, "-m", "cuakhau", "accounts", "create", "lost.officer", "--role", "border_guard"),
            *("--no-password", "--database-url", database_url),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "account.gate_required" in run.stderr and "Traceback" not in run.stderr


def test_notify_once_delivers_the_outbox(ctx: ServiceContext, world: World, database_url: str) -> None:
    """`cuakhau notify` is the dispatcher in a process of its own (serve with CUAKHAU_NOTIFY_IN_SERVER=false)."""
    world.book(world.declare().id)
    with ctx.uow(read_only=True) as uow:
        pending = uow.outbox.counts()["pending"]
    assert pending >= 1
    result = CliRunner().invoke(app, ["notify", "--once", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert f"sent {pending}," in result.output
    with ctx.uow(read_only=True) as uow:
        counts = uow.outbox.counts()
    # (the round also applies the no-show rule on the system clock, months after the fixtures' day: the
    # booking's no-show notification is new and waits for the next round)
    assert counts["sent"] == pending, (counts, result.output)
