"""Incidents with a life: opened by a situation, steps and re-routes, closed with an outcome.

The employee's *open* incident lives in shared state (Redis) so "next" and "spend" attach
to it; this module keeps every incident for good, in the ledger's database:

* ``incidents`` — one row per coaching conversation: who, what they typed, the first and
  final playbook, the words that matched, the furthest step, when it was last touched,
  how it ended (``outcome``, by whom, when, note, whether a review was posted), how
  often the employee was asked, and the optional customer pulse (code and answer).
* ``incident_feedback`` — "was this the right playbook?", append-only: a *re-route*
  (Not this one: from which playbook to which, with the words that had matched) and the
  *outcome* recorded against the playbook that was followed. Owners read it with
  ``coachbot playbooks stats`` to find weak triggers.

Outcome prompts go out through the escalations' outbox table (same database): a prompt
and the incident's "asked" counter are written in one transaction, so a crash never
asks twice nor loses the ask. Spends and escalations already carry the incident id.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.database import Database, DatabaseStore, HotStatement
from bot.errors import AlreadyDecided, InvalidInput, NotFound
from bot.escalations import OUTCOME_PROMPT
from bot.escalations import sql as outbox_sql
from bot.inputs import MAX_NOTE_CHARS, plain_text
from bot.ledger.sql import (
    UtcDateTime,
    as_utc,
    in_period,
    record_schema_version,
)

T = TypeVar("T")

SCHEMA_COMPONENT = "incidents"
SCHEMA_VERSION = 1
# 10 characters of a 32-letter alphabet: 50 bits. A pulse code is typed or tapped by a
# customer, so it stays short, but nobody can walk the space to answer for others.
PULSE_CODE_LENGTH = 10
PULSE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud safely


class Outcome(StrEnum):
    """How an incident ended, as the employee saw it."""

    WON = "won"  # won back: the customer left happy
    CALMED = "calmed"  # calmed but still unhappy
    LOST = "lost"  # the customer is gone / will not return
    UNSURE = "unsure"  # the employee could not tell
    UNKNOWN = "unknown"  # nobody answered the prompts: recorded by the system

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Outcome:
        """Staff wording in; ``unknown`` is the system's, never typed by a person."""
        word = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        found = _ALIASES.get(word)
        if found is None:
            raise InvalidInput(f"unknown outcome {text.strip()!r}: say won, calmed, lost or unsure")
        return found


_LABELS = {
    Outcome.WON: "Won back",
    Outcome.CALMED: "Calmed, still unhappy",
    Outcome.LOST: "Lost",
    Outcome.UNSURE: "Not sure",
    Outcome.UNKNOWN: "No answer",
}
_ALIASES = {
    "won": Outcome.WON,
    "won back": Outcome.WON,
    "win": Outcome.WON,
    "happy": Outcome.WON,
    "calmed": Outcome.CALMED,
    "calm": Outcome.CALMED,
    "calmed but unhappy": Outcome.CALMED,
    "unhappy": Outcome.CALMED,
    "lost": Outcome.LOST,
    "gone": Outcome.LOST,
    "unsure": Outcome.UNSURE,
    "not sure": Outcome.UNSURE,
    "dont know": Outcome.UNSURE,
    "don't know": Outcome.UNSURE,
}
# Outcomes that say whether the customer was won back; the rest say nothing either way.
DECIDED = frozenset({Outcome.WON, Outcome.CALMED, Outcome.LOST})


