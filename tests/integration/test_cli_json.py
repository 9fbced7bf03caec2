"""`cuakhau --version`, and `--json` on the commands whose output a script reads: one JSON document on stdout,
nothing else there (each is parsed with json.loads), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from typer.testing import CliRunner

from cuakhau import __version__
from cuakhau.adapters.db.migrate import head_revision
from cuakhau.cli import app
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_mqtt_listener import Broker, broker  # noqa: F401 (the fixture)


def _json(*args: str, input: str | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), input=input, terminal_width=200)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_version_prints_the_version_and_exits() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cuakhau", "--version"], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout == f"cuakhau {__version__}\n"
    assert CliRunner().invoke(app, ["--version", "db", "current"]).stdout == f"cuakhau {__version__}\n"


def test_db_current_and_upgrade(database_url: str, engine: Engine) -> None:
    head = head_revision()
    assert _json("db", "current", "--json", "--database-url", database_url) == {
        "current": head,
        "head": head,
        "at_head": True,
    }
    assert _json("db", "upgrade", "--json", "--database-url", database_url) == {"revision": head, "head": head}


def test_accounts_create_token_and_disable(ctx: ServiceContext, world: World, database_url: str) -> None:
    from cuakhau.services import accounts

    created = _json(
        *("accounts", "create", "hq.customs.02", "--role", "customs_officer", "--gate", "vn-tan-thanh"),
        *("--gate", "vn-huu-nghi", "--password-stdin", "--json", "--database-url", database_url),
        input="mật khẩu đủ dài\n",
    )
    assert created["username"] == "hq.customs.02" and created["role"] == "customs_officer"
    assert created["gates"] == ["vn-huu-nghi", "vn-tan-thanh"] and created["active"] is True and created["id"]
    issued = _json("accounts", "token", "hq.customs.02", "--label", "ERP", "--json", "--database-url", database_url)
    assert (issued["username"], issued["role"], issued["label"]) == ("hq.customs.02", "customs_officer", "ERP")
    found = accounts.resolve_token(ctx.uow(), issued["token"], clock=ctx.clock)
    assert found is not None and found.username == "hq.customs.02"
    disabled = _json("accounts", "disable", "hq.customs.02", "--json", "--database-url", database_url)
    assert disabled["active"] is False and disabled["id"] == created["id"]


def test_registry_import(tmp_path: Path, database_url: str, engine: Engine) -> None:
    csv = tmp_path / "registry.csv"
    csv.write_text(
        "kind,code,holder,province,crops,status\n"
        "planting_area,VN-TGOR-0027,HTX Sầu riêng Ngũ Hiệp,Tiền Giang,sầu riêng,active\n",
        encoding="utf-8",
    )
    counts = _json("registry", "import", str(csv), "--json", "--database-url", database_url)
    assert counts["planting_area"] == 1


def test_plan(ctx: ServiceContext, world: World, database_url: str) -> None:
    trip_id = world.declare().id
    world.book(trip_id)
    plan = _json("plan", "vn-huu-nghi", "--date", "2026-06-02", "--replan", "--json", "--database-url", database_url)
    assert (plan["gate_id"], plan["direction"], plan["date"]) == ("vn-huu-nghi", "export", "2026-06-02")
    assert plan["replanned"]["policy"] == "optimal"
    assert sum(s["capacity"] for s in plan["slots"]) > 0
    [booking] = plan["bookings"]
    assert booking["trip_id"] == trip_id and booking["slot_start"] in {s["starts_at"] for s in plan["slots"]}


def test_exchange_keys_and_partners(ctx: ServiceContext, world: World, database_url: str) -> None:
    first = _json("exchange", "keygen", "--json", "--database-url", database_url)
    assert first["created"] is True and first["key_id"].startswith("ed25519:") and first["public_key"]
    again = _json("exchange", "keygen", "--json", "--database-url", database_url)
    assert again["created"] is False and again["key_id"] == first["key_id"]
    rotated = _json("exchange", "rotate", "--json", "--database-url", database_url)
    assert rotated["created"] is True and rotated["key_id"] != first["key_id"]
    added = CliRunner().invoke(
        app,
        [
            *("exchange", "peer", "add", "cn-youyiguan", "--url", "http://127.0.0.1:9/api/v1/exchange/inbox"),
            *("--gate", "cn-youyiguan", "--key", f"ed25519:partner={first['public_key']}"),
            *("--database-url", database_url),
        ],
    )
    assert added.exit_code == 0, added.output
    [peer] = _json("exchange", "peer", "list", "--json", "--database-url", database_url)
    assert peer["id"] == "cn-youyiguan" and peer["gates"] == ["cn-youyiguan"]
    assert [k["key_id"] for k in peer["keys"]] == ["ed25519:partner"]
    health = _json("exchange", "health", "--json", "--database-url", database_url)
    assert [p["peer_id"] for p in health["peers"]] == ["cn-youyiguan"]


def test_notify_once(ctx: ServiceContext, world: World, database_url: str) -> None:
    world.book(world.declare().id)
    report = _json("notify", "--once", "--json", "--database-url", database_url)
    assert set(report) == {"sent", "retried", "failed"} and report["sent"] >= 1


def test_gates_install_and_sim_examples(database_url: str, engine: Engine) -> None:
    report = _json("gates", "install", "--json", "--database-url", database_url)
    assert report  # the install report (tests/integration/test_installation.py checks its content)
    examples = _json("sim", "examples", "--json")
    assert examples and all(e["name"].endswith((".yaml", ".yml")) and e["path"] is None for e in examples)


def test_devices_simulate(broker: Broker) -> None:  # noqa: F811 (the fixture imported)
    sent = _json("devices", "simulate", "--port", str(broker.port), "--count", "5", "--rate", "1000", "--json")
    assert sent == {"acknowledged": 5}


def test_exchange_run_once(ctx: ServiceContext, world: World, database_url: str) -> None:
    assert _json("exchange", "keygen", "--json", "--database-url", database_url)["created"] is True
    result = CliRunner().invoke(
        app,
        ["exchange", "run", "--once", "--json", "--database-url", database_url],
        env={"CUAKHAU_EXCHANGE_ID": "vn-huu-nghi"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"delivered": 0, "retried": 0}
