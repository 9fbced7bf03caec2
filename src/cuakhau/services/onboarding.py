"""Onboarding use cases: ask to join, approve or refuse, invite and disable users, change and reset passwords.

Every message to a person (an invitation, a refusal, a reset link) is written to the notification outbox in the
unit of work of the change, and delivered by the notifier (the webhook gateway, or the log in the demo) to the
address in ``payload["to"]``. A one-time link's secret is in that message only; the database keeps its SHA-256.

A reset request answers the same whatever the username: nothing tells whether an account exists, and both paths
do the same work up to the database (one read; the known path then writes the link and the message).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from argon2.exceptions import InvalidHashError, VerificationError

from cuakhau import i18n
from cuakhau.domain.accounts import (
    INVITABLE_ROLES,
    Account,
    Forbidden,
    Permission,
    Principal,
    Role,
    check_password,
    normalise_username,
)
from cuakhau.domain.clock import Clock
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound
from cuakhau.domain.notification import Notification, NotificationKind
from cuakhau.domain.onboarding import JoinRequest, JoinStatus, LinkPurpose, OneTimeLink
from cuakhau.domain.parties import Enterprise
from cuakhau.domain.trip import new_id
from cuakhau.i18n.times import local_time
from cuakhau.services import access
from cuakhau.services.accounts import TOKEN_BYTES, _hasher, hash_password, hash_token
from cuakhau.services.ports import UnitOfWork

#: Where a link leads: ``{base}/password/reset?token=…`` (the page sets the password, for invitations too).
LINK_PATH = "/password/reset"
MAX_LINK_TOKEN = 100


@dataclass(frozen=True, slots=True)
class Decision:
    request: JoinRequest
    account: Account | None = None  # the enterprise administrator's, on approval


def _link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{LINK_PATH}?token={token}"


def _issue_link(uow: UnitOfWork, account: Account, purpose: LinkPurpose, now: datetime) -> tuple[str, OneTimeLink]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = OneTimeLink.issue(token_hash=hash_token(token), account_id=account.id, purpose=purpose, now=now)
    uow.onboarding.drop_links(account.id, purpose)  # a new link replaces the unused older ones
    uow.onboarding.add_link(link)
    return token, link


#: The zone a person's link expiry is told in: the side of the border whose language they chose.
_READER_ZONE = {"zh": ZoneInfo("Asia/Shanghai")}
_DEFAULT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _notify(
    uow: UnitOfWork, kind: NotificationKind, *, now: datetime, language: str, enterprise_id: str | None, **payload: str
) -> None:
    """Queue a message to a person; ``message`` is what the gateway sends them: a sentence in their language, the
    link's expiry in their local time (the payload keeps the instant for integrators)."""
    shown = dict(payload)
    if "expires_at" in payload:
        shown["expires"] = local_time(payload["expires_at"], _READER_ZONE.get(language, _DEFAULT_ZONE))
    payload = {**payload, "message": i18n.render(f"notify.{kind.value}", language, shown)}
    uow.outbox.add(
        Notification(
            id=new_id(),
            kind=kind.value,
            created_at=now,
            language=language,
            payload=payload,
            enterprise_id=enterprise_id,
        )
    )


# --- join requests --------------------------------------------------------------------------------------------


def submit_join_request(
    uow: UnitOfWork,
    *,
    clock: Clock,
    name_vi: str,
    name_zh: str,
    country: str,
    tax_id: str,
    roles: list[str],
    contact_name: str,
    contact: str,
    admin_username: str,
    documents: dict[str, str],
    locale: str = "vi",
    address: str = "",
) -> JoinRequest:
    """An enterprise asks to join (public: no account)."""
    request = JoinRequest.submit(
        request_id=new_id(),
        name_vi=name_vi,
        name_zh=name_zh,
        country=country,
        tax_id=tax_id,
        roles=roles,
        contact_name=contact_name,
        contact=contact,
        admin_username=admin_username,
        documents=documents,
        created_at=clock.now(),
        locale=locale,
        address=address,
    )
    tax = request.tax_id
    with uow:
        if uow.enterprises.get_by_tax_id(tax.country, tax.number) is not None:
            raise Conflict("join.enterprise_exists", field="tax_id", tax_id=tax.number)
        if uow.onboarding.pending_for_tax_id(tax.country, tax.number) is not None:
            raise Conflict("join.pending", field="tax_id", tax_id=tax.number)
        taken = uow.accounts.get_by_username(request.admin_username) is not None
        if taken or uow.onboarding.pending_for_username(request.admin_username) is not None:
            raise Conflict("account.duplicate", field="admin_username", username=request.admin_username)
        uow.onboarding.add_request(request)
        uow.commit()
    return request


def join_requests(
    uow: UnitOfWork, principal: Principal, *, status: JoinStatus | None, limit: int = 50, offset: int = 0
) -> tuple[list[JoinRequest], int]:
    """The requests to decide (gate and system administrators)."""
    access.require_permission(principal, Permission.REGISTER_ENTERPRISE)
    with uow:
        return uow.onboarding.requests(status, limit=limit, offset=offset)


