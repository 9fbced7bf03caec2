"""The one logging configuration of every cuakhau process (docs/operations.md, "Logs").

* :func:`configure` applies :func:`dict_config` once (``cuakhau serve``, ``demo``, ``notify``, ``devices listen``);
  the same dictionary is uvicorn's ``log_config``, so its worker processes log the same way.
* Lines are JSON (one object a line, for a collector) or console text (the demo), on standard error.
* Each line carries what the code was doing when it was written, from a context variable: the request id and the
  account of a request (``adapters/web/requestid.py``), the job and its run id (:func:`as_job`), a device
  message's id (:func:`bind`).
* :class:`Redactor` removes secrets from every line, exception texts included: bearer and basic credentials,
  ``password=``/``token=``/``secret=``/``cookie=``-like pairs, passwords in URLs, and the configured secrets
  themselves (webhook secret, database and Redis passwords) wherever they appear.

Standard library only: uvicorn, SQLAlchemy and our modules all log through :mod:`logging`.
"""

from __future__ import annotations

import functools
import json
import logging
import logging.config
import re
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, ParamSpec, TypeVar

Format = Literal["json", "console"]

#: The fields of the current request, job or message (a dict, shared by the code it calls, even in threads that
#: copied the context: :func:`bind` changes it in place).
_fields: ContextVar[dict[str, str] | None] = ContextVar("cuakhau_log_fields", default=None)

#: Context fields, in the order lines show them.
FIELDS = ("request_id", "account", "job", "run_id", "message_id")

P = ParamSpec("P")
R = TypeVar("R")


def current() -> dict[str, str]:
    """A copy of the fields of the current context."""
    return dict(_fields.get() or {})


@contextmanager
def scope(**fields: str | None) -> Iterator[dict[str, str]]:
    """A new logging context for the code inside (a request, a job run, a device message)."""
    values = {**(_fields.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _fields.set(values)
    try:
        yield values
    finally:
        _fields.reset(token)


def bind(**fields: str | None) -> None:
    """Add fields to the current context (e.g. the account once the token is resolved); no context: nothing."""
    values = _fields.get()
    if values is not None:
        values.update({k: v for k, v in fields.items() if v is not None})


def new_id() -> str:
    return uuid.uuid4().hex


def as_job(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function as one run of the job ``name``: its lines carry ``job`` and a fresh ``run_id``."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with scope(job=name, run_id=new_id()[:16]):
                return fn(*args, **kwargs)

        return run

    return decorate


# -- redaction ------------------------------------------------------------------------------------------------

_SECRET_WORDS = r"password|passwd|pwd|secret|token|cookie|authorization|api[_-]?key|session|csrf"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer xyz / Basic xyz
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"), r"\1\2[redacted]"),
    # scheme://user:password@host
    (re.compile(r'(?i)\b([a-z][a-z0-9+.-]*://[^:/?#\s@"]*:)[^@\s/"]+@'), r"\1[redacted]@"),
    # password=..., "token": "...", 'cookie': '...', Set-Cookie: a=b ... (a quoted value whole, spaces and all)
    (
        re.compile(
            rf"(?i)([\w-]*(?:{_SECRET_WORDS})[\w-]*)([\"']?\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|(?!\[redacted\])[^\s\"',;&}\]]+)"
        ),
        r"\1\2[redacted]",
    ),
)


class Redactor:
    """Removes secrets from text: every configured secret value (4 characters or more), then the patterns above."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = self.literals(text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def literals(self, text: str) -> str:
        """Only the configured secret values (safe on JSON text: the patterns are applied to values before)."""
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def secrets_of(settings: Any) -> list[str]:
    """The secret values in the settings: the webhook secret, and the passwords of the database and Redis URLs."""
    from urllib.parse import unquote, urlsplit

    found: list[str] = []
    webhook = getattr(settings, "webhook_secret", None)
    if webhook is not None:
        found.append(webhook.get_secret_value())
    for url in (getattr(settings, "database_url", None), getattr(settings, "redis_url", None)):
        if url:
            password = urlsplit(url).password
            if password:
                found += [password, unquote(password)]
    return found


# -- formatters -----------------------------------------------------------------------------------------------

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class _Base(logging.Formatter):
    def __init__(self, *, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redact = Redactor(secrets)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line's structured fields: the context's, then what the call passed in ``extra=``."""
        out: dict[str, Any] = dict(_fields.get() or {})
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            out.update(client=client, method=method, path=path, status=status)
        return out

    def exception_text(self, record: logging.LogRecord) -> str | None:
        if record.exc_info and record.exc_info[0] is not None:
            return "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return record.exc_text or None


class JsonFormatter(_Base):
    """One JSON object a line: ``ts``, ``level``, ``logger``, ``msg``, the context fields, ``exc`` for errors."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in self.fields(record).items():
            line.setdefault(key, value)
        exc = self.exception_text(record)
        if exc:
            line["exc"] = exc
        clean = {k: self.redact(v) if isinstance(v, str) else v for k, v in line.items()}
        return self.redact.literals(json.dumps(clean, ensure_ascii=False, default=lambda v: self.redact(str(v))))


class ConsoleFormatter(_Base):
    """``HH:MM:SS level logger [request_id=… account=…] message`` for a person reading a terminal (the demo)."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%SZ")
        context = " ".join(f"{k}={v}" for k, v in self.fields(record).items() if k in FIELDS)
        text = f"{at} {record.levelname:<7} {record.name} {f'[{context}] ' if context else ''}{record.getMessage()}"
        exc = self.exception_text(record)
        return self.redact(f"{text}\n{exc}" if exc else text)


# -- configuration --------------------------------------------------------------------------------------------


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is when a line is written (like :data:`logging.lastResort`), not as it was when
    the handler was made: a command run in-process by a test runner that swaps standard error keeps working."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def dict_config(fmt: Format = "json", level: str = "info", *, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """The :func:`logging.config.dictConfig` dictionary: one handler on standard error for everything (uvicorn's
    loggers propagate to it); SQLAlchemy at warnings only, whatever the level (its info lines are statements)."""
    formatter = JsonFormatter if fmt == "json" else ConsoleFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"cuakhau": {"()": f"{formatter.__module__}.{formatter.__qualname__}", "secrets": list(secrets)}},
        "handlers": {
            "stderr": {"class": f"{StderrHandler.__module__}.{StderrHandler.__qualname__}", "formatter": "cuakhau"}
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
            "sqlalchemy": {"level": "WARNING"},
        },
    }


def configure(settings: Any, *, default: Format = "json") -> dict[str, Any]:
    """Apply the logging configuration of ``settings`` (``log_format``, ``log_level``) and return it (to give to
    uvicorn as ``log_config``). ``default``: the format when ``CUAKHAU_LOG_FORMAT`` is unset."""
    fmt: Format = getattr(settings, "log_format", None) or default
    config = dict_config(fmt, settings.log_level, secrets=secrets_of(settings))
    logging.config.dictConfig(config)
    return config
