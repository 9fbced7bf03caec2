"""Accounts, roles and who may do what — tài khoản, vai trò / 账户、角色.

Two kinds of scope bound every account:

* **tenant roles** (exporter/haulier user, driver) are bound to one enterprise: they see and change only the
  trips, shipments, vehicles and drivers of that enterprise. Another enterprise's object answers exactly like a
  missing one (``<entity>.not_found``), so an id never tells whether it exists.
* **gate roles** (customs, quarantine, border guard, gate administrator, counterpart system) are bound to one or
  more gate ids: they act only at those gates. Gates are public, so a gate outside the account's scope is
  refused with ``auth.forbidden`` — the same answer a gate that does not exist gets.

The public reads the published things (gates, hours, closures, slots with remaining capacity, rules) without
an account. ``system_admin`` exists for set-up and operations: it may do everything, everywhere.

The rules are tables (:data:`ROLE_PERMISSIONS`, :data:`TRANSITION_ROLES`) so they can be published in
``docs/security.md`` and tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.trip import Actor, ActorRole, TripAction


class Role(StrEnum):
    EXPORTER = "exporter"  # exporter or haulier user — chủ hàng, nhà vận tải / 货主、承运人
    ENTERPRISE_ADMIN = "enterprise_admin"  # an enterprise's own administrator: an exporter who manages its users
    DRIVER = "driver"  # tài xế / 司机
    CUSTOMS_OFFICER = "customs_officer"  # hải quan / 海关
    QUARANTINE_OFFICER = "quarantine_officer"  # kiểm dịch / 检疫
    BORDER_GUARD = "border_guard"  # biên phòng / 边防
    GATE_ADMIN = "gate_admin"  # ban quản lý cửa khẩu / 口岸管理
    COUNTERPART = "counterpart"  # the system across the border, a machine client
    SYSTEM_ADMIN = "system_admin"  # set-up and operations


TENANT_ROLES: frozenset[Role] = frozenset({Role.EXPORTER, Role.ENTERPRISE_ADMIN, Role.DRIVER})
#: The roles an enterprise's admin may give the users it invites.
INVITABLE_ROLES: frozenset[Role] = frozenset({Role.EXPORTER, Role.DRIVER})
GATE_ROLES: frozenset[Role] = frozenset(
    {Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD, Role.GATE_ADMIN, Role.COUNTERPART}
)
OFFICER_ROLES: frozenset[Role] = frozenset(
    {Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD, Role.GATE_ADMIN}
)

#: The role an account's steps are recorded under in a trip's timeline.
ACTOR_ROLES: dict[Role, ActorRole] = {
    Role.EXPORTER: ActorRole.EXPORTER,
    Role.ENTERPRISE_ADMIN: ActorRole.EXPORTER,
    Role.DRIVER: ActorRole.DRIVER,
    Role.CUSTOMS_OFFICER: ActorRole.CUSTOMS,
    Role.QUARANTINE_OFFICER: ActorRole.QUARANTINE,
    Role.BORDER_GUARD: ActorRole.BORDER_GUARD,
    Role.GATE_ADMIN: ActorRole.GATE_ADMIN,
    Role.COUNTERPART: ActorRole.COUNTERPART,
    Role.SYSTEM_ADMIN: ActorRole.SYSTEM,
}


class Permission(StrEnum):
    """What a request asks to do. Scope (which enterprise, which gate) is checked on top of this."""

    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_USERS = "manage_users"  # invite and disable the users of one's own enterprise
    REGISTER_ENTERPRISE = "register_enterprise"
    READ_PARTIES = "read_parties"  # enterprises, vehicles, drivers (tenants: their own only)
    REGISTER_PARTY = "register_party"  # vehicles and drivers (tenants: for their own enterprise)
    DECLARE = "declare"  # shipments and trips (tenants: their own)
    READ_TRIP = "read_trip"  # trip, timeline, booking, stages (tenants: own; gate roles: at their gate)
    TRANSITION = "transition"  # one lifecycle step; which step is in TRANSITION_ROLES
    BOOK = "book"  # book, reschedule, cancel a booking
    READ_GATE_OPS = "read_gate_ops"  # day plan, yard, review queue, device log, delays
    OPERATE_GATE = "operate_gate"  # manual reads, resolving review items
    CALL_FORWARD = "call_forward"
    READ_CUSTOMS = "read_customs"  # a trip's risk channel and results
    RECORD_CUSTOMS = "record_customs"  # customs' release, hold or reject
    DECLARE_ACCEPTANCE = "declare_acceptance"  # the counterpart's daily/hourly quota
    PUBLISH_CLOSURE = "publish_closure"  # a holiday or suspension at the gate
    ADMINISTER_GATE = "administer_gate"  # re-planning, capacity, quotas, rules
    MARK_NO_SHOWS = "mark_no_shows"
    INSPECT = "inspect"  # send a truck to a bay, record the bay's outcome
    RECORD_QUARANTINE = "record_quarantine"  # laboratory results, accepting a certificate despite its findings
    SUBMIT_CERTIFICATE = "submit_certificate"  # hand in a phytosanitary certificate for a shipment
    EXCHANGE = "exchange"  # the cross-border exchange: manifests, decisions, crossings, hotline incidents


P = Permission
_EXPORTER = {P.READ_PARTIES, P.REGISTER_PARTY, P.DECLARE, P.READ_TRIP, P.TRANSITION, P.BOOK, P.SUBMIT_CERTIFICATE}
_OFFICER_COMMON = {P.READ_PARTIES, P.READ_TRIP, P.TRANSITION, P.READ_GATE_OPS, P.OPERATE_GATE, P.EXCHANGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.EXPORTER: frozenset(_EXPORTER),
    Role.ENTERPRISE_ADMIN: frozenset(_EXPORTER | {P.MANAGE_USERS}),
    Role.DRIVER: frozenset({P.READ_PARTIES, P.READ_TRIP, P.TRANSITION, P.BOOK}),
    Role.CUSTOMS_OFFICER: frozenset(_OFFICER_COMMON | {P.CALL_FORWARD, P.READ_CUSTOMS, P.RECORD_CUSTOMS, P.INSPECT}),
    Role.QUARANTINE_OFFICER: frozenset(_OFFICER_COMMON | {P.INSPECT, P.RECORD_QUARANTINE, P.SUBMIT_CERTIFICATE}),
    Role.BORDER_GUARD: frozenset(_OFFICER_COMMON),
    Role.GATE_ADMIN: frozenset(
        _OFFICER_COMMON
        | {
            P.REGISTER_ENTERPRISE,
            P.REGISTER_PARTY,
            P.BOOK,
            P.CALL_FORWARD,
            P.READ_CUSTOMS,
            P.DECLARE_ACCEPTANCE,
            P.PUBLISH_CLOSURE,
            P.ADMINISTER_GATE,
            P.MARK_NO_SHOWS,
        }
    ),
    Role.COUNTERPART: frozenset({P.READ_TRIP, P.DECLARE_ACCEPTANCE, P.PUBLISH_CLOSURE}),
    Role.SYSTEM_ADMIN: frozenset(Permission),
}

#: Which roles may take which lifecycle step (``system_admin`` may take every step).
A = TripAction
TRANSITION_ROLES: dict[TripAction, frozenset[Role]] = {
    A.DISPATCH: frozenset({Role.EXPORTER, Role.ENTERPRISE_ADMIN, Role.DRIVER, Role.GATE_ADMIN}),
    A.ARRIVE: frozenset({Role.BORDER_GUARD, Role.GATE_ADMIN}),
    A.CALL: frozenset({Role.CUSTOMS_OFFICER, Role.GATE_ADMIN}),
    A.REQUEUE: frozenset({Role.CUSTOMS_OFFICER, Role.GATE_ADMIN}),
    A.INSPECT: frozenset({Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER}),
    A.CLEAR: frozenset({Role.CUSTOMS_OFFICER}),
    A.HOLD: frozenset({Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD}),
    A.RELEASE: frozenset({Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD}),
    A.REJECT: frozenset({Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER}),
    A.RETURN: frozenset({Role.CUSTOMS_OFFICER, Role.QUARANTINE_OFFICER, Role.BORDER_GUARD}),
    A.CROSS: frozenset({Role.BORDER_GUARD, Role.GATE_ADMIN}),
    A.CANCEL: frozenset({Role.EXPORTER, Role.ENTERPRISE_ADMIN, Role.GATE_ADMIN}),
    A.NO_SHOW: frozenset({Role.GATE_ADMIN}),
}

SUPPORTED_LOCALES = ("vi", "zh", "en")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class Unauthenticated(CuakhauError):
    """No valid session or token (401)."""

    default_code = "auth.unauthenticated"
    http_status = 401


class InvalidCredentials(CuakhauError):
    """Wrong username or password — one answer for both, so a username cannot be probed (401)."""

    default_code = "auth.invalid_credentials"
    http_status = 401


class Forbidden(CuakhauError):
    """Authenticated, but the role or the gate does not allow this (403)."""

    default_code = "auth.forbidden"
    http_status = 403


class RateLimited(CuakhauError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed (429)."""

    default_code = "auth.rate_limited"
    http_status = 429

    def __init__(self, *, retry_after: int, scope: str) -> None:
        super().__init__(retry_after=retry_after, scope=scope)

    @property
    def retry_after(self) -> int:
        return int(self.params["retry_after"])


