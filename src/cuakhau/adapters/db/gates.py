"""Storage of gates: the gate, its lanes, opening hours and closures (read through the gate cache)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from cuakhau.adapters.db import tables as t
from cuakhau.adapters.db.cache import GATES
from cuakhau.adapters.db.common import insert_unique
from cuakhau.domain.gate import (
    Closure,
    ClosureKind,
    ClosureRule,
    Country,
    Direction,
    Gate,
    Lane,
    LaneKind,
    LocalizedText,
    OpeningPeriod,
)
from cuakhau.domain.trip import new_id


def _period_to_json(p: OpeningPeriod) -> dict[str, Any]:
    return {
        "opens": p.opens.isoformat("minutes"),
        "closes": p.closes.isoformat("minutes"),
        "weekdays": sorted(p.weekdays),
    }


def _period_from_json(d: dict[str, Any]) -> OpeningPeriod:
    return OpeningPeriod(
        opens=time.fromisoformat(d["opens"]),
        closes=time.fromisoformat(d["closes"]),
        weekdays=frozenset(d["weekdays"]),
    )


def _special_to_json(special: dict[date, list[OpeningPeriod]]) -> dict[str, list[dict[str, Any]]]:
    return {d.isoformat(): [_period_to_json(p) for p in periods] for d, periods in sorted(special.items())}


def _special_from_json(data: dict[str, Any] | None) -> dict[date, list[OpeningPeriod]]:
    return {date.fromisoformat(d): [_period_from_json(p) for p in periods] for d, periods in (data or {}).items()}


class SqlGateRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, gate: Gate) -> None:
        insert_unique(
            self.conn,
            insert(t.gates),
            {
                "id": gate.id,
                "country": gate.country.value,
                "locode": gate.locode,
                "name_vi": gate.names.vi,
                "name_zh": gate.names.zh,
                "name_en": gate.names.en,
                "counterpart_id": gate.counterpart_id,
                "province": gate.province,
                "latitude": gate.latitude,
                "longitude": gate.longitude,
                "opening_hours": [_period_to_json(p) for p in gate.opening_hours],
                "inspection_bays": gate.inspection_bays,
                "inspection_minutes": gate.inspection_minutes,
                "closure_rules": [r.as_dict() for r in gate.closure_rules],
                "special_hours": _special_to_json(gate.special_hours),
                "revision": new_id(),
            },
            code="gate.duplicate",
            field="id",
        )
        self._insert_lanes(gate)
        for closure in gate.closures:
            self.add_closure(gate.id, closure)

    def update(self, gate: Gate) -> None:
        """The gate's description, lanes, weekly hours and closure rules replaced by ``gate``'s; its closures and
        inspection capacity are left as they are (a new revision: every process's cache sees it at commit)."""
        self.conn.execute(
            update(t.gates)
            .where(t.gates.c.id == gate.id)
            .values(
                country=gate.country.value,
                locode=gate.locode,
                name_vi=gate.names.vi,
                name_zh=gate.names.zh,
                name_en=gate.names.en,
                counterpart_id=gate.counterpart_id,
                province=gate.province,
                latitude=gate.latitude,
                longitude=gate.longitude,
                opening_hours=[_period_to_json(p) for p in gate.opening_hours],
                closure_rules=[r.as_dict() for r in gate.closure_rules],
                revision=new_id(),
            )
        )
        self.conn.execute(delete(t.gate_lanes).where(t.gate_lanes.c.gate_id == gate.id))
        self._insert_lanes(gate)

    def _insert_lanes(self, gate: Gate) -> None:
        if gate.lanes:
            self.conn.execute(
                insert(t.gate_lanes),
                [
                    {
                        "gate_id": gate.id,
                        "code": ln.code,
                        "position": i,
                        "direction": ln.direction.value,
                        "kind": ln.kind.value,
                        "service_minutes": ln.service_minutes,
                        "is_open": ln.open,
                    }
                    for i, ln in enumerate(gate.lanes)
                ],
            )

    def set_inspection_capacity(self, gate_id: str, bays: int, minutes: float) -> None:
        """The gate's quarantine inspection bays (the booking capacity counts them); a new revision."""
        self.conn.execute(
            update(t.gates)
            .where(t.gates.c.id == gate_id)
            .values(inspection_bays=bays, inspection_minutes=minutes, revision=new_id())
        )

    def set_opening_hours(self, gate_id: str, hours: list[dict[str, Any]]) -> None:
        """The gate's weekly hours replaced (a new revision: every process's cache sees it at commit)."""
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(opening_hours=hours, revision=new_id()))

    def set_special_hours(self, gate_id: str, day: date, periods: list[OpeningPeriod] | None) -> None:
        """The exception of one local date set (``None``: removed, the weekly hours apply); a new revision."""
        row = self.conn.execute(select(t.gates.c.special_hours).where(t.gates.c.id == gate_id)).scalar()
        special = dict(row or {})
        if periods is None:
            special.pop(day.isoformat(), None)
        else:
            special[day.isoformat()] = [_period_to_json(p) for p in periods]
        self.conn.execute(
            update(t.gates)
            .where(t.gates.c.id == gate_id)
            .values(special_hours=dict(sorted(special.items())), revision=new_id())
        )

    def set_lane_open(self, gate_id: str, code: str, is_open: bool) -> bool:
        """Open or close one lane; False when the gate has no such lane. A new revision."""
        lanes = t.gate_lanes
        found = self.conn.execute(
            update(lanes).where(lanes.c.gate_id == gate_id, lanes.c.code == code).values(is_open=is_open)
        ).rowcount
        if found:
            self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(revision=new_id()))
        return bool(found)

    def record_change(self, change: dict[str, Any]) -> None:
        """One audited change of a gate (``gate_changes``: who, when, before and after, bookings moved)."""
        self.conn.execute(insert(t.gate_changes), change)

    def changes(self, gate_id: str, *, limit: int) -> list[dict[str, Any]]:
        """The gate's most recent audited changes, newest first."""
        c = t.gate_changes
        rows = self.conn.execute(
            select(c).where(c.c.gate_id == gate_id).order_by(c.c.at.desc(), c.c.id.desc()).limit(limit)
        ).all()
        return [dict(row._asdict()) for row in rows]

    def remove_closure(self, gate_id: str, closure_id: str) -> bool:
        c = t.gate_closures
        if not self.conn.execute(delete(c).where(c.c.id == closure_id, c.c.gate_id == gate_id)).rowcount:
            return False
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(revision=new_id()))
        return True

    def add_closure(self, gate_id: str, closure: Closure) -> None:
        self.conn.execute(update(t.gates).where(t.gates.c.id == gate_id).values(revision=new_id()))
        self.conn.execute(
            insert(t.gate_closures),
            {
                "id": closure.id or new_id(),
                "gate_id": gate_id,
                "starts_at": closure.starts_at,
                "ends_at": closure.ends_at,
                "kind": closure.kind.value,
                "reason": closure.reason,
            },
        )

    def get(self, gate_id: str, *, revision: str | None = None) -> Gate | None:
        """One indexed lookup of the gate's revision when the process has it cached (adapters/db/cache.py).

        ``revision``: the gate's revision, already read in this transaction with another query.
        """
        if revision is None:
            revision = self.conn.execute(select(t.gates.c.revision).where(t.gates.c.id == gate_id)).scalar()
        if revision is None:
            return None
        cached = GATES.get(gate_id, revision)
        if cached is not None:
            return cached
        gates = self._load(t.gates.c.id == gate_id)
        if not gates:
            return None
        # Loaded after the revision was read: at worst a change newer than it, never an older state.
        GATES.put(gate_id, revision, gates[0])
        return gates[0]

    def all(self) -> list[Gate]:
        return self._load(None)

    def _load(self, where: Any) -> list[Gate]:
        q = select(t.gates).order_by(t.gates.c.id)
        if where is not None:
            q = q.where(where)
        rows = self.conn.execute(q).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        lanes: dict[str, list[Lane]] = {}
        for r in self.conn.execute(
            select(t.gate_lanes).where(t.gate_lanes.c.gate_id.in_(ids)).order_by(t.gate_lanes.c.position)
        ):
            lanes.setdefault(r.gate_id, []).append(
                Lane(r.code, Direction(r.direction), LaneKind(r.kind), r.service_minutes, bool(r.is_open))
            )
        closures: dict[str, list[Closure]] = {}
        for r in self.conn.execute(
            select(t.gate_closures).where(t.gate_closures.c.gate_id.in_(ids)).order_by(t.gate_closures.c.starts_at)
        ):
            closures.setdefault(r.gate_id, []).append(
                Closure(r.starts_at, r.ends_at, r.reason, ClosureKind(r.kind), r.id)
            )
        return [
            Gate(
                id=r.id,
                country=Country(r.country),
                names=LocalizedText(r.name_vi, r.name_zh, r.name_en),
                counterpart_id=r.counterpart_id,
                locode=r.locode,
                province=r.province,
                latitude=r.latitude,
                longitude=r.longitude,
                lanes=lanes.get(r.id, []),
                opening_hours=[_period_from_json(p) for p in r.opening_hours],
                closures=closures.get(r.id, []),
                inspection_bays=r.inspection_bays,
                inspection_minutes=r.inspection_minutes,
                closure_rules=[ClosureRule.from_dict(d) for d in r.closure_rules or []],
                special_hours=_special_from_json(r.special_hours),
            )
            for r in rows
        ]
