"""The demo never shows a truck called forward or crossing while either side of its gate pair is shut (issue 21,
item 3): every call and crossing of a seeded demo falls within both sides' opening hours, without an override."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cuakhau.adapters.db import tables as t
from cuakhau.demo.seeding import seed_demo
from cuakhau.domain.gate import pair_shut
from cuakhau.services import gates
from cuakhau.services.context import ServiceContext


def test_every_call_and_crossing_of_a_seeded_demo_is_within_both_sides_opening_hours(
    ctx: ServiceContext, engine: Engine
) -> None:
    seed_demo(ctx, trips=60, seed=7)
    by_id = {g.id: g for g in gates.list_gates(ctx.uow())}
    e, tr = t.trip_events.c, t.trips.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(e.action, e.at, e.override_reason, tr.gate_id)
            .join(t.trips, tr.id == e.trip_id)
            .where(e.action.in_(["call", "cross"]))
        ).all()
    crossings = [r for r in rows if r.action == "cross"]
    assert len(crossings) >= 5, "the demo should show a day's crossings"
    wrong = []
    for r in rows:
        gate = by_id[r.gate_id]
        shut = pair_shut((gate, by_id.get(gate.counterpart_id or "")), r.at)
        if shut is not None or r.override_reason is not None:
            wrong.append((r.action, r.gate_id, gate.local(r.at).isoformat(), shut and shut.gate.id))
    assert wrong == []
