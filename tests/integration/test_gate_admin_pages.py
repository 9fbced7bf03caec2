"""The gate administration page and its API twin: a dry run shows the count before anything is saved, the
confirmation saves it and lists it among the recent changes; a field's error is shown next to the field."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Role
from cuakhau.services import gates
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import bearer, token_for
from tests.fixtures.factories import World

HOME = "vn-huu-nghi"
CSRF = "c" * 43


def admin_page(ctx: ServiceContext, app: FastAPI, language: str = "vi") -> TestClient:
    token = token_for(ctx, Role.GATE_ADMIN, gates=[HOME])
    cookies = {CSRF_COOKIE: CSRF, "cuakhau_session": token}
    return TestClient(app, raise_server_exceptions=False, cookies=cookies, headers={"Accept-Language": language})


def booked(world: World, n: int) -> None:
    for _ in range(n):
        world.book(world.declare(HOME, vehicle_id=world.new_truck()).id)


def closure_form(ctx: ServiceContext, step: str, **over: str) -> dict[str, str]:
    start = gates.get_gate(ctx.uow(), HOME).local(ctx.clock.now()).replace(minute=0, second=0, microsecond=0)
    form = {
        "csrf_token": CSRF,
        "change": "closure",
        "step": step,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
        "reason_vi": "Mưa lớn, sạt lở đường dẫn",
        "reason_zh": "暴雨导致引道塌方",
        "closure_kind": "suspension",
    }
    return form | over


def test_preview_then_confirm_a_closure_on_the_page(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    booked(world, 2)
    page = admin_page(ctx, app)
    r = page.get(f"/gates/{HOME}/admin")
    assert r.status_code == 200 and "Quản lý cửa khẩu" in r.text
    preview = page.post(f"/gates/{HOME}/admin", data=closure_form(ctx, "preview"))
    assert preview.status_code == 200, preview.text[:500]
    count = re.search(r'id="preview-count" data-moved="(\d+)" data-waitlisted="(\d+)"', preview.text)
    assert count and count.groups() == ("0", "2")
    assert "chuyển sang khung giờ khác" in preview.text  # the count in a sentence, in Vietnamese
    assert not any(c.reason.startswith("Mưa lớn") for c in gates.get_gate(ctx.uow(), HOME).closures)
    confirm = dict(
        re.findall(
            r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">',
            preview.text.split('id="confirm-form"')[1].split("</form>")[0],
        )
    )
    assert confirm["step"] == "confirm" and confirm["reason_zh"] == "暴雨导致引道塌方"
    done = page.post(f"/gates/{HOME}/admin", data=confirm, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/gates/{HOME}/admin?done=closure"
    after = page.get(done.headers["location"])
    closures = after.text.split('id="closures"')[1].split("</ul>")[0]
    assert "Mưa lớn, sạt lở đường dẫn" in closures and "暴雨" not in closures  # the reader's language only
    assert "暴雨导致引道塌方" in page.get(f"/gates/{HOME}/admin?lang=zh").text.split('id="closures"')[1]
    changes = after.text.split('id="changes"')[1]
    assert "<strong>Tạm đóng</strong>" in changes and "Mưa lớn" in changes  # the kind in words, the reason
    assert "suspension" not in changes and "closure" not in changes.replace('id="changes"', "")


def test_a_field_error_is_shown_next_to_the_field(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    page = admin_page(ctx, app, "zh")
    r = page.post(f"/gates/{HOME}/admin", data=closure_form(ctx, "preview", reason_zh=""))
    assert r.status_code == 422
    assert 'id="err-closure-reason_zh"' in r.text and 'data-field="reason_zh"' in r.text
    bad = page.post(
        f"/gates/{HOME}/admin", data={"csrf_token": CSRF, "change": "yard", "yard_id": "x", "capacity": "many"}
    )
    assert bad.status_code == 422 and 'data-field="capacity"' in bad.text


def test_the_api_twin_dry_runs_and_saves(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    booked(world, 2)
    api = TestClient(app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.GATE_ADMIN, gates=[HOME])))
    start = ctx.clock.now().replace(minute=0, second=0, microsecond=0)
    change = {
        "kind": "closure",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=12)).isoformat(),
        "reason_vi": "Mưa lớn",
        "reason_zh": "暴雨",
    }
    dry = api.post(f"/api/v1/gates/{HOME}/changes", json={"dry_run": True, "change": change})
    assert dry.status_code == 200, dry.text
    assert (dry.json()["moved"], dry.json()["waitlisted"], dry.json()["change_id"]) == (0, 2, None)
    assert api.get(f"/api/v1/gates/{HOME}/changes").json()["items"] == []
    real = api.post(f"/api/v1/gates/{HOME}/changes", json={"change": change})
    assert real.status_code == 200 and real.json()["change_id"]
    [item] = api.get(f"/api/v1/gates/{HOME}/changes").json()["items"]
    assert item["id"] == real.json()["change_id"] and item["waitlisted"] == 2
    missing = api.post(f"/api/v1/gates/{HOME}/changes", json={"change": {**change, "reason_zh": None}})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "change.closure.reason_zh"
    other = TestClient(
        app, raise_server_exceptions=False, headers=bearer(token_for(ctx, Role.CUSTOMS_OFFICER, gates=[HOME]))
    )
    assert other.post(f"/api/v1/gates/{HOME}/changes", json={"dry_run": True, "change": change}).status_code == 403
