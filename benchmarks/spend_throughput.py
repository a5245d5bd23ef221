"""Spend throughput end to end through ``Coach.spend`` (parse, decide, record), before and
after the atomic decision, alternating in one run, on PostgreSQL.

    python benchmarks/spend_throughput.py                    # base: the commit before it
    python benchmarks/spend_throughput.py --base 52c9203 --rounds 6 --n 1500

"Before" is the ``bot/`` and ``playbooks/`` of ``--base`` exported with ``git archive``
into a temporary folder; "after" is this checkout. Each measurement runs in its own
process (two versions of ``bot`` cannot share one interpreter) against a fresh scratch
database next to $BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
and the order alternates (before/after, after/before, …) so drift on a shared machine
falls on both. One organisation, ``--writers`` employees spending at once, each spend a
different reason (so the newer code's "log another?" check never stops one), a third of
them for a customer: the organisation's lock is what they contend for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_BASE = "52c9203"  # the last commit before the atomic decision
ORG = {
    "name": "Bench Hotel",
    "currency": "GBP",
    "timezone": "Europe/London",
    # Allowances large enough that spends are approved: the common path, and no
    # escalation work in the figures.
    "roles": {
        "associate": {"per_incident": 100, "daily": 1000000},
        "lead": {"per_incident": 250, "daily": 1000000},
        "manager": {"per_incident": 1000, "daily": 1000000},
        "admin": {"per_incident": 5000, "daily": 1000000},
    },
    "max_single_spend": 10000,
    "customer_daily_cap": 1000000,
}


# -- one measurement (a child process, with PYTHONPATH at the version measured) --------


async def measure(url: str, n: int, writers: int) -> dict[str, float]:
    from bot.authority import AuthorityPolicy, parse_org_config
    from bot.coach import Coach
    from bot.escalations.sql import SqlEscalationStore
    from bot.ledger import open_ledger
    from bot.playbooks import load_library
    from bot.state import open_state

    ledger = open_ledger(url)
    escalations = SqlEscalationStore(url)
    state = open_state(None)
    for store in (ledger, escalations, state):
        await store.open()
    coach = Coach(
        library=load_library(),
        policy=AuthorityPolicy(parse_org_config(ORG)),
        ledger=ledger,
        state=state,
        escalations=escalations,
    )

    async def employee(w: int, count: int, tag: str) -> None:
        actor = coach.actor("bench", f"U{w:03d}")
        for i in range(count):
            customer = f", room {100 + (w * 7 + i) % 50}" if i % 3 == 0 else ""
            await coach.spend(actor, f"£{1 + i % 9} {tag} goodwill r{w}x{i}{customer}")

    await asyncio.gather(*(employee(w, 20, "warm") for w in range(writers)))
    start = time.perf_counter()
    await asyncio.gather(*(employee(w, n // writers, "bench") for w in range(writers)))
    elapsed = time.perf_counter() - start
    assert (await ledger.verify("bench")).ok
    for store in (state, escalations, ledger):
        await store.close()
    return {"spends": float(n // writers * writers), "seconds": elapsed}


# -- the driver -----------------------------------------------------------------------


def export_base(base: str, into: Path) -> Path:
    """``bot/`` and ``playbooks/`` as they were at ``base``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", base, "bot", "playbooks"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def one_run(tree: Path, url: str, n: int, writers: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, "--n", str(n), "--writers", str(writers)],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return float(figures["spends"] / figures["seconds"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="the 'before' commit")
    parser.add_argument("--rounds", type=int, default=6, help="before/after pairs")
    parser.add_argument("--n", type=int, default=1600, help="spends per measurement")
    parser.add_argument("--writers", type=int, default=16, help="employees spending at once")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.n, args.writers))))
        return 0

    sys.path.insert(0, str(ROOT))
    from benchmarks.ledger_throughput import postgres_problem, scratch_postgres

    problem = asyncio.run(postgres_problem(DEFAULT_POSTGRES))
    if problem:
        print(f"PostgreSQL unreachable: {problem}", file=sys.stderr)
        return 1
    figures: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": export_base(args.base, Path(tmp)), "after": ROOT}
        print(
            f"Coach.spend, {args.n} spends by {args.writers} employees at once, one "
            f"organisation, PostgreSQL; before = {args.base}, after = this checkout"
        )
        for r in range(args.rounds):
            order = ("before", "after") if r % 2 == 0 else ("after", "before")
            for name in order:

                async def scratch(tree: Path) -> float:
                    async with scratch_postgres(DEFAULT_POSTGRES) as url:
                        return await asyncio.to_thread(one_run, tree, url, args.n, args.writers)

                rate = asyncio.run(scratch(trees[name]))
                figures[name].append(rate)
                print(f"  round {r + 1} {name:<6} {rate:8,.0f} spends/s", flush=True)
    before, after = (statistics.median(figures[k]) for k in ("before", "after"))
    print(
        f"median: before {before:,.0f}/s, after {after:,.0f}/s "
        f"({(after - before) / before:+.1%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
