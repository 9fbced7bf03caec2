"""Accounts, tokens and the lookups authorisation needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from cuakhau.adapters.db import tables as t
from cuakhau.domain.accounts import Account, Role, TokenKind, TokenRecord, TripScope


def _account(r: Any) -> Account:
    return Account(
        id=r.id,
        username=r.username,
        role=Role(r.role),
        password_hash=r.password_hash,
        created_at=r.created_at,
        enterprise_id=r.enterprise_id,
        driver_id=r.driver_id,
        gate_codes=frozenset(r.gate_codes),
        locale=r.locale,
        active=bool(r.active),
        contact=r.contact,
    )


class SqlAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, account: Account) -> None:
        self.conn.execute(
            insert(t.accounts).values(
                id=account.id,
                username=account.username,
                password_hash=account.password_hash,
                role=account.role.value,
                enterprise_id=account.enterprise_id,
                driver_id=account.driver_id,
                gate_codes=sorted(account.gate_codes),
                locale=account.locale,
                active=account.active,
                created_at=account.created_at,
                contact=account.contact,
            )
        )

    def get(self, account_id: str) -> Account | None:
        r = self.conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)).first()
        return None if r is None else _account(r)

    def get_by_username(self, username: str) -> Account | None:
        r = self.conn.execute(select(t.accounts).where(t.accounts.c.username == username)).first()
        return None if r is None else _account(r)

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        self.conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(password_hash=password_hash))

    def set_active(self, account_id: str, active: bool) -> None:
        self.conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(active=active))

    def of_enterprise(self, enterprise_id: str) -> list[Account]:
        c = t.accounts.c
        rows = self.conn.execute(select(t.accounts).where(c.enterprise_id == enterprise_id).order_by(c.username))
        return [_account(r) for r in rows]


class SqlTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, token: TokenRecord) -> None:
        self.conn.execute(
            insert(t.auth_tokens).values(
                token_hash=token.token_hash,
                account_id=token.account_id,
                kind=token.kind.value,
                label=token.label,
                created_at=token.created_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )

    def resolve(self, token_hash: str) -> tuple[TokenRecord, Account] | None:
        tok, acc = t.auth_tokens, t.accounts
        r = self.conn.execute(
            select(
                tok.c.token_hash,
                tok.c.kind,
                tok.c.label,
                tok.c.created_at.label("token_created_at"),
                tok.c.expires_at,
                tok.c.revoked_at,
                acc,
            )
            .join(acc, acc.c.id == tok.c.account_id)
            .where(tok.c.token_hash == token_hash)
        ).first()
        if r is None:
            return None
        record = TokenRecord(
            token_hash=r.token_hash,
            account_id=r.id,
            kind=TokenKind(r.kind),
            created_at=r.token_created_at,
            expires_at=r.expires_at,
            label=r.label,
            revoked_at=r.revoked_at,
        )
        return record, _account(r)

    def revoke(self, token_hash: str, at: datetime) -> bool:
        c = t.auth_tokens.c
        done = self.conn.execute(
            update(t.auth_tokens).where(c.token_hash == token_hash, c.revoked_at.is_(None)).values(revoked_at=at)
        ).rowcount
        return bool(done)

    def revoke_all(self, account_id: str, at: datetime) -> int:
        c = t.auth_tokens.c
        done = self.conn.execute(
            update(t.auth_tokens).where(c.account_id == account_id, c.revoked_at.is_(None)).values(revoked_at=at)
        ).rowcount
        return int(done)

    def revoke_all_but(self, account_id: str, keep_hash: str | None, at: datetime) -> int:
        c = t.auth_tokens.c
        where = [c.account_id == account_id, c.revoked_at.is_(None)]
        if keep_hash is not None:
            where.append(c.token_hash != keep_hash)
        return int(self.conn.execute(update(t.auth_tokens).where(*where).values(revoked_at=at)).rowcount)

    def purge_expired(self, before: datetime) -> int:
        c = t.auth_tokens.c
        return int(self.conn.execute(delete(t.auth_tokens).where(c.expires_at < before)).rowcount)


class SqlAccessRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def trip_scope(self, trip_id: str) -> TripScope | None:
        tr, sh, ve = t.trips, t.shipments, t.vehicles
        r = self.conn.execute(
            select(tr.c.id, tr.c.gate_id, tr.c.driver_id, sh.c.exporter_id, ve.c.owner_id)
            .join(sh, sh.c.id == tr.c.shipment_id)
            .join(ve, ve.c.id == tr.c.vehicle_id)
            .where(tr.c.id == trip_id)
        ).first()
        if r is None:
            return None
        return TripScope(
            trip_id=r.id,
            gate_id=r.gate_id,
            exporter_id=r.exporter_id,
            vehicle_owner_id=r.owner_id,
            driver_id=r.driver_id,
        )

    def review_gate(self, item_id: str) -> str | None:
        c = t.review_items.c
        gate: str | None = self.conn.execute(select(c.gate_id).where(c.id == item_id)).scalar()
        return gate
