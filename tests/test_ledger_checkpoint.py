"""Ledger checkpoints: what the chain alone cannot see (a rollback, a wipe), the file
``coachbot audit checkpoint`` writes, and the daily line ``serve`` posts to managers.

SQLite and PostgreSQL; tampering is raw SQL through the database's own driver.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient

from adapters.server import CHECKPOINTS_KEY, build_app
from adapters.slack.notifier import SlackNotifier
from bot.errors import InvalidInput
from bot.escalations import LEDGER_CHECKPOINT
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import SqlIncidentStore
from bot.ledger.checkpoint import (
    Checkpoint,
    DailyCheckpoints,
    LedgerCheckpoints,
    checkpoint_line,
    dump_checkpoints,
    load_checkpoints,
)
from bot.ledger.sql import SqlSpendLedger, row_hash
from bot.models import Notification
from bot.outbox import OutboxWorker
from tests.clock import Clock
from tests.slack_recorder import SlackRecorder
from tests.teams_connector import TeamsConnector
from tests.test_cli import Cli
from tests.test_ledger import raw_sql, spend
from tests.test_ledger_key import KEY, append_forged, stored_row
from tests.test_teams import CHANNEL as TEAMS_CHANNEL
from tests.test_teams import TENANT, WASHER, Teams, teams_settings

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
AT = "2026-12-06T08:00:00.000000Z"
CHANNEL = "C0MANAGERS"


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def ledger(db_url: str, clock: Clock) -> AsyncIterator[SqlSpendLedger]:
    async with SqlSpendLedger(db_url, clock=clock) as opened:
        yield opened


@pytest.fixture
async def store(
    ledger: SqlSpendLedger, db_url: str, clock: Clock
) -> AsyncIterator[LedgerCheckpoints]:
    async with LedgerCheckpoints(db_url, clock=clock) as opened:
        yield opened


async def spends(ledger: SqlSpendLedger, count: int, org: str = "acme") -> None:
    for n in range(count):
        await spend(ledger, org=org, minor=100 * (n + 1))


async def rewind(url: str, org: str, to_seq: int) -> None:
    """The rollback: delete the newest entries and point the head at an earlier one."""
    await raw_sql(url, "DELETE FROM ledger_events WHERE org = :org AND seq > :s", org=org, s=to_seq)
    [(hash_,)] = await raw_sql(
        url, "SELECT hash FROM ledger_events WHERE org = :org AND seq = :s", org=org, s=to_seq
    )
    await raw_sql(
        url,
        "UPDATE ledger_heads SET seq = :s, hash = :h WHERE org = :org",
        s=to_seq,
        h=hash_,
        org=org,
    )


# --------------------------------------------------------------------------- rollback and wipe


async def test_a_rollback_the_chain_accepts_is_caught_naming_the_missing_range(
    ledger: SqlSpendLedger, store: LedgerCheckpoints, db_url: str
) -> None:
    await spends(ledger, 6)
    checkpoint = await store.take()
    await rewind(db_url, "acme", 3)

    assert (await ledger.verify()).ok  # what the chain alone says: a valid, shorter chain
    result = await store.compare(checkpoint)
    assert (result.ok, result.first_bad) == (False, "seq 4")
    assert result.problem == (
        "org acme: entries at seq 4–6 are missing: the ledger was rolled back to seq 3 "
        f"(the checkpoint of {AT} had 6 entries)"
    )


async def test_a_wiped_organisation_is_caught(
    ledger: SqlSpendLedger, store: LedgerCheckpoints, db_url: str
) -> None:
    await spends(ledger, 6)
    await spends(ledger, 2, org="globex")
    checkpoint = await store.take()
    await raw_sql(db_url, "DELETE FROM ledger_events WHERE org = 'acme'")
    await raw_sql(db_url, "DELETE FROM ledger_heads WHERE org = 'acme'")

    verified = await ledger.verify()
    assert (verified.ok, verified.entries_checked) == (True, 2)
    result = await store.compare(checkpoint)
    assert (result.ok, result.first_bad) == (False, "seq 1")
    assert result.problem == (
        f"org acme was wiped: entries at seq 1–6 are missing (the checkpoint of {AT} had 6 entries)"
    )


async def test_a_ledger_that_grew_still_extends_its_checkpoint(
    ledger: SqlSpendLedger, store: LedgerCheckpoints
) -> None:
    await spends(ledger, 2)
    checkpoint = await store.take()
    await spends(ledger, 3)
    await spends(ledger, 1, org="newcomer")
    result = await store.compare(checkpoint)
    assert (result.ok, result.entries_checked) == (True, 1)


async def test_history_rewritten_to_the_same_length_is_caught(
    ledger: SqlSpendLedger, store: LedgerCheckpoints, db_url: str
) -> None:
    """Without a key, a forger can rewrite a row and re-hash everything after it."""
    await spends(ledger, 4)
    checkpoint = await store.take()
    prev_hash = None
    for seq in range(2, 5):
        row, _ = await stored_row(db_url, seq)
        if seq == 2:
            row["amount_minor"] = 1
        if prev_hash is not None:
            row["prev_hash"] = prev_hash
        prev_hash = row_hash(row)
        await raw_sql(
            db_url,
            "UPDATE ledger_events SET amount_minor = :a, prev_hash = :p, hash = :h WHERE seq = :s",
            a=row["amount_minor"],
            p=row["prev_hash"],
            h=prev_hash,
            s=seq,
        )
    await raw_sql(db_url, "UPDATE ledger_heads SET hash = :h", h=prev_hash)

    assert (await ledger.verify()).ok
    result = await store.compare(checkpoint)
    assert (result.ok, result.first_bad) == (False, "seq 4")
    assert result.problem == (
        f"org acme: the entry at seq 4 is not the one checkpointed at {AT}: "
        "the ledger up to it was rewritten"
    )


async def test_stripping_the_key_off_a_keyed_ledger_is_caught_by_a_checkpoint(
    db_url: str, clock: Clock
) -> None:
    """The limit the module docstring admits: delete the keyed rows, clear the head's key
    columns and append unkeyed forgeries, and the chain verifies. A checkpoint does not."""
    async with SqlSpendLedger(db_url, clock=clock) as plain:
        await spends(plain, 2)
    async with (
        SqlSpendLedger(db_url, clock=clock, key=KEY) as keyed,
        LedgerCheckpoints(db_url, clock=clock, key=KEY) as store,
    ):
        await spends(keyed, 3)
        [checkpoint] = await store.take()
        assert (checkpoint.seq, checkpoint.keyed_from_seq) == (5, 3)
        assert checkpoint.signature_matches(KEY)

        await rewind(db_url, "acme", 2)
        await raw_sql(db_url, "UPDATE ledger_heads SET keyed_from_seq = NULL, seal = NULL")
        for n in range(3):
            await append_forged(db_url, key=None, entry_id=f"sp_forged000{n}")

        assert (await keyed.verify()).ok
        result = await store.compare([checkpoint])
        assert (result.ok, result.first_bad) == (False, "seq 5")
        assert "the entry at seq 5 is not the one checkpointed" in (result.problem or "")


# --------------------------------------------------------------------------- the file


def test_the_file_round_trips_and_its_signatures_are_checked() -> None:
    heads = [
        Checkpoint("acme", 6, "a" * 64, T0, 3).signed(KEY),
        Checkpoint("globex", 2, "b" * 64, T0).signed(KEY),
    ]
    text = dump_checkpoints(heads, T0)
    assert load_checkpoints(text, KEY) == heads
    assert load_checkpoints(text, None) == heads  # without the key the heads still count

    with pytest.raises(InvalidInput, match="org acme is not signed with this"):
        load_checkpoints(text, b"another key")
    altered = json.loads(text)
    altered["heads"][1]["seq"] = 1
    with pytest.raises(InvalidInput, match="org globex is not signed with this"):
        load_checkpoints(json.dumps(altered), KEY)

    unsigned = dump_checkpoints([Checkpoint("acme", 6, "a" * 64, T0)], T0)
    assert load_checkpoints(unsigned, KEY)[0].signature is None  # taken before the key


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not JSON"),
        ("[]", "not a checkpoint file"),
        ('{"format": "coachbot-ledger-checkpoint", "version": 9, "heads": []}', "version 9"),
        ('{"format": "coachbot-ledger-checkpoint", "version": 1}', "no list of heads"),
        ('{"format": "coachbot-ledger-checkpoint", "version": 1, "heads": [5]}', "head 1"),
        (
            '{"format": "coachbot-ledger-checkpoint", "version": 1, "heads": '
            '[{"org": "a", "seq": -1, "hash": "' + "0" * 64 + '", "at": "2026-01-01T00:00Z"}]}',
            "head 1",
        ),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_one_clear_error(text: str, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        load_checkpoints(text, None)


def test_the_channel_line() -> None:
    payload = {"seq": 1234, "hash": "3f9a" + "0" * 58 + "c2", "day": "2026-12-06"}
    assert checkpoint_line(payload) == "Ledger checkpoint: 1,234 entries, head 3f9a…c2, 2026-12-06"


# --------------------------------------------------------------------------- the daily line


@pytest.fixture
async def outbox(db_url: str, clock: Clock) -> AsyncIterator[SqlEscalationStore]:
    async with SqlEscalationStore(db_url, clock=clock) as opened:
        yield opened


async def seen_on(url: str, org: str, platform: str, clock: Clock) -> None:
    """The organisation used the bot on ``platform``: that is where its channel is."""
    async with SqlIncidentStore(url) as incidents:
        await incidents.open_incident(
            org=org,
            user_id="U1",
            platform=platform,
            incident_id=f"in_{org}",
            situation="guest's clothes stuck in the washer",
            playbook_id="wrong-order",
            matched_terms=["washer"],
            customer_ref=None,
            at=clock(),
        )


async def lines(outbox: SqlEscalationStore) -> list[Notification]:
    return [n for n in await outbox.pending_notifications() if n.topic == LEDGER_CHECKPOINT]


async def test_the_daily_line_is_claimed_once_by_two_concurrent_workers(
    ledger: SqlSpendLedger, outbox: SqlEscalationStore, db_url: str, clock: Clock
) -> None:
    await seen_on(db_url, "acme", "slack", clock)
    await seen_on(db_url, "globex", "teams", clock)
    await spends(ledger, 3)
    await spends(ledger, 2, org="globex")
    await spends(ledger, 1, org="local")  # the command line's: no channel anywhere

    # Two processes: each its own connection pool, both running the loop at once.
    async with (
        LedgerCheckpoints(db_url, clock=clock, key=KEY) as one,
        LedgerCheckpoints(db_url, clock=clock, key=KEY) as two,
    ):
        workers = [DailyCheckpoints(s, timezone="Europe/London", clock=clock) for s in (one, two)]
        claimed = await asyncio.gather(*(w.run_once() for w in workers))
        assert sum(claimed) == 2

        posted = {n.org: n for n in await lines(outbox)}
        assert {org: n.platform for org, n in posted.items()} == {
            "acme": "slack",
            "globex": "teams",
        }
        acme = posted["acme"].payload or {}
        [(head_hash,)] = await raw_sql(db_url, "SELECT hash FROM ledger_heads WHERE org = 'acme'")
        assert (acme["seq"], acme["hash"], acme["day"]) == (3, head_hash, "2026-12-06")
        assert Checkpoint(
            "acme", 3, head_hash, datetime.fromisoformat(acme["at"]), None, acme["signature"]
        ).signature_matches(KEY)
        assert checkpoint_line(acme) == (
            f"Ledger checkpoint: 3 entries, head {head_hash[:4]}…{head_hash[-2:]}, 2026-12-06"
        )

        # Later the same day, after more spends: nothing more today.
        await spends(ledger, 1)
        clock.advance(hours=6)
        assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 0

        # Each following day, only organisations whose head moved, each exactly once.
        for day in range(1, 6):
            clock.advance(days=1)
            await spends(ledger, 1)
            assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 1, day
        assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 0

    acme_lines = [n for n in await lines(outbox) if n.org == "acme"]
    assert [(n.payload or {})["day"] for n in acme_lines] == [
        "2026-12-06",
        "2026-12-07",
        "2026-12-08",
        "2026-12-09",
        "2026-12-10",
        "2026-12-11",
    ]
    assert len([n for n in await lines(outbox) if n.org == "globex"]) == 1


async def test_the_day_is_the_organisations_local_day(
    ledger: SqlSpendLedger, outbox: SqlEscalationStore, db_url: str
) -> None:
    clock = Clock(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    await seen_on(db_url, "acme", "slack", clock)
    await spends(ledger, 1)
    async with LedgerCheckpoints(db_url, clock=clock) as store:
        await DailyCheckpoints(store, timezone="Asia/Tokyo", clock=clock).run_once()
    [line] = await lines(outbox)
    assert (line.payload or {})["day"] == "2026-12-07"  # 08:30 in Tokyo


async def test_the_outbox_posts_the_line_to_the_slack_channel(
    ledger: SqlSpendLedger, outbox: SqlEscalationStore, db_url: str, clock: Clock
) -> None:
    await seen_on(db_url, "T1", "slack", clock)
    await spends(ledger, 2, org="T1")
    async with LedgerCheckpoints(db_url, clock=clock) as store:
        assert await DailyCheckpoints(store, clock=clock).run_once() == 1
    [(head_hash,)] = await raw_sql(db_url, "SELECT hash FROM ledger_heads WHERE org = 'T1'")

    recorder = SlackRecorder()
    await recorder.start()
    try:
        client = AsyncWebClient(token="xoxb-t", base_url=recorder.api_url)
        worker = OutboxWorker(outbox, SlackNotifier(client, CHANNEL), clock=clock)
        assert await worker.run_once() == 1
        (post,) = recorder.named("chat.postMessage")
    finally:
        await recorder.stop()
    assert post.args["channel"] == CHANNEL
    assert post.args["text"] == (
        f"Ledger checkpoint: 2 entries, head {head_hash[:4]}…{head_hash[-2:]}, 2026-12-06"
    )
    assert await lines(outbox) == []  # delivered


async def test_without_a_channel_the_line_waits_rather_than_being_dropped(
    ledger: SqlSpendLedger, outbox: SqlEscalationStore, db_url: str, clock: Clock
) -> None:
    await seen_on(db_url, "T1", "slack", clock)
    await spends(ledger, 1, org="T1")
    async with LedgerCheckpoints(db_url, clock=clock) as store:
        await DailyCheckpoints(store, clock=clock).run_once()
    [line] = await lines(outbox)
    delivery = await SlackNotifier(AsyncWebClient(token="xoxb-t"), "").deliver_message(line)
    assert (delivery.ok, delivery.permanent) == (False, False)
    assert "no escalation channel" in (delivery.error or "")


# --------------------------------------------------------------------------- the command line


def test_cli_checkpoint_then_rollback_and_wipe_fail_verify(cli: Cli, tmp_path: Path) -> None:
    for text in ("£5 coffee", "£6 tea", "£7 cake"):
        assert cli.run("spend", text, "--user", "sam").returncode == 0
    written = cli.run("audit", "checkpoint", "--out", "cp.json")
    assert written.returncode == 0, written.stderr
    assert "unsigned" in written.stdout
    document = json.loads((tmp_path / "cp.json").read_text())
    assert [(h["org"], h["seq"]) for h in document["heads"]] == [("local", 3)]
    ok = cli.run("audit", "verify", "--checkpoint", "cp.json")
    assert ok.returncode == 0, ok.stderr
    assert "extends the checkpoint" in ok.stdout

    with sqlite3.connect(cli.db) as db:
        db.execute("DELETE FROM ledger_events WHERE seq > 1")
        db.execute(
            "UPDATE ledger_heads SET seq = 1, hash = (SELECT hash FROM ledger_events WHERE seq = 1)"
        )
    assert cli.run("audit", "verify").returncode == 0
    rolled_back = cli.run("audit", "verify", "--checkpoint", "cp.json")
    assert rolled_back.returncode == 1
    [line] = rolled_back.stderr.strip().splitlines()
    assert line.startswith("ledger TAMPERED: org local: entries at seq 2–3 are missing")

    with sqlite3.connect(cli.db) as db:
        db.execute("DELETE FROM ledger_events")
        db.execute("DELETE FROM ledger_heads")
    wiped = cli.run("audit", "verify", "--checkpoint", "cp.json", "--json")
    assert wiped.returncode == 1
    data = json.loads(wiped.stderr)  # as every failed audit: the verdict on stderr
    assert data["ok"] is False
    assert data["checkpoint"]["problem"].startswith(
        "org local was wiped: entries at seq 1–3 are missing"
    )


def test_cli_with_the_key_catches_an_entry_appended_without_it(cli: Cli) -> None:
    cli.env["COACHBOT_LEDGER_KEY"] = KEY.decode()
    for text in ("£5 coffee", "£6 tea"):
        assert cli.run("spend", text, "--user", "sam").returncode == 0
    assert cli.run("audit", "verify").returncode == 0
    url = f"sqlite:///{cli.db}"
    forged = asyncio.run(append_forged(url, key=None, org="local"))

    bad = cli.run("audit", "verify")
    assert bad.returncode == 1
    [line] = bad.stderr.strip().splitlines()
    assert line == (
        f"ledger TAMPERED: entry {forged} (seq 3) was added without the ledger key "
        "(its hash is not keyed) in org local"
    )
    # Nor will a checkpoint vouch for it.
    refused = cli.run("audit", "checkpoint")
    assert refused.returncode == 1 and "no checkpoint written" in refused.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["audit", "verify", "--out", "x.json"], "--out is for `audit checkpoint`"),
        (["audit", "checkpoint", "--checkpoint", "x.json"], "--checkpoint is for `audit verify`"),
        (["audit", "verify", "--checkpoint", "missing.json"], "cannot read the checkpoint"),
        (["audit", "checkpoint", "--out", "no/such/dir/cp.json"], "cannot write the checkpoint"),
    ],
)
def test_cli_checkpoint_mistakes_are_one_line(cli: Cli, args: list[str], needle: str) -> None:
    out = cli.run(*args)
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("coachbot: ") and needle in line


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


# --------------------------------------------------------------------------- Teams, end to end


@pytest.fixture
async def teams(tmp_path: Path, shared_fixtures: Path) -> AsyncIterator[Teams]:
    connector = TeamsConnector()
    await connector.start()
    client = TestClient(TestServer(build_app(teams_settings(tmp_path))))
    await client.start_server()
    try:
        yield Teams(client, connector, shared_fixtures)
    finally:
        await client.close()
        await connector.stop()


async def test_serve_posts_the_line_in_the_teams_escalation_channel(
    teams: Teams, tmp_path: Path
) -> None:
    reply = await teams.say(teams.as_manager(teams.mention("set escalation channel")))
    assert "Escalations for this organisation will be posted here" in reply.all_text
    await teams.say(teams.personal(WASHER))
    await teams.say(teams.personal("spend £20 flowers"))
    count = len(teams.connector.posted)

    app = teams.client.app
    assert app is not None
    assert await app[CHECKPOINTS_KEY].run_once() == 1
    posted = (await teams.connector.wait_for(count + 1))[count]
    assert posted.kind == "create" and posted.conversation_id.startswith(TEAMS_CHANNEL + ";")
    [(head_hash,)] = await raw_sql(
        f"sqlite:///{tmp_path / 'coach.db'}",
        "SELECT hash FROM ledger_heads WHERE org = :o",
        o=TENANT,
    )
    assert posted.cards == []  # one plain line, no card
    assert re.fullmatch(
        rf"Ledger checkpoint: 1 entry, head {head_hash[:4]}…{head_hash[-2:]}, \d{{4}}-\d\d-\d\d",
        posted.body["text"],
    ), posted.body
    assert await app[CHECKPOINTS_KEY].run_once() == 0  # once a day
