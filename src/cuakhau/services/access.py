"""Authorisation checks that need to read something first (which trip, whose vehicle, which gate).

Each check runs before the use case, in its own read: the things it reads (a trip's gate and parties, a
vehicle's owner, a shipment's exporter, a review item's gate) never change once written, so checking first and
acting second cannot be raced. An object outside the caller's scope is refused with exactly the error a
missing one gets — the same code, field and params — so an id never tells whether it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cuakhau.domain.accounts import Forbidden, Permission, Principal, TripScope
from cuakhau.domain.errors import CuakhauError, NotFound, Problems
from cuakhau.domain.trip import TripAction
from cuakhau.services.ports import UnitOfWork


def require_permission(principal: Principal, permission: Permission) -> None:
    if not principal.may(permission):
        raise Forbidden(permission=permission.value)


def require_gate(principal: Principal, permission: Permission, gate_id: str) -> None:
    """Gate routes: the role must allow it and the account must act at that gate (403 otherwise, also for a
    gate that does not exist — the gate list is public, so a 403 leaks nothing)."""
    require_permission(principal, permission)
    if not principal.acts_at_gate(gate_id):
        raise Forbidden(permission=permission.value, gate=gate_id[:64])


def trip_in_scope(uow: UnitOfWork, principal: Principal, trip_id: str, permission: Permission) -> TripScope:
    """The trip's scope, if the caller may do ``permission`` on it; ``trip.not_found`` when it may not see it."""
    require_permission(principal, permission)
    with uow:
        scope = uow.access.trip_scope(trip_id)
    if scope is None or not principal.can_see_trip(scope):
        raise NotFound("trip", trip_id)
    return scope


def check_transition(uow: UnitOfWork, principal: Principal, trip_id: str, action: str) -> None:
    """A lifecycle step: the trip must be visible; then the role must be allowed to take that step.

    An unknown action is left to the use case (it answers ``request.not_allowed`` with the choices).
    """
    trip_in_scope(uow, principal, trip_id, Permission.TRANSITION)
    try:
        trip_action = TripAction(action)
    except ValueError:
        return
    if not principal.may_take(trip_action):
        raise Forbidden(permission=f"transition.{trip_action.value}")


def review_in_scope(uow: UnitOfWork, principal: Principal, item_id: str, permission: Permission) -> str:
    require_permission(principal, permission)
    with uow:
        gate_id = uow.access.review_gate(item_id)
    if gate_id is None or not principal.acts_at_gate(gate_id):
        raise NotFound("review_item", item_id)
    return gate_id


def job_in_scope(uow: UnitOfWork, principal: Principal, job_id: str, permission: Permission) -> None:
    """An inspection job or laboratory sample belongs to its trip: seen by whoever sees the trip."""
    require_permission(principal, permission)
    with uow:
        job = uow.inspections.job(job_id)
        scope = uow.access.trip_scope(job.trip_id) if job is not None else None
    if scope is None or not principal.can_see_trip(scope):
        raise NotFound("inspection_job", job_id)


def check_in_scope(uow: UnitOfWork, principal: Principal, check_id: str, permission: Permission) -> None:
    """A certificate check belongs to its shipment: tenants see their own, staff read all (like shipments)."""
    require_permission(principal, permission)
    with uow:
        check = uow.inspections.check(check_id)
        shipment = uow.shipments.get(check.shipment_id) if check is not None else None
    if shipment is None or (principal.is_tenant and shipment.exporter_id != principal.enterprise_id):
        raise NotFound("phyto_check", check_id)


def exchange_gates(uow: UnitOfWork, principal: Principal) -> frozenset[str] | None:
    """The gates whose exchange records the caller sees: the gates they work at and the gates across from them
    (``None``: every gate, for a system administrator). One read, however many records are then checked."""
    if principal.is_admin:
        return None
    with uow:
        gates = uow.gates.all()
    mine = {g.id for g in gates if principal.acts_at_gate(g.id)}
    across = {g.counterpart_id for g in gates if g.id in mine and g.counterpart_id}
    return frozenset(mine | across)