def normalise_username(raw: str) -> str:
    name = raw.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput("account.username_invalid", field="username")
    return name


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,24}$")


def clean_contact(raw: str | None, *, field: str = "contact") -> str | None:
    """An e-mail address or a phone number (where the notifier sends one-time links), or None."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if len(value) > 200 or not (_EMAIL.match(value) or _PHONE.match(value)):
        raise InvalidInput("account.contact_invalid", field=field)
    return value.lower() if "@" in value else value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("account.password_too_short", field="password", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("text.too_long", field="password", max=MAX_PASSWORD_LENGTH)


@dataclass(frozen=True, slots=True)
class TripScope:
    """What decides who may see a trip: its gate and the parties behind it."""

    trip_id: str
    gate_id: str
    exporter_id: str
    vehicle_owner_id: str
    driver_id: str

    @property
    def enterprises(self) -> frozenset[str]:
        return frozenset({self.exporter_id, self.vehicle_owner_id})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    account_id: str
    username: str
    role: Role
    enterprise_id: str | None
    gate_codes: frozenset[str]
    locale: str
    driver_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.SYSTEM_ADMIN

    @property
    def is_tenant(self) -> bool:
        return self.role in TENANT_ROLES

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def can_see_enterprise(self, enterprise_id: str | None) -> bool:
        """Staff read every party; a tenant reads only its own enterprise."""
        if not self.is_tenant:
            return self.may(Permission.READ_PARTIES)
        return enterprise_id is not None and enterprise_id == self.enterprise_id

    def acts_at_gate(self, gate_id: str) -> bool:
        return self.is_admin or (self.role in GATE_ROLES and gate_id in self.gate_codes)

    def can_see_trip(self, scope: TripScope) -> bool:
        if self.is_admin:
            return True
        if self.role is Role.DRIVER and self.driver_id is not None:
            return scope.driver_id == self.driver_id
        if self.is_tenant:
            return self.enterprise_id is not None and self.enterprise_id in scope.enterprises
        return self.acts_at_gate(scope.gate_id)

    def may_take(self, action: TripAction) -> bool:
        return self.is_admin or self.role in TRANSITION_ROLES.get(action, frozenset())

    def as_actor(self) -> Actor:
        """The actor recorded for this caller's steps."""
        return Actor(self.username, ACTOR_ROLES[self.role])


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    username: str
    role: Role
    password_hash: str | None  # None: a machine account that logs in only with API tokens
    created_at: datetime
    enterprise_id: str | None = None
    driver_id: str | None = None
    gate_codes: frozenset[str] = field(default_factory=frozenset)
    locale: str = "vi"
    active: bool = True
    contact: str | None = None  # where one-time links go (an e-mail address or a phone number)

    @classmethod
    def create(
        cls,
        *,
        account_id: str,
        username: str,
        role: Role | str,
        password_hash: str | None,
        created_at: datetime,
        enterprise_id: str | None = None,
        driver_id: str | None = None,
        gate_codes: Iterable[str] = (),
        locale: str = "vi",
        contact: str | None = None,
    ) -> Account:
        """Check the binding each role needs: tenants an enterprise, gate roles at least one gate."""
        try:
            the_role = Role(role)
        except ValueError:
            raise InvalidInput("account.role_invalid", field="role", role=str(role)[:40]) from None
        gates = frozenset(g.strip() for g in gate_codes if g.strip())
        if locale not in SUPPORTED_LOCALES:
            raise InvalidInput("account.locale_invalid", field="locale", locale=locale[:10])
        if the_role in TENANT_ROLES and not enterprise_id:
            raise InvalidInput("account.enterprise_required", field="enterprise_id", role=the_role.value)
        if the_role not in TENANT_ROLES and enterprise_id:
            raise InvalidInput("account.enterprise_not_allowed", field="enterprise_id", role=the_role.value)
        if driver_id and the_role is not Role.DRIVER:
            raise InvalidInput("account.driver_not_allowed", field="driver_id", role=the_role.value)
        if the_role in GATE_ROLES and not gates:
            raise InvalidInput("account.gate_required", field="gate_codes", role=the_role.value)
        if the_role not in GATE_ROLES and gates:
            raise InvalidInput("account.gate_not_allowed", field="gate_codes", role=the_role.value)
        return cls(
            id=account_id,
            username=normalise_username(username),
            role=the_role,
            password_hash=password_hash,
            created_at=created_at,
            enterprise_id=enterprise_id or None,
            driver_id=driver_id or None,
            gate_codes=gates,
            locale=locale,
            contact=clean_contact(contact),
        )

    def principal(self) -> Principal:
        return Principal(
            account_id=self.id,
            username=self.username,
            role=self.role,
            enterprise_id=self.enterprise_id,
            gate_codes=self.gate_codes,
            locale=self.locale,
            driver_id=self.driver_id,
        )


class TokenKind(StrEnum):
    SESSION = "session"  # from a login: expires, set as a cookie for pages or used as a bearer token
    API = "api"  # issued to a machine client (counterpart, integration): no expiry until revoked


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token: only the SHA-256 of the secret is kept."""

    token_hash: str
    account_id: str
    kind: TokenKind
    created_at: datetime
    expires_at: datetime | None
    label: str | None = None
    revoked_at: datetime | None = None

    def valid_at(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at
