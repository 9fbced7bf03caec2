"""The cross-border exchange on SQLite and PostgreSQL, seen from Hữu Nghị (VN): the partner Youyiguan (CN) is
played by the test, which holds the partner's private key and signs what it sends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.exchange.runtime import ExchangeRuntime, accept
from cuakhau.adapters.exchange.signing import Ed25519Scheme
from cuakhau.domain.accounts import Role
from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.errors import Conflict
from cuakhau.domain.exchange import PROTOCOL, SELF, ExchangeRefused, MessageKind, canonical_bytes
from cuakhau.domain.trip import Actor, ActorRole, new_id
from cuakhau.services import exchange, hotline, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

VN, CN = "vn-huu-nghi", "cn-youyiguan"
SCHEME = Ed25519Scheme()
ADMIN = Actor("vn-admin", ActorRole.GATE_ADMIN)


class Partner:
    """Youyiguan's side of the wire: its key, and envelopes signed the way its sender signs them."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.private, self.public = SCHEME.new_keypair()
        self.key_id = SCHEME.key_id(self.public)
        self.seq: dict[str, int] = {}

    def document(
        self,
        kind: MessageKind,
        body: Mapping[str, Any],
        *,
        gate_id: str = CN,
        trip_ref: str | None = None,
        seq: int | None = None,
        sent_at: Any = None,
        private: str | None = None,
        key_id: str | None = None,
        recipient: str = VN,
    ) -> dict[str, Any]:
        now = self.ctx.clock.now()
        doc: dict[str, Any] = {
            "protocol": PROTOCOL,
            "id": new_id(),
            "kind": kind.value,
            "schema": f"{kind.value}@1",
            "sender": CN,
            "recipient": recipient,
            "gate_id": gate_id,
            "created_at": now.isoformat(),
            "sent_at": (sent_at or now).isoformat(),
            "key_id": key_id or self.key_id,
            "body": dict(body),
        }
        if trip_ref is not None:
            if seq is None:
                seq = self.seq[trip_ref] = self.seq.get(trip_ref, 0) + 1
            doc["trip_ref"], doc["seq"] = trip_ref, seq
        doc["signature"] = SCHEME.sign(private or self.private, canonical_bytes(doc))
        return doc

    def decision(self, trip_ref: str, decision: str = "accepted", **kw: Any) -> dict[str, Any]:
        body = {
            "trip_ref": trip_ref,
            "decision": decision,
            "reasons": [] if decision == "accepted" else ["Thiếu giấy kiểm dịch / 缺少检疫证书"],
            "decided_by": "cn-customs-01",
            "decided_at": self.ctx.clock.now().isoformat(),
        }
        return self.document(MessageKind.DECISION, body, trip_ref=trip_ref, **kw)

    def crossing(self, trip_ref: str, **kw: Any) -> dict[str, Any]:
        body = {"trip_ref": trip_ref, "crossed_at": self.ctx.clock.now().isoformat(), "confirmed_by": "cn-guard"}
        return self.document(MessageKind.CROSSING, body, trip_ref=trip_ref, **kw)

    def closure(self, starts_at: Any, hours: int = 3, **kw: Any) -> dict[str, Any]:
        body = {
            "gate_id": kw.pop("body_gate", CN),
            "closures": [
                {
                    "id": new_id(),
                    "starts_at": starts_at.isoformat(),
                    "ends_at": (starts_at + timedelta(hours=hours)).isoformat(),
                    "kind": "suspension",
                    "reason": "Kiểm soát dịch bệnh / 疫情防控 / epidemic control",
                }
            ],
            "declared_by": "cn-admin",
        }
        return self.document(MessageKind.CAPACITY, body, **kw)


@pytest.fixture
def world(ctx: ServiceContext) -> World:
    return World(ctx)


@pytest.fixture
def runtime() -> ExchangeRuntime:
    return ExchangeRuntime(exchange.Identity(VN, frozenset({VN})), SCHEME)


