"""`cuakhau exchange` commands: keys (create, rotate, revoke), partners, health, one sender round."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.cli import app
from cuakhau.domain.exchange import SELF
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World

KEY_RE = re.compile(r"--key (ed25519:[0-9a-f]{16})=([A-Za-z0-9_-]{43})")


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_keys_partners_and_health_from_the_command_line(ctx: ServiceContext, world: World, database_url: str) -> None:
    db = ("--database-url", database_url)
    first = KEY_RE.search(run("exchange", "keygen", *db))
    assert first is not None
    again = run("exchange", "keygen", *db)
    assert "exists already" in again and first.group(1) in again
    second = KEY_RE.search(run("exchange", "rotate", *db))
    assert second is not None and second.group(1) != first.group(1)
    run("exchange", "revoke", first.group(1), *db)
    with ctx.uow(read_only=True) as uow:
        assert [(k["key_id"], k["status"]) for k in uow.exchange.keys(SELF)] == [
            (first.group(1), "revoked"),
            (second.group(1), "active"),
        ]
        assert (uow.exchange.signing_key() or {})["key_id"] == second.group(1)

    _, public = Ed25519Scheme().new_keypair()
    partner_key = f"{Ed25519Scheme().key_id(public)}={public}"
    url = "http://127.0.0.1:9/api/v1/exchange/inbox"
    out = run(
        "exchange", "peer", "add", "cn-youyiguan", "--url", url, "--gate", "cn-youyiguan", "--key", partner_key, *db
    )
    assert "partner cn-youyiguan" in out and "1 key(s)" in out
    assert "cn-youyiguan" in run("exchange", "peer", "list", *db)

    bad = CliRunner().invoke(
        app, ["exchange", "peer", "add", "cn-pozhai", "--url", url, "--gate", "cn-pozhai", "--key", "x=nope", *db]
    )
    assert bad.exit_code != 0

    health = json.loads(run("exchange", "health", "--json", *db))
    assert [p["peer_id"] for p in health["peers"]] == ["cn-youyiguan"]
    assert health["peers"][0]["backlog"] == 0 and health["open_incidents"] == 0
    assert "cn-youyiguan" in run("exchange", "health", *db)
