"""The logging configuration (adapters/logs.py): formatters, context fields, redaction; the request id check."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from cuakhau.adapters import logs
from cuakhau.adapters.web.requestid import request_id_of
from cuakhau.config import Settings

SECRETS = {
    "bearer": ("GET /x Authorization: Bearer Zk3q-9xYtokenVALUE_123", "Zk3q-9xYtokenVALUE_123"),
    "basic": ("authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    "password pair": ("login failed password=correct-horse&user=a", "correct-horse"),
    "quoted password": ('{"username": "a", "password": "two words here"}', "two words"),
    "token pair": ("token: 'tok-1234567890'", "tok-1234567890"),
    "cookie": ("Cookie: cuakhau_session=sess-abcdef123; lang=vi", "sess-abcdef123"),
    "set-cookie": ("set-cookie: cuakhau_session=sess-abcdef123; Path=/", "sess-abcdef123"),
    "webhook secret pair": ("webhook_secret=whsec-00112233", "whsec-00112233"),
    "db url": ("could not connect to postgresql+psycopg://cuakhau:pg-Pa55word@db:5432/cuakhau", "pg-Pa55word"),
    "csrf": ("csrf_token=csrf-998877", "csrf-998877"),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_redactor_removes_each_kind_of_secret(name: str) -> None:
    text, secret = SECRETS[name]
    cleaned = logs.Redactor()(text)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_redactor_keeps_ordinary_text() -> None:
    redact = logs.Redactor()
    for text in ("periodic job token_purge changed 3", "connected, session resumed", "GET /api/v1/gates 200"):
        assert redact(text) == text


def test_configured_secrets_are_removed_wherever_they_appear() -> None:
    redact = logs.Redactor(["whsec-s3cr3t-value"])
    assert redact("signing with whsec-s3cr3t-value now") == "signing with [redacted] now"


def test_secrets_of_the_settings() -> None:
    settings = Settings(
        database_url="postgresql://cuakhau:db%40pass@127.0.0.1/x",
        webhook_secret=SecretStr("whsec-abcd"),
        redis_url="redis://:redis-pass@127.0.0.1:6379/0",
    )
    found = logs.secrets_of(settings)
    assert {"whsec-abcd", "db@pass", "redis-pass"} <= set(found)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter(secrets=["whsec-literal"]))
    logger = logging.getLogger("cuakhau.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_context_and_extras(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("outside")
    with logs.scope(request_id="req-1"):
        logs.bind(account="alice")
        logger.info("booked %d", 3, extra={"gate": "vn-huu-nghi"})
    logger.info("after")
    outside, inside, after = lines(stream)
    assert "request_id" not in outside and "request_id" not in after
    assert inside["request_id"] == "req-1" and inside["account"] == "alice"
    assert inside["msg"] == "booked 3" and inside["gate"] == "vn-huu-nghi"
    assert inside["level"] == "info" and inside["logger"] == "cuakhau.test.logs"
    assert str(inside["ts"]).endswith("+00:00")


def test_a_job_run_has_its_name_and_run_id(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured

    @logs.as_job("notifications")
    def run() -> None:
        logger.warning("retrying")

    run()
    run()
    first, second = lines(stream)
    assert first["job"] == second["job"] == "notifications"
    assert first["run_id"] != second["run_id"]


def test_exceptions_are_redacted_and_lines_stay_json(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    try:
        raise RuntimeError('refused: password="a b c" url=postgresql://u:pw-123456@h/db whsec-literal')
    except RuntimeError:
        logger.exception("failed with Authorization: Bearer tok-abcdef")
    (line,) = lines(stream)  # still one valid JSON object
    text = json.dumps(line)
    for secret in ("a b c", "pw-123456", "whsec-literal", "tok-abcdef"):
        assert secret not in text
    assert "RuntimeError" in str(line["exc"])


def test_console_lines_show_the_context() -> None:
    record = logging.LogRecord("cuakhau.web", logging.INFO, __file__, 1, "token=abc123 done", None, None)
    with logs.scope(request_id="req-9", account="bob"):
        text = logs.ConsoleFormatter().format(record)
    assert "[request_id=req-9 account=bob]" in text
    assert "abc123" not in text and "INFO" in text


def test_uvicorn_access_lines_are_structured(captured: tuple[logging.Logger, io.StringIO]) -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/x?token=leak-123", "1.1", 200),
        None,
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["method"] == "GET" and line["status"] == 200
    assert "leak-123" not in json.dumps(line)


def test_dict_config_routes_uvicorn_to_one_handler_and_quiets_sqlalchemy() -> None:
    config = logs.dict_config("console", "debug", secrets=["x" * 8])
    assert config["formatters"]["cuakhau"]["()"] == "cuakhau.adapters.logs.ConsoleFormatter"
    assert config["root"] == {"handlers": ["stderr"], "level": "DEBUG"}
    assert config["loggers"]["uvicorn.access"] == {"handlers": [], "propagate": True}
    assert config["loggers"]["sqlalchemy"]["level"] == "WARNING"


@pytest.mark.parametrize(
    ("incoming", "accepted"),
    [
        (b"abc-123_x.y:z", True),
        (b"0" * 128, True),
        (b"0" * 129, False),
        (b"", False),
        (b"has space", False),
        (b"line\nbreak", False),
        (b'quote"', False),
        ("trạm".encode(), False),
    ],
)
def test_incoming_request_ids_are_checked(incoming: bytes, accepted: bool) -> None:
    got = request_id_of(incoming)
    assert (got == incoming.decode("latin-1")) is accepted
    assert 1 <= len(got) <= 128


def test_configure_writes_json_to_standard_error_as_it_is_at_each_line() -> None:
    import contextlib

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(Settings(log_format=None, log_level="info", webhook_secret=SecretStr("whsec-configured")))
        for _ in range(2):  # a new standard error each time (a test runner's), still written to
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                logging.getLogger("cuakhau.test").info("signed with whsec-configured")
            (line,) = lines(err)
            assert line["msg"] == "signed with [redacted]" and line["level"] == "info"
        assert logging.getLogger("sqlalchemy").level == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
