"""Structured logs: one JSON object a line on stderr, every line carrying the request id.

``configure()`` is called once by an entry point (``coachbot serve``). It routes both
structlog loggers (the core) and stdlib ``logging`` loggers (slack_bolt, aiohttp,
botbuilder, the adapters) through the same JSON renderer, so an operator's log pipeline
sees one format.

The request id lives in a ``ContextVar``: asyncio copies the context into every task
created while handling a request, so the work Slack's listeners do *after* the ack
(matching, the ledger, the reply) still logs under the request that caused it. This
module knows nothing about HTTP frameworks; ``adapters/server.py`` binds the id.
"""

from __future__ import annotations

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
    if isinstance(level, str):
        numeric = logging.getLevelName(level.strip().upper())
        level = numeric if isinstance(numeric, int) else logging.INFO
    shared = _shared_processors()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=cache,
    )
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
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # aiohttp's own access log duplicates the server middleware's request line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
