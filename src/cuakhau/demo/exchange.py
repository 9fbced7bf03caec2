"""Both sides of one gate pair on one machine: Hữu Nghị (VN) and Youyiguan (CN), each its own database and
server, exchanging signed messages over HTTP on 127.0.0.1 (``cuakhau exchange demo``; also used by the e2e test
to prepare its two server processes)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cuakhau.adapters.db.migrate import upgrade
from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.bootstrap import bootstrap, create_app, server_options
from cuakhau.config import Settings
from cuakhau.domain.clock import Clock
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.domain.values import make_vn_tax_code
from cuakhau.reference.gates import reference_gates
from cuakhau.services import accounts, equeue, plant_registry, registry, trips
from cuakhau.services import exchange as svc
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import get_gate
from cuakhau.services.installation import install_reference_gates

VN, CN = "vn-huu-nghi", "cn-youyiguan"
INBOX = "/api/v1/exchange/inbox"


@dataclass(frozen=True, slots=True)
class Side:
    partner_id: str
    database_url: str
    port: int
    key: dict[str, str]
    token: str  # the API token of this side's exchange desk (a gate administrator at the side's gate)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **extra: Any) -> Settings:
        return Settings(
            database_url=self.database_url,
            port=self.port,
            exchange_id=self.partner_id,
            exchange_gates=[self.partner_id],
            **extra,
        )


def prepare_side(partner_id: str, database_url: str, port: int) -> Side:
    """A migrated database with the reference gates and one signing key."""
    platform = bootstrap(Settings(database_url=database_url))
    try:
        upgrade(platform.engine)
        install_reference_gates(platform.context.uow, platform.context.clock, reference_gates(years=(2026, 2027)))
        key = svc.generate_key(platform.context.uow(), clock=platform.context.clock, scheme=Ed25519Scheme())
        desk = accounts.create_account(
            platform.context.uow(),
            username=f"exchange-desk@{partner_id}",
            password=None,
            role="gate_admin",
            gate_codes=(partner_id,),
            clock=platform.context.clock,
        )
        token = accounts.issue_api_token(
            platform.context.uow(), desk.id, clock=platform.context.clock, label="exchange demo"
        )
    finally:
        platform.close()
    return Side(partner_id, database_url, port, key, token)


def introduce(side: Side, other: Side, *, inbox_url: str | None = None) -> None:
    """``side`` learns where ``other``'s inbox is, which gate it speaks for, and its key."""
    platform = bootstrap(Settings(database_url=side.database_url))
    try:
        svc.add_peer(
            platform.context.uow(),
            clock=platform.context.clock,
            peer_id=other.partner_id,
            inbox_url=inbox_url or other.base + INBOX,
            gates=[other.partner_id],
            keys=[(other.key["key_id"], other.key["public_key"])],
        )
    finally:
        platform.close()


