"""Escalations and their notification outbox in SQL: SQLAlchemy async Core, SQLite or PG.

Lives in the ledger's database, in its own tables:

* ``escalations`` — one row per escalation, its current state (status, level, who
  acknowledged / took over / resolved) and ``channel_ref``, the platform's handle of the
  channel message, so later updates edit that message instead of posting new ones.
* ``escalation_events`` — append-only history: who did what, when.
* ``notifications`` — the outbox. A row is written in the same transaction as the change
  it announces, so nothing is announced that did not happen and nothing that happened
  goes unannounced, whatever crashes. Workers *claim* rows with a lease
  (``claimed_until``): on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` lets several
  processes claim side by side without waiting on or double-claiming each other; on
  SQLite the write transaction (``BEGIN IMMEDIATE``) serialises claimers. Either way the
  claim itself is a conditional UPDATE, so a row claimed by someone else is never taken.
  A worker that dies mid-delivery loses its lease and the row is delivered by another:
  delivery is at least once, never zero times. Messages about an incident rather than
  an escalation ('incident.outcome') share the table: ``escalation_id`` then holds the
  incident id and ``payload`` what the message says (see ``bot.incidents``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    exists,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock, utcnow
from bot.database import Database, DatabaseStore
from bot.errors import AlreadyDecided, InvalidInput, NotFound
from bot.escalations import OPENED, OUTCOME_PROMPT, RENOTIFY, SPEND_DECIDED, UPDATED
from bot.ledger.sql import (
    UtcDateTime,
    as_utc,
    in_period,
    record_schema_version,
    schema_version,
)
from bot.models import (
    EscalationAction,
    EscalationRecord,
    EscalationStatus,
    Notification,
    Role,
)

T = TypeVar("T")

SCHEMA_COMPONENT = "escalations"
# 2: notifications.payload (messages that are about an incident, not an escalation).
SCHEMA_VERSION = 2
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # as the ledger's: no i, l, o, u
DEFAULT_LEASE = timedelta(seconds=60)  # longer than any one delivery attempt may take
_ERROR_CHARS = 500
SYSTEM = "system"  # the 'user' of transitions nobody clicked (re-notify, move up)

OPEN, ACKED = EscalationStatus.OPEN.value, EscalationStatus.ACKNOWLEDGED.value
TAKEN, RESOLVED = EscalationStatus.TAKEN_OVER.value, EscalationStatus.RESOLVED.value

metadata = MetaData()

escalations = Table(
    "escalations",
    metadata,
    Column("escalation_id", String(32), primary_key=True),
    Column("org", Text, nullable=False),
    Column("platform", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    # What makes a second raise the same escalation: the entry for a spend, the incident
    # for a situation. Unique among unresolved rows (partial index below).
    Column("dedupe_key", Text),
    Column("reasons", Text, nullable=False),  # JSON list
    Column("summary", Text, nullable=False),
    Column("raised_by", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("level", String(16), nullable=False),
    Column("playbook_id", Text),
    Column("incident_id", Text),
    Column("entry_id", String(32)),
    Column("notified_count", Integer, nullable=False),
    Column("renotified_at_level", Integer, nullable=False),
    Column("last_notified_at", UtcDateTime, nullable=False),
    Column("acknowledged_by", Text),
    Column("acknowledged_at", UtcDateTime),
    Column("taken_over_by", Text),
    Column("resolved_by", Text),
    Column("resolved_at", UtcDateTime),
    Column("channel_ref", Text),
)
Index(
    "uq_escalations_open_dedupe",
    escalations.c.org,
    escalations.c.kind,
    escalations.c.dedupe_key,
    unique=True,
    sqlite_where=text("status <> 'resolved' AND dedupe_key IS NOT NULL"),
    postgresql_where=text("status <> 'resolved' AND dedupe_key IS NOT NULL"),
)
Index("ix_escalations_org_opened", escalations.c.org, escalations.c.opened_at)
Index("ix_escalations_org_entry", escalations.c.org, escalations.c.entry_id)
Index("ix_escalations_status_notified", escalations.c.status, escalations.c.last_notified_at)

escalation_events = Table(
    "escalation_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(32), nullable=False),
    Column("org", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("detail", Text),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_escalation_events_escalation", "escalation_id", "event_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", String(32), primary_key=True),
    Column("org", Text, nullable=False),
    Column("platform", String(32), nullable=False),
    Column("topic", String(32), nullable=False),
    # The escalation a message is about; for incident topics ("incident.*"), the incident.
    Column("escalation_id", String(32), nullable=False),
    Column("recipient", Text),  # a user id for a direct message; NULL: the channel
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    Column("given_up_at", UtcDateTime),
    Column("ref", Text),
    Column("last_error", Text),
    # JSON: everything a self-contained message needs to be rendered (incident topics).
    Column("payload", Text),
)
Index(
    "ix_notifications_due",
    notifications.c.platform,
    notifications.c.next_attempt_at,
    sqlite_where=text("delivered_at IS NULL AND given_up_at IS NULL"),
    postgresql_where=text("delivered_at IS NULL AND given_up_at IS NULL"),
)
Index("ix_notifications_escalation", notifications.c.escalation_id, notifications.c.topic)


async def migrate(conn: AsyncConnection) -> None:
    """Create or upgrade the escalation tables and the outbox, inside ``conn``'s transaction.

    Public because the incident store writes outbox rows too and may open first.
    """

    def create(sync_conn: Any) -> None:
        schema_version.create(sync_conn, checkfirst=True)
        metadata.create_all(sync_conn)
        # Version 1 databases lack the payload column; create_all never alters a table.
        columns = {c["name"] for c in inspect(sync_conn).get_columns("notifications")}
        if "payload" not in columns:
            sync_conn.execute(text("ALTER TABLE notifications ADD COLUMN payload TEXT"))

    await conn.run_sync(create)
    await record_schema_version(conn, SCHEMA_COMPONENT, SCHEMA_VERSION, "escalations")


def _new_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


class SqlEscalationStore(DatabaseStore):
    """``EscalationStore`` on SQLite (a file) or PostgreSQL, chosen by the URL."""

    what = "escalation"
    gave_up = "the escalation could not be recorded after several attempts"

    def __init__(
        self,
        database: Database | str,
        *,
        clock: Clock = utcnow,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        # A URL: a pool of its own; a Database: shared with the other stores.
        super().__init__(database)
        self.url = self.database.url
        self._clock = clock
        self._lease = lease
        self._backend = self.database.backend

    # ----------------------------------------------------------------- lifecycle

    async def _create_tables(self) -> None:
        # Two processes starting together may both try to create the tables.
        await self._write(self._migrate, retry_on=(IntegrityError, ProgrammingError))

    async def _migrate(self, conn: AsyncConnection) -> None:
        await migrate(conn)

    def _now(self) -> datetime:
        return as_utc(self._clock())

    # ----------------------------------------------------------------- escalations

    async def raise_escalation(
        self,
        *,
        org: str,
        platform: str,
        kind: str,
        reasons: tuple[str, ...],
        summary: str,
        raised_by: str,
        level: Role,
        playbook_id: str | None = None,
        incident_id: str | None = None,
        entry_id: str | None = None,
    ) -> EscalationRecord:
        if kind not in {"spend", "situation"}:
            raise ValueError(f"unknown escalation kind {kind!r}")
        if kind == "spend" and entry_id is None:
            raise ValueError("a spend escalation needs the entry id")
        # A spend is escalated once per entry; a situation once per incident.
        dedupe_key = entry_id if kind == "spend" else incident_id
        now = self._now()

        async def work(conn: AsyncConnection) -> EscalationRecord:
            if dedupe_key is not None:
                existing = await conn.scalar(
                    select(escalations.c.escalation_id).where(
                        escalations.c.org == org,
                        escalations.c.kind == kind,
                        escalations.c.dedupe_key == dedupe_key,
                        escalations.c.status != RESOLVED,
                    )
                )
                if existing is not None:
                    return await self._require(conn, org, existing)
            escalation_id = _new_id("es_")
            await conn.execute(
                insert(escalations).values(
                    escalation_id=escalation_id,
                    org=org,
                    platform=platform,
                    kind=kind,
                    dedupe_key=dedupe_key,
                    reasons=json.dumps(list(reasons)),
                    summary=summary,
                    raised_by=raised_by,
                    opened_at=now,
                    status=OPEN,
                    level=level.value,
                    playbook_id=playbook_id,
                    incident_id=incident_id,
                    entry_id=entry_id,
                    notified_count=1,
                    renotified_at_level=0,
                    last_notified_at=now,
                )
            )
            await _event(conn, escalation_id, org, "opened", raised_by, now)
            await _enqueue(conn, escalation_id, org, platform, OPENED, None, now)
            return await self._require(conn, org, escalation_id)

        # A racing raise of the same incident hits the partial unique index; the retry
        # then finds the winner's row and returns it.
        return await self._write(work)

    async def get(self, org: str, escalation_id: str) -> EscalationRecord | None:
        async with self._connection() as conn:
            return await self._fetch(conn, org, escalation_id.strip())

    async def for_entry(self, org: str, entry_id: str) -> EscalationRecord | None:
        query = (
            select(escalations)
            .where(escalations.c.org == org, escalations.c.entry_id == entry_id)
            .order_by(escalations.c.opened_at.desc())
            .limit(1)
        )
        async with self._connection() as conn:
            records = await _records(conn, (await conn.execute(query)).all())
        return records[0] if records else None

    async def record_action(
        self,
        org: str,
        escalation_id: str,
        action: EscalationAction,
        by: str,
        *,
        tell: str | None = None,
    ) -> EscalationRecord:
        now = self._now()

        async def work(conn: AsyncConnection) -> EscalationRecord:
            row = await _lock(conn, org, escalation_id)
            if row is None:
                raise NotFound(f"no escalation {escalation_id!r} in this organisation")
            values = _transition(row, action, by, now)
            # Guarded by the status read under the lock: a racing click cannot slip by.
            await conn.execute(
                update(escalations)
                .where(
                    escalations.c.escalation_id == escalation_id,
                    escalations.c.status == row["status"],
                )
                .values(**values)
            )
            await _event(conn, escalation_id, org, action.value, by, now)
            await _enqueue(conn, escalation_id, org, row["platform"], UPDATED, None, now)
            if tell is not None:
                await _enqueue(conn, escalation_id, org, row["platform"], SPEND_DECIDED, tell, now)
            return await self._require(conn, org, escalation_id)

        return await self._write(work)

    async def notify_user(self, org: str, escalation_id: str, user_id: str, topic: str) -> None:
        now = self._now()

        async def work(conn: AsyncConnection) -> None:
            platform = await conn.scalar(
                select(escalations.c.platform).where(
                    escalations.c.org == org, escalations.c.escalation_id == escalation_id
                )
            )
            if platform is None:
                raise NotFound(f"no escalation {escalation_id!r} in this organisation")
            await _enqueue(conn, escalation_id, org, platform, topic, user_id, now)

        await self._write(work)

    async def unacknowledged(self, older_than: datetime) -> list[EscalationRecord]:
        opened = notifications
        never_posted = exists(
            select(opened.c.notification_id).where(
                opened.c.escalation_id == escalations.c.escalation_id,
                opened.c.topic == OPENED,
                opened.c.delivered_at.is_(None),
                opened.c.given_up_at.is_(None),  # abandoned: a reminder posts a new card
            )
        )
        query = (
            select(escalations)
            .where(
                escalations.c.status == OPEN,
                escalations.c.last_notified_at <= as_utc(older_than),
                ~never_posted,
            )
            .order_by(escalations.c.last_notified_at)
        )
        async with self._connection() as conn:
            return await _records(conn, (await conn.execute(query)).all())

    async def renotify(
        self,
        org: str,
        escalation_id: str,
        level: Role,
        *,
        if_notified_before: datetime | None = None,
    ) -> EscalationRecord | None:
        now = self._now()

        async def work(conn: AsyncConnection) -> EscalationRecord | None:
            row = await _lock(conn, org, escalation_id)
            if row is None:
                raise NotFound(f"no escalation {escalation_id!r} in this organisation")
            if row["status"] != OPEN:
                return None  # someone acted meanwhile
            if if_notified_before is not None and row["last_notified_at"] > as_utc(
                if_notified_before
            ):
                return None  # another monitor got there first
            same_level = row["level"] == level.value
            await conn.execute(
                update(escalations)
                .where(escalations.c.escalation_id == escalation_id)
                .values(
                    level=level.value,
                    notified_count=row["notified_count"] + 1,
                    renotified_at_level=row["renotified_at_level"] + 1 if same_level else 0,
                    last_notified_at=now,
                )
            )
            action = "renotified" if same_level else "moved_up"
            await _event(conn, escalation_id, org, action, SYSTEM, now, detail=level.value)
            await _enqueue(conn, escalation_id, org, row["platform"], RENOTIFY, None, now)
            return await self._require(conn, org, escalation_id)

        return await self._write(work)

    # ----------------------------------------------------------------- outbox

    async def due_notifications(
        self, platform: str, now: datetime, limit: int = 20
    ) -> list[Notification]:
        now = as_utc(now)
        n = notifications
        opened = notifications.alias("opened")
        # Nothing about an escalation goes out before its opening message: an update
        # needs that message's ref to edit it, and a reminder of an unseen alert is noise.
        opening_pending = exists(
            select(opened.c.notification_id).where(
                opened.c.escalation_id == n.c.escalation_id,
                opened.c.topic == OPENED,
                opened.c.delivered_at.is_(None),
                opened.c.given_up_at.is_(None),
            )
        )
        free = or_(n.c.claimed_until.is_(None), n.c.claimed_until <= now)
        candidates = (
            select(n.c.notification_id)
            .where(
                n.c.platform == platform,
                n.c.delivered_at.is_(None),
                n.c.given_up_at.is_(None),
                n.c.next_attempt_at <= now,
                free,
                or_(n.c.topic == OPENED, ~opening_pending),
            )
            .order_by(_urgency(n), n.c.created_at)
            .limit(limit)
            # PostgreSQL: rows another worker is claiming right now are skipped, not
            # waited for. SQLite renders no FOR UPDATE; its write lock serialises claims.
            .with_for_update(skip_locked=True, of=n)
        )
        lease_until = now + self._lease

        async def work(conn: AsyncConnection) -> list[Notification]:
            claimed: list[str] = []
            for notification_id in (await conn.scalars(candidates)).all():
                result = await conn.execute(
                    update(n)
                    .where(n.c.notification_id == notification_id, free, n.c.delivered_at.is_(None))
                    .values(claimed_until=lease_until)
                )
                if result.rowcount == 1:
                    claimed.append(notification_id)
            if not claimed:
                return []
            rows = (
                await conn.execute(
                    select(n, escalations.c.channel_ref)
                    .select_from(
                        # Outer: incident messages have no escalation row.
                        n.outerjoin(escalations, escalations.c.escalation_id == n.c.escalation_id)
                    )
                    .where(n.c.notification_id.in_(claimed))
                    .order_by(_urgency(n), n.c.created_at)
                )
            ).all()
            return [_notification(r._mapping) for r in rows]

        return await self._write(work)

    async def delivered(self, notification_id: str, ref: str | None) -> None:
        now = self._now()

        async def work(conn: AsyncConnection) -> None:
            row = (
                await conn.execute(
                    select(notifications.c.topic, notifications.c.escalation_id).where(
                        notifications.c.notification_id == notification_id
                    )
                )
            ).one_or_none()
            if row is None:
                return
            await conn.execute(
                update(notifications)
                .where(notifications.c.notification_id == notification_id)
                .values(delivered_at=now, ref=ref, claimed_until=None, last_error=None)
            )
            if row.topic == OPENED:
                # Managers have seen it from now: reminders count from here, not from
                # when it was raised (the platform may have been down meanwhile).
                posted: dict[str, Any] = {"last_notified_at": now}
                if ref is not None:
                    posted["channel_ref"] = ref
                await conn.execute(
                    update(escalations)
                    .where(escalations.c.escalation_id == row.escalation_id)
                    .values(**posted)
                )

        await self._write(work)

    async def failed(self, notification_id: str, retry_at: datetime, error: str) -> None:
        await self._settle_failure(
            notification_id, next_attempt_at=as_utc(retry_at), last_error=error[:_ERROR_CHARS]
        )

    async def postpone(self, notification_id: str, retry_at: datetime, error: str) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(notifications)
                .where(
                    notifications.c.notification_id == notification_id,
                    notifications.c.delivered_at.is_(None),
                )
                .values(
                    claimed_until=None,
                    next_attempt_at=as_utc(retry_at),
                    last_error=error[:_ERROR_CHARS],
                )
            )

        await self._write(work)

    async def give_up(self, notification_id: str, error: str) -> None:
        await self._settle_failure(
            notification_id, given_up_at=self._now(), last_error=error[:_ERROR_CHARS]
        )

    async def _settle_failure(self, notification_id: str, **values: Any) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(notifications)
                .where(
                    notifications.c.notification_id == notification_id,
                    notifications.c.delivered_at.is_(None),
                )
                .values(attempts=notifications.c.attempts + 1, claimed_until=None, **values)
            )

        await self._write(work)

    async def pending_notifications(self, org: str | None = None) -> list[Notification]:
        """Undelivered, not abandoned notifications (for health checks and tests)."""
        query = (
            select(notifications, escalations.c.channel_ref)
            .select_from(
                notifications.outerjoin(
                    escalations, escalations.c.escalation_id == notifications.c.escalation_id
                )
            )
            .where(notifications.c.delivered_at.is_(None), notifications.c.given_up_at.is_(None))
            .order_by(notifications.c.created_at)
        )
        if org is not None:
            query = query.where(notifications.c.org == org)
        async with self._connection() as conn:
            return [_notification(r._mapping) for r in (await conn.execute(query)).all()]

    # ----------------------------------------------------------------- reads

    async def _fetch(
        self, conn: AsyncConnection, org: str, escalation_id: str
    ) -> EscalationRecord | None:
        query = select(escalations).where(
            escalations.c.org == org, escalations.c.escalation_id == escalation_id
        )
        records = await _records(conn, (await conn.execute(query)).all())
        return records[0] if records else None

    async def _require(
        self, conn: AsyncConnection, org: str, escalation_id: str
    ) -> EscalationRecord:
        record = await self._fetch(conn, org, escalation_id)
        assert record is not None
        return record

    async def list(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EscalationRecord]:
        query = (
            select(escalations)
            .where(escalations.c.org == org, *in_period(escalations.c.opened_at, since, until))
            .order_by(escalations.c.opened_at, escalations.c.escalation_id)
        )
        async with self._connection() as conn:
            return await _records(conn, (await conn.execute(query)).all())


# --------------------------------------------------------------------------- helpers


def _urgency(n: Any) -> Any:
    """Sort key of due notifications: cards, their updates and decisions first, then
    reminders and outcome prompts; oldest first within each (see ``due_notifications``)."""
    return case((n.c.topic.in_((RENOTIFY, OUTCOME_PROMPT)), 1), else_=0)


async def _lock(conn: AsyncConnection, org: str, escalation_id: str) -> Mapping[Any, Any] | None:
    row = (
        await conn.execute(
            select(escalations)
            .where(escalations.c.org == org, escalations.c.escalation_id == escalation_id)
            .with_for_update()
        )
    ).one_or_none()
    return None if row is None else row._mapping


def _transition(
    row: Mapping[Any, Any], action: EscalationAction, by: str, now: datetime
) -> dict[str, Any]:
    """The column changes ``action`` makes, or the reason it no longer applies."""
    status = row["status"]
    if status == RESOLVED:
        raise AlreadyDecided(f"this escalation was already resolved by {row['resolved_by']}")
    is_spend = row["kind"] == "spend"
    # Any response means someone has seen it: that is when 'time to acknowledge' ends.
    seen = (
        {}
        if row["acknowledged_by"] is not None
        else {"acknowledged_by": by, "acknowledged_at": now}
    )
    if action is EscalationAction.ACKNOWLEDGE:
        if status != OPEN:
            who = row["taken_over_by"] or row["acknowledged_by"]
            raise AlreadyDecided(f"already {status.replace('_', ' ')} by {who}")
        return {"status": ACKED, **seen}
    if action is EscalationAction.TAKE_OVER:
        if status == TAKEN:
            raise AlreadyDecided(f"already taken over by {row['taken_over_by']}")
        return {"status": TAKEN, "taken_over_by": by, **seen}
    if action is EscalationAction.RESOLVE:
        if is_spend:
            raise InvalidInput("a spend escalation is closed by approving or denying the spend")
    elif not is_spend:  # approve / deny
        raise InvalidInput("only a spend escalation can be approved or denied")
    return {"status": RESOLVED, "resolved_by": by, "resolved_at": now, **seen}


async def _event(
    conn: AsyncConnection,
    escalation_id: str,
    org: str,
    action: str,
    user_id: str,
    at: datetime,
    *,
    detail: str | None = None,
) -> None:
    await conn.execute(
        insert(escalation_events).values(
            escalation_id=escalation_id,
            org=org,
            action=action,
            user_id=user_id,
            detail=detail,
            at=at,
        )
    )


async def _enqueue(
    conn: AsyncConnection,
    escalation_id: str,
    org: str,
    platform: str,
    topic: str,
    recipient: str | None,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
) -> str:
    notification_id = _new_id("nt_", 12)
    await conn.execute(
        insert(notifications).values(
            notification_id=notification_id,
            org=org,
            platform=platform,
            topic=topic,
            escalation_id=escalation_id,
            recipient=recipient,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            payload=None if payload is None else json.dumps(dict(payload), ensure_ascii=False),
        )
    )
    return notification_id


# Other stores in the same database enqueue inside their own transactions with this.
enqueue = _enqueue


async def _records(conn: AsyncConnection, rows: Sequence[Any]) -> list[EscalationRecord]:
    """Rows of ``escalations`` with their history, in one extra query."""
    if not rows:
        return []
    ids = [r.escalation_id for r in rows]
    history: dict[str, list[tuple[str, str, datetime]]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):  # keep under SQLite's bound-parameter limit
        events = await conn.execute(
            select(
                escalation_events.c.escalation_id,
                escalation_events.c.action,
                escalation_events.c.user_id,
                escalation_events.c.at,
            )
            .where(escalation_events.c.escalation_id.in_(chunk))
            .order_by(escalation_events.c.event_id)
        )
        for e in events:
            history[e.escalation_id].append((e.action, e.user_id, e.at))
    return [_record(r._mapping, tuple(history[r.escalation_id])) for r in rows]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _record(
    row: Mapping[Any, Any], history: tuple[tuple[str, str, datetime], ...]
) -> EscalationRecord:
    return EscalationRecord(
        escalation_id=row["escalation_id"],
        org=row["org"],
        platform=row["platform"],
        kind=row["kind"],
        reasons=tuple(json.loads(row["reasons"])),
        summary=row["summary"],
        raised_by=row["raised_by"],
        opened_at=row["opened_at"],
        status=EscalationStatus(row["status"]),
        level=Role(row["level"]),
        playbook_id=row["playbook_id"],
        incident_id=row["incident_id"],
        entry_id=row["entry_id"],
        notified_count=int(row["notified_count"]),
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        taken_over_by=row["taken_over_by"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
        history=history,
        last_notified_at=row["last_notified_at"],
        renotified_at_level=int(row["renotified_at_level"]),
        channel_ref=row["channel_ref"],
    )


def _notification(row: Mapping[Any, Any]) -> Notification:
    # Channel messages after the first edit or thread under it: they need its ref.
    ref = row["ref"]
    if row["topic"] != OPENED and row["recipient"] is None:
        ref = row["channel_ref"]
    return Notification(
        notification_id=row["notification_id"],
        org=row["org"],
        platform=row["platform"],
        topic=row["topic"],
        escalation_id=row["escalation_id"],
        recipient=row["recipient"],
        attempts=int(row["attempts"]),
        created_at=row["created_at"],
        ref=ref,
        payload=json.loads(row["payload"]) if row.get("payload") else None,
    )


__all__ = [
    "SqlEscalationStore",
    "enqueue",
    "escalation_events",
    "escalations",
    "migrate",
    "notifications",
]
