"""A throw-away PostgreSQL database for one benchmark run (imported by the benchmarks)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the PostgreSQL server of ``server_url``, dropped after.

    Every run starts from the same state: no tables grown by earlier runs, and none of
    their rows for background work (the outcome prompter, say) to pick up mid-run.
    """
    name = f"coachbot_bench_{uuid.uuid4().hex[:10]}"
    admin_url = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
