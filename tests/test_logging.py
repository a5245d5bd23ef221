"""The JSON log lines an operator reads: structlog's (the core, the request line) and the
stdlib loggers' (slack_bolt, aiohttp, the adapters) with the same fields on one stream.

Each test configures logging inside its body and puts the previous handlers back, like
``test_server``, so pytest's own capture handlers are left as pytest expects them.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import structlog

from bot import logging as bot_logging

FIELDS = {"event", "level", "logger", "timestamp", "request_id"}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@contextmanager
def configured(level: str = "INFO", *, cache: bool = False) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    access = logging.getLogger("aiohttp.access")
    saved = (root.handlers[:], root.level, access.level)
    out = io.StringIO()
    bot_logging.configure(level, stream=out, cache=cache)
    try:
        yield out
    finally:
        structlog.reset_defaults()
        root.handlers = saved[0]
        root.setLevel(saved[1])
        access.setLevel(saved[2])


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(isinstance(line, dict) for line in parsed), "one JSON object a line"
    return parsed


def test_structlog_and_stdlib_lines_carry_the_same_fields() -> None:
    with configured("INFO") as out, bot_logging.bound_request("req-1"):
        structlog.get_logger("coachbot.server").info(
            "http.request", method="POST", route="/slack/events", status=200, duration_ms=1.23
        )
        logging.getLogger("slack_bolt.App").warning("listener %s was slow", "coach")
    server, bolt = lines(out)
    assert set(server) == FIELDS | {"method", "route", "status", "duration_ms"}
    assert set(bolt) == FIELDS
    assert server["event"] == "http.request" and server["status"] == 200
    assert (server["level"], server["logger"]) == ("info", "coachbot.server")
    assert bolt["event"] == "listener coach was slow"
    assert (bolt["level"], bolt["logger"]) == ("warning", "slack_bolt.App")
    assert server["request_id"] == bolt["request_id"] == "req-1"
    assert ISO_UTC.fullmatch(server["timestamp"]) and ISO_UTC.fullmatch(bolt["timestamp"])


def test_no_request_id_outside_a_request_and_text_is_kept_as_written() -> None:
    with configured("INFO") as out:
        structlog.get_logger("coachbot.pulse").info("pulse.answered", note="naïve £5 “ok”")
        structlog.get_logger("coachbot.pulse").info("odd.values", values={3}, kind=object)
    first, second = lines(out)
    assert "request_id" not in first
    assert first["note"] == "naïve £5 “ok”" and "naïve £5" in out.getvalue()  # not \\u-escaped
    assert second["values"] == "{3}" and second["kind"] == "<class 'object'>"  # default=str


def test_structlog_positional_arguments_and_bound_values() -> None:
    with configured("INFO") as out:
        log = structlog.get_logger("coachbot.outbox").bind(org="T1")
        log.info("retry %d of %s", 2, "slack")
        structlog.get_logger().info("unnamed")  # the logger name is the calling module's
    retry, unnamed = lines(out)
    assert retry["event"] == "retry 2 of slack" and retry["org"] == "T1"
    assert unnamed["logger"] == __name__


def test_debug_lines_are_dropped_at_info_and_kept_at_debug() -> None:
    for level, expected in (("INFO", ["shown", "stdlib shown"]), ("DEBUG", None)):
        with configured(level) as out:
            log = structlog.get_logger("coachbot.server")
            std = logging.getLogger("adapters.slack.http")
            log.debug("hidden")
            std.debug("stdlib hidden")
            log.info("shown")
            std.info("stdlib shown")
        events = [line["event"] for line in lines(out)]
        assert events == (expected or ["hidden", "stdlib hidden", "shown", "stdlib shown"])


def test_aiohttp_access_lines_are_dropped() -> None:
    with configured("INFO") as out:
        logging.getLogger("aiohttp.access").info("GET /healthz 200")
    assert out.getvalue() == ""


def test_an_exception_carries_its_traceback() -> None:
    with configured("INFO") as out, bot_logging.bound_request("req-2"):
        try:
            raise KeyError("missing")
        except KeyError as exc:
            structlog.get_logger("coachbot.server").exception("http.unhandled_error")
            structlog.get_logger("coachbot.server").error("with.error", exc_info=exc)
            logging.getLogger("coachbot.teams").exception("Teams turn failed")
    for line in lines(out):
        assert line["level"] == "error" and line["request_id"] == "req-2"
        assert line["exception"].startswith("Traceback (most recent call last):")
        assert "KeyError: 'missing'" in line["exception"]
        assert "test_an_exception_carries_its_traceback" in line["exception"]


def test_configuring_again_replaces_stream_and_level() -> None:
    log = structlog.get_logger("coachbot.test")
    first, second = io.StringIO(), io.StringIO()
    with configured("INFO"):
        bot_logging.configure("INFO", stream=first, cache=False)
        log.info("one")
        log.debug("not at info")
        bot_logging.configure("DEBUG", stream=second, cache=False)
        log.debug("two")
        logging.getLogger("adapters.x").debug("three")
    assert [line["event"] for line in lines(first)] == ["one"]
    assert [line["event"] for line in lines(second)] == ["two", "three"]


def test_a_line_that_cannot_be_rendered_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with configured("INFO") as out:
        log = structlog.get_logger("coachbot.server")
        log.info("unrenderable", bad={(1, 2): "tuple keys are not JSON"})
        log.info("next")
    assert [line["event"] for line in lines(out)] == ["next"]
    assert "--- Logging error ---" in capsys.readouterr().err


def test_a_stream_that_fails_does_not_fail_the_caller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with configured("INFO") as out:
        out.close()
        structlog.get_logger("coachbot.server").info("http.request", status=200)
    assert "--- Logging error ---" in capsys.readouterr().err
