"""Money limits and exactly-once spends against two real ``coachbot serve`` processes on
PostgreSQL and Redis, driven by signed Slack requests sent all at once to both.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.ledger import open_ledger
from bot.models import LedgerEntry, SpendStatus
from tests.slack_recorder import TEAM_ID, SlackRecorder
from tests.test_faults import (
    FORM,
    MANAGER,
    RECEIPT,
    Worker,
    command_answer,
    post_for_answer,
    signed,
    slash,
    start_worker,
    stop_worker,
    worker_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ORG_YAML = f"""
name: Busy Hotel
currency: GBP
timezone: Europe/London
roles:
  associate: {{ per_incident: 100, daily: 300 }}
  lead:      {{ per_incident: 250, daily: 750 }}
  manager:   {{ per_incident: 1000, daily: 3000 }}
  admin:     {{ per_incident: 5000, daily: 20000 }}
max_single_spend: 10000
customer_daily_cap: 250
users:
  {MANAGER}: manager
"""


@pytest.fixture
async def workers(
    tmp_path: Path, recorder: SlackRecorder, postgres_url: str, redis_url: str
) -> AsyncIterator[tuple[Worker, Worker]]:
    env = worker_env(tmp_path, recorder, postgres_url, redis_url)
    org = tmp_path / "busy-hotel.yaml"
    org.write_text(ORG_YAML)
    env["COACHBOT_ORG_FILE"] = str(org)
    a, b = await asyncio.gather(start_worker("a", env, tmp_path), start_worker("b", env, tmp_path))
    try:
        yield a, b
    finally:
        codes = await asyncio.gather(stop_worker(a), stop_worker(b))
    assert codes == [0, 0]


async def all_at_once(workers: tuple[Worker, Worker], bodies: list[bytes]) -> list[int | None]:
    """Every signed request at the same moment, alternately to each process."""
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(
            *(
                post_for_answer(session, workers[i % 2].url, body, FORM)
                for i, body in enumerate(bodies)
            )
        )
    return [status for status, _ in answers]


async def ledger_spends(postgres_url: str, expected: int | None = None) -> list[LedgerEntry]:
    """The organisation's spends, once ``expected`` are there: a spend whose answer missed
    the ack budget is acknowledged first and recorded a moment later."""
    async with open_ledger(postgres_url) as ledger:  # type: ignore[attr-defined]
        for _ in range(100):
            entries = list(await ledger.spends(TEAM_ID))
            if expected is None or len(entries) >= expected:
                break
            await asyncio.sleep(0.3)
        assert (await ledger.verify()).ok
        return entries


def self_approved(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    return [e for e in entries if e.status is SpendStatus.APPROVED and e.decided_by is None]


async def test_forty_simultaneous_spends_by_one_associate_never_pass_the_allowance(
    workers: tuple[Worker, Worker], recorder: SlackRecorder, postgres_url: str
) -> None:
    bodies = [
        slash("/spend", f"£80 goodwill r{i}", "U0SPENDER1", recorder.response_url(f"s{i}"))
        for i in range(40)
    ]
    assert await all_at_once(workers, bodies) == [200] * 40
    entries = await ledger_spends(postgres_url, 40)
    assert len(entries) == 40
    # A £300 allowance holds three £80s; the other 37 wait for a manager.
    assert sum(e.amount.minor for e in self_approved(entries)) == 24000
    assert sum(e.status is SpendStatus.PENDING for e in entries) == 37


async def test_forty_staff_on_one_customer_never_pass_the_cap(
    workers: tuple[Worker, Worker], recorder: SlackRecorder, postgres_url: str
) -> None:
    bodies = [
        slash("/spend", "£60 goodwill, room 214", f"U0STAFF{i:03d}", recorder.response_url(f"c{i}"))
        for i in range(40)
    ]
    assert await all_at_once(workers, bodies) == [200] * 40
    entries = await ledger_spends(postgres_url, 40)
    assert len(entries) == 40 and {e.customer_ref for e in entries} == {"room 214"}
    given = [e for e in entries if e.status is SpendStatus.APPROVED]
    assert sum(e.amount.minor for e in given) == 24000  # four £60s; a fifth passes £250


async def test_a_split_spend_on_one_incident_never_passes_the_per_incident_limit(
    workers: tuple[Worker, Worker], recorder: SlackRecorder, postgres_url: str
) -> None:
    a, _ = workers
    async with aiohttp.ClientSession() as session:
        opened = slash("/coach", "customer charged twice", "U0SPLIT001", recorder.response_url("o"))
        assert "Step 1" in await command_answer(session, a.url, recorder, opened, "o")
    bodies = [
        slash("/spend", f"£30 part {i}", "U0SPLIT001", recorder.response_url(f"p{i}"))
        for i in range(12)
    ]
    assert await all_at_once(workers, bodies) == [200] * 12
    entries = await ledger_spends(postgres_url, 12)
    assert len(entries) == 12
    assert len({e.incident_id for e in entries}) == 1 and entries[0].incident_id
    # £100 per incident: three £30s (£90); every other part needs a manager.
    assert sum(e.amount.minor for e in self_approved(entries)) == 9000


async def test_the_same_signed_request_twice_gives_one_entry_and_the_same_receipt(
    workers: tuple[Worker, Worker], recorder: SlackRecorder, postgres_url: str
) -> None:
    a, b = workers
    body = slash("/spend", "£48 dry cleaning, room 214", "U0REPLAY01", recorder.response_url("r"))
    headers = signed(body, FORM)  # one delivery: the same signature and timestamp, twice
    async with aiohttp.ClientSession() as session:
        receipts = []
        for worker in (a, b, a):
            async with session.post(
                worker.url + "/slack/events", data=body, headers=headers
            ) as resp:
                assert resp.status == 200
                receipts.append(await resp.text())
        # And a replay delivered to both processes at the same moment.
        body2 = slash("/spend", "£20 flowers", "U0REPLAY01", recorder.response_url("r2"))
        headers2 = signed(body2, FORM)
        both = await asyncio.gather(
            *(session.post(w.url + "/slack/events", data=body2, headers=headers2) for w in (a, b))
        )
        texts2 = [await r.text() for r in both]
        assert [r.status for r in both] == [200, 200]
    ids = {m.group(1) for text in receipts for m in [RECEIPT.search(text)] if m}
    assert len(ids) == 1 and len(set(receipts)) == 1, receipts
    receipt = json.loads(receipts[0])["text"]
    assert "Logged £48.00 for room 214" in receipt and "£252.00 left today" in receipt
    ids2 = {m.group(1) for text in texts2 for m in [RECEIPT.search(text)] if m}
    assert len(ids2) == 1 and texts2[0] == texts2[1], texts2
    entries = await ledger_spends(postgres_url)
    assert sorted(e.amount.minor for e in entries) == [2000, 4800]
