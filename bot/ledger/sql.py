"""The SQL spend ledger: SQLAlchemy async Core, one code path for SQLite and PostgreSQL.

Storage model
-------------
``ledger_events`` holds append-only rows, never updated or deleted:

* a *spend* row when money is spent (status ``approved`` at once, or ``pending``);
* a *decision* row when a manager approves or denies a pending spend. It carries the
  spend's ``entry_id``; the unique constraint on (entry_id, kind) is what makes a
  spend decidable exactly once, even when two managers click at the same moment.

A spend's current status is derived: the decision's status if one exists, else its own.

Every row of an organisation is a link in one hash chain: ``seq`` counts 1, 2, 3 …,
``prev_hash`` is the previous row's ``hash``, and ``hash`` is SHA-256 over a canonical
JSON of all other columns. ``ledger_heads`` keeps each organisation's last seq and hash,
so that deleting the newest row (which leaves a perfectly valid shorter chain) is still
detected. Appends lock the head row (``SELECT … FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so concurrent writers queue up instead of forking the
chain; the primary key (org, seq) backs that up and a conflict is retried.

Organisations of different platforms
------------------------------------
``org`` is hashed, so an organisation's id can never change under its history. Slack
workspaces and Teams tenants are kept apart by the id itself (``bot.orgs.org_for``):
every id a real workspace or tenant produces keeps the exact form it was stored under
before platforms were namespaced (``T0123``, ``E0456:T0123``, a tenant GUID), and only
ids no real platform issues are prefixed (``teams:T0123``). So no row is rewritten, no
platform column or alias table is needed, and chains written before the change verify
and continue unchanged. Rows stored under an id that now maps elsewhere (a Teams
Emulator's ``local``, which is now ``teams:local``) stay where they are, still verifying,
under their old id.

Keyed chain
-----------
Without a key the chain is plain SHA-256 and makes tampering *evident*, not impossible:
someone with write access who knows the hashing can rewrite a row and recompute every
later hash and the head, or append a forged entry and move the head.

With ``COACHBOT_LEDGER_KEY`` set, each new row's ``hash`` is HMAC-SHA256 under the key
over the same canonical JSON. History is never rewritten: an organisation whose ledger
was begun without the key is keyed from its next entry, and its head records that seq
(``keyed_from_seq``). The head also carries ``seal``, an HMAC under the key of (org,
seq, hash, keyed_from_seq), so none of the four can be changed without the key; rows
before ``keyed_from_seq`` are checked as SHA-256, rows from it on as HMAC. An append
with the key checks the seal before extending the head, and refuses a keyed head
when the key is missing, so the chain never mixes keys.

Someone with write access to the database who knows all this but lacks the key
*cannot*, without ``audit verify`` naming it:

* alter a keyed entry (its HMAC breaks), or append one: hashed with plain SHA-256 it is
  named as "added without the ledger key", with a guessed key as altered;
* alter an entry from before the switch, even re-hashing everything up to the keyed
  part: the first keyed row's HMAC covers its ``prev_hash``;
* move the head (rewind it to an earlier entry, point it past a forged row) or move or
  clear ``keyed_from_seq``: the seal no longer matches, or a keyed row is found where
  the head says the chain is not keyed.

What they *can* do, and only a checkpoint kept outside the database catches
(``coachbot audit checkpoint`` / ``audit verify --checkpoint``, and the daily line
``serve`` posts to the managers' channel; see ``bot.ledger.checkpoint``):

* roll back: delete the newest rows and put back a head row, seal and all, copied at an
  earlier moment; or delete an organisation's rows and head altogether;
* strip the keying: delete every keyed row, put the head back to the last unkeyed entry
  with ``keyed_from_seq`` and ``seal`` cleared, and append rows hashed without the key.
  To the database that is a ledger whose key was never used; a checkpoint taken after
  the switch no longer matches at its seq, and it records ``keyed_from_seq``.

Anyone who has the key can forge anything: keep it out of the database and its backups,
and never change it (a different key makes every keyed entry and seal fail to verify,
and appends are refused until the right one is back).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    Interval,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import (
    IntegrityError,
    ProgrammingError,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from bot.clock import Clock, utcnow
from bot.database import Database, DatabaseStore, HotStatement
from bot.errors import (
    AlreadyDecided,
    InvalidAmount,
    InvalidInput,
    NotFound,
    StorageUnavailable,
)
from bot.ledger import (
    MAX_REQUEST_KEY,
    PolicyChange,
    RecordedSpend,
    SpendState,
    SpendSummaryRow,
    SpendTotals,
    SpendVerdict,
    SummaryDimension,
)
from bot.models import LedgerEntry, Money, Role, SpendRequest, SpendStatus, VerifyResult

T = TypeVar("T")

SCHEMA_COMPONENT = "ledger"
# 2: ledger_heads.keyed_from_seq and seal (the keyed chain).
# 3: ledger_requests (a delivered request's key -> the spend it recorded) and an index
# on each spend's incident, for the per-incident total. ledger_events is unchanged.
# 4: ledger_events may hold kind 'policy': a change of an organisation's policy (limits,
# roles, playbooks), chained like spends so that `audit verify` covers it.
SCHEMA_VERSION = 4
GENESIS_HASH = "0" * 64  # prev_hash of the first row of every organisation

SPEND = "spend"
DECISION = "decision"
POLICY = "policy"
POLICY_ID_PREFIX = "pc_"

# Crockford base32: no i, l, o, u, so ids survive being read aloud or copied by hand.
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_PREFIX = "sp_"
ID_LENGTH = 10  # 50 random bits: unguessable, and a collision is merely retried
_TYPO_FIXES = str.maketrans({"o": "0", "i": "1", "l": "1"})
_CURRENCY = re.compile(r"^[A-Z]{3}$")

_VERIFY_PAGE = 2000


# --------------------------------------------------------------------------- schema


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on both backends.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so UTC is stored naive
    and re-labelled on the way out. Naive input is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

# Schema 3 allowed only the first two; ``_allow_policy_events`` widens an older table.
_KINDS = "('spend', 'decision', 'policy')"

schema_version = Table(
    "schema_version",
    metadata,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

events = Table(
    "ledger_events",
    metadata,
    Column("org", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("entry_id", String(32), nullable=False),
    Column("user_id", Text, nullable=False),  # spender, or the manager who decided
    Column("role", String(16)),
    Column("amount_minor", BigInteger),
    Column("currency", String(3)),
    Column("reason", Text),
    Column("playbook_id", Text),
    Column("customer_ref", Text),
    Column("incident_id", Text),
    Column("status", String(16), nullable=False),
    Column("authorised_by_self", Boolean, nullable=False),
    Column("over_authority_reasons", Text, nullable=False),  # JSON list
    Column("created_at", UtcDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("org", "seq", name="pk_ledger_events"),
    UniqueConstraint("entry_id", "kind", name="uq_ledger_events_entry_kind"),
    CheckConstraint(f"kind IN {_KINDS}", name="ck_ledger_events_kind"),
    CheckConstraint("status IN ('approved', 'pending', 'denied')", name="ck_ledger_events_status"),
    Index("ix_ledger_events_org_kind_created", "org", "kind", "created_at"),
    Index("ix_ledger_events_org_customer", "org", "customer_ref", "created_at"),
    Index("ix_ledger_events_org_user", "org", "user_id", "created_at"),
    Index("ix_ledger_events_org_incident", "org", "incident_id"),
)

# A platform request (a signed Slack command, a Teams activity, a CLI idempotency key)
# that recorded a spend, written in the spend's own transaction: a retried or replayed
# delivery finds it and gets the first receipt back, even if the process that recorded
# the spend died before answering. Outside the hash chain, so old entries are unchanged.
requests = Table(
    "ledger_requests",
    metadata,
    Column("org", Text, nullable=False),
    Column("request_key", String(MAX_REQUEST_KEY), nullable=False),
    Column("entry_id", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("org", "request_key", name="pk_ledger_requests"),
)

heads = Table(
    "ledger_heads",
    metadata,
    Column("org", Text, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # The first seq hashed with COACHBOT_LEDGER_KEY (NULL: no entry keyed yet), and the
    # HMAC of the head under that key (see the module docstring, "Keyed chain").
    Column("keyed_from_seq", BigInteger),
    Column("seal", String(64)),
)


async def record_schema_version(
    conn: AsyncConnection, component: str, version: int, label: str
) -> None:
    """Note ``component``'s schema version after its tables were created or upgraded.

    Refuses a database written by a newer coachbot: its tables may mean things this one
    does not know. Shared by every store that keeps tables in this database.
    """
    found = await conn.scalar(
        select(schema_version.c.version).where(schema_version.c.component == component)
    )
    if found is None:
        await conn.execute(
            insert(schema_version).values(component=component, version=version, applied_at=utcnow())
        )
    elif found > version:
        raise StorageUnavailable(
            f"the {label} schema is version {found}, newer than this coachbot "
            f"understands ({version}); upgrade coachbot"
        )
    elif found < version:
        await conn.execute(
            update(schema_version)
            .where(schema_version.c.component == component)
            .values(version=version, applied_at=utcnow())
        )


_INCIDENT_INDEX = next(i for i in events.indexes if i.name == "ix_ledger_events_org_incident")


async def migrate(conn: AsyncConnection) -> None:
    """Create or upgrade the ledger's tables inside ``conn``'s transaction.

    Public because the checkpoint store reads the heads and may open first.
    """

    def create(sync_conn: Any) -> None:
        metadata.create_all(sync_conn)  # checkfirst: a no-op when up to date
        # Version 1 heads lack the key columns; create_all never alters a table.
        columns = {c["name"] for c in inspect(sync_conn).get_columns("ledger_heads")}
        if "keyed_from_seq" not in columns:
            sync_conn.execute(text("ALTER TABLE ledger_heads ADD COLUMN keyed_from_seq BIGINT"))
        if "seal" not in columns:
            sync_conn.execute(text("ALTER TABLE ledger_heads ADD COLUMN seal VARCHAR(64)"))
        # create_all adds no index to a table that already exists (an older ledger).
        _INCIDENT_INDEX.create(sync_conn, checkfirst=True)
        _allow_policy_events(sync_conn)

    await conn.run_sync(create)
    await record_schema_version(conn, SCHEMA_COMPONENT, SCHEMA_VERSION, "ledger")


def _allow_policy_events(sync_conn: Any) -> None:
    """Let a ledger made before schema 4 hold policy changes (widen the kind check).

    Rows are copied as they are, hashes and all: the chain does not change.
    """
    if sync_conn.dialect.name == "postgresql":
        found = sync_conn.execute(
            text(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conname = 'ck_ledger_events_kind' "
                "AND c.conrelid = 'ledger_events'::regclass"
            )
        ).scalar()
        if found is not None and "policy" not in found:
            sync_conn.execute(
                text("ALTER TABLE ledger_events DROP CONSTRAINT ck_ledger_events_kind")
            )
            sync_conn.execute(
                text(
                    "ALTER TABLE ledger_events ADD CONSTRAINT ck_ledger_events_kind "
                    f"CHECK (kind IN {_KINDS})"
                )
            )
        return
    found = sync_conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_events'")
    ).scalar()
    if found is None or "'policy'" in found:
        return
    # SQLite cannot alter a CHECK constraint: rebuild the table (its documented way), in
    # this transaction, then put its indexes back.
    create = str(CreateTable(events).compile(dialect=sync_conn.dialect))
    sync_conn.execute(text(create.replace("ledger_events", "ledger_events_v4", 1)))
    sync_conn.execute(text("INSERT INTO ledger_events_v4 SELECT * FROM ledger_events"))
    sync_conn.execute(text("DROP TABLE ledger_events"))
    sync_conn.execute(text("ALTER TABLE ledger_events_v4 RENAME TO ledger_events"))
    for index in events.indexes:
        index.create(sync_conn, checkfirst=True)


# Every column but ``hash`` goes into the hash, prev_hash included: that is the chain.
HASHED_COLUMNS = tuple(c.name for c in events.columns if c.name != "hash")


# --------------------------------------------------------------------------- pure helpers


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)


def in_period(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """Conditions for ``since <= column < until`` (UTC); an end given as None is open."""
    conditions = []
    if since is not None:
        conditions.append(column >= as_utc(since))
    if until is not None:
        conditions.append(column < as_utc(until))
    return conditions


def new_entry_id() -> str:
    return ID_PREFIX + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def normalise_entry_id(text: str) -> str | None:
    """Accept an id as a person types it ("SP_8K2…", "sp-8k2…", an O for a 0); None if invalid."""
    body = text.strip().lower()
    for prefix in ("sp_", "sp-", "sp"):
        if body.startswith(prefix) and len(body) == len(prefix) + ID_LENGTH:
            body = body[len(prefix) :]
            break
    body = body.translate(_TYPO_FIXES)
    if len(body) != ID_LENGTH or any(ch not in ID_ALPHABET for ch in body):
        return None
    return ID_PREFIX + body


def canonical_json(fields: Mapping[Any, Any]) -> bytes:
    """The exact bytes a row's hash covers: sorted keys, no spaces, UTC microsecond time."""
    payload = {name: fields[name] for name in HASHED_COLUMNS}
    payload["created_at"] = as_utc(payload["created_at"]).isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(fields: Mapping[Any, Any], key: bytes | None = None) -> str:
    """SHA-256 of the row's canonical JSON; with ``key``, HMAC-SHA256 under it."""
    if key is None:
        return hashlib.sha256(canonical_json(fields)).hexdigest()
    return hmac.new(key, canonical_json(fields), hashlib.sha256).hexdigest()


