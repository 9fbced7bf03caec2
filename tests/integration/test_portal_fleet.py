"""The portal's fleet through its forms: register a truck, a semi-trailer and a driver, every problem of a form at
once next to its field, warnings as sentences, only for one's own enterprise; declare a past trip again."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Principal
from cuakhau.services import registry, trips
from cuakhau.services.context import ServiceContext
from cuakhau.services.ports import TripFilter
from tests.fixtures.accounts import principal
from tests.fixtures.factories import World, vn_citizen_id, vn_tax_code
from tests.integration.test_portal_pages import GATE, form, token


def Exporter(enterprise_id: str, locale: str = "vi") -> Principal:
    return principal("exporter", enterprise_id=enterprise_id, username=f"exp-{enterprise_id[:8]}", locale=locale)


def sign_in(client: TestClient, who: Principal | None) -> None:
    app: Any = client.app
    app.state.page_principal_resolver = lambda request: who


def csrf(client: TestClient, url: str = "/portal/fleet") -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    return token(page.text)


def test_register_a_truck_a_semi_trailer_and_a_driver(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    page = anon.get("/portal/fleet?lang=vi")
    assert page.status_code == 200 and "Xe và lái xe của tôi" in page.text
    assert world.truck.plate.display in page.text  # the enterprise's own fleet is listed
    key = token(page.text)
    truck = {"csrf_token": key, "plate": "29C-345.67", "vehicle_type": "truck", "registration_number": "012 345"}
    done = anon.post("/portal/fleet/vehicles", data=truck, follow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    saved = registry.list_vehicles(ctx.uow(), owner_id=world.exporter.id, limit=100, offset=0)[0]
    by_plate = {v.plate.text: v for v in saved}
    assert by_plate["29C-345.67"].registration_number == "012345"
    assert by_plate["29C-345.67"].owner_id == world.exporter.id
    # A semi-trailer on a motor vehicle's plate: kept, with the warning as a sentence in the reader's language.
    trailer = {"csrf_token": key, "plate": "29C-345.68", "vehicle_type": "semi_trailer", "registration_number": "54321"}
    trailer["registration_number"] = "543210"
    assert anon.post("/portal/fleet/vehicles", data=trailer, follow_redirects=False).status_code == 303
    listing = anon.get("/portal/fleet?lang=en&added=vehicle")
    assert 'id="added"' in listing.text and "semi-trailer" in listing.text
    item = re.search(r'<li data-plate="29C-345\.68">(.*?)</li>', listing.text, re.S)
    assert item and 'class="vehicle-warning"' in item.group(1)
    assert "towed_with_motor_plate" not in listing.text and "semi_trailer" not in re.sub(r"<[^>]+>", "", listing.text)
    person = {
        "csrf_token": key,
        "full_name": "Nguyễn Văn Hải",
        "document_kind": "vn_citizen_id",
        "document_number": vn_citizen_id(),
        "nationality": "vn",
        "phone": "+84 912 345 678",
    }
    assert anon.post("/portal/fleet/drivers", data=person, follow_redirects=False).status_code == 303
    drivers = registry.list_drivers(ctx.uow(), employer_id=world.exporter.id, limit=100, offset=0)[0]
    assert "Nguyễn Văn Hải" in {d.full_name for d in drivers}
    assert "Nguyễn Văn Hải" in anon.get("/portal/fleet").text


def test_every_problem_of_a_form_is_shown_next_to_its_field(world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    key = csrf(anon, "/portal/fleet?lang=zh")
    bad = {"csrf_token": key, "plate": "29B1-123.45", "vehicle_type": "bus", "registration_number": ""}
    refused = anon.post("/portal/fleet/vehicles", data=bad)
    assert refused.status_code == 422
    for field in ("plate", "vehicle_type", "registration_number"):
        assert f'id="err-vehicle-{field}"' in refused.text, field
    assert 'value="29B1-123.45"' in refused.text  # what was typed is kept
    person = {"csrf_token": key, "full_name": " ", "document_kind": "vn_citizen_id", "document_number": "12"}
    person |= {"nationality": "XX", "phone": "call me"}
    refused = anon.post("/portal/fleet/drivers", data=person)
    assert refused.status_code == 422
    for field in ("full_name", "document_number", "nationality", "phone"):
        assert f'id="err-driver-{field}"' in refused.text, field
    # A plate already registered: refused next to the plate, without naming the other record's id.
    taken = {"csrf_token": key, "plate": world.truck.plate.text, "vehicle_type": "truck"}
    taken["registration_number"] = "123456"
    again = anon.post("/portal/fleet/vehicles", data=taken)
    assert again.status_code == 409 and 'id="err-vehicle-plate"' in again.text
    assert world.truck.id not in re.sub(r'href="[^"]*"', "", again.text)  # (the list links each own vehicle)


def test_forms_are_refused_without_their_token_and_for_those_who_may_not(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    truck = {"plate": "29C-456.78", "vehicle_type": "truck", "registration_number": "234567"}
    sign_in(anon, Exporter(world.exporter.id))
    csrf(anon)
    assert anon.post("/portal/fleet/vehicles", data={"csrf_token": "forged", **truck}).status_code == 403
    for role in ("driver", "customs_officer", "border_guard"):
        sign_in(anon, principal(role, enterprise_id=world.exporter.id if role == "driver" else None, gates=[GATE]))
        key = csrf(anon, "/waits")
        answer = anon.post("/portal/fleet/vehicles", data={"csrf_token": key, **truck}, follow_redirects=False)
        assert answer.status_code == 403, role
    sign_in(anon, None)
    assert anon.get("/portal/fleet", follow_redirects=False).headers["location"].startswith("/login")
    plates = {v.plate.text for v in registry.list_vehicles(ctx.uow(), owner_id=None, limit=500, offset=0)[0]}
    assert "29C-456.78" not in plates


def test_another_enterprise_sees_only_its_own_fleet(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    other = registry.register_enterprise(
        ctx.uow(),
        clock=ctx.clock,
        name="Công ty TNHH Vải Thiều",
        country="VN",
        tax_id=vn_tax_code(),
        roles=["exporter"],
    )
    sign_in(anon, Exporter(other.id))
    page = anon.get("/portal/fleet")
    assert world.truck.plate.display not in page.text and world.driver.full_name not in page.text
    # A tenant always registers for its own enterprise, whatever owner the form names.
    key = token(page.text)
    body = {"csrf_token": key, "plate": "98C-111.22", "vehicle_type": "truck", "registration_number": "345678"}
    assert anon.post("/portal/fleet/vehicles", data={**body, "owner_id": world.exporter.id}).status_code == 200
    assert registry.list_vehicles(ctx.uow(), owner_id=world.exporter.id, limit=100, offset=0)[1] == 2


def test_declare_a_past_trip_again(ctx: ServiceContext, world: World, anon: TestClient) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    page = anon.get("/portal/trips/new")
    done = anon.post("/portal/trips/new", data=form(world, token(page.text)), follow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    trip_id = done.headers["location"].split("/")[3].split("?")[0]
    trip_page = anon.get(f"/portal/trips/{trip_id}?lang=vi")
    assert f'href="/portal/trips/new?again={trip_id}"' in trip_page.text
    again = anon.get(f"/portal/trips/new?again={trip_id}&lang=en")
    assert again.status_code == 200 and 'id="copied"' in again.text
    assert 'value="广西凭祥友谊果蔬进出口贸易有限公司"' in again.text
    assert 'name="lines-0-hs_code" value="081060"' in again.text
    assert 'name="lines-0-net_kg" value="18000"' in again.text
    assert f'<option value="{GATE}" selected>' in again.text
    assert "VN-PC-2026-001234" not in again.text  # the certificate is each consignment's own
    # The truck and the driver are on the open trip: not pre-filled, and the form says why next to their fields.
    assert 'id="err-vehicle_id"' in again.text and 'id="err-driver_id"' in again.text
    assert world.driver.document.number not in again.text
    # Sent as it is, with another truck and driver and a new certificate: a second trip with the same cargo.
    key = token(again.text)
    values = dict(re.findall(r'<input[^>]* name="([a-z_0-9-]+)" value="([^"]*)"', again.text))
    values |= {"gate_id": GATE, "direction": "export"}  # the selected options, checked above
    values |= {"csrf_token": key, "vehicle_id": world.new_truck(), "driver_document_kind": "vn_citizen_id"}
    values |= {"phytosanitary_certificate_no": "VN-PC-2026-009999"}
    values["driver_document"] = registry.get_driver(ctx.uow(), world.new_driver()).document.number
    second = anon.post("/portal/trips/new", data=values, follow_redirects=False)
    assert second.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', second.text)
    # Another enterprise's trip reads as missing; a driver may not declare.
    other = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name="Công ty TNHH Khác", country="VN", tax_id=vn_tax_code(), roles=["exporter"]
    )
    sign_in(anon, Exporter(other.id))
    hidden = anon.get(f"/portal/trips/new?again={trip_id}")
    assert hidden.status_code == 404 and 'data-code="trip.not_found"' in hidden.text
    sign_in(anon, principal("driver", enterprise_id=world.exporter.id))
    assert anon.get(f"/portal/trips/new?again={trip_id}").status_code == 403


# --- bulk upload ------------------------------------------------------------------------------------------------

HEADER_VI = [
    "Biển số xe",
    "Số giấy tờ của lái xe",
    "Cửa khẩu",
    "Tên người nhận hàng",
    "Nước người nhận (mã ISO)",
    "Số giấy chứng nhận kiểm dịch thực vật",
    "Mã HS",
    "Mô tả hàng hóa",
    "Khối lượng tịnh (kg)",
    "Khối lượng cả bì (kg)",
    "Số kiện",
    "Trị giá",
    "Mã số vùng trồng",
    "Mã số cơ sở đóng gói",
]


CARGO = ["0810.60", "Sầu riêng Ri6 / 鲜榴莲", "18000", "19500", "1.000", "54000", "VN-BTOR-0102", "VN-BTPH-017"]


def upload_rows(ctx: ServiceContext, world: World, n: int) -> list[list[str]]:
    rows = []
    for i in range(n):
        plate = registry.get_vehicle(ctx.uow(), world.new_truck()).plate.display
        document = registry.get_driver(ctx.uow(), world.new_driver()).document.number
        rows.append(
            [plate, document, "Hữu Nghị", "广西凭祥友谊果蔬进出口贸易有限公司", "CN", f"VN-PC-2026-77{i:04d}", *CARGO]
        )
    return rows


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return ("\ufeff" + buffer.getvalue()).encode()


def test_bulk_upload_declares_good_rows_and_names_each_bad_one(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    sign_in(anon, Exporter(world.exporter.id))
    page = anon.get("/portal/upload?lang=vi")
    assert page.status_code == 200 and "Biển số xe" in page.text and "Mỗi dòng được khai báo riêng" in page.text
    key = token(page.text)
    template = anon.get("/portal/upload/template.csv?lang=zh")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    assert "车牌号" in template.text.splitlines()[0]
    rows = upload_rows(ctx, world, 3)
    rows[1][6] = "0810.5x"  # not an HS code
    rows[1][10] = "many"  # not a number of packages
    before = trips.list_trips(ctx.uow(), TripFilter(), limit=10, offset=0)[1]
    sent = anon.post(
        "/portal/upload?lang=en",
        data={"csrf_token": key},
        files={"file": ("hop-tac-xa.csv", as_csv(HEADER_VI, rows), "text/csv")},
    )
    assert sent.status_code == 200, re.findall(r"data-code=\"[^\"]+\"[^>]*>\s*<p>[^<]*", sent.text)
    shown = re.findall(r'<tr data-row="(\d+)" data-column="([a-z_]*)" data-code="([a-z_.]+)">', sent.text)
    assert trips.list_trips(ctx.uow(), TripFilter(), limit=10, offset=0)[1] == before + 2, shown
    assert "2 of 3 rows declared." in sent.text
    # Row 3 of the file (the header is row 1): each problem with its column, in English, no code shown.
    errors = re.findall(r'<tr data-row="(\d+)" data-column="([a-z_]*)" data-code="([a-z_.]+)">', sent.text)
    assert {(r, c) for r, c, _ in errors} == {("3", "hs_code"), ("3", "packages")}, errors
    table = re.search(r'<table class="responsive" id="row-errors">(.*?)</table>', sent.text, re.S)
    assert table and "Row 3" in table.group(1) and "HS code" in table.group(1) and "Packages" in table.group(1)
    assert "shipment.lines" not in table.group(1) and "hs_code" not in re.sub(r"<[^>]+>", "", table.group(1))
    # The same file again: the declared rows are refused now (their trucks are on a trip), nothing twice.
    again = anon.post("/portal/upload", data={"csrf_token": key}, files={"file": ("a.csv", as_csv(HEADER_VI, rows))})
    assert again.status_code == 200 and 'data-code="trip.vehicle_busy"' in again.text
    assert trips.list_trips(ctx.uow(), TripFilter(), limit=10, offset=0)[1] == before + 2


def test_bulk_upload_reads_a_spreadsheet_and_refuses_what_is_not_ones_own(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    import openpyxl

    rows = upload_rows(ctx, world, 2)
    other = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name="HTX Vải Thiều", country="VN", tax_id=vn_tax_code(), roles=["exporter"]
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER_VI, *rows]:
        sheet.append([float(c) if c.isdigit() and not c.startswith("0") else c for c in row])  # numbers as numbers
    buffer = io.BytesIO()
    book.save(buffer)
    # Another enterprise's trucks read as unknown plates: nothing declared (these drivers have no employer on
    # record, so any enterprise may declare with them).
    sign_in(anon, Exporter(other.id))
    key = csrf(anon, "/portal/upload")
    xlsx = ("mua-vai.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    theirs = anon.post("/portal/upload?lang=vi", data={"csrf_token": key}, files={"file": xlsx})
    assert theirs.status_code == 200 and "Đã khai báo 0 trên 2 dòng." in theirs.text
    assert theirs.text.count('data-column="plate" data-code="vehicle.not_found"') == 2  # once per row
    sign_in(anon, Exporter(world.exporter.id))
    key = csrf(anon, "/portal/upload")
    mine = anon.post("/portal/upload?lang=vi", data={"csrf_token": key}, files={"file": xlsx})
    assert mine.status_code == 200 and "Đã khai báo 2 trên 2 dòng." in mine.text, mine.text[-3000:]
    # A file that is not a table, unknown columns, no token, a role that may not declare.
    for content, code in (
        (b"\x00\xff\xfe junk", "upload.unreadable"),
        (b"Plate;Colour\n1;2\n", "upload.unknown_columns"),
    ):
        bad = anon.post("/portal/upload", data={"csrf_token": key}, files={"file": ("x.csv", content)})
        assert bad.status_code == 422 and f'data-code="{code}"' in bad.text
    forged = anon.post("/portal/upload", data={"csrf_token": "forged"}, files={"file": xlsx})
    assert forged.status_code == 403
    sign_in(anon, principal("driver", enterprise_id=world.exporter.id))
    assert anon.post("/portal/upload", data={"csrf_token": key}, files={"file": xlsx}).status_code == 403
    assert anon.get("/portal/upload").status_code == 403
