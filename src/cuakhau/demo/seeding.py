"""Demo data: the five real road gate pairs and a plausible day of trucks moving through their stages.

Everything goes through the same use cases as production, driven by a manual clock stepped through the last
24 hours, so every timeline is a real sequence of recorded steps with actors and reasons. Figures follow the
throughput reported for the Lạng Sơn gates (Hữu Nghị takes about twice Tân Thanh's trucks) and the fruit mix
of the harvest season.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from cuakhau.demo.accounts import seed_demo_accounts
from cuakhau.demo.parties import (
    CN_IMPORTERS,
    CN_PLATE_PREFIX,
    VN_EXPORTERS,
    VN_HAULIERS,
    cn_driver,
    cn_truck,
    enterprise,
    registry_code,
    registry_csv,
    vn_driver,
    vn_truck,
)
from cuakhau.demo.trips import progress
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.gate import Direction
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import TERMINAL_STATES, Actor, ActorRole, TripState
from cuakhau.reference.gates import reference_gates
from cuakhau.services import inspections, plant_registry
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.installation import install_reference_gates
from cuakhau.services.notifications import deliver_due

#: Share of the day's trucks by gate (Vietnamese side; the Chinese side mirrors it).
GATE_WEIGHTS = {
    "vn-huu-nghi": 0.34,
    "vn-tan-thanh": 0.18,
    "vn-chi-ma": 0.08,
    "vn-kim-thanh": 0.10,
    "vn-mong-cai": 0.12,
    "cn-youyiguan": 0.07,
    "cn-pozhai": 0.04,
    "cn-aidian": 0.02,
    "cn-hekou": 0.02,
    "cn-dongxing": 0.03,
}

#: Fruit and other goods: (HS code, description, perishability or None, share of VN exports).
EXPORT_GOODS = [
    ("081090", "Thanh long ruột trắng tươi / 鲜火龙果 (白心)", "fresh_produce", 0.30),
    ("081060", "Sầu riêng Ri6 tươi nguyên quả / 鲜榴莲", "fresh_produce", 0.25),
    ("081090", "Vải thiều tươi Lục Ngạn / 鲜荔枝", "fresh_produce", 0.08),
    ("081090", "Nhãn tươi / 鲜龙眼", "fresh_produce", 0.07),
    ("080390", "Chuối tươi Cavendish / 鲜香蕉", "fresh_produce", 0.10),
    ("071410", "Sắn lát khô / 木薯干", "dry_goods", 0.10),
    ("030389", "Cá đông lạnh / 冷冻鱼", "frozen", 0.05),
    ("400122", "Cao su tự nhiên TSNR / 天然橡胶", "dry_goods", 0.05),
]
IMPORT_GOODS = [
    ("310520", "Phân bón NPK / 复合肥", "dry_goods"),
    ("847989", "Máy móc thiết bị / 机械设备", "dry_goods"),
    ("540752", "Vải dệt thoi polyester / 涤纶机织物", "dry_goods"),
    ("080810", "Táo tươi / 鲜苹果", "fresh_produce"),
]

#: Quarantine bays the demo's fruit gates publish (the big Lạng Sơn inspection areas take several trucks at once).
DEMO_QUARANTINE_BAYS = {"vn-huu-nghi": 8, "vn-tan-thanh": 6, "vn-chi-ma": 4, "vn-kim-thanh": 4, "vn-mong-cai": 4}


def seed_demo(ctx: ServiceContext, *, trips: int = 400, seed: int = 2026) -> list[str]:
    """Seed everything; returns printable summary lines."""
    rng = random.Random(seed)
    real_now = ctx.clock.now()
    start = real_now - timedelta(hours=24)
    clock = ManualClock(start - timedelta(days=7))
    demo_ctx = ServiceContext(uow=ctx.uow, clock=clock, nomenclature=ctx.nomenclature)
    gates = reference_gates(years=(real_now.year, real_now.year + 1))
    install_reference_gates(demo_ctx.uow, clock, gates)
    board = Actor("demo:gate-board", ActorRole.GATE_ADMIN)
    for gate in gates:  # the fruit gates publish more quarantine bays than the default two
        bays = DEMO_QUARANTINE_BAYS.get(gate.id)
        if bays:
            inspections.set_resource(
                demo_ctx.uow(),
                clock=clock,
                gate_id=gate.id,
                kind="quarantine_bay",
                capacity=bays,
                service_minutes=gate.inspection_minutes,
                hours=None,
                actor=board,
            )

    exporters = [enterprise(demo_ctx, rng, name, prov, addr, "VN", ["exporter"]) for name, prov, addr in VN_EXPORTERS]
    hauliers = [enterprise(demo_ctx, rng, name, prov, addr, "VN", ["haulier"]) for name, prov, addr in VN_HAULIERS]
    importers = [
        enterprise(demo_ctx, rng, name, prov, addr, "CN", ["importer", "haulier", "exporter"])
        for name, prov, addr in CN_IMPORTERS
    ]
    # One open booking per truck: enough trucks that each trip of the day can hold one.
    vn_trucks = [vn_truck(demo_ctx, rng, rng.choice(hauliers + exporters).id) for _ in range(max(20, trips))]
    cn_trucks = {
        prefix: [cn_truck(demo_ctx, rng, prefix, rng.choice(importers).id) for _ in range(max(10, trips // 4))]
        for prefix in sorted(set(CN_PLATE_PREFIX.values()))
    }
    vn_drivers = [vn_driver(demo_ctx, rng) for _ in range(max(20, trips // 3))]
    cn_drivers = [cn_driver(demo_ctx, rng) for _ in range(max(10, trips // 10))]

    orchards = sorted({registry_code(rng, ["TGOR", "BTOR", "DLOR", "BGOR"], 999) for _ in range(60)})
    packers = sorted({registry_code(rng, ["TGPH", "BTPH", "DLPH"], 300) for _ in range(25)})
    plant_registry.import_registry(demo_ctx.uow(), clock=clock, text=registry_csv(orchards, packers))
    states: Counter[str] = Counter()
    # A truck and a driver are on one open trip at a time: each trip takes free ones, more are hired when none is.
    busy: set[str] = set()

    def free(pool: list[str], first: int, hire: Callable[[], str]) -> str:
        for k in range(len(pool)):
            candidate = pool[(first + k) % len(pool)]
            if candidate not in busy:
                return candidate
        pool.append(hire())
        return pool[-1]

    all_states = list(TripState)
    gate_ids = list(GATE_WEIGHTS)
    weights = [GATE_WEIGHTS[g] for g in gate_ids]
    for i in range(trips):
        gate_id = rng.choices(gate_ids, weights)[0]
        on_vn_side = gate_id.startswith("vn-")
        # Vietnamese gates mostly see fruit going out; Chinese gates mostly see it coming in.
        fruit_flow = rng.random() < 0.8
        direction = Direction.EXPORT if fruit_flow == on_vn_side else Direction.IMPORT
        if fruit_flow:
            hs, desc, kind, _ = rng.choices(EXPORT_GOODS, [g[3] for g in EXPORT_GOODS])[0]
            exporter = rng.choice(exporters)
            consignee = rng.choice(CN_IMPORTERS)[0]
            consignee_country = "CN"
        else:
            hs, desc, kind = rng.choice(IMPORT_GOODS)
            exporter = rng.choice(importers)
            consignee = rng.choice(VN_EXPORTERS)[0]
            consignee_country = "VN"
        if on_vn_side:
            vehicle_id = free(vn_trucks, i, lambda: vn_truck(demo_ctx, rng, rng.choice(hauliers + exporters).id))
            driver_id = free(vn_drivers, rng.randrange(len(vn_drivers)), lambda: vn_driver(demo_ctx, rng))
        else:
            prefix = CN_PLATE_PREFIX[gate_id]
            pool = cn_trucks[prefix]
            vehicle_id = free(pool, i, functools.partial(cn_truck, demo_ctx, rng, prefix, rng.choice(importers).id))
            driver_id = free(cn_drivers, rng.randrange(len(cn_drivers)), lambda: cn_driver(demo_ctx, rng))
        # The first trips walk to each stage in turn, so every stage is on show; the rest take their chances.
        target = all_states[i] if i < len(all_states) else None
        declared_at = start + timedelta(minutes=rng.uniform(0, 60 if target else 20 * 60))
        clock.set(declared_at)
        net = rng.randrange(12_000, 28_000, 100)
        plant = hs.startswith(("07", "08"))
        shipment = {
            "exporter_id": exporter.id,
            "consignee_name": consignee,
            "consignee_country": consignee_country,
            # a certificate covers one consignment: numbered in turn
            "phytosanitary_certificate_no": f"VN-PC-{real_now.year}-{i + 1:06d}" if plant else None,
            "lines": [
                {
                    "hs_code": hs,
                    "description": desc,
                    "net_kg": net,
                    "gross_kg": net + rng.randrange(600, 2_400, 50),
                    "packages": net // 18,
                    "value": rng.randrange(8_000, 60_000, 10),
                    "currency": "USD",
                    "perishability": kind,
                    "planting_area_code": rng.choice(orchards) if plant else None,
                    "packing_house_code": rng.choice(packers) if plant else None,
                }
            ],
        }
        trip_id = trip_service.declare_trip(
            demo_ctx.uow(),
            demo_ctx.nomenclature,
            clock=clock,
            gate_id=gate_id,
            direction=direction.value,
            vehicle_id=vehicle_id,
            driver_id=driver_id,
            shipment=shipment,
        ).id
        # The demo's exporter account books in the browser: its enterprise is never suspended, whatever the date.
        spare = exporter is exporters[0]
        reached = progress(demo_ctx, clock, rng, trip_id, gate_id, real_now, target, no_show=not spare)
        states[reached] += 1
        if TripState(reached) not in TERMINAL_STATES:
            busy.update((vehicle_id, driver_id))
    # The day's notifications are history by now: count them as delivered, so a fresh server sends only news.
    while deliver_due(demo_ctx.uow, _Delivered(), ManualClock(real_now), limit=500).sent:
        pass
    seed_demo_accounts(demo_ctx, exporter_id=exporters[0].id, driver_id=vn_drivers[0])
    ctx_summary = [
        f"{len(gates)} gates in {len(gates) // 2} pairs",
        f"{len(exporters) + len(hauliers) + len(importers)} enterprises, "
        f"{len(vn_trucks) + sum(map(len, cn_trucks.values()))} vehicles, {len(vn_drivers) + len(cn_drivers)} drivers",
        f"{trips} trips: " + ", ".join(f"{s} {states[s]}" for s in TripState if states[s]),
    ]
    return ctx_summary


class _Delivered:
    def send(self, notification: Notification) -> None:
        return None
