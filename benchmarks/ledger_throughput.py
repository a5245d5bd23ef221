"""How fast the spend ledger records and verifies, on SQLite and PostgreSQL.

    python benchmarks/ledger_throughput.py                 # SQLite temp file + local PostgreSQL
    python benchmarks/ledger_throughput.py --n 5000
    python benchmarks/ledger_throughput.py --url postgresql://postgres@db/coach

Without --url it benchmarks a temporary SQLite file and, when PostgreSQL answers at
$BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres), a scratch
database it creates and drops. With --url it writes into that database under a fresh
organisation id (the rows stay: the ledger is append-only) and verifies only that org.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from bot.db import async_url, display_url
from bot.errors import StorageUnavailable
from bot.ledger.sql import SqlSpendLedger
from bot.models import Money, Role, SpendRequest, SpendStatus

WRITERS = 16
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Figures:
    backend: str
    n: int
    sequential_per_s: float
    concurrent_per_s: float
    verify_entries: int
    verify_seconds: float


async def write_sequentially(ledger: SqlSpendLedger, org: str, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        await record(ledger, org, i)
    return n / (time.perf_counter() - start)


async def write_concurrently(ledger: SqlSpendLedger, org: str, n: int) -> float:
    async def writer(w: int) -> None:
        for i in range(w, n, WRITERS):
            await record(ledger, org, i)

    start = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return n / (time.perf_counter() - start)


async def record(ledger: SqlSpendLedger, org: str, i: int) -> None:
    # Every tenth spend is over authority, as in a real shift.
    status = SpendStatus.PENDING if i % 10 == 0 else SpendStatus.APPROVED
    request = SpendRequest(Money(500 + i % 9500, "GBP"), "bench: dessert on the house")
    await ledger.record_spend(org, f"user{i % 40}", Role.ASSOCIATE, request, status)


async def run(backend: str, url: str, n: int) -> Figures:
    run_id = uuid.uuid4().hex[:8]
    seq_org, con_org = f"bench-{run_id}-seq", f"bench-{run_id}-16w"
    async with SqlSpendLedger(url) as ledger:
        sequential = await write_sequentially(ledger, seq_org, n)
        concurrent = await write_concurrently(ledger, con_org, n)
        start = time.perf_counter()
        checked = 0
        for org in (seq_org, con_org):
            result = await ledger.verify(org)
            if not result.ok:
                raise SystemExit(f"verify failed on {backend}: {result.problem}")
            checked += result.entries_checked
        elapsed = time.perf_counter() - start
    return Figures(backend, n, sequential, concurrent, checked, elapsed)


async def postgres_problem(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else one line saying why not."""
    engine = create_async_engine(async_url(url), connect_args={"timeout": 3})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # whatever the reason, the benchmark just skips PostgreSQL
        orig = getattr(exc, "orig", None) or exc
        return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    finally:
        await engine.dispose()
    return None


@asynccontextmanager
async def scratch_postgres(admin_url: str) -> AsyncIterator[str]:
    """A throw-away database next to ``admin_url``, dropped afterwards."""
    name = f"coachbot_bench_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(
        async_url(admin_url), isolation_level="AUTOCOMMIT", connect_args={"timeout": 3}
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()


def show(fig: Figures) -> None:
    print(
        f"{fig.backend:<11}{fig.n:>7}"
        f"{fig.sequential_per_s:>14,.0f}/s"
        f"{fig.concurrent_per_s:>14,.0f}/s"
        f"{fig.verify_entries:>11,} in {fig.verify_seconds:6.3f} s"
        f" ({fig.verify_entries / fig.verify_seconds:,.0f}/s)"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="benchmark only this database (sqlite:/// or postgresql://)")
    parser.add_argument("--n", type=int, default=2000, help="spends per phase (default 2000)")
    args = parser.parse_args()
    if args.n < WRITERS:
        parser.error(f"--n must be at least {WRITERS}")

    print(
        f"record_spend: {args.n} sequential, then {args.n} from {WRITERS} concurrent writers; "
        "verify: every entry written\n"
    )
    print(f"{'backend':<11}{'n':>7}{'sequential':>16}{f'{WRITERS} writers':>16}  verify")
    if args.url:
        backend = "sqlite" if args.url.startswith("sqlite") else "postgresql"
        try:
            show(await run(backend, args.url, args.n))
        except (StorageUnavailable, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"\ndatabase: {display_url(args.url)}")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        show(await run("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.n))
    problem = await postgres_problem(DEFAULT_POSTGRES)
    if problem:
        print(f"{'postgresql':<11}skipped: {display_url(DEFAULT_POSTGRES)} unreachable ({problem})")
    else:
        async with scratch_postgres(DEFAULT_POSTGRES) as pg_url:
            show(await run("postgresql", pg_url, args.n))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