class PulseAnswer(StrEnum):
    """The customer's side: "did we put it right?"."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


# What a staff outcome claims, in the customer's terms: the perception gap compares them.
STAFF_CLAIM = {Outcome.WON: PulseAnswer.YES, Outcome.CALMED: PulseAnswer.PARTLY,
               Outcome.LOST: PulseAnswer.NO}  # fmt: skip


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    incident_id: str
    org: str
    user_id: str
    platform: str
    situation: str
    first_playbook_id: str
    playbook_id: str  # the playbook followed in the end (after any 'Not this one')
    matched_terms: tuple[str, ...]
    customer_ref: str | None
    steps_taken: int
    opened_at: datetime
    last_activity_at: datetime
    outcome: Outcome | None = None
    outcome_note: str | None = None
    review_posted: bool | None = None
    outcome_by: str | None = None  # a user id, or "system" for unknown
    outcome_at: datetime | None = None
    prompts_sent: int = 0
    last_prompted_at: datetime | None = None
    pulse_code: str | None = None
    pulse_answer: PulseAnswer | None = None
    pulse_note: str | None = None
    pulse_answered_at: datetime | None = None

    @property
    def rerouted(self) -> bool:
        return self.playbook_id != self.first_playbook_id


@dataclass(frozen=True, slots=True)
class Feedback:
    """One "was this the right playbook?" signal."""

    org: str
    incident_id: str
    kind: str  # "reroute" | "outcome"
    playbook_id: str  # the playbook judged: the one left, or the one followed
    chosen_playbook_id: str | None  # for a re-route: where the employee went instead
    matched_terms: tuple[str, ...]
    situation: str
    outcome: Outcome | None
    at: datetime


class IncidentStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def open_incident(
        self,
        *,
        org: str,
        user_id: str,
        platform: str,
        incident_id: str,
        situation: str,
        playbook_id: str,
        matched_terms: Sequence[str],
        customer_ref: str | None,
        at: datetime,
    ) -> None: ...

    async def touch(
        self, org: str, incident_id: str, at: datetime, step: int | None = None
    ) -> None: ...

    async def reroute(
        self,
        org: str,
        incident_id: str,
        user_id: str,
        to_playbook: str,
        at: datetime,
    ) -> None: ...

    async def record_outcome(
        self,
        org: str,
        incident_id: str,
        outcome: Outcome,
        by: str,
        at: datetime,
        *,
        note: str | None = None,
        review_posted: bool | None = None,
    ) -> IncidentRecord: ...

    async def get(self, org: str, incident_id: str) -> IncidentRecord | None: ...

    async def latest_without_outcome(self, org: str, user_id: str) -> IncidentRecord | None: ...

    async def opened_between(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[IncidentRecord]: ...

    async def feedback(self, org: str, since: datetime | None = None) -> list[Feedback]: ...

    async def awaiting_outcome(
        self, older_than: datetime, limit: int = 100
    ) -> list[IncidentRecord]: ...

    async def prompt(
        self, org: str, incident_id: str, *, asked: int, at: datetime
    ) -> IncidentRecord | None: ...

    async def expire(
        self, org: str, incident_id: str, *, asked: int, at: datetime
    ) -> IncidentRecord | None: ...

    async def create_pulse(self, org: str, incident_id: str, at: datetime) -> str: ...

    async def by_pulse(self, code: str) -> IncidentRecord | None: ...

    async def answer_pulse(
        self, code: str, answer: PulseAnswer, note: str | None, at: datetime
    ) -> IncidentRecord: ...


metadata = MetaData()

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(32), primary_key=True),
    Column("org", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("platform", String(32), nullable=False),
    Column("situation", Text, nullable=False),
    Column("first_playbook_id", Text, nullable=False),
    Column("playbook_id", Text, nullable=False),
    Column("matched_terms", Text, nullable=False),  # JSON list
    Column("customer_ref", Text),
    Column("steps_taken", Integer, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("last_activity_at", UtcDateTime, nullable=False),
    Column("outcome", String(16)),
    Column("outcome_note", Text),
    Column("review_posted", Boolean),
    Column("outcome_by", Text),
    Column("outcome_at", UtcDateTime),
    Column("prompts_sent", Integer, nullable=False),
    Column("last_prompted_at", UtcDateTime),
    Column("pulse_code", String(16), unique=True),
    Column("pulse_answer", String(16)),
    Column("pulse_note", Text),
    Column("pulse_answered_at", UtcDateTime),
)
Index("ix_incidents_org_opened", incidents.c.org, incidents.c.opened_at)
# The prompter's scan: incidents still without an outcome, oldest activity first.
Index("ix_incidents_outcome_activity", incidents.c.outcome, incidents.c.last_activity_at)
# Run on every piece of advice; the columns open_incident fills, the rest start NULL.
_OPEN_INCIDENT = HotStatement(
    insert(incidents).values(
        {
            name: bindparam(name, type_=incidents.c[name].type)
            for name in (
                "incident_id",
                "org",
                "user_id",
                "platform",
                "situation",
                "first_playbook_id",
                "playbook_id",
                "matched_terms",
                "customer_ref",
                "steps_taken",
                "opened_at",
                "last_activity_at",
                "prompts_sent",
            )
        }
    )
)

incident_feedback = Table(
    "incident_feedback",
    metadata,
    Column("feedback_id", Integer, primary_key=True, autoincrement=True),
    Column("org", Text, nullable=False),
    Column("incident_id", String(32), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("playbook_id", Text, nullable=False),
    Column("chosen_playbook_id", Text),
    Column("matched_terms", Text, nullable=False),
    Column("situation", Text, nullable=False),
    Column("outcome", String(16)),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_incident_feedback_org_at", "org", "at"),
)


def new_pulse_code() -> str:
    return "".join(secrets.choice(PULSE_ALPHABET) for _ in range(PULSE_CODE_LENGTH))


def clean_note(note: str | None) -> str | None:
    return plain_text(note or "", "note", MAX_NOTE_CHARS) or None


class SqlIncidentStore(DatabaseStore):
    """``IncidentStore`` on SQLite (a file) or PostgreSQL: the ledger's database."""

    what = "incident"
    gave_up = "the incident could not be recorded after several attempts"

    def __init__(self, database: Database | str) -> None:
        # A URL: a pool of its own; a Database: shared with the other stores.
        super().__init__(database)
        self.url = self.database.url
        self._backend = self.database.backend

    # ----------------------------------------------------------------- lifecycle

    async def _create_tables(self) -> None:
        # Two processes starting together may both try to create the tables.
        await self._write(self._migrate, retry_on=(IntegrityError, ProgrammingError))

    async def _migrate(self, conn: AsyncConnection) -> None:
        # The outbox table must exist (and have its payload column) before a prompt is
        # written, whichever store a process happens to open first.
        await outbox_sql.migrate(conn)
        await conn.run_sync(lambda sync_conn: metadata.create_all(sync_conn))
        await record_schema_version(conn, SCHEMA_COMPONENT, SCHEMA_VERSION, "incidents")

    # ----------------------------------------------------------------- the life

    async def open_incident(
        self,
        *,
        org: str,
        user_id: str,
        platform: str,
        incident_id: str,
        situation: str,
        playbook_id: str,
        matched_terms: Sequence[str],
        customer_ref: str | None,
        at: datetime,
    ) -> None:
        now = as_utc(at)
        row = {
            "incident_id": incident_id,
            "org": org,
            "user_id": user_id,
            "platform": platform,
            "situation": situation,
            "first_playbook_id": playbook_id,
            "playbook_id": playbook_id,
            "matched_terms": json.dumps(list(matched_terms), ensure_ascii=False),
            "customer_ref": customer_ref,
            "steps_taken": 1,
            "opened_at": now,
            "last_activity_at": now,
            "prompts_sent": 0,
        }

        # One INSERT, run on every piece of advice: no read before or after it. Ids are
        # new random ones, so a clash means this very incident was already opened.
        with contextlib.suppress(IntegrityError):
            await self.database.execute(self.what, _OPEN_INCIDENT, row)

    async def touch(
        self, org: str, incident_id: str, at: datetime, step: int | None = None
    ) -> None:
        """Something happened on the incident: the quiet period starts again."""
        values: dict[str, Any] = {"last_activity_at": as_utc(at)}

        async def work(conn: AsyncConnection) -> None:
            if step is not None:
                current = await conn.scalar(
                    select(incidents.c.steps_taken).where(
                        incidents.c.org == org, incidents.c.incident_id == incident_id
                    )
                )
                if current is not None and step > current:
                    values["steps_taken"] = step
            await conn.execute(
                update(incidents)
                .where(incidents.c.org == org, incidents.c.incident_id == incident_id)
                .values(**values)
            )

        await self._write(work)

    async def reroute(
        self,
        org: str,
        incident_id: str,
        user_id: str,
        to_playbook: str,
        at: datetime,
    ) -> None:
        """'Not this one': the playbook followed changes; the one left is told why."""
        now = as_utc(at)

        async def work(conn: AsyncConnection) -> None:
            row = await _fetch(conn, org, incident_id)
            if row is None:
                raise NotFound(f"no incident {incident_id!r} in this organisation")
            if row.playbook_id == to_playbook:
                return
            await conn.execute(
                update(incidents)
                .where(incidents.c.org == org, incidents.c.incident_id == incident_id)
                .values(playbook_id=to_playbook, steps_taken=1, last_activity_at=now)
            )
            await _feedback(conn, row, user_id, "reroute", row.playbook_id, to_playbook, None, now)

        await self._write(work)

    async def record_outcome(
        self,
        org: str,
        incident_id: str,
        outcome: Outcome,
        by: str,
        at: datetime,
        *,
        note: str | None = None,
        review_posted: bool | None = None,
    ) -> IncidentRecord:
        """Close an incident with how it ended, once.

        A person's answer after the system recorded 'unknown' replaces it (a late
        answer is better data than none); a second person's answer is refused.
        """
        now = as_utc(at)
        note = clean_note(note)

        async def work(conn: AsyncConnection) -> IncidentRecord:
            row = await _fetch(conn, org, incident_id, lock=True)
            if row is None:
                raise NotFound(f"no incident {incident_id!r} in this organisation")
            if row.outcome is not None and row.outcome is not Outcome.UNKNOWN:
                raise AlreadyDecided(
                    f"{incident_id} was already recorded as {row.outcome.label.lower()}"
                )
            result = await conn.execute(
                update(incidents)
                .where(
                    incidents.c.org == org,
                    incidents.c.incident_id == incident_id,
                    # Guarded: a racing answer (two devices, a double tap) loses cleanly.
                    or_(
                        incidents.c.outcome.is_(None),
                        incidents.c.outcome == Outcome.UNKNOWN.value,
                    ),
                )
                .values(
                    outcome=outcome.value,
                    outcome_note=note,
                    review_posted=review_posted,
                    outcome_by=by,
                    outcome_at=now,
                )
            )
            if result.rowcount != 1:
                raise AlreadyDecided(f"{incident_id} already has an outcome")
            await _feedback(conn, row, by, "outcome", row.playbook_id, None, outcome, now)
            return await _require(conn, org, incident_id)

        return await self._write(work)

    # ----------------------------------------------------------------- prompts

    async def awaiting_outcome(
        self, older_than: datetime, limit: int = 100
    ) -> list[IncidentRecord]:
        """Incidents with no outcome, quiet (or last asked) at or before ``older_than``."""
        cutoff = as_utc(older_than)
        query = (
            select(incidents)
            .where(
                incidents.c.outcome.is_(None),
                or_(
                    and_(incidents.c.prompts_sent == 0, incidents.c.last_activity_at <= cutoff),
                    and_(incidents.c.prompts_sent > 0, incidents.c.last_prompted_at <= cutoff),
                ),
            )
            .order_by(incidents.c.last_activity_at)
            .limit(limit)
        )
        async with self._connection() as conn:
            return [_record(r._mapping) for r in (await conn.execute(query)).all()]

    async def prompt(
        self, org: str, incident_id: str, *, asked: int, at: datetime
    ) -> IncidentRecord | None:
        """Count one more ask and enqueue the 'incident.outcome' message, atomically.

        ``asked`` is how many asks the caller saw: when another process got there first
        (or the employee answered meanwhile), nothing changes and None is returned.
        """
        now = as_utc(at)

        async def work(conn: AsyncConnection) -> IncidentRecord | None:
            result = await conn.execute(
                update(incidents)
                .where(
                    incidents.c.org == org,
                    incidents.c.incident_id == incident_id,
                    incidents.c.outcome.is_(None),
                    incidents.c.prompts_sent == asked,
                )
                .values(prompts_sent=asked + 1, last_prompted_at=now)
            )
            if result.rowcount != 1:
                return None
            record = await _require(conn, org, incident_id)
            await outbox_sql.enqueue(
                conn,
                incident_id,
                org,
                record.platform,
                OUTCOME_PROMPT,
                record.user_id,
                now,
                payload=prompt_payload(record),
            )
            return record

        return await self._write(work)

    async def expire(
        self, org: str, incident_id: str, *, asked: int, at: datetime
    ) -> IncidentRecord | None:
        """Nobody answered the asks: record 'unknown' (never asked again)."""
        now = as_utc(at)

        async def work(conn: AsyncConnection) -> IncidentRecord | None:
            result = await conn.execute(
                update(incidents)
                .where(
                    incidents.c.org == org,
                    incidents.c.incident_id == incident_id,
                    incidents.c.outcome.is_(None),
                    incidents.c.prompts_sent == asked,
                )
                .values(outcome=Outcome.UNKNOWN.value, outcome_by=SYSTEM, outcome_at=now)
            )
            return await _require(conn, org, incident_id) if result.rowcount == 1 else None

        return await self._write(work)

    # ----------------------------------------------------------------- customer pulse

    async def create_pulse(self, org: str, incident_id: str, at: datetime) -> str:
        """The incident's pulse code, made on first asking (the same one after that)."""

        async def work(conn: AsyncConnection) -> str:
            row = await _fetch(conn, org, incident_id, lock=True)
            if row is None:
                raise NotFound(f"no incident {incident_id!r} in this organisation")
            if row.pulse_code is not None:
                return row.pulse_code
            code = new_pulse_code()  # a clash hits the unique index; _write retries
            await conn.execute(
                update(incidents)
                .where(incidents.c.org == org, incidents.c.incident_id == incident_id)
                .values(pulse_code=code)
            )
            return code

        return await self._write(work)

    async def by_pulse(self, code: str) -> IncidentRecord | None:
        code = code.strip().lower()
        if len(code) != PULSE_CODE_LENGTH or any(c not in PULSE_ALPHABET for c in code):
            return None  # not worth a query, and keeps odd input away from the database
        async with self._connection() as conn:
            row = (
                await conn.execute(select(incidents).where(incidents.c.pulse_code == code))
            ).one_or_none()
        return None if row is None else _record(row._mapping)

    async def answer_pulse(
        self, code: str, answer: PulseAnswer, note: str | None, at: datetime
    ) -> IncidentRecord:
        found = await self.by_pulse(code)
        if found is None:
            raise NotFound("that code is not recognised")
        note = clean_note(note)

        async def work(conn: AsyncConnection) -> IncidentRecord:
            result = await conn.execute(
                update(incidents)
                .where(
                    incidents.c.incident_id == found.incident_id,
                    incidents.c.pulse_answer.is_(None),
                )
                .values(pulse_answer=answer.value, pulse_note=note, pulse_answered_at=as_utc(at))
            )
            if result.rowcount != 1:
                raise AlreadyDecided("thank you — this was already answered")
            return await _require(conn, found.org, found.incident_id)

        return await self._write(work)

    # ----------------------------------------------------------------- reads

    async def get(self, org: str, incident_id: str) -> IncidentRecord | None:
        async with self._connection() as conn:
            return await _fetch(conn, org, incident_id.strip())

    async def latest_without_outcome(self, org: str, user_id: str) -> IncidentRecord | None:
        """The employee's most recent incident still waiting for an outcome."""
        query = (
            select(incidents)
            .where(
                incidents.c.org == org,
                incidents.c.user_id == user_id,
                or_(incidents.c.outcome.is_(None), incidents.c.outcome == Outcome.UNKNOWN.value),
            )
            .order_by(incidents.c.last_activity_at.desc())
            .limit(1)
        )
        async with self._connection() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else _record(row._mapping)

    async def opened_between(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[IncidentRecord]:
        """Incidents opened in [since, until), oldest first."""
        query = (
            select(incidents)
            .where(incidents.c.org == org, *in_period(incidents.c.opened_at, since, until))
            .order_by(incidents.c.opened_at, incidents.c.incident_id)
        )
        async with self._connection() as conn:
            return [_record(r._mapping) for r in (await conn.execute(query)).all()]

    async def feedback(self, org: str, since: datetime | None = None) -> list[Feedback]:
        query = (
            select(incident_feedback)
            .where(incident_feedback.c.org == org, *in_period(incident_feedback.c.at, since, None))
            .order_by(incident_feedback.c.feedback_id)
        )
        async with self._connection() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Feedback(
                org=r.org,
                incident_id=r.incident_id,
                kind=r.kind,
                playbook_id=r.playbook_id,
                chosen_playbook_id=r.chosen_playbook_id,
                matched_terms=tuple(json.loads(r.matched_terms)),
                situation=r.situation,
                outcome=None if r.outcome is None else Outcome(r.outcome),
                at=r.at,
            )
            for r in rows
        ]

    async def ping(self) -> bool:
        async with self._connection() as conn:
            await conn.scalar(select(1))
        return True


