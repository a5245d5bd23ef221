"""The keyed ledger (COACHBOT_LEDGER_KEY), on SQLite and on PostgreSQL.

The attacker here can write to the database and knows how the chain is hashed, but does
not hold the key: every forgery is raw SQL with the database's own driver.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import StorageUnavailable
from bot.ledger.sql import (
    HASHED_COLUMNS,
    SCHEMA_VERSION,
    LedgerKeyMissing,
    SqlSpendLedger,
    row_hash,
)
from bot.models import LedgerEntry
from tests.clock import Clock
from tests.test_ledger import PENDING, T0, raw_sql, spend

KEY = b"correct horse battery staple"


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def keyed(db_url: str, clock: Clock) -> AsyncIterator[SqlSpendLedger]:
    async with SqlSpendLedger(db_url, clock=clock, key=KEY) as opened:
        yield opened


async def stored_row(url: str, seq: int, org: str = "acme") -> tuple[dict[str, Any], list[Any]]:
    """The row at ``seq`` as the hash sees it, and its columns as the driver gave them."""
    columns = ", ".join(HASHED_COLUMNS)
    [values] = await raw_sql(
        url,
        f"SELECT {columns} FROM ledger_events WHERE org = :org AND seq = :seq",
        org=org,
        seq=seq,
    )
    row = dict(zip(HASHED_COLUMNS, values, strict=True))
    if isinstance(row["created_at"], str):  # sqlite3 hands back text and 0/1
        row["created_at"] = datetime.fromisoformat(row["created_at"]).replace(tzinfo=UTC)
        row["authorised_by_self"] = bool(row["authorised_by_self"])
    return row, list(values)


async def append_forged(
    url: str, key: bytes | None = None, org: str = "acme", entry_id: str = "sp_forged0000"
) -> str:
    """Append a copy of the newest spend with a new id and amount, hashed with ``key``
    (None: plain SHA-256, as someone without the key must), and move the head to it."""
    [(head_seq, head_hash)] = await raw_sql(
        url, "SELECT seq, hash FROM ledger_heads WHERE org = :org", org=org
    )
    row, raw = await stored_row(url, int(head_seq), org)
    changes = {
        "seq": int(head_seq) + 1,
        "entry_id": entry_id,
        "amount_minor": 99_999,
        "prev_hash": head_hash,
        "kind": "spend",
    }
    row.update(changes)
    forged_hash = row_hash(row, key)
    values = dict(zip(HASHED_COLUMNS, raw, strict=True)) | changes
    names = [*HASHED_COLUMNS, "hash"]
    await raw_sql(
        url,
        f"INSERT INTO ledger_events ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + n for n in names)})",
        **values,
        hash=forged_hash,
    )
    await raw_sql(
        url,
        "UPDATE ledger_heads SET seq = :seq, hash = :hash WHERE org = :org",
        seq=int(head_seq) + 1,
        hash=forged_hash,
        org=org,
    )
    return entry_id


async def three_spends(ledger: SqlSpendLedger) -> list[LedgerEntry]:
    return [await spend(ledger, minor=1000 * (n + 1)) for n in range(3)]


# --------------------------------------------------------------------------- keyed entries


async def test_keyed_entries_are_hmacs_and_verify_only_with_the_key(
    keyed: SqlSpendLedger, db_url: str, clock: Clock
) -> None:
    entries = await three_spends(keyed)
    pending = await spend(keyed, status=PENDING, minor=90000)
    await keyed.decide("acme", pending.entry_id, "mia", approve=True)

    row, _ = await stored_row(db_url, 1)
    [(stored,)] = await raw_sql(db_url, "SELECT hash FROM ledger_events WHERE seq = 1")
    assert stored == row_hash(row, KEY) != row_hash(row)
    result = await keyed.verify()
    assert (result.ok, result.entries_checked) == (True, 5)

    async with SqlSpendLedger(db_url, clock=clock) as keyless:
        with pytest.raises(LedgerKeyMissing, match=r"acme is keyed.*COACHBOT_LEDGER_KEY"):
            await keyless.verify()
        # Extending a keyed chain without the key would mix keys: refused, nothing written.
        with pytest.raises(StorageUnavailable, match=r"keyed.*COACHBOT_LEDGER_KEY is not set"):
            await spend(keyless)
    assert [e.entry_id for e in await keyed.spends("acme")][:3] == [e.entry_id for e in entries]
    assert len(await keyed.spends("acme")) == 4


async def test_an_entry_appended_without_the_key_is_named(
    keyed: SqlSpendLedger, db_url: str
) -> None:
    await three_spends(keyed)
    forged = await append_forged(db_url, key=None)

    result = await keyed.verify()
    assert not result.ok
    assert result.first_bad == forged
    assert result.problem == (
        f"entry {forged} (seq 4) was added without the ledger key (its hash is not keyed) "
        "in org acme"
    )


async def test_an_entry_appended_with_another_key_is_caught(
    keyed: SqlSpendLedger, db_url: str
) -> None:
    await three_spends(keyed)
    forged = await append_forged(db_url, key=b"a guess")

    result = await keyed.verify("acme")
    assert (result.ok, result.first_bad) == (False, forged)
    assert result.problem == f"entry {forged} (seq 4) was altered"


async def test_without_a_key_the_same_forgery_goes_unseen(db_url: str, clock: Clock) -> None:
    """Why the key exists: an unkeyed chain cannot tell a forger from the ledger."""
    async with SqlSpendLedger(db_url, clock=clock) as plain:
        await three_spends(plain)
        await append_forged(db_url, key=None)
        assert (await plain.verify()).ok


async def test_a_rollback_of_a_keyed_ledger_breaks_the_head_seal(
    keyed: SqlSpendLedger, db_url: str
) -> None:
    await three_spends(keyed)
    [(hash_2,)] = await raw_sql(db_url, "SELECT hash FROM ledger_events WHERE seq = 2")
    await raw_sql(db_url, "DELETE FROM ledger_events WHERE seq = 3")
    await raw_sql(db_url, "UPDATE ledger_heads SET seq = 2, hash = :h", h=hash_2)

    result = await keyed.verify("acme")
    assert (result.ok, result.first_bad) == (False, "seq 2")
    assert result.problem is not None
    assert result.problem.startswith("the ledger head was altered: its seal does not match")
    # And nothing is appended onto a head someone moved.
    with pytest.raises(StorageUnavailable, match="does not match COACHBOT_LEDGER_KEY"):
        await spend(keyed)


async def test_keyed_from_seq_cannot_be_cleared_or_moved(
    keyed: SqlSpendLedger, db_url: str
) -> None:
    first = (await three_spends(keyed))[0]
    [(seal,)] = await raw_sql(db_url, "SELECT seal FROM ledger_heads")
    await raw_sql(db_url, "UPDATE ledger_heads SET keyed_from_seq = NULL, seal = NULL")
    result = await keyed.verify("acme")
    assert result.first_bad == first.entry_id
    assert result.problem == (
        f"the ledger head no longer records that entries are keyed from entry "
        f"{first.entry_id} (seq 1) (its keyed_from_seq was cleared or moved)"
    )

    # Moved later with the seal left in place: the same, and the seal would not match.
    await raw_sql(db_url, "UPDATE ledger_heads SET keyed_from_seq = 3, seal = :s", s=seal)
    moved = await keyed.verify("acme")
    assert (moved.first_bad, moved.problem) == (result.first_bad, result.problem)
    await raw_sql(db_url, "UPDATE ledger_heads SET keyed_from_seq = 1")
    assert (await keyed.verify("acme")).ok


async def test_the_wrong_key_is_told_apart_and_refused(
    keyed: SqlSpendLedger, db_url: str, clock: Clock
) -> None:
    first = (await three_spends(keyed))[0]
    async with SqlSpendLedger(db_url, clock=clock, key=b"another key") as wrong:
        result = await wrong.verify("acme")
        assert (result.ok, result.first_bad) == (False, first.entry_id)
        assert result.problem == (
            f"entry {first.entry_id} (seq 1) was altered, or COACHBOT_LEDGER_KEY is not the "
            "key the ledger was keyed with"
        )
        with pytest.raises(StorageUnavailable, match="a different key"):
            await spend(wrong)


# --------------------------------------------------------------------------- switching on


async def test_an_old_unkeyed_ledger_still_verifies_after_the_key_is_switched_on(
    db_url: str, clock: Clock
) -> None:
    async with SqlSpendLedger(db_url, clock=clock) as plain:
        old = await three_spends(plain)
        await spend(plain, org="globex")
    old_hashes = await raw_sql(db_url, "SELECT seq, hash FROM ledger_events ORDER BY org, seq")

    async with SqlSpendLedger(db_url, clock=clock, key=KEY) as keyed:
        # Switching on rewrites nothing; the unkeyed ledger verifies as it did.
        assert await raw_sql(db_url, "SELECT seq, hash FROM ledger_events ORDER BY org, seq") == (
            old_hashes
        )
        assert (await keyed.verify()).ok
        new = await spend(keyed)
        assert new.seq == 4

        row, _ = await stored_row(db_url, 4)
        [(stored,)] = await raw_sql(db_url, "SELECT hash FROM ledger_events WHERE seq = 4")
        assert stored == row_hash(row, KEY)
        # The chain records from which entry it is keyed, per organisation.
        heads = await raw_sql(
            db_url, "SELECT org, seq, keyed_from_seq FROM ledger_heads ORDER BY org"
        )
        assert [tuple(h) for h in heads] == [("acme", 4, 4), ("globex", 1, None)]
        result = await keyed.verify()
        assert (result.ok, result.entries_checked) == (True, 5)

        # The old part still cannot be altered unseen...
        await raw_sql(
            db_url,
            "UPDATE ledger_events SET amount_minor = 1 WHERE entry_id = :id",
            id=old[0].entry_id,
        )
        result = await keyed.verify("acme")
        assert (result.ok, result.first_bad) == (False, old[0].entry_id)


async def test_the_old_part_cannot_be_rewritten_up_to_the_first_keyed_entry(
    db_url: str, clock: Clock
) -> None:
    """The first keyed row's HMAC covers its prev_hash: re-hashing the unkeyed rows before
    it (which needs no key) still breaks the link into the keyed part."""
    async with SqlSpendLedger(db_url, clock=clock) as plain:
        old = await three_spends(plain)
    async with SqlSpendLedger(db_url, clock=clock, key=KEY) as keyed:
        await spend(keyed)
        row, _ = await stored_row(db_url, 3)
        row["amount_minor"] = 1
        await raw_sql(
            db_url,
            "UPDATE ledger_events SET amount_minor = 1, hash = :h WHERE seq = 3",
            h=row_hash(row),
        )
        result = await keyed.verify("acme")
        assert (result.ok, result.first_bad) == (False, old[2].entry_id)
        assert "no longer links to it" in (result.problem or "")


async def test_a_version_1_database_is_upgraded_in_place(db_url: str, clock: Clock) -> None:
    async with SqlSpendLedger(db_url, clock=clock) as plain:
        await three_spends(plain)
    # What a database written by the previous coachbot looks like.
    await raw_sql(db_url, "ALTER TABLE ledger_heads DROP COLUMN keyed_from_seq")
    await raw_sql(db_url, "ALTER TABLE ledger_heads DROP COLUMN seal")
    await raw_sql(db_url, "UPDATE schema_version SET version = 1 WHERE component = 'ledger'")

    async with SqlSpendLedger(db_url, clock=clock, key=KEY) as upgraded:
        assert (await upgraded.verify()).ok
        await spend(upgraded)
        result = await upgraded.verify()
        assert (result.ok, result.entries_checked) == (True, 4)
    assert await raw_sql(
        db_url, "SELECT version FROM schema_version WHERE component = 'ledger'"
    ) == [(SCHEMA_VERSION,)]


def test_a_keyed_hash_is_plain_hmac_sha256_of_the_canonical_json() -> None:
    """Documented so an auditor can recompute it with any HMAC tool."""
    from bot.ledger.sql import canonical_json

    row = dict.fromkeys(HASHED_COLUMNS) | {"created_at": T0, "seq": 1}
    assert row_hash(row, KEY) == hmac.new(KEY, canonical_json(row), hashlib.sha256).hexdigest()
    assert row_hash(row) == hashlib.sha256(canonical_json(row)).hexdigest()


# --------------------------------------------------------------------------- serve's warning


@pytest.mark.parametrize(("key", "warned"), [(None, True), ("", True), ("s3cret", False)])
def test_serve_warns_once_when_the_ledger_is_unkeyed(key: str | None, warned: bool) -> None:
    from structlog.testing import capture_logs

    from adapters.server import warn_if_ledger_unkeyed
    from bot.settings import Settings

    settings = Settings(_env_file=None, coachbot_ledger_key=key)  # type: ignore[call-arg]
    with capture_logs() as logs:
        warn_if_ledger_unkeyed(settings)
    events = [(e["log_level"], e["event"]) for e in logs]
    assert events == ([("warning", "ledger.unkeyed")] if warned else [])
    assert settings.ledger_key() == (key.encode() if key else None)
