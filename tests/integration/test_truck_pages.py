"""One page per truck (issue 17, item 3): what is recorded about a trip, found from the dashboard and by plate;
hold and release, and customs' result, through the page by the roles that own them, refused for the others."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.web.pages.i18n import COOKIE as LANGUAGE_COOKIE
from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Role
from cuakhau.domain.devices import Checkpoint
from cuakhau.services import trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import CUSTOMS, GATE, dispatched, plate_of, read

CSRF = "c" * 43


def officer(ctx: ServiceContext, app: FastAPI, role: Role, language: str = "vi", gate: str = GATE) -> TestClient:
    token = token_for(ctx, role, gates=[gate])
    cookies = {CSRF_COOKIE: CSRF, "cuakhau_session": token, LANGUAGE_COOKIE: language}
    return TestClient(app, raise_server_exceptions=False, cookies=cookies, headers={"Accept-Language": language})


def in_yard(ctx: ServiceContext, world: World) -> str:
    trip_id = dispatched(world)
    read(ctx, plate_of(ctx, trip_id), Checkpoint.YARD_ENTRY)
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "arrived"
    return trip_id


def confirm_form(html: str) -> dict[str, str]:
    block = html.split('id="confirm-form"')[1].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', block))


def test_the_truck_page_shows_the_file_in_the_readers_language(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    trip_id = in_yard(ctx, world)
    plate = plate_of(ctx, trip_id)
    page = officer(ctx, app, Role.CUSTOMS_OFFICER, "zh")
    r = page.get(f"/gates/{GATE}/trucks/{trip_id}")
    assert r.status_code == 200, r.text[:500]
    assert plate in r.text and "申报" in r.text  # the declaration, in Chinese
    assert 'id="channel" data-channel=' in r.text  # the channel decided on arrival, with its reasons as sentences
    reasons = r.text.split('id="channel-reasons"')[1].split("</ul>")[0]
    assert "<li>" in reasons and "risk." not in reasons
    assert "_" not in reasons  # the goods' class in words (鲜果蔬), never its code (fresh_produce)
    assert "火龙果" in r.text  # the HS line named in the page's language (glossary), not only in English
    assert "堆场入口" in r.text  # the device read at the yard entry, in words
    audit = r.text.split('id="audit"')[1].split("</table>")[0]
    assert "arrive" not in audit and "customs" not in audit.split("<small")[0]
    # Who took each step: an officer's account; never an exporter's, a device's or a rule's id.
    events = trips.timeline(ctx.uow(), trip_id)[1]
    assert all(e.actor.id not in audit for e in events if e.actor.role.value in ("exporter", "system", "driver"))
    # A line of links to the page's sections, each to a section that is there.
    nav = r.text.split('id="sections"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([a-z-]+)"', nav)
    assert "sec-audit" in anchors and all(f'id="{a}"' in r.text for a in anchors)
    # From the dashboard (its holds list here): the plate is a link to the truck's page; the reason a sentence.
    trips.transition_trip(
        ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="hold", actor=CUSTOMS, reason="[documents] C/O"
    )
    board = page.get(f"/gates/{GATE}/dashboard")
    assert f'href="/gates/{GATE}/trucks/{trip_id}"' in board.text and 'id="plate-search"' in board.text
    assert "单证不全或与申报不符: C/O" in board.text and "[documents]" not in board.text


def test_plate_search_normalises_and_tolerates_part_of_a_plate(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    trip_id = in_yard(ctx, world)
    plate = plate_of(ctx, trip_id)  # e.g. 29C-123.45
    page = officer(ctx, app, Role.BORDER_GUARD)
    spelled = plate.replace("-", " ").replace(".", "").lower()
    whole = page.get(f"/gates/{GATE}/trucks", params={"plate": spelled}, follow_redirects=False)
    assert whole.status_code == 303 and whole.headers["location"] == f"/gates/{GATE}/trucks/{trip_id}"
    digits = plate.replace(".", "")[-5:]
    part = page.get(f"/gates/{GATE}/trucks", params={"plate": digits[-4:]}, follow_redirects=False)
    assert part.status_code in (200, 303)
    if part.status_code == 200:
        assert f'href="/gates/{GATE}/trucks/{trip_id}"' in part.text
    none = page.get(f"/gates/{GATE}/trucks", params={"plate": "ZZ99"})
    assert none.status_code == 200 and "Không có xe nào" in none.text
    short = page.get(f"/gates/{GATE}/trucks", params={"plate": "-"})
    assert short.status_code == 422 and 'data-field="plate"' in short.text


def test_hold_is_confirmed_then_released_by_another_agency_with_reasons_as_sentences(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    trip_id = in_yard(ctx, world)
    url = f"/gates/{GATE}/trucks/{trip_id}"
    customs_officer = officer(ctx, app, Role.CUSTOMS_OFFICER)
    version = trips.get_trip(ctx.uow(), trip_id).version
    form = {"csrf_token": CSRF, "action": "hold", "form": "hold", "step": "preview", "expected_version": str(version)}
    missing = customs_officer.post(f"{url}/step", data=form)
    assert missing.status_code == 422 and 'id="err-hold-reason"' in missing.text  # no reason: named at the field
    preview = customs_officer.post(f"{url}/step", data=form | {"reason_code": "weight", "reason_text": "lệch 2 tấn"})
    assert preview.status_code == 200 and 'id="confirm-form"' in preview.text
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "arrived"  # nothing saved before the confirmation
    done = customs_officer.post(f"{url}/step", data=confirm_form(preview.text), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=hold"
    event = trips.timeline(ctx.uow(), trip_id)[1][-1]
    assert (
        event.action.value == "hold" and event.reason == "[weight] lệch 2 tấn" and event.actor.role.value == "customs"
    )
    zh = officer(ctx, app, Role.QUARANTINE_OFFICER, "zh").get(url)
    assert "过磅重量与申报不符: lệch 2 tấn" in zh.text and "[weight]" not in zh.text
    # Released by quarantine (the lifecycle lets customs, quarantine or the border guard release).
    quarantine = officer(ctx, app, Role.QUARANTINE_OFFICER, "zh")
    released = quarantine.post(
        f"{url}/step",
        data={"csrf_token": CSRF, "action": "release", "form": "release", "reason_code": "checked"},
        follow_redirects=False,
    )
    assert released.status_code == 303
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "released"
    # A stale form (the trip moved since the page was read) is refused, in words, with the API's status.
    stale = customs_officer.post(f"{url}/step", data=confirm_form(preview.text))
    assert (
        stale.status_code == 409
        and 'id="problem"' in stale.text
        and "trip." not in stale.text.split('id="problem"')[1][:200]
    )


def test_the_page_refuses_roles_that_do_not_own_the_action(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    trip_id = in_yard(ctx, world)
    url = f"/gates/{GATE}/trucks/{trip_id}"
    admin = officer(ctx, app, Role.GATE_ADMIN)
    hold = {"csrf_token": CSRF, "action": "hold", "reason_code": "documents", "step": "confirm"}
    assert admin.post(f"{url}/step", data=hold).status_code == 403  # gate administration does not hold trucks
    assert 'id="hold-form"' not in admin.get(url).text  # and is not offered the form
    guard = officer(ctx, app, Role.BORDER_GUARD)
    assert guard.post(f"{url}/customs", data={"csrf_token": CSRF, "kind": "release"}).status_code == 403
    assert 'id="sec-customs"' not in guard.get(url).text  # the channel is customs' to read, as in the API
    elsewhere = officer(ctx, app, Role.CUSTOMS_OFFICER, gate="vn-huu-nghi")
    assert elsewhere.get(url).status_code == 403
    assert elsewhere.get(f"/gates/vn-huu-nghi/trucks/{trip_id}").status_code == 404  # not a truck of that gate
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "arrived"


def test_customs_result_on_the_page_hold_confirmed_then_release(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    trip_id = in_yard(ctx, world)
    url = f"/gates/{GATE}/trucks/{trip_id}"
    page = officer(ctx, app, Role.CUSTOMS_OFFICER, "zh")
    assert 'id="customs-form"' in page.get(url).text
    form = {"csrf_token": CSRF, "form": "customs", "step": "preview", "kind": "hold", "reason_code": "documents"}
    preview = page.post(f"{url}/customs", data=form)
    assert preview.status_code == 200 and "单证不全或与申报不符" in preview.text
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "arrived"
    done = page.post(f"{url}/customs", data=confirm_form(preview.text), follow_redirects=False)
    assert done.status_code == 303 and trips.get_trip(ctx.uow(), trip_id).state.value == "held"
    release = {"csrf_token": CSRF, "form": "customs", "step": "preview", "kind": "release"}
    assert page.post(f"{url}/customs", data=release, follow_redirects=False).status_code == 303
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "cleared"
    again = page.post(f"{url}/customs", data=release)
    assert again.status_code == 409 and 'data-code="customs.already_decided"' in again.text
    assert "海关" in again.text.split('id="problem"')[1][:300]  # the refusal as a Chinese sentence


def test_customs_rejects_with_its_own_published_reasons_confirmed_first(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    trip_id = in_yard(ctx, world)
    url = f"/gates/{GATE}/trucks/{trip_id}"
    page = officer(ctx, app, Role.CUSTOMS_OFFICER, "zh")
    in_the_yard = page.get(url).text  # in the yard customs may only hold (services/customs.py): nothing else offered
    assert 'id="customs-hold-form"' in in_the_yard and 'id="customs-reject-form"' not in in_the_yard
    assert 'id="customs-release-form"' not in in_the_yard
    # Posted anyway, the refusal names the truck's state and the result in words.
    early = page.post(
        f"{url}/customs", data={"csrf_token": CSRF, "kind": "reject", "reason_code": "origin", "step": "confirm"}
    )
    assert early.status_code == 409, (early.status_code, early.text[:300])
    problem = early.text.split('id="problem"')[1].split("</p>")[0]
    assert early.status_code == 409 and "在堆场等候" in problem and "arrived" not in problem and "reject" not in problem
    trips.transition_trip(ctx.uow(), clock=ctx.clock, trip_id=trip_id, action="call", actor=CUSTOMS)
    shown = page.get(url).text
    reject_form = shown.split('id="customs-reject-form"')[1].split("</form>")[0]
    assert "品名、数量、价格或原产地申报不实" in reject_form  # the rejection list, not the hold list
    assert "单证不全或与申报不符" not in reject_form
    form = {"csrf_token": CSRF, "form": "customs-reject", "step": "preview", "kind": "reject"}
    # A hold's reason is not a rejection's: refused at the field, the choices named in the officer's words.
    wrong = page.post(f"{url}/customs", data=form | {"reason_code": "documents"})
    assert wrong.status_code == 422 and 'id="err-customs-reject-reason"' in wrong.text
    assert "品名、数量、价格或原产地申报不实" in wrong.text.split('id="problem"')[1].split("</p>")[0]
    # No reason at all: the step is named in words, not as its code.
    bare = page.post(f"{url}/customs", data=form)
    problem = bare.text.split('id="problem"')[1].split("</p>")[0]
    assert bare.status_code == 422 and "退回" in problem and "reject" not in problem
    preview = page.post(f"{url}/customs", data=form | {"reason_code": "false_declaration", "reason_text": "少报 2 吨"})
    assert preview.status_code == 200 and 'id="confirm-form"' in preview.text
    assert "车辆被退回" in preview.text  # the confirmation says what a rejection does
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "called"  # nothing saved before the confirmation
    done = page.post(f"{url}/customs", data=confirm_form(preview.text), follow_redirects=False)
    assert done.status_code == 303, done.text.split('id="problem"')[-1][:400]
    assert trips.get_trip(ctx.uow(), trip_id).state.value == "rejected"
    vi = officer(ctx, app, Role.QUARANTINE_OFFICER, "vi").get(url).text
    assert "Khai sai tên hàng, số lượng, trị giá hoặc xuất xứ: 少报 2 吨" in vi and "[false_declaration]" not in vi
