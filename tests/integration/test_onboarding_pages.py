"""The onboarding pages used as people use them: forms filled in and posted with the page's CSRF token and the
session cookie of the login page (adapters/web/pages/onboarding.py, templates/onboarding/). The API twin of each
step is tested in test_onboarding.py."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World, vn_tax_code
from tests.integration.test_onboarding import delivered, token_in

HOME = "vn-huu-nghi"
PASSWORD = "mật khẩu đủ dài 2026"
BAD_TAX = "0100109107"  # the check digit is wrong


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def post_form(client: TestClient, page: str, to: str | None = None, /, **data: str) -> Any:
    """Open ``page`` as a browser would, then post its form (to ``to``, default the page) with its token."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    return client.post(to or page, data={"csrf_token": csrf(shown.text), **data}, follow_redirects=False)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def field_error(page: str, name: str) -> str:
    """The sentence shown next to the field ``name`` (empty when there is none)."""
    found = re.search(rf'<span class="error" id="err-{name}">(.*?)</span>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def join_form(**over: str) -> dict[str, str]:
    return {
        "name_vi": "Công ty TNHH Nông sản Lạng Sơn",
        "name_zh": "谅山农产品有限责任公司",
        "country": "VN",
        "tax_id": vn_tax_code(),
        "role_exporter": "1",
        "doc_business_registration": "4900123456",
        "address": "Đồng Đăng, Lạng Sơn",
        "contact_name": "Nguyễn Thị Hoa",
        "contact": "hoa@nongsan.example.vn",
        "admin_username": "nslangson",
    } | over


def signed_in(app: FastAPI, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    r = post_form(client, "/login", username=username, password=password)
    assert r.status_code == 303, r.text
    return client


def gate_admin(ctx: ServiceContext, app: FastAPI) -> TestClient:
    accounts.create_account(
        ctx.uow(),
        username="ban.ql.huunghi",
        password=PASSWORD,
        role=Role.GATE_ADMIN,
        gate_codes=(HOME,),
        clock=ctx.clock,
    )
    return signed_in(app, "ban.ql.huunghi")


def set_password_by_link(anon: TestClient, link_token: str, password: str = PASSWORD) -> str:
    page = anon.get(f"/password/reset?token={link_token}&lang=vi")
    assert page.status_code == 200 and 'id="reset-form"' in page.text
    r = anon.post(
        "/password/reset?lang=vi",
        data={"csrf_token": csrf(page.text), "token": link_token, "password": password, "confirm_password": password},
    )
    assert r.status_code == 200, r.text
    return r.text


def test_a_bad_tax_number_is_named_next_to_its_field_in_vietnamese_and_chinese(anon: TestClient) -> None:
    vi = post_form(anon, "/join?lang=vi", **join_form(tax_id=BAD_TAX))
    assert vi.status_code == 422
    assert field_error(vi.text, "tax_id") == (
        f"Mã số thuế {BAD_TAX} (VN) không hợp lệ: sai độ dài, ký tự hoặc chữ số kiểm tra."
    )
    zh = post_form(anon, "/join?lang=zh", **join_form(tax_id=BAD_TAX))
    assert zh.status_code == 422
    assert field_error(zh.text, "tax_id") == f"税号 {BAD_TAX}（VN）无效：长度、字符或校验位不正确。"
    # a screen reader hears the sentence on the field itself
    assert re.search(r'<input id="tax_id"[^>]* aria-invalid="true" aria-describedby="err-tax_id">', vi.text)
    # what was typed is kept, and no other field is blamed
    assert 'value="Công ty TNHH Nông sản Lạng Sơn"' in vi.text and field_error(vi.text, "name_vi") == ""
    missing = post_form(anon, "/join?lang=vi", **join_form(doc_business_registration=""))
    assert missing.status_code == 422 and field_error(missing.text, "documents-business_registration")
    forged = anon.post("/join?lang=vi", data={"csrf_token": "x" * 43, **join_form()})  # a cross-site post
    assert forged.status_code == 422 and 'data-code="page.csrf"' in forged.text


def test_join_refuse_approve_then_the_invitation_sets_the_password(
    ctx: ServiceContext, app: FastAPI, anon: TestClient, world: World
) -> None:
    refused_form = join_form(admin_username="refused.admin", contact="x@refused.example.vn")
    assert post_form(anon, "/join?lang=vi", **refused_form).status_code == 201
    done = post_form(anon, "/join?lang=vi", **join_form())
    assert done.status_code == 201 and "Đã nhận yêu cầu." in text_of(done.text), text_of(done.text)

    admin = gate_admin(ctx, app)
    page = admin.get("/admin/join-requests?lang=vi")
    assert page.status_code == 200
    ids = re.findall(r'<section class="card" id="request-([0-9a-f]{32})">', page.text)
    assert len(ids) == 2
    by_user = {rid: page.text.split(f'id="request-{rid}"')[1].split("</section>")[0] for rid in ids}
    refuse = next(rid for rid, card in by_user.items() if "refused.admin" in card)
    approve = next(rid for rid in ids if rid != refuse)
    assert "4900123456" in by_user[approve] and "Chủ hàng xuất khẩu" in by_user[approve]
    assert "exporter" not in text_of(by_user[approve])  # roles in words, never their codes

    r = post_form(
        admin,
        "/admin/join-requests?lang=vi",
        f"/admin/join-requests/{refuse}",
        action="refuse",
        reason="Số ĐKKD không khớp mã số thuế",
    )
    assert r.status_code == 303
    r = post_form(admin, "/admin/join-requests?lang=vi", f"/admin/join-requests/{approve}", action="approve")
    assert r.status_code == 303
    left = admin.get("/admin/join-requests?lang=vi")
    assert 'class="card"' not in left.text and "Không có yêu cầu nào đang chờ" in text_of(left.text)

    sent = {n.kind: n for n in delivered(ctx)}
    assert sent["join_refused"].payload["reason"] == "Số ĐKKD không khớp mã số thuế"
    invite = sent["join_approved"]
    done_text = text_of(set_password_by_link(anon, token_in(invite)))
    assert "Đã đặt mật khẩu. Bạn có thể đăng nhập ngay." in done_text, done_text
    enterprise_admin = signed_in(app, "nslangson")
    assert enterprise_admin.get("/enterprise/users?lang=vi").status_code == 200
    # the link works once
    again = anon.get(f"/password/reset?token={token_in(invite)}&lang=vi")
    assert again.status_code == 422 and 'id="reset-form"' not in again.text


def onboarded(ctx: ServiceContext, app: FastAPI, anon: TestClient) -> TestClient:
    """An enterprise asked, was approved and set its administrator's password: that administrator signed in."""
    assert post_form(anon, "/join?lang=vi", **join_form()).status_code == 201
    admin = gate_admin(ctx, app)
    rid = re.findall(r'id="request-([0-9a-f]{32})"', admin.get("/admin/join-requests").text)[0]
    post_form(admin, "/admin/join-requests", f"/admin/join-requests/{rid}", action="approve")
    (invite,) = delivered(ctx)
    set_password_by_link(anon, token_in(invite))
    return signed_in(app, "nslangson")


def test_the_enterprise_administrator_invites_a_driver_and_disables_them(
    ctx: ServiceContext, app: FastAPI, anon: TestClient, world: World
) -> None:
    ent = onboarded(ctx, app, anon)
    bad = post_form(ent, "/enterprise/users?lang=vi", username="x", role="driver", contact="+84 912 345 678")
    assert bad.status_code == 422 and field_error(bad.text, "username"), text_of(bad.text)
    r = post_form(
        ent, "/enterprise/users?lang=vi", username="tai.xe.hung", role="driver", contact="+84 912 345 678", locale="vi"
    )
    assert r.status_code == 303 and r.headers["location"] == "/enterprise/users"
    users = ent.get("/enterprise/users?lang=vi").text
    row = users.split('<th scope="row">tai.xe.hung</th>')[1].split("</tr>")[0]
    assert "Lái xe" in text_of(row) and "Đã mời" in text_of(row), text_of(row)
    mine = users.split('<th scope="row">nslangson</th>')[1].split("</tr>")[0]
    assert "(bạn)" in text_of(mine)  # the administrator's own row says so rather than an empty cell
    (invite,) = delivered(ctx)
    assert (invite.kind, invite.payload["to"]) == ("account_invited", "+84 912 345 678")
    set_password_by_link(anon, token_in(invite))
    driver = signed_in(app, "tai.xe.hung")

    r = post_form(ent, "/enterprise/users?lang=vi", "/enterprise/users/tai.xe.hung", action="disable")
    assert r.status_code == 303
    row = ent.get("/enterprise/users?lang=vi").text.split("tai.xe.hung</th>")[1].split("</tr>")[0]
    assert "Đã khóa" in text_of(row), text_of(row)
    assert driver.get("/portal", follow_redirects=False).status_code == 303  # signed out: to the login page
    refused = post_form(anon, "/login", username="tai.xe.hung", password=PASSWORD)
    assert refused.status_code == 401


def test_a_user_changes_their_password_on_the_page(
    ctx: ServiceContext, app: FastAPI, anon: TestClient, world: World
) -> None:
    ent = onboarded(ctx, app, anon)
    wrong = post_form(
        ent,
        "/account/password?lang=zh",
        current_password="not my password",
        new_password="một mật khẩu mới 2027",
        confirm_password="một mật khẩu mới 2027",
    )
    assert wrong.status_code == 422 and "密码" in field_error(wrong.text, "current_password")
    mismatch = post_form(
        ent,
        "/account/password?lang=vi",
        current_password=PASSWORD,
        new_password="một mật khẩu mới 2027",
        confirm_password="một mật khẩu khác 2027",
    )
    assert mismatch.status_code == 422 and field_error(mismatch.text, "confirm_password")
    ok = post_form(
        ent,
        "/account/password?lang=vi",
        current_password=PASSWORD,
        new_password="một mật khẩu mới 2027",
        confirm_password="một mật khẩu mới 2027",
    )
    assert ok.status_code == 200 and 'id="done"' in ok.text
    assert ent.get("/account/password").status_code == 200  # this session stays
    signed_in(app, "nslangson", "một mật khẩu mới 2027")


def test_forgetting_a_password_shows_the_same_page_for_a_known_and_an_unknown_user(
    ctx: ServiceContext, app: FastAPI, anon: TestClient, world: World
) -> None:
    onboarded(ctx, app, anon)
    answers = []
    for username in ("nslangson", "no.such.user"):
        r = post_form(anon, "/password/forgot?lang=vi", username=username)
        answers.append((r.status_code, re.sub(r'name="csrf_token" value="[^"]+"', "", r.text)))
    assert answers[0] == answers[1] and answers[0][0] == 202
    (link,) = delivered(ctx)  # only the real account was sent a link
    assert link.kind == "password_reset"
    set_password_by_link(anon, token_in(link), "mật khẩu thứ hai 2026")
    signed_in(app, "nslangson", "mật khẩu thứ hai 2026")
