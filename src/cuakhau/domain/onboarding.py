"""Onboarding — đăng ký tham gia / 入驻: an enterprise asks to join, staff decide, one-time links set passwords.

* A **join request** is what an enterprise fills in on the public page: its names in Vietnamese and Chinese, its
  tax number (checked with python-stdnum, :class:`~cuakhau.domain.values.TaxId`), its roles, a contact, the
  username of its own administrator, and the *references* of the documents listed in :data:`DOCUMENTS` (the
  business registration certificate's number, …). Files are not uploaded: the gate checks the references against
  the national registers and may ask for the papers; the platform keeps no copies of identity papers.
* A gate or system administrator **approves** (the enterprise and its administrator's account are made, and an
  invitation link is sent) or **refuses** with a reason (the requester is told why). A decided request stays
  decided.
* A **one-time link** (an invitation or a password reset) carries a random secret; only its SHA-256 is stored.
  It works once, before it expires; a new link of the same purpose replaces the older ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cuakhau.domain.accounts import SUPPORTED_LOCALES, clean_contact, normalise_username
from cuakhau.domain.common import clean_name, parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.parties import EnterpriseRole
from cuakhau.domain.values import TaxId

#: How long a password-reset link works.
RESET_TTL = timedelta(minutes=30)
#: How long an invitation works.
INVITE_TTL = timedelta(days=7)
MAX_REASON = 500
MAX_REFERENCE = 64
#: Each language's name; the enterprise is registered as "vi / zh", within the 300 characters of a name.
MAX_HALF_NAME = 140


class DocumentKind(StrEnum):
    """The documents a join request lists (their references; see the module's docstring)."""

    BUSINESS_REGISTRATION = "business_registration"  # Giấy chứng nhận đăng ký doanh nghiệp / 营业执照
    TRANSPORT_LICENCE = "transport_licence"  # Giấy phép kinh doanh vận tải / 道路运输经营许可证 (hauliers)
    EXPORT_LICENCE = "export_licence"  # a licence for controlled goods, when the enterprise has one (optional)


def required_documents(roles: frozenset[EnterpriseRole]) -> tuple[DocumentKind, ...]:
    """Every enterprise gives its business registration; a haulier also its road transport licence."""
    needed = [DocumentKind.BUSINESS_REGISTRATION]
    if EnterpriseRole.HAULIER in roles:
        needed.append(DocumentKind.TRANSPORT_LICENCE)
    return tuple(needed)


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class JoinRequest:
    id: str
    name_vi: str
    name_zh: str
    tax_id: TaxId
    roles: frozenset[EnterpriseRole]
    contact_name: str
    contact: str
    admin_username: str
    locale: str
    documents: dict[str, str]
    created_at: datetime
    address: str = ""
    status: JoinStatus = JoinStatus.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    enterprise_id: str | None = None

    @classmethod
    def submit(
        cls,
        *,
        request_id: str,
        name_vi: str,
        name_zh: str,
        country: str,
        tax_id: str,
        roles: list[str],
        contact_name: str,
        contact: str,
        admin_username: str,
        documents: dict[str, str],
        created_at: datetime,
        locale: str = "vi",
        address: str = "",
    ) -> JoinRequest:
        """Check every field; the first fault is named (``field``) in the error."""
        parsed_roles = frozenset(parse_enum(EnterpriseRole, r, field=f"roles[{i}]") for i, r in enumerate(roles))
        if not parsed_roles:
            raise InvalidInput("enterprise.no_role", field="roles")
        name = clean_name(name_vi, field="name_vi", max_length=MAX_HALF_NAME)
        name_cn = clean_name(name_zh, field="name_zh", max_length=MAX_HALF_NAME) if name_zh.strip() else ""
        if len(address) > 200:
            raise InvalidInput("text.too_long", field="address", max=200)
        if locale not in SUPPORTED_LOCALES:
            raise InvalidInput("account.locale_invalid", field="locale", locale=locale[:10])
        checked_contact = clean_contact(contact)
        if checked_contact is None:
            raise InvalidInput("join.contact_required", field="contact")
        docs: dict[str, str] = {}
        for kind, ref in documents.items():
            the_kind = parse_enum(DocumentKind, kind, field=f"documents.{kind}"[:60])
            value = ref.strip()
            if len(value) > MAX_REFERENCE:
                raise InvalidInput("text.too_long", field=f"documents.{the_kind.value}", max=MAX_REFERENCE)
            if value:
                docs[the_kind.value] = value
        for needed in required_documents(parsed_roles):
            if needed.value not in docs:
                raise InvalidInput("join.document_required", field=f"documents.{needed.value}", document=needed.value)
        return cls(
            id=request_id,
            name_vi=name,
            name_zh=name_cn,
            tax_id=TaxId.parse(country, tax_id, field="tax_id"),
            roles=parsed_roles,
            contact_name=clean_name(contact_name, field="contact_name"),
            contact=checked_contact,
            admin_username=normalise_username(admin_username),
            locale=locale,
            documents=docs,
            created_at=created_at,
            address=address.strip(),
        )

    @property
    def enterprise_name(self) -> str:
        """The name the enterprise is registered under: both languages of the pair when both are given."""
        return f"{self.name_vi} / {self.name_zh}" if self.name_zh else self.name_vi

    def approve(self, *, by: str, at: datetime, enterprise_id: str) -> JoinRequest:
        self._check_pending()
        return replace(self, status=JoinStatus.APPROVED, decided_at=at, decided_by=by, enterprise_id=enterprise_id)

    def refuse(self, *, by: str, at: datetime, reason: str) -> JoinRequest:
        self._check_pending()
        text = " ".join(reason.split())
        if not text:
            raise InvalidInput("join.reason_required", field="reason")
        if len(text) > MAX_REASON:
            raise InvalidInput("text.too_long", field="reason", max=MAX_REASON)
        return replace(self, status=JoinStatus.REFUSED, decided_at=at, decided_by=by, reason=text)

    def _check_pending(self) -> None:
        if self.status is not JoinStatus.PENDING:
            raise Conflict("join.decided", field="status", status=self.status.value)


class LinkPurpose(StrEnum):
    INVITE = "invite"  # a new account sets its first password
    RESET = "reset"  # a forgotten password is replaced


LINK_TTL: dict[LinkPurpose, timedelta] = {LinkPurpose.INVITE: INVITE_TTL, LinkPurpose.RESET: RESET_TTL}


@dataclass(frozen=True, slots=True)
class OneTimeLink:
    """A stored one-time link: the SHA-256 of its secret, whose account, what for, until when, used when."""

    token_hash: str
    account_id: str
    purpose: LinkPurpose
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = field(default=None)

    @classmethod
    def issue(cls, *, token_hash: str, account_id: str, purpose: LinkPurpose, now: datetime) -> OneTimeLink:
        return cls(token_hash, account_id, purpose, now, now + LINK_TTL[purpose])

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, now: datetime) -> OneTimeLink:
        """The link, used now. One answer (``account.link_invalid``) for used, expired and unknown links."""
        if not self.usable_at(now):
            raise InvalidInput("account.link_invalid", field="token")
        return replace(self, used_at=now)
