"""The exchange repository's rows are what their types say: one key per column, read back as written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Table

from cuakhau.adapters.db import tables as t
from cuakhau.domain.clock import ManualClock
from cuakhau.domain.trip import new_id
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports.exchange import (
    InboxRow,
    InboxStats,
    IncidentChange,
    IncidentEventRow,
    IncidentRow,
    KeyRow,
    ManifestChange,
    ManifestRow,
    OutboxRow,
    OutboxStats,
    PeerRow,
    RefusalRow,
    no_inbox_stats,
    no_outbox_stats,
)

PEER = "cn-youyiguan"


def keys(row_type: Any) -> set[str]:
    return set(row_type.__required_keys__ | row_type.__optional_keys__)


@pytest.mark.parametrize(
    ("row_type", "table"),
    [
        (PeerRow, t.exchange_peers),
        (KeyRow, t.exchange_keys),
        (OutboxRow, t.exchange_outbox),
        (InboxRow, t.exchange_inbox),
        (RefusalRow, t.exchange_refusals),
        (ManifestRow, t.exchange_manifests),
        (IncidentRow, t.exchange_incidents),
        (IncidentEventRow, t.exchange_incident_events),
    ],
)
def test_each_row_type_names_the_columns_of_its_table(row_type: Any, table: Table) -> None:
    assert keys(row_type) == set(table.c.keys())


def test_the_changes_name_columns_and_the_empty_stats_every_key() -> None:
    assert keys(ManifestChange) <= set(t.exchange_manifests.c.keys())
    assert keys(IncidentChange) <= set(t.exchange_incidents.c.keys())
    assert set(no_outbox_stats()) == keys(OutboxStats)
    assert set(no_inbox_stats()) == keys(InboxStats)


def test_rows_read_back_as_written(ctx: ServiceContext, clock: ManualClock) -> None:
    now = clock.now()
    manifest = ManifestRow(
        peer_id=PEER,
        trip_ref="trip-1",
        way="in",
        gate_id="CN-YYG",
        to_gate_id="VN-HUUNGHI",
        plate="桂A12345",
        summary={"plate": "桂A12345", "lines": [{"hs_code": "081090"}]},
        status="submitted",
        reasons=[],
        created_at=now,
        updated_at=now,
    )
    incident = IncidentRow(
        id="inc-1",
        origin=PEER,
        peer_id=PEER,
        gate_id="CN-YYG",
        kind="congestion",
        severity="high",
        summary="queue on the bridge",
        trip_ref=None,
        raised_at=now,
        ack_due_at=now + timedelta(minutes=30),
        status="open",
        acknowledged_at=None,
        acknowledged_by=None,
        escalation_level=0,
    )
    refusal = RefusalRow(
        id=new_id(), at=now, code="exchange.bad_signature", sender=PEER, message_id="m-0", kind=None, key_id=None,
        detail="forged",
    )  # fmt: skip
    out = {"id": "m-1", "kind": "capacity", "body": {}}
    held = {"id": "m-3", "sender": PEER, "kind": "decision", "gate_id": "CN-YYG", "trip_ref": "trip-1", "seq": 3}
    with ctx.uow() as uow:
        uow.exchange.put_peer(PEER, "Youyiguan", "https://cn.example/inbox", ["CN-YYG"], now)
        uow.exchange.add_key(PEER, "k1", "public", None, now)
        uow.exchange.enqueue(out, PEER, now)
        uow.exchange.claim(held, "held", now)
        uow.exchange.add_refusal(refusal)
        assert uow.exchange.add_manifest(manifest)
        assert uow.exchange.add_incident(incident)
        uow.exchange.add_incident_event("inc-1", now, "received", PEER, None)
        uow.commit()
    later = now + timedelta(minutes=5)
    with ctx.uow() as uow:
        uow.exchange.update_manifest(PEER, "trip-1", status="held", reasons=["seal broken"], updated_at=later)
        uow.exchange.update_incident("inc-1", status="acknowledged", acknowledged_at=later, acknowledged_by="officer")
        uow.commit()
    with ctx.uow() as uow:
        assert uow.exchange.get_peer(PEER) == PeerRow(
            id=PEER, name="Youyiguan", inbox_url="https://cn.example/inbox", gates=["CN-YYG"], added_at=now
        )
        assert uow.exchange.keys(PEER) == [
            KeyRow(
                owner=PEER, key_id="k1", public_key="public", private_key=None, status="active", created_at=now,
                revoked_at=None,
            )
        ]  # fmt: skip
        [(claimed, attempt)] = uow.exchange.claim_due(now, 10, timedelta(seconds=30))
        assert attempt == 1 and set(claimed) == keys(OutboxRow)
        assert claimed["envelope"] == out and claimed["peer_id"] == PEER and claimed["status"] == "pending"
        [waiting] = uow.exchange.held(PEER, "trip-1")
        assert set(waiting) == keys(InboxRow) and waiting["envelope"] == held and waiting["seq"] == 3
        assert uow.exchange.refusals(limit=10) == ([refusal], 1)
        assert uow.exchange.get_manifest(PEER, "trip-1") == {
            **manifest,
            "status": "held",
            "reasons": ["seal broken"],
            "updated_at": later,
        }
        assert uow.exchange.get_incident("inc-1") == {
            **incident,
            "status": "acknowledged",
            "acknowledged_at": later,
            "acknowledged_by": "officer",
        }
        assert uow.exchange.incident_events("inc-1") == [
            IncidentEventRow(incident_id="inc-1", seq=1, at=now, action="received", actor=PEER, detail=None)
        ]
        assert uow.exchange.outbox_stats()[PEER] == {**no_outbox_stats(), "pending": 1, "oldest_pending": now}
        assert uow.exchange.inbox_stats()[PEER] == {**no_inbox_stats(), "held": 1, "last_received": now}
