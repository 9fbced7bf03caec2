"""`cuakhau serve` writes its log as JSON lines on standard error, each request's lines with its request id and
account, in one process and in each of several worker processes (uvicorn's log_config is ours); no password."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import free_port, running

pytestmark = pytest.mark.e2e

PASSWORD = "Serve-Logs-Password-31"


def _database(work: Path) -> str:
    url = f"sqlite:///{work / 'logs.db'}"
    for args, stdin in (
        (["db", "upgrade"], None),
        (["accounts", "create", "logs-admin", "--role", "system_admin", "--password-stdin"], f"{PASSWORD}\n"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "cuakhau", *args, "--database-url", url],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=work,
        )
        assert done.returncode == 0, done.stderr
    return url


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_writes_json_lines_with_request_ids(tmp_path: Path, workers: int) -> None:
    url = _database(tmp_path)
    port = free_port()
    env = {"CUAKHAU_DATABASE_URL": url}  # CUAKHAU_LOG_FORMAT unset: JSON, the default of `serve`
    with running(["serve", "--port", str(port), "--workers", str(workers)], cwd=tmp_path, port=port, env=env) as api:
        login = api.post(
            "/api/v1/auth/login",
            json={"username": "logs-admin", "password": PASSWORD},
            headers={"X-Request-ID": "e2e-login-1"},
        )
        assert login.status_code == 200, login.text
        assert login.headers["X-Request-ID"] == "e2e-login-1"
        token = login.json()["token"]
        me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-me-2"})
        assert me.status_code == 200 and me.headers["X-Request-ID"] == "e2e-me-2"
        generated = api.get("/api/v1/gates").headers["X-Request-ID"]
    text = (tmp_path / f"server-{port}.log").read_text()
    lines: list[dict[str, Any]] = []
    for raw in text.splitlines():
        assert raw.startswith("{"), f"not a JSON line: {raw!r}"
        lines.append(json.loads(raw))
    access = {line.get("request_id"): line for line in lines if line["logger"] == "cuakhau.access"}
    assert access["e2e-login-1"]["path"] == "/api/v1/auth/login" and access["e2e-login-1"]["account"] == "logs-admin"
    assert access["e2e-me-2"]["account"] == "logs-admin" and access["e2e-me-2"]["status"] == 200
    assert access[generated]["path"] == "/api/v1/gates" and "account" not in access[generated]
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's own lines, as JSON too
    assert PASSWORD not in text and token not in text
