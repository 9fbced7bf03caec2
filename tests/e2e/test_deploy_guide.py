"""docs/deploy.md, followed literally on a fresh PostgreSQL database: its ``sh deploy`` commands run with bash, its
``sh deploy-background`` commands run as the server and the worker; then an enterprise asks to join over HTTP, the
administrator approves, the invitation reaches the (signed) notification gateway, the enterprise's administrator
sets a password, registers a truck and a driver, declares a trip and books it. The unit files in deploy/ are
checked too (``systemd-analyze verify`` when installed)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cuakhau.adapters.db.engine import normalise_url
from cuakhau.adapters.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.conftest import POSTGRES_URL, _postgres_admin, service_unavailable
from tests.e2e.conftest import free_port
from tests.fixtures.factories import vn_citizen_id, vn_plate, vn_tax_code

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
SECRET = "a-long-random-webhook-secret-for-the-test"
BLOCK = re.compile(r"^```sh ([a-z-]+)\n(.*?)^```$", re.S | re.M)


def blocks(tag: str) -> list[str]:
    found = [body for kind, body in BLOCK.findall(GUIDE.read_text("utf-8")) if kind == tag]
    assert found, f"docs/deploy.md has no ```sh {tag} block"
    return found


class Gateway:
    """The notification gateway: keeps each signed, verified message."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.bad = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = verify_signature(
                    SECRET, self.headers.get(TIMESTAMP_HEADER), body, self.headers.get(SIGNATURE_HEADER), time.time()
                )
                if ok:
                    gateway.messages.append(json.loads(body))
                else:
                    gateway.bad += 1
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.messages:
                if m["kind"] == kind:
                    return m
            time.sleep(0.2)
        raise AssertionError(f"no {kind} message reached the gateway; got {self.messages}, bad {self.bad}")


@pytest.fixture
def fresh_database() -> Iterator[str]:
    admin = _postgres_admin()
    if admin is None:
        service_unavailable("no PostgreSQL for the deployment guide")
    assert admin is not None
    name = f"cuakhau_deploy_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_unit_files_parse() -> None:
    units = [ROOT / "deploy" / n for n in ("cuakhau-web.service", "cuakhau-worker.service")]
    for unit in units:
        parsed = configparser.ConfigParser(strict=False, interpolation=None)
        parsed.optionxform = str  # type: ignore[assignment,method-assign]
        parsed.read_string(unit.read_text("utf-8"))
        assert {"Unit", "Service", "Install"} <= set(parsed.sections()), unit
        command = parsed["Service"]["ExecStart"].split()
        assert command[0].endswith("/cuakhau") and command[1] in ("serve", "worker"), command
        assert parsed["Service"]["EnvironmentFile"] == "/etc/cuakhau/cuakhau.env"
    env = (ROOT / "deploy" / "cuakhau.env.example").read_text("utf-8")
    names = re.findall(r"^(CUAKHAU_[A-Z_]+)=", env, re.M)
    from cuakhau.config import Settings

    assert {n.removeprefix("CUAKHAU_").lower() for n in names} <= set(Settings.model_fields), names
    if shutil.which("systemd-analyze"):
        r = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
        # the cuakhau user and /opt paths need not exist on the test machine; syntax errors must not appear
        assert "Unknown section" not in r.stderr and "Unknown key" not in r.stderr, r.stderr


def test_following_the_guide_gives_a_gate_where_an_enterprise_joins_and_books(
    fresh_database: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    gateway = Gateway()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # the Plant Protection Department's registry, as the guide loads it (two of its rows)
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "kind,code,holder,province,crops,status\n"
        "planting_area,VN-BTOR-0102,HTX Thanh long Hàm Thuận Nam,Bình Thuận,thanh long,active\n"
        "packing_house,VN-BTPH-017,Công ty Đóng gói Thanh long Bình Thuận,Bình Thuận,thanh long,active\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "REGISTRY_CSV": str(registry),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CUAKHAU_DATABASE_URL": fresh_database,
        "CUAKHAU_HOST": "127.0.0.1",
        "CUAKHAU_PORT": str(port),
        "CUAKHAU_PUBLIC_URL": base,
        "CUAKHAU_JOBS_IN_SERVER": "false",
        "CUAKHAU_WEBHOOK_URL": gateway.url,
        "CUAKHAU_WEBHOOK_SECRET": SECRET,
        "ADMIN_USER": "ops.admin",
        "ADMIN_PASSWORD": "a strong first password",
        "ADMIN_CONTACT": "ops@cuakhau.example.vn",
    }
    for script in blocks("deploy"):
        r = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, (script, r.stdout[-2000:], r.stderr[-2000:])
    commands = [line for body in blocks("deploy-background") for line in body.splitlines() if line.strip()]
    assert commands == ["cuakhau serve", "cuakhau worker"]
    procs: list[subprocess.Popen[bytes]] = []
    logs = [open(tmp_path / f"process-{i}.log", "wb") for i in range(len(commands))]  # noqa: SIM115
    try:
        for line, log in zip(commands, logs, strict=True):
            procs.append(
                subprocess.Popen(["bash", "-c", f"exec {line}"], env=env, cwd=tmp_path, stdout=log, stderr=log)
            )
        with httpx2.Client(base_url=base, timeout=30) as http:
            wait_until_ready(http, procs, tmp_path)
            follow_an_enterprise(http, gateway)
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT if p is procs[0] else signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        for log in logs:
            log.close()
    assert time.monotonic() - started < 90