def seed_trips(ctx: ServiceContext, count: int, *, earliest: datetime, hours: int = 6) -> list[str]:
    """``count`` booked export trips of fresh dragon fruit through Hữu Nghị; returns their ids."""
    clock: Clock = ctx.clock
    exporter = registry.register_enterprise(
        ctx.uow(),
        clock=clock,
        name="Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận",
        country="VN",
        tax_id=make_vn_tax_code(f"0{int(time.time() * 1000) % 10**8:08d}"),
        roles=["exporter"],
        address="Hàm Thuận Bắc, Bình Thuận",
    )
    # A fresh demo database: the orchard and packing house of its trucks, as a board imports them.
    if not sum(plant_registry.registry_counts(ctx.uow()).values()):
        plant_registry.import_registry(
            ctx.uow(),
            clock=clock,
            text="kind,code,holder,province,crops,status\n"
            "planting_area,VN-BTOR-0102,HTX Thanh Long Hàm Minh,Bình Thuận,thanh long,active\n"
            "packing_house,VN-BTPH-017,Công ty Hoàng Hậu,Bình Thuận,thanh long,active\n",
        )
    ids = []
    for i in range(count):
        # A driver is on one open trip at a time: each truck has its own.
        driver = registry.register_driver(
            ctx.uow(),
            clock=clock,
            full_name="Nguyễn Văn Hùng",
            document_kind="vn_citizen_id",
            document_number=f"020{(int(time.time()) * 1000 + i) % 10**9:09d}",
            nationality="VN",
        )
        truck = registry.register_vehicle(
            ctx.uow(),
            clock=clock,
            plate=f"12C-{100 + i // 100:03d}.{i % 100:02d}",
            owner_id=exporter.id,
            vehicle_type="truck",
            registration_number=f"12{i:06d}",
        )
        trip = trips.declare_trip(
            ctx.uow(),
            ctx.nomenclature,
            clock=clock,
            gate_id=VN,
            direction="export",
            vehicle_id=truck.id,
            driver_id=driver.id,
            shipment={
                "exporter_id": exporter.id,
                "consignee_name": "广西凭祥友谊果蔬进出口贸易有限公司",
                "consignee_country": "CN",
                "phytosanitary_certificate_no": f"VN-PC-2026-{i:06d}",
                "lines": [
                    {
                        "hs_code": "081090",
                        "description": "Thanh long ruột đỏ tươi / 鲜红心火龙果",
                        "net_kg": "18000",
                        "gross_kg": "19500.5",
                        "packages": 1000,
                        "value": "21600.00",
                        "currency": "USD",
                        "perishability": "fresh_produce",
                        "planting_area_code": "VN-BTOR-0102",
                        "packing_house_code": "VN-BTPH-017",
                    }
                ],
            },
        )
        equeue.book(
            ctx.uow(),
            clock=clock,
            request=equeue.BookingRequest(
                trip_id=trip.id,
                earliest=earliest,
                latest=earliest + timedelta(hours=hours),
                travel_minutes=60,
                actor=Actor(exporter.id, ActorRole.EXPORTER),
                idempotency=equeue.Idempotency("demo", f"demo-{trip.id}", "h"),
            ),
        )
        ids.append(trip.id)
    return ids


def call(method: str, url: str, body: Any = None, *, token: str | None = None) -> Any:
    """A JSON request on 127.0.0.1 (no proxy), as the side's exchange desk when ``token`` is given."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "") -> float:
    """Seconds until ``check()`` held; raises TimeoutError after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"not within {timeout}s: {what}")


class _Server(threading.Thread):
    def __init__(self, settings: Settings) -> None:
        import uvicorn

        super().__init__(daemon=True)
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=settings.port, log_level="warning", **server_options(settings)
        )
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.server.run()

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(15)


