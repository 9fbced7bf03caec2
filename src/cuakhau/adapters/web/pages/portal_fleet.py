"""The exporter portal's fleet: register the enterprise's trucks, tractors, trailers and drivers from a phone.

The forms call the same use cases, with the same permission and scope checks, as ``POST /api/v1/vehicles`` and
``POST /api/v1/drivers`` (:mod:`cuakhau.services.fleet`); a vehicle's or driver's own page corrects it as
``PATCH /api/v1/vehicles/{id}`` and ``PATCH /api/v1/drivers/{id}`` do. Every problem of a form is shown at once,
each next to its field, in the reader's language; what the plate hints that disagrees with the registration is
shown with the vehicle as a sentence (a warning, never a refusal: ``docs/vehicles.md``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cuakhau import i18n
from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.portal import DOCUMENT_KINDS, _problem, _problems
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import CuakhauError, InvalidInput
from cuakhau.domain.parties import Driver, Vehicle, VehicleType
from cuakhau.services import fleet as svc
from cuakhau.services.context import ServiceContext

router = APIRouter(prefix="/portal/fleet", include_in_schema=False)

VEHICLE_TYPES = tuple(t.value for t in VehicleType)
VEHICLE_FIELDS = ("plate", "vehicle_type", "registration_number", "refrigerated", "owner_id")
DRIVER_FIELDS = ("full_name", "document_kind", "document_number", "nationality", "phone", "employer_id")


def warnings_of(vehicle: Vehicle, language: str) -> list[str]:
    """What the plate hints that disagrees with the registration, as sentences in the reader's language."""
    return [i18n.render(w.code, language, dict(w.params)) for w in vehicle.warnings]


def _page(
    request: Request,
    ctx: ServiceContext,
    principal: Principal,
    *,
    status: int = 200,
    offset: int = 0,
    **extra: Any,
) -> HTMLResponse:
    found = svc.fleet(ctx, principal, offset=offset)
    language = language_of(request)
    return render(
        request,
        "portal/fleet/index.html",
        status=status,
        fleet=found,
        offset=offset,
        page_size=svc.PAGE,
        warnings={v.id: warnings_of(v, language) for v in found.vehicles},
        may_correct=principal.may(Permission.REGISTER_PARTY),
        vehicle_types=VEHICLE_TYPES,
        document_kinds=DOCUMENT_KINDS,
        vehicle=extra.pop("vehicle", {"vehicle_type": "truck"}),
        driver=extra.pop("driver", {"document_kind": "vn_citizen_id", "nationality": "VN"}),
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def fleet_page(
    request: Request, ctx: ContextDep, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> HTMLResponse:
    principal = signed_in(request)
    added = request.query_params.get("added")
    return _page(request, ctx, principal, offset=offset, added=added if added in ("vehicle", "driver") else None)


def _refused(request: Request, exc: CuakhauError, form: str) -> dict[str, Any]:
    """The refusal of one of the page's forms (``form``): its problems, each shown next to its field."""
    return {"problem": _problem(request, exc), "problems": _problems(request, exc), "failed": form}


@router.post("/vehicles", response_class=HTMLResponse)
async def register_vehicle(request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:200] for k in VEHICLE_FIELDS}
    if not csrf_ok(request, str(form.get("csrf_token", ""))):
        return _page(
            request,
            ctx,
            principal,
            status=403,
            vehicle=values,
            **_refused(request, InvalidInput("page.csrf"), "vehicle"),
        )
    owner = principal.enterprise_id if principal.is_tenant else values["owner_id"]
    try:
        svc.register_vehicle(
            ctx,
            principal,
            owner_id=owner or "",
            plate=values["plate"],
            vehicle_type=values["vehicle_type"] or None,
            registration_number=values["registration_number"] or None,
            refrigerated=bool(values["refrigerated"]),
        )
    except CuakhauError as exc:
        return _page(
            request, ctx, principal, status=exc.http_status, vehicle=values, **_refused(request, exc, "vehicle")
        )
    return RedirectResponse("/portal/fleet?added=vehicle#vehicles", status_code=303)


@router.post("/drivers", response_class=HTMLResponse)
async def register_driver(request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:200] for k in DRIVER_FIELDS}
    if not csrf_ok(request, str(form.get("csrf_token", ""))):
        return _page(
            request, ctx, principal, status=403, driver=values, **_refused(request, InvalidInput("page.csrf"), "driver")
        )
    try:
        svc.register_driver(
            ctx,
            principal,
            employer_id=values["employer_id"] or None,
            full_name=values["full_name"],
            document_kind=values["document_kind"],
            document_number=values["document_number"],
            nationality=values["nationality"],
            phone=values["phone"] or None,
        )
    except CuakhauError as exc:
        return _page(request, ctx, principal, status=exc.http_status, driver=values, **_refused(request, exc, "driver"))
    return RedirectResponse("/portal/fleet?added=driver#drivers", status_code=303)


