"""The customs repository: channel decisions, officers' results, enterprise history, the selectivity state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cuakhau.adapters.db import tables as t
from cuakhau.domain.customs import (
    Channel,
    ChannelDecision,
    CustomsResult,
    EnterpriseHistory,
    Reason,
    ResultKind,
    SelectivityState,
)
from cuakhau.domain.errors import ConcurrentUpdate


class SqlCustomsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def decision(self, trip_id: str) -> ChannelDecision | None:
        r = self.conn.execute(select(t.customs_decisions).where(t.customs_decisions.c.trip_id == trip_id)).first()
        if r is None:
            return None
        return ChannelDecision(
            declaration_id=r.trip_id,
            channel=Channel(r.channel),
            score=r.score,
            reasons=tuple(Reason(x["code"], x["params"]) for x in r.reasons),
            profile_version=r.profile_version,
            decided_at=r.decided_at,
        )

    def add_decision(self, trip_id: str, gate_id: str, enterprise_id: str, decision: ChannelDecision) -> None:
        self.conn.execute(
            insert(t.customs_decisions).values(
                trip_id=trip_id,
                gate_id=gate_id,
                enterprise_id=enterprise_id,
                channel=decision.channel.value,
                score=decision.score,
                reasons=[r.to_dict() for r in decision.reasons],
                profile_version=decision.profile_version,
                decided_at=decision.decided_at,
            )
        )

    def results(self, trip_id: str) -> list[CustomsResult]:
        c = t.customs_results.c
        rows = self.conn.execute(select(t.customs_results).where(c.trip_id == trip_id).order_by(c.seq))
        return [
            CustomsResult(r.trip_id, ResultKind(r.kind), r.officer_id, r.at, Channel(r.channel), r.reason) for r in rows
        ]

    def add_result(self, trip_id: str, enterprise_id: str, result: CustomsResult) -> None:
        c = t.customs_results.c
        seq = self.conn.execute(select(func.count()).where(c.trip_id == trip_id)).scalar_one() + 1
        self.conn.execute(
            insert(t.customs_results).values(
                trip_id=trip_id,
                seq=seq,
                enterprise_id=enterprise_id,
                kind=result.kind.value,
                channel=result.channel.value,
                officer_id=result.officer_id,
                reason=result.reason,
                at=result.at,
            )
        )

    def history(self, enterprise_id: str, since: datetime) -> EnterpriseHistory:
        d, r = t.customs_decisions.c, t.customs_results.c
        declarations = self.conn.execute(
            select(func.count()).where(d.enterprise_id == enterprise_id, d.decided_at >= since)
        ).scalar_one()
        rows = self.conn.execute(
            select(r.kind, r.channel, func.count(), func.max(r.at))
            .where(r.enterprise_id == enterprise_id, r.at >= since)
            .group_by(r.kind, r.channel)
        ).all()
        holds = sum(n for kind, _, n, _ in rows if kind == ResultKind.HOLD.value)
        rejections = sum(n for kind, _, n, _ in rows if kind == ResultKind.REJECT.value)
        # A hold or a rejection after a physical inspection is a finding.
        findings = sum(n for kind, ch, n, _ in rows if kind != ResultKind.RELEASE.value and ch == Channel.RED.value)
        last = max((at for kind, _, _, at in rows if kind == ResultKind.REJECT.value), default=None)
        return EnterpriseHistory(enterprise_id, int(declarations), int(holds), int(rejections), int(findings), last)

    def state(self, gate_id: str) -> tuple[SelectivityState, int]:
        r = self.conn.execute(select(t.customs_selectivity).where(t.customs_selectivity.c.gate_id == gate_id)).first()
        return (SelectivityState.from_dict(r.state), r.version) if r else (SelectivityState(), 0)

    def save_state(self, gate_id: str, state: SelectivityState, seen_version: int) -> None:
        c = t.customs_selectivity.c
        if seen_version == 0:
            try:
                with self.conn.begin_nested():
                    self.conn.execute(
                        insert(t.customs_selectivity).values(gate_id=gate_id, version=1, state=state.to_dict())
                    )
            except IntegrityError:  # another writer created it first
                raise ConcurrentUpdate("customs_selectivity", gate_id) from None
            return
        result = self.conn.execute(
            update(t.customs_selectivity)
            .where(c.gate_id == gate_id, c.version == seen_version)
            .values(version=seen_version + 1, state=state.to_dict())
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate("customs_selectivity", gate_id)
