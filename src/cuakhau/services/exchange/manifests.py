"""Trucks across the line: pre-arrival manifests, decisions on them, crossings, the check before ours cross."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cuakhau.domain.clock import Clock
from cuakhau.domain.common import parse_enum
from cuakhau.domain.errors import Conflict, InvalidInput, NotFound, require
from cuakhau.domain.exchange import Decision, MessageKind
from cuakhau.domain.gate import Direction
from cuakhau.domain.trip import Actor, ActorRole, Trip
from cuakhau.services.exchange.common import Identity, enqueue, own_gate, peer_for_gate
from cuakhau.services.ports import UnitOfWork, UnitOfWorkFactory
from cuakhau.services.ports.exchange import ManifestRow

MAX_REASONS = 20


def check_crossing_in(uow: UnitOfWork, trip: Trip) -> None:
    """Inside a unit of work, before our truck crosses: the gate across has not held or returned it.

    Their decision is theirs; we carry it to our border line, so a truck they will not take is not sent over.
    A later ``accepted`` from them lifts it.
    """
    manifest = uow.exchange.find_manifest(trip.id)
    if manifest is not None and manifest["way"] == "out" and manifest["status"] in ("held", "returned"):
        raise Conflict(
            "exchange.refused_across",
            field="trip_id",
            gate=manifest["to_gate_id"],
            decision=manifest["status"],
            reasons="; ".join(manifest["reasons"]) or "-",
        )


#: A truck is announced across the line once it leaves for the gate (and, if the link was down then, while it waits).
ANNOUNCE_STATES = ["dispatched", "arrived", "called", "inspecting", "held", "released", "cleared"]


def announce_departures(uow_factory: UnitOfWorkFactory, *, clock: Clock, identity: Identity, limit: int = 50) -> int:
    """Send the pre-arrival manifest of every export trip of ours that has left and is not announced yet.

    Declare once: the manifest is built from the declaration already on record, without the exporter or an officer
    doing anything. Each manifest goes in its own unit of work, so one that cannot be built does not stop the rest;
    returns how many were sent.
    """
    sent = 0
    for gate_id in sorted(identity.gates):
        with uow_factory(read_only=True) as uow:
            gate = uow.gates.get(gate_id)
            peers = [p for p in uow.exchange.peers() if gate and gate.counterpart_id in p["gates"]]
            if gate is None or not peers:
                continue
            due = uow.exchange.unannounced_trips(gate_id, peers[0]["id"], ANNOUNCE_STATES, limit - sent)
        for trip_id in due:
            try:
                submit_manifest(uow_factory(), clock=clock, identity=identity, trip_id=trip_id)
            except Conflict as exc:
                if exc.code != "exchange.manifest_exists":  # another server process announced it first
                    raise
                continue
            sent += 1
        if sent >= limit:
            break
    return sent


def submit_manifest(uow: UnitOfWork, *, clock: Clock, identity: Identity, trip_id: str) -> dict[str, Any]:
    """Send the pre-arrival manifest of one of our trips to the gate across the line."""
    now = clock.now()
    with uow:
        trip = require(uow.trips.get(trip_id), "trip", trip_id, field="trip_id")
        gate = own_gate(uow, identity, trip.gate_id)
        if trip.direction is not Direction.EXPORT:
            raise InvalidInput("exchange.manifest_direction", field="trip_id", direction=trip.direction.value)
        if trip.is_terminal:
            raise Conflict("exchange.trip_finished", field="trip_id", state=trip.state.value)
        peer = peer_for_gate(uow, gate.counterpart_id or "")
        if uow.exchange.get_manifest(peer["id"], trip.id) is not None:
            raise Conflict("exchange.manifest_exists", field="trip_id")
        shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
        vehicle = require(uow.vehicles.get(trip.vehicle_id), "vehicle", trip.vehicle_id)
        exporter = uow.enterprises.get(shipment.exporter_id)
        booking = uow.bookings.latest_for_trip(trip.id)
        body = {
            "trip_ref": trip.id,
            "from_gate_id": gate.id,
            "to_gate_id": gate.counterpart_id,
            "plate": vehicle.plate.text,
            "containers": [str(c) for c in trip.containers],
            "exporter": {
                "name": exporter.name if exporter else "",
                "tax_id": exporter.tax_id.number if exporter else "",
            },
            "consignee": {"name": shipment.consignee_name, "country": shipment.consignee_country},
            "perishability": shipment.perishability.value,
            "plant_product": shipment.plant_product,
            "phytosanitary_certificate_no": shipment.phytosanitary_certificate_no,
            "gross_kg": str(shipment.gross_kg),
            "lines": [
                {
                    "hs_code": ln.hs.code,
                    "description": ln.description,
                    "net_kg": str(ln.net_kg),
                    "gross_kg": str(ln.gross_kg),
                    "packages": ln.packages,
                    "perishability": ln.perishability.value,
                }
                for ln in shipment.lines
            ],
            "slot_start": booking.slot_start.isoformat() if booking and booking.slot_start else None,
        }
        uow.exchange.add_manifest(
            {
                "peer_id": peer["id"],
                "trip_ref": trip.id,
                "way": "out",
                "gate_id": gate.id,
                "to_gate_id": gate.counterpart_id or "",  # own_gate refused a gate without one
                "plate": vehicle.plate.text,
                "summary": body,
                "status": "submitted",
                "reasons": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        envelope = enqueue(uow, clock, identity, peer["id"], MessageKind.MANIFEST, gate.id, body, trip_ref=trip.id)
        uow.commit()
    return envelope


def decide(
    uow: UnitOfWork,
    *,
    clock: Clock,
    identity: Identity,
    trip_ref: str,
    decision: str,
    reasons: Sequence[str],
    actor: Actor,
) -> dict[str, Any]:
    """Our gate's decision on an announced truck — accepted, held or returned, with reasons — sent back."""
    verdict = parse_enum(Decision, decision, field="decision")
    reasons = [r.strip() for r in reasons if r.strip()]
    if verdict is not Decision.ACCEPTED and not reasons:
        raise InvalidInput("exchange.reason_required", field="reasons", decision=verdict.value)
    if len(reasons) > MAX_REASONS:
        raise InvalidInput("exchange.too_many_reasons", field="reasons", max=MAX_REASONS)
    if actor.role not in {ActorRole.CUSTOMS, ActorRole.QUARANTINE, ActorRole.BORDER_GUARD, ActorRole.GATE_ADMIN}:
        raise InvalidInput("actor.role_not_allowed", field="actor.role", role=actor.role.value)
    now = clock.now()
    with uow:
        manifest = _incoming_manifest(uow, trip_ref)
        if manifest["status"] in {"returned", "crossed"}:
            raise Conflict("exchange.manifest_closed", field="trip_ref", status=manifest["status"])
        uow.exchange.update_manifest(
            manifest["peer_id"], trip_ref, status=verdict.value, reasons=reasons, updated_at=now
        )
        body = {
            "trip_ref": trip_ref,
            "decision": verdict.value,
            "reasons": reasons,
            "decided_by": actor.id,
            "decided_at": now.isoformat(),
        }
        envelope = enqueue(
            uow, clock, identity, manifest["peer_id"], MessageKind.DECISION, manifest["to_gate_id"], body, trip_ref
        )
        uow.commit()
    return envelope


def confirm_crossing(
    uow: UnitOfWork, *, clock: Clock, identity: Identity, trip_ref: str, actor: Actor
) -> dict[str, Any]:
    """The announced truck entered our side: tell the departing gate."""
    now = clock.now()
    with uow:
        manifest = _incoming_manifest(uow, trip_ref)
        if manifest["status"] != Decision.ACCEPTED.value:
            raise Conflict("exchange.not_accepted", field="trip_ref", status=manifest["status"])
        uow.exchange.update_manifest(manifest["peer_id"], trip_ref, status="crossed", updated_at=now)
        body = {"trip_ref": trip_ref, "crossed_at": now.isoformat(), "confirmed_by": actor.id}
        envelope = enqueue(
            uow, clock, identity, manifest["peer_id"], MessageKind.CROSSING, manifest["to_gate_id"], body, trip_ref
        )
        uow.commit()
    return envelope


def _incoming_manifest(uow: UnitOfWork, trip_ref: str) -> ManifestRow:
    manifest = uow.exchange.find_manifest(trip_ref)
    if manifest is None or manifest["way"] != "in":
        raise NotFound("exchange_manifest", trip_ref, field="trip_ref")
    return manifest