class LedgerHead(NamedTuple):
    """An organisation's head row: its newest seq and hash, and where keying began."""

    seq: int
    hash: str
    keyed_from_seq: int | None = None
    seal: str | None = None


def keyed_mac(key: bytes, purpose: str, fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 under ``key`` of ``purpose`` and a canonical JSON of ``fields``.

    The purpose keeps a head's seal from ever passing for a checkpoint's signature, or
    the other way round.
    """
    body = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, f"{purpose}\0{body}".encode(), hashlib.sha256).hexdigest()


def head_seal(key: bytes, org: str, seq: int, hash_: str, keyed_from_seq: int) -> str:
    fields = {"org": org, "seq": seq, "hash": hash_, "keyed_from_seq": keyed_from_seq}
    return keyed_mac(key, "coachbot-ledger-head", fields)


def seal_matches(key: bytes, org: str, head: LedgerHead) -> bool:
    if head.keyed_from_seq is None or head.seal is None:
        return False
    expected = head_seal(key, org, head.seq, head.hash, head.keyed_from_seq)
    return hmac.compare_digest(expected, head.seal)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    first_bad: str
    problem: str


class ChainChecker:
    """Walks one organisation's rows in seq order and reports the first break.

    Kept free of I/O so the rules are easy to read: the stored hash must match the
    recomputed one (SHA-256 before the head's ``keyed_from_seq``, HMAC under ``key`` from
    it on), each row must link to the previous, seqs must be contiguous, the last row
    must be the one the head points at, and a keyed head's seal must match.
    """

    def __init__(
        self,
        org: str,
        head: tuple[int, str] | LedgerHead | None,
        scope: str,
        key: bytes | None = None,
    ) -> None:
        self.org = org
        self.head = None if head is None else LedgerHead(*head)
        self.keyed_from = None if self.head is None else self.head.keyed_from_seq
        self.key = key
        self.scope = scope  # " in org X" when verifying every organisation, else ""
        self.checked = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.last_label = ""
        self.last_id = ""

    def feed(self, row: Mapping[Any, Any]) -> ChainProblem | None:
        seq = int(row["seq"])
        expected = self.last_seq + 1
        if seq != expected:
            return self._removed(expected, seq - 1)
        if self.head is not None and seq > self.head.seq:
            return ChainProblem(
                row["entry_id"],
                f"{_label(row)} at seq {seq} was added outside the ledger (beyond its head)"
                + self.scope,
            )
        self.checked += 1
        problem = self._check_hash(row, seq)
        if problem is not None:
            return problem
        if row["prev_hash"] != self.last_hash:
            # This row is intact but does not link back: the previous row was rewritten
            # and given a fresh hash (or this row was moved here from elsewhere).
            if seq == 1:
                return ChainProblem(
                    row["entry_id"], f"{_label(row)} does not start the chain" + self.scope
                )
            return ChainProblem(
                self.last_id,
                f"{self.last_label} was altered or replaced (the next entry no longer "
                f"links to it)" + self.scope,
            )
        self.last_seq, self.last_hash = seq, row["hash"]
        self.last_label, self.last_id = _label(row), row["entry_id"]
        return None

    def _check_hash(self, row: Mapping[Any, Any], seq: int) -> ChainProblem | None:
        stored = str(row["hash"])
        keyed = self.keyed_from is not None and seq >= self.keyed_from
        if not keyed:
            if row_hash(row) == stored:
                return None
            if self.key is not None and hmac.compare_digest(row_hash(row, self.key), stored):
                # A genuine keyed row, but the head no longer says keying began here.
                return ChainProblem(
                    row["entry_id"],
                    f"the ledger head no longer records that entries are keyed from "
                    f"{_label(row)} (its keyed_from_seq was cleared or moved)" + self.scope,
                )
            return ChainProblem(row["entry_id"], f"{_label(row)} was altered" + self.scope)
        if self.key is None:  # verify() refuses before walking; never pass unchecked rows
            return ChainProblem(
                row["entry_id"],
                f"{_label(row)} is keyed and COACHBOT_LEDGER_KEY is not set" + self.scope,
            )
        if hmac.compare_digest(row_hash(row, self.key), stored):
            return None
        if row_hash(row) == stored:
            return ChainProblem(
                row["entry_id"],
                f"{_label(row)} was added without the ledger key (its hash is not keyed)"
                + self.scope,
            )
        if seq == self.keyed_from:
            return ChainProblem(
                row["entry_id"],
                f"{_label(row)} was altered, or COACHBOT_LEDGER_KEY is not the key the "
                "ledger was keyed with" + self.scope,
            )
        return ChainProblem(row["entry_id"], f"{_label(row)} was altered" + self.scope)

    def finish(self) -> ChainProblem | None:
        if self.head is None:
            if self.checked == 0:
                return None
            return ChainProblem(
                f"seq {self.last_seq}",
                "the ledger head is missing, so removal of the newest entries cannot be "
                "ruled out" + self.scope,
            )
        head_seq, head_hash = self.head.seq, self.head.hash
        if head_seq > self.last_seq:
            return self._removed(self.last_seq + 1, head_seq)
        if head_hash != self.last_hash:
            return ChainProblem(
                self.last_id or f"seq {self.last_seq}",
                f"{self.last_label or 'the newest entry'} was altered or replaced "
                "(it no longer matches the ledger head)" + self.scope,
            )
        keyed_head = self.head.keyed_from_seq is not None or self.head.seal is not None
        if keyed_head and (self.key is None or not seal_matches(self.key, self.org, self.head)):
            # Only the key makes a seal, so a head moved by hand (rewound to an earlier
            # entry, or its keyed_from_seq changed) no longer matches it.
            return ChainProblem(
                f"seq {head_seq}",
                "the ledger head was altered: its seal does not match (moved by hand, "
                "or COACHBOT_LEDGER_KEY is not the ledger's key)" + self.scope,
            )
        return None

    def _removed(self, first: int, last: int) -> ChainProblem:
        what = (
            f"entry at seq {first} was" if first == last else f"entries at seq {first}–{last} were"
        )
        return ChainProblem(f"seq {first}", f"{what} removed" + self.scope)


def _label(row: Mapping[Any, Any]) -> str:
    if row["kind"] == POLICY:
        return f"policy change {row['entry_id']} (seq {row['seq']})"
    if row["kind"] == DECISION:
        return f"decision on entry {row['entry_id']} (seq {row['seq']})"
    return f"entry {row['entry_id']} (seq {row['seq']})"


# --------------------------------------------------------------------------- errors


class LedgerKeyMissing(InvalidInput):
    """The ledger is keyed and this process has no ``COACHBOT_LEDGER_KEY`` to check it."""


class _Retry(Exception):
    """A write lost a race that a fresh attempt will win (head created or moved meanwhile)."""


# --------------------------------------------------------------------------- the ledger


class SqlSpendLedger(DatabaseStore):
    """``SpendLedger`` on SQLite (a file) or PostgreSQL, chosen by the URL.

    ``clock`` exists for tests and imports of historical data; it must return aware times.
    ``key`` (``COACHBOT_LEDGER_KEY``): new entries are hashed with HMAC under it, and
    ``verify`` needs it to check them (see "Keyed chain" above).
    """

    what = "spend ledger"
    gave_up = (
        "the ledger could not record this after several attempts; run "
        "`coachbot audit verify` — the ledger may have been edited by hand"
    )
    always_retry = (_Retry,)

    def __init__(
        self, database: Database | str, *, clock: Clock = utcnow, key: bytes | None = None
    ) -> None:
        # A URL: the ledger has a pool of its own (tests, one-off commands). A Database:
        # shared with the other stores of the service (see bot.database).
        super().__init__(database)
        self.url = self.database.url
        self._clock = clock
        self._backend = self.database.backend
        self._key = key or None  # an empty key is no key

    @property
    def keyed(self) -> bool:
        """True when new entries are hashed with ``COACHBOT_LEDGER_KEY``."""
        return self._key is not None

    # ----------------------------------------------------------------- lifecycle

    async def _create_tables(self) -> None:
        # Two processes starting together may both try to create the tables.
        await self._write(self._migrate, retry_on=(IntegrityError, ProgrammingError))

    async def ping(self) -> bool:
        """True when the database answers a trivial query (readiness checks)."""
        return await self.database.ping()

    async def _migrate(self, conn: AsyncConnection) -> None:
        await migrate(conn)

    # ----------------------------------------------------------------- transactions

    async def _lock_head(self, conn: AsyncConnection, org: str) -> LedgerHead:
        """Lock (creating if needed) the org's head row; every append of the org queues here."""
        head = (await conn.execute(_LOCK_HEAD, {"org": org})).one_or_none()
        if head is not None:
            return self._usable_head(org, head)
        orphaned = await conn.scalar(select(func.max(events.c.seq)).where(events.c.org == org))
        if orphaned is not None:
            # Usually a racing first writer committed the head and its row between our two
            # reads (PostgreSQL reads committed data per statement): its head is there now.
            head = (await conn.execute(_LOCK_HEAD, {"org": org})).one_or_none()
            if head is not None:
                return self._usable_head(org, head)
            raise StorageUnavailable(
                "the ledger head for this organisation is missing (edited by hand?); "
                "nothing can be recorded until it is restored — run `coachbot audit verify`"
            )
        # Two first writers may both get here; the loser hits the primary key and retries.
        await conn.execute(insert(heads).values(org=org, seq=0, hash=GENESIS_HASH))
        return LedgerHead(0, GENESIS_HASH)

    def _usable_head(self, org: str, row: Any) -> LedgerHead:
        """The locked head, refused when extending it would mix keys or bless an edit."""
        head = LedgerHead(int(row.seq), str(row.hash), row.keyed_from_seq, row.seal)
        if head.keyed_from_seq is None and head.seal is None:
            return head  # never keyed: the next entry is keyed if a key is set
        if self._key is None:
            raise StorageUnavailable(
                "the ledger of this organisation is keyed (from entry "
                f"{head.keyed_from_seq}) and COACHBOT_LEDGER_KEY is not set; nothing can "
                "be recorded until it is"
            )
        if not seal_matches(self._key, org, head):
            raise StorageUnavailable(
                "the ledger head for this organisation does not match COACHBOT_LEDGER_KEY "
                "(edited by hand, or a different key); nothing can be recorded until it is "
                "restored — run `coachbot audit verify`"
            )
        return head

    async def _append(
        self, conn: AsyncConnection, org: str, head: LedgerHead, fields: dict[str, Any]
    ) -> dict[str, Any]:
        row = {**fields, "org": org, "seq": head.seq + 1, "prev_hash": head.hash}
        keyed_from = head.keyed_from_seq
        if self._key is not None and keyed_from is None:
            keyed_from = row["seq"]  # switching the key on: keyed from this entry on
        row["hash"] = row_hash(row, self._key)
        seal = (
            None
            if self._key is None or keyed_from is None
            else head_seal(self._key, org, row["seq"], row["hash"], keyed_from)
        )
        moved = {
            "head_org": org,
            "old_seq": head.seq,
            "new_seq": row["seq"],
            "new_hash": row["hash"],
            "keyed_from_seq": keyed_from,
            "seal": seal,
        }
        if self._backend == "postgresql":
            # One round trip for both while the organisation's lock is held: every
            # spend queued behind this one waits for it.
            values = {f"ev_{name}": value for name, value in row.items()}
            appended = await conn.execute(_MOVE_HEAD_AND_INSERT, {**values, **moved})
            if appended.rowcount != 1:  # the head moved: cannot happen under the lock
                raise _Retry
            return row
        await conn.execute(_INSERT_EVENT, row)
        result = await conn.execute(_MOVE_HEAD, moved)
        if result.rowcount != 1:  # cannot happen while the lock holds; never fork the chain
            raise _Retry
        return row

    # ----------------------------------------------------------------- policy changes

    async def lock_head(self, conn: AsyncConnection, org: str) -> LedgerHead:
        """Take the organisation's write lock in ``conn``'s transaction (see ``_lock_head``).

        The policy store changes an organisation's policy under it, so that a change and
        its audit entry are one step, serialised with the organisation's spends.
        """
        return await self._lock_head(conn, org)

    async def append_policy_changes(
        self,
        conn: AsyncConnection,
        org: str,
        head: LedgerHead,
        changes: list[PolicyChange],
        changed_by: str,
        role: Role | None,
    ) -> list[PolicyChange]:
        """Append ``changes`` to the organisation's chain, under the lock ``head`` holds."""
        created_at = as_utc(self._clock())
        out: list[PolicyChange] = []
        for change in changes:
            detail = {
                "what": change.what,
                "target": change.target,
                "before": change.before,
                "after": change.after,
            }
            row = await self._append(
                conn,
                org,
                head,
                {
                    "kind": POLICY,
                    "entry_id": POLICY_ID_PREFIX + new_entry_id().removeprefix(ID_PREFIX),
                    "user_id": changed_by,
                    "role": None if role is None else role.value,
                    "amount_minor": None,
                    "currency": None,
                    # What changed, as canonical JSON: the hash covers it like any reason.
                    "reason": json.dumps(detail, sort_keys=True, ensure_ascii=False),
                    "playbook_id": None,
                    "customer_ref": None,
                    "incident_id": None,
                    "status": SpendStatus.APPROVED.value,
                    "authorised_by_self": False,
                    "over_authority_reasons": "[]",
                    "created_at": created_at,
                },
            )
            head = self._head_after(org, head, row)
            out.append(_policy_change(row))
        return out

    def _head_after(self, org: str, head: LedgerHead, row: Mapping[str, Any]) -> LedgerHead:
        """The head once ``row`` is appended to ``head`` (as ``_append`` moved it)."""
        keyed_from = head.keyed_from_seq
        if self._key is not None and keyed_from is None:
            keyed_from = int(row["seq"])
        seal = (
            None
            if self._key is None or keyed_from is None
            else head_seal(self._key, org, int(row["seq"]), str(row["hash"]), keyed_from)
        )
        return LedgerHead(int(row["seq"]), str(row["hash"]), keyed_from, seal)

    async def policy_changes(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[PolicyChange]:
        query = (
            select(events)
            .where(events.c.org == org, events.c.kind == POLICY)
            .where(*in_period(events.c.created_at, since, until))
            .order_by(events.c.seq)
        )
        async with self._connection() as conn:
            rows = (await conn.execute(query)).all()
        return [_policy_change(row._mapping) for row in rows]

    # ----------------------------------------------------------------- writes

    async def authorise_and_record(
        self,
        org: str,
        user_id: str,
        role: Role,
        request: SpendRequest,
        *,
        decide: Callable[[SpendTotals], SpendVerdict],
        day_start: datetime,
        request_key: str | None = None,
        duplicates_since: datetime | None = None,
        same_reason: Callable[[str], bool] | None = None,
    ) -> RecordedSpend:
        currency = _spend_currency(request)
        if request_key is not None and not 0 < len(request_key) <= MAX_REQUEST_KEY:
            raise ValueError(f"a request key is 1 to {MAX_REQUEST_KEY} characters")
        created_at = as_utc(self._clock())
        since = as_utc(day_start)

        async def totals(conn: AsyncConnection, before_seq: int) -> SpendTotals:
            row = (
                await conn.execute(
                    _TOTALS,
                    {
                        "org": org,
                        "user_id": user_id,
                        "customer_ref": request.customer_ref,
                        "incident_id": request.incident_id,
                        "since": since,
                        "before_seq": before_seq,
                    },
                )
            ).one()
            return SpendTotals(
                int(row.self_total),
                None if request.customer_ref is None else int(row.customer_total),
                None if request.incident_id is None else int(row.incident_total),
            )

        async def work(conn: AsyncConnection) -> RecordedSpend:
            # Nothing before the head lock changes money, so it runs before the lock and
            # keeps the organisation's queue short: the request key's lookup (a replay
            # needs no lock: everything before the first entry is committed), the check
            # for a recent duplicate (a person's second thoughts, minutes apart), and the
            # request key's row. Two deliveries of one request racing past the lookup
            # meet at that row's primary key: the second waits for the first to commit,
            # fails, and its retry finds the key.
            earlier = None
            if duplicates_since is not None and same_reason is not None:
                earlier = await self._recent_match(
                    conn, org, user_id, request, as_utc(duplicates_since), same_reason
                )
            # After the duplicate check: a "duplicate" committed by another delivery of
            # this same request is then certain to be found here, and is a replay.
            if request_key is not None:
                first_id = await conn.scalar(
                    _FIND_REQUEST, {"org": org, "request_key": request_key}
                )
                if first_id is not None:
                    first = await self._fetch(conn, org, first_id)
                    assert first is not None  # spend rows are never removed
                    return RecordedSpend(first, await totals(conn, first.seq), replayed=True)
            if earlier is not None:
                return RecordedSpend(None, await totals(conn, _NO_BOUND), earlier=earlier)
            entry_id = new_entry_id()  # drawn per attempt: a collision retries
            if request_key is not None:
                await conn.execute(
                    _INSERT_REQUEST,
                    {
                        "org": org,
                        "request_key": request_key,
                        "entry_id": entry_id,
                        "created_at": created_at,
                    },
                )
            # The head lock: every spend, decision and append of this organisation queues
            # here, so the totals read next include every spend committed before ours and
            # none can be committed until ours is (PostgreSQL reads committed data per
            # statement; SQLite's BEGIN IMMEDIATE has locked the whole database).
            head = await self._lock_head(conn, org)
            seen = await totals(conn, _NO_BOUND)
            verdict = decide(seen)
            if verdict.status is SpendStatus.DENIED:
                raise ValueError("a spend is recorded approved or pending; denial is a decision")
            row = _spend_row(user_id, role, request, currency, verdict, created_at)
            row = await self._append(conn, org, head, {**row, "entry_id": entry_id})
            return RecordedSpend(_entry(row), seen)

        return await self._write(work)

    async def _recent_match(
        self,
        conn: AsyncConnection,
        org: str,
        user_id: str,
        request: SpendRequest,
        since: datetime,
        same_reason: Callable[[str], bool],
    ) -> LedgerEntry | None:
        """The latest spend by ``user_id`` since ``since`` that this one repeats, if any."""
        params = {
            "org": org,
            "user_id": user_id,
            "since": since,
            "amount_minor": request.amount.minor,
            "currency": request.amount.currency,
            "customer_ref": request.customer_ref,
        }
        # Usually no row at all; a whole entry is read only for one saying the same.
        for entry_id, reason in (await conn.execute(_SAME_AMOUNT_SINCE, params)).all():
            if not same_reason(reason):
                continue
            entry = await self._fetch(conn, org, entry_id)
            if entry and entry.status is not SpendStatus.DENIED:
                return entry
        return None

    async def record_spend(
        self,
        org: str,
        user_id: str,
        role: Role,
        request: SpendRequest,
        status: SpendStatus,
        over_authority_reasons: tuple[str, ...] = (),
    ) -> LedgerEntry:
        """Append a spend whose status the caller decided (imports, tests, benchmarks).

        The coach decides and records in one step with ``authorise_and_record``.
        """
        if status is SpendStatus.DENIED:
            raise ValueError("a spend is recorded approved or pending; denial is a decision")
        currency = _spend_currency(request)
        created_at = as_utc(self._clock())
        verdict = SpendVerdict(status, over_authority_reasons)

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            head = await self._lock_head(conn, org)
            row = _spend_row(user_id, role, request, currency, verdict, created_at)
            return await self._append(conn, org, head, row)

        return _entry(await self._write(work))

    async def decide(self, org: str, entry_id: str, decided_by: str, approve: bool) -> LedgerEntry:
        wanted = normalise_entry_id(entry_id)
        if wanted is None:
            raise NotFound(f"no spend {entry_id.strip()!r} in this organisation")
        decided_at = as_utc(self._clock())

        async def work(conn: AsyncConnection) -> LedgerEntry:
            # Spend rows never go away, so checking before taking the lock is safe, and an
            # unknown id does not create a head for an organisation that has none.
            if await self._fetch(conn, org, wanted) is None:
                raise NotFound(f"no spend {wanted} in this organisation")
            head = await self._lock_head(conn, org)
            # Re-read under the lock: another manager may have decided while we waited.
            spend = await self._fetch(conn, org, wanted)
            assert spend is not None
            if spend.decided_by is not None:
                raise AlreadyDecided(
                    f"{wanted} was already {spend.status.value} by {spend.decided_by}"
                )
            if spend.status is not SpendStatus.PENDING:
                raise AlreadyDecided(f"{wanted} was approved at once, within authority")
            status = SpendStatus.APPROVED if approve else SpendStatus.DENIED
            await self._append(
                conn,
                org,
                head,
                {
                    "kind": DECISION,
                    "entry_id": wanted,
                    "user_id": decided_by,
                    "role": None,
                    "amount_minor": None,
                    "currency": None,
                    "reason": None,
                    "playbook_id": None,
                    "customer_ref": None,
                    "incident_id": None,
                    "status": status.value,
                    "authorised_by_self": False,
                    "over_authority_reasons": "[]",
                    "created_at": decided_at,
                },
            )
            decided = await self._fetch(conn, org, wanted)
            assert decided is not None
            return decided

        # A unique-constraint clash means a racing decision won: the retry reports it.
        return await self._write(work)

    # ----------------------------------------------------------------- reads

    async def get(self, org: str, entry_id: str) -> LedgerEntry | None:
        wanted = normalise_entry_id(entry_id)
        if wanted is None:
            return None
        async with self._connection() as conn:
            return await self._fetch(conn, org, wanted)

    async def spends(
        self,
        org: str,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        customer_ref: str | None = None,
    ) -> list[LedgerEntry]:
        query = _spends_query(org).where(*in_period(_spend.c.created_at, since, until))
        if user_id is not None:
            query = query.where(_spend.c.user_id == user_id)
        if customer_ref is not None:
            query = query.where(_spend.c.customer_ref == customer_ref)
        async with self._connection() as conn:
            rows = (await conn.execute(query.order_by(_spend.c.seq))).all()
        return [_entry(row._mapping) for row in rows]

    async def pending(self, org: str) -> list[LedgerEntry]:
        # Recorded pending and no decision event yet: the managers' queue.
        query = _spends_query(org).where(
            _spend.c.status == SpendStatus.PENDING.value, _decision.c.entry_id.is_(None)
        )
        async with self._connection() as conn:
            rows = (await conn.execute(query.order_by(_spend.c.seq))).all()
        return [_entry(row._mapping) for row in rows]

    async def self_authorised_total(self, org: str, user_id: str, since: datetime) -> int:
        # Every piece of advice shows what is left of today's allowance: one statement,
        # compiled once, no BEGIN/COMMIT around it (see HotStatement).
        params = {"org": org, "user_id": user_id, "since": as_utc(since)}
        return int(await self.database.scalar(self.what, _SELF_AUTHORISED_SINCE, params) or 0)

    async def customer_total(self, org: str, customer_ref: str, since: datetime) -> int:
        query = (
            select(_sum(_spend.c.amount_minor))
            .select_from(_spend_with_decision())
            .where(
                _spend.c.org == org,
                _spend.c.kind == SPEND,
                _spend.c.customer_ref == customer_ref,
                _spend.c.created_at >= as_utc(since),
                _APPROVED,
            )
        )
        async with self._connection() as conn:
            return int(await conn.scalar(query) or 0)

    async def _fetch(self, conn: AsyncConnection, org: str, entry_id: str) -> LedgerEntry | None:
        row = (
            await conn.execute(_spends_query(org).where(_spend.c.entry_id == entry_id))
        ).one_or_none()
        return None if row is None else _entry(row._mapping)

    # ----------------------------------------------------------------- audit

    async def verify(self, org: str | None = None) -> VerifyResult:
        # One snapshot for heads and rows, so appends racing the audit are not "tampering".
        # SQLite gets that from its deferred transaction (WAL readers see a fixed state).
        options: dict[str, Any] = (
            {"isolation_level": "REPEATABLE READ"} if self._backend == "postgresql" else {}
        )
        scope_all = org is None
        checked = 0
        async with self._connection(**options) as conn:
            head_query = select(heads.c.org, heads.c.seq, heads.c.hash, *_KEY_COLUMNS)
            org_query = select(events.c.org).distinct()
            if org is not None:
                head_query = head_query.where(heads.c.org == org)
                org_query = org_query.where(events.c.org == org)
            head_rows = {
                r.org: LedgerHead(int(r.seq), str(r.hash), r.keyed_from_seq, r.seal)
                for r in await conn.execute(head_query)
            }
            keyed = sorted(o for o, h in head_rows.items() if h.keyed_from_seq is not None)
            if keyed and self._key is None:
                # Not a verdict on the ledger: without the key its keyed part cannot be read.
                raise LedgerKeyMissing(
                    f"cannot verify: the ledger of {', '.join(keyed)} is keyed; set "
                    "COACHBOT_LEDGER_KEY to the key it was recorded with"
                )
            orgs = sorted(set(head_rows) | set((await conn.scalars(org_query)).all()))
            for one in orgs:
                checker = ChainChecker(
                    one, head_rows.get(one), f" in org {one}" if scope_all else "", self._key
                )
                problem = await self._walk(conn, one, checker)
                checked += checker.checked
                if problem is not None:
                    return VerifyResult(False, checked, problem.first_bad, problem.problem)
        return VerifyResult(True, checked)

    async def _walk(
        self, conn: AsyncConnection, org: str, checker: ChainChecker
    ) -> ChainProblem | None:
        after = 0
        while True:
            page_query = (
                select(events)
                .where(events.c.org == org, events.c.seq > after)
                .order_by(events.c.seq)
                .limit(_VERIFY_PAGE)
            )
            try:
                page = (await conn.execute(page_query)).all()
            except ValueError:
                # SQLite stores whatever is typed into a column; a hand-edited timestamp
                # that cannot be read back spoils the whole page. Go row by row to name it.
                return await self._walk_slowly(conn, org, after, checker)
            for row in page:
                problem = checker.feed(row._mapping)
                if problem is not None:
                    return problem
            if len(page) < _VERIFY_PAGE:
                return checker.finish()
            after = int(page[-1].seq)

    async def _walk_slowly(
        self, conn: AsyncConnection, org: str, after: int, checker: ChainChecker
    ) -> ChainProblem | None:
        seqs = await conn.scalars(
            select(events.c.seq)
            .where(events.c.org == org, events.c.seq > after)
            .order_by(events.c.seq)
            .limit(_VERIFY_PAGE)
        )
        for seq in seqs.all():
            where = (events.c.org == org) & (events.c.seq == seq)
            try:
                row = (await conn.execute(select(events).where(where))).one()
            except ValueError as exc:
                entry_id = await conn.scalar(select(events.c.entry_id).where(where))
                return ChainProblem(
                    str(entry_id),
                    f"entry {entry_id} (seq {seq}) was altered: {exc}" + checker.scope,
                )
            problem = checker.feed(row._mapping)
            if problem is not None:
                return problem
        raise AssertionError("an unreadable page read back cleanly row by row")

    # ----------------------------------------------------------------- reports

    async def summary(
        self,
        org: str,
        since: datetime,
        until: datetime,
        by: tuple[SummaryDimension, ...] = (),
        timezone: str = "UTC",
    ) -> list[SpendSummaryRow]:
        unknown = [d for d in by if d not in _SUMMARY_DIMENSIONS]
        if unknown:
            raise ValueError(f"cannot summarise by {unknown}: use {_SUMMARY_DIMENSIONS}")
        start, end = as_utc(since), as_utc(until)
        if end <= start:
            return []
        dimensions: list[Any] = []
        if "user_id" in by:
            dimensions.append(_spend.c.user_id.label("user_id"))
        if "playbook_id" in by:
            dimensions.append(_spend.c.playbook_id.label("playbook_id"))
        if "day" in by:
            segments = _day_segments(start, end, ZoneInfo(timezone))
            dimensions.append(_local_day(self._backend, segments).label("day"))
        in_period = and_(
            _spend.c.org == org,
            _spend.c.kind == SPEND,
            _spend.c.created_at >= start,
            _spend.c.created_at < end,
        )

        def grouped(state: Any, source: Any, condition: Any) -> Any:
            # Per-row expressions in a subquery, grouping outside it: PostgreSQL refuses
            # to group by an expression whose bound parameters appear twice (it cannot
            # tell they hold the same value).
            rows = (
                select(
                    state.label("state"),
                    _spend.c.currency.label("currency"),
                    _spend.c.amount_minor.label("amount"),
                    *dimensions,
                )
                .select_from(source)
                .where(in_period, condition)
                .subquery()
            )
            keys = [rows.c[name] for name in ("state", "currency", *by)]
            return select(
                *keys, func.count().label("n"), _sum(rows.c.amount).label("total")
            ).group_by(*keys)

        # Two parts: most spends are within authority and need no decision, so they are
        # grouped by plain columns; only the few over authority are joined to their
        # decision (an index probe each). One query with the join and a CASE for every
        # row made PostgreSQL misjudge the groups and sort them on disk: 3x slower.
        query = union_all(
            grouped(
                literal(SpendState.SELF_APPROVED.value, String),
                _spend,
                _spend.c.authorised_by_self.is_(True),
            ),
            grouped(
                _decided_state(), _spend_with_decision(), _spend.c.authorised_by_self.is_(False)
            ),
        )
        async with self._connection() as conn:
            if self._backend == "postgresql":
                # The planner cannot tell how few local days there are, guesses a group per
                # row, and with the default 4 MB work_mem sorts on disk instead of hashing
                # (2x slower). Its high cost guess also turns JIT compiling on, which costs
                # 100-500 ms and saves nothing here. Both last for this transaction only.
                await conn.exec_driver_sql("SET LOCAL work_mem = '32MB'")
                await conn.exec_driver_sql("SET LOCAL jit = off")
            found = (await conn.execute(query)).all()
        return [_summary_row(row._mapping) for row in found]


# --------------------------------------------------------------------------- queries

# The append path's statements are built once: rebuilding them per write cost more CPU
# than the database round trips themselves.
_LOCK_HEAD = (
    select(heads.c.seq, heads.c.hash, heads.c.keyed_from_seq, heads.c.seal)
    .where(heads.c.org == bindparam("org"))
    .with_for_update()
)
_INSERT_EVENT = insert(events)
_MOVE_HEAD = (
    update(heads)
    .where(heads.c.org == bindparam("head_org"), heads.c.seq == bindparam("old_seq"))
    .values(
        seq=bindparam("new_seq"),
        hash=bindparam("new_hash"),
        keyed_from_seq=bindparam("keyed_from_seq"),
        seal=bindparam("seal"),
    )
)

_KEY_COLUMNS = (heads.c.keyed_from_seq, heads.c.seal)
# PostgreSQL: the head moves and the row goes in with one statement; the row is inserted
# only if the head was where the lock found it (else nothing changes and the write retries).
_MOVED = _MOVE_HEAD.returning(heads.c.org).cte("moved")
_MOVE_HEAD_AND_INSERT = (
    insert(events)
    .from_select(
        [c.name for c in events.columns],
        # Prefixed: parameters named like a column of ledger_heads would join its SET.
        select(*(bindparam(f"ev_{c.name}", type_=c.type) for c in events.columns)).select_from(
            _MOVED
        ),
    )
    .add_cte(_MOVED)
)

_spend = events.alias("spend")
_decision = events.alias("decision")


def _spend_with_decision() -> Any:
    return _spend.outerjoin(
        _decision,
        and_(
            _decision.c.org == _spend.c.org,
            _decision.c.entry_id == _spend.c.entry_id,
            _decision.c.kind == DECISION,
        ),
    )


def _spends_query(org: str) -> Any:
    return (
        select(
            *_spend.c,
            _decision.c.status.label("decided_status"),
            _decision.c.user_id.label("decided_by"),
            _decision.c.created_at.label("decided_at"),
        )
        .select_from(_spend_with_decision())
        .where(_spend.c.org == org, _spend.c.kind == SPEND)
    )


def _sum(column: Any) -> Any:
    # PostgreSQL's SUM(bigint) is numeric (a Decimal in Python); keep money integral.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


# Approved at once, or approved by a manager since: money the customer has been given.
_APPROVED = or_(
    _spend.c.authorised_by_self.is_(True), _decision.c.status == SpendStatus.APPROVED.value
)


# The three totals a spend is decided on, in one statement (it runs under the head lock,
# so every round trip there is paid by every spend of the organisation queued behind):
# the spender's own approvals today, the customer's approved spends today, the
# incident's approved spends ever. Three scalar subqueries, each on its own index
# (spender, customer, incident), so the cost stays flat however long the ledger grows;
# a manager's approval is looked up (unique index) only for spends that needed one.
# ``before_seq`` bounds them for a replayed request.
_BEFORE = bindparam("before_seq", type_=BigInteger())
_MANAGER_APPROVED = (
    select(literal(1))
    .where(
        _decision.c.org == _spend.c.org,
        _decision.c.entry_id == _spend.c.entry_id,
        _decision.c.kind == DECISION,
        _decision.c.status == SpendStatus.APPROVED.value,
    )
    .exists()
)
_GIVEN = or_(_spend.c.authorised_by_self.is_(True), _MANAGER_APPROVED)


def _total_where(*conditions: Any) -> Any:
    return (
        select(_sum(_spend.c.amount_minor))
        .where(
            _spend.c.org == bindparam("org"),
            _spend.c.kind == SPEND,
            _spend.c.seq < _BEFORE,
            *conditions,
        )
        .scalar_subquery()
    )


_TODAY = _spend.c.created_at >= bindparam("since", type_=UtcDateTime())
_TOTALS = select(
    _total_where(
        _spend.c.user_id == bindparam("user_id"), _TODAY, _spend.c.authorised_by_self.is_(True)
    ).label("self_total"),
    _total_where(
        _spend.c.customer_ref == bindparam("customer_ref", type_=Text()), _TODAY, _GIVEN
    ).label("customer_total"),
    _total_where(_spend.c.incident_id == bindparam("incident_id", type_=Text()), _GIVEN).label(
        "incident_total"
    ),
)
# A person's spends of one amount for one customer (or none) since a moment, newest first.
_CUSTOMER = bindparam("customer_ref", type_=Text())
_SAME_AMOUNT_SINCE = (
    select(_spend.c.entry_id, _spend.c.reason)
    .where(
        _spend.c.org == bindparam("org"),
        _spend.c.user_id == bindparam("user_id"),
        _spend.c.kind == SPEND,
        _spend.c.created_at >= bindparam("since", type_=UtcDateTime()),
        _spend.c.amount_minor == bindparam("amount_minor", type_=BigInteger()),
        _spend.c.currency == bindparam("currency"),
        or_(
            _spend.c.customer_ref == _CUSTOMER,
            and_(_CUSTOMER.is_(None), _spend.c.customer_ref.is_(None)),
        ),
    )
    .order_by(_spend.c.seq.desc())
)
_NO_BOUND = 2**62  # before_seq for totals over every entry
_FIND_REQUEST = select(requests.c.entry_id).where(
    requests.c.org == bindparam("org"), requests.c.request_key == bindparam("request_key")
)
_INSERT_REQUEST = insert(requests)


def _spend_currency(request: SpendRequest) -> str:
    amount = request.amount
    if amount.minor <= 0:
        raise InvalidAmount("a spend must be more than zero")
    currency = amount.currency.strip().upper()
    if not _CURRENCY.match(currency):
        raise InvalidAmount(f"unknown currency {amount.currency!r}")
    return currency


def _spend_row(
    user_id: str,
    role: Role,
    request: SpendRequest,
    currency: str,
    verdict: SpendVerdict,
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "kind": SPEND,
        "entry_id": new_entry_id(),  # drawn per attempt: a collision retries
        "user_id": user_id,
        "role": role.value,
        "amount_minor": request.amount.minor,
        "currency": currency,
        "reason": request.reason,
        "playbook_id": request.playbook_id,
        "customer_ref": request.customer_ref,
        "incident_id": request.incident_id,
        "status": verdict.status.value,
        "authorised_by_self": verdict.status is SpendStatus.APPROVED,
        "over_authority_reasons": json.dumps(list(verdict.reasons)),
        "created_at": created_at,
    }


# Only spends approved at once count against a person's own daily allowance; a
# manager's later approval is the manager's authority, not theirs.
_SELF_AUTHORISED_SINCE = HotStatement(
    select(_sum(events.c.amount_minor)).where(
        events.c.org == bindparam("org"),
        events.c.kind == SPEND,
        events.c.user_id == bindparam("user_id"),
        events.c.authorised_by_self.is_(True),
        events.c.created_at >= bindparam("since", type_=UtcDateTime()),
    )
)


def _entry(row: Mapping[Any, Any]) -> LedgerEntry:
    return LedgerEntry(
        entry_id=row["entry_id"],
        org=row["org"],
        seq=int(row["seq"]),
        user_id=row["user_id"],
        role=Role(row["role"]),
        amount=Money(int(row["amount_minor"]), row["currency"]),
        reason=row["reason"],
        playbook_id=row["playbook_id"],
        customer_ref=row["customer_ref"],
        incident_id=row["incident_id"],
        status=SpendStatus(row.get("decided_status") or row["status"]),
        created_at=row["created_at"],
        decided_by=row.get("decided_by"),
        decided_at=row.get("decided_at"),
        over_authority_reasons=tuple(json.loads(row["over_authority_reasons"])),
    )


def _policy_change(row: Mapping[Any, Any]) -> PolicyChange:
    detail = json.loads(row["reason"])
    return PolicyChange(
        what=detail["what"],
        target=detail["target"],
        before=detail["before"],
        after=detail["after"],
        changed_by=row["user_id"],
        role=None if row["role"] is None else Role(row["role"]),
        entry_id=row["entry_id"],
        seq=int(row["seq"]),
        created_at=row["created_at"],
    )


# --------------------------------------------------------------------------- SQLite


# --------------------------------------------------------------------------- summaries

_SUMMARY_DIMENSIONS: tuple[SummaryDimension, ...] = ("user_id", "playbook_id", "day")


def _decided_state() -> Any:
    """How a spend over authority stands: manager_approved, denied, or still pending."""
    return case(
        (_decision.c.status.is_(None), SpendState.PENDING.value),
        (_decision.c.status == SpendStatus.APPROVED.value, SpendState.MANAGER_APPROVED.value),
        else_=SpendState.DENIED.value,
    )


@dataclass(frozen=True, slots=True)
class _DaySegment:
    """Consecutive local days whose midnights share one UTC offset."""

    until: datetime  # UTC instant of the midnight after ``last``
    offset: timedelta
    last: date


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # In a DST gap at midnight, fold=0 takes the offset in force before the change, so
    # this is the instant the day starts; reports compute their periods the same way.
    return datetime.combine(day, time(0), tzinfo=tz)


def _day_segments(start: datetime, end: datetime, tz: ZoneInfo) -> list[_DaySegment]:
    """Split ``[start, end)`` into runs of local days with one UTC offset at each midnight.

    SQLite knows no time zones, and PostgreSQL's zone database may differ from Python's;
    shifting by a fixed offset per run gives the same local dates on both, from the same
    tables the report's period bounds come from. A year has about three runs.
    """
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    segments: list[_DaySegment] = []
    day = first
    offset = _local_midnight(day, tz).utcoffset() or timedelta(0)
    while day <= last:
        following = day + timedelta(days=1)
        next_offset = _local_midnight(following, tz).utcoffset() or timedelta(0)
        if next_offset != offset or day == last:
            until = _local_midnight(following, tz).astimezone(UTC)
            segments.append(_DaySegment(until, offset, day))
            offset = next_offset
        day = following
    return segments


def _local_day(backend: str, segments: list[_DaySegment]) -> Any:
    """SQL for the local date of ``created_at``, given the period's offset runs.

    Within a run, date(created_at + offset) is the local date. On the run's last day the
    next midnight may come at another offset: after clocks go back, the last hour of a
    25-hour day would land on the next date, so the result is capped at the run's last day.
    """
    column = _spend.c.created_at

    def shifted(segment: _DaySegment) -> Any:
        if backend == "postgresql":
            # timezone('UTC', timestamptz) is the naive UTC time, whatever the session zone.
            naive = func.timezone("UTC", column) + literal(segment.offset, Interval)
            return func.least(cast(naive, Date), literal(segment.last, Date))
        seconds = int(segment.offset.total_seconds())
        # SQLite stores the naive UTC text; date() shifts it and min() compares ISO text.
        return func.min(func.date(column, f"{seconds:+d} seconds"), segment.last.isoformat())

    if len(segments) == 1:
        return shifted(segments[0])
    return case(
        *((column < segment.until, shifted(segment)) for segment in segments[:-1]),
        else_=shifted(segments[-1]),
    )


def _summary_row(row: Mapping[Any, Any]) -> SpendSummaryRow:
    day = row.get("day")
    if isinstance(day, str):  # SQLite returns the date as ISO text
        day = date.fromisoformat(day)
    return SpendSummaryRow(
        state=SpendState(row["state"]),
        currency=row["currency"],
        count=int(row["n"]),
        total_minor=int(row["total"]),
        user_id=row.get("user_id"),
        playbook_id=row.get("playbook_id"),
        day=day,
    )


__all__ = [
    "ChainChecker",
    "LedgerHead",
    "LedgerKeyMissing",
    "SqlSpendLedger",
    "head_seal",
    "normalise_entry_id",
    "row_hash",
]
