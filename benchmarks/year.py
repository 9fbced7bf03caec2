"""A year of traffic (issue 16): build a PostgreSQL database holding a year of the five gate pairs, then time every
read path a person or the partner uses, and the writes lanes and devices make, through the real HTTP server.

    python benchmarks/year.py --sizes 0.01,0.1,1 [--clients 1,16] [--requests 20] [--json out.json] [--keep]

For each size it:

1. creates the database ``cuakhau_year_<size>`` on the PostgreSQL server (``CUAKHAU_TEST_POSTGRES_URL``'s host,
   default 127.0.0.1:5432), migrates it with the product's migrations and seeds **today** through the product's
   own use cases (``demo.seeding.seed_demo``: the reference gates, their yards and bays, the parties, accounts of
   every role, and ``--today`` trips walked through their stages over the last 24 hours). Today is the same at every
   size: only history grows, so a read path whose cost follows today's queue times the same at every size;
2. bulk-loads (``COPY``) the **history**: ``size`` x 700,000 trips over the ``--days`` (365) before today, each a
   copy of one of today's finished trips (nearly all crossed; some cancelled, no-shows, returned) with every row
   that hangs off it in the schema (events, booking and its changes, shipment and cargo lines, customs, inspection
   jobs, notifications, idempotency key, device reads, yard visit, review items...), new ids and times moved to its
   day and hour (arrivals follow an hourly profile). Device reads are repeated (cameras read a plate many times) to
   about 14 a trip: ~10 million at the full year. Exported trips get their manifest and two outbox messages, and the
   partner's messages their inbox row; every gate-hour of history has its slot. Column lists come from
   ``adapters/db/tables.py``: a table the generator does not place fails the run, so it stays in step;
3. starts ``cuakhau serve`` on 127.0.0.1 against it, with API tokens of the officer, gate administrator, exporter
   and counterpart roles, and measures p50/p95 of each read path with 1 and with 16 concurrent clients, the change
   marker a live dashboard polls (in process, no HTTP route), and the writes (a lane step, a manual device read);
4. prints a Rich table (the sizes side by side) and writes the figures as JSON.

Not part of CI (a smoke test builds a tiny one: tests/integration/test_year_benchmark.py). Drops each database at
the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.table import Table
from sqlalchemy import JSON, Engine, create_engine, select, text

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.engine import normalise_url
from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.db.types import UtcDateTime
from cuakhau.bootstrap import bootstrap
from cuakhau.config import Settings
from cuakhau.demo.seeding import seed_demo
from cuakhau.services import accounts, boards

ADMIN_URL = os.environ.get("CUAKHAU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FULL_YEAR_TRIPS = 700_000
DEVICE_READS_PER_TRIP = 14  # ~10 million device reads at the full year
GATE = "vn-huu-nghi"
console = Console()

#: Tables copied once per history trip, with the column that ties a row to its trip ("trip"), shipment
#: ("shipment") or booking ("booking").
PER_TRIP: dict[str, tuple[str, str]] = {
    "trips": ("id", "trip"),
    "trip_events": ("trip_id", "trip"),
    "shipments": ("id", "shipment"),
    "cargo_lines": ("shipment_id", "shipment"),
    "bookings": ("trip_id", "trip"),
    "booking_changes": ("booking_id", "booking"),
    "notifications": ("trip_id", "trip"),
    "idempotency_keys": ("key", "trip"),
    "device_messages": ("trip_id", "trip"),
    "review_items": ("trip_id", "trip"),
    "yard_visits": ("trip_id", "trip"),
    "lane_calls": ("trip_id", "trip"),
    "customs_decisions": ("trip_id", "trip"),
    "customs_results": ("trip_id", "trip"),
    "inspection_jobs": ("trip_id", "trip"),
    "phyto_checks": ("shipment_id", "shipment"),
    "standby_entries": ("trip_id", "trip"),
    "standby_offers": ("trip_id", "trip"),
}
#: Tables the generator writes itself (history of the exchange and of capacity).
SYNTHESISED = {"exchange_manifests", "exchange_outbox", "exchange_inbox", "exchange_peers", "slots"}
#: Tables today's seeding fills (reference data, parties, accounts, configuration) and history leaves alone.
AS_SEEDED = {
    "gates", "gate_lanes", "gate_closures", "gate_changes", "enterprises", "vehicles", "drivers", "day_quotas",
    "acceptances", "registry_codes", "yards", "customs_selectivity", "inspection_resources", "accounts",
    "auth_tokens", "join_requests", "account_links", "exchange_keys", "exchange_sequences", "exchange_refusals",
    "exchange_incidents", "exchange_incident_events", "scheduled_jobs",
    # the per-gate change counters: kept by triggers as history is copied in (they only need to move)
    "gate_activity",
}  # fmt: skip
#: Final states of history trips and their shares: nearly all crossed.
HISTORY_STATES = {"crossed": 0.93, "cancelled": 0.03, "no_show": 0.02, "returned": 0.02}
#: Share of a day's declarations by local hour (fruit trucks leave orchards at night, gates work by day).
HOURLY = [1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 6, 6, 7, 7, 6, 5, 4, 3, 2, 2, 1, 1]


def check_schema_covered() -> None:
    """Every table of the schema is either copied per trip, synthesised, or left as seeded: a new table must be
    placed here before the benchmark runs."""
    known = set(PER_TRIP) | SYNTHESISED | AS_SEEDED
    missing = sorted(set(t.metadata.tables) - known)
    if missing:
        raise SystemExit(f"benchmarks/year.py does not know where these tables' history comes from: {missing}")


# --- the database ------------------------------------------------------------------------------------------


def server_url(name: str) -> str:
    return normalise_url(ADMIN_URL).rsplit("/", 1)[0] + f"/{name}"


def recreate_database(name: str) -> str:
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url(name)


def drop_database(name: str) -> None:
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Built:
    url: str
    trips: int
    rows: dict[str, int]
    seconds: dict[str, float]
    tokens: dict[str, str] = field(default_factory=dict)


def build(name: str, scale: float, *, today: int = 600, days: int = 365, seed: int = 2026, say: Any = print) -> Built:
    """Create and fill the database ``name``; returns its URL, row counts and API tokens by role."""
    check_schema_covered()
    url = recreate_database(name)
    seconds: dict[str, float] = {}
    platform = bootstrap(Settings(database_url=url, notify_in_server=False))
    try:
        t0 = time.perf_counter()
        upgrade(platform.engine)
        seed_demo(platform.context, trips=today, seed=seed)
        seconds["today (use cases)"] = time.perf_counter() - t0
        tokens = issue_tokens(platform.context)
        t0 = time.perf_counter()
        history = round(FULL_YEAR_TRIPS * scale)
        rows = load_history(platform.engine, history, days=days, rng=random.Random(seed))
        seconds["history (COPY)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        seconds["vacuum analyze"] = time.perf_counter() - t0
        say(f"  {name}: {history:,} history trips, " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    finally:
        platform.close()
    return Built(url, history, rows, seconds, tokens)


def issue_tokens(ctx: Any) -> dict[str, str]:
    """An API token for each role the read paths need (the demo's accounts work at Hữu Nghị)."""
    out = {}
    for role, username in {
        "officer": "demo-customs",
        "admin": "demo-gate-admin",
        "exporter": "demo-exporter",
        "counterpart": "demo-counterpart",
        "guard": "demo-border-guard",
        "system": "demo-admin",
    }.items():
        with ctx.uow(read_only=True) as uow:
            account = uow.accounts.get_by_username(username)
        assert account is not None, username
        out[role] = accounts.issue_api_token(ctx.uow(), account.id, clock=ctx.clock, label="year benchmark")
    return out


# --- history -----------------------------------------------------------------------------------------------


def _rows(conn: Any, table: str, column: str, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    tab = t.metadata.tables[table]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(select(tab).where(tab.c[column].in_(keys))):
        row = dict(r._mapping)
        out[row[column]].append(row)
    return out


def load_templates(engine: Engine) -> list[dict[str, list[dict[str, Any]]]]:
    """Today's finished trips, each with every row that hangs off it: the patterns history is copied from."""
    with engine.connect() as conn:
        trips = [
            dict(r._mapping)
            for r in conn.execute(
                select(t.trips).where(t.trips.c.state.in_(list(HISTORY_STATES))).order_by(t.trips.c.id)
            )
        ]
        ids = [x["id"] for x in trips]
        shipments = [x["shipment_id"] for x in trips]
        by_trip = {name: _rows(conn, name, col, ids) for name, (col, kind) in PER_TRIP.items() if kind == "trip"}
        by_ship = {
            name: _rows(conn, name, col, shipments) for name, (col, kind) in PER_TRIP.items() if kind == "shipment"
        }
        booking_ids = [b["id"] for rows in by_trip["bookings"].values() for b in rows]
        by_booking = {
            name: _rows(conn, name, col, booking_ids) for name, (col, kind) in PER_TRIP.items() if kind == "booking"
        }
    out = []
    for trip in trips:
        bundle: dict[str, list[dict[str, Any]]] = {}
        for name, (_, kind) in PER_TRIP.items():
            if kind == "trip":
                bundle[name] = by_trip[name].get(trip["id"], [])
            elif kind == "shipment":
                bundle[name] = by_ship[name].get(trip["shipment_id"], [])
            else:
                bundle[name] = [
                    r for b in by_trip["bookings"].get(trip["id"], []) for r in by_booking[name].get(b["id"], [])
                ]
        out.append(bundle)
    return out


#: Open statuses a copied row cannot keep in history (the truck is long gone): what it became.
SETTLE = {
    "bookings": ("status", {"active": "used", "waiting": "cancelled"}),
    "inspection_jobs": ("state", {"queued": "withdrawn", "in_progress": "done"}),
    "review_items": ("status", {"open": "resolved"}),
    "notifications": ("status", {"pending": "sent", "failed": "sent"}),
    "lane_calls": ("status", {"called": "done", "at_lane": "done"}),
    "standby_entries": ("status", {"standing_by": "left"}),
}


class Ids:
    """New 32-character ids whose first 12 characters are unique too (device message ids carry that prefix)."""

    def __init__(self, rng: random.Random) -> None:
        self.n = 0
        self.rng = rng

    def __call__(self) -> str:
        self.n += 1
        return f"{0xA00000000000 + self.n:012x}{self.rng.getrandbits(80):020x}"


def copy_bundle(
    bundle: dict[str, list[dict[str, Any]]], delta: timedelta, ids: Ids, reads: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    """One history trip: ``bundle``'s rows with new ids (everywhere they appear, JSON included) and times moved
    by ``delta``."""
    trip = bundle["trips"][0]
    new: dict[str, str] = {}
    for rows in bundle.values():
        for row in rows:
            if "id" in row and isinstance(row["id"], str):
                new[row["id"]] = ids()
    new[trip["shipment_id"]] = new.get(trip["shipment_id"]) or ids()
    prefixes = [(old[:12], value[:12]) for old, value in new.items()]
    micros = int(delta.total_seconds() * 1_000_000)

    def swap(s: str) -> str:
        hit = new.get(s)
        if hit is not None:
            return hit
        for old, value in prefixes:
            if old in s:
                s = s.replace(old, value)
        return s

    for name, rows in bundle.items():
        tab = t.metadata.tables[name]
        settle = SETTLE.get(name)
        for row in rows:
            out: dict[str, Any] = {}
            for col in tab.columns:
                v = row[col.name]
                if v is None:
                    out[col.name] = None
                elif isinstance(col.type, UtcDateTime):
                    out[col.name] = v + delta
                elif isinstance(col.type, JSON):
                    out[col.name] = swap(json.dumps(v, ensure_ascii=False, default=str))
                elif isinstance(v, str):
                    out[col.name] = swap(v)
                else:
                    out[col.name] = v
            if name == "bookings":
                out["requested_seq"] = row["requested_seq"] + micros
            if settle and out.get(settle[0]) in settle[1]:
                out[settle[0]] = settle[1][out[settle[0]]]
            if name == "review_items" and out["resolved_at"] is None:
                out.update(resolved_at=out["created_at"] + timedelta(minutes=20), resolved_by="year-benchmark")
            if name == "yard_visits" and out["exited_at"] is None:
                out.update(exited_at=out["entered_at"] + timedelta(hours=2), exit_origin="device")
            yield name, out
            if name == "device_messages":  # cameras read a plate many times: the repeats, seconds apart
                for k in range(1, reads):
                    yield (
                        name,
                        {**out, "message_id": f"{out['message_id']}~{k}", "at": out["at"] + timedelta(seconds=k)},
                    )


def exchange_rows(trip: dict[str, Any], peer: str, at: datetime, ids: Ids) -> Iterator[tuple[str, dict[str, Any]]]:
    """An exported trip's manifest to the gate across, the two messages that carried it, and the partner's
    confirmation in our inbox."""
    summary = {"direction": trip["direction"], "gate_id": trip["gate_id"], "containers": 0}
    yield "exchange_manifests", {
        "peer_id": peer, "trip_ref": trip["id"], "way": "out", "gate_id": trip["gate_id"], "to_gate_id": peer,
        "plate": "", "summary": json.dumps(summary), "status": "crossed", "reasons": "[]", "created_at": at,
        "updated_at": at + timedelta(hours=3),
    }  # fmt: skip
    for seq, kind in enumerate(("manifest", "crossing"), start=1):
        mid = ids()
        envelope = {"id": mid, "kind": kind, "trip_ref": trip["id"], "seq": seq, "body": summary}
        yield "exchange_outbox", {
            "id": mid, "peer_id": peer, "kind": kind, "trip_ref": trip["id"], "seq": seq,
            "created_at": at + timedelta(hours=3 * (seq - 1)), "envelope": json.dumps(envelope), "status": "delivered",
            "attempts": 1, "next_attempt_at": at, "last_error": None, "delivered_at": at + timedelta(seconds=2),
        }  # fmt: skip
    mid = ids()
    yield "exchange_inbox", {
        "sender": peer, "message_id": mid, "kind": "decision", "gate_id": peer, "trip_ref": trip["id"], "seq": 1,
        "status": "applied", "received_at": at + timedelta(minutes=30), "applied_at": at + timedelta(minutes=30),
        "envelope": json.dumps({"id": mid, "kind": "decision", "trip_ref": trip["id"], "decision": "accepted"}),
    }  # fmt: skip


def load_history(engine: Engine, n: int, *, days: int, rng: random.Random) -> dict[str, int]:
    templates = load_templates(engine)
    if not templates:
        raise SystemExit("today's seeding finished no trip to copy history from: raise --today")
    by_state: dict[str, list[dict[str, list[dict[str, Any]]]]] = defaultdict(list)
    for b in templates:
        by_state[b["trips"][0]["state"]].append(b)
    states = [s for s in HISTORY_STATES if by_state[s]]
    weights = [HISTORY_STATES[s] for s in states]
    with engine.connect() as conn:
        first_today = conn.execute(text("SELECT min(declared_at) FROM trips")).scalar_one()
        first_slot = conn.execute(text("SELECT min(starts_at) FROM slots")).scalar_one()
        gates = {r.id: (r.country, r.counterpart_id) for r in conn.execute(select(t.gates))}
        slot_shape: dict[int, dict[tuple[str, str], tuple[int, int]]] = defaultdict(dict)
        for r in conn.execute(select(t.slots)):
            slot_shape[r.starts_at.hour][(r.gate_id, r.direction)] = (r.capacity, r.inspection_capacity)
        conn.execute(
            t.exchange_peers.insert(),
            [
                {
                    "id": cn,
                    "name": cn,
                    "inbox_url": "http://127.0.0.1:9/api/v1/exchange/inbox",
                    "gates": [cn],
                    "added_at": first_today,
                }
                for gid, (country, cn) in gates.items()
                if country == "VN" and cn
            ],
        )
        conn.commit()
    end = first_today.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=days)
    ids = Ids(rng)
    counts: Counter[str] = Counter()
    booked: Counter[tuple[str, str, datetime]] = Counter()
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        streams: dict[str, list[dict[str, Any]]] = defaultdict(list)

        order = [tab.name for tab in t.metadata.sorted_tables]  # parents before children (foreign keys)

        def flush(force: bool = False) -> None:
            if not force and max(map(len, streams.values()), default=0) < 20_000:
                return
            for name in order:
                rows = streams.get(name)
                if rows:
                    cols = [c.name for c in t.metadata.tables[name].columns]
                    quoted = ", ".join(f'"{c}"' for c in cols)
                    with cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as cp:
                        for row in rows:
                            cp.write_row([row[c] for c in cols])
                    counts[name] += len(rows)
                    rows.clear()

        reads = DEVICE_READS_PER_TRIP
        for _ in range(n):
            pool = by_state[rng.choices(states, weights)[0]]
            bundle = pool[rng.randrange(len(pool))]
            trip0 = bundle["trips"][0]
            day = start + timedelta(days=rng.randrange(days))
            offset = 7 if gates[trip0["gate_id"]][0] == "VN" else 8
            local_hour = rng.choices(range(24), HOURLY)[0]
            when = day.replace(hour=0) + timedelta(hours=local_hour - offset, seconds=rng.randrange(3600))
            when = min(max(when, start), end)
            delta = when - trip0["declared_at"]
            per_read = max(1, round(reads / max(1, len(bundle["device_messages"]))))
            new_trip: dict[str, Any] | None = None
            for name, row in copy_bundle(bundle, delta, ids, per_read):
                streams[name].append(row)
                if name == "trips":
                    new_trip = row
                elif name == "bookings" and row["slot_start"] is not None:
                    booked[(row["gate_id"], row["direction"], row["slot_start"])] += 1
            assert new_trip is not None
            country, across = gates[new_trip["gate_id"]]
            if country == "VN" and across and new_trip["direction"] == "export" and new_trip["state"] == "crossed":
                for name, row in exchange_rows(new_trip, across, when, ids):
                    streams[name].append(row)
            flush()
        # every gate-hour of history has its slot, with what was booked in it
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < min(end, first_slot):
            for (gate, direction), (capacity, inspection) in slot_shape[hour.hour].items():
                used = booked.get((gate, direction, hour), 0)
                streams["slots"].append(
                    {
                        "gate_id": gate,
                        "direction": direction,
                        "starts_at": hour,
                        "ends_at": hour + timedelta(hours=1),
                        "capacity": max(capacity, used),
                        "inspection_capacity": inspection,
                        "booked": used,
                        "booked_inspection": 0,
                    }
                )
            hour += timedelta(hours=1)
            flush()
        flush(force=True)
        raw.commit()
    finally:
        raw.close()
    return dict(counts)


# --- measuring ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path_:
    name: str
    role: str | None  # whose token; None: public
    path: str


def read_paths(url: str) -> list[Path_]:
    """Every read path a person or the partner uses, at Hữu Nghị, with ids picked from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        old = conn.execute(
            text("SELECT id FROM trips WHERE gate_id = :g AND state = 'crossed' ORDER BY declared_at LIMIT 1"),
            {"g": GATE},
        ).scalar_one()
        open_trip = (
            "SELECT id FROM trips WHERE gate_id = :g AND state NOT IN ('crossed', 'cancelled', 'no_show', 'returned') "
            "ORDER BY declared_at DESC LIMIT 1"
        )
        today = conn.execute(text(open_trip), {"g": GATE}).scalar_one()
        plate = conn.execute(
            text("SELECT v.plate FROM trips t JOIN vehicles v ON v.id = t.vehicle_id WHERE t.id = :t"), {"t": today}
        ).scalar_one()
        now = conn.execute(text("SELECT now()")).scalar_one()
    engine.dispose()
    day = (now + timedelta(hours=7)).date().isoformat()
    since = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    until = now.isoformat().replace("+00:00", "Z")
    g = f"/api/v1/gates/{GATE}"
    return [
        Path_("public waits (API)", None, "/api/v1/public/waits"),
        Path_("public wait board (page)", None, "/waits"),
        Path_("dashboard snapshot", "officer", f"/gates/{GATE}/dashboard.json"),
        Path_("dashboard page", "officer", f"/gates/{GATE}/dashboard"),
        Path_("worklist snapshot", "officer", f"/gates/{GATE}/worklist.json"),
        Path_("trips: gate", "officer", f"/api/v1/trips?gate_id={GATE}"),
        Path_("trips: gate+state", "officer", f"/api/v1/trips?gate_id={GATE}&state=arrived"),
        Path_("trips: gate+direction", "officer", f"/api/v1/trips?gate_id={GATE}&direction=export"),
        Path_("trips: gate+plate", "officer", f"/api/v1/trips?gate_id={GATE}&plate={plate}"),
        Path_("trips: gate+declared since", "officer", f"/api/v1/trips?gate_id={GATE}&declared_from={since}"),
        Path_("trips: exporter's own", "exporter", "/api/v1/trips"),
        Path_("trip (today)", "officer", f"/api/v1/trips/{today}"),
        Path_("timeline (a year ago)", "officer", f"/api/v1/trips/{old}/timeline"),
        Path_("stages (today)", "officer", f"/api/v1/trips/{today}/stages"),
        Path_("truck list page", "officer", f"/gates/{GATE}/trucks"),
        Path_("truck page (today)", "officer", f"/gates/{GATE}/trucks/{today}"),
        Path_("plan", "admin", f"{g}/plan?date={day}"),
        Path_("slots", None, f"{g}/slots?date={day}"),
        Path_("yard", "officer", f"{g}/yard"),
        Path_("review queue", "officer", f"{g}/review"),
        Path_("device log", "officer", f"{g}/device-log"),
        Path_("delays", "officer", f"{g}/delays?since={since}&until={until}"),
        Path_("holds", "officer", f"{g}/holds"),
        Path_("inspection queue (quarantine)", "officer", f"{g}/inspection-queues/quarantine_bay"),
        Path_("inspection queue (customs)", "officer", f"{g}/inspection-queues/customs_bay"),
        Path_("trip inspections", "officer", f"/api/v1/trips/{today}/inspections"),
        Path_("exchange health", "admin", "/api/v1/exchange/health"),
        Path_("exchange manifests", "admin", "/api/v1/exchange/manifests"),
    ]


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


async def time_path(
    client: httpx2.AsyncClient, path: Path_, tokens: dict[str, str], clients: int, requests: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {tokens[path.role]}"} if path.role else {}
    times: list[float] = []
    statuses: Counter[int] = Counter()

    async def one_client() -> None:
        for _ in range(requests):
            t0 = time.perf_counter()
            r = await client.get(path.path, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            statuses[r.status_code] += 1

    await client.get(path.path, headers=headers)  # warm the caches a real server would have warm
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return {"p50": statistics.median(times), "p95": pct(times, 0.95), "n": len(times), "status": dict(statuses)}


def time_marker(url: str, n: int) -> dict[str, Any]:
    """The change marker every open live dashboard polls (no HTTP route: measured in process)."""
    platform = bootstrap(Settings(database_url=url))
    try:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            boards.change_marker(platform.context.uow(read_only=True), GATE)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        platform.close()
    return {"p50": statistics.median(times), "p95": pct(times, 0.95), "n": n, "status": {}}


async def time_writes(client: httpx2.AsyncClient, url: str, tokens: dict[str, str], n: int) -> dict[str, Any]:
    """The writes lanes and devices make: a lane step (cleared trucks cross) and an officer's manual device read."""
    engine = create_engine(url)
    with engine.connect() as conn:
        cleared = list(
            conn.execute(
                text("SELECT id, version FROM trips WHERE gate_id = :g AND state = 'cleared' LIMIT :n"),
                {"g": GATE, "n": n},
            )
        )
        plates = list(conn.execute(text("SELECT plate FROM vehicles LIMIT :n"), {"n": n}).scalars())
    engine.dispose()
    headers = {"Authorization": f"Bearer {tokens['guard']}"}  # the border guard lets a truck cross
    out: dict[str, Any] = {}
    lane: list[float] = []
    codes: Counter[int] = Counter()
    for trip_id, version in cleared:
        t0 = time.perf_counter()
        r = await client.post(
            f"/api/v1/trips/{trip_id}/transitions",
            json={"action": "cross", "expected_version": version},
            headers=headers,
        )
        lane.append((time.perf_counter() - t0) * 1000)
        codes[r.status_code] += 1
    if lane:
        out["write: lane step (cross)"] = {
            "p50": statistics.median(lane),
            "p95": pct(lane, 0.95),
            "n": len(lane),
            "status": dict(codes),
        }
    reads: list[float] = []
    codes = Counter()
    headers = {"Authorization": f"Bearer {tokens['officer']}"}
    for k, plate in enumerate(plates):
        t0 = time.perf_counter()
        r = await client.post(
            f"/api/v1/gates/{GATE}/manual-reads",
            json={"checkpoint": "yard_entry", "plate": plate, "note": f"camera down, benchmark {k}"},
            headers=headers,
        )
        reads.append((time.perf_counter() - t0) * 1000)
        codes[r.status_code] += 1
    if reads:
        out["write: manual device read"] = {
            "p50": statistics.median(reads),
            "p95": pct(reads, 0.95),
            "n": len(reads),
            "status": dict(codes),
        }
    return out


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CUAKHAU_DATABASE_URL": url,
        "CUAKHAU_PORT": str(port),
        "CUAKHAU_LOG_LEVEL": "warning",
        "CUAKHAU_JOBS_IN_SERVER": "false",
        "CUAKHAU_NOTIFY_IN_SERVER": "false",
    }
    cmd = [sys.executable, "-m", "cuakhau", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"cuakhau serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("cuakhau serve did not answer /healthz within 60 s")


async def measure(
    built: Built, *, port: int, clients: list[int], requests: int, workers: int, writes: int
) -> dict[str, Any]:
    proc = serve(built.url, port, workers)
    results: dict[str, Any] = {}
    try:
        limits = httpx2.Limits(max_connections=max(clients) + 4)
        async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits) as client:
            for path in read_paths(built.url):
                results[path.name] = {
                    str(c): await time_path(client, path, built.tokens, c, max(1, requests // c) if c > 1 else requests)
                    for c in clients
                }
            results["change marker (in process)"] = {"1": time_marker(built.url, requests * 5)}
            for name, figures in (await time_writes(client, built.url, built.tokens, writes)).items():
                results[name] = {"1": figures}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def report(all_results: dict[str, dict[str, Any]], clients: list[int]) -> None:
    sizes = list(all_results)
    table = Table(title="A year of traffic: p50 / p95 ms (clients)")
    table.add_column("path")
    for size in sizes:
        for c in clients:
            table.add_column(f"{size} x{c}", justify="right")
    names = list(next(iter(all_results.values()))["paths"])
    for name in names:
        cells = []
        for size in sizes:
            per = all_results[size]["paths"].get(name, {})
            for c in clients:
                f = per.get(str(c))
                bad = f and any(s >= 400 for s in f["status"])
                cells.append(f"{f['p50']:.1f} / {f['p95']:.1f}{' !' if bad else ''}" if f else "")
        table.add_row(name, *cells)
    console.print(table)
    for size in sizes:
        rows = all_results[size]["rows"]
        console.print(f"size {size}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(rows.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.01", help="fractions of a year of the five gate pairs, comma-separated")
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--requests", type=int, default=20, help="per path and concurrency (split among clients)")
    parser.add_argument("--today", type=int, default=600, help="trips seeded through the use cases for today")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    load = os.getloadavg()
    all_results: dict[str, dict[str, Any]] = {}
    for size in args.sizes.split(","):
        name = "cuakhau_year_" + size.replace(".", "_")
        console.print(f"[bold]size {size}[/bold]: building {name}")
        built = build(name, float(size), today=args.today, days=args.days, say=console.print)
        try:
            paths = asyncio.run(
                measure(
                    built,
                    port=args.port,
                    clients=clients,
                    requests=args.requests,
                    workers=args.workers,
                    writes=args.writes,
                )
            )
        finally:
            if not args.keep:
                drop_database(name)
        all_results[size] = {
            "history_trips": built.trips,
            "rows": built.rows,
            "build_seconds": built.seconds,
            "paths": paths,
        }
    report(all_results, clients)
    if args.json:
        meta = {"load_average_at_start": load, "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat()}
        args.json.write_text(json.dumps({"meta": meta, "sizes": all_results}, indent=1, default=str))


if __name__ == "__main__":
    main()
