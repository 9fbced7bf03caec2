"""Demo data: the five real road gate pairs and a plausible day of trucks moving through their stages.

Everything goes through the same use cases as production, driven by a manual clock stepped through the last
24 hours, so every timeline is a real sequence of recorded steps with actors and reasons. Figures follow the
throughput reported for the Lạng Sơn gates (Hữu Nghị takes about twice Tân Thanh's trucks) and the fruit mix
of the harvest season.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from cuakhau.domain.accounts import Role
from cuakhau.domain.booking import Booking
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.devices import Checkpoint, PlateRead, WeighbridgeReading
from cuakhau.domain.errors import Conflict
from cuakhau.domain.gate import Direction, Gate
from cuakhau.domain.inspection import InspectionJob
from cuakhau.domain.notification import Notification
from cuakhau.domain.parties import Vehicle
from cuakhau.domain.shipment import Shipment
from cuakhau.domain.trip import (
    REASON_REQUIRED,
    TRANSITIONS,
    Actor,
    ActorRole,
    TripAction,
    TripState,
    allowed_actions,
)
from cuakhau.domain.values import make_cn_uscc, make_vn_tax_code
from cuakhau.reference.gates import reference_gates
from cuakhau.reference.yards import reference_yards
from cuakhau.services import accounts, equeue, gate_ops, inspections, plant_registry, registry
from cuakhau.services import trips as trip_service
from cuakhau.services.context import ServiceContext
from cuakhau.services.gate_ops import DeviceOutcome
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

VN_EXPORTERS = [
    ("Công ty TNHH Xuất nhập khẩu Nông sản Tiền Giang", "63", "Mỹ Tho, Tiền Giang"),
    ("Công ty Cổ phần Thanh Long Hoàng Hậu Bình Thuận", "60", "Hàm Thuận Bắc, Bình Thuận"),
    ("Công ty TNHH Sầu Riêng Đắk Lắk Xanh", "66", "Buôn Ma Thuột, Đắk Lắk"),
    ("Hợp tác xã Vải thiều Lục Ngạn", "24", "Lục Ngạn, Bắc Giang"),
    ("Công ty TNHH Trái cây Miền Tây Việt", "71", "Chợ Lách, Bến Tre"),
]
VN_HAULIERS = [
    ("Công ty TNHH Vận tải Đồng Đăng Lạng Sơn", "12", "Đồng Đăng, Lạng Sơn"),
    ("Công ty Cổ phần Logistics Kim Thành Lào Cai", "24", "Lào Cai"),
    ("Công ty TNHH Vận tải Móng Cái Quảng Ninh", "14", "Móng Cái, Quảng Ninh"),
]
CN_IMPORTERS = [
    ("广西凭祥友谊果蔬进出口贸易有限公司", "451481", "广西壮族自治区凭祥市"),
    ("东兴市边贸鲜果供应链有限公司", "450681", "广西壮族自治区东兴市"),
    ("河口瑶族自治县滇越商贸有限公司", "532532", "云南省河口县"),
]
CN_PLATE_PREFIX = {
    "cn-youyiguan": "桂F",
    "cn-pozhai": "桂F",
    "cn-aidian": "桂F",
    "cn-hekou": "云G",
    "cn-dongxing": "桂P",
}
VN_PLATE_PROVINCES = ["12", "14", "24", "29", "51", "60", "61", "63", "66", "71", "86"]
VN_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
VN_MIDDLE = ["Văn", "Đức", "Minh", "Quốc", "Thị", "Hữu"]
VN_GIVEN = ["Hùng", "Dũng", "Tuấn", "Thắng", "Lan", "Hải", "Phúc", "Sơn", "Quang", "Long"]
CN_SURNAMES = ["黄", "李", "陆", "韦", "农", "梁", "覃", "王"]
CN_GIVEN = ["伟", "强", "志明", "海涛", "建国", "春生", "光明", "国庆"]

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

HOLD_REASONS = [
    (
        ActorRole.QUARANTINE,
        "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检农残 / sampled for pesticide residue test",
    ),
    (
        ActorRole.CUSTOMS,
        "Khối lượng cân lệch khai báo / 过磅重量与申报不符 / weighbridge differs from declared gross",
    ),
    (
        ActorRole.QUARANTINE,
        "Phát hiện côn trùng sống, chờ xử lý / 发现活虫，待处理 / live insects found, awaiting treatment",
    ),
]


REASONS = {
    "cancel": "Hàng chưa đủ độ chín / 果实未达成熟度 / fruit not ripe enough",
    "no_show": "Không đến trong khung giờ + 2 giờ ân hạn / 超过预约时段 + 2 小时宽限 / missed slot + 2 h grace",
    "reject": "Không đạt yêu cầu kiểm dịch / 检疫不合格 / failed plant quarantine",
    "return": "Quay đầu về nội địa / 退运 / turned back to origin",
}


@dataclass
class _Party:
    id: str
    country: str


def seed_gates(ctx: ServiceContext, gates: list[Gate]) -> None:
    """The gates and their yards."""
    with ctx.uow() as uow:
        for gate in gates:
            uow.gates.add(gate)
        for yard in reference_yards(gates):
            uow.yards.add(yard)
        uow.commit()


def seed_demo(ctx: ServiceContext, *, trips: int = 400, seed: int = 2026) -> list[str]:
    """Seed everything; returns printable summary lines."""
    rng = random.Random(seed)
    real_now = ctx.clock.now()
    start = real_now - timedelta(hours=24)
    clock = ManualClock(start - timedelta(days=7))
    demo_ctx = ServiceContext(uow=ctx.uow, clock=clock, nomenclature=ctx.nomenclature)
    gates = reference_gates(years=(real_now.year, real_now.year + 1))
    seed_gates(demo_ctx, gates)
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

    exporters = [_enterprise(demo_ctx, rng, name, prov, addr, "VN", ["exporter"]) for name, prov, addr in VN_EXPORTERS]
    hauliers = [_enterprise(demo_ctx, rng, name, prov, addr, "VN", ["haulier"]) for name, prov, addr in VN_HAULIERS]
    importers = [
        _enterprise(demo_ctx, rng, name, prov, addr, "CN", ["importer", "haulier", "exporter"])
        for name, prov, addr in CN_IMPORTERS
    ]
    # One open booking per truck: enough trucks that each trip of the day can hold one.
    vn_trucks = [_vn_truck(demo_ctx, rng, rng.choice(hauliers + exporters).id) for _ in range(max(20, trips))]
    cn_trucks = {
        prefix: [_cn_truck(demo_ctx, rng, prefix, rng.choice(importers).id) for _ in range(max(10, trips // 4))]
        for prefix in sorted(set(CN_PLATE_PREFIX.values()))
    }
    vn_drivers = [_vn_driver(demo_ctx, rng) for _ in range(max(20, trips // 3))]
    cn_drivers = [_cn_driver(demo_ctx, rng) for _ in range(max(10, trips // 10))]

    orchards = sorted({_registry_code(rng, ["TGOR", "BTOR", "DLOR", "BGOR"], 999) for _ in range(60)})
    packers = sorted({_registry_code(rng, ["TGPH", "BTPH", "DLPH"], 300) for _ in range(25)})
    plant_registry.import_registry(demo_ctx.uow(), clock=clock, text=_registry_csv(orchards, packers))
    states: Counter[str] = Counter()
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
            vehicle_id, driver_id = vn_trucks[i % len(vn_trucks)], rng.choice(vn_drivers)
        else:
            pool = cn_trucks[CN_PLATE_PREFIX[gate_id]]
            vehicle_id, driver_id = pool[i % len(pool)], rng.choice(cn_drivers)
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
            "phytosanitary_certificate_no": f"VN-PC-{rng.randrange(10**6):06d}" if plant else None,
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
        states[_progress(demo_ctx, clock, rng, trip_id, gate_id, real_now, target, no_show=not spare)] += 1
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


#: DEMO ONLY — accounts with a published password, one per role, created by ``cuakhau demo``. Never seed these
#: into a real database: anyone who has read this file can log in with them.
DEMO_PASSWORD = "cuakhau-demo-2026"
DEMO_GATE = "vn-huu-nghi"
DEMO_ACCOUNTS: tuple[tuple[str, Role], ...] = (
    ("demo-exporter", Role.EXPORTER),
    ("demo-driver", Role.DRIVER),
    ("demo-customs", Role.CUSTOMS_OFFICER),
    ("demo-quarantine", Role.QUARANTINE_OFFICER),
    ("demo-border-guard", Role.BORDER_GUARD),
    ("demo-gate-admin", Role.GATE_ADMIN),
    ("demo-counterpart", Role.COUNTERPART),
    ("demo-admin", Role.SYSTEM_ADMIN),
)


def seed_demo_accounts(ctx: ServiceContext, *, exporter_id: str, driver_id: str) -> None:
    """One account per role (DEMO ONLY, password :data:`DEMO_PASSWORD`): the exporter and the driver belong to
    the first demo exporter, the officers, the gate administrator and the counterpart work at Hữu Nghị."""
    for username, role in DEMO_ACCOUNTS:
        accounts.create_account(
            ctx.uow(),
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            enterprise_id=exporter_id if role in {Role.EXPORTER, Role.DRIVER} else None,
            driver_id=driver_id if role is Role.DRIVER else None,
            gate_codes=(DEMO_GATE,) if role not in {Role.EXPORTER, Role.DRIVER, Role.SYSTEM_ADMIN} else (),
            clock=ctx.clock,
        )


def shortest_path(target: TripState) -> list[TripAction]:
    """The fewest lifecycle steps from ``declared`` to ``target``, found in the published table."""
    paths: dict[TripState, list[TripAction]] = {TripState.DECLARED: []}
    frontier = [TripState.DECLARED]
    while frontier:
        state = frontier.pop(0)
        for action in allowed_actions(state):
            nxt = TRANSITIONS[action][1]
            if nxt not in paths:
                paths[nxt] = [*paths[state], action]
                frontier.append(nxt)
    return paths[target]


def _progress(
    ctx: ServiceContext,
    clock: ManualClock,
    rng: random.Random,
    trip_id: str,
    gate_id: str,
    now: datetime,
    target: TripState | None = None,
    *,
    no_show: bool = True,
) -> str:
    """Walk one trip through a plausible path, stopping at the real present; returns the state reached.

    With ``target`` the trip takes the shortest path to that state instead, so the demo shows every stage.
    ``no_show=False`` spares the trip a no-show: the demo accounts' enterprise must stay free to book.
    """
    officer = Actor(f"{gate_id}:customs-{rng.randrange(1, 9):02d}", ActorRole.CUSTOMS)
    quarantine = Actor(f"{gate_id}:quarantine-{rng.randrange(1, 5):02d}", ActorRole.QUARANTINE)
    guard = Actor(f"{gate_id}:border-guard-{rng.randrange(1, 5):02d}", ActorRole.BORDER_GUARD)
    driver = Actor(f"driver:{trip_id[:8]}", ActorRole.DRIVER)
    exporter = Actor(f"exporter:{trip_id[:8]}", ActorRole.EXPORTER)
    system = Actor("cuakhau:gate-sensors", ActorRole.SYSTEM)

    path: list[tuple[str, Actor, float, str | None]] = [("book", exporter, rng.uniform(0.1, 1.0), None)]
    fate = rng.random()
    if target is not None:
        path = [
            (a.value, officer, rng.uniform(0.1, 0.5), REASONS.get(a.value, HOLD_REASONS[1][1]))  # customs: weighbridge
            if a in REASON_REQUIRED
            else (a.value, exporter if a is TripAction.BOOK else officer, rng.uniform(0.1, 0.5), None)
            for a in shortest_path(target)
        ]
    elif fate < 0.04:
        path.append(("cancel", exporter, rng.uniform(0.5, 3), REASONS["cancel"]))
    elif fate < 0.055 and no_show:  # rare: three in 30 days suspend the enterprise's booking (published penalty)
        path.append(("no_show", system, rng.uniform(6, 10), REASONS["no_show"]))
    else:
        path += [("dispatch", driver, rng.uniform(0.5, 3), None), ("arrive", system, rng.uniform(1, 5), None)]
        path.append(("call", officer, rng.uniform(0.5, 6), None))
        path_done = False
        if rng.random() < 0.55:  # plant quarantine at a bay; now and then a sample goes to the laboratory
            path.append(("bay", quarantine, rng.uniform(0.1, 0.5), None))
            if rng.random() < 0.08:
                path.append(("sample", quarantine, rng.uniform(0.3, 0.6), SAMPLE_REASON))
                path.append(("lab", quarantine, 0.0, None))
                path.append(("clear", officer, rng.uniform(0.2, 1), None))
                path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
                path_done = True
            else:
                path.append(("pass", quarantine, rng.uniform(0.3, 0.6), None))
        if path_done:
            pass
        elif rng.random() < 0.12:
            role, hold_reason = rng.choice(HOLD_REASONS)
            holder = quarantine if role is ActorRole.QUARANTINE else officer
            path.append(("hold", holder, rng.uniform(0.2, 1), hold_reason))
            if rng.random() < 0.25:
                path += [
                    ("reject", holder, rng.uniform(2, 8), REASONS["reject"]),
                    ("return", guard, rng.uniform(0.5, 2), REASONS["return"]),
                ]
            else:
                path.append(("release", holder, rng.uniform(1, 10), None))
                path.append(("clear", officer, rng.uniform(0.2, 1), None))
                path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
        else:
            path.append(("clear", officer, rng.uniform(0.2, 1.5), None))
            path.append(("cross", guard, rng.uniform(0.1, 0.5), None))
    at = clock.now()
    state = TripState.DECLARED
    travel = timedelta(minutes=rng.randrange(90, 300, 10))  # from the staging yard or packing house
    slot: datetime | None = None
    job: InspectionJob | None = None
    for action, actor, hours, reason in path:
        at += timedelta(hours=hours)
        if slot is not None and action == "dispatch":
            at = max(clock.now(), slot - travel)  # leave on time: the truck should not wait at the border
        elif slot is not None and action == "arrive":
            at = clock.now() + travel + timedelta(minutes=rng.randrange(0, 20))
        elif slot is not None and action == "no_show":
            at = max(at, slot + timedelta(hours=3, minutes=rng.randrange(0, 60)))
        if action == "lab" and job is not None and job.due_at is not None:
            at = job.due_at + timedelta(minutes=rng.randrange(5, 90))  # the result comes with the turnaround
        if at > now:
            break
        clock.set(at)
        if action in ("arrive", "cross"):
            reached = _device_passage(ctx, clock, rng, trip_id, gate_id, action)
            if reached is None:
                break  # the read went to the review queue: an officer has it
            state = reached
            continue
        if action in ("bay", "pass", "sample", "lab"):
            job = _inspection(ctx, clock, trip_id, action, actor, reason, job)
            state = trip_service.get_trip(ctx.uow(), trip_id).state
            if job is None:
                break  # waiting for a place in the bay: the queue shows it
            continue
        if action == "book":
            try:
                booking = _book(ctx, clock, trip_id, at, travel, rng, actor)
            except Conflict as exc:
                if exc.code not in ("booking.vehicle_busy", "booking.suspended"):
                    raise
                break  # the truck holds another booking, or its enterprise is suspended: the trip stays declared
            if booking.slot_start is None:
                break  # on the waiting list
            slot, state = booking.slot_start, TripState.BOOKED
            continue
        trip, _ = trip_service.transition_trip(
            ctx.uow(), clock=clock, trip_id=trip_id, action=action, actor=actor, reason=reason
        )
        state = trip.state
        if action == "call" and target is None:
            _yard_exit(ctx, clock, rng, trip_id)
    return state.value


#: Quarantine bays the demo's fruit gates publish (the big Lạng Sơn inspection areas take several trucks at once).
DEMO_QUARANTINE_BAYS = {"vn-huu-nghi": 8, "vn-tan-thanh": 6, "vn-chi-ma": 4, "vn-kim-thanh": 4, "vn-mong-cai": 4}
SAMPLE_REASON = "Lấy mẫu kiểm nghiệm dư lượng thuốc BVTV / 抽样送检农残 / sampled for pesticide residue test"


def _truck(ctx: ServiceContext, trip_id: str) -> tuple[Vehicle, Shipment]:
    trip = trip_service.get_trip(ctx.uow(), trip_id)
    with ctx.uow(read_only=True) as uow:
        vehicle = uow.vehicles.get(trip.vehicle_id)
        shipment = uow.shipments.get(trip.shipment_id)
    assert vehicle is not None and shipment is not None
    return vehicle, shipment


def _camera(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    plate: str,
    checkpoint: Checkpoint,
    confidence: float,
    at: datetime,
    attempt: int = 0,
) -> DeviceOutcome:
    """One ANPR read at a checkpoint of the trip's gate, applied by the production device handler."""
    trip = trip_service.get_trip(ctx.uow(), trip_id)
    read = PlateRead(
        message_id=f"{trip_id[:12]}-{checkpoint.value}-{attempt}",
        device_id=f"{trip.gate_id}:anpr-{checkpoint.value.replace('_', '-')}",
        gate_id=trip.gate_id,
        checkpoint=checkpoint,
        plate_text=plate,
        confidence=round(confidence, 3),
        at=at,
        image_ref=f"anpr/{trip.gate_id}/{at:%Y%m%d}/{trip_id[:12]}-{checkpoint.value}-{attempt}.jpg",
    )
    return gate_ops.apply_device_message(ctx.uow(), clock=clock, message=read)


