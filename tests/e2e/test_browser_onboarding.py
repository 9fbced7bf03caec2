"""Onboarding in a real browser on a phone-sized screen (390×844, Vietnamese), against a real ``cuakhau serve`` on a
database set up as docs/deploy.md does (``db upgrade``, ``gates install``, ``accounts create-admin``; no demo):
an enterprise asks to join, the system administrator approves it, its administrator sets a password by the
invitation link and logs in. A screenshot of each step is saved in ``artifacts/screenshots/onboarding-*.png``
(``CUAKHAU_ARTIFACTS`` moves it), with the join page in Chinese and at 1280 px as well.

Skipped without ``/usr/bin/chromium`` (failed under ``CUAKHAU_REQUIRE_SERVICES=1``), as the other browser tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select

from cuakhau.adapters.db import tables as t
from tests.e2e.conftest import free_port, require_chromium, running
from tests.fixtures.factories import vn_tax_code

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("CUAKHAU_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
ADMIN_PASSWORD = "quản trị hệ thống 2026"
PASSWORD = "mật khẩu của Hoa 2026"


def cli(work: Path, url: str, *args: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cuakhau", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=work,
        env={**os.environ, "CUAKHAU_DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a gate installed without the demo."""
    require_chromium()
    work = tmp_path_factory.mktemp("onboarding")
    url = f"sqlite:///{work / 'cuakhau.db'}"
    cli(work, url, "db", "upgrade")
    cli(work, url, "gates", "install")
    cli(work, url, "accounts", "create-admin", "root.admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    port = free_port()
    with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}):
        yield f"http://127.0.0.1:{port}", url


def shot(page: Any, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"onboarding-{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def invitation(url: str, username: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            payloads = [
                r.payload
                for r in conn.execute(select(t.notifications).where(t.notifications.c.kind == "join_approved"))
            ]
    finally:
        engine.dispose()
    (payload,) = [p for p in payloads if p["username"] == username]
    link = urlsplit(str(payload["link"]))
    return f"{link.path}?{link.query}"


def test_join_approve_set_a_password_and_log_in_on_a_phone(site: tuple[str, str], browser: Any) -> None:
    base, url = site
    for lang, viewport in (("zh", PHONE), ("vi", DESK), ("zh", DESK)):
        context = browser.new_context(viewport=viewport, locale=f"{lang}-{'VN' if lang == 'vi' else 'CN'}")
        page = context.new_page()
        page.goto(f"{base}/join?lang={lang}")
        no_sideways_scroll(page)
        shot(page, f"join-{lang}-{viewport['width']}")
        context.close()

    context = browser.new_context(viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    page = context.new_page()
    page.goto(f"{base}/join?lang=vi")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("#name_vi", "Công ty TNHH Nông sản Đồng Đăng")
    page.fill("#name_zh", "同登农产品有限责任公司")
    page.fill("#tax_id", "0100109107")  # a wrong check digit first
    page.fill("#doc_business_registration", "4900123456")
    page.fill("#contact_name", "Nguyễn Thị Hoa")
    page.fill("#contact", "hoa@dongdang.example.vn")
    page.fill("#admin_username", "nsdongdang")
    page.click("#join-form button[type=submit]")
    page.wait_for_load_state()
    assert "Mã số thuế" in page.locator("#err-tax_id").inner_text()
    no_sideways_scroll(page)
    shot(page, "join-error-vi-390")
    page.fill("#tax_id", vn_tax_code())
    page.click("#join-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#done").inner_text().startswith("Đã nhận yêu cầu.")
    shot(page, "join-done-vi-390")

    admin = context.new_page()
    admin.goto(f"{base}/login?lang=vi&next=/admin/join-requests")
    admin.fill("#username", "root.admin")
    admin.fill("#password", ADMIN_PASSWORD)
    admin.click("#login-form button[type=submit]")
    admin.wait_for_load_state()
    admin.goto(f"{base}/admin/join-requests")
    card = admin.locator("section.card")
    assert card.count() == 1 and "Nông sản Đồng Đăng" in card.inner_text()
    no_sideways_scroll(admin)
    shot(admin, "requests-vi-390")
    card.locator("button[value=approve]").click()
    admin.wait_for_load_state()
    assert admin.locator("section.card").count() == 0
    admin.close()
    context.clear_cookies()  # the enterprise's administrator, on their own phone

    page.goto(base + invitation(url, "nsdongdang"))
    assert "nsdongdang" in page.locator("main").inner_text()
    no_sideways_scroll(page)
    shot(page, "reset-vi-390")
    page.fill("#password", PASSWORD)
    page.fill("#confirm_password", PASSWORD)
    page.click("#reset-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã đặt mật khẩu" in page.locator("#done").inner_text()
    shot(page, "reset-done-vi-390")

    page.click("main a[href='/login']")
    page.wait_for_load_state()
    page.fill("#username", "nsdongdang")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/portal"
    assert "nsdongdang" in page.locator("body").inner_text()
    no_sideways_scroll(page)
    shot(page, "portal-vi-390")
    page.goto(f"{base}/enterprise/users")
    no_sideways_scroll(page)
    shot(page, "users-vi-390")
    context.close()
