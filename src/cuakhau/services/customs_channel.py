"""The customs risk channel of each declaration, decided once when its truck reaches the yard.

The channel comes from the published selectivity profile and the enterprise's history; the calibration state of
each gate is kept in the database and moved with a version check, so two server processes never calibrate on a
lost update. The random draws are seeded by the profile version and the declaration id, so anyone can replay a
decision. The trip lifecycle (:mod:`cuakhau.services.lifecycle`) calls :func:`assign_channel_in` on arrival.
"""

from __future__ import annotations

import random
from datetime import timedelta

from cuakhau.domain.clock import Clock
from cuakhau.domain.customs import ChannelDecision, SelectivityProfile, decide_channel
from cuakhau.domain.errors import require
from cuakhau.domain.trip import Trip
from cuakhau.services.ports import UnitOfWork

DEFAULT_PROFILE = SelectivityProfile()


def assign_channel_in(
    uow: UnitOfWork, clock: Clock, trip: Trip, profile: SelectivityProfile = DEFAULT_PROFILE
) -> ChannelDecision:
    """Inside an open unit of work: the trip's channel, decided once (a second call returns the first decision)."""
    existing = uow.customs.decision(trip.id)
    if existing is not None:
        return existing
    shipment = require(uow.shipments.get(trip.shipment_id), "shipment", trip.shipment_id)
    since = clock.now() - timedelta(days=profile.history.window_days)
    history = uow.customs.history(shipment.exporter_id, since)
    state, version = uow.customs.state(trip.gate_id)
    rng = random.Random(f"{profile.version}:{trip.id}")
    decision, new_state = decide_channel(shipment, history, profile, state, rng, clock=clock, declaration_id=trip.id)
    uow.customs.save_state(trip.gate_id, new_state, version)
    uow.customs.add_decision(trip.id, trip.gate_id, shipment.exporter_id, decision)
    return decision