def approve_join_request(
    uow: UnitOfWork, *, clock: Clock, principal: Principal, request_id: str, link_base: str
) -> Decision:
    """Register the enterprise and its administrator's account, and send the invitation."""
    access.require_permission(principal, Permission.REGISTER_ENTERPRISE)
    now = clock.now()
    with uow:
        request = uow.onboarding.get_request(request_id, for_update=True)
        if request is None:
            raise NotFound("join_request", request_id, field="request_id")
        enterprise = Enterprise.register(
            enterprise_id=new_id(),
            name=request.enterprise_name,
            country=request.tax_id.country,
            tax_id=request.tax_id.number,
            roles=sorted(r.value for r in request.roles),
            address=request.address,
            created_at=now,
        )
        decided = request.approve(by=principal.username, at=now, enterprise_id=enterprise.id)
        if uow.enterprises.get_by_tax_id(request.tax_id.country, request.tax_id.number) is not None:
            raise Conflict("join.enterprise_exists", field="tax_id", tax_id=request.tax_id.number)
        if uow.accounts.get_by_username(request.admin_username) is not None:
            raise Conflict("account.duplicate", field="admin_username", username=request.admin_username)
        account = Account.create(
            account_id=new_id(),
            username=request.admin_username,
            role=Role.ENTERPRISE_ADMIN,
            password_hash=None,
            created_at=now,
            enterprise_id=enterprise.id,
            locale=request.locale,
            contact=request.contact,
        )
        uow.enterprises.add(enterprise)
        uow.accounts.add(account)
        if not uow.onboarding.save_decision(decided):
            raise Conflict("join.decided", field="status", status="decided")
        token, link = _issue_link(uow, account, LinkPurpose.INVITE, now)
        _notify(
            uow,
            NotificationKind.JOIN_APPROVED,
            now=now,
            language=request.locale,
            enterprise_id=enterprise.id,
            to=request.contact,
            name=request.contact_name,
            enterprise=request.enterprise_name,
            username=account.username,
            link=_link_url(link_base, token),
            expires_at=link.expires_at.isoformat(),
        )
        uow.commit()
    return Decision(decided, account)


def refuse_join_request(
    uow: UnitOfWork, *, clock: Clock, principal: Principal, request_id: str, reason: str
) -> Decision:
    """Refuse with a reason; the requester is told why."""
    access.require_permission(principal, Permission.REGISTER_ENTERPRISE)
    now = clock.now()
    with uow:
        request = uow.onboarding.get_request(request_id, for_update=True)
        if request is None:
            raise NotFound("join_request", request_id, field="request_id")
        decided = request.refuse(by=principal.username, at=now, reason=reason)
        if not uow.onboarding.save_decision(decided):
            raise Conflict("join.decided", field="status", status="decided")
        _notify(
            uow,
            NotificationKind.JOIN_REFUSED,
            now=now,
            language=request.locale,
            enterprise_id=None,
            to=request.contact,
            name=request.contact_name,
            enterprise=request.enterprise_name,
            reason=decided.reason or "",
        )
        uow.commit()
    return Decision(decided)


# --- an enterprise's users ------------------------------------------------------------------------------------


def _own_enterprise(principal: Principal) -> str:
    """The enterprise whose users the caller manages: its own (a system administrator uses the command line)."""
    access.require_permission(principal, Permission.MANAGE_USERS)
    if principal.enterprise_id is None:
        raise Forbidden(permission=Permission.MANAGE_USERS.value)
    return principal.enterprise_id


def enterprise_users(uow: UnitOfWork, principal: Principal) -> list[Account]:
    enterprise_id = _own_enterprise(principal)
    with uow:
        return uow.accounts.of_enterprise(enterprise_id)


def invite_user(
    uow: UnitOfWork,
    *,
    clock: Clock,
    principal: Principal,
    username: str,
    role: str,
    contact: str,
    link_base: str,
    locale: str = "vi",
    driver_id: str | None = None,
) -> Account:
    """An enterprise's administrator invites an exporter user or a driver; the invitation goes to ``contact``."""
    enterprise_id = _own_enterprise(principal)
    if role not in {r.value for r in INVITABLE_ROLES}:
        raise InvalidInput("account.role_not_invitable", field="role", role=str(role)[:40])
    now = clock.now()
    account = Account.create(
        account_id=new_id(),
        username=username,
        role=role,
        password_hash=None,
        created_at=now,
        enterprise_id=enterprise_id,
        driver_id=driver_id or None,
        locale=locale,
        contact=contact,
    )
    if account.contact is None:
        raise InvalidInput("join.contact_required", field="contact")
    with uow:
        if uow.accounts.get_by_username(account.username) is not None:
            raise Conflict("account.duplicate", field="username", username=account.username)
        if uow.onboarding.pending_for_username(account.username) is not None:
            raise Conflict("account.duplicate", field="username", username=account.username)
        if account.driver_id is not None:
            driver = uow.drivers.get(account.driver_id)
            if driver is None or driver.employer_id != enterprise_id:
                raise NotFound("driver", account.driver_id, field="driver_id")
        uow.accounts.add(account)
        token, link = _issue_link(uow, account, LinkPurpose.INVITE, now)
        _notify(
            uow,
            NotificationKind.ACCOUNT_INVITED,
            now=now,
            language=account.locale,
            enterprise_id=enterprise_id,
            to=account.contact,
            username=account.username,
            invited_by=principal.username,
            link=_link_url(link_base, token),
            expires_at=link.expires_at.isoformat(),
        )
        uow.commit()
    return account