def _device_passage(
    ctx: ServiceContext, clock: ManualClock, rng: random.Random, trip_id: str, gate_id: str, action: str
) -> TripState | None:
    """The truck passes a camera (and at the yard, the weighbridge): the same handler as the MQTT listener.

    Now and then the camera reads badly; the read goes to review and the camera's next frame, a few seconds
    later, is confident. Now and then the weighbridge is far from the declaration: the flag waits for an officer.
    """
    vehicle, shipment = _truck(ctx, trip_id)
    checkpoint = Checkpoint.YARD_ENTRY if action == "arrive" else Checkpoint.BORDER_LINE
    outcome = None
    for attempt in range(2):
        confident = attempt > 0 or rng.random() > 0.03
        confidence = rng.uniform(0.9, 0.995) if confident else rng.uniform(0.55, 0.8)
        outcome = _camera(ctx, clock, trip_id, vehicle.plate.display, checkpoint, confidence, clock.now(), attempt)
        if outcome.outcome != "review" or outcome.detail != "low_confidence":
            break
        clock.set(clock.now() + timedelta(seconds=rng.randrange(3, 12)))
    if checkpoint is Checkpoint.YARD_ENTRY and outcome is not None and outcome.outcome == "applied":
        rule = gate_ops.DEFAULT_POLICY.weigh
        expected = rule.expected_kg(shipment.gross_kg, refrigerated=vehicle.refrigerated)
        off = Decimal("1.12") if rng.random() < 0.03 else Decimal(str(round(rng.uniform(0.985, 1.015), 4)))
        weighed = WeighbridgeReading(
            message_id=f"{trip_id[:12]}-weigh",
            device_id=f"{gate_id}:weighbridge-1",
            gate_id=gate_id,
            gross_kg=(expected * off).quantize(Decimal("10")),
            at=clock.now() + timedelta(seconds=40),
            plate_text=vehicle.plate.display,
        )
        gate_ops.apply_device_message(ctx.uow(), clock=clock, message=weighed)
    state = trip_service.get_trip(ctx.uow(), trip_id).state
    wanted = TripState.ARRIVED if checkpoint is Checkpoint.YARD_ENTRY else TripState.CROSSED
    return state if state is wanted else None