def sees_exchange_record(record: Mapping[str, Any], gates: frozenset[str] | None) -> bool:
    """A manifest or an incident concerns its gate (and a manifest its destination too)."""
    concerned = {g for g in (record.get("gate_id"), record.get("to_gate_id")) if g}
    return gates is None or not concerned.isdisjoint(gates)


def exchange_record_in_scope(
    uow: UnitOfWork,
    principal: Principal,
    record: Mapping[str, Any] | None,
    entity: str,
    key: str,
    permission: Permission,
) -> dict[str, Any]:
    """A manifest or an incident, if the caller works at its gate pair; else exactly what a missing one gets."""
    require_permission(principal, permission)
    if record is None or not sees_exchange_record(record, exchange_gates(uow, principal)):
        raise NotFound(entity, key)
    return dict(record)


def enterprise_in_scope(uow: UnitOfWork, principal: Principal, enterprise_id: str, *, field: str | None) -> None:
    """Registering or declaring for an enterprise: a tenant only for its own (others look missing)."""
    if principal.is_tenant and enterprise_id != principal.enterprise_id:
        raise NotFound("enterprise", enterprise_id, field=field)


def vehicle_in_scope(uow: UnitOfWork, principal: Principal, vehicle_id: str, *, field: str | None = None) -> None:
    require_permission(principal, Permission.READ_PARTIES)
    if not principal.is_tenant:
        return
    with uow:
        vehicle = uow.vehicles.get(vehicle_id)
    if vehicle is None or vehicle.owner_id != principal.enterprise_id:
        raise NotFound("vehicle", vehicle_id, field=field)


def driver_in_scope(uow: UnitOfWork, principal: Principal, driver_id: str, *, field: str | None = None) -> None:
    """Tenants see drivers their enterprise employs; a driver account also sees itself.

    With ``field`` set (declaring a trip) a driver with no employer on record may be used by any enterprise.
    """
    require_permission(principal, Permission.READ_PARTIES)
    if not principal.is_tenant:
        return
    with uow:
        driver = uow.drivers.get(driver_id)
    if driver is None:
        raise NotFound("driver", driver_id, field=field)
    own = driver.employer_id is not None and driver.employer_id == principal.enterprise_id
    free = field is not None and driver.employer_id is None
    if not (own or free or driver.id == principal.driver_id):
        raise NotFound("driver", driver_id, field=field)


def shipment_in_scope(uow: UnitOfWork, principal: Principal, shipment_id: str, *, field: str | None = None) -> None:
    """Tenants see their own shipments; staff read all (a shipment is not bound to a gate until its trip)."""
    require_permission(principal, Permission.READ_TRIP)
    if not principal.is_tenant:
        return
    with uow:
        shipment = uow.shipments.get(shipment_id)
    if shipment is None or shipment.exporter_id != principal.enterprise_id:
        raise NotFound("shipment", shipment_id, field=field)


def check_declaration(
    uow: UnitOfWork,
    principal: Principal,
    *,
    vehicle_id: str,
    driver_id: str | None,
    trailer_id: str | None,
    shipment_id: str | None,
    exporter_id: str | None,
) -> list[CuakhauError]:
    """Declaring a trip: a tenant declares with its own shipment, its own truck and trailer, and a driver it
    employs (or one with no employer on record). Without the permission this raises; otherwise it returns every
    party out of scope (each answered as not found, on its field), for the declaration to report with the rest."""
    require_permission(principal, Permission.DECLARE)
    if not principal.is_tenant:
        return []
    problems = Problems()
    if exporter_id is not None:
        problems.attempt(enterprise_in_scope, uow, principal, exporter_id, field="shipment.exporter_id")
    if shipment_id is not None:
        problems.attempt(shipment_in_scope, uow, principal, shipment_id, field="shipment_id")
    problems.attempt(vehicle_in_scope, uow, principal, vehicle_id, field="vehicle_id")
    if trailer_id is not None:
        problems.attempt(vehicle_in_scope, uow, principal, trailer_id, field="trailer_id")
    if driver_id is not None:
        problems.attempt(driver_in_scope, uow, principal, driver_id, field="driver_id")
    return problems.errors
