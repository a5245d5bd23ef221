"""One connection pool per process for everything kept in SQL.

The ledger, the escalations and the incidents live in one database (one thing for
operators to back up). They used to open a pool each, so one worker could hold up to 60
PostgreSQL connections and four workers would exhaust a default server's 100. Now
``open_coach`` opens one ``Database`` and hands it to every store; a store built from a
URL alone (tests, benchmarks, the CLI's one-off commands) makes its own.

What lives here is what every store needs the same way: the engine and its options,
reference-counted open/close, a connection in a transaction that turns outages into
``StorageUnavailable``, a write loop that retries lost races, and ``HotStatement``: the
two statements every piece of advice runs, sent to asyncpg without SQLAlchemy's
per-execution work on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, Self, TypeVar

import asyncpg
from sqlalchemy import Insert, MetaData, Select, event, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.db import async_url, display_url, is_sqlite_memory, parse_url
from bot.errors import StorageUnavailable

T = TypeVar("T")

WRITE_ATTEMPTS = 8
# One worker's share of PostgreSQL's connections. A request holds one for a short
# transaction; 16 kept open serve 16 concurrent requests without opening and closing
# connections under load (overflow connections are closed as soon as they are returned,
# so a pool that is too small reconnects on every burst). Four workers at 16 + 4 stay
# under a default server's 100.
POOL_SIZE = 16
MAX_OVERFLOW = 4

_ASYNCPG = asyncpg_dialect()
# What asyncpg raises when the server or the connection is gone, as opposed to a bug.
_DRIVER_OUTAGES = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # includes "connection was closed in the middle of operation"
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    OSError,
    TimeoutError,
)


class HotStatement:
    """A Core statement that runs on every request, compiled once for asyncpg.

    SQLAlchemy's execution path (cache key, execution context, result wrapping, the
    greenlet hop) costs about 0.3 ms of CPU per statement on top of asyncpg's own 0.1 ms,
    measured under load; for the two statements each piece of advice runs (the allowance
    read and the incident insert) that was a quarter of a request. On PostgreSQL this
    sends the SQL SQLAlchemy compiled, with the column types' own bind processing, to the
    pooled asyncpg connection directly (asyncpg prepares it once per connection). On
    SQLite it is an ordinary Core statement. The statement stays the one source of its
    SQL: nothing here is written twice.
    """

    def __init__(self, statement: Select[Any] | Insert) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=_ASYNCPG)
        self.sql = str(compiled)
        self._order = tuple(compiled.positiontup or ())
        binds = {name: compiled.binds[name] for name in self._order}
        # Constants in the statement (kind = 'spend') travel as parameters too.
        self._fixed = {name: b.value for name, b in binds.items() if not b.required}
        self._processors = {
            name: processor
            for name, b in binds.items()
            if (processor := b.type.bind_processor(_ASYNCPG)) is not None
        }

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """``params`` (by name) as asyncpg's positional arguments."""
        values = {**self._fixed, **params}
        out: list[Any] = []
        for name in self._order:
            value = values[name]
            processor = self._processors.get(name)
            out.append(value if processor is None else processor(value))
        return out