def run_pair_demo(directory: Path, *, vn_port: int, cn_port: int, serve: bool, say: Callable[[str], None]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("huu-nghi.db", "youyiguan.db"):
        for suffix in ("", "-wal", "-shm"):
            (directory / f"{name}{suffix}").unlink(missing_ok=True)
    vn = prepare_side(VN, f"sqlite:///{(directory / 'huu-nghi.db').resolve()}", vn_port)
    cn = prepare_side(CN, f"sqlite:///{(directory / 'youyiguan.db').resolve()}", cn_port)
    introduce(vn, cn)
    introduce(cn, vn)
    say(f"[bold]Hữu Nghị (VN)[/bold] {vn.base}  key {vn.key['key_id']}")
    say(f"[bold]Youyiguan (CN)[/bold] {cn.base}  key {cn.key['key_id']}")

    platform = bootstrap(vn.settings())
    try:
        huu_nghi = get_gate(platform.context.uow(read_only=True), VN)
        now = platform.context.clock.now()
        opening = huu_nghi.next_opening(now + timedelta(hours=1)) or now
        earliest = opening.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        [trip_id] = seed_trips(platform.context, 1, earliest=earliest, hours=6)
    finally:
        platform.close()
    servers = [_Server(vn.settings()), _Server(cn.settings())]
    for s in servers:
        s.start()
    try:
        for side in (vn, cn):
            wait_for(lambda side=side: _healthy(side.base), 60, "server start")  # type: ignore[misc]
        booking = call("GET", f"{vn.base}/api/v1/trips/{trip_id}/booking", token=vn.token)
        say(f"\n1. VN books truck {trip_id[:8]} into slot {booking['slot_start_local']}")
        sent = call("POST", f"{vn.base}/api/v1/exchange/manifests", {"trip_id": trip_id}, token=vn.token)
        say(f"2. VN sends the pre-arrival manifest (message {sent['message_id'][:8]}, seq {sent['seq']})")
        took = wait_for(lambda: _manifest(cn, trip_id) is not None, what="manifest at CN")
        m = _manifest(cn, trip_id) or {}
        say(f"3. CN has it after {took:.2f} s: plate {m['plate']}, {m['summary']['lines'][0]['description']}")
        call(
            "POST",
            f"{cn.base}/api/v1/exchange/manifests/{trip_id}/decision",
            {"decision": "accepted", "reasons": []},
            token=cn.token,
        )
        took = wait_for(lambda: (_manifest(vn, trip_id) or {}).get("status") == "accepted", what="decision")
        say(f"4. CN accepts; VN sees the decision after {took:.2f} s (the exporter is notified)")
        slot = booking["slot_start"]
        call(
            "POST",
            f"{cn.base}/api/v1/exchange/capacity",
            {
                "gate_id": CN,
                "closures": [
                    {
                        "starts_at": slot,
                        "ends_at": (datetime.fromisoformat(slot) + timedelta(hours=2)).isoformat(),
                        "reason": "Bảo trì cân / 地磅检修 / weighbridge maintenance",
                    }
                ],
            },
            token=cn.token,
        )
        took = wait_for(
            lambda: call("GET", f"{vn.base}/api/v1/trips/{trip_id}/booking", token=vn.token)["slot_start"] != slot,
            what="re-plan",
        )
        moved = call("GET", f"{vn.base}/api/v1/trips/{trip_id}/booking", token=vn.token)
        say(
            f"5. CN closes for two hours; after {took:.2f} s VN has re-planned: slot {moved['slot_start_local']}"
            f" ({moved['reason']})"
        )
        incident = call(
            "POST",
            f"{cn.base}/api/v1/exchange/incidents",
            {
                "gate_id": CN,
                "kind": "closure",
                "severity": "high",
                "summary": "Cân điện tử hỏng / 地磅故障 / weighbridge down",
            },
            token=cn.token,
        )
        wait_for(lambda: _has_incident(vn, incident["id"]), what="incident at VN")
        call(
            "POST",
            f"{vn.base}/api/v1/exchange/incidents/{incident['id']}/acknowledge",
            {"note": "Đã nhận / 已收到"},
            token=vn.token,
        )
        took = wait_for(
            lambda: (
                call("GET", f"{cn.base}/api/v1/exchange/incidents/{incident['id']}", token=cn.token)["status"]
                == "acknowledged"
            ),
            what="acknowledgement",
        )
        say(f"6. Hotline: CN raises an incident, VN acknowledges; CN sees it {took:.2f} s later")
        for side in (vn, cn):
            h = call("GET", f"{side.base}/api/v1/exchange/health", token=side.token)
            p = h["peers"][0]
            say(f"   {side.partner_id}: delivered {p['delivered']}, backlog {p['backlog']}, received {p['received']}")
        if serve:
            say(f"\nBoth sides keep serving: {vn.base}/docs and {cn.base}/docs (Ctrl-C stops)")
            while True:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for s in servers:
            s.stop()


def _healthy(base: str) -> bool:
    try:
        return bool(call("GET", f"{base}/healthz")["status"] == "ok")
    except OSError:
        return False


def _manifest(side: Side, trip_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = call("GET", f"{side.base}/api/v1/exchange/manifests/{trip_id}", token=side.token)
    except OSError:
        return None
    return found


def _has_incident(side: Side, incident_id: str) -> bool:
    try:
        call("GET", f"{side.base}/api/v1/exchange/incidents/{incident_id}", token=side.token)
    except OSError:
        return False
    return True
