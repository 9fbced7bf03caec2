"""Onboarding's rules: a join request's checks and decisions, one-time links (expiry, single use), the enterprise
administrator's role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cuakhau.domain.accounts import ROLE_PERMISSIONS, Permission, Role, clean_contact
from cuakhau.domain.errors import Conflict, InvalidInput
from cuakhau.domain.onboarding import (
    INVITE_TTL,
    RESET_TTL,
    JoinRequest,
    JoinStatus,
    LinkPurpose,
    OneTimeLink,
)
from tests.fixtures.factories import vn_tax_code

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def submit(**overrides: Any) -> JoinRequest:
    fields: dict[str, Any] = {
        "request_id": "r1",
        "name_vi": "Công ty TNHH Nông sản Lạng Sơn",
        "name_zh": "谅山农产品有限责任公司",
        "country": "VN",
        "tax_id": vn_tax_code(),
        "roles": ["exporter"],
        "contact_name": "Nguyễn Thị Hoa",
        "contact": "Hoa@Example.VN",
        "admin_username": "nslangson",
        "documents": {"business_registration": "4900123456"},
        "created_at": NOW,
    }
    return JoinRequest.submit(**(fields | overrides))


def test_a_valid_request_is_pending_with_its_checked_values() -> None:
    r = submit()
    assert r.status is JoinStatus.PENDING
    assert r.contact == "hoa@example.vn"
    assert r.enterprise_name == "Công ty TNHH Nông sản Lạng Sơn / 谅山农产品有限责任公司"
    assert r.documents == {"business_registration": "4900123456"}


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"tax_id": "0100109107"}, "taxid.invalid", "tax_id"),
        ({"roles": []}, "enterprise.no_role", "roles"),
        ({"roles": ["smuggler"]}, None, "roles[0]"),
        ({"contact": "not a contact"}, "account.contact_invalid", "contact"),
        ({"contact": ""}, "join.contact_required", "contact"),
        ({"documents": {}}, "join.document_required", "documents.business_registration"),
        (
            {"roles": ["haulier"], "documents": {"business_registration": "1"}},
            "join.document_required",
            "documents.transport_licence",
        ),
        ({"documents": {"passport_scan": "x"}}, None, "documents.passport_scan"),
        ({"admin_username": "A"}, "account.username_invalid", "username"),
        ({"name_vi": ""}, None, "name_vi"),
        ({"locale": "fr"}, "account.locale_invalid", "locale"),
    ],
)
def test_a_bad_request_names_the_field(overrides: dict[str, Any], code: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        submit(**overrides)
    assert err.value.field == field
    if code is not None:
        assert err.value.code == code


def test_a_request_is_decided_once_and_a_refusal_needs_a_reason() -> None:
    r = submit()
    with pytest.raises(InvalidInput) as err:
        r.refuse(by="admin", at=NOW, reason="   ")
    assert err.value.field == "reason"
    refused = r.refuse(by="admin", at=NOW, reason="  Mã số thuế   không khớp  ")
    assert (refused.status, refused.reason, refused.decided_by) == (
        JoinStatus.REFUSED,
        "Mã số thuế không khớp",
        "admin",
    )
    with pytest.raises(Conflict):
        refused.approve(by="admin", at=NOW, enterprise_id="e1")
    approved = r.approve(by="admin", at=NOW, enterprise_id="e1")
    assert approved.status is JoinStatus.APPROVED and approved.enterprise_id == "e1"
    with pytest.raises(Conflict):
        approved.refuse(by="admin", at=NOW, reason="late")


@pytest.mark.parametrize(("purpose", "ttl"), [(LinkPurpose.RESET, RESET_TTL), (LinkPurpose.INVITE, INVITE_TTL)])
def test_a_link_works_until_it_expires(purpose: LinkPurpose, ttl: timedelta) -> None:
    link = OneTimeLink.issue(token_hash="h", account_id="a", purpose=purpose, now=NOW)
    assert link.expires_at == NOW + ttl
    assert link.usable_at(NOW + ttl - timedelta(seconds=1))
    assert not link.usable_at(NOW + ttl)
    with pytest.raises(InvalidInput) as err:
        link.use(NOW + ttl)
    assert (err.value.code, err.value.field) == ("account.link_invalid", "token")


def test_a_link_works_once() -> None:
    link = OneTimeLink.issue(token_hash="h", account_id="a", purpose=LinkPurpose.RESET, now=NOW)
    used = link.use(NOW + timedelta(minutes=1))
    assert used.used_at == NOW + timedelta(minutes=1)
    assert not used.usable_at(NOW + timedelta(minutes=2))
    with pytest.raises(InvalidInput):
        used.use(NOW + timedelta(minutes=2))


def test_reset_links_are_short_and_invitations_last_a_week() -> None:
    assert timedelta(hours=1) >= RESET_TTL
    assert timedelta(days=7) == INVITE_TTL


def test_the_enterprise_administrator_is_an_exporter_who_manages_its_users() -> None:
    admin, exporter = ROLE_PERMISSIONS[Role.ENTERPRISE_ADMIN], ROLE_PERMISSIONS[Role.EXPORTER]
    assert admin == exporter | {Permission.MANAGE_USERS}
    assert not any(
        Permission.MANAGE_USERS in ROLE_PERMISSIONS[r]
        for r in Role
        if r not in {Role.ENTERPRISE_ADMIN, Role.SYSTEM_ADMIN}
    )


@pytest.mark.parametrize(
    ("raw", "want"), [("a@b.vn", "a@b.vn"), ("+84 912 345 678", "+84 912 345 678"), ("", None), (None, None)]
)
def test_contacts_are_e_mail_addresses_or_phone_numbers(raw: str | None, want: str | None) -> None:
    assert clean_contact(raw) == want


@pytest.mark.parametrize("raw", ["hello", "a@b", "12", "x" * 300 + "@b.vn"])
def test_anything_else_is_not_a_contact(raw: str) -> None:
    with pytest.raises(InvalidInput):
        clean_contact(raw)