SYSTEM = "system"


def prompt_payload(record: IncidentRecord) -> dict[str, Any]:
    """What an outcome prompt shows: enough to recognise the incident, nothing more."""
    return {
        "incident_id": record.incident_id,
        "situation": record.situation[:200],
        "playbook_id": record.playbook_id,
        "opened_at": record.opened_at.isoformat(),
        "ask": record.prompts_sent,  # 1 the first time, 2 the last
        "outcomes": [o.value for o in (Outcome.WON, Outcome.CALMED, Outcome.LOST, Outcome.UNSURE)],
    }


async def _fetch(
    conn: AsyncConnection, org: str, incident_id: str, *, lock: bool = False
) -> IncidentRecord | None:
    query = select(incidents).where(incidents.c.org == org, incidents.c.incident_id == incident_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _record(row._mapping)


async def _require(conn: AsyncConnection, org: str, incident_id: str) -> IncidentRecord:
    record = await _fetch(conn, org, incident_id)
    assert record is not None
    return record


async def _feedback(
    conn: AsyncConnection,
    row: IncidentRecord,
    user_id: str,
    kind: str,
    playbook_id: str,
    chosen: str | None,
    outcome: Outcome | None,
    at: datetime,
) -> None:
    await conn.execute(
        insert(incident_feedback).values(
            org=row.org,
            incident_id=row.incident_id,
            user_id=user_id,
            kind=kind,
            playbook_id=playbook_id,
            chosen_playbook_id=chosen,
            matched_terms=json.dumps(list(row.matched_terms), ensure_ascii=False),
            situation=row.situation,
            outcome=None if outcome is None else outcome.value,
            at=at,
        )
    )


def _record(row: Mapping[Any, Any]) -> IncidentRecord:
    return IncidentRecord(
        incident_id=row["incident_id"],
        org=row["org"],
        user_id=row["user_id"],
        platform=row["platform"],
        situation=row["situation"],
        first_playbook_id=row["first_playbook_id"],
        playbook_id=row["playbook_id"],
        matched_terms=tuple(json.loads(row["matched_terms"])),
        customer_ref=row["customer_ref"],
        steps_taken=int(row["steps_taken"]),
        opened_at=row["opened_at"],
        last_activity_at=row["last_activity_at"],
        outcome=None if row["outcome"] is None else Outcome(row["outcome"]),
        outcome_note=row["outcome_note"],
        review_posted=None if row["review_posted"] is None else bool(row["review_posted"]),
        outcome_by=row["outcome_by"],
        outcome_at=row["outcome_at"],
        prompts_sent=int(row["prompts_sent"]),
        last_prompted_at=row["last_prompted_at"],
        pulse_code=row["pulse_code"],
        pulse_answer=None if row["pulse_answer"] is None else PulseAnswer(row["pulse_answer"]),
        pulse_note=row["pulse_note"],
        pulse_answered_at=row["pulse_answered_at"],
    )


def open_incidents(database: Database | str) -> SqlIncidentStore:
    """The store for ``url`` (the ledger's database), not yet connected: ``await open()``."""
    return SqlIncidentStore(database)


__all__ = [
    "DECIDED",
    "Feedback",
    "IncidentRecord",
    "IncidentStore",
    "Outcome",
    "PulseAnswer",
    "SqlIncidentStore",
    "incident_feedback",
    "incidents",
    "open_incidents",
]
