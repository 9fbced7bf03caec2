"""The yards at the real gates, with their published tariffs.

Capacities follow what the Lạng Sơn and Guangxi authorities report for their parking yards (bãi chờ xuất khẩu /
出口待检停车场), rounded; tariffs are illustrative defaults in the gate's currency that a board replaces with
its own published schedule.
"""

from __future__ import annotations

from decimal import Decimal

from cuakhau.domain.gate import Gate, LocalizedText
from cuakhau.domain.yard import Yard, YardTariff

#: gate id -> (yard names vi / zh / en, capacity in trucks)
_YARDS: dict[str, tuple[tuple[str, str, str], int]] = {
    "vn-huu-nghi": (("Bãi chờ xuất khẩu Hữu Nghị", "友谊口岸出口待检停车场", "Huu Nghi export yard"), 700),
    "vn-tan-thanh": (("Bãi xe Tân Thanh", "新清口岸停车场", "Tan Thanh yard"), 1000),
    "vn-chi-ma": (("Bãi xe Chi Ma", "支麻口岸停车场", "Chi Ma yard"), 200),
    "vn-kim-thanh": (("Bãi xe Kim Thành", "金城口岸停车场", "Kim Thanh yard"), 300),
    "vn-mong-cai": (("Bãi xe Móng Cái", "芒街口岸停车场", "Mong Cai yard"), 400),
    "cn-youyiguan": (("Bãi kiểm hóa Hữu Nghị Quan", "友谊关口岸查验场", "Youyiguan inspection yard"), 800),
    "cn-pozhai": (("Bãi Pò Chài", "浦寨查验停车场", "Pozhai yard"), 600),
    "cn-aidian": (("Bãi Ái Điểm", "爱店口岸停车场", "Aidian yard"), 150),
    "cn-hekou": (("Bãi Hà Khẩu", "河口口岸查验场", "Hekou inspection yard"), 300),
    "cn-dongxing": (("Bãi Đông Hưng", "东兴口岸查验场", "Dongxing inspection yard"), 400),
}

_TARIFF = {
    "VN": YardTariff(
        "VND",
        free_hours=4,
        block_hours=12,
        fee_per_block=Decimal("150000"),
        reefer_surcharge_per_block=Decimal("100000"),
    ),
    "CN": YardTariff(
        "CNY", free_hours=4, block_hours=12, fee_per_block=Decimal("40"), reefer_surcharge_per_block=Decimal("30")
    ),
}


def reference_yards(gates: list[Gate]) -> list[Yard]:
    out = []
    for gate in gates:
        if gate.id not in _YARDS:
            continue
        (vi, zh, en), capacity = _YARDS[gate.id]
        out.append(Yard(f"{gate.id}:yard-1", gate.id, LocalizedText(vi, zh, en), capacity, _TARIFF[gate.country]))
    return out
