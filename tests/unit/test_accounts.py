"""Roles and permissions as published (docs/security.md), accounts' bindings, the token cache (the rate limiter:
test_ratelimit.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cuakhau.adapters.web.auth import actor_for
from cuakhau.adapters.web.schemas import ActorIn
from cuakhau.domain.accounts import (
    GATE_ROLES,
    ROLE_PERMISSIONS,
    TENANT_ROLES,
    TRANSITION_ROLES,
    Account,
    Forbidden,
    Permission,
    Principal,
    Role,
    TripScope,
)
from cuakhau.domain.errors import InvalidInput
from cuakhau.domain.trip import TRANSITIONS, ActorRole, TripAction
from cuakhau.services.accounts import TokenCache

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
SCOPE = TripScope(trip_id="t1", gate_id="vn-huu-nghi", exporter_id="E1", vehicle_owner_id="H1", driver_id="D1")


def principal(role: Role, *, enterprise: str | None = None, gates: tuple[str, ...] = (), driver: str | None = None):
    return Principal("a1", "user", role, enterprise, frozenset(gates), "vi", driver)


def test_every_role_has_a_permission_row_and_only_the_admin_has_them_all() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.SYSTEM_ADMIN] == frozenset(Permission)
    assert all(ROLE_PERMISSIONS[r] != frozenset(Permission) for r in Role if r is not Role.SYSTEM_ADMIN)
    assert not (TENANT_ROLES & GATE_ROLES)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.EXPORTER, Permission.DECLARE, True),
        (Role.EXPORTER, Permission.BOOK, True),
        (Role.EXPORTER, Permission.ADMINISTER_GATE, False),
        (Role.EXPORTER, Permission.READ_GATE_OPS, False),
        (Role.EXPORTER, Permission.REGISTER_ENTERPRISE, False),
        (Role.DRIVER, Permission.DECLARE, False),
        (Role.DRIVER, Permission.READ_TRIP, True),
        (Role.CUSTOMS_OFFICER, Permission.RECORD_CUSTOMS, True),
        (Role.QUARANTINE_OFFICER, Permission.RECORD_CUSTOMS, False),
        (Role.BORDER_GUARD, Permission.OPERATE_GATE, True),
        (Role.BORDER_GUARD, Permission.CALL_FORWARD, False),
        (Role.GATE_ADMIN, Permission.ADMINISTER_GATE, True),
        (Role.GATE_ADMIN, Permission.RECORD_CUSTOMS, False),  # customs decides release, not the gate
        (Role.COUNTERPART, Permission.DECLARE_ACCEPTANCE, True),
        (Role.COUNTERPART, Permission.PUBLISH_CLOSURE, True),
        (Role.COUNTERPART, Permission.ADMINISTER_GATE, False),
        (Role.COUNTERPART, Permission.BOOK, False),
    ],
)
def test_permission_table(role: Role, permission: Permission, allowed: bool) -> None:
    assert principal(role).may(permission) is allowed


def test_every_lifecycle_step_has_its_roles_and_customs_alone_clears() -> None:
    assert set(TRANSITION_ROLES) == set(TRANSITIONS) - {TripAction.BOOK}  # booking goes through the e-queue
    assert TRANSITION_ROLES[TripAction.CLEAR] == {Role.CUSTOMS_OFFICER}
    assert all(Role.COUNTERPART not in roles for roles in TRANSITION_ROLES.values())
    assert principal(Role.SYSTEM_ADMIN).may_take(TripAction.CLEAR)
    assert not principal(Role.EXPORTER).may_take(TripAction.ARRIVE)
    assert principal(Role.EXPORTER).may_take(TripAction.CANCEL)
    assert not principal(Role.DRIVER).may_take(TripAction.CANCEL)


def test_tenants_see_trips_they_take_part_in() -> None:
    assert principal(Role.EXPORTER, enterprise="E1").can_see_trip(SCOPE)  # the shipment's exporter
    assert principal(Role.EXPORTER, enterprise="H1").can_see_trip(SCOPE)  # the truck's owner (haulier)
    assert not principal(Role.EXPORTER, enterprise="E2").can_see_trip(SCOPE)
    assert not principal(Role.EXPORTER, enterprise=None).can_see_trip(SCOPE)
    assert principal(Role.DRIVER, enterprise="E9", driver="D1").can_see_trip(SCOPE)  # the one who drives it
    assert not principal(Role.DRIVER, enterprise="E1", driver="D2").can_see_trip(SCOPE)  # bound to a driver
    assert principal(Role.DRIVER, enterprise="E1").can_see_trip(SCOPE)  # no driver id: the enterprise's trips


def test_gate_roles_see_and_act_only_at_their_gates() -> None:
    officer = principal(Role.CUSTOMS_OFFICER, gates=("vn-huu-nghi", "vn-tan-thanh"))
    assert officer.acts_at_gate("vn-tan-thanh") and officer.can_see_trip(SCOPE)
    away = principal(Role.CUSTOMS_OFFICER, gates=("vn-mong-cai",))
    assert not away.acts_at_gate("vn-huu-nghi") and not away.can_see_trip(SCOPE)
    assert not principal(Role.EXPORTER, enterprise="E1", gates=("vn-huu-nghi",)).acts_at_gate("vn-huu-nghi")
    assert principal(Role.SYSTEM_ADMIN).acts_at_gate("anything") and principal(Role.SYSTEM_ADMIN).can_see_trip(SCOPE)


def test_enterprise_visibility() -> None:
    assert principal(Role.EXPORTER, enterprise="E1").can_see_enterprise("E1")
    assert not principal(Role.EXPORTER, enterprise="E1").can_see_enterprise("E2")
    assert principal(Role.BORDER_GUARD, gates=("g",)).can_see_enterprise("E2")  # staff read parties
    assert not principal(Role.COUNTERPART, gates=("g",)).can_see_enterprise("E2")


def test_the_recorded_actor_is_the_account() -> None:
    guard = principal(Role.BORDER_GUARD, gates=("g",))
    assert guard.as_actor().role is ActorRole.BORDER_GUARD and guard.as_actor().id == "user"
    assert actor_for(guard, None) == guard.as_actor()
    assert actor_for(guard, ActorIn(id="whoever", role=ActorRole.BORDER_GUARD)) == guard.as_actor()
    with pytest.raises(Forbidden) as refused:
        actor_for(guard, ActorIn(id="x", role=ActorRole.CUSTOMS))
    assert refused.value.code == "auth.actor_mismatch"
    stated = ActorIn(id="hq:customs-01", role=ActorRole.CUSTOMS)
    assert actor_for(principal(Role.SYSTEM_ADMIN), stated) == stated.to_domain()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": "exporter"}, "account.enterprise_required"),
        ({"role": "customs_officer"}, "account.gate_required"),
        ({"role": "counterpart", "enterprise_id": "E1", "gate_codes": ["g"]}, "account.enterprise_not_allowed"),
        ({"role": "exporter", "enterprise_id": "E1", "gate_codes": ["g"]}, "account.gate_not_allowed"),
        ({"role": "exporter", "enterprise_id": "E1", "driver_id": "D1"}, "account.driver_not_allowed"),
        ({"role": "mayor"}, "account.role_invalid"),
        ({"role": "system_admin", "locale": "fr"}, "account.locale_invalid"),
        ({"role": "system_admin", "username": "No Spaces"}, "account.username_invalid"),
        ({"role": "system_admin", "username": "ab"}, "account.username_invalid"),
    ],
)
def test_an_account_is_bound_as_its_role_needs(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"account_id": "a", "username": "user.one", "password_hash": None, "created_at": NOW}
    with pytest.raises(InvalidInput) as err:
        Account.create(**{**args, **kwargs})  # type: ignore[arg-type]
    assert err.value.code == code


def test_the_token_cache_expires_entries_and_stays_bounded() -> None:
    cache = TokenCache(ttl_seconds=30, max_entries=2)
    p = principal(Role.EXPORTER, enterprise="E1")
    cache.put("h1", p, NOW + timedelta(seconds=30))
    assert cache.get("h1", NOW + timedelta(seconds=29)) == p
    assert cache.get("h1", NOW + timedelta(seconds=30)) is None
    for key in ("a", "b", "c"):
        cache.put(key, p, NOW + timedelta(seconds=30))
    assert cache.get("a", NOW) is None and cache.get("c", NOW) == p
    cache.drop("c")
    assert cache.get("c", NOW) is None
    off = TokenCache(ttl_seconds=0)
    off.put("h", p, NOW + timedelta(seconds=1))
    assert off.get("h", NOW) is None


def test_the_published_tables_match_the_code() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    roles = list(Role)
    rows = ["| permission | " + " | ".join(r.value for r in roles) + " |", "|---|" + "---|" * len(roles)]
    for p in Permission:
        rows.append(f"| {p.value} | " + " | ".join("✓" if p in ROLE_PERMISSIONS[r] else "" for r in roles) + " |")
    assert "\n".join(rows) in doc
    steps = ["| step | roles (and system_admin) |", "|---|---|"]
    for action, allowed in TRANSITION_ROLES.items():
        steps.append(f"| {action.value} | " + ", ".join(r.value for r in Role if r in allowed) + " |")
    assert "\n".join(steps) in doc
