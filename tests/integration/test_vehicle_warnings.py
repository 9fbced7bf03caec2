"""Issue 21, item 1: what the plate hints against the registration is a warning an officer sees — on the trip the
API gives gate staff and on the officer dashboard's truck rows — as a sentence in the reader's language."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.domain.devices import Checkpoint
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import registry, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, principal, token_for
from tests.fixtures.factories import World, fruit_line, registration_number
from tests.integration.test_gate_ops import GATE, read

PLATE = "29H-433.74"  # series H: trucks carry it once earlier series ran out; the plate alone says "car"
SENTENCE = {"vi": "sê-ri H", "zh": "号段 H"}


def _held_truck_on_series_h(world: World, ctx: ServiceContext) -> str:
    vehicle = registry.register_vehicle(
        ctx.uow(),
        clock=ctx.clock,
        plate=PLATE,
        owner_id=world.exporter.id,
        vehicle_type="truck",
        registration_number=registration_number(),
    )
    trip_id = world.declare(GATE, vehicle_id=vehicle.id, shipment=world.shipment(lines=[fruit_line()])).id
    world.book(trip_id)
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="dispatch", actor=Actor("d1", ActorRole.DRIVER)
    )
    read(ctx, PLATE, Checkpoint.YARD_ENTRY)
    trips.transition_trip(
        ctx.uow(),
        clock=ctx.clock,
        trip_id=trip_id,
        action="hold",
        actor=Actor("vn-chi-ma:customs-01", ActorRole.CUSTOMS),
        reason="Kiểm tra giấy đăng ký xe",
    )
    return trip_id


def test_a_customs_officer_reads_the_trucks_warning_in_words(
    world: World, ctx: ServiceContext, app: Any, anon: TestClient
) -> None:
    trip_id = _held_truck_on_series_h(world, ctx)
    officer = bearer(token_for(ctx, Role.CUSTOMS_OFFICER, gates=[GATE]))
    for language, words in SENTENCE.items():
        r = anon.get(f"/api/v1/trips/{trip_id}", headers={**officer, "Accept-Language": language})
        assert r.status_code == 200, r.text
        vehicle = r.json()["vehicle"]
        assert vehicle["plate"] == PLATE and vehicle["vehicle_type"] == "truck" and vehicle["registration_number"]
        [warning] = vehicle["warnings"]
        assert words in warning and PLATE in warning
        assert "vehicle." not in warning and "_" not in warning  # a sentence, never a code
    # The exporter reads its own trip without the officers' block.
    exporter = bearer(token_for(ctx, Role.EXPORTER, enterprise_id=world.exporter.id))
    mine = anon.get(f"/api/v1/trips/{trip_id}", headers=exporter)
    assert mine.status_code == 200 and mine.json()["vehicle"] is None


def test_the_dashboard_marks_the_truck_with_its_warning(world: World, ctx: ServiceContext, anon: TestClient) -> None:
    _held_truck_on_series_h(world, ctx)
    anon.app.state.page_principal_resolver = lambda request: principal(  # type: ignore[attr-defined]
        "customs_officer", gates=[GATE], username="chi-ma-customs"
    )
    for language, words in SENTENCE.items():
        page = anon.get(f"/gates/{GATE}/dashboard?lang={language}")
        assert page.status_code == 200
        linked = r'<strong><a href="/gates/[^"]+/trucks/\w+" class="plate">29H-433\.74</a></strong>'  # the truck's page
        held = re.search(linked + r"(.*?)</li>", page.text, re.S)
        assert held is not None, page.text
        marker = re.search(r'<span class="vehicle-warning" role="note">(.*?)</span></span>|'
                           r'<span class="vehicle-warning" role="note"><span aria-hidden="true">⚠</span>([^<]+)</span>',
                           held.group(1))  # fmt: skip
        assert marker is not None, held.group(1)
        text = marker.group(2) or ""
        assert words in text and "vehicle." not in text
