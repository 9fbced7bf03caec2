"""Join requests and one-time links (invitations, password resets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from cuakhau.adapters.db import tables as t
from cuakhau.domain.onboarding import JoinRequest, JoinStatus, LinkPurpose, OneTimeLink
from cuakhau.domain.parties import EnterpriseRole
from cuakhau.domain.values import TaxId

_j = t.join_requests
_l = t.account_links


def _request(r: Any) -> JoinRequest:
    return JoinRequest(
        id=r.id,
        name_vi=r.name_vi,
        name_zh=r.name_zh,
        tax_id=TaxId(r.country, r.tax_number),
        roles=frozenset(EnterpriseRole(x) for x in r.roles),
        contact_name=r.contact_name,
        contact=r.contact,
        admin_username=r.admin_username,
        locale=r.locale,
        documents=dict(r.documents),
        created_at=r.created_at,
        address=r.address,
        status=JoinStatus(r.status),
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        reason=r.reason,
        enterprise_id=r.enterprise_id,
    )


def _link(r: Any) -> OneTimeLink:
    return OneTimeLink(r.token_hash, r.account_id, LinkPurpose(r.purpose), r.created_at, r.expires_at, r.used_at)


class SqlOnboardingRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_request(self, request: JoinRequest) -> None:
        self.conn.execute(
            insert(_j).values(
                id=request.id,
                name_vi=request.name_vi,
                name_zh=request.name_zh,
                country=request.tax_id.country,
                tax_number=request.tax_id.number,
                roles=sorted(r.value for r in request.roles),
                contact_name=request.contact_name,
                contact=request.contact,
                admin_username=request.admin_username,
                locale=request.locale,
                documents=request.documents,
                address=request.address,
                status=request.status.value,
                created_at=request.created_at,
            )
        )

    def get_request(self, request_id: str, *, for_update: bool = False) -> JoinRequest | None:
        query = select(_j).where(_j.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        r = self.conn.execute(query).first()
        return None if r is None else _request(r)

    def pending_for_tax_id(self, country: str, number: str) -> JoinRequest | None:
        c = _j.c
        query = select(_j).where(c.country == country, c.tax_number == number, c.status == JoinStatus.PENDING.value)
        r = self.conn.execute(query).first()
        return None if r is None else _request(r)

    def pending_for_username(self, username: str) -> JoinRequest | None:
        c = _j.c
        query = select(_j).where(c.admin_username == username, c.status == JoinStatus.PENDING.value)
        r = self.conn.execute(query).first()
        return None if r is None else _request(r)

    def requests(self, status: JoinStatus | None, *, limit: int, offset: int) -> tuple[list[JoinRequest], int]:
        where = [] if status is None else [_j.c.status == status.value]
        total = int(self.conn.execute(select(func.count()).select_from(_j).where(*where)).scalar_one())
        rows = self.conn.execute(
            select(_j).where(*where).order_by(_j.c.created_at, _j.c.id).limit(limit).offset(offset)
        )
        return [_request(r) for r in rows], total

    def save_decision(self, request: JoinRequest) -> bool:
        c = _j.c
        done = self.conn.execute(
            update(_j)
            .where(c.id == request.id, c.status == JoinStatus.PENDING.value)
            .values(
                status=request.status.value,
                decided_at=request.decided_at,
                decided_by=request.decided_by,
                reason=request.reason,
                enterprise_id=request.enterprise_id,
            )
        ).rowcount
        return bool(done)

    def add_link(self, link: OneTimeLink) -> None:
        self.conn.execute(
            insert(_l).values(
                token_hash=link.token_hash,
                account_id=link.account_id,
                purpose=link.purpose.value,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
            )
        )

    def get_link(self, token_hash: str) -> OneTimeLink | None:
        r = self.conn.execute(select(_l).where(_l.c.token_hash == token_hash)).first()
        return None if r is None else _link(r)

    def use_link(self, token_hash: str, at: datetime) -> bool:
        c = _l.c
        done = self.conn.execute(
            update(_l).where(c.token_hash == token_hash, c.used_at.is_(None)).values(used_at=at)
        ).rowcount
        return bool(done)

    def drop_links(self, account_id: str, purpose: LinkPurpose) -> int:
        c = _l.c
        where = [c.account_id == account_id, c.purpose == purpose.value, c.used_at.is_(None)]
        return int(self.conn.execute(delete(_l).where(*where)).rowcount)
