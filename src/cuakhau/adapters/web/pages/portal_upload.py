"""Declare many trucks from one file: a cooperative's CSV or spreadsheet (.xlsx), one row per truck.

Each row is one declaration with one cargo line, declared through the same use case as the declaration form
and ``POST /api/v1/trips`` (``services/authorized.declare_trip``: every check, scope included). Rows are applied
**one by one**: a row without problems is declared at once; a row with problems is not, and is listed with each
problem, its row number and its column, in the reader's language. The page says so; sending the corrected rows
again declares them (rows already declared are refused, their truck being on a trip).

Headers may be written in Vietnamese, Chinese or English (the downloadable template has the reader's language),
in any order; unknown columns are refused by name, so a typo never silently drops a value.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from cuakhau.adapters.web.deps import ContextDep
from cuakhau.adapters.web.pages.access import signed_in
from cuakhau.adapters.web.pages.i18n import LANGUAGES, translations
from cuakhau.adapters.web.pages.portal import _problem, _problems
from cuakhau.adapters.web.pages.render import csrf_ok, language_of, render
from cuakhau.domain.accounts import Permission, Principal
from cuakhau.domain.errors import CuakhauError, InvalidInput, NotFound
from cuakhau.services import access, authorized
from cuakhau.services import fleet as svc
from cuakhau.services.context import ServiceContext
from cuakhau.services.gates import list_gates

router = APIRouter(prefix="/portal/upload", include_in_schema=False)

MAX_BYTES = 1_000_000
MAX_ROWS = 200


def N_(text: str) -> str:
    """Marks a page text for the catalogs (``pybabel extract``); translated where it is shown."""
    return text


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    required: bool
    example: str
    hint: str = ""


COLUMNS = (
    Column("plate", N_("Truck plate"), True, "29C-123.45", N_("a truck registered on this portal")),
    Column("trailer_plate", N_("Trailer plate"), False, "", N_("a registered trailer or semi-trailer, if any")),
    Column("driver_document_kind", N_("Driver's document"), False, "", N_("blank: Vietnamese citizen ID")),
    Column("driver_document", N_("Driver's document number"), True, "012345678901", N_("a registered driver")),
    Column("gate", N_("Gate"), True, "Hữu Nghị", N_("its name in any language")),
    Column("direction", N_("Direction"), False, "", N_("blank: export")),
    Column("consignee_name", N_("Consignee name"), True, "广西凭祥友谊果蔬进出口贸易有限公司"),
    Column("consignee_country", N_("Consignee country (ISO code)"), True, "CN"),
    Column("phytosanitary_certificate_no", N_("Phytosanitary certificate number"), False, "", N_("for plants")),
    Column("containers", N_("Containers"), False, "", N_("numbers separated by spaces")),
    Column("hs_code", N_("HS code"), True, "0810.60"),
    Column("description", N_("Description of the goods"), True, "Sầu riêng / 鲜榴莲"),
    Column("net_kg", N_("Net weight (kg)"), True, "18000"),
    Column("gross_kg", N_("Gross weight (kg)"), True, "19500"),
    Column("packages", N_("Packages"), True, "1000"),
    Column("value", N_("Value"), True, "54000"),
    Column("currency", N_("Currency"), False, "USD", N_("blank: USD")),
    Column("planting_area_code", N_("Planting area code"), False, "VN-BTOR-0102"),
    Column("packing_house_code", N_("Packing house code"), False, "VN-BTPH-017"),
)
BY_KEY = {c.key: c for c in COLUMNS}
DIRECTIONS = {"export": N_("export"), "import": N_("import")}
#: The words around a gate's name that people leave out ("Hữu Nghị" for "Cửa khẩu quốc tế Hữu Nghị").
GATE_WORDS = re.compile(r"^Cửa khẩu (quốc tế )?|( International)?( Border Gate| Port)$|口岸(（越方）)?$")
WHOLE = re.compile(r"\d{1,3}(?:[.,\s]\d{3})+|\d+")
KIND_LABELS = {
    "vn_citizen_id": "Vietnamese citizen ID",
    "cn_resident_id": "Chinese resident ID",
    "passport": "passport",
    "border_pass": "border pass",
}


def fold(text: str) -> str:
    """For matching what people type: no case, no diacritics, no spaces (``Hữu Nghị`` = ``huu nghi``)."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace()).casefold()