def set_user_active(uow: UnitOfWork, *, clock: Clock, principal: Principal, username: str, active: bool) -> Account:
    """Disable a user of one's own enterprise (its sessions, tokens and links end) or enable it again."""
    enterprise_id = _own_enterprise(principal)
    name = normalise_username(username)
    with uow:
        account = uow.accounts.get_by_username(name)
        if account is None or account.enterprise_id != enterprise_id:
            raise NotFound("account", name, field="username")  # another enterprise's user: as if missing
        if account.id == principal.account_id:
            raise InvalidInput("account.not_self", field="username")
        uow.accounts.set_active(account.id, active)
        if not active:
            uow.tokens.revoke_all(account.id, clock.now())
            for purpose in LinkPurpose:
                uow.onboarding.drop_links(account.id, purpose)
        uow.commit()
    return replace(account, active=active)


# --- passwords ------------------------------------------------------------------------------------------------


def change_password(
    uow: UnitOfWork, *, clock: Clock, principal: Principal, current: str, new: str, session_token: str | None
) -> None:
    """Change one's own password; every other session and token of the account is revoked."""
    check_password(new)
    with uow:
        account = uow.accounts.get(principal.account_id)
        stored = account.password_hash if account is not None else None
        try:
            _hasher.verify(stored or "", current)
        except (VerificationError, InvalidHashError):
            raise InvalidInput("account.password_wrong", field="current_password") from None
        assert account is not None
        uow.accounts.set_password_hash(account.id, _hasher.hash(new))
        keep = hash_token(session_token) if session_token else None
        uow.tokens.revoke_all_but(account.id, keep, clock.now())
        uow.commit()


def request_password_reset(uow: UnitOfWork, *, clock: Clock, username: str, link_base: str) -> None:
    """Send a reset link to the account's contact, if there is such an active account with a contact.

    Answers nothing either way (the caller shows the same sentence whatever happened)."""
    try:
        name: str | None = normalise_username(username)
    except InvalidInput:
        name = None
    token = secrets.token_urlsafe(TOKEN_BYTES)  # made either way: the same work on both paths
    now = clock.now()
    with uow:
        account = uow.accounts.get_by_username(name) if name else None
        if account is None or not account.active or account.contact is None:
            return
        uow.onboarding.drop_links(account.id, LinkPurpose.RESET)
        digest = hash_token(token)
        link = OneTimeLink.issue(token_hash=digest, account_id=account.id, purpose=LinkPurpose.RESET, now=now)
        uow.onboarding.add_link(link)
        _notify(
            uow,
            NotificationKind.PASSWORD_RESET,
            now=now,
            language=account.locale,
            enterprise_id=account.enterprise_id,
            to=account.contact,
            username=account.username,
            link=_link_url(link_base, token),
            expires_at=link.expires_at.isoformat(),
        )
        uow.commit()


def link_account(uow: UnitOfWork, *, clock: Clock, token: str) -> tuple[Account, OneTimeLink]:
    """The account a usable link is for (the page greets the user by name); ``account.link_invalid`` otherwise."""
    if not token or len(token) > MAX_LINK_TOKEN:
        raise InvalidInput("account.link_invalid", field="token")
    with uow:
        link = uow.onboarding.get_link(hash_token(token))
        account = uow.accounts.get(link.account_id) if link is not None else None
    if link is None or account is None or not account.active or not link.usable_at(clock.now()):
        raise InvalidInput("account.link_invalid", field="token")
    return account, link


def redeem_link(uow: UnitOfWork, *, clock: Clock, token: str, password: str) -> Account:
    """Set the password through an invitation or reset link: once, before it expires. Every session and token of
    the account is revoked (whoever knew the old password is out), and its other unused links are dropped."""
    if not token or len(token) > MAX_LINK_TOKEN:
        raise InvalidInput("account.link_invalid", field="token")
    new_hash = hash_password(password)  # the password's own faults first, named by field
    now = clock.now()
    with uow:
        digest = hash_token(token)
        link = uow.onboarding.get_link(digest)
        if link is None:
            raise InvalidInput("account.link_invalid", field="token")
        link.use(now)  # expired or used: the same error
        account = uow.accounts.get(link.account_id)
        if account is None or not account.active or not uow.onboarding.use_link(digest, now):
            raise InvalidInput("account.link_invalid", field="token")
        uow.accounts.set_password_hash(account.id, new_hash)
        uow.tokens.revoke_all(account.id, now)
        for purpose in LinkPurpose:
            uow.onboarding.drop_links(account.id, purpose)
        uow.commit()
    return replace(account, password_hash=new_hash)
