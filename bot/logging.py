"""Structured logs: one JSON object a line on stderr, every line carrying the request id.

``configure()`` is called once by an entry point (``coachbot serve``). structlog loggers
(the core, the server's request line) and stdlib ``logging`` loggers (slack_bolt, aiohttp,
botbuilder, the adapters) come out with the same fields through the same JSON encoding, on
the same stream, so an operator's log pipeline sees one format. structlog's lines do not go
through ``logging`` (no ``LogRecord``, caller lookup or formatter chain: 26 µs of CPU a
line instead of 75, measured); they are rendered by structlog and written straight to the
stream of the stdlib handler, under its lock, so lines from the two never interleave. So
handlers added to the root logger later, ``logging.disable()`` or a stdlib level set on a
``coachbot.*`` name do not apply to them: their level is ``configure()``'s.

The request id lives in a ``ContextVar``: asyncio copies the context into every task
created while handling a request, so the work Slack's listeners do *after* the ack
(matching, the ledger, the reply) still logs under the request that caused it. This
module knows nothing about HTTP frameworks; ``adapters/server.py`` binds the id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's id is reused (a load balancer's, for correlation) only when it is short and
# plain: it goes into every log line, so it must not carry newlines, quotes or megabytes.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("coachbot_request_id", default=None)


def new_request_id(offered: str | None = None) -> str:
    """The caller's id when it is safe to log as it is, else a fresh random one."""
    if offered and _SAFE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


@contextmanager
def bound_request(request_id: str) -> Iterator[None]:
    """Every log line (and every task started) inside carries ``request_id``."""
    token = request_id_var.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            yield
    finally:
        request_id_var.reset(token)


_STANDARD_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode  # = json.dumps(..., same)
_guess_name = structlog.stdlib.LoggerFactory(ignore_frame_names=[__name__])
# The handler ``configure()`` put on the root logger: structlog's lines go to its stream.
_handler: logging.StreamHandler[Any] = logging.StreamHandler()


class _LineWriter:
    """structlog's output "logger": one rendered line onto the current handler's stream.

    ``name`` is what ``structlog.stdlib.add_logger_name`` reads. Like a stdlib handler, a
    line that cannot be written is reported on stderr, not raised into the code that logs.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def msg(self, line: str) -> None:
        handler = _handler
        handler.acquire()
        try:
            stream = handler.stream
            stream.write(line + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            handler.handleError(logging.makeLogRecord({"name": self.name, "msg": line}))
        finally:
            handler.release()

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


def _line_writer(*args: Any) -> _LineWriter:
    """``structlog.get_logger(name)``'s logger; without a name, the calling module's."""
    return _LineWriter(args[0] if args else _guess_name().name)


def _render(logger: Any, method_name: str, event_dict: Any) -> str:
    """structlog's last processor: the traceback if any, then the JSON line.

    A line that cannot be rendered is reported and dropped, as the stdlib handler does.
    """
    try:
        return _to_json(structlog.processors.format_exc_info(logger, method_name, event_dict))
    except RecursionError:
        raise
    except Exception:
        record = {"name": getattr(logger, "name", None), "msg": event_dict}
        _handler.handleError(logging.makeLogRecord(record))
        raise structlog.DropEvent from None


def _filtering_wrapper(level: int) -> type[structlog.typing.FilteringBoundLogger]:
    # structlog has filtering loggers for the standard levels; in between, the next one up
    # filters the same methods (above CRITICAL, critical lines are still written).
    standard = next((known for known in _STANDARD_LEVELS if known >= level), logging.CRITICAL)
    return structlog.make_filtering_bound_logger(standard)


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure(level: str | int = "INFO", *, stream: Any = None, cache: bool = True) -> None:
    """JSON logs for the whole process. Safe to call again (tests, reloads): it replaces.

    ``cache=False`` keeps loggers re-reading the configuration (tests swap it back).
    """
    global _handler
    if isinstance(level, str):
        numeric = logging.getLevelName(level.strip().upper())
        level = numeric if isinstance(numeric, int) else logging.INFO
    shared = _shared_processors()
    formatter = structlog.stdlib.ProcessorFormatter(
        # Lines from stdlib loggers get the same fields (level, logger, time, request id).
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    _handler = handler
    structlog.configure(
        processors=[*shared, structlog.processors.StackInfoRenderer(), _render],
        logger_factory=_line_writer,
        wrapper_class=_filtering_wrapper(level),
        cache_logger_on_first_use=cache,
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # aiohttp's own access log duplicates the server middleware's request line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
