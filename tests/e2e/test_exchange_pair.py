"""Two real servers — Hữu Nghị (VN, SQLite) and Youyiguan (CN, PostgreSQL) — exchanging through fault-injecting
proxies on 127.0.0.1, each side restarted mid-exchange (one killed outright). At the end every message sent by
either side has been applied exactly once by the other, and nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine
from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.demo.exchange import CN, INBOX, VN, Side, introduce, prepare_side, seed_trips
from tests.conftest import _postgres_admin, service_unavailable
from tests.e2e.conftest import free_port
from tests.e2e.faultproxy import FaultProxy
from tests.fixtures.accounts import bearer

pytestmark = pytest.mark.e2e

TRIPS = 12
SEED = 20260602


class Server:
    """``python -m cuakhau serve`` for one side, which the test can kill and start again."""

    def __init__(self, side: Side, cwd: Path) -> None:
        self.side = side
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log = log = open(self.cwd / f"{self.side.partner_id}-{self.starts}.log", "wb")  # noqa: SIM115
        env = {
            **os.environ,
            "CUAKHAU_DATABASE_URL": self.side.database_url,
            "CUAKHAU_EXCHANGE_ID": self.side.partner_id,
            "CUAKHAU_EXCHANGE_GATES": f'["{self.side.partner_id}"]',
            "CUAKHAU_EXCHANGE_POLL_SECONDS": "0.2",
            "CUAKHAU_EXCHANGE_RETRY_FIRST_SECONDS": "0.2",
            "CUAKHAU_EXCHANGE_RETRY_MAX_SECONDS": "1.0",
            "CUAKHAU_EXCHANGE_TIMEOUT_SECONDS": "1.5",
            "CUAKHAU_LOG_LEVEL": "warning",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cuakhau", "serve", "--port", str(self.side.port)],
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.cwd / f"{self.side.partner_id}-{self.starts}.log").read_text()
            try:
                if httpx2.get(f"{self.side.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.side.partner_id} did not start")

    def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None
        if self.log is not None:
            self.log.close()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = httpx2.request(
            method, f"{self.side.base}/api/v1{path}", json=body, timeout=15, headers=bearer(self.side.token)
        )
        assert r.status_code < 300, (path, r.status_code, r.text)
        return r.json()


@pytest.fixture
def cn_database() -> Iterator[str]:
    admin = _postgres_admin()
    if admin is None:
        service_unavailable("no PostgreSQL for the Youyiguan side")
    assert admin is not None
    name = f"cuakhau_cn_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    url = make_url(str(admin.url)).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


def test_every_message_is_applied_exactly_once_through_faults_and_restarts(tmp_path: Path, cn_database: str) -> None:
    started = time.monotonic()
    vn_port, cn_port, to_cn, to_vn = (free_port() for _ in range(4))
    vn = prepare_side(VN, f"sqlite:///{tmp_path / 'huu-nghi.db'}", vn_port)
    cn = prepare_side(CN, cn_database, cn_port)
    introduce(vn, cn, inbox_url=f"http://127.0.0.1:{to_cn}{INBOX}")
    introduce(cn, vn, inbox_url=f"http://127.0.0.1:{to_vn}{INBOX}")
    platform = bootstrap(Settings(database_url=vn.database_url))
    try:
        tomorrow = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        trip_ids = seed_trips(platform.context, TRIPS, earliest=tomorrow)
    finally:
        platform.close()
    plan = {tid: ("accepted", "accepted", "held", "returned")[i % 4] for i, tid in enumerate(trip_ids)}

    vn_server, cn_server = Server(vn, tmp_path), Server(cn, tmp_path)
    with FaultProxy(to_cn, cn_port, seed=SEED) as p_cn, FaultProxy(to_vn, vn_port, seed=SEED + 1) as p_vn:
        vn_server.start()
        cn_server.start()
        try:
            for tid in trip_ids:
                vn_server.call("POST", "/exchange/manifests", {"trip_id": tid})
            closure_from = tomorrow + timedelta(hours=2)
            cn_server.call(
                "POST",
                "/exchange/capacity",
                {
                    "gate_id": CN,
                    "closures": [
                        {
                            "starts_at": closure_from.isoformat(),
                            "ends_at": (closure_from + timedelta(hours=1)).isoformat(),
                            "reason": "Diễn tập phòng cháy / 消防演练 / fire drill",
                        }
                    ],
                },
            )
            incidents = [
                cn_server.call(
                    "POST",
                    "/exchange/incidents",
                    {
                        "gate_id": CN,
                        "kind": kind,
                        "severity": "high",
                        "summary": summary,
                    },
                )["id"]
                for kind, summary in (
                    ("congestion", "Ùn tắc bãi chờ / 堆场拥堵"),
                    ("link_fault", "Mạng chập chờn / 网络不稳定"),
                )
            ]
            decided: set[str] = set()
            crossed: set[str] = set()
            restarted_cn = restarted_vn = False
            deadline = time.monotonic() + 45
            # both sides restart before the loop ends, even when a loaded machine lets the exchange finish early
            while (
                len(crossed) < sum(d == "accepted" for d in plan.values())
                or len(decided) < TRIPS
                or not (restarted_cn and restarted_vn)
            ):
                assert time.monotonic() < deadline, f"decided {len(decided)}, crossed {len(crossed)}"
                arrived = cn_server.call("GET", "/exchange/manifests?way=in&limit=500")["items"]
                for m in arrived:
                    tid = m["trip_ref"]
                    if tid not in decided:
                        verdict = plan[tid]
                        reasons = [] if verdict == "accepted" else ["Thiếu chứng thư / 缺少证书"]
                        cn_server.call(
                            "POST",
                            f"/exchange/manifests/{tid}/decision",
                            {"decision": verdict, "reasons": reasons},
                        )
                        decided.add(tid)
                    if plan[tid] == "accepted" and tid not in crossed:  # right after: both in one send round
                        cn_server.call("POST", f"/exchange/manifests/{tid}/crossing", {})
                        crossed.add(tid)
                if len(decided) >= TRIPS // 2 and not restarted_cn:
                    cn_server.stop(signal.SIGKILL)  # a crash, mid-exchange: no shutdown at all
                    time.sleep(0.5)
                    cn_server.start()
                    restarted_cn = True
                if len(crossed) >= 2 and not restarted_vn:
                    vn_server.stop(signal.SIGTERM)
                    time.sleep(0.5)
                    vn_server.start()
                    restarted_vn = True
                time.sleep(0.2)
            for incident_id in incidents:
                until(lambda i=incident_id: _exists(vn_server, f"/exchange/incidents/{i}"), 30, "incident at VN")
                vn_server.call(
                    "POST",
                    f"/exchange/incidents/{incident_id}/acknowledge",
                    {"note": "Đã nhận / 已收到"},
                )

            def settled() -> bool:
                hv, hc = vn_server.call("GET", "/exchange/health"), cn_server.call("GET", "/exchange/health")
                return all(p["backlog"] == 0 and p["held"] == 0 for p in hv["peers"] + hc["peers"])

            until(settled, 40, "both outboxes empty and nothing held")
            vn_health = vn_server.call("GET", "/exchange/health")
            cn_health = cn_server.call("GET", "/exchange/health")
        finally:
            vn_server.stop()
            cn_server.stop()
        faults_to_cn, faults_to_vn = Counter(p_cn.counts), Counter(p_vn.counts)
    elapsed = time.monotonic() - started

    assert restarted_cn and restarted_vn
    for counts in (faults_to_cn, faults_to_vn):
        assert counts["requests"] > 10
    both = faults_to_cn + faults_to_vn
    for fault in ("drop", "lose_answer", "duplicate", "reorder", "delay"):
        assert both[fault] > 0, both

    vn_db, cn_db = make_engine(vn.database_url), make_engine(cn.database_url)
    try:
        sent_by_vn, got_from_vn = _outbox(vn_db), _inbox(cn_db)
        sent_by_cn, got_from_cn = _outbox(cn_db), _inbox(vn_db)
        # nothing lost: every message written on one side is delivered and applied on the other, once
        assert sent_by_vn["delivered"] == got_from_vn["applied"] and not sent_by_vn["pending"]
        assert sent_by_cn["delivered"] == got_from_cn["applied"] and not sent_by_cn["pending"]
        assert not got_from_vn["held"] and not got_from_cn["held"]
        assert len(sent_by_vn["delivered"]) == TRIPS + len(incidents)
        assert len(sent_by_cn["delivered"]) == TRIPS + len(crossed) + 1 + len(incidents)
        with vn_db.connect() as c:
            out = {r.trip_ref: r.status for r in c.execute(select(t.exchange_manifests))}
            decisions = c.execute(
                select(func.count())
                .select_from(t.notifications)
                .where(t.notifications.c.kind == "counterpart_decision")
            ).scalar_one()
            closures = c.execute(
                select(func.count()).select_from(t.gate_closures).where(t.gate_closures.c.reason.like("%fire drill%"))
            ).scalar_one()
            vn_events = Counter(r.action for r in c.execute(select(t.exchange_incident_events)))
            vn_refusals = {r.code for r in c.execute(select(t.exchange_refusals))}
            waited = _waited(c)
        with cn_db.connect() as c:
            arrived_at_cn = c.execute(
                select(func.count()).select_from(t.exchange_manifests).where(t.exchange_manifests.c.way == "in")
            ).scalar_one()
            cn_incidents = {r.id: r.status for r in c.execute(select(t.exchange_incidents))}
            cn_events = Counter(r.action for r in c.execute(select(t.exchange_incident_events)))
            cn_refusals = {r.code for r in c.execute(select(t.exchange_refusals))}
            waited += _waited(c)
    finally:
        vn_db.dispose()
        cn_db.dispose()
    # the effects, counted: each decision applied once (one notification each), the closure once, …
    assert out == {tid: ("crossed" if d == "accepted" else d) for tid, d in plan.items()}
    assert decisions == TRIPS
    assert closures == 1
    assert arrived_at_cn == TRIPS
    assert cn_incidents == dict.fromkeys(incidents, "acknowledged")
    assert vn_events == {"received": len(incidents), "acknowledged": len(incidents)}
    assert cn_events == {"raised": len(incidents), "acknowledged": len(incidents)}
    # copies that arrived twice were refused as replays (and logged); nothing else was refused
    assert vn_refusals <= {"exchange.replayed"} and cn_refusals <= {"exchange.replayed"}
    assert vn_health["peers"][0]["delivered"] == len(sent_by_vn["delivered"])
    assert cn_health["peers"][0]["received"] == len(got_from_vn["applied"])
    print(
        f"\nexchange e2e: {len(sent_by_vn['delivered'])} VN->CN and {len(sent_by_cn['delivered'])} CN->VN messages "
        f"in {elapsed:.1f} s; {waited} held for an earlier one of their trip; faults {dict(both)}; "
        f"refusals VN {vn_refusals or '-'} CN {cn_refusals or '-'}"
    )


def _waited(conn: Any) -> int:
    """Messages that arrived before an earlier one of their trip and waited for it (held, then applied)."""
    i = t.exchange_inbox
    return int(conn.execute(select(func.count()).select_from(i).where(i.c.applied_at > i.c.received_at)).scalar_one())


def _exists(server: Server, path: str) -> bool:
    return (
        httpx2.get(f"{server.side.base}/api/v1{path}", timeout=5, headers=bearer(server.side.token)).status_code == 200
    )


def _outbox(engine: Engine) -> dict[str, set[str]]:
    o = t.exchange_outbox
    with engine.connect() as c:
        rows = c.execute(select(o.c.id, o.c.status)).all()
    return {s: {r.id for r in rows if r.status == s} for s in ("delivered", "pending")}


def _inbox(engine: Engine) -> dict[str, set[str]]:
    i = t.exchange_inbox
    with engine.connect() as c:
        rows = c.execute(select(i.c.message_id, i.c.status)).all()
    return {s: {r.message_id for r in rows if r.status == s} for s in ("applied", "held")}


def test_the_pair_demo_shows_a_manifest_cross_and_a_decision_return(tmp_path: Path) -> None:
    ports = ["--vn-port", str(free_port()), "--cn-port", str(free_port())]
    result = subprocess.run(
        [sys.executable, "-m", "cuakhau", "exchange", "demo", "--dir", str(tmp_path), "--no-serve", *ports],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in ("2. VN sends the pre-arrival manifest", "3. CN has it after", "4. CN accepts; VN sees the decision"):
        assert step in out, out
    assert "5. CN closes for two hours" in out and "VN has re-planned" in out
    assert "6. Hotline" in out
    assert "vn-huu-nghi: delivered 2, backlog 0, received 3" in out
    assert "cn-youyiguan: delivered 3, backlog 0, received 2" in out
