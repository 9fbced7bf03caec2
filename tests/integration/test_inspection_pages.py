"""The inspection page of a gate: customs and quarantine officers send trucks to bays, record results, take a
laboratory sample and record its result, accept or refuse a phytosanitary certificate — through the page, each by
the role that owns it, refused for one that does not, costly steps confirmed first, refusals as sentences."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cuakhau.adapters.exchange.sps import read_sps_certificate
from cuakhau.adapters.web.pages.render import CSRF_COOKIE
from cuakhau.domain.accounts import Role
from cuakhau.domain.trip import Actor, ActorRole, TripState
from cuakhau.services import inspections, trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.accounts import token_for
from tests.fixtures.factories import World, fruit_line
from tests.integration.test_inspections import GATE, VN_CERT, advance, at_lane

CSRF = "c" * 43
PAGE = f"/gates/{GATE}/inspections"


def officer(ctx: ServiceContext, app: FastAPI, role: Role, language: str = "vi") -> TestClient:
    token = token_for(ctx, role, gates=[GATE])
    cookies = {CSRF_COOKIE: CSRF, "cuakhau_session": token, "cuakhau_lang": language}
    return TestClient(app, raise_server_exceptions=False, cookies=cookies)


def post(page: TestClient, **form: str) -> object:
    return page.post(PAGE, data={"csrf_token": CSRF, **form}, follow_redirects=False)


def state(ctx: ServiceContext, trip_id: str) -> TripState:
    return trips.get_trip(ctx.uow(), trip_id).state


def open_job(ctx: ServiceContext, trip_id: str, kind: str) -> str:
    [job] = [j for j in inspections.trip_jobs(ctx.uow(), trip_id) if j.open and j.kind.value == kind]
    return job.id


def confirm_fields(html: str) -> dict[str, str]:
    box = html.split('id="confirm-form"')[1].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', box))


def test_quarantine_takes_a_truck_through_a_sample_and_customs_through_its_bay(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    trip_id = at_lane(world)
    quarantine, customs = officer(ctx, app, Role.QUARANTINE_OFFICER), officer(ctx, app, Role.CUSTOMS_OFFICER, "zh")
    r = quarantine.get(PAGE)
    assert r.status_code == 200 and "<h1>Kiểm hoá, kiểm dịch" in r.text
    to_send = r.text.split('id="to-send-quarantine_bay"')[1].split("</ol>")[0]
    assert f'data-trip="{trip_id}"' in to_send
    assert 'id="to-send-customs_bay"' not in r.text  # quarantine sends to its own bays only

    done = post(quarantine, action="send", trip_id=trip_id, kind="quarantine_bay", back=PAGE)
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?done=send"
    assert state(ctx, trip_id) is TripState.INSPECTING
    job = open_job(ctx, trip_id, "quarantine_bay")
    after = quarantine.get(done.headers["location"])
    assert 'id="done"' in after.text and f'name="job_id" value="{job}"' in after.text

    # customs may not record quarantine's result: a sentence in Chinese next to the form, no code
    refused = post(customs, action="finish", job_id=job, outcome="pass")
    assert refused.status_code == 422 and 'data-code="actor.role_not_allowed"' in refused.text
    message = re.search(r'id="problem"[^>]*>([^<]+)<', refused.text)
    assert message and "actor.role" not in message.group(1) and re.search(r"[\u4e00-\u9fff]", message.group(1))

    # a sample is asked twice: nothing happens on the first post
    advance(ctx, 20)
    ask = post(quarantine, action="finish", job_id=job, outcome="sample", reason="Lấy mẫu kiểm dư lượng")
    assert ask.status_code == 200 and 'id="confirm-box"' in ask.text
    assert "phòng thí nghiệm" in ask.text.split('id="confirm-text"')[1].split("</p>")[0]
    assert state(ctx, trip_id) is TripState.INSPECTING
    fields = confirm_fields(ask.text)
    assert fields["step"] == "confirm" and fields["outcome"] == "sample"
    assert post(quarantine, **{k: v for k, v in fields.items() if k != "csrf_token"}).status_code == 303
    assert state(ctx, trip_id) is TripState.HELD
    sample = open_job(ctx, trip_id, "laboratory")
    lab_queue = quarantine.get(PAGE).text.split('id="queue-laboratory"')[1].split("</section>")[0]
    assert f'data-job="{sample}"' in lab_queue and 'data-action="lab"' in lab_queue

    # the laboratory's result is quarantine's: customs is refused outright, as by the API
    assert post(customs, action="lab", job_id=sample, outcome="pass").status_code == 403
    advance(ctx, 60 * 48)
    assert post(quarantine, action="lab", job_id=sample, outcome="pass").status_code == 303
    assert state(ctx, trip_id) is TripState.RELEASED

    # customs sends the released truck to its own bay and passes it
    assert post(customs, action="send", trip_id=trip_id, kind="customs_bay").status_code == 303
    customs_job = open_job(ctx, trip_id, "customs_bay")
    assert post(customs, action="finish", job_id=customs_job, outcome="pass").status_code == 303
    assert not [j for j in inspections.trip_jobs(ctx.uow(), trip_id) if j.open]


def test_a_hold_needs_its_reason_and_a_failed_sample_is_confirmed(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    trip_id = at_lane(world)
    quarantine = officer(ctx, app, Role.QUARANTINE_OFFICER)
    post(quarantine, action="send", trip_id=trip_id, kind="quarantine_bay")
    job = open_job(ctx, trip_id, "quarantine_bay")
    missing = post(quarantine, action="finish", job_id=job, outcome="hold", reason="")
    assert missing.status_code == 422 and f'id="err-{job}-reason"' in missing.text
    assert 'id="confirm-box"' not in missing.text
    fields = confirm_fields(
        post(quarantine, action="finish", job_id=job, outcome="sample", reason="Nghi nhiễm ruồi đục quả").text
    )
    post(quarantine, **{k: v for k, v in fields.items() if k != "csrf_token"})
    sample = open_job(ctx, trip_id, "laboratory")
    ask = post(quarantine, action="lab", job_id=sample, outcome="reject", reason="Dư lượng vượt ngưỡng")
    assert ask.status_code == 200 and 'id="confirm-box"' in ask.text and state(ctx, trip_id) is TripState.HELD
    fields = confirm_fields(ask.text)
    assert post(quarantine, **{k: v for k, v in fields.items() if k != "csrf_token"}).status_code == 303
    assert state(ctx, trip_id) is TripState.REJECTED


def test_certificate_findings_are_sentences_accepted_or_refused_by_quarantine_only(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    exporter = Actor("exporter-1", ActorRole.EXPORTER)
    checks = {}
    trips_ = {}
    for name in ("accepted", "refused"):
        trips_[name] = at_lane(world, fruit_line(net_kg="12000", gross_kg="13000"))
        shipment_id = trips.get_trip(ctx.uow(), trips_[name]).shipment_id
        certificate, conformance = read_sps_certificate(VN_CERT.encode())
        check, _ = inspections.submit_certificate(
            ctx.uow(),
            clock=ctx.clock,
            shipment_id=shipment_id,
            certificate=certificate,
            document=VN_CERT.encode(),
            actor=exporter,
            conformance=conformance,
        )
        checks[name] = check.id
    quarantine, customs = officer(ctx, app, Role.QUARANTINE_OFFICER, "zh"), officer(ctx, app, Role.CUSTOMS_OFFICER)
    page = quarantine.get(PAGE).text
    certs = page.split('id="certificates"')[1]
    assert "净重" in certs and "phyto." not in certs  # the net weight finding, as a sentence in Chinese
    assert f'data-check="{checks["accepted"]}"' in certs and 'data-action="accept"' in certs
    assert 'data-action="accept"' not in customs.get(PAGE).text  # not offered to customs…
    refused = post(customs, action="accept", check_id=checks["accepted"], reason="ok")
    assert refused.status_code == 403  # …and refused when posted anyway

    empty = post(quarantine, action="accept", check_id=checks["accepted"], reason=" ")
    assert empty.status_code == 422 and f'id="err-{checks["accepted"]}-reason"' in empty.text
    ok = post(quarantine, action="accept", check_id=checks["accepted"], reason="Cân lại tại cửa khẩu: 18 tấn")
    assert ok.status_code == 303
    assert not inspections.certificate_checks(ctx.uow(), trips.get_trip(ctx.uow(), trips_["accepted"]).shipment_id)[
        -1
    ].blocks_clearance

    ask = post(
        quarantine, action="refuse", trip_id=trips_["refused"], check_id=checks["refused"], reason="Sai khối lượng"
    )
    assert ask.status_code == 200 and 'id="confirm-box"' in ask.text
    assert state(ctx, trips_["refused"]) is TripState.CALLED
    fields = confirm_fields(ask.text)
    assert post(quarantine, **{k: v for k, v in fields.items() if k != "csrf_token"}).status_code == 303
    assert state(ctx, trips_["refused"]) is TripState.REJECTED


def test_roles_without_inspection_are_refused(ctx: ServiceContext, world: World, app: FastAPI) -> None:
    trip_id = at_lane(world)
    guard = officer(ctx, app, Role.BORDER_GUARD)
    assert guard.get(PAGE).status_code == 200  # gate staff read the queues
    assert 'data-action="send"' not in guard.get(PAGE).text
    assert post(guard, action="send", trip_id=trip_id, kind="quarantine_bay").status_code == 403
    assert state(ctx, trip_id) is TripState.CALLED
    token = token_for(ctx, Role.EXPORTER, enterprise_id=world.exporter.id)
    exporter = TestClient(app, raise_server_exceptions=False, cookies={"cuakhau_session": token, CSRF_COOKIE: CSRF})
    assert exporter.get(PAGE).status_code == 403
    # a forged form without the token changes nothing
    quarantine = officer(ctx, app, Role.QUARANTINE_OFFICER)
    forged = quarantine.post(PAGE, data={"action": "send", "trip_id": trip_id, "kind": "quarantine_bay"})
    assert forged.status_code == 403 and state(ctx, trip_id) is TripState.CALLED
    # the back address only leads within the site
    r = post(quarantine, action="send", trip_id=trip_id, kind="quarantine_bay", back="//evil.example/x")
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?done=send"


def test_the_truck_partial_shows_one_trucks_jobs_and_forms_for_the_truck_page(
    ctx: ServiceContext, world: World, app: FastAPI
) -> None:
    from zoneinfo import ZoneInfo

    from starlette.requests import Request

    from cuakhau.adapters.web.pages import inspections as page
    from cuakhau.adapters.web.pages.render import environment, template_globals
    from cuakhau.domain.accounts import Principal

    trip_id = at_lane(world)
    quarantine = officer(ctx, app, Role.QUARANTINE_OFFICER)
    post(quarantine, action="send", trip_id=trip_id, kind="quarantine_bay")
    job = open_job(ctx, trip_id, "quarantine_bay")
    request = Request({"type": "http", "app": app, "path": "/portal/trips/x", "headers": [], "query_string": b""})

    def partial(principal: Principal) -> str:
        context = page.truck_actions(ctx, principal, trip_id, back=f"/portal/trips/{trip_id}")
        globals_ = template_globals(request, "zh", ZoneInfo("Asia/Ho_Chi_Minh"))
        return environment("zh").get_template("inspections/_truck_actions.html").render(**globals_, **context)

    def principal(role: Role) -> Principal:
        return Principal("a", f"{role.value}.1", role, None, frozenset({GATE}), "zh")

    html = partial(principal(Role.QUARANTINE_OFFICER))
    assert f'data-job="{job}"' in html and 'data-action="finish"' in html and "检疫查验区" in html
    assert f'name="back" value="/portal/trips/{trip_id}"' in html
    assert 'value="customs_bay"' not in html  # quarantine is not offered the customs bay
    customs = partial(principal(Role.CUSTOMS_OFFICER))
    assert 'data-action="finish"' not in customs and 'value="customs_bay"' in customs
