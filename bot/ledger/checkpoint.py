"""Checkpoints: each organisation's ledger head, kept where the database cannot reach.

The hash chain (``bot.ledger.sql``) shows an entry was altered, but not that the newest
entries were deleted and the head rewound to an earlier entry, nor that an organisation
was deleted altogether: what remains is a valid, shorter chain. A checkpoint is a copy
of the head (org, seq, hash, when, and from which seq the chain is keyed) taken at one
moment and kept elsewhere; the ledger must later *extend* it: still hold the entry at
that seq with that hash. Two kinds:

* ``coachbot audit checkpoint [--out FILE]`` writes every organisation's head as JSON,
  each signed with an HMAC under ``COACHBOT_LEDGER_KEY`` when it is set (so a file made
  without the key is told apart); ``coachbot audit verify --checkpoint FILE`` fails,
  naming the organisation and the missing seqs, when the ledger no longer extends it.
* ``serve`` posts one line a day per organisation to its escalation channel, through the
  outbox ("Ledger checkpoint: 1,234 entries, head 3f9a…c2, 2026-12-06"), so the
  managers' chat history is a witness the database alone cannot rewrite. Every process
  runs the loop; a conditional UPDATE on ``ledger_checkpoints`` lets exactly one of them
  claim an organisation's day, and the outbox row is written in the same transaction.
  A day on which the head has not moved since the last line posts nothing.

An organisation's platform (where its channel is) is the one of its latest incident or
escalation; an organisation with neither (the command line's ``local``) gets no line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    MetaData,
    String,
    Table,
    Text,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock, utcnow
from bot.database import Database, DatabaseStore
from bot.errors import InvalidInput, StorageUnavailable
from bot.escalations import LEDGER_CHECKPOINT
from bot.escalations import sql as outbox_sql
from bot.incidents import incidents
from bot.ledger import sql as ledger_sql
from bot.ledger.sql import UtcDateTime, as_utc, events, heads, keyed_mac, record_schema_version
from bot.models import VerifyResult

log = structlog.get_logger(__name__)

FILE_FORMAT = "coachbot-ledger-checkpoint"
FILE_VERSION = 1
SCHEMA_COMPONENT = "ledger_checkpoints"
SCHEMA_VERSION = 1
_SIGNED = "coachbot-ledger-checkpoint"  # the HMAC's purpose: never a head seal's

metadata = MetaData()

# One row per organisation: the last checkpoint line claimed for its channel.
posted = Table(
    "ledger_checkpoints",
    metadata,
    Column("org", Text, primary_key=True),
    Column("day", Date),  # the organisation's local day it was claimed for
    Column("seq", BigInteger),
    Column("hash", String(64)),
    Column("at", UtcDateTime),
)


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One organisation's head at ``at``: the ledger held ``seq`` entries, the last ``hash``."""

    org: str
    seq: int
    hash: str
    at: datetime
    keyed_from_seq: int | None = None
    signature: str | None = None  # HMAC under COACHBOT_LEDGER_KEY; None: taken without it

    def signed_fields(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "seq": self.seq,
            "hash": self.hash,
            "at": _iso(self.at),
            "keyed_from_seq": self.keyed_from_seq,
        }

    def signed(self, key: bytes | None) -> Checkpoint:
        if key is None:
            return replace(self, signature=None)
        return replace(self, signature=keyed_mac(key, _SIGNED, self.signed_fields()))

    def signature_matches(self, key: bytes) -> bool:
        if self.signature is None:
            return False
        return hmac.compare_digest(keyed_mac(key, _SIGNED, self.signed_fields()), self.signature)

    def as_json(self) -> dict[str, Any]:
        return {**self.signed_fields(), "signature": self.signature}


