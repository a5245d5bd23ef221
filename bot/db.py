"""Database URL handling shared by everything that stores data in SQL.

Operators write URLs the way their platform hands them out (``postgres://`` from Heroku,
``postgresql://`` from most docs, a bare ``sqlite:///path``). SQLAlchemy's async engine
needs an explicit async driver, so every URL goes through :func:`async_url` first.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigurationError

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"

_SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_SCHEMES = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}


def parse_url(url: str) -> URL:
    """Parse ``url`` into a SQLAlchemy URL with an async driver.

    Raises ``ConfigurationError`` (a ``ValueError``) saying what to use instead.
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ConfigurationError(
            f"DATABASE_URL is not a database URL: {display_url(url)!r} "
            "(use sqlite:///path/to/file.db or postgresql://user@host/dbname)"
        ) from None
    scheme = parsed.drivername.lower()
    if scheme in _SQLITE_SCHEMES:
        return parsed.set(drivername=SQLITE_DRIVER)
    if scheme in _POSTGRES_SCHEMES:
        query = dict(parsed.query)
        # libpq spells it sslmode; asyncpg only understands ssl (same values).
        if "sslmode" in query and "ssl" not in query:
            query["ssl"] = query.pop("sslmode")
        return parsed.set(drivername=POSTGRES_DRIVER, query=query)
    raise ConfigurationError(
        f"unsupported database URL scheme {parsed.drivername!r}: "
        "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
    )


def is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and database in {"", ":memory:"}


def async_url(url: str) -> str:
    """Return ``url`` rewritten for SQLAlchemy's async engine (aiosqlite or asyncpg).

    For a SQLite file the parent directory is created, because SQLite creates the file
    but not missing folders, and the default location (~/.local/share/coachbot) is
    usually absent on a fresh laptop.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and not is_sqlite_memory(parsed):
        database = parsed.database or ""
        if not database.startswith("file:"):  # URI filenames are the caller's business
            path = Path(database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            parsed = parsed.set(database=str(path))  # SQLite itself does not expand ~
    return parsed.render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """``url`` for operators (messages, logs): the password masked and the query, which
    may carry one (``?password=…``), dropped. For database and Redis URLs alike."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "<unparseable URL>"
    if not parts.scheme:
        return "<unparseable URL>"
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    return f"{parts.scheme}://{netloc}{parts.path}"
