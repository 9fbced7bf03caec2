"""Gate configuration files (YAML or JSON, ``docs/gate-config.md``): read with the line of every field, written
back in the same shape.

A mistake is an :class:`InvalidInput` whose ``field`` is the dotted path (``gates[0].lanes[2].kind``) and whose
params carry the ``line`` and the ``source``: the file is composed into YAML nodes first (JSON is YAML too) and
each mapping key and list item keeps its line, so a schema error's location maps back to the file. Every
message exists in vi, zh and en (``i18n/messages_gates.py``, codes ``gateconf.*``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from cuakhau.domain.errors import InvalidInput
from cuakhau.services.gate_config import GateFile, GateSetup, check_file, to_file, to_setup
from cuakhau.services.yaml_lines import Lines, Path, dotted

Format = Literal["yaml", "json"]

HEADER = """\
# cuakhau gate configuration (docs/gate-config.md): `cuakhau gates import FILE` applies it in one transaction.
# Times are the gate's local time; closure rules name public holidays of the gate's country.
"""

#: pydantic error types -> (code, what the message needs)
_TYPES: dict[str, str] = {
    "missing": "gateconf.missing",
    "extra_forbidden": "gateconf.unknown_field",
    "int_parsing": "gateconf.not_number",
    "int_type": "gateconf.not_number",
    "int_from_float": "gateconf.not_number",
    "float_parsing": "gateconf.not_number",
    "float_type": "gateconf.not_number",
    "decimal_parsing": "gateconf.not_number",
    "decimal_type": "gateconf.not_number",
    "finite_number": "gateconf.not_number",
    "bool_parsing": "gateconf.not_boolean",
    "bool_type": "gateconf.not_boolean",
    "string_type": "gateconf.not_text",
    "list_type": "gateconf.not_list",
    "model_type": "gateconf.not_mapping",
    "model_attributes_type": "gateconf.not_mapping",
    "dict_type": "gateconf.not_mapping",
    "time_parsing": "gateconf.not_time",
    "time_type": "gateconf.not_time",
    "datetime_parsing": "gateconf.not_datetime",
    "datetime_type": "gateconf.not_datetime",
    "datetime_from_date_parsing": "gateconf.not_datetime",
    "timezone_aware": "gateconf.not_datetime",
    "enum": "gateconf.not_one_of",
    "literal_error": "gateconf.not_one_of",
    "greater_than": "gateconf.out_of_range",
    "greater_than_equal": "gateconf.out_of_range",
    "less_than": "gateconf.out_of_range",
    "less_than_equal": "gateconf.out_of_range",
    "decimal_max_digits": "gateconf.out_of_range",
    "decimal_max_places": "gateconf.out_of_range",
    "string_too_short": "gateconf.length",
    "string_too_long": "gateconf.length",
    "too_short": "gateconf.length",
    "too_long": "gateconf.length",
    "string_pattern_mismatch": "gateconf.pattern",
}

_LIMITS = {
    "gt": ">",
    "ge": "≥",
    "lt": "<",
    "le": "≤",
    "min_length": "≥",
    "max_length": "≤",
    "max_digits": "≤",
    "decimal_places": "≤",
}


def _syntax(source: str, fmt: str, line: int, column: int, message: str) -> InvalidInput:
    return InvalidInput(
        "gateconf.syntax", field="file", source=source, format=fmt.upper(), line=line, column=column, message=message
    )


def _compose(text: str, fmt: Format, source: str) -> tuple[Any, Lines]:
    lines = Lines()
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _syntax(source, fmt, exc.lineno, exc.colno, exc.msg) from None
        try:  # the lines of the fields: JSON is YAML; when a corner of JSON is not, errors point at line 1
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
        if node is not None:
            lines.walk(node, ())
        return data, lines
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = ((mark.line + 1), (mark.column + 1)) if mark else (1, 1)
        raise _syntax(source, fmt, line, column, str(exc.problem or exc)[:200]) from None
    except yaml.YAMLError as exc:
        raise _syntax(source, fmt, 1, 1, str(exc)[:200]) from None
    if node is not None:
        lines.walk(node, ())
    return data, lines


def _from_pydantic(error: Any, lines: Lines, source: str) -> InvalidInput:
    path = tuple(p for p in error["loc"] if isinstance(p, str | int))
    code = _TYPES.get(error["type"], "gateconf.invalid")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    params: dict[str, Any] = {
        "source": source,
        "line": lines.line(path),
        "value": value if isinstance(value, str | int | float | bool) else json.dumps(value, default=str)[:80],
    }
    if code == "gateconf.not_one_of":
        params["allowed"] = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    elif code in ("gateconf.out_of_range", "gateconf.length"):
        params["limit"] = ", ".join(f"{_LIMITS[k]} {v}" for k, v in ctx.items() if k in _LIMITS) or "?"
    elif code == "gateconf.pattern":
        params["form"] = ctx.get("pattern", "")
    elif code == "gateconf.invalid":
        params["message"] = str(error.get("msg", "")).removeprefix("Value error, ")[:200]
    return InvalidInput(code, field=dotted(path) or "file", **params)


def _parse(text: str, fmt: Format, source: str) -> tuple[GateFile, Lines]:
    data, lines = _compose(text, fmt, source)
    if not isinstance(data, Mapping):
        raise InvalidInput("gateconf.not_mapping", field="file", source=source, line=1, value=type(data).__name__)
    try:
        config = GateFile.model_validate(data)
    except ValidationError as exc:
        # an unknown key is most often a misspelt one: name it rather than the "missing" field it hides
        first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        raise _from_pydantic(first, lines, source) from None
    problem = check_file(config)
    if problem is not None:
        code, path, params = problem
        raise InvalidInput(code, field=dotted(path), source=source, line=lines.line(path), **params)
    return config, lines


def parse(text: str, fmt: Format = "yaml", *, source: str = "<config>") -> GateFile:
    """Read and check a configuration; the first mistake is raised with its field and line."""
    return _parse(text, fmt, source)[0]


def read(text: str, fmt: Format = "yaml", *, source: str = "<config>") -> list[GateSetup]:
    """:func:`parse`, then the domain objects; what the domain still refuses names the gate and its line."""
    config, lines = _parse(text, fmt, source)
    out: list[GateSetup] = []
    for i, gate in enumerate(config.gates):
        try:
            out.append(to_setup(gate))
        except InvalidInput as exc:
            path: Path = ("gates", i)
            raise InvalidInput(
                "gateconf.invalid",
                field=f"{dotted(path)}.{exc.field or ''}".rstrip("."),
                source=source,
                line=lines.line(path),
                value=gate.id,
                message=exc.describe(),
            ) from None
    return out


class _Dumper(yaml.SafeDumper):
    """Short mappings of plain values on one line (a lane, a rule, the hours); times always quoted."""


def _dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flat = all(isinstance(v, str | int | float | bool | type(None)) for v in data.values())
    flow = flat and len(json.dumps(data, ensure_ascii=False)) <= 110
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, int | float) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "'" if _TIME.match(data) else None  # 07:00 unquoted is a number of minutes in YAML 1.1
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_Dumper.add_representer(dict, _dict)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(str, _str)


def dump(setups: list[GateSetup], fmt: Format = "yaml", *, now: datetime | None = None) -> str:
    """The configuration file of ``setups`` (the published closures from ``now`` on)."""
    data = to_file(setups, now=now).model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return HEADER + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