def _in_every_language(words: dict[str, str]) -> dict[str, str]:
    """``{code: English text}`` -> the folded text in each language (and the code itself) -> the code."""
    out = {}
    for code, text in words.items():
        out[fold(code)] = code
        for language in LANGUAGES:
            out[fold(translations(language).gettext(text))] = code
    return out


def header_keys() -> dict[str, str]:
    return _in_every_language({c.key: c.label for c in COLUMNS})


@dataclass
class Outcome:
    row: int
    plate: str
    trip_id: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)


# --- reading the file -----------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, data: bytes) -> list[list[str]]:
    """The file's rows as text cells: a spreadsheet's first sheet, or CSV (UTF-8; comma, semicolon or tab)."""
    if not data.strip():
        raise InvalidInput("upload.empty", field="file")
    if len(data) > MAX_BYTES:
        raise InvalidInput("upload.too_large", field="file", max_kb=MAX_BYTES // 1000)
    if name.lower().endswith(".xlsx") or data[:2] == b"PK":
        import openpyxl  # only when a spreadsheet is sent

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        except Exception:
            raise InvalidInput("upload.unreadable", field="file") from None
        return rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("upload.unreadable", field="file") from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", "\t", ","), key=first.count)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def rows_of(table: list[list[str]], language: str = "en") -> list[tuple[int, dict[str, str]]]:
    """Each non-blank row under the header as ``(row number in the file, {column key: text})``."""
    body = [(i + 1, row) for i, row in enumerate(table) if any(cell for cell in row)]
    if not body:
        raise InvalidInput("upload.empty", field="file")
    (_, header), rows = body[0], body[1:]
    known = header_keys()
    keys: list[str | None] = []
    unknown = []
    for cell in header:
        key = known.get(fold(cell)) if cell else None
        if cell and key is None:
            unknown.append(cell[:40])
        keys.append(key)
    if unknown:
        raise InvalidInput("upload.unknown_columns", field="file", columns=", ".join(unknown))
    missing = [c for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        gettext = translations(language).gettext
        raise InvalidInput("upload.missing_columns", field="file", columns=", ".join(gettext(c.label) for c in missing))
    if not rows:
        raise InvalidInput("upload.empty", field="file")
    if len(rows) > MAX_ROWS:
        raise InvalidInput("upload.too_many_rows", field="file", max=MAX_ROWS)
    out = []
    for number, row in rows:
        values = {k: "" for k in BY_KEY}
        for key, cell in zip(keys, row, strict=False):
            if key is not None:
                values[key] = cell[:500]
        out.append((number, values))
    return out


# --- declaring each row ---------------------------------------------------------------------------------------


def column_of(problem_field: str | None) -> str | None:
    """The column a declaration problem is about (``shipment.lines[0].hs_code`` -> ``hs_code``)."""
    if not problem_field:
        return None
    name = problem_field.rsplit(".", 1)[-1].split("[", 1)[0]
    return {
        "gate_id": "gate",
        "vehicle_id": "plate",
        "trailer_id": "trailer_plate",
        "driver_id": "driver_document",
        "shipment_id": "phytosanitary_certificate_no",
        "lines": "hs_code",
    }.get(name, name if name in BY_KEY else None)


def _declare_row(
    ctx: ServiceContext, principal: Principal, values: dict[str, str], gates: dict[str, str], exporter: str
) -> str:
    found: list[CuakhauError] = []

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InvalidInput, NotFound) as exc:
            found.append(exc)
            return None

    vehicle = attempt(svc.vehicle_by_plate, ctx, principal, values["plate"], field="vehicle_id")
    trailer = None
    if values["trailer_plate"]:
        trailer = attempt(svc.vehicle_by_plate, ctx, principal, values["trailer_plate"], field="trailer_id")
    kinds = _in_every_language(KIND_LABELS)
    kind = kinds.get(fold(values["driver_document_kind"]), values["driver_document_kind"] or "vn_citizen_id")
    number = values["driver_document"]
    driver = attempt(authorized.driver_by_document, ctx, principal, kind=kind, number=number)
    directions = _in_every_language(DIRECTIONS)
    line: dict[str, Any] = {k: values[k] for k in ("hs_code", "description", "net_kg", "gross_kg", "value")}
    raw = values["packages"].strip()
    # A whole number, perhaps with thousands grouped ("1.000", "1,000"); anything else goes to the service as typed.
    packages: int | str = int(re.sub(r"[.,\s]", "", raw)) if WHOLE.fullmatch(raw) else raw
    line |= {"packages": packages, "currency": values["currency"] or "USD"}
    line |= {"planting_area_code": values["planting_area_code"] or None}
    line |= {"packing_house_code": values["packing_house_code"] or None}
    trip = authorized.declare_trip(
        ctx,
        principal,
        gate_id=gates.get(fold(values["gate"]), values["gate"]),
        direction=directions.get(fold(values["direction"]), values["direction"] or "export"),
        vehicle_id=vehicle.id if vehicle else "",
        trailer_id=trailer.id if trailer else None,
        driver_id=driver.id if driver else None,
        containers=values["containers"].replace(",", " ").replace(";", " ").split(),
        errors=found,
        shipment={
            "exporter_id": exporter,
            "consignee_name": values["consignee_name"],
            "consignee_country": values["consignee_country"],
            "phytosanitary_certificate_no": values["phytosanitary_certificate_no"] or None,
            "lines": [line],
        },
        actor=principal.as_actor(),
    )
    return trip.id


def declare_rows(
    request: Request, ctx: ServiceContext, principal: Principal, rows: list[tuple[int, dict[str, str]]], exporter: str
) -> list[Outcome]:
    gates: dict[str, str] = {}
    for gate in list_gates(ctx.uow(read_only=True)):
        gates[fold(gate.id)] = gate.id
        for name in (gate.names.vi, gate.names.zh, gate.names.en):
            gates[fold(name)] = gates[fold(GATE_WORDS.sub("", name))] = gate.id
    outcomes = []
    for number, values in rows:
        outcome = Outcome(row=number, plate=values["plate"])
        try:
            outcome.trip_id = _declare_row(ctx, principal, values, gates, exporter)
        except CuakhauError as exc:
            if exc.http_status not in (404, 409, 422):
                raise
            seen: set[tuple[str, str | None]] = set()
            for p in _problems(request, exc):
                column = column_of(p["field"])
                if (p["code"], column) not in seen:  # a plate nobody has is not found once, not per check
                    seen.add((p["code"], column))
                    outcome.problems.append(p | {"column": column})
        outcomes.append(outcome)
    return outcomes


# --- the pages ------------------------------------------------------------------------------------------------


def _page(request: Request, *, status: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "portal/fleet/upload.html", status=status, columns=COLUMNS, max_rows=MAX_ROWS, **extra)


@router.get("", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    access.require_permission(signed_in(request), Permission.DECLARE)
    return _page(request)


@router.get("/template.csv")
def template(request: Request) -> Response:
    """The columns as headers in the reader's language, and one example row."""
    access.require_permission(signed_in(request), Permission.DECLARE)
    gettext = translations(language_of(request)).gettext
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([gettext(c.label) for c in COLUMNS])
    writer.writerow([c.example for c in COLUMNS])
    headers = {"Content-Disposition": 'attachment; filename="cuakhau-declarations.csv"'}
    # With a byte-order mark, spreadsheet programs open the UTF-8 text as UTF-8.
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.post("", response_class=HTMLResponse)
async def upload(request: Request, ctx: ContextDep) -> Response:
    principal = signed_in(request)
    access.require_permission(principal, Permission.DECLARE)  # as the API: refused before the file is read
    async with request.form(max_part_size=MAX_BYTES + 1) as form:
        exporter = principal.enterprise_id if principal.is_tenant else str(form.get("exporter_id", "")).strip()[:64]
        if not csrf_ok(request, str(form.get("csrf_token", ""))):
            return _page(request, status=403, problem=_problem(request, InvalidInput("page.csrf")))
        sent = form.get("file")
        try:
            if not isinstance(sent, UploadFile):
                raise InvalidInput("upload.empty", field="file")
            data = await sent.read(MAX_BYTES + 1)
            rows = rows_of(read_table(sent.filename or "", data), language_of(request))
        except CuakhauError as exc:
            return _page(request, status=exc.http_status, problem=_problem(request, exc))
    outcomes = await run_in_threadpool(declare_rows, request, ctx, principal, rows, exporter or "")
    return _page(
        request,
        outcomes=outcomes,
        declared=[o for o in outcomes if o.trip_id],
        refused=[o for o in outcomes if not o.trip_id],
    )


__all__ = ["COLUMNS", "router"]