def dump_checkpoints(checkpoints: Iterable[Checkpoint], taken_at: datetime) -> str:
    """The checkpoint file's text: JSON, one head per organisation."""
    document = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "taken_at": _iso(taken_at),
        "heads": [c.as_json() for c in sorted(checkpoints, key=lambda c: c.org)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_checkpoints(text: str, key: bytes | None) -> list[Checkpoint]:
    """Read a checkpoint file; ``InvalidInput`` (one line) when it is not one, or when a
    head signed with a key does not match ``key`` (altered, or another key)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not a checkpoint file (not JSON: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise InvalidInput("not a checkpoint file (write one with `coachbot audit checkpoint`)")
    if document.get("version") != FILE_VERSION:
        raise InvalidInput(f"checkpoint file version {document.get('version')!r} is not known")
    found = document.get("heads")
    if not isinstance(found, list):
        raise InvalidInput("the checkpoint file has no list of heads")
    checkpoints = [_checkpoint(item, number) for number, item in enumerate(found, start=1)]
    if key is None:
        return checkpoints  # signatures cannot be checked; the heads still can
    for checkpoint in checkpoints:
        if checkpoint.signature is not None and not checkpoint.signature_matches(key):
            raise InvalidInput(
                f"the checkpoint of org {checkpoint.org} is not signed with this "
                "COACHBOT_LEDGER_KEY (the file was altered, or taken with another key)"
            )
    return checkpoints


def _checkpoint(item: Any, number: int) -> Checkpoint:
    try:
        keyed_from = item.get("keyed_from_seq")
        checkpoint = Checkpoint(
            org=str(item["org"]),
            seq=_count(item["seq"]),
            hash=str(item["hash"]),
            at=as_utc(datetime.fromisoformat(str(item["at"]))),
            keyed_from_seq=None if keyed_from is None else _count(keyed_from),
            signature=None if item.get("signature") is None else str(item["signature"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise InvalidInput(f"head {number} of the checkpoint file is not readable") from None
    if len(checkpoint.hash) != 64:
        raise InvalidInput(f"head {number} of the checkpoint file has no 64-digit hash")
    return checkpoint


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def checkpoint_line(payload: Mapping[str, Any]) -> str:
    """What the managers' channel shows: "Ledger checkpoint: 1,234 entries, head 3f9a…c2,
    2026-12-06". Entries count every row of the chain (spends and decisions)."""
    seq = int(payload.get("seq") or 0)
    digest = str(payload.get("hash") or "")
    day = str(payload.get("day") or str(payload.get("at") or "")[:10])
    noun = "entry" if seq == 1 else "entries"
    return f"Ledger checkpoint: {seq:,} {noun}, head {digest[:4]}…{digest[-2:]}, {day}"


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _range(first: int, last: int) -> str:
    return f"entry at seq {first} is" if first == last else f"entries at seq {first}–{last} are"


# --------------------------------------------------------------------------- the store


async def migrate(conn: AsyncConnection) -> None:
    """The ledger's tables and the outbox first (heads are read, lines are enqueued)."""
    await ledger_sql.migrate(conn)
    await outbox_sql.migrate(conn)
    await conn.run_sync(metadata.create_all)
    await record_schema_version(conn, SCHEMA_COMPONENT, SCHEMA_VERSION, "ledger checkpoint")


class LedgerCheckpoints(DatabaseStore):
    """Takes checkpoints, compares the ledger with one, and claims the daily line."""

    what = "ledger checkpoint"
    gave_up = "the ledger checkpoint could not be claimed after several attempts"

    def __init__(
        self, database: Database | str, *, key: bytes | None = None, clock: Clock = utcnow
    ) -> None:
        super().__init__(database)
        self._key = key or None
        self._clock = clock

    @property
    def signs(self) -> bool:
        """True when checkpoints are signed (``COACHBOT_LEDGER_KEY`` is set)."""
        return self._key is not None

    async def _create_tables(self) -> None:
        # Two processes starting together may both try to create the tables.
        await self._write(migrate, retry_on=(IntegrityError, ProgrammingError))

    # ----------------------------------------------------------------- file checkpoints

    async def take(self) -> list[Checkpoint]:
        """Every organisation's head now, signed when there is a key."""
        at = as_utc(self._clock())
        async with self._connection() as conn:
            rows = (
                await conn.execute(
                    select(heads.c.org, heads.c.seq, heads.c.hash, heads.c.keyed_from_seq)
                    .where(heads.c.seq > 0)
                    .order_by(heads.c.org)
                )
            ).all()
        return [
            Checkpoint(r.org, int(r.seq), str(r.hash), at, r.keyed_from_seq).signed(self._key)
            for r in rows
        ]

    async def compare(self, checkpoints: Iterable[Checkpoint]) -> VerifyResult:
        """Does the ledger still extend every checkpoint? The first that it does not is
        named: its organisation and the seqs that are gone (rolled back or wiped)."""
        checked = 0
        async with self._connection() as conn:
            for checkpoint in sorted(checkpoints, key=lambda c: c.org):
                problem = await self._compare_one(conn, checkpoint)
                if problem is not None:
                    first_bad, text = problem
                    return VerifyResult(False, checked, first_bad, text)
                checked += 1
        return VerifyResult(True, checked)

    async def _compare_one(
        self, conn: AsyncConnection, checkpoint: Checkpoint
    ) -> tuple[str, str] | None:
        org, seq = checkpoint.org, checkpoint.seq
        noun = "entry" if seq == 1 else "entries"
        when = f"the checkpoint of {_iso(checkpoint.at)} had {seq:,} {noun}"
        stored = await conn.scalar(
            select(events.c.hash).where(events.c.org == org, events.c.seq == seq)
        )
        head = (
            await conn.execute(
                select(heads.c.seq, heads.c.keyed_from_seq).where(heads.c.org == org)
            )
        ).one_or_none()
        newest = await conn.scalar(select(func.max(events.c.seq)).where(events.c.org == org))
        if stored is None:
            if head is None and newest is None:
                return "seq 1", f"org {org} was wiped: {_range(1, seq)} missing ({when})"
            last = max(int(head.seq) if head is not None else 0, int(newest or 0))
            if last < seq:
                return (
                    f"seq {last + 1}",
                    f"org {org}: {_range(last + 1, seq)} missing: the ledger was rolled back "
                    f"to seq {last} ({when})",
                )
            return f"seq {seq}", f"org {org}: {_range(seq, seq)} missing ({when})"
        if stored != checkpoint.hash:
            return (
                f"seq {seq}",
                f"org {org}: the entry at seq {seq} is not the one checkpointed at "
                f"{_iso(checkpoint.at)}: the ledger up to it was rewritten",
            )
        keyed_from = None if head is None else head.keyed_from_seq
        if checkpoint.keyed_from_seq is not None and keyed_from != checkpoint.keyed_from_seq:
            return (
                f"seq {checkpoint.keyed_from_seq}",
                f"org {org}: the ledger was keyed from seq {checkpoint.keyed_from_seq} at "
                f"{_iso(checkpoint.at)}; its head now says {keyed_from}",
            )
        return None

    # ----------------------------------------------------------------- daily line

    async def due(self, day: date) -> list[tuple[str, str]]:
        """(org, platform) whose head moved since its last line and not yet claimed on
        ``day``; organisations without a known platform are left out."""
        last = posted.alias("last")
        query = (
            select(heads.c.org)
            .select_from(heads.outerjoin(last, last.c.org == heads.c.org))
            .where(
                heads.c.seq > 0,
                or_(last.c.day.is_(None), last.c.day < day),
                or_(last.c.seq.is_(None), last.c.seq != heads.c.seq, last.c.hash != heads.c.hash),
            )
            .order_by(heads.c.org)
        )
        found: list[tuple[str, str]] = []
        async with self._connection() as conn:
            for org in (await conn.scalars(query)).all():
                platform = await _platform_of(conn, org)
                if platform is not None:
                    found.append((org, platform))
        return found

    async def claim_daily(self, org: str, platform: str, day: date) -> Checkpoint | None:
        """Claim ``org``'s line for ``day`` and enqueue it, atomically; None when another
        process claimed it first, or the head has not moved since the last line."""
        now = as_utc(self._clock())
        insert = pg_insert if self.database.backend == "postgresql" else sqlite_insert

        async def work(conn: AsyncConnection) -> Checkpoint | None:
            await conn.execute(insert(posted).values(org=org).on_conflict_do_nothing())
            head = (
                await conn.execute(
                    select(heads.c.seq, heads.c.hash, heads.c.keyed_from_seq).where(
                        heads.c.org == org
                    )
                )
            ).one_or_none()
            if head is None or int(head.seq) == 0:
                return None
            # The claim: only one process sees this row match; on PostgreSQL a second
            # waits on the row lock and then re-reads it, already claimed for the day.
            claimed = await conn.execute(
                update(posted)
                .where(
                    posted.c.org == org,
                    or_(posted.c.day.is_(None), posted.c.day < day),
                    or_(
                        posted.c.seq.is_(None),
                        posted.c.seq != head.seq,
                        posted.c.hash != head.hash,
                    ),
                )
                .values(day=day, seq=head.seq, hash=head.hash, at=now)
            )
            if claimed.rowcount != 1:
                return None
            checkpoint = Checkpoint(
                org, int(head.seq), str(head.hash), now, head.keyed_from_seq
            ).signed(self._key)
            await outbox_sql.enqueue(
                conn,
                f"ledger:{day.isoformat()}",
                org,
                platform,
                LEDGER_CHECKPOINT,
                None,
                now,
                payload={**checkpoint.as_json(), "day": day.isoformat()},
            )
            return checkpoint

        return await self._write(work)


async def _platform_of(conn: AsyncConnection, org: str) -> str | None:
    """The platform of the organisation's latest incident, else of its latest escalation."""
    escalations = outbox_sql.escalations
    for table, when in ((incidents, incidents.c.opened_at), (escalations, escalations.c.opened_at)):
        platform = await conn.scalar(
            select(table.c.platform).where(table.c.org == org).order_by(when.desc()).limit(1)
        )
        if platform is not None:
            return str(platform)
    return None


# --------------------------------------------------------------------------- serve's loop


class DailyCheckpoints:
    """Posts each organisation's checkpoint line once a (local) day; runs in every process."""

    def __init__(
        self,
        store: LedgerCheckpoints,
        *,
        timezone: str = "UTC",
        clock: Clock = utcnow,
        poll_interval: float = 600.0,
        first_delay: float = 0.0,
    ) -> None:
        self.store = store
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.poll_interval = poll_interval
        self.first_delay = first_delay

    async def run_once(self) -> int:
        """Claim and enqueue what is due today; returns how many lines this process claimed."""
        day = self.clock().astimezone(self.tz).date()
        claimed = 0
        for org, platform in await self.store.due(day):
            checkpoint = await self.store.claim_daily(org, platform, day)
            if checkpoint is not None:
                claimed += 1
                log.info("ledger.checkpoint_posted", org=org, seq=checkpoint.seq, day=str(day))
        return claimed

    async def run_forever(self, stop: asyncio.Event) -> None:
        wait = self.first_delay
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if stop.is_set():
                return
            try:
                await self.run_once()
            except StorageUnavailable as exc:
                log.warning("ledger.checkpoint_storage_unavailable", error=exc.detail)
            wait = self.poll_interval


__all__ = [
    "Checkpoint",
    "DailyCheckpoints",
    "LedgerCheckpoints",
    "checkpoint_line",
    "dump_checkpoints",
    "load_checkpoints",
]
