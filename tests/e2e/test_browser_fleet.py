"""The portal's fleet on a phone (390 × 844) in a real browser, against ``cuakhau serve`` on a small demo database:
the demo exporter registers two trucks and two drivers, then declares three trucks from a CSV file in which one
row names a truck nobody registered — two trips are declared, and the bad row is listed with its row number and
column, in Vietnamese. Screenshots go to ``artifacts/screenshots/fleet-*.png``.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import free_port, require_chromium, running, seed_demo
from tests.e2e.test_browser_pages import login, shot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
_seq = itertools.count(int(time.time()) % 10_000)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("fleet")
    url = seed_demo(work, 10)
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}"


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def open_form(page: Any, which: str) -> None:
    """The registration forms fold away under the lists once there is something to list."""
    if page.locator(f"#add-{which}").get_attribute("open") is None:
        page.click(f"#add-{which} summary")


def register_truck(page: Any, plate: str) -> None:
    open_form(page, "vehicle")
    page.fill("#plate", plate)
    page.select_option("#vehicle_type", "truck")
    page.fill("#registration_number", f"{next(_seq) % 10**6:06d}")
    page.click("#vehicle-submit")
    page.wait_for_load_state()
    assert page.locator("#added").is_visible(), page.locator("#problem-vehicle").all_inner_texts()


def register_driver(page: Any, name: str, document: str) -> None:
    open_form(page, "driver")
    page.fill("#full_name", name)
    page.select_option("#document_kind", "vn_citizen_id")
    page.fill("#document_number", document)
    page.fill("#nationality", "VN")
    page.click("#driver-submit")
    page.wait_for_load_state()
    assert page.locator("#added").is_visible(), page.locator("#problem-driver").all_inner_texts()


def test_register_a_truck_and_declare_three_trucks_from_a_file(demo: str, browser: Any) -> None:
    base = demo
    context = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True, is_mobile=True)
    page = context.new_page()
    login(page, base, "demo-exporter")
    page.goto(f"{base}/portal/fleet?lang=vi")
    assert no_sideways_scroll(page)
    shot(page, "fleet-list-vi")
    n = next(_seq)
    plates = [f"29C-{n % 900 + 100:03d}.{i:02d}" for i in (11, 12)]
    # A form with problems: each shown next to its field, what was typed kept.
    open_form(page, "vehicle")
    page.fill("#plate", "29B1-123.45")
    page.fill("#registration_number", "")
    page.click("#vehicle-submit")
    page.wait_for_load_state()
    assert page.locator("#err-vehicle-plate").is_visible() and page.locator("#err-vehicle-registration_number").count()
    assert no_sideways_scroll(page)
    shot(page, "fleet-errors-vi")
    for plate in plates:
        register_truck(page, plate)
    shot(page, "fleet-truck-registered-vi")
    documents = [f"0{n % 10**4:04d}{i:07d}" for i in (1, 2)]
    for i, document in enumerate(documents):
        register_driver(page, f"Nguyễn Văn Tài {i + 1}", document)
    listed = page.locator("#vehicle-list").inner_text()
    assert all(p in listed for p in plates), listed
    # Three trucks in one file: the third names a plate nobody registered.
    header = ["Biển số xe", "Số giấy tờ của lái xe", "Cửa khẩu", "Tên người nhận hàng", "Nước người nhận (mã ISO)"]
    header += ["Mã HS", "Mô tả hàng hóa", "Khối lượng tịnh (kg)", "Khối lượng cả bì (kg)", "Số kiện", "Trị giá"]
    cargo = ["400122", "Cao su tự nhiên SVR 3L / 天然橡胶", "20000", "20400", "16", "31000"]
    rows = [
        [plates[0], documents[0], "Hữu Nghị", "广西凭祥橡胶贸易有限公司", "CN", *cargo],
        [plates[1], documents[1], "Hữu Nghị", "广西凭祥橡胶贸易有限公司", "CN", *cargo],
        ["98C-999.99", documents[0], "Hữu Nghị", "广西凭祥橡胶贸易有限公司", "CN", *cargo],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    page.goto(f"{base}/portal/upload?lang=vi")
    assert no_sideways_scroll(page)
    shot(page, "fleet-upload-vi")
    upload = {"name": "hop-tac-xa.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}
    page.set_input_files("#file", files=[upload])
    page.click("#upload-submit")
    page.wait_for_load_state()
    summary = page.locator("#result-summary").inner_text()
    assert "Đã khai báo 2 trên 3 dòng." in summary, (summary, page.locator("#row-errors").all_inner_texts())
    # Row 4 of the file (the header is row 1): its unknown plate, and its driver now on row 2's trip.
    bad = page.locator("#row-errors tbody tr")
    found = {
        (bad.nth(i).get_attribute("data-row"), bad.nth(i).get_attribute("data-column")) for i in range(bad.count())
    }
    assert found == {("4", "plate"), ("4", "driver_document")}, page.locator("#row-errors").inner_text()
    text = page.locator("#row-errors tr[data-column=plate]").inner_text()
    assert "Dòng 4" in text and "Biển số xe" in text and "98C-999.99" in text, text
    assert page.locator("#declared li").count() == 2
    assert no_sideways_scroll(page)
    shot(page, "fleet-upload-result-vi")
    context.close()
