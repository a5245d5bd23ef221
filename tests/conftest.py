"""Shared fixtures. PostgreSQL and Redis are real servers; in CI (CI=true) they must be up.

Outside CI a test that needs one skips with a message saying which server was missing.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.slack_recorder import SlackRecorder
from tests.teams_connector import TeamsConnector

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _need(server: str, reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{server} must be running in CI: {reason}")
    pytest.skip(f"{server} not reachable on this machine ({reason}); runs in CI")


async def _pg_reachable(url: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=3)
    except Exception as exc:
        return str(exc) or type(exc).__name__
    await conn.close()
    return None


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import asyncpg

    problem = await _pg_reachable(POSTGRES_URL)
    if problem:
        _need("PostgreSQL", problem)
    name = f"coachbot_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
async def recorder() -> AsyncIterator[SlackRecorder]:
    """The stand-in Slack Web API: a local HTTP server recording what the bot sends."""
    rec = SlackRecorder()
    await rec.start()
    yield rec
    await rec.stop()


@pytest.fixture
async def connector() -> AsyncIterator[TeamsConnector]:
    """The stand-in Bot Framework connector: a local HTTP server recording the replies."""
    c = TeamsConnector()
    await c.start()
    yield c
    await c.stop()


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database flushed before and after the test."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 3)
    except Exception as exc:
        await client.aclose()
        _need("Redis", str(exc) or type(exc).__name__)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs twice: on a SQLite file and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def shared_fixtures() -> Path:
    """../shared/fixtures, the real platform payloads (present in CI)."""
    path = SHARED / "fixtures"
    if not path.is_dir():
        if IN_CI:
            pytest.fail("../shared/fixtures is missing in CI")
        pytest.skip("../shared/fixtures not present on this machine")
    return path
