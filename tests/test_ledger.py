"""The spend ledger, on SQLite and on PostgreSQL, through its public interface.

Tampering is done the way an insider would do it: raw SQL straight into the database,
with the database's own driver, never through the ledger.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.db import async_url
from bot.errors import AlreadyDecided, InvalidAmount, NotFound, StorageUnavailable
from bot.ledger import SpendLedger, open_ledger
from bot.ledger.sql import HASHED_COLUMNS, SCHEMA_VERSION, SqlSpendLedger, row_hash
from bot.models import LedgerEntry, Money, Role, SpendRequest, SpendStatus
from tests.clock import Clock

APPROVED, PENDING, DENIED = SpendStatus.APPROVED, SpendStatus.PENDING, SpendStatus.DENIED
ID_PATTERN = re.compile(r"^sp_[0-9a-hjkmnp-tv-z]{10}$")
T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def ledger(db_url: str, clock: Clock) -> AsyncIterator[SqlSpendLedger]:
    async with SqlSpendLedger(db_url, clock=clock) as opened:
        yield opened


async def spend(
    ledger: SpendLedger,
    *,
    org: str = "acme",
    user: str = "sam",
    minor: int = 4800,
    status: SpendStatus = APPROVED,
    customer: str | None = None,
    reason: str = "dry cleaning",
) -> LedgerEntry:
    request = SpendRequest(
        Money(minor, "GBP"), reason, playbook_id="wrong-order", customer_ref=customer
    )
    reasons = ("over per-incident limit",) if status is PENDING else ()
    return await ledger.record_spend(org, user, Role.ASSOCIATE, request, status, reasons)


async def raw_sql(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run SQL written with :name parameters directly through sqlite3 or asyncpg."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return list(conn.execute(sql, params).fetchall())
    import asyncpg

    names = list(params)
    for number, name in enumerate(names, start=1):
        sql = sql.replace(f":{name}", f"${number}")
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql, *(params[n] for n in names))]
    finally:
        await conn.close()


# --------------------------------------------------------------------------- recording


async def test_spend_within_authority_is_approved_with_a_typeable_receipt(
    ledger: SqlSpendLedger,
) -> None:
    entry = await spend(ledger, customer="room 214")

    assert ID_PATTERN.match(entry.entry_id)
    assert entry.status is APPROVED
    assert entry.amount == Money(4800, "GBP")
    assert (entry.org, entry.user_id, entry.role, entry.seq) == ("acme", "sam", Role.ASSOCIATE, 1)
    assert (entry.reason, entry.playbook_id, entry.customer_ref) == (
        "dry cleaning",
        "wrong-order",
        "room 214",
    )
    assert entry.created_at == T0
    assert entry.created_at.tzinfo is UTC
    assert entry.decided_by is None
    assert await ledger.get("acme", entry.entry_id) == entry


async def test_ids_are_unique_and_found_however_staff_type_them(ledger: SqlSpendLedger) -> None:
    entries = [await spend(ledger) for _ in range(40)]
    assert len({e.entry_id for e in entries}) == 40

    entry_id = entries[0].entry_id
    body = entry_id.removeprefix("sp_")
    for typed in (entry_id.upper(), f"  {entry_id} ", f"sp-{body}", f"SP{body.upper()}"):
        found = await ledger.get("acme", typed)
        assert found is not None
        assert found.entry_id == entry_id
    assert await ledger.get("acme", "sp_nonsense!") is None
    assert await ledger.get("acme", "") is None


async def test_bad_amounts_and_statuses_record_nothing(ledger: SqlSpendLedger) -> None:
    for minor in (0, -500):
        with pytest.raises(InvalidAmount):
            await spend(ledger, minor=minor)
    with pytest.raises(InvalidAmount, match="currency"):
        await ledger.record_spend(
            "acme", "sam", Role.LEAD, SpendRequest(Money(100, "pounds"), "x"), APPROVED
        )
    with pytest.raises(ValueError, match="denial is a decision"):
        await spend(ledger, status=DENIED)

    assert await ledger.spends("acme") == []
    assert (await ledger.verify()).entries_checked == 0


async def test_money_is_stored_as_exact_integer_minor_units(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    huge = 9_007_199_254_740_993  # beyond 32 bits and beyond exact float precision
    entry = await spend(ledger, minor=huge)

    assert (await ledger.get("acme", entry.entry_id)) == entry
    assert entry.amount.minor == huge
    rows = await raw_sql(
        db_url,
        "SELECT amount_minor, currency FROM ledger_events WHERE entry_id = :id",
        id=entry.entry_id,
    )
    assert rows == [(huge, "GBP")]
    assert type(rows[0][0]) is int


async def test_times_are_stored_and_returned_in_utc(ledger: SqlSpendLedger, clock: Clock) -> None:
    clock.now = datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    entry = await spend(ledger)

    expected = datetime(2025, 6, 1, 10, 30, 15, 123456, tzinfo=UTC)
    stored = await ledger.get("acme", entry.entry_id)
    assert stored is not None
    assert stored.created_at == expected
    assert stored.created_at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        await ledger.spends("acme", since=datetime(2025, 6, 1))


# --------------------------------------------------------------------------- decisions


async def test_pending_spend_is_approved_once_by_a_manager(
    ledger: SqlSpendLedger, clock: Clock, db_url: str
) -> None:
    entry = await spend(ledger, minor=25000, status=PENDING)
    assert entry.status is PENDING
    assert entry.over_authority_reasons == ("over per-incident limit",)

    decided_at = clock.advance(minutes=3)
    decided = await ledger.decide("acme", entry.entry_id, "mia", approve=True)

    assert decided.status is APPROVED
    assert (decided.decided_by, decided.decided_at) == ("mia", decided_at)
    assert decided.entry_id == entry.entry_id
    assert decided.seq == entry.seq
    assert await ledger.get("acme", entry.entry_id) == decided
    with pytest.raises(AlreadyDecided, match="already approved by mia"):
        await ledger.decide("acme", entry.entry_id, "max", approve=False)

    # The decision is a second row; the spend row itself was never rewritten.
    rows = await raw_sql(
        db_url,
        "SELECT seq, kind, status, user_id FROM ledger_events WHERE entry_id = :id ORDER BY seq",
        id=entry.entry_id,
    )
    assert rows == [(1, "spend", "pending", "sam"), (2, "decision", "approved", "mia")]
    assert (await ledger.verify()).ok


async def test_denied_spend_stays_denied(ledger: SqlSpendLedger) -> None:
    entry = await spend(ledger, minor=25000, status=PENDING)
    denied = await ledger.decide("acme", entry.entry_id, "mia", approve=False)

    assert denied.status is DENIED
    with pytest.raises(AlreadyDecided, match="already denied"):
        await ledger.decide("acme", entry.entry_id, "mia", approve=True)
    assert [e.status for e in await ledger.spends("acme")] == [DENIED]


async def test_a_spend_approved_at_once_cannot_be_decided(ledger: SqlSpendLedger) -> None:
    entry = await spend(ledger, status=APPROVED)
    with pytest.raises(AlreadyDecided, match="within authority"):
        await ledger.decide("acme", entry.entry_id, "mia", approve=False)


async def test_deciding_an_unknown_entry_is_not_found(ledger: SqlSpendLedger) -> None:
    await spend(ledger, status=PENDING)
    with pytest.raises(NotFound):
        await ledger.decide("acme", "sp_0000000000", "mia", approve=True)
    with pytest.raises(NotFound):
        await ledger.decide("acme", "not an id", "mia", approve=True)


async def test_racing_managers_decide_exactly_once(ledger: SqlSpendLedger, db_url: str) -> None:
    entry = await spend(ledger, minor=25000, status=PENDING)
    # Separate ledgers = separate connection pools, as in separate server processes.
    others = [SqlSpendLedger(db_url) for _ in range(4)]
    for other in others:
        await other.open()
    try:
        results = await asyncio.gather(
            *(
                lg.decide("acme", entry.entry_id, f"manager{i}", approve=i % 2 == 0)
                for i, lg in enumerate([ledger, *others] * 2)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()

    winners = [r for r in results if isinstance(r, LedgerEntry)]
    assert len(winners) == 1, results
    assert all(isinstance(r, AlreadyDecided) for r in results if r not in winners)
    final = await ledger.get("acme", entry.entry_id)
    assert final == winners[0]
    assert (await ledger.verify()).ok


async def test_the_database_itself_refuses_a_second_decision_row(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    entry = await spend(ledger, minor=25000, status=PENDING)
    await ledger.decide("acme", entry.entry_id, "mia", approve=True)

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await raw_sql(
            db_url,
            "INSERT INTO ledger_events (org, seq, kind, entry_id, user_id, status, "
            "authorised_by_self, over_authority_reasons, created_at, prev_hash, hash) "
            "SELECT org, 99, kind, entry_id, 'mallory', 'denied', authorised_by_self, "
            "over_authority_reasons, created_at, prev_hash, hash FROM ledger_events "
            "WHERE entry_id = :id AND kind = 'decision'",
            id=entry.entry_id,
        )


# --------------------------------------------------------------------------- organisations


async def test_one_organisation_never_sees_or_decides_anothers_spends(
    ledger: SqlSpendLedger,
) -> None:
    theirs = await spend(ledger, org="acme", status=PENDING, customer="room 1")
    ours = await spend(ledger, org="globex", customer="room 1")

    assert await ledger.get("globex", theirs.entry_id) is None
    with pytest.raises(NotFound):
        await ledger.decide("globex", theirs.entry_id, "mia", approve=True)
    assert [e.entry_id for e in await ledger.spends("globex")] == [ours.entry_id]
    assert await ledger.customer_total("globex", "room 1", T0) == 4800
    assert await ledger.self_authorised_total("globex", "sam", T0) == 4800
    assert await ledger.self_authorised_total("initech", "sam", T0) == 0

    # Each organisation has its own chain, starting at 1.
    assert (theirs.seq, ours.seq) == (1, 1)
    assert (await ledger.verify("globex")).entries_checked == 1
    assert (await ledger.verify()).entries_checked == 2
    untouched = await ledger.get("acme", theirs.entry_id)
    assert untouched is not None
    assert untouched.status is PENDING


# --------------------------------------------------------------------------- queries


async def test_spends_filters_by_half_open_time_window_user_and_customer(
    ledger: SqlSpendLedger, clock: Clock
) -> None:
    a = await spend(ledger, user="sam", customer="table 7")
    t1 = clock.advance(hours=1)
    b = await spend(ledger, user="kim", customer="table 7", status=PENDING)
    t2 = clock.advance(hours=1)
    c = await spend(ledger, user="sam", customer="room 2")
    await ledger.decide("acme", b.entry_id, "mia", approve=True)

    def ids(entries: list[LedgerEntry]) -> list[str]:
        return [e.entry_id for e in entries]

    everything = await ledger.spends("acme")
    assert ids(everything) == [a.entry_id, b.entry_id, c.entry_id]  # oldest first
    assert [e.status for e in everything] == [APPROVED, APPROVED, APPROVED]
    assert ids(await ledger.spends("acme", since=t1)) == [b.entry_id, c.entry_id]
    assert ids(await ledger.spends("acme", until=t1)) == [a.entry_id]
    assert ids(await ledger.spends("acme", since=t1, until=t2)) == [b.entry_id]
    assert ids(await ledger.spends("acme", user_id="sam")) == [a.entry_id, c.entry_id]
    assert ids(await ledger.spends("acme", customer_ref="table 7")) == [a.entry_id, b.entry_id]


async def test_pending_is_the_undecided_queue_oldest_first_per_organisation(
    ledger: SqlSpendLedger, clock: Clock
) -> None:
    await spend(ledger, user="sam")  # approved at once: never queued
    first = await spend(ledger, user="kim", status=PENDING, minor=18000, customer="room 9")
    clock.advance(minutes=5)
    decided = await spend(ledger, user="sam", status=PENDING)
    clock.advance(minutes=5)
    last = await spend(ledger, user="sam", status=PENDING, reason="new coat")
    await spend(ledger, org="globex", user="kim", status=PENDING)
    await ledger.decide("acme", decided.entry_id, "mia", approve=False)

    queue = await ledger.pending("acme")
    assert [e.entry_id for e in queue] == [first.entry_id, last.entry_id]
    assert all(e.status is PENDING and e.decided_by is None for e in queue)
    assert (queue[0].user_id, queue[0].amount, queue[0].customer_ref) == (
        "kim",
        Money(18000, "GBP"),
        "room 9",
    )
    await ledger.decide("acme", first.entry_id, "mia", approve=True)
    assert [e.reason for e in await ledger.pending("acme")] == ["new coat"]
    assert await ledger.pending("initech") == []


async def test_own_authority_total_counts_only_spends_approved_at_once(
    ledger: SqlSpendLedger, clock: Clock
) -> None:
    await spend(ledger, minor=1000)  # yesterday, outside the window
    today = clock.advance(days=1)
    await spend(ledger, minor=2000)
    await spend(ledger, minor=3000)
    pending = await spend(ledger, minor=50000, status=PENDING)
    manager_approved = await spend(ledger, minor=40000, status=PENDING)
    await ledger.decide("acme", manager_approved.entry_id, "mia", approve=True)
    await spend(ledger, user="kim", minor=7000)

    assert await ledger.self_authorised_total("acme", "sam", today) == 5000
    assert await ledger.self_authorised_total("acme", "sam", T0) == 6000
    assert await ledger.self_authorised_total("acme", "kim", today) == 7000
    assert pending.status is PENDING


async def test_customer_total_counts_what_was_approved_by_anyone(
    ledger: SqlSpendLedger, clock: Clock
) -> None:
    await spend(ledger, minor=9900, customer="room 214")  # yesterday
    morning = clock.advance(days=1)
    await spend(ledger, user="sam", minor=5000, customer="room 214")
    await spend(ledger, user="kim", minor=2500, customer="room 214", status=PENDING)
    refused = await spend(ledger, user="lee", minor=30000, customer="room 214", status=PENDING)
    await ledger.decide("acme", refused.entry_id, "mia", approve=False)
    granted = await spend(ledger, user="lee", minor=700, customer="room 214", status=PENDING)
    await ledger.decide("acme", granted.entry_id, "mia", approve=True)
    await spend(ledger, minor=1234, customer="room 215")

    # Pending (kim's 25.00) and denied (lee's 300.00) were never given to the customer.
    assert await ledger.customer_total("acme", "room 214", morning) == 5700
    assert await ledger.customer_total("acme", "room 214", T0) == 15600
    assert await ledger.customer_total("acme", "room 999", T0) == 0


# --------------------------------------------------------------------------- concurrency


async def test_fifty_concurrent_writers_keep_one_unbroken_chain(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    # Five independent pools (as five processes would have), ten coroutines on each.
    writers = [ledger] + [SqlSpendLedger(db_url) for _ in range(4)]
    for writer in writers[1:]:
        await writer.open()
    try:
        entries = await asyncio.gather(
            *(spend(writers[i % 5], user=f"u{i}", minor=100 + i) for i in range(50))
        )
    finally:
        for writer in writers[1:]:
            await writer.close()

    assert sorted(e.seq for e in entries) == list(range(1, 51))
    assert len({e.entry_id for e in entries}) == 50
    result = await ledger.verify()
    assert (result.ok, result.entries_checked) == (True, 50), result
    assert sum(e.amount.minor for e in await ledger.spends("acme")) == sum(
        100 + i for i in range(50)
    )


async def test_first_writes_of_new_organisations_race_safely(ledger: SqlSpendLedger) -> None:
    # Warm the pool first, so the first writes of each new org really collide.
    await asyncio.gather(*(spend(ledger, org=f"warm{i}") for i in range(16)))
    orgs = [f"org{n}" for n in range(10)]
    entries = await asyncio.gather(*(spend(ledger, org=org) for org in orgs for _ in range(16)))

    for org in orgs:
        assert sorted(e.seq for e in entries if e.org == org) == list(range(1, 17))
    assert (await ledger.verify()).ok


async def test_concurrent_first_open_of_an_empty_database(db_url: str) -> None:
    ledgers = [SqlSpendLedger(db_url) for _ in range(4)]
    await asyncio.gather(*(lg.open() for lg in ledgers))
    try:
        entries = await asyncio.gather(*(spend(lg, org="new-org") for lg in ledgers))
        assert sorted(e.seq for e in entries) == [1, 2, 3, 4]
        assert (await ledgers[0].verify()).ok
    finally:
        for lg in ledgers:
            await lg.close()


# --------------------------------------------------------------------------- tamper evidence


async def _five_spends(ledger: SqlSpendLedger) -> list[LedgerEntry]:
    return [await spend(ledger, minor=1000 * n, user=f"u{n}") for n in (1, 2, 3, 4, 5)]


async def test_intact_ledger_verifies(ledger: SqlSpendLedger) -> None:
    assert (await ledger.verify()).ok
    await _five_spends(ledger)
    pending = await spend(ledger, status=PENDING)
    await ledger.decide("acme", pending.entry_id, "mia", approve=False)
    result = await ledger.verify()
    assert result.ok
    assert result.entries_checked == 7
    assert (result.first_bad, result.problem) == (None, None)


async def test_an_amount_changed_by_sql_is_named(ledger: SqlSpendLedger, db_url: str) -> None:
    entries = await _five_spends(ledger)
    victim = entries[2]
    await raw_sql(
        db_url,
        "UPDATE ledger_events SET amount_minor = 1 WHERE entry_id = :id",
        id=victim.entry_id,
    )

    result = await ledger.verify()
    assert not result.ok
    assert result.first_bad == victim.entry_id
    assert result.problem is not None
    assert f"entry {victim.entry_id}" in result.problem
    assert "was altered" in result.problem
    assert result.problem.endswith(" in org acme")  # whole-ledger check names the org
    scoped = await ledger.verify("acme")
    assert scoped.first_bad == victim.entry_id
    assert "org" not in (scoped.problem or "")


async def test_a_denial_flipped_to_approval_by_sql_is_named(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    entry = await spend(ledger, minor=90000, status=PENDING)
    await ledger.decide("acme", entry.entry_id, "mia", approve=False)
    await raw_sql(
        db_url,
        "UPDATE ledger_events SET status = 'approved' WHERE kind = 'decision'",
    )

    result = await ledger.verify("acme")
    assert not result.ok
    assert result.first_bad == entry.entry_id
    assert result.problem == f"decision on entry {entry.entry_id} (seq 2) was altered"


async def test_a_deleted_middle_entry_is_named_by_seq(ledger: SqlSpendLedger, db_url: str) -> None:
    await _five_spends(ledger)
    await raw_sql(db_url, "DELETE FROM ledger_events WHERE seq = 3")

    result = await ledger.verify("acme")
    assert (result.ok, result.first_bad) == (False, "seq 3")
    assert result.problem == "entry at seq 3 was removed"


async def test_a_deleted_newest_entry_is_caught_by_the_head(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    await _five_spends(ledger)
    await raw_sql(db_url, "DELETE FROM ledger_events WHERE seq >= 4")

    result = await ledger.verify("acme")
    assert (result.ok, result.first_bad) == (False, "seq 4")
    assert result.problem == "entries at seq 4–5 were removed"
    assert result.entries_checked == 3


async def forge(url: str, entry_id: str, **changes: Any) -> None:
    """What a careful forger does: change a spend row and give it a matching fresh hash."""
    columns = ", ".join(HASHED_COLUMNS)
    [values] = await raw_sql(
        url,
        f"SELECT {columns} FROM ledger_events WHERE entry_id = :id AND kind = 'spend'",
        id=entry_id,
    )
    row = dict(zip(HASHED_COLUMNS, values, strict=True))
    if isinstance(row["created_at"], str):  # sqlite3 hands back text and 0/1
        row["created_at"] = datetime.fromisoformat(row["created_at"]).replace(tzinfo=UTC)
        row["authorised_by_self"] = bool(row["authorised_by_self"])
    row.update(changes)
    await raw_sql(
        url,
        "UPDATE ledger_events SET amount_minor = :amount, hash = :hash "
        "WHERE entry_id = :id AND kind = 'spend'",
        amount=row["amount_minor"],
        hash=row_hash(row),
        id=entry_id,
    )


async def test_a_rewritten_row_with_a_fresh_hash_breaks_the_next_link(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    entries = await _five_spends(ledger)
    await forge(db_url, entries[1].entry_id, amount_minor=1)

    result = await ledger.verify("acme")
    assert result.first_bad == entries[1].entry_id
    assert result.problem == (
        f"entry {entries[1].entry_id} (seq 2) was altered or replaced "
        "(the next entry no longer links to it)"
    )


async def test_a_rewritten_newest_row_with_a_fresh_hash_is_caught_by_the_head(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    entries = await _five_spends(ledger)
    await forge(db_url, entries[-1].entry_id, amount_minor=1)

    result = await ledger.verify("acme")
    assert result.first_bad == entries[-1].entry_id
    assert result.problem is not None
    assert "no longer matches the ledger head" in result.problem


async def test_a_hash_overwritten_by_sql_is_named(ledger: SqlSpendLedger, db_url: str) -> None:
    entries = await _five_spends(ledger)
    await raw_sql(
        db_url,
        "UPDATE ledger_events SET hash = :forged WHERE entry_id = :id",
        forged="f" * 64,
        id=entries[1].entry_id,
    )
    result = await ledger.verify("acme")
    assert result.first_bad == entries[1].entry_id
    assert result.problem == f"entry {entries[1].entry_id} (seq 2) was altered"


async def test_a_garbled_sqlite_timestamp_is_reported_not_crashed_on(sqlite_url: str) -> None:
    async with SqlSpendLedger(sqlite_url) as ledger:
        entries = await _five_spends(ledger)
        await raw_sql(sqlite_url, "UPDATE ledger_events SET created_at = 'yesterday' WHERE seq = 2")
        result = await ledger.verify("acme")
    assert (result.ok, result.first_bad) == (False, entries[1].entry_id)
    assert result.problem is not None
    assert result.problem.startswith(f"entry {entries[1].entry_id} (seq 2) was altered")


async def test_a_missing_head_is_reported_and_blocks_new_entries(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    await _five_spends(ledger)
    await raw_sql(db_url, "DELETE FROM ledger_heads WHERE org = 'acme'")

    result = await ledger.verify()
    assert not result.ok
    assert result.problem is not None
    assert "head is missing" in result.problem
    with pytest.raises(StorageUnavailable, match="head") as caught:
        await spend(ledger)
    assert caught.value.detail == str(caught.value)  # nothing more to tell the operator


async def test_tampering_in_one_organisation_does_not_fail_another(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    victim = await spend(ledger, org="acme")
    await spend(ledger, org="globex")
    await raw_sql(
        db_url,
        "UPDATE ledger_events SET reason = 'flowers' WHERE entry_id = :id",
        id=victim.entry_id,
    )

    assert (await ledger.verify("globex")).ok
    assert (await ledger.verify()).first_bad == victim.entry_id


# --------------------------------------------------------------------------- schema and URLs


async def test_reopening_keeps_entries_and_schema_version(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    entry = await spend(ledger)
    async with SqlSpendLedger(db_url) as again:
        await again.open()  # idempotent
        assert await again.get("acme", entry.entry_id) == entry
    assert await raw_sql(db_url, "SELECT component, version FROM schema_version") == [
        ("ledger", SCHEMA_VERSION)
    ]


async def test_a_newer_schema_is_refused_with_a_clear_message(
    ledger: SqlSpendLedger, db_url: str
) -> None:
    await raw_sql(db_url, "UPDATE schema_version SET version = 99 WHERE component = 'ledger'")
    with pytest.raises(StorageUnavailable, match=r"version 99.*upgrade coachbot") as caught:
        await SqlSpendLedger(db_url).open()
    assert caught.value.detail == str(caught.value)


async def test_open_ledger_gives_a_working_ledger(db_url: str) -> None:
    ledger = open_ledger(db_url)
    await ledger.open()
    try:
        entry = await spend(ledger)
        assert (await ledger.get("acme", entry.entry_id)) == entry
    finally:
        await ledger.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:1/nowhere",
        "postgres://postgres:secret@127.0.0.1:1/nowhere",
    ],
)
async def test_unreachable_database_gives_one_short_line(url: str) -> None:
    with pytest.raises(StorageUnavailable) as caught:
        await SqlSpendLedger(url).open()
    # The operator's line (CLI, logs): store, where (password masked) and why.
    detail = caught.value.detail
    assert detail.startswith("the spend ledger database is unavailable (postgres")
    assert "127.0.0.1:1" in detail and "/nowhere" in detail
    assert "secret" not in detail
    assert "\n" not in detail
    assert len(detail) < 300
    # The person's line (Slack, Teams): plain words, nothing about where or why.
    assert str(caught.value) == (
        "The spend ledger is unavailable right now, so nothing was recorded. "
        "Please try again in a minute."
    )


@pytest.mark.postgres
async def test_a_missing_postgres_database_is_unavailable(postgres_url: str) -> None:
    with pytest.raises(StorageUnavailable) as caught:
        await SqlSpendLedger(postgres_url + "_missing").open()
    assert "does not exist" in caught.value.detail
    assert "does not exist" not in str(caught.value)
    assert "nothing was recorded" in str(caught.value)


async def test_sqlite_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not a database, just some words\n" * 20)
    with pytest.raises(StorageUnavailable) as caught:
        await SqlSpendLedger(f"sqlite:///{bogus}").open()
    assert "not a database" in caught.value.detail and str(bogus) in caught.value.detail
    assert "not a database" not in str(caught.value) and str(tmp_path) not in str(caught.value)


async def test_sqlite_folder_is_created_on_open(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "ledger.db"
    async with SqlSpendLedger(f"sqlite:///{path}") as ledger:
        await spend(ledger)
    assert path.is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/l.db", "sqlite+aiosqlite:///data/l.db"),
        ("sqlite+aiosqlite:///data/l.db", "sqlite+aiosqlite:///data/l.db"),
        ("postgresql://u@db:5432/coach", "postgresql+asyncpg://u@db:5432/coach"),
        ("postgres://u:pw@db/coach", "postgresql+asyncpg://u:pw@db/coach"),
        ("postgresql+asyncpg://u@db/coach", "postgresql+asyncpg://u@db/coach"),
        ("postgres://u@db/coach?sslmode=require", "postgresql+asyncpg://u@db/coach?ssl=require"),
    ],
)
def test_database_urls_are_normalised_for_the_async_drivers(
    given: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the relative SQLite folder lands in tmp
    assert async_url(given) == expected


def test_unusable_urls_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        async_url("mysql://u@db/coach")
    with pytest.raises(ValueError, match="SQLite file"):
        SqlSpendLedger("sqlite://")


async def test_ping_reports_a_reachable_database(sqlite_url: str) -> None:
    ledger = open_ledger(sqlite_url)
    assert not await ledger.ping()  # not opened yet
    await ledger.open()
    assert await ledger.ping()
    await ledger.close()


# -- organisations namespaced by platform (bot/orgs.py) ----------------------------------------


async def test_a_ledger_of_todays_org_ids_still_verifies_and_continues_after_namespacing(
    db_url: str, clock: Clock
) -> None:
    from bot.orgs import org_for

    # Before the upgrade adapters used the platform's id as the organisation id: a Slack
    # team, an Enterprise Grid workspace, a Teams tenant. Rows written that way, as the
    # old code wrote them (``org`` is in every entry's hash):
    stored = {
        "T0HOTEL": ("slack", "T0HOTEL"),
        "E0GRID:T0SITE": ("slack", "E0GRID:T0SITE"),
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890": ("teams", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
    }
    async with SqlSpendLedger(db_url, clock=clock) as old:
        for org in stored:
            await spend(old, org=org, minor=4800)
            await spend(old, org=org, minor=9000)
    hashes_before = await raw_sql(
        db_url, "SELECT org, seq, hash FROM ledger_events ORDER BY org, seq"
    )

    # After the upgrade: the same database opened by the new code, the org ids computed
    # the new way from the same platform ids.
    async with SqlSpendLedger(db_url, clock=clock) as new:
        assert (await new.verify()).ok
        for org, (platform, native) in stored.items():
            assert org_for(platform, native) == org  # the same organisation, not a new one
            assert (await new.verify(org)).ok
            assert len(await new.spends(org)) == 2
            await spend(new, org=org_for(platform, native), minor=100)
            assert (await new.verify(org)).ok
            assert len(await new.spends(org)) == 3
        # A Teams tenant naming the Slack team id is another organisation, with nothing.
        assert await new.spends(org_for("teams", "T0HOTEL")) == []
        assert (await new.verify()).ok
    hashes_after = await raw_sql(
        db_url, "SELECT org, seq, hash FROM ledger_events ORDER BY org, seq"
    )
    # History untouched: not one stored org id or hash rewritten.
    assert set(hashes_before) <= set(hashes_after)
    assert len(hashes_after) == len(hashes_before) + len(stored)
