"""`cuakhau db upgrade` and `cuakhau serve` as separate processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import free_port, running

pytestmark = pytest.mark.e2e


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "cuakhau", "serve", "--database-url", url, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "cuakhau db upgrade" in result.stderr


def test_upgrade_then_serve(tmp_path: Path, database_url: str, engine: Engine) -> None:
    """The server process on the session database (already migrated: upgrade is a no-op and says so)."""
    up = subprocess.run(
        [sys.executable, "-m", "cuakhau", "db", "upgrade", "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert up.returncode == 0, up.stderr
    assert "revision" in up.stdout
    made = subprocess.run(
        [
            *(sys.executable, "-m", "cuakhau", "accounts", "create", "ops-admin", "--role", "system_admin"),
            *("--password-stdin", "--database-url", database_url),
        ],
        input="a long enough secret\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    with running(
        ["serve", "--port", str(port)], cwd=tmp_path, port=port, env={"CUAKHAU_DATABASE_URL": database_url}
    ) as api:
        assert api.get("/api/v1/enterprises").status_code == 401
        login = api.post("/api/v1/auth/login", json={"username": "ops-admin", "password": "a long enough secret"})
        assert login.status_code == 200, login.text
        api.headers["Authorization"] = f"Bearer {login.json()['token']}"
        r = api.post(
            "/api/v1/enterprises",
            json={
                "name": "Công ty TNHH Vận tải Đồng Đăng",
                "country": "VN",
                "tax_id": "0100109106",
                "roles": ["haulier"],
            },
        )
        assert r.status_code == 201, r.text
        assert api.get(f"/api/v1/enterprises/{r.json()['id']}").json()["name"] == "Công ty TNHH Vận tải Đồng Đăng"
        bad = api.post(
            "/api/v1/vehicles",
            json={"plate": "29A-433.74", "owner_id": r.json()["id"]},
            headers={"Accept-Language": "vi"},
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "vehicle.type_required"