def _yard_exit(ctx: ServiceContext, clock: ManualClock, rng: random.Random, trip_id: str) -> None:
    """Called forward, the truck drives out of the yard past its exit camera: the visit closes, its fee is due."""
    vehicle, _ = _truck(ctx, trip_id)
    confidence = rng.uniform(0.9, 0.995)  # drawn before the time, as the demo's seeded day always has
    at = clock.now() + timedelta(minutes=rng.randrange(2, 8))
    _camera(ctx, clock, trip_id, vehicle.plate.display, Checkpoint.YARD_EXIT, confidence, at)


def _inspection(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    action: str,
    actor: Actor,
    reason: str | None,
    job: InspectionJob | None,
) -> InspectionJob | None:
    """A quarantine bay inspection, its outcome, and a laboratory sample's result; ``None`` while it queues."""
    try:
        if action == "bay":
            job = inspections.request_inspection(
                ctx.uow(), clock=clock, trip_id=trip_id, kind="quarantine_bay", actor=actor, reason=None
            )
        elif action in ("pass", "sample") and job is not None:
            outcome = "sample" if action == "sample" else "pass"
            done, sample = inspections.finish_inspection(
                ctx.uow(), clock=clock, job_id=job.id, outcome=outcome, actor=actor, reason=reason
            )
            job = sample or done
        elif action == "lab" and job is not None:
            job = inspections.record_lab_result(ctx.uow(), clock=clock, job_id=job.id, outcome="pass", actor=actor)
    except Conflict as exc:
        if exc.code != "inspection.not_in_progress":
            raise
        return None
    if job is None or job.state.value == "queued":
        return None
    return job


