"""The one ``Database`` a process shares: a pool for the core and the adapters, and
connections the server closed are replaced without a failed request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from adapters.server import COACH_KEY, DATABASE_KEY, build_app
from adapters.slack import SLACK_RUNTIME_KEY
from adapters.teams import TEAMS_KEY
from bot.database import Database, HotStatement
from bot.errors import StorageUnavailable
from bot.incidents import SqlIncidentStore
from bot.ledger.sql import SqlSpendLedger
from bot.settings import Settings
from tests.slack_recorder import SlackRecorder
from tests.test_faults import (
    TcpProxy,
    free_port,
    spawn_worker,
    start_worker,
    stop_worker,
    worker_env,
)


async def test_the_core_and_the_adapters_share_one_pool(tmp_path: Path) -> None:
    settings = Settings(
        coachbot_data_dir=tmp_path,
        slack_signing_secret="s" * 32,
        slack_client_id="123.456",
        slack_client_secret="oauth-secret",  # OAuth: the Slack tables are in use too
        coachbot_teams_emulator=True,  # Teams open too (its tables share the pool)
        _env_file=None,
    )
    app = build_app(settings)
    async with TestClient(TestServer(app)):
        database = app[DATABASE_KEY]
        coach = app[COACH_KEY]
        assert isinstance(coach.ledger, SqlSpendLedger)
        users = [
            coach.ledger.database,
            coach.escalations.database,  # type: ignore[attr-defined]
            coach.incidents.database,  # type: ignore[union-attr]
            app[SLACK_RUNTIME_KEY].database.database,  # type: ignore[union-attr]
            app[TEAMS_KEY].references.database,
            app[TEAMS_KEY].files.database,
        ]
        assert all(user is database for user in users)
        engine = database.engine
    # Closed with the last user: the pool is gone after shutdown.
    with pytest.raises(RuntimeError):
        _ = database.engine
    assert engine is not None


@pytest.mark.postgres
async def test_connections_the_server_closed_are_replaced_without_a_failed_request(
    postgres_url: str,
) -> None:
    ledger = SqlSpendLedger(Database(postgres_url))
    await ledger.open()
    try:
        since = datetime(2026, 1, 1, tzinfo=UTC)
        # Fill the pool: several connections checked out at once, then returned.
        await asyncio.gather(*(ledger.self_authorised_total("o", "u", since) for _ in range(6)))
        # What a PostgreSQL restart or failover does to every pooled connection.
        admin = await asyncpg.connect(postgres_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        await asyncio.sleep(0.2)  # the closed sockets reach the event loop
        # Every request succeeds: dead connections are dropped at checkout, no error shown.
        totals = await asyncio.gather(
            *(ledger.self_authorised_total("o", "u", since) for _ in range(6))
        )
        assert totals == [0] * 6
    finally:
        await ledger.close()


# -- the hot statements (HotStatement: asyncpg directly on PostgreSQL) ------------------


async def test_a_hot_insert_that_clashes_is_an_integrity_error_on_both_backends(
    db_url: str,
) -> None:
    from bot.incidents import _OPEN_INCIDENT

    store = SqlIncidentStore(Database(db_url))
    await store.open()
    try:
        at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        row = {
            "incident_id": "in_clash",
            "org": "o",
            "user_id": "u",
            "platform": "slack",
            "situation": "soup is cold",
            "first_playbook_id": "wrong-order",
            "playbook_id": "wrong-order",
            "matched_terms": "[]",
            "customer_ref": "table 7",
            "steps_taken": 1,
            "opened_at": at,
            "last_activity_at": at,
            "prompts_sent": 0,
        }
        await store.database.execute(store.what, _OPEN_INCIDENT, row)
        with pytest.raises(IntegrityError):
            await store.database.execute(store.what, _OPEN_INCIDENT, row)
        record = await store.get("o", "in_clash")
        assert record is not None
        assert record.customer_ref == "table 7"
        assert record.opened_at == at  # the time zone survives the driver path
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_connection_killed_mid_statement_is_an_outage_then_recovers(
    postgres_url: str,
) -> None:
    database = Database(postgres_url)
    await database.open()
    try:
        slow = HotStatement(select(func.pg_sleep(5)))
        running = asyncio.ensure_future(database.scalar("spend ledger", slow, {}))
        await asyncio.sleep(0.5)
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        with pytest.raises(StorageUnavailable) as caught:
            await asyncio.wait_for(running, 5)
        # Staff get plain words; the operator's detail names the store, not the password.
        assert "spend ledger is unavailable" in str(caught.value)
        assert "postgresql" in (caught.value.detail or "")
        await asyncio.sleep(0.2)
        assert await database.scalar("spend ledger", HotStatement(select(func.abs(-3))), {}) == 3
    finally:
        await database.close()


# -- start-up before the database -----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
async def test_serve_waits_for_a_database_that_comes_up_after_it(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    recorder = SlackRecorder()
    await recorder.start()
    pg = make_url(postgres_url)
    proxy = TcpProxy(target_port=pg.port or 5432, port=free_port())  # not listening yet
    late_url = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    env = worker_env(tmp_path, recorder, late_url, redis_url)
    started = asyncio.create_task(start_worker("late", env, tmp_path))
    log = tmp_path / "late.log"
    try:
        # Serve comes up first, finds no database, and says it is waiting (not ready).
        for _ in range(300):
            if log.exists() and "startup.waiting_for_database" in log.read_text():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"serve never said it was waiting:\n{log.read_text()}")
        assert not started.done(), "serve must not be ready before its database is"
        await proxy.up()  # the database arrives
        worker = await started  # ready (GET /readyz 200) within start_worker's bound
        assert await stop_worker(worker) == 0
    finally:
        if not started.done():
            started.cancel()
        elif not started.cancelled() and started.exception() is None:
            await stop_worker(started.result())  # no-op when it already stopped
        await proxy.down()
        await recorder.stop()


async def test_serve_gives_up_clearly_when_the_database_never_comes(tmp_path: Path) -> None:
    recorder = SlackRecorder()
    await recorder.start()
    try:
        dead = f"postgresql://postgres@127.0.0.1:{free_port()}/nope"
        env = worker_env(tmp_path, recorder, dead, "")
        env["COACHBOT_STARTUP_WAIT_SECONDS"] = "2"
        worker = await spawn_worker("serve", env, tmp_path)
        code = await asyncio.wait_for(worker.proc.wait(), 30)
        assert code != 0
        text = worker.log.read_text()
        assert "startup.waiting_for_database" in text
        assert "startup.database_unavailable" in text
    finally:
        await recorder.stop()