@pytest.fixture
def partner(ctx: ServiceContext, world: World) -> Partner:
    p = Partner(ctx)
    exchange.generate_key(ctx.uow(), clock=ctx.clock, scheme=SCHEME)
    exchange.add_peer(
        ctx.uow(),
        clock=ctx.clock,
        peer_id=CN,
        inbox_url="http://127.0.0.1:9/api/v1/exchange/inbox",
        gates=[CN],
        keys=[(p.key_id, p.public)],
    )
    return p


def send(ctx: ServiceContext, runtime: ExchangeRuntime, doc: Mapping[str, Any]) -> exchange.Receipt:
    return accept(ctx, runtime, json.dumps(doc).encode())


def refused(ctx: ServiceContext, runtime: ExchangeRuntime, raw: bytes | Mapping[str, Any]) -> str:
    data = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    with pytest.raises(ExchangeRefused) as info:
        accept(ctx, runtime, data)
    return info.value.code


def manifest_out(ctx: ServiceContext, world: World, runtime: ExchangeRuntime) -> str:
    trip = world.declare(vehicle_id=world.new_truck())
    world.book(trip.id)
    assert runtime.identity is not None
    exchange.submit_manifest(ctx.uow(), clock=ctx.clock, identity=runtime.identity, trip_id=trip.id)
    return trip.id


def state(ctx: ServiceContext) -> dict[str, Any]:
    """Everything a message could change, to show a refused one changed nothing."""
    with ctx.uow(read_only=True) as uow:
        manifests, _ = uow.exchange.manifests(way=None, status=None, limit=500, offset=0)
        incidents, _ = uow.exchange.incidents(status=None, limit=500, offset=0)
        return {
            "inbox": uow.exchange.inbox_stats(),
            "manifests": manifests,
            "incidents": incidents,
            "gates": [(g.id, [c.id for c in g.closures]) for g in uow.gates.all()],
            "outbox": uow.outbox.counts(),
        }


def refusal_codes(ctx: ServiceContext) -> list[str]:
    with ctx.uow(read_only=True) as uow:
        rows, _ = uow.exchange.refusals(limit=100)
    return sorted(r["code"] for r in rows)