# --- correct a vehicle or a driver ----------------------------------------------------------------------------

EDIT_VEHICLE_FIELDS = ("plate", "vehicle_type", "registration_number", "refrigerated")
EDIT_DRIVER_FIELDS = ("full_name", "document_kind", "document_number", "nationality", "phone")


def _vehicle_values(v: Vehicle) -> dict[str, Any]:
    return {
        "plate": v.plate.display,
        "vehicle_type": v.vehicle_type.value,
        "registration_number": v.registration_number or "",
        "refrigerated": "1" if v.refrigerated else "",
    }


def _edit_vehicle_page(
    request: Request, vehicle: Vehicle, values: dict[str, Any], *, status: int = 200, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "portal/fleet/edit_vehicle.html",
        status=status,
        current=vehicle,
        vehicle=values,
        warnings=warnings_of(vehicle, language_of(request)),
        vehicle_types=VEHICLE_TYPES,
        **extra,
    )


@router.get("/vehicles/{vehicle_id}", response_class=HTMLResponse)
def edit_vehicle_page(vehicle_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    """A vehicle's own page: its details in a form that corrects them (as ``PATCH /api/v1/vehicles/{id}``)."""
    principal = signed_in(request)
    vehicle = svc.own_vehicle(ctx, principal, vehicle_id)
    saved = request.query_params.get("saved") == "1"
    return _edit_vehicle_page(request, vehicle, _vehicle_values(vehicle), saved=saved)


@router.post("/vehicles/{vehicle_id}", response_class=HTMLResponse)
async def edit_vehicle(vehicle_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    vehicle = svc.own_vehicle(ctx, principal, vehicle_id)  # another's reads as missing, before the form
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:200] for k in EDIT_VEHICLE_FIELDS}
    if not csrf_ok(request, str(form.get("csrf_token", ""))):
        refused = _refused(request, InvalidInput("page.csrf"), "vehicle")
        return _edit_vehicle_page(request, vehicle, values, status=403, **refused)
    try:
        svc.update_vehicle(
            ctx,
            principal,
            vehicle_id=vehicle_id,
            plate=values["plate"],
            vehicle_type=values["vehicle_type"] or None,
            registration_number=values["registration_number"],
            refrigerated=bool(values["refrigerated"]),
        )
    except CuakhauError as exc:
        return _edit_vehicle_page(request, vehicle, values, status=exc.http_status, **_refused(request, exc, "vehicle"))
    return RedirectResponse(f"/portal/fleet/vehicles/{vehicle_id}?saved=1", status_code=303)


def _driver_values(d: Driver) -> dict[str, Any]:
    return {
        "full_name": d.full_name,
        "document_kind": d.document.kind.value,
        "document_number": d.document.number,
        "nationality": d.nationality,
        "phone": d.phone or "",
    }


def _edit_driver_page(
    request: Request, driver: Driver, values: dict[str, Any], *, status: int = 200, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "portal/fleet/edit_driver.html",
        status=status,
        current=driver,
        driver=values,
        document_kinds=DOCUMENT_KINDS,
        **extra,
    )


@router.get("/drivers/{driver_id}", response_class=HTMLResponse)
def edit_driver_page(driver_id: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    """A driver's own page: their details in a form that corrects them (as ``PATCH /api/v1/drivers/{id}``)."""
    principal = signed_in(request)
    driver = svc.own_driver(ctx, principal, driver_id)
    saved = request.query_params.get("saved") == "1"
    return _edit_driver_page(request, driver, _driver_values(driver), saved=saved)


@router.post("/drivers/{driver_id}", response_class=HTMLResponse)
async def edit_driver(driver_id: str, request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    driver = svc.own_driver(ctx, principal, driver_id)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:200] for k in EDIT_DRIVER_FIELDS}
    if not csrf_ok(request, str(form.get("csrf_token", ""))):
        refused = _refused(request, InvalidInput("page.csrf"), "driver")
        return _edit_driver_page(request, driver, values, status=403, **refused)
    try:
        svc.update_driver(ctx, principal, driver_id=driver_id, **values)
    except CuakhauError as exc:
        return _edit_driver_page(request, driver, values, status=exc.http_status, **_refused(request, exc, "driver"))
    return RedirectResponse(f"/portal/fleet/drivers/{driver_id}?saved=1", status_code=303)