class _Delivered:
    def send(self, notification: Notification) -> None:
        return None


def _book(
    ctx: ServiceContext,
    clock: ManualClock,
    trip_id: str,
    at: datetime,
    travel: timedelta,
    rng: random.Random,
    actor: Actor,
) -> Booking:
    return equeue.book(
        ctx.uow(),
        clock=clock,
        request=equeue.BookingRequest(
            trip_id=trip_id,
            earliest=at + travel,
            latest=at + travel + timedelta(hours=rng.choice([12, 16, 24])),
            travel_minutes=int(travel / timedelta(minutes=1)),
            actor=actor,
            idempotency=equeue.Idempotency("demo", trip_id, "demo"),
        ),
    ).booking


def _registry_csv(orchards: list[str], packers: list[str]) -> str:
    """The demo's registry file, in the format a board imports (``cuakhau registry import``)."""
    lines = ["kind,code,holder,province,crops,status"]
    lines += [f"planting_area,{c},Hợp tác xã {c[3:5]},Việt Nam,trái cây,active" for c in orchards]
    lines += [f"packing_house,{c},Cơ sở đóng gói {c[-3:]},Việt Nam,trái cây,active" for c in packers]
    lines.append("planting_area,VN-TGOR-9999,Vùng trồng bị tạm dừng,Tiền Giang,sầu riêng,suspended")
    return "\n".join(lines) + "\n"


