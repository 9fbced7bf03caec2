"""Booking load test: the full booking path against a bare atomic-update endpoint, side by side, on PostgreSQL.

    python benchmarks/booking_load.py [--clients 32] [--bookings 3000] [--workers 2] [--generator wrk]

Creates a scratch database on the PostgreSQL server (default: the project machines' 127.0.0.1:5432), migrates
it, seeds the reference gates and one declared trip per booking, then starts two servers on 127.0.0.1:

* ``bare``: a FastAPI endpoint that does only the atomic capacity update (``UPDATE slots SET booked = booked+1
  WHERE … AND booked < capacity``), as the issue's reference point;
* ``full``: ``cuakhau serve`` — the bearer token resolved to an exporter account (one indexed lookup, then
  the in-process token cache), the tenant check on the trip, the per-account booking rate limiter, request
  validation, idempotency key, window rules, the conditional update, the booking row, its change record, the
  trip's ``book`` event and the notification outbox, in one transaction.

The load comes from ``--clients`` exporter accounts of the one seeded enterprise (one token each). The booking
rate limit is raised for the run (``CUAKHAU_RATE_BOOKING``) so that it counts every request without refusing
any: the benchmark measures the limiter's cost, not its refusals.

Each gets the same number of bookings from ``--clients`` concurrent clients. The load generator is ``wrk``
(Debian package ``wrk``) with ``booking_load.lua``, which sends each prepared request once: written in C, it
takes little of the 2 cores the servers and PostgreSQL share. ``--generator python`` uses an asyncio client
instead, which takes a core of its own and so understates the servers (ENGINEERING.md: about 2.7 times).
Afterwards it counts overbooked slots (must be 0) and checks that the slot counters equal the active bookings.
With wrk, "CPU ms" is the CPU time the server's processes spent per answered request (from /proc): steadier
than the rates when other work shares the machine.
Traffic goes only to 127.0.0.1 and every phase is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
from sqlalchemy import create_engine, func, select, text

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import make_engine, normalise_url
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.uow import SqlUnitOfWorkFactory
from cuakhau.domain.gate import Direction
from cuakhau.domain.hs import HsNomenclature
from cuakhau.domain.parties import Driver, Enterprise, Vehicle
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import Actor, ActorRole, Trip
from cuakhau.domain.values import make_vn_tax_code
from cuakhau.reference.gates import reference_gates
from cuakhau.services import accounts, equeue

ADMIN_URL = os.environ.get("CUAKHAU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BARE_APP = textwrap.dedent(
    """
    import os
    from datetime import datetime
    from fastapi import FastAPI
    from sqlalchemy import and_, update
    from cuakhau.adapters.db import tables as t
    from cuakhau.adapters.db.engine import make_engine

    def create_app():
        engine = make_engine(os.environ["CUAKHAU_DATABASE_URL"])
        app = FastAPI()

        @app.get("/healthz")
        def healthz():
            return {"status": "ok"}

        @app.post("/book/{gate_id}/{starts_at}")
        def book(gate_id: str, starts_at: datetime):
            with engine.begin() as conn:
                done = conn.execute(
                    update(t.slots)
                    .where(and_(t.slots.c.gate_id == gate_id, t.slots.c.direction == "export",
                                t.slots.c.starts_at == starts_at, t.slots.c.booked < t.slots.c.capacity))
                    .values(booked=t.slots.c.booked + 1)
                ).rowcount
            return {"booked": bool(done)}

        return app
    """
)


def scratch_database() -> str:
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"cuakhau_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return normalise_url(ADMIN_URL).rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str, n: int, now: datetime, users: int, window: datetime) -> tuple[list[str], list[str], datetime]:
    """Gates, one exporter with ``users`` accounts (a token each), and ``n`` declared trips with their own trucks
    (bulk, in a few transactions)."""
    engine = make_engine(url)
    upgrade(engine)
    nomenclature = HsNomenclature.load_default()
    uow = SqlUnitOfWorkFactory(engine, nomenclature)
    with uow() as w:
        for gate in reference_gates(years=(now.year, now.year + 1)):
            w.gates.add(gate)
        exporter = Enterprise.register(
            enterprise_id=uuid.uuid4().hex,
            name="Công ty TNHH Tải thử",
            country="VN",
            tax_id=make_vn_tax_code("010010910"),
            roles=["exporter"],
            created_at=now,
        )
        w.enterprises.add(exporter)
        driver = Driver.register(
            driver_id=uuid.uuid4().hex,
            full_name="Nguyễn Văn Tải",
            document_kind="passport",
            document_number="C1234567",
            nationality="VN",
            created_at=now,
        )
        w.drivers.add(driver)
        shipment = Shipment.create(
            nomenclature,
            shipment_id=uuid.uuid4().hex,
            exporter_id=exporter.id,
            consignee_name="凭祥市果蔬公司",
            consignee_country="CN",
            created_at=now,
            lines=[
                {
                    "hs_code": "400122",
                    "description": "Cao su",
                    "net_kg": 20000,
                    "gross_kg": 21000,
                    "packages": 800,
                    "value": 30000,
                    "currency": "USD",
                    "perishability": "dry_goods",
                }
            ],
        )
        w.shipments.add(shipment)
        w.commit()
    trip_ids = []
    for start in range(0, n, 500):
        with uow() as w:
            for i in range(start, min(n, start + 500)):
                vehicle = Vehicle.register(
                    vehicle_id=uuid.uuid4().hex,
                    plate=f"12C-{i // 100:03d}.{i % 100:02d}",
                    owner_id=exporter.id,
                    created_at=now,
                )
                w.vehicles.add(vehicle)
                trip = Trip.declare(
                    gate_id="vn-huu-nghi",
                    direction=Direction.EXPORT,
                    vehicle_id=vehicle.id,
                    driver_id=driver.id,
                    shipment_id=shipment.id,
                    actor=Actor(exporter.id, ActorRole.EXPORTER),
                    clock=_Fixed(now),
                )
                w.trips.add(trip)
                trip_ids.append(trip.id)
            w.commit()
    # Materialise the day's slots (Hữu Nghị for the full path, Tân Thanh for the bare endpoint) and give them room
    # for every request: both endpoints then measure a booking that takes a place, a write that waits for its
    # commit, rather than a refusal (cheaper on both). The full path also meets a counterpart quota for the day
    # (every booking of the day updates its row) with room for all, so that check is measured too.
    with uow() as w:
        for gate in reference_gates():
            if gate.id in ("vn-huu-nghi", "vn-tan-thanh"):
                days = equeue.local_days(gate, window, window + timedelta(hours=12))
                equeue.ensure_slots(w, gate, Direction.EXPORT, days)
                room = -(-n // 12) if gate.id == "vn-huu-nghi" else 1_000_000
                for h in range(12):
                    w.slots.set_capacity(gate.id, Direction.EXPORT, window + timedelta(hours=h), room, 0)
                if gate.id == "vn-huu-nghi":
                    w.quotas.set_quota(gate.id, Direction.EXPORT, gate.local(window).date().isoformat(), n, 0)
        w.commit()
    tokens = []
    for k in range(users):
        account = accounts.create_account(
            uow(),
            username=f"bench-exporter-{k}",
            password=None,
            role="exporter",
            enterprise_id=exporter.id,
            clock=_Fixed(now),
        )
        tokens.append(accounts.issue_api_token(uow(), account.id, clock=_Fixed(now), label="booking benchmark"))
    engine.dispose()
    return trip_ids, tokens, now


class _Fixed:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def serve(args: list[str], port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx2.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on {port} did not start: {log.read_text()[-2000:]}")


async def load(port: int, requests: list[tuple[str, dict[str, object], dict[str, str]]], clients: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[str, dict[str, object], dict[str, str]]] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                path, body, headers = queue.get_nowait()
                t0 = time.perf_counter()
                r = await client.post(path, json=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        t0 = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(clients))), timeout=600)
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "statuses": statuses,
    }


def load_wrk(
    port: int,
    requests: list[tuple[str, dict[str, object], dict[str, str]]],
    clients: int,
    threads: int,
    seconds: int,
    header: str = "",
    *,
    warmup: bool = False,
) -> dict:
    """Run wrk with ``booking_load.lua`` for ``seconds``, each request at most once, and parse its result.

    ``header`` ("Name: value") goes with every request, e.g. an Authorization header."""
    table = Path(f"/tmp/cuakhau_bench_{port}.tsv")
    with table.open("w") as f:
        for path, body, headers in requests:
            key = headers.get("Idempotency-Key", "-")
            auth = headers.get("Authorization", "-")
            f.write(f"POST\t{path}\t{key}\t{auth}\t{json.dumps(body) if body else '-'}\n")
    script = Path(__file__).with_name("booking_load.lua")
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    try:
        out = subprocess.run(
            [*cmd, f"http://127.0.0.1:{port}", "--", str(table), str(threads), header],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        table.unlink()
    found = re.search(r"^RESULT (.*)$", out, re.MULTILINE)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    fields = dict(item.split("=", 1) for item in found.group(1).split())
    statuses: dict[int, int] = {}
    for part in filter(None, fields["statuses"].split(",")):
        code, n = part.split(":")
        statuses[int(code)] = statuses.get(int(code), 0) + int(n)
    if int(fields["exhausted"]) and not warmup:
        raise SystemExit(f"wrk ran out of prepared requests on port {port}: seed more (--bookings) or run shorter")
    if int(fields["errors"]) - sum(n for c, n in statuses.items() if c > 399) or int(fields["timeouts"]):
        raise SystemExit(f"wrk saw socket errors or timeouts: {found.group(0)}")
    return {
        "rate": int(fields["requests"]) / (int(fields["duration_us"]) / 1e6),
        "p50_ms": int(fields["p50_us"]) / 1000,
        "p99_ms": int(fields["p99_us"]) / 1000,
        "statuses": statuses,
    }


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants so far, from /proc (0 where there is none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children")).split()
    except OSError:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(int(c)) for c in children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--bookings", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ports", type=int, nargs=2, default=(8601, 8602), help="bare and full server ports")
    parser.add_argument("--generator", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (one keeps a core for the servers)")
    parser.add_argument("--seconds", type=int, default=5, help="wrk: how long each endpoint is loaded")
    parser.add_argument(
        "--warmup", type=int, default=400, help="wrk: bookings (own trips) sent to each endpoint first, unmeasured"
    )
    opts = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    # The window: tomorrow's opening hours at Hữu Nghị and Tân Thanh (07:00–19:00 in Vietnam, UTC+7), whatever
    # the time of day the benchmark runs.
    vn_today = (datetime.now(UTC) + timedelta(hours=7)).date()
    window = datetime.combine(vn_today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)  # 07:00 UTC+7
    now = datetime.now(UTC).replace(microsecond=0)
    url = scratch_database()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        warm = opts.warmup if opts.generator == "wrk" else 0
        trip_ids, tokens, now = seed(url, opts.bookings + warm, now, opts.clients, window)
        # the servers import what this script imports (PYTHONPATH may point at another checkout to compare)
        pythonpath = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
        env = {
            "CUAKHAU_DATABASE_URL": url,
            "CUAKHAU_LOG_LEVEL": "warning",
            "PYTHONPATH": pythonpath,
            "CUAKHAU_RATE_BOOKING": f"{opts.bookings}/60",  # counted per account, never refusing in the run
        }
        bare_file = Path(__file__).with_name("_bare_app.py")
        bare_file.write_text(BARE_APP)
        procs.append(
            serve(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "_bare_app:create_app",
                    "--port",
                    str(opts.ports[0]),
                    "--workers",
                    str(opts.workers),
                    "--log-level",
                    "warning",
                ],
                opts.ports[0],
                env,
                Path(f"/tmp/bare-{opts.ports[0]}.log"),
            )
        )
        # The notification dispatcher runs beside the server, in its own process, delivering the outbox the
        # bookings fill (to the log) while they come in: its work is in the measurement, not in the workers.
        procs.append(
            serve(
                [
                    *(sys.executable, "-m", "cuakhau", "serve"),
                    *("--port", str(opts.ports[1]), "--workers", str(opts.workers)),
                ],
                opts.ports[1],
                {**env, "CUAKHAU_NOTIFY_IN_SERVER": "false"},
                Path(f"/tmp/full-{opts.ports[1]}.log"),
            )
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "cuakhau", "notify"],
                env={**os.environ, **env, "CUAKHAU_NOTIFY_POLL_SECONDS": "0.5"},
                stdout=Path("/tmp/notify.log").open("wb"),  # noqa: SIM115 - closed with the process
                stderr=subprocess.STDOUT,
            )
        )
        # Same slots, same order: each booking asks for the day's 12 opening hours.
        slots = [window + timedelta(hours=h) for h in range(12)]
        bare_reqs = [(f"/book/vn-tan-thanh/{slots[i % 12].isoformat()}", {}, {}) for i in range(opts.bookings)]
        full_reqs = [
            (
                f"/api/v1/trips/{trip_id}/booking",
                {
                    "earliest": window.isoformat(),
                    "latest": (window + timedelta(hours=12)).isoformat(),
                    "travel_minutes": 60,
                },
                {"Idempotency-Key": f"bench-{trip_id}", "Authorization": f"Bearer {tokens[i % len(tokens)]}"},
            )
            for i, trip_id in enumerate(trip_ids)
        ]
        if opts.generator == "wrk":
            # wrk loads each endpoint for the same time; each booking (trip) is sent at most once.
            bare_reqs = bare_reqs * 20  # the bare endpoint is cheap: more requests than it can answer in time
            # Warm up both servers alike first (connection pools filled, statements prepared, caches loaded):
            # the figures are the steady state, not the start.
            load_wrk(opts.ports[0], bare_reqs[:warm], opts.clients, opts.wrk_threads, 1, warmup=True)
            load_wrk(opts.ports[1], full_reqs[:warm], opts.clients, opts.wrk_threads, 1, warmup=True)
            bare_reqs, full_reqs = bare_reqs[warm:], full_reqs[warm:]
            cpu = tree_cpu(procs[0].pid)
            bare = load_wrk(opts.ports[0], bare_reqs, opts.clients, opts.wrk_threads, opts.seconds)
            bare["cpu_ms"] = (tree_cpu(procs[0].pid) - cpu) * 1000 / max(1, sum(bare["statuses"].values()))
            cpu = tree_cpu(procs[1].pid)
            full = load_wrk(opts.ports[1], full_reqs, opts.clients, opts.wrk_threads, opts.seconds)
            full["cpu_ms"] = (tree_cpu(procs[1].pid) - cpu) * 1000 / max(1, sum(full["statuses"].values()))
        else:
            bare = asyncio.run(load(opts.ports[0], bare_reqs, opts.clients))
            full = asyncio.run(load(opts.ports[1], full_reqs, opts.clients))
        engine = make_engine(url)
        # One snapshot for every count: requests wrk sent last may still be committing.
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            over = conn.execute(select(func.count()).select_from(t.slots).where(t.slots.c.booked > t.slots.c.capacity))
            overbooked = over.scalar_one()
            active = conn.execute(select(func.count()).select_from(t.bookings).where(t.bookings.c.status == "active"))
            n_active = active.scalar_one()
            held = conn.execute(
                select(func.coalesce(func.sum(t.slots.c.booked), 0)).where(t.slots.c.gate_id == "vn-huu-nghi")
            ).scalar_one()
            bare_taken = conn.execute(
                select(func.coalesce(func.sum(t.slots.c.booked), 0)).where(t.slots.c.gate_id == "vn-tan-thanh")
            ).scalar_one()
        engine.dispose()
        print(
            f"PostgreSQL, {opts.workers} server workers, {opts.clients} clients, "
            + (
                f"wrk for {opts.seconds} s each ({opts.bookings} trips seeded)"
                if opts.generator == "wrk"
                else f"{opts.bookings} bookings each (Python load generator)"
            )
            + f"; load average before: {load_before}"
        )
        print(f"{'endpoint':<8} {'bookings/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7}  statuses")
        for name, r in (("bare", bare), ("full", full)):
            cpu_ms = f"{r['cpu_ms']:>7.2f}" if "cpu_ms" in r else f"{'-':>7}"
            print(f"{name:<8} {r['rate']:>11.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {cpu_ms}  {r['statuses']}")
        print(f"full / bare rate: {full['rate'] / bare['rate']:.2f}")
        print(f"places taken by the bare endpoint: {bare_taken} (warm-up and requests still in flight included)")
        print(
            f"overbooked slots: {overbooked}   active bookings (full path): {n_active}"
            f"   places held in its slot counters: {held}" + ("" if held == n_active else "  MISMATCH")
        )
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        Path(__file__).with_name("_bare_app.py").unlink(missing_ok=True)
        drop_database(url)


if __name__ == "__main__":
    main()
