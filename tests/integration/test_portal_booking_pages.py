"""The portal after declaring, through its pages: what remains per slot and the limit that binds, the waiting
list's place and the slot to expect, a change of window that starts from the booking and warns before giving up
a slot, the dispatch check with its "leave by" time and one button, each trip's next step, and the inbox."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from cuakhau.adapters.web.pages import portal as portal_page
from cuakhau.domain.booking import BookingStatus
from cuakhau.domain.notification import Notification
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import equeue, registry, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, fruit_line, vn_citizen_id, vn_tax_code

GATE = "vn-chi-ma"  # 4 inspected trucks an hour (fruit needs plant quarantine)
DAY = date(2026, 6, 2)  # the fixtures' clock: 08:00 at Chi Ma
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
UUID = re.compile(r">[^<]*\b[0-9a-f]{32}\b[^<]*<")


def at(hour: int) -> datetime:
    return datetime.combine(DAY, time(hour), tzinfo=LOCAL)


def token(html: str, name: str = "csrf_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, name
    return found.group(1)


class Portal:
    def __init__(self, ctx: ServiceContext, world: World, client: TestClient) -> None:
        self.ctx, self.world, self.client = ctx, world, client
        app: Any = client.app
        app.state.page_principal_resolver = lambda request: principal(
            "exporter", enterprise_id=world.exporter.id, username="exporter-p2"
        )

    def trip(self, **line: Any) -> str:
        driver = registry.register_driver(
            self.ctx.uow(),
            clock=self.ctx.clock,
            full_name="Hoàng Văn Tư",
            document_kind="vn_citizen_id",
            document_number=vn_citizen_id(),
            nationality="VN",
        )
        shipment = self.world.shipment(lines=[fruit_line(**line)])
        return self.world.declare(
            gate_id=GATE, vehicle_id=self.world.new_truck(), driver_id=driver.id, shipment=shipment
        ).id

    def book(self, hour: int, hours: int = 1, trip_id: str | None = None) -> tuple[str, BookingStatus]:
        trip_id = trip_id or self.trip()
        clock: Any = self.ctx.clock
        clock.advance(timedelta(seconds=1))  # first come, first served: each request strictly after the last
        booking = equeue.book(
            self.ctx.uow(),
            clock=self.ctx.clock,
            request=equeue.BookingRequest(
                trip_id=trip_id,
                earliest=at(hour),
                latest=at(hour + hours),
                travel_minutes=60,
                actor=Actor(self.world.exporter.id, ActorRole.EXPORTER),
                idempotency=equeue.Idempotency("test", f"p2-{trip_id}", "h"),
            ),
        ).booking
        return trip_id, booking.status

    def booking(self, trip_id: str) -> Any:
        with self.ctx.uow(read_only=True) as uow:
            return uow.bookings.latest_for_trip(trip_id)


@pytest.fixture
def portal(ctx: ServiceContext, world: World, client: TestClient) -> Portal:
    return Portal(ctx, world, client)


def test_reschedule_starts_from_the_booking_and_warns_before_giving_up_the_slot(portal: Portal) -> None:
    for _ in range(4):  # 14:00 full of inspected trucks …
        assert portal.book(14)[1] is BookingStatus.ACTIVE
    for _ in range(2):  # … and two more waiting for it
        assert portal.book(14)[1] is BookingStatus.WAITING
    mine, status = portal.book(12)
    assert status is BookingStatus.ACTIVE
    page = portal.client.get(f"/portal/trips/{mine}?lang=en")
    assert page.status_code == 200
    # The change form starts from the booking's own window, in the gate's time.
    assert 'name="earliest" value="2026-06-02T12:00"' in page.text
    assert 'name="latest" value="2026-06-02T13:00"' in page.text
    body = {
        "csrf_token": token(page.text),
        "action": "reschedule",
        "earliest": "2026-06-02T14:00",
        "latest": "2026-06-02T15:00",
    }
    warned = portal.client.post(f"/portal/trips/{mine}/booking", data=body, follow_redirects=False)
    assert warned.status_code == 200, warned.text
    assert 'id="confirm-reschedule"' in warned.text
    assert "You will lose your slot at" in warned.text and "12:00" in warned.text
    assert "join the waiting list at position ~3" in warned.text
    held = portal.booking(mine)
    assert held.status is BookingStatus.ACTIVE and held.slot_start == at(12)  # nothing given up yet
    confirmed = portal.client.post(
        f"/portal/trips/{mine}/booking", data={**body, "confirm": "1"}, follow_redirects=False
    )
    assert confirmed.status_code == 303, confirmed.text
    assert portal.booking(mine).status is BookingStatus.WAITING
    page = portal.client.get(f"/portal/trips/{mine}?lang=en")
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert title and "Waiting list #3" in title.group(1) and "booked" not in title.group(1).lower()
    standing = re.search(r'id="standing">(.*?)<', page.text)
    assert standing and standing.group(1) == "Waiting list #3"
    assert 'id="waiting-outlook"' in page.text and "not sure" in page.text
    assert 'name="earliest" value="2026-06-02T14:00"' in page.text


def test_a_change_that_keeps_a_slot_goes_through_without_asking(portal: Portal) -> None:
    mine, _ = portal.book(12)
    page = portal.client.get(f"/portal/trips/{mine}")
    body = {"csrf_token": token(page.text), "action": "reschedule", "earliest": "2026-06-02T15:00"}
    moved = portal.client.post(
        f"/portal/trips/{mine}/booking", data={**body, "latest": "2026-06-02T17:00"}, follow_redirects=False
    )
    assert moved.status_code == 303, moved.text
    booking = portal.booking(mine)
    assert booking.status is BookingStatus.ACTIVE and booking.slot_start == at(15)


def test_each_slot_names_its_binding_limit_and_a_waiting_trip_its_place(portal: Portal) -> None:
    for _ in range(3):
        portal.book(10)
    mine = portal.trip()
    page = portal.client.get(f"/portal/trips/{mine}?lang=en&day=2026-06-02")
    row = re.search(r'<tr data-slot="2026-06-02T03:00:00\+00:00">(.*?)</tr>', page.text, re.S)
    assert row, page.text[:2000]
    assert '<strong class="remaining">1</strong>' in row.group(1)
    assert "limited by: the inspection places" in row.group(1)
    # The hour full, the next truck waits: its place on the list, and that a place is not sure to come.
    portal.book(10)
    waiting, status = portal.book(10)
    assert status is BookingStatus.WAITING
    page = portal.client.get(f"/portal/trips/{waiting}?lang=en")
    assert "Waiting list #1" in page.text and "not sure" in page.text


def test_dispatch_shows_leave_by_and_takes_one_tap(portal: Portal, world: World, ctx: ServiceContext) -> None:
    world.register_codes()
    trip_id, status = portal.book(9)
    assert status is BookingStatus.ACTIVE
    page = portal.client.get(f"/portal/trips/{trip_id}?lang=vi")
    assert 'id="dispatch"' in page.text
    assert "08:00" in re.search(r'class="leave-by">(.*?)<', page.text).group(1)  # type: ignore[union-attr]
    assert 'id="dispatch-problems"' not in page.text and 'id="dispatch-now"' in page.text
    listing = portal.client.get("/portal?lang=en")
    assert re.search(rf'data-trip="{trip_id}" data-step="dispatch"', listing.text)
    assert "Dispatch by" in listing.text and "Chi Ma" in listing.text
    done = portal.client.post(
        f"/portal/trips/{trip_id}/dispatch",
        data={"csrf_token": token(page.text), "version": token(page.text, "version")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert trips.get_trip(ctx.uow(), trip_id).state is TripState.DISPATCHED
    listing = portal.client.get("/portal?lang=en")
    assert re.search(rf'data-trip="{trip_id}" data-step="arrive"', listing.text)


def test_dispatch_refused_in_sentences(portal: Portal, ctx: ServiceContext) -> None:
    trip_id, _ = portal.book(14)  # leave by 13:00: too early to leave at 08:00
    page = portal.client.get(f"/portal/trips/{trip_id}?lang=en")
    problems = re.search(r'<ul id="dispatch-problems">(.*?)</ul>', page.text, re.S)
    assert problems and "Too early: the slot is" in problems.group(1) and "14:00" in problems.group(1)
    assert "dispatch." not in problems.group(1)
    refused = portal.client.post(
        f"/portal/trips/{trip_id}/dispatch", data={"csrf_token": token(page.text)}, follow_redirects=False
    )
    assert refused.status_code == 409
    assert 'data-code="dispatch.refused"' in refused.text and "Too early" in refused.text
    assert trips.get_trip(ctx.uow(), trip_id).state is TripState.BOOKED
    forged = portal.client.post(f"/portal/trips/{trip_id}/dispatch", data={"csrf_token": "x"})
    assert forged.status_code == 403


def test_the_inbox_holds_what_was_sent_newest_first_in_the_readers_language(
    portal: Portal, ctx: ServiceContext, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = portal.book(10)
    for _ in range(4):
        portal.book(11)
    with ctx.uow() as uow:  # a one-time link for one person: never in the enterprise's inbox
        uow.outbox.add(
            Notification(
                id="reset-p2",
                kind="password_reset",
                created_at=datetime(2026, 6, 2, 2, tzinfo=UTC),
                language="vi",
                payload={"to": "a@example.vn", "link": "https://x/reset/SECRET"},
                enterprise_id=portal.world.exporter.id,
            )
        )
        uow.commit()
    monkeypatch.setattr(portal_page, "INBOX_PAGE", 3)
    page = client.get("/portal/inbox?lang=vi")
    assert page.status_code == 200
    assert "SECRET" not in page.text and "password_reset" not in page.text
    assert "5 tin nhắn" in page.text.replace("Tổng cộng ", "")
    items = re.findall(r'<li class="card" data-kind="(\w+)">', page.text)
    assert items == ["slot_assigned"] * 3
    times = re.findall(r'<time datetime="([^"]+)"', page.text)
    assert times == sorted(times, reverse=True)
    assert "slot_assigned" not in re.sub(r'data-kind="\w+"', "", page.text)
    assert not UUID.search(page.text)
    older = client.get("/portal/inbox?lang=vi&offset=3")
    assert len(re.findall(r'<li class="card"', older.text)) == 2
    assert f'href="/portal/trips/{first}"' in older.text  # the oldest, last
    # Another enterprise reads none of them.
    other = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name="Công ty TNHH Khác", country="VN", tax_id=vn_tax_code(), roles=["exporter"]
    )
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: principal(
        "exporter", enterprise_id=other.id, username="exporter-other"
    )
    assert 'id="inbox-empty"' in client.get("/portal/inbox").text