def _registry_code(rng: random.Random, areas: list[str], top: int) -> str:
    """A code shaped like the GACC registry's (e.g. VN-BTOR-0102: Bình Thuận orchard 102)."""
    return f"VN-{rng.choice(areas)}-{rng.randrange(1, top):04d}"


def _enterprise(
    ctx: ServiceContext,
    rng: random.Random,
    name: str,
    area: str,
    address: str,
    country: str,
    roles: list[str],
) -> _Party:
    if country == "VN":
        tax_id = make_vn_tax_code(f"{rng.randrange(1, 99):02d}{rng.randrange(10**7):07d}")
    else:
        tax_id = make_cn_uscc(f"91{area}{rng.randrange(10**9):09d}")
    ent = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name=name, country=country, tax_id=tax_id, roles=roles, address=address
    )
    return _Party(ent.id, country)


def _first_free(draw: Callable[[], str]) -> str:
    """Call ``draw`` until it registers something not already taken (random plates and ids can collide)."""
    while True:
        try:
            return draw()
        except Conflict:
            continue


def _vn_truck(ctx: ServiceContext, rng: random.Random, owner_id: str) -> str:
    return _first_free(
        lambda: (
            registry.register_vehicle(
                ctx.uow(),
                clock=ctx.clock,
                plate=f"{rng.choice(VN_PLATE_PROVINCES)}C-{rng.randrange(100, 999)}.{rng.randrange(100):02d}",
                owner_id=owner_id,
                refrigerated=rng.random() < 0.4,
            ).id
        )
    )


