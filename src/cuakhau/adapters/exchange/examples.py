"""One signed example of every message kind, for docs/exchange/examples/ (written by ``cuakhau exchange schemas``).

They are signed with a published *example* key (never use it for anything else), so a partner implementing the
protocol can check its canonical form and signature code against them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cuakhau.adapters.exchange.signing import Ed25519Scheme, b64
from cuakhau.domain.exchange import PROTOCOL, SCHEMA_VERSIONS, MessageKind, canonical_bytes

_SEED = hashlib.sha256(b"cuakhau exchange example key - do not use").digest()
EXAMPLE_PRIVATE_KEY = b64(_SEED)
EXAMPLE_PUBLIC_KEY = b64(
    Ed25519PrivateKey.from_private_bytes(_SEED)
    .public_key()
    .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
)
AT = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # 08:00 at Hữu Nghị, 09:00 at Youyiguan
TRIP = "6f1c2a9e0b3d4c5e8f7a6b5c4d3e2f10"
INCIDENT = "b2d4f6a8c0e24a6c8e0a2c4e6a8c0e2a"


def _envelope(
    n: int, kind: MessageKind, sender: str, recipient: str, body: dict[str, Any], seq: int | None = None
) -> dict[str, Any]:
    scheme = Ed25519Scheme()
    sent = AT + timedelta(minutes=n)
    doc: dict[str, Any] = {
        "protocol": PROTOCOL,
        "id": f"{n:02d}" + hashlib.sha256(f"example {n}".encode()).hexdigest()[:30],
        "kind": kind.value,
        "schema": f"{kind.value}@{SCHEMA_VERSIONS[kind]}",
        "sender": sender,
        "recipient": recipient,
        "gate_id": sender,
        "created_at": sent.isoformat(),
        "sent_at": (sent + timedelta(seconds=2)).isoformat(),
        "key_id": scheme.key_id(EXAMPLE_PUBLIC_KEY),
        "body": body,
    }
    if seq is not None:
        doc["trip_ref"], doc["seq"] = TRIP, seq
    doc["signature"] = scheme.sign(EXAMPLE_PRIVATE_KEY, canonical_bytes(doc))
    return doc


def examples() -> dict[str, dict[str, Any]]:
    vn, cn = "vn-huu-nghi", "cn-youyiguan"
    return {
        "capacity.declared.json": _envelope(
            1,
            MessageKind.CAPACITY,
            cn,
            vn,
            {
                "gate_id": cn,
                "closures": [
                    {
                        "id": "c1a2b3c4d5e6f708192a3b4c5d6e7f80",
                        "starts_at": "2026-06-02T14:00:00+08:00",
                        "ends_at": "2026-06-02T16:00:00+08:00",
                        "kind": "suspension",
                        "reason": "Bảo trì cân điện tử / 地磅检修 / weighbridge maintenance",
                    }
                ],
                "lifted": [],
                "acceptance": [
                    {
                        "date": "2026-06-02",
                        "direction": "import",
                        "daily_quota": 600,
                        "hourly_quota": 60,
                        "reason": "Bãi kiểm hóa đầy / 查验场地已满 / inspection yard full",
                    }
                ],
                "hours": [{"opens": "08:00", "closes": "20:00", "weekdays": [1, 2, 3, 4, 5, 6, 7]}],
                "declared_by": "cn-youyiguan-admin",
            },
        ),
        "manifest.submitted.json": _envelope(
            2,
            MessageKind.MANIFEST,
            vn,
            cn,
            {
                "trip_ref": TRIP,
                "from_gate_id": vn,
                "to_gate_id": cn,
                "plate": "12C-123.45",
                "containers": ["MSKU1234565"],
                "exporter": {"name": "Công ty TNHH Thanh Long Hoàng Hậu Bình Thuận", "tax_id": "3400123456"},
                "consignee": {"name": "广西凭祥友谊果蔬进出口贸易有限公司", "country": "CN"},
                "perishability": "fresh_produce",
                "plant_product": True,
                "phytosanitary_certificate_no": "VN-PC-2026-001234",
                "gross_kg": "19500.5",
                "lines": [
                    {
                        "hs_code": "081090",
                        "description": "Thanh long ruột đỏ tươi / 鲜红心火龙果",
                        "net_kg": "18000",
                        "gross_kg": "19500.5",
                        "packages": 1000,
                        "perishability": "fresh_produce",
                    }
                ],
                "slot_start": "2026-06-02T03:00:00+00:00",
            },
            seq=1,
        ),
        "gate.decision.json": _envelope(
            3,
            MessageKind.DECISION,
            cn,
            vn,
            {
                "trip_ref": TRIP,
                "decision": "held",
                "reasons": ["Mã vùng trồng không khớp / 种植园登记号不符 / planting-area code does not match"],
                "decided_by": "cn-youyiguan-customs-07",
                "decided_at": "2026-06-02T09:03:00+08:00",
            },
            seq=1,
        ),
        "crossing.confirmed.json": _envelope(
            4,
            MessageKind.CROSSING,
            cn,
            vn,
            {"trip_ref": TRIP, "crossed_at": "2026-06-02T10:40:00+08:00", "confirmed_by": "cn-youyiguan-gate-2"},
            seq=2,
        ),
        "incident.raised.json": _envelope(
            5,
            MessageKind.INCIDENT,
            vn,
            cn,
            {
                "incident_id": INCIDENT,
                "kind": "link_fault",
                "severity": "critical",
                "summary": "Mất kết nối hệ thống thông quan / 通关系统断线 / clearance system offline",
                "trip_ref": None,
                "raised_at": "2026-06-02T08:05:00+07:00",
                "ack_due_at": "2026-06-02T08:20:00+07:00",
                "raised_by": "vn-huu-nghi-duty",
            },
        ),
        "incident.acknowledged.json": _envelope(
            6,
            MessageKind.ACKNOWLEDGEMENT,
            cn,
            vn,
            {
                "incident_id": INCIDENT,
                "acknowledged_at": "2026-06-02T09:09:00+08:00",
                "acknowledged_by": "cn-youyiguan-duty",
                "note": "Đã nhận, đang kiểm tra / 已收到，正在排查",
            },
        ),
    }