def test_a_decision_is_applied_once_and_its_copy_is_refused_and_logged(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    doc = partner.decision(trip_id, "held")
    receipt = send(ctx, runtime, doc)
    assert receipt.status == "applied" and receipt.applied == (doc["id"],)
    with ctx.uow(read_only=True) as uow:
        m = uow.exchange.get_manifest(CN, trip_id)
        assert m is not None and m["status"] == "held" and m["reasons"] == ["Thiếu giấy kiểm dịch / 缺少检疫证书"]
        notes = [n for n in uow.outbox.recent(50) if n["kind"] == "counterpart_decision"]
    assert len(notes) == 1 and notes[0]["trip_id"] == trip_id and notes[0]["payload"]["decision"] == "held"
    before = state(ctx)
    assert refused(ctx, runtime, doc) == "exchange.replayed"
    assert state(ctx) == before
    assert refusal_codes(ctx) == ["exchange.replayed"]


def test_forged_unsigned_unknown_revoked_stale_and_misaddressed_messages_change_nothing(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    before = state(ctx)

    forged = partner.decision(trip_id)
    forged["body"]["decision"] = "returned"  # altered after signing
    forged["body"]["reasons"] = ["x"]
    assert refused(ctx, runtime, forged) == "exchange.bad_signature"

    impostor_private, _ = SCHEME.new_keypair()  # right key id, wrong key
    assert refused(ctx, runtime, partner.decision(trip_id, seq=1, private=impostor_private)) == "exchange.bad_signature"

    unsigned = partner.decision(trip_id, seq=1)
    del unsigned["signature"]
    assert refused(ctx, runtime, unsigned) == "exchange.unsigned"

    assert refused(ctx, runtime, partner.decision(trip_id, seq=1, key_id="ed25519:0000000000000000")) == (
        "exchange.unknown_key"
    )
    stale = partner.decision(trip_id, seq=1, sent_at=clock.now() - timedelta(minutes=6))
    assert refused(ctx, runtime, stale) == "exchange.stale"
    ahead = partner.decision(trip_id, seq=1, sent_at=clock.now() + timedelta(minutes=6))
    assert refused(ctx, runtime, ahead) == "exchange.stale"
    assert refused(ctx, runtime, partner.decision(trip_id, seq=1, recipient="vn-tan-thanh")) == "exchange.not_for_us"
    assert refused(ctx, runtime, b"{not json") == "exchange.malformed"
    assert refused(ctx, runtime, {**partner.decision(trip_id, seq=1), "protocol": "other/9"}) == "exchange.protocol"
    with_float = partner.decision(trip_id, seq=1)
    with_float["body"]["weight"] = 1.5
    assert refused(ctx, runtime, with_float) == "exchange.schema"

    with ctx.uow() as uow:
        uow.exchange.revoke_key(CN, partner.key_id, clock.now())
        uow.commit()
    assert refused(ctx, runtime, partner.decision(trip_id, seq=1)) == "exchange.key_revoked"

    assert state(ctx) == before
    assert refusal_codes(ctx) == sorted(
        ["exchange.bad_signature"] * 2
        + ["exchange.stale"] * 2
        + ["exchange.unsigned", "exchange.unknown_key", "exchange.not_for_us", "exchange.malformed"]
        + ["exchange.protocol", "exchange.schema", "exchange.key_revoked"]
    )


def test_a_partner_speaks_only_for_its_own_gate(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    before = state(ctx)
    # Another Chinese gate (Pozhai) is not Youyiguan's to speak for, even with a valid signature.
    assert refused(ctx, runtime, partner.closure(clock.now(), gate_id="cn-pozhai")) == "exchange.out_of_scope"
    # Speaking as itself but declaring a closure of another gate.
    assert refused(ctx, runtime, partner.closure(clock.now(), body_gate="cn-pozhai")) == "exchange.out_of_scope"
    # A decision on a trip that was never announced to it.
    assert refused(ctx, runtime, partner.decision(new_id(), seq=1)) == "exchange.out_of_scope"
    # Acknowledging an incident it did not receive.
    ack = {
        "incident_id": new_id(),
        "acknowledged_at": clock.now().isoformat(),
        "acknowledged_by": "cn-duty",
        "note": "",
    }
    assert refused(ctx, runtime, partner.document(MessageKind.ACKNOWLEDGEMENT, ack)) == "exchange.out_of_scope"
    assert state(ctx) == before
    assert trip_id


def test_messages_of_one_trip_are_applied_in_order_whatever_order_they_arrive_in(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    decision = partner.decision(trip_id)  # seq 1
    crossing = partner.crossing(trip_id)  # seq 2
    held = send(ctx, runtime, crossing)
    assert held.status == "held" and held.applied == ()
    with ctx.uow(read_only=True) as uow:
        assert (uow.exchange.get_manifest(CN, trip_id) or {})["status"] == "submitted"
    assert refused(ctx, runtime, crossing) == "exchange.replayed"  # a copy of the held message
    receipt = send(ctx, runtime, decision)
    assert receipt.applied == (decision["id"], crossing["id"])
    with ctx.uow(read_only=True) as uow:
        assert (uow.exchange.get_manifest(CN, trip_id) or {})["status"] == "crossed"
        assert uow.exchange.inbox_stats()[CN] | {"last_received": None} == {
            "applied": 2,
            "held": 0,
            "rejected": 0,
            "last_received": None,
        }


def test_a_closure_over_there_replans_bookings_here_and_tells_their_holders(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    trips = [world.declare(vehicle_id=world.new_truck()) for _ in range(3)]
    booked = [world.book(t.id, hours=8) for t in trips]
    first = min(b.slot_start for b in booked if b.slot_start is not None)
    receipt = send(ctx, runtime, partner.closure(first, hours=2))
    assert receipt.status == "applied"
    with ctx.uow(read_only=True) as uow:
        youyiguan = uow.gates.get(CN)
        assert youyiguan is not None and any(c.covers(first) for c in youyiguan.closures)
        after = [uow.bookings.latest_for_trip(t.id) for t in trips]
        kinds = [n["kind"] for n in uow.outbox.recent(100)]
    for b in after:
        assert b is not None and b.status is BookingStatus.ACTIVE
        assert b.slot_start is not None and b.slot_start >= first + timedelta(hours=2), b
    assert kinds.count("slot_changed") == 3


def test_an_authentic_message_that_cannot_be_applied_is_rejected_once_and_logged(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    doc = partner.closure(clock.now() + timedelta(hours=3), hours=-1)  # ends before it starts
    before = state(ctx)
    assert refused(ctx, runtime, doc) == "exchange.unapplicable"
    after = state(ctx)
    assert after["gates"] == before["gates"] and after["outbox"] == before["outbox"]
    assert after["inbox"][CN]["rejected"] == 1
    assert refused(ctx, runtime, doc) == "exchange.replayed"
    assert refusal_codes(ctx) == ["exchange.replayed", "exchange.unapplicable"]


def test_the_counterparts_daily_acceptance_bounds_our_bookings(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    trips = [world.declare(vehicle_id=world.new_truck()) for _ in range(3)]
    for t in trips:
        world.book(t.id, hours=8)
    day = clock.now().astimezone(world.gates[0].timezone).date()
    body = {
        "gate_id": CN,
        "acceptance": [
            {"date": day.isoformat(), "direction": "import", "daily_quota": 1, "reason": "bãi đầy / 堆场已满"}
        ],
        "declared_by": "cn-admin",
    }
    send(ctx, runtime, partner.document(MessageKind.CAPACITY, body))
    with ctx.uow(read_only=True) as uow:
        statuses = sorted(str((uow.bookings.latest_for_trip(t.id) or world.book(t.id)).status) for t in trips)
        assert uow.quotas.get(VN, world.gates[0].lanes[0].direction, day.isoformat()) == (1, 1)
    assert statuses == ["active", "waiting", "waiting"]


def test_hotline_incident_deadline_escalation_and_acknowledgement(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    assert runtime.identity is not None
    incident = hotline.raise_incident(
        ctx.uow(),
        clock=ctx.clock,
        identity=runtime.identity,
        gate_id=VN,
        kind="link_fault",
        severity="critical",
        summary="Mất kết nối hệ thống hải quan / 海关系统断线",
        actor=ADMIN,
    )
    assert incident["ack_due_at"] == clock.now() + timedelta(minutes=15)
    with ctx.uow(read_only=True) as uow:
        sent = [r for r in uow.exchange.claim_due(clock.now(), 10, timedelta(0)) if r[0]["kind"] == "incident.raised"]
    assert len(sent) == 1 and sent[0][0]["envelope"]["body"]["incident_id"] == incident["id"]
    assert hotline.sweep_incidents(ctx.uow(), clock=ctx.clock) == 0
    clock.advance(timedelta(minutes=16))
    assert hotline.sweep_incidents(ctx.uow(), clock=ctx.clock) == 1
    assert hotline.sweep_incidents(ctx.uow(), clock=ctx.clock) == 0  # the next deadline is 15 minutes on
    ack = {
        "incident_id": incident["id"],
        "acknowledged_at": clock.now().isoformat(),
        "acknowledged_by": "cn-duty-officer",
        "note": "Đang xử lý / 正在处理",
    }
    send(ctx, runtime, partner.document(MessageKind.ACKNOWLEDGEMENT, ack))
    clock.advance(timedelta(hours=2))
    assert hotline.sweep_incidents(ctx.uow(), clock=ctx.clock) == 0
    found, history = hotline.incident_history(ctx.uow(), incident["id"])
    assert found["status"] == "acknowledged" and found["escalation_level"] == 1
    assert [e["action"] for e in history] == ["raised", "escalated", "acknowledged"]
    with ctx.uow(read_only=True) as uow:
        assert [n["kind"] for n in uow.outbox.recent(10)].count("incident_escalated") == 1


def test_an_incident_from_over_there_is_acknowledged_here_and_the_answer_goes_back(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    assert runtime.identity is not None
    incident_id = new_id()
    body = {
        "incident_id": incident_id,
        "kind": "rejected_shipment",
        "severity": "high",
        "summary": "Lô sầu riêng bị trả về / 榴莲退运",
        "raised_at": clock.now().isoformat(),
        "ack_due_at": (clock.now() + timedelta(minutes=30)).isoformat(),
        "raised_by": "cn-quarantine",
    }
    send(ctx, runtime, partner.document(MessageKind.INCIDENT, body))
    found = hotline.acknowledge_incident(
        ctx.uow(), clock=ctx.clock, identity=runtime.identity, incident_id=incident_id, actor=ADMIN, note="OK"
    )
    assert found["status"] == "acknowledged" and found["origin"] == CN
    with ctx.uow(read_only=True) as uow:
        [(row, _)] = uow.exchange.claim_due(clock.now(), 10, timedelta(0))
    assert row["kind"] == "incident.acknowledged" and row["peer_id"] == CN and row["envelope"]["gate_id"] == VN


class FlakyTransport:
    """Fails the first ``failures`` posts (a link that is down), then takes everything; keeps what it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.got: list[dict[str, Any]] = []

    def post(self, url: str, document: Mapping[str, Any]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise exchange.DeliveryFailed("connection refused")
        self.got.append(dict(document))


def test_delivery_retries_with_backoff_and_signs_each_attempt_afresh(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    transport = FlakyTransport(failures=2)
    report = exchange.deliver_due(ctx.uow, transport, SCHEME, clock)
    assert (report.delivered, report.retried) == (0, 1)
    assert exchange.deliver_due(ctx.uow, transport, SCHEME, clock).retried == 0  # not due before the backoff
    clock.advance(timedelta(seconds=2))
    assert exchange.deliver_due(ctx.uow, transport, SCHEME, clock).retried == 1
    clock.advance(timedelta(seconds=3))
    assert exchange.deliver_due(ctx.uow, transport, SCHEME, clock).retried == 0  # next wait is 4 s
    clock.advance(timedelta(seconds=1))
    assert exchange.deliver_due(ctx.uow, transport, SCHEME, clock).delivered == 1
    [doc] = transport.got
    assert doc["trip_ref"] == trip_id and doc["seq"] == 1 and doc["sent_at"] == clock.now().isoformat()
    with ctx.uow(read_only=True) as uow:
        [own] = uow.exchange.keys(SELF)
    health = exchange.health(ctx.uow(read_only=True), clock=clock)
    signed = {k: v for k, v in doc.items() if k != "signature"}
    assert doc["key_id"] == own["key_id"] and SCHEME.verify(
        own["public_key"], canonical_bytes(signed), doc["signature"]
    )
    [peer] = health["peers"]
    assert peer["backlog"] == 0 and peer["delivered"] == 1 and peer["last_delivery"] == clock.now()


def test_rotation_signs_with_the_new_key_and_revocation_stops_the_old_one(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    with ctx.uow(read_only=True) as uow:
        old = uow.exchange.signing_key()
    clock.advance(timedelta(seconds=1))
    new = exchange.generate_key(ctx.uow(), clock=ctx.clock, scheme=SCHEME)
    manifest_out(ctx, world, runtime)
    transport = FlakyTransport(0)
    exchange.deliver_due(ctx.uow, transport, SCHEME, clock)
    assert transport.got[0]["key_id"] == new["key_id"] != (old or {}).get("key_id")
    exchange.revoke_key(ctx.uow(), clock=ctx.clock, key_id=new["key_id"])
    with ctx.uow(read_only=True) as uow:
        assert (uow.exchange.signing_key() or {})["key_id"] == (old or {})["key_id"]


def test_a_use_case_that_fails_writes_no_message(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime
) -> None:
    assert runtime.identity is not None
    trip_id = manifest_out(ctx, world, runtime)
    with pytest.raises(Exception) as info:
        exchange.submit_manifest(ctx.uow(), clock=ctx.clock, identity=runtime.identity, trip_id=trip_id)
    assert getattr(info.value, "code", None) == "exchange.manifest_exists"
    with ctx.uow(read_only=True) as uow:
        assert uow.exchange.outbox_stats()[CN]["pending"] == 1


def test_the_http_inbox_answers_with_the_refusal_code(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime
) -> None:
    from cuakhau.adapters.web.app import build_app

    trip_id = manifest_out(ctx, world, runtime)
    app = build_app(ctx)
    app.state.exchange = runtime
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as client:
        doc = partner.decision(trip_id)
        r = client.post("/api/v1/exchange/inbox", content=json.dumps(doc))
        assert r.status_code == 200 and r.json()["status"] == "applied"
        again = client.post("/api/v1/exchange/inbox", content=json.dumps(doc), headers={"Accept-Language": "vi"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "exchange.replayed"
        assert "đã nhận" in again.json()["error"]["message"]
        doc2 = partner.crossing(trip_id)
        doc2["signature"] = doc["signature"]
        assert client.post("/api/v1/exchange/inbox", content=json.dumps(doc2)).status_code == 401
        assert client.post("/api/v1/exchange/inbox", content=b"\xff\xfe").status_code == 400
        assert client.get("/api/v1/exchange/refusals").json()["total"] == 3
        assert client.get(f"/api/v1/exchange/manifests/{trip_id}").json()["status"] == "accepted"
        health = client.get("/api/v1/exchange/health").json()
        assert health["partner_id"] == VN and health["peers"][0]["received"] == 1
        assert health["refusals"] == {"exchange.replayed": 1, "exchange.bad_signature": 1, "exchange.malformed": 1}
    disabled = build_app(ctx)
    with TestClient(
        disabled, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))
    ) as client:
        r = client.post("/api/v1/exchange/inbox", content=json.dumps(doc))
        assert r.status_code == 409 and r.json()["error"]["code"] == "exchange.disabled"


def test_a_partner_not_reached_for_five_minutes_gets_one_link_fault_incident(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    assert runtime.identity is not None
    manifest_out(ctx, world, runtime)
    down = FlakyTransport(failures=1000)
    exchange.deliver_due(ctx.uow, down, SCHEME, clock)
    clock.advance(timedelta(minutes=4))
    assert hotline.watch_links(ctx.uow(), clock=ctx.clock, identity=runtime.identity) == 0
    clock.advance(timedelta(minutes=2))
    assert hotline.watch_links(ctx.uow(), clock=ctx.clock, identity=runtime.identity) == 1
    assert hotline.watch_links(ctx.uow(), clock=ctx.clock, identity=runtime.identity) == 0  # one open at a time
    with ctx.uow(read_only=True) as uow:
        [incident], _ = uow.exchange.incidents(status="open", limit=10, offset=0)
    assert incident["kind"] == "link_fault" and incident["peer_id"] == CN and incident["gate_id"] == VN
    assert "6 min" in incident["summary"] and "connection refused" in incident["summary"]
    up = FlakyTransport(0)
    clock.advance(timedelta(minutes=10))
    exchange.deliver_due(ctx.uow, up, SCHEME, clock)
    assert sorted(d["kind"] for d in up.got) == ["incident.raised", "manifest.submitted"]


def test_concurrent_deliveries_of_one_trip_neither_strand_a_message_nor_apply_one_twice(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime
) -> None:
    """A message and its successor (or two copies) arriving at the same moment, as two server threads would."""
    import threading

    trips_n = 8
    trips = [manifest_out(ctx, world, runtime) for _ in range(trips_n)]
    for trip_id in trips:
        first, second = partner.decision(trip_id), partner.crossing(trip_id)
        outcomes: list[str] = []
        barrier = threading.Barrier(3)

        def deliver(doc: dict[str, Any], outcomes: list[str] = outcomes, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                outcomes.append(send(ctx, runtime, doc).status)
            except ExchangeRefused as exc:
                outcomes.append(exc.code)

        threads = [threading.Thread(target=deliver, args=(d,)) for d in (second, first, first)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert sorted(outcomes) in (
            ["applied", "applied", "exchange.replayed"],  # the successor came after its predecessor
            ["applied", "exchange.replayed", "held"],  # it came first and waited
        ), outcomes
    with ctx.uow(read_only=True) as uow:
        assert {(uow.exchange.get_manifest(CN, t) or {})["status"] for t in trips} == {"crossed"}
        stats = uow.exchange.inbox_stats()[CN]
        notes = [n for n in uow.outbox.recent(100) if n["kind"] == "counterpart_decision"]
    assert (stats["applied"], stats["held"]) == (2 * len(trips), 0)
    assert len(notes) == len(trips)


def test_hours_and_lifted_closures_of_the_counterpart_only(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    closure = partner.closure(clock.now() + timedelta(days=1), hours=2)
    send(ctx, runtime, closure)
    closure_id = closure["body"]["closures"][0]["id"]
    with ctx.uow(read_only=True) as uow:
        own = (uow.gates.get(VN) or world.gates[0]).closures[0]
    hours = [{"opens": "06:00", "closes": "22:00", "weekdays": [1, 2, 3, 4, 5, 6, 7]}]
    body = {"gate_id": CN, "lifted": [closure_id, own.id or ""], "hours": hours, "declared_by": "cn-admin"}
    send(ctx, runtime, partner.document(MessageKind.CAPACITY, body))
    with ctx.uow(read_only=True) as uow:
        youyiguan, huu_nghi = uow.gates.get(CN), uow.gates.get(VN)
    assert youyiguan is not None and huu_nghi is not None
    assert closure_id not in {c.id for c in youyiguan.closures}
    assert own.id in {c.id for c in huu_nghi.closures}  # a partner cannot lift a closure of ours
    assert [(p.opens.hour, p.closes.hour) for p in youyiguan.opening_hours] == [(6, 22)]


def test_the_exchange_api_answers_bad_requests_with_codes_never_500(
    ctx: ServiceContext, world: World, partner: Partner, runtime: ExchangeRuntime, clock: ManualClock
) -> None:
    from cuakhau.adapters.web.app import build_app

    app = build_app(ctx)
    app.state.exchange = runtime
    admin = {"id": "vn-admin", "role": "gate_admin"}
    later = (clock.now() + timedelta(hours=5)).isoformat()
    sooner = (clock.now() + timedelta(hours=1)).isoformat()
    cases: list[tuple[str, str, Any, int, str]] = [
        ("POST", "/exchange/manifests", {"trip_id": "nope"}, 404, "trip.not_found"),
        ("POST", "/exchange/manifests/nope/decision", {"decision": "accepted", "actor": admin}, 404, ""),
        ("POST", "/exchange/manifests/nope/crossing", {"actor": admin}, 404, "exchange_manifest.not_found"),
        ("POST", "/exchange/incidents/nope/acknowledge", {"actor": admin}, 404, "exchange_incident.not_found"),
        ("POST", "/exchange/capacity", {"gate_id": "cn-pozhai", "hours": [], "actor": admin}, 422, ""),
        (
            "POST",
            "/exchange/capacity",
            {"gate_id": VN, "closures": [{"starts_at": later, "ends_at": sooner, "reason": "x"}], "actor": admin},
            422,
            "time.end_before_start",
        ),
        ("POST", "/exchange/capacity", {"gate_id": VN, "actor": admin}, 422, "exchange.empty_declaration"),
        (
            "POST",
            "/exchange/incidents",
            {"gate_id": VN, "kind": "alien", "summary": "x", "actor": admin},
            422,
            "enum.invalid",
        ),
        ("GET", "/exchange/incidents/nope", None, 404, "exchange_incident.not_found"),
        ("GET", "/exchange/manifests?way=sideways", None, 422, ""),
    ]
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.SYSTEM_ADMIN))) as client:
        for method, path, body, status, code in cases:
            r = client.request(method, f"/api/v1{path}", json=body)
            assert r.status_code == status, (path, r.text)
            assert not code or r.json()["error"]["code"] == code, (path, r.text)
        trip_id = manifest_out(ctx, world, runtime)
        r = client.post("/api/v1/exchange/manifests", json={"trip_id": trip_id})
        assert r.status_code == 409 and r.json()["error"]["code"] == "exchange.manifest_exists"
        r = client.post(
            "/api/v1/exchange/capacity",
            json={
                "gate_id": VN,
                "closures": [{"starts_at": sooner, "ends_at": later, "reason": "Bão / 台风"}],
                "actor": admin,
            },
        )
        assert r.status_code == 201 and r.json()["body"]["closures"][0]["reason"] == "Bão / 台风"
        r = client.post(
            "/api/v1/exchange/incidents",
            json={"gate_id": VN, "kind": "congestion", "severity": "normal", "summary": "Ùn tắc", "actor": admin},
        )
        assert r.status_code == 201
        incident_id = r.json()["id"]
        r = client.post(f"/api/v1/exchange/incidents/{incident_id}/acknowledge", json={"actor": admin})
        assert r.status_code == 409 and r.json()["error"]["code"] == "exchange.own_incident"
        history = client.get(f"/api/v1/exchange/incidents/{incident_id}").json()["history"]
        assert [h["action"] for h in history] == ["raised"]
        assert client.get("/api/v1/exchange/manifests?way=out").json()["total"] == 1
        assert client.get("/api/v1/exchange/keys").json()["keys"][0]["key_id"].startswith("ed25519:")
        assert "private_key" not in client.get("/api/v1/exchange/keys").json()["keys"][0]


def test_a_departed_truck_is_announced_across_once_without_anyone_submitting(
    ctx: ServiceContext, world: World, runtime: ExchangeRuntime, partner: Partner
) -> None:
    assert runtime.identity is not None
    waiting = world.declare(vehicle_id=world.new_truck())
    world.book(waiting.id)  # booked, still at the orchard: nothing to announce yet
    left = world.declare(vehicle_id=world.new_truck())
    world.book(left.id)
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=left.id, action="dispatch", actor=Actor("d", ActorRole.DRIVER)
    )
    sent = exchange.announce_departures(ctx.uow, clock=ctx.clock, identity=runtime.identity)
    assert sent == 1
    with ctx.uow(read_only=True) as uow:
        out, _ = uow.exchange.manifests(way="out", status=None, limit=10, offset=0)
        assert [m["trip_ref"] for m in out] == [left.id]
        assert out[0]["summary"]["lines"][0]["hs_code"] == "081090"  # from the declaration on record
        assert uow.exchange.outbox_stats()[CN]["pending"] == 1
    assert exchange.announce_departures(ctx.uow, clock=ctx.clock, identity=runtime.identity) == 0


def test_a_truck_the_other_side_returns_does_not_cross_until_they_accept_it(
    ctx: ServiceContext, world: World, runtime: ExchangeRuntime, partner: Partner
) -> None:
    trip_id = manifest_out(ctx, world, runtime)
    steps = [("dispatch", ActorRole.DRIVER), ("arrive", ActorRole.GATE_ADMIN), ("call", ActorRole.GATE_ADMIN)]
    for action, role in [*steps, ("clear", ActorRole.CUSTOMS)]:
        trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action=action, actor=Actor("x", role))
    send(ctx, runtime, partner.decision(trip_id, "returned"))
    guard = Actor("vn-huu-nghi:bp-01", ActorRole.BORDER_GUARD)
    with pytest.raises(Conflict) as refused:
        trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="cross", actor=guard)
    assert refused.value.code == "exchange.refused_across"
    assert refused.value.params["decision"] == "returned" and "检疫" in refused.value.params["reasons"]
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "cleared"
    send(ctx, runtime, partner.decision(trip_id, "accepted"))
    trip, _ = trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="cross", actor=guard)
    assert trip.state.value == "crossed"