def _cn_truck(ctx: ServiceContext, rng: random.Random, prefix: str, owner_id: str) -> str:
    return _first_free(
        lambda: (
            registry.register_vehicle(
                ctx.uow(), clock=ctx.clock, plate=f"{prefix}{rng.randrange(10000, 99999)}", owner_id=owner_id
            ).id
        )
    )


def _driver(ctx: ServiceContext, name: str, kind: str, number: Callable[[], str], country: str, phone: str) -> str:
    return _first_free(
        lambda: (
            registry.register_driver(
                ctx.uow(),
                clock=ctx.clock,
                full_name=name,
                document_kind=kind,
                document_number=number(),
                nationality=country,
                phone=phone,
            ).id
        )
    )


def _vn_driver(ctx: ServiceContext, rng: random.Random) -> str:
    def cccd() -> str:
        province = rng.choice(["020", "022", "001", "082", "060", "066"])  # Lạng Sơn, Quảng Ninh, Hà Nội, …
        return f"{province}{rng.choice('0123')}{rng.randrange(70, 100):02d}{rng.randrange(10**6):06d}"

    name = f"{rng.choice(VN_SURNAMES)} {rng.choice(VN_MIDDLE)} {rng.choice(VN_GIVEN)}"
    return _driver(ctx, name, "vn_citizen_id", cccd, "VN", f"+84 9{rng.randrange(10**8):08d}")


def _cn_driver(ctx: ServiceContext, rng: random.Random) -> str:
    from stdnum.cn import ric

    def resident_id() -> str:
        born = f"{rng.randrange(1965, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        body = f"450100{born}{rng.randrange(1000):03d}"  # 450100: Nanning, Guangxi (valid for these years)
        return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit

    name = f"{rng.choice(CN_SURNAMES)}{rng.choice(CN_GIVEN)}"
    return _driver(ctx, name, "cn_resident_id", resident_id, "CN", f"+86 13{rng.randrange(10**9):09d}")
