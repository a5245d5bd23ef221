"""Report files (the chart PNG, the CSV) behind short-lived, unguessable links for Teams.

A Teams message must stay under about 28 KB, so a report's chart cannot travel inside
the card: the card carries a link to ``GET /reports/chart/{token}.png`` (and the CSV to
``GET /reports/csv/{token}.csv``) served by this service. The bytes are kept in the
database, not in process memory, so whichever ``coachbot serve`` process the image
request reaches can answer it.

The token is the only credential (Teams fetches the image without our authentication),
so it is 256 random bits, and only its SHA-256 is stored: reading the table does not
give working links. Every file expires after ``TTL_SECONDS``; expired rows are deleted
whenever a new file is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    select,
)

from bot.database import Database, DatabaseStore

TTL_SECONDS = 60 * 60  # an hour: long enough to open the card, short enough to not leak
TOKEN_BYTES = 32
PNG = "image/png"
CSV = "text/csv; charset=utf-8"

metadata = MetaData()
teams_report_files = Table(
    "teams_report_files",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("org", String(128), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("filename", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),
    # Unix seconds: compared the same way on SQLite and PostgreSQL, no time-zone surprises.
    Column("expires_at", BigInteger, nullable=False),
)
Index("ix_teams_report_files_expires_at", teams_report_files.c.expires_at)


@dataclass(frozen=True, slots=True)
class StoredFile:
    body: bytes
    content_type: str
    filename: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_token(token: str) -> bool:
    """The shape ``put`` hands out (url-safe base64 of TOKEN_BYTES): anything else is 404
    without a database query."""
    return len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)


class ReportFileStore(DatabaseStore):
    """Store and fetch report files by token (SQLite or PostgreSQL, async)."""

    what = "Teams report file"
    tables = metadata

    def __init__(self, database: Database | str, *, clock: Callable[[], float] = time.time) -> None:
        # The service's Database (one pool for everything), or a URL of its own (tests).
        super().__init__(database)
        self.clock = clock

    async def put(
        self,
        org: str,
        body: bytes,
        content_type: str,
        filename: str,
        ttl_seconds: int = TTL_SECONDS,
    ) -> str:
        """Keep ``body`` for ``ttl_seconds``; returns the token that fetches it."""
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = int(self.clock())
        async with self._connection(write=True) as conn:
            await conn.execute(
                delete(teams_report_files).where(teams_report_files.c.expires_at <= now)
            )
            await conn.execute(
                teams_report_files.insert().values(
                    token_hash=_hash(token),
                    org=org,
                    content_type=content_type,
                    filename=filename,
                    body=body,
                    expires_at=now + ttl_seconds,
                )
            )
        return token

    async def get(self, token: str) -> StoredFile | None:
        """The file, or None when the token is unknown, malformed or expired."""
        if not valid_token(token):
            return None
        async with self.database.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        teams_report_files.c.body,
                        teams_report_files.c.content_type,
                        teams_report_files.c.filename,
                    ).where(
                        teams_report_files.c.token_hash == _hash(token),
                        teams_report_files.c.expires_at > int(self.clock()),
                    )
                )
            ).first()
        if row is None:
            return None
        return StoredFile(body=bytes(row[0]), content_type=str(row[1]), filename=str(row[2]))


# -- HTTP ------------------------------------------------------------------------------

CHART_ROUTE = "/reports/chart/{token}.png"
CSV_ROUTE = "/reports/csv/{token}.csv"
# No caching anywhere on the way (the link is a credential for an hour), and the browser
# must take the content type as given.
FILE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def chart_url(public_url: str, token: str) -> str:
    return public_url.strip().rstrip("/") + CHART_ROUTE.format(token=token)


def csv_url(public_url: str, token: str) -> str:
    return public_url.strip().rstrip("/") + CSV_ROUTE.format(token=token)


def file_handler(
    store: Callable[[], ReportFileStore], content_type: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """``GET`` one stored file of ``content_type``; 404 for anything unknown or expired
    (a CSV token under the chart route too)."""

    async def handle(request: web.Request) -> web.Response:
        found = await store().get(request.match_info.get("token", ""))
        if found is None or found.content_type != content_type:
            return web.Response(
                status=404,
                text="Not found (report links expire after an hour).",
                headers=FILE_HEADERS,
            )
        headers = dict(FILE_HEADERS)
        if content_type != PNG:  # the chart shows inline in the card; the CSV downloads
            headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return web.Response(
            body=found.body,
            content_type=content_type.split(";")[0],
            charset="utf-8" if "charset" in content_type else None,
            headers=headers,
        )

    return handle
