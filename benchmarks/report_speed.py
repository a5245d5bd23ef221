"""How fast manager reports are over a large ledger on PostgreSQL (target: under 1 s).

    python benchmarks/report_speed.py                      # 1,000,000 entries over a year
    python benchmarks/report_speed.py --n 200000 --days 30
    python benchmarks/report_speed.py --url postgresql://postgres@db/postgres

--url names a server and a database to connect to for administration; the benchmark
creates a scratch database beside it, fills it, and drops it afterwards.

The entries are loaded with COPY straight into ``ledger_events``, not through
``record_spend``: a million appends through the hash chain would take hours and measure
the append path, not reports. Their ``prev_hash``/``hash`` columns are therefore dummies
and ``coachbot audit verify`` would reject this ledger; reports never read the chain, so
the figures are unaffected. Shape of the data: 200 employees, every shipped playbook and
some spends with none, one in ten over authority (of those, half approved, a quarter
denied, a quarter still pending), spread evenly over --days up to "now".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from scratch import scratch_database  # benchmarks/scratch.py

from bot.authority import AuthorityPolicy, load_org_config
from bot.db import display_url
from bot.errors import NotPermitted
from bot.ledger.sql import SqlSpendLedger
from bot.models import Actor, Role
from bot.playbooks import PlaybookLibrary, load_library
from bot.reports import ReportQuery, build_report

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ORG = "bench"
EMPLOYEES = 200
CHUNK = 50_000
DUMMY_HASH = "0" * 64
COLUMNS = (
    "org", "seq", "kind", "entry_id", "user_id", "role", "amount_minor", "currency",
    "reason", "playbook_id", "customer_ref", "incident_id", "status", "authorised_by_self",
    "over_authority_reasons", "created_at", "prev_hash", "hash",
)  # fmt: skip
RUNS = 5


@dataclass
class Deps:
    """What build_report needs of the coach."""

    ledger: SqlSpendLedger
    policy: AuthorityPolicy
    library: PlaybookLibrary
    clock: Callable[[], datetime]

    def require_manager(self, actor: Actor) -> None:
        if not actor.role.at_least(Role.MANAGER):
            raise NotPermitted("managers only")


def rows(
    n: int, days: int, now: datetime, playbooks: list[str | None]
) -> Iterator[tuple[object, ...]]:
    """Spend rows, oldest first, and a decision row after most over-authority spends."""
    rng = random.Random(1)
    start = now - timedelta(days=days)
    step = timedelta(days=days) / n
    seq = 0
    over = json.dumps(["over your £100 per-incident limit"])
    for i in range(n):
        created = start + step * i
        pending = rng.random() < 0.1
        seq += 1
        entry_id = f"sp_b{i:010d}"
        yield (
            ORG, seq, "spend", entry_id, f"user{rng.randrange(EMPLOYEES):03d}", "associate",
            rng.randrange(100, 30_000), "GBP", "bench: goodwill", rng.choice(playbooks),
            None, None, "pending" if pending else "approved", not pending,
            over if pending else "[]", created, DUMMY_HASH, DUMMY_HASH,
        )  # fmt: skip
        decide = rng.random()
        if pending and decide < 0.75:
            seq += 1
            yield (
                ORG, seq, "decision", entry_id, "manager1", None, None, None, None, None,
                None, None, "approved" if decide < 0.5 else "denied", False, "[]",
                created + timedelta(minutes=5), DUMMY_HASH, DUMMY_HASH,
            )  # fmt: skip


async def fill(url: str, n: int, days: int, now: datetime, library: PlaybookLibrary) -> int:
    playbooks: list[str | None] = [p.id for p in library] + [None]
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    written = 0
    try:
        batch: list[tuple[object, ...]] = []
        for row in rows(n, days, now, playbooks):
            batch.append(row)
            if len(batch) >= CHUNK:
                await conn.copy_records_to_table("ledger_events", records=batch, columns=COLUMNS)
                written += len(batch)
                batch = []
        if batch:
            await conn.copy_records_to_table("ledger_events", records=batch, columns=COLUMNS)
            written += len(batch)
        # The ledger's own head, so the database looks like one the ledger wrote.
        await conn.execute(
            "INSERT INTO ledger_heads (org, seq, hash) VALUES ($1, $2, $3)",
            ORG,
            written,
            DUMMY_HASH,
        )
        await conn.execute("ANALYZE ledger_events")  # as autovacuum would, soon after
    finally:
        await conn.close()
    return written


async def time_reports(deps: Deps) -> list[tuple[str, str, int, float, float]]:
    actor = Actor(ORG, "boss", Role.ADMIN)
    out = []
    for period in ("week", "month", "last-month"):
        for by in ("employee", "playbook"):
            query = ReportQuery.parse(period, by)
            report = await build_report(deps, actor, query)  # warm: plans and pool
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                await build_report(deps, actor, query)
                times.append(time.perf_counter() - start)
            out.append(
                (period, by, report.totals.requested.count, statistics.median(times), max(times))
            )
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"admin URL (default {DEFAULT_URL})")
    parser.add_argument("--n", type=int, default=1_000_000, help="spends (default 1,000,000)")
    parser.add_argument("--days", type=int, default=365, help="spread over (default 365)")
    args = parser.parse_args()
    if args.n < 1 or args.days < 1:
        parser.error("--n and --days must be positive")

    library = load_library()
    policy = AuthorityPolicy(load_org_config(None))
    # Noon, mid-month: "month" and "week" both have days behind them.
    now = datetime.now(UTC).replace(day=15, hour=12, minute=0, second=0, microsecond=0)
    try:
        async with scratch_database(args.url) as url, SqlSpendLedger(url) as ledger:
            start = time.perf_counter()  # the ledger has created its schema by now
            written = await fill(url, args.n, args.days, now, library)
            load = time.perf_counter() - start
            print(
                f"loaded {written:,} ledger rows ({args.n:,} spends over {args.days} days) "
                f"by COPY in {load:.1f} s into a scratch database on "
                f"{display_url(args.url)}\n"
            )
            results = await time_reports(Deps(ledger, policy, library, lambda: now))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"error: PostgreSQL at {display_url(args.url)}: {exc}", file=sys.stderr)
        return 1
    print(f"{'period':<12}{'by':<10}{'spends':>10}{'median':>10}{'worst':>10}   (of {RUNS} runs)")
    for period, by, count, median, worst in results:
        verdict = "ok" if worst < 1.0 else "SLOW"
        print(
            f"{period:<12}{by:<10}{count:>10,}{median * 1000:>8.0f}ms{worst * 1000:>8.0f}ms"
            f"   {verdict}"
        )
    return 0 if all(r[4] < 1.0 for r in results) else 2


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