class Database:
    """An async SQLAlchemy engine on SQLite (a file) or PostgreSQL, chosen by the URL.

    ``open`` and ``close`` are counted: every store sharing the database opens and closes
    it, and the pool goes when the last one closes.
    """

    def __init__(self, url: str) -> None:
        parsed = parse_url(url)
        if is_sqlite_memory(parsed):
            # Each pooled connection would see its own empty database.
            raise ValueError("the database must be a SQLite file, not an in-memory database")
        self.url = url
        self.display = display_url(url)
        self.backend = parsed.get_backend_name()
        self._engine: AsyncEngine | None = None
        self._users = 0

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the database is used before open()")
        return self._engine

    async def open(self) -> None:
        if self._engine is None:
            try:
                driver_url = async_url(self.url)  # also creates a SQLite file's folder
            except OSError as exc:
                raise StorageUnavailable(f"cannot create the database folder: {exc}") from exc
            self._engine = self._create_engine(driver_url)
        self._users += 1

    async def close(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users == 0 and self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()

    async def create_tables(self, metadata: MetaData) -> None:
        """Create ``metadata``'s missing tables, safely when several processes start at once.

        On PostgreSQL two processes can both see a table missing and both CREATE it; the
        loser fails with "already exists" (or a unique violation on pg_type) and the retry
        finds the table there. On SQLite the write lock is taken up front, so a request
        already writing (the outbox, say) makes this wait instead of failing.
        """

        async def create(conn: AsyncConnection) -> None:
            await conn.run_sync(metadata.create_all)  # checkfirst: no-op when present

        await self.write(
            create,
            what="service",
            gave_up="the database tables could not be created",
            retry_on=(IntegrityError, ProgrammingError),
        )

    async def ping(self) -> bool:
        """True when the database answers a trivial query (readiness checks)."""
        if self._engine is None:
            return False
        try:
            async with self._engine.connect() as conn:
                await conn.execute(select(1))
        except (SQLAlchemyError, OSError):
            return False
        return True

    def _create_engine(self, driver_url: str) -> AsyncEngine:
        if self.backend == "sqlite":
            # timeout = how long a writer waits for another's lock before giving up.
            engine = create_async_engine(driver_url, connect_args={"timeout": 30})
            _install_sqlite_transactions(engine)
            return engine
        engine = create_async_engine(
            driver_url,
            connect_args={"timeout": 5},  # fail fast with a clear error when PG is down
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
        )
        _discard_closed_connections(engine)
        return engine

    @asynccontextmanager
    async def connection(
        self, what: str, *, write: bool = False, single_statement: bool = False, **options: Any
    ) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction; outages become ``StorageUnavailable``.

        ``what`` names the store in an outage's message and its operator ``detail``.
        ``write`` takes SQLite's write lock at BEGIN. On PostgreSQL a
        ``single_statement`` unit runs without BEGIN/COMMIT (one statement is atomic on
        its own), saving two round trips on the hot path. Other ``options`` are
        SQLAlchemy execution options (an isolation level, say).
        """
        conn = await self._checkout(what)
        try:
            if write and self.backend == "sqlite":
                await conn.execution_options(ledger_write=True)
            elif single_statement and self.backend == "postgresql":
                options = {**options, "isolation_level": "AUTOCOMMIT"}
            if options:
                await conn.execution_options(**options)
            async with conn.begin():
                yield conn
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            if is_outage(exc):
                raise unavailable(exc, what, self.display) from exc
            raise
        finally:
            await conn.close()

    async def scalar(self, what: str, hot: HotStatement, params: Mapping[str, Any]) -> Any:
        """The first column of the first row of ``hot``, outside any transaction."""
        if self.backend != "postgresql":
            async with self.connection(what, single_statement=True) as conn:
                return await conn.scalar(hot.statement, params)
        async with self._driver(what) as pg:
            return await pg.fetchval(hot.sql, *hot.args(params))

    async def execute(self, what: str, hot: HotStatement, params: Mapping[str, Any]) -> None:
        """Run the single statement ``hot`` as its own transaction.

        A constraint violation is raised as SQLAlchemy's ``IntegrityError`` on either
        backend, so callers handle one exception.
        """
        if self.backend != "postgresql":
            async with self.connection(what, write=True, single_statement=True) as conn:
                await conn.execute(hot.statement, params)
            return
        async with self._driver(what) as pg:
            try:
                await pg.execute(hot.sql, *hot.args(params))
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise IntegrityError(hot.sql, dict(params), exc) from exc

    async def _checkout(self, what: str) -> AsyncConnection:
        """A connection from the pool, or ``StorageUnavailable``."""
        conn = self.engine.connect()
        try:
            # Whatever goes wrong while connecting (refused, no such database, bad role,
            # pool exhausted) means the same thing to the person waiting: no data now.
            await conn.start()
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise unavailable(exc, what, self.display) from exc
        return conn

    @asynccontextmanager
    async def _driver(self, what: str) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection; outages become ``StorageUnavailable``.

        The checkout is the pool's own (so the closed-connection check below applies); a
        connection that dies mid-statement is closed by asyncpg and dropped at its next
        checkout.
        """
        conn = await self._checkout(what)
        try:
            raw = await conn.get_raw_connection()
            yield raw.driver_connection
        except _DRIVER_OUTAGES as exc:
            raise unavailable(exc, what, self.display) from exc
        finally:
            await conn.close()

    async def write(
        self,
        work: Callable[[AsyncConnection], Awaitable[T]],
        *,
        what: str,
        gave_up: str,
        retry_on: tuple[type[BaseException], ...] = (IntegrityError,),
        single_statement: bool = False,
    ) -> T:
        """Run ``work`` in one write transaction; a lost race (``retry_on``) is run again."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                async with self.connection(
                    what, write=True, single_statement=single_statement
                ) as conn:
                    return await work(conn)
            except retry_on as exc:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise StorageUnavailable(gave_up) from exc
        raise AssertionError("unreachable")


class DatabaseStore:
    """A store whose tables live in a ``Database``, usually the service's shared one.

    Given the service's ``Database`` it uses that pool; given a URL (tests, one-off
    commands) it makes its own. ``open`` creates (or upgrades) the store's tables;
    ``open`` and ``close`` pair with the database's counted ones.
    """

    # The store's name in an outage's message ("the escalation database is unavailable"),
    # what a write that kept losing races says, and failures every write is retried after.
    what: ClassVar[str] = "service"
    # The tables a store without migrations creates on open (``create_all``, checkfirst).
    tables: ClassVar[MetaData | None] = None
    gave_up: ClassVar[str] = "the change could not be saved after several attempts"
    always_retry: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, database: Database | str) -> None:
        self.database = database if isinstance(database, Database) else Database(database)
        self._opened = False

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self._opened:
            return
        await self.database.open()
        try:
            await self._create_tables()
        except BaseException:
            await self.database.close()
            raise
        self._opened = True

    async def close(self) -> None:
        if self._opened:
            self._opened = False
            await self.database.close()

    async def _create_tables(self) -> None:
        if self.tables is None:
            raise NotImplementedError("a store names its tables or creates them itself")
        await self.database.create_tables(self.tables)

    def _connection(
        self, *, write: bool = False, single_statement: bool = False, **options: Any
    ) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.database.connection(
            self.what, write=write, single_statement=single_statement, **options
        )

    async def _write(
        self,
        work: Callable[[AsyncConnection], Awaitable[T]],
        retry_on: tuple[type[BaseException], ...] = (IntegrityError,),
        single_statement: bool = False,
    ) -> T:
        """Run ``work`` in one write transaction; a lost race (``retry_on``) runs again."""
        return await self.database.write(
            work,
            what=self.what,
            gave_up=self.gave_up,
            retry_on=(*self.always_retry, *retry_on),
            single_statement=single_statement,
        )


def unavailable(exc: BaseException, what: str, display: str) -> StorageUnavailable:
    """A plain line for the person, and one for the operator in ``detail``.

    The person (in Slack or Teams) learns only that nothing was recorded and to try again;
    the operator (CLI, logs) gets the store, its URL with the password masked and the
    driver's one-line reason. The driver's exception stays chained for the logs.
    """
    orig = getattr(exc, "orig", None) or exc
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    if len(reason) > 160:
        reason = reason[:157] + "…"
    subject = {
        "spend ledger": "The spend ledger is",
        "escalation": "Escalations are",
        "incident": "Incident records are",
    }.get(what, "The coach's records are")  # other stores' names mean nothing to staff
    return StorageUnavailable(
        f"{subject} unavailable right now, so nothing was recorded. Please try again in a minute.",
        detail=f"the {what} database is unavailable ({display}): {reason}",
    )


def is_outage(exc: BaseException) -> bool:
    """A lost connection or a locked/unreachable database, as opposed to a bug or a race."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _discard_closed_connections(engine: AsyncEngine) -> None:
    """Hand out no pooled connection the server has already closed.

    A PostgreSQL restart closes every pooled socket; asyncpg notices at once (the loop
    reads the EOF) and marks the connection closed. Checking that flag at checkout costs
    nothing, where ``pool_pre_ping`` costs a round trip on every request. Raising
    ``DisconnectionError`` here makes the pool drop the connection and try another.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if is_closed is not None and is_closed():
            raise DisconnectionError("the server closed this pooled connection")


def _install_sqlite_transactions(engine: AsyncEngine) -> None:
    """Make SQLite transactions behave for a concurrent ledger.

    The driver's own implicit BEGIN is deferred: two writers would both read the head,
    then one would fail with "database is locked" when upgrading to a write lock (the
    busy timeout does not help there). Writes therefore start with BEGIN IMMEDIATE,
    which waits for the lock up front; reads stay deferred. WAL lets reads run while a
    write is in progress and gives verify() a stable snapshot.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0] != "wal":  # persistent: switched once per database file
                cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as exc:
            # Switching needs an exclusive lock; when a concurrent first writer holds the
            # database SQLite refuses at once. WAL only speeds reads, so carry on: a
            # later connection switches it.
            if "locked" not in str(exc):
                raise
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
