"""Advice latency for an organisation with playbooks of its own, beside one without.

    python benchmarks/org_playbooks_latency.py [--n 500] [--own 5]

One in-process coach on a temporary SQLite file. ``--own`` playbooks are made from the
shipped ones (fresh ids, their triggers and steps) and imported for organisation
``hotel``; ``spa`` has none. Measures the first advice after the import (the
organisation's matcher is built then, once), a full ``Coach.advise`` for each
organisation afterwards (p50/p95/p99), and the first advice after a change of limits
(which must not rebuild the matcher). Queries: the shipped playbooks' own examples.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.authority import AuthorityPolicy, load_org_config  # noqa: E402
from bot.coach import Coach  # noqa: E402
from bot.escalations.sql import SqlEscalationStore  # noqa: E402
from bot.ledger.sql import SqlSpendLedger  # noqa: E402
from bot.models import Role  # noqa: E402
from bot.playbooks import Playbook, load_library  # noqa: E402
from bot.policy import OrgPolicies, SqlPolicyStore  # noqa: E402
from bot.state import open_state  # noqa: E402


def own_playbooks(count: int) -> list[Playbook]:
    shipped = [p for p in load_library() if p.triggers.examples]
    return [
        p.model_copy(update={"id": f"our-{p.id}", "title": f"Ours: {p.title}"})
        for p in shipped[:count]
    ]


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, p99 {q[98]:.2f} ms, max {ms[-1]:.2f} ms"


async def main(n: int, own: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        ledger = SqlSpendLedger(url)
        store = SqlPolicyStore(url, ledger)
        escalations = SqlEscalationStore(url)
        state = open_state(None)
        for part in (ledger, store, escalations, state):
            await part.open()
        config = load_org_config()
        library = load_library()
        coach = Coach(
            library=library,
            policy=AuthorityPolicy(config),
            ledger=ledger,
            state=state,
            escalations=escalations,
            policies=OrgPolicies(store, config),
        )
        lines = [ex for p in library for ex in p.triggers.examples][:n]
        admin = coach.actor("hotel", "U_BENCH_ADMIN", Role.ADMIN)
        await coach.advise(coach.actor("hotel", "U1"), lines[0])  # warm the shared matcher
        await coach.import_playbooks(admin, own_playbooks(own))

        started = time.perf_counter()
        await coach.advise(coach.actor("hotel", "U1"), lines[0])
        built = time.perf_counter() - started
        print(f"first advice after importing {own} playbooks: {built:.3f} s")
        for org in ("hotel", "spa"):
            samples = []
            for i, line in enumerate(lines):
                actor = coach.actor(org, f"U{i % 20}")
                t = time.perf_counter()
                await coach.advise(actor, line)
                samples.append(time.perf_counter() - t)
            kind = f"{own} own playbooks" if org == "hotel" else "none of its own"
            print(f"advise, {org} ({kind}), n={len(samples)}: {percentiles(samples)}")
        await coach.set_role_limits(admin, Role.ASSOCIATE, "40")
        started = time.perf_counter()
        await coach.advise(coach.actor("hotel", "U1"), lines[1])
        print(f"first advice after a change of limits: {time.perf_counter() - started:.3f} s")
        for part in (state, escalations, store, ledger):
            await part.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--own", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.own))
