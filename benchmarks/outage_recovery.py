"""How fast the Slack outbox recovers from an outage: 429s, then 500s, then Slack back.

    python benchmarks/outage_recovery.py                        # SQLite, in-process pauses
    python benchmarks/outage_recovery.py --redis redis://127.0.0.1:6379/14 \
        --database postgresql://postgres@127.0.0.1/test         # as deployed: PG + Redis

The Web API is the test suite's local recorder (tests/slack_recorder.py), a real HTTP
server. Two outbox workers (--workers; as two ``serve`` processes run: each its own store pool
and, with --redis, its own Redis connection) deliver through the real ``SlackNotifier``.

Timeline: --cards cards are posted while Slack is up. Then Slack answers every call
with 429 (Retry-After: 1) for --rate-limited seconds, then 500 for --failing seconds.
Meanwhile staff keep raising escalations (one every --every seconds) and managers
acknowledge the earlier cards (each an update to post). Then Slack answers again, and
the benchmark waits until nothing is left to send.

It prints: Web API calls per second during the 429s (peak and mean) and during the
500s, how long after recovery the last queued card and update went out, and whether
cards went out oldest first (with two workers, each sends its own claimed batch oldest
first, so a card can overtake by up to a batch: the figure says by how much).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from scratch import scratch_database  # benchmarks/scratch.py

from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import api_client
from bot.escalations import OPENED
from bot.escalations.sql import SqlEscalationStore
from bot.models import EscalationAction, Role
from bot.outbox import OutboxWorker
from bot.state import SharedState, open_state
from bot.state.memory import InProcessState
from tests.slack_recorder import SlackRecorder

ORG = "T0BENCH01"
CHANNEL = "C0MANAGERS"


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    if url:
        async with scratch_database(url) as scratch:
            yield scratch
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/outage.db"


async def raise_card(store: SqlEscalationStore, n: int) -> str:
    record = await store.raise_escalation(
        org=ORG,
        platform="slack",
        kind="situation",
        reasons=("safety",),
        summary=f"incident {n}: guest slipped on a wet floor",
        raised_by="U0STAFF001",
        level=Role.LEAD,
        incident_id=f"in_bench_{n}",
    )
    return record.escalation_id


async def run(args: argparse.Namespace) -> dict[str, Any]:
    recorder = SlackRecorder()
    await recorder.start()
    async with database(args.database) as url:
        stores = [SqlEscalationStore(url) for _ in range(args.workers)]
        for store in stores:
            await store.open()
        states: list[SharedState]
        if args.redis:
            states = [open_state(args.redis, prefix="bench-outage") for _ in stores]
        else:
            shared = InProcessState()
            states = [shared for _ in stores]
        for state in states:
            await state.open()
        client = api_client(recorder.api_url, "xoxb-bench")
        workers = [
            OutboxWorker(
                store,
                SlackNotifier(client, CHANNEL),
                rng=random.Random(i),
                state=state,
                poll_interval=1.0,  # as serve runs it
            )
            for i, (store, state) in enumerate(zip(stores, states, strict=True))
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
        store = stores[0]
        try:
            early = [await raise_card(store, n) for n in range(args.cards)]
            await recorder.wait_for(
                lambda c: c.method == "chat.postMessage", count=args.cards, within=30
            )

            outage_started = recorder.calls[-1].at
            raised: list[str] = []
            acked: list[str] = []
            loop = asyncio.get_running_loop()
            phases = (("429", args.rate_limited), ("500", args.failing))
            for mode, seconds in phases:
                recorder.outage(429 if mode == "429" else 500, retry_after=1)
                ends = loop.time() + seconds
                while loop.time() < ends:
                    raised.append(await raise_card(store, args.cards + len(raised)))
                    if len(acked) < len(early):
                        escalation_id = early[len(acked)]
                        await store.record_action(
                            ORG, escalation_id, EscalationAction.ACKNOWLEDGE, "U0MANAGER1"
                        )
                        acked.append(escalation_id)
                    await asyncio.sleep(args.every)
            recorder.outage(None)
            recovered = loop.time()

            waited = 0.0
            while await store.pending_notifications(ORG):
                await asyncio.sleep(0.1)
                waited = loop.time() - recovered
                if waited > args.give_up:
                    break
            left = await store.pending_notifications(ORG)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for state in {id(s): s for s in states}.values():
                await state.close()
            for s in stores:
                await s.close()
    await recorder.stop()

    api = [c for c in recorder.calls if c.method != "response_url"]
    during_429 = [c for c in api if c.status == 429]
    during_500 = [c for c in api if c.status == 500]
    after = [c for c in api if c.at >= recovered and c.status == 200]
    per_second_429 = Counter(int(c.at - outage_started) for c in during_429)
    cards_after = [
        c for c in after if c.method == "chat.postMessage" and "reply_broadcast" not in c.args
    ]
    updates_after = [c for c in after if c.method == "chat.update"]
    expected_order = [f"incident {args.cards + i}:" for i in range(len(raised))]
    posted_order = [
        next((e for e in expected_order if e in c.all_text), "?") for c in cards_after
    ]
    return {
        "cards_posted_before": args.cards,
        "cards_raised_during_outage": len(raised),
        "updates_queued_during_outage": len(acked),
        "calls_during_429s": len(during_429),
        "peak_calls_per_second_during_429s": max(per_second_429.values(), default=0),
        "mean_calls_per_second_during_429s": round(len(during_429) / args.rate_limited, 2),
        "calls_during_500s": len(during_500),
        "seconds_to_deliver_everything_after_recovery": round(
            max((c.at for c in after), default=recovered) - recovered, 2
        ),
        "last_card_after_recovery_s": round(
            max((c.at for c in cards_after), default=recovered) - recovered, 2
        ),
        "last_update_after_recovery_s": round(
            max((c.at for c in updates_after), default=recovered) - recovered, 2
        ),
        "cards_delivered_after_recovery": len(cards_after),
        "updates_delivered_after_recovery": len(updates_after),
        # Two workers send side by side, each its own claimed batch oldest first: a card
        # may overtake one by up to a batch. How far the furthest one got from its place:
        "cards_oldest_first": posted_order == expected_order,
        "cards_most_places_out_of_order": max(
            (abs(i - expected_order.index(e)) for i, e in enumerate(posted_order) if e != "?"),
            default=0,
        ),
        "undelivered_after_wait": len(left),
        "opened_left": sum(1 for n in left if n.topic == OPENED),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10, help="cards posted before the outage")
    parser.add_argument("--rate-limited", type=float, default=10.0, help="seconds of 429s")
    parser.add_argument("--failing", type=float, default=10.0, help="seconds of 500s")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between new cards")
    parser.add_argument("--give-up", type=float, default=120.0, help="stop waiting after")
    parser.add_argument("--redis", default="", help="REDIS_URL (default: in-process pauses)")
    parser.add_argument("--database", default="", help="a PostgreSQL server URL (else SQLite)")
    parser.add_argument("--workers", type=int, default=2, help="outbox workers (processes)")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