def wait_until_ready(http: httpx2.Client, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                text_ = "\n".join(f.read_text(errors="replace")[-2000:] for f in logs.glob("process-*.log"))
                raise AssertionError(f"a process exited with {p.returncode}:\n{text_}")
        try:
            if http.get("/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not answer")


def follow_an_enterprise(http: httpx2.Client, gateway: Gateway) -> None:
    gates = {g["id"] for g in http.get("/api/v1/gates").json()["items"]}
    assert "vn-huu-nghi" in gates and len(gates) >= 10  # the installed gate pairs, no demo
    # an enterprise asks to join
    ask = {
        "name_vi": "Công ty TNHH Nông sản Lạng Sơn",
        "name_zh": "谅山农产品有限责任公司",
        "country": "VN",
        "tax_id": vn_tax_code(),
        "roles": ["exporter"],
        "contact_name": "Nguyễn Thị Hoa",
        "contact": "hoa@nongsan.example.vn",
        "admin_username": "nslangson",
        "documents": {"business_registration": "4900123456"},
    }
    r = http.post("/api/v1/join-requests", json=ask)
    assert r.status_code == 201, r.text
    # the administrator made on the command line approves it
    admin = login(http, "ops.admin", "a strong first password")
    pending = http.get("/api/v1/join-requests?status=pending", headers=admin).json()["items"]
    assert [p["tax_id"] for p in pending] == [ask["tax_id"]]
    assert http.post(f"/api/v1/join-requests/{pending[0]['id']}/approve", headers=admin).status_code == 200
    # the worker delivers the invitation to the gateway, signed; the link leads to this site
    invite = gateway.wait_for("join_approved")
    assert invite["payload"]["to"] == "hoa@nongsan.example.vn"
    link = urlsplit(invite["payload"]["link"])
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{http.base_url}/password/reset".replace(
        "//password", "/password"
    )
    token = parse_qs(link.query)["token"][0]
    assert http.get(f"/password/reset?token={token}").status_code == 200  # the page greets the account
    password = "mật khẩu của Hoa 2026"
    r = http.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": password})
    assert r.status_code == 204, r.text
    me = login(http, "nslangson", password)
    enterprise = http.get("/api/v1/auth/me", headers=me).json()["enterprise_id"]
    # its administrator registers a truck and a driver, declares a trip and books it
    truck = http.post("/api/v1/vehicles", json={"plate": vn_plate(), "owner_id": enterprise}, headers=me)
    assert truck.status_code == 201, truck.text
    driver = http.post(
        "/api/v1/drivers",
        json={
            "full_name": "Lê Văn Sơn",
            "document_kind": "vn_citizen_id",
            "document_number": vn_citizen_id(),
            "nationality": "VN",
            "employer_id": enterprise,
        },
        headers=me,
    )
    assert driver.status_code == 201, driver.text
    line = {
        "hs_code": "0810.90",
        "description": "Thanh long ruột đỏ / 红心火龙果",
        "net_kg": "18000",
        "gross_kg": "19500",
        "packages": 1200,
        "value": "21600",
        "currency": "USD",
        "planting_area_code": "VN-BTOR-0102",
        "packing_house_code": "VN-BTPH-017",
    }
    shipment = {"exporter_id": enterprise, "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司"}
    trip = http.post(
        "/api/v1/trips",
        json={
            "gate_id": "vn-huu-nghi",
            "direction": "export",
            "vehicle_id": truck.json()["id"],
            "driver_id": driver.json()["id"],
            "shipment": shipment | {"consignee_country": "CN", "lines": [line]},
        },
        headers=me,
    )
    assert trip.status_code == 201, trip.text
    day = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=2)
    window = {
        "earliest": f"{day.isoformat()}T08:00:00+07:00",
        "latest": f"{(day + timedelta(days=1)).isoformat()}T16:00:00+07:00",
        "travel_minutes": 60,
    }
    booked = http.post(
        f"/api/v1/trips/{trip.json()['id']}/booking", json=window, headers=me | {"Idempotency-Key": "deploy-guide-1"}
    )
    assert booked.status_code in (200, 201), booked.text
    assert http.get(f"/api/v1/trips/{trip.json()['id']}/booking", headers=me).status_code == 200


def login(http: httpx2.Client, username: str, password: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
