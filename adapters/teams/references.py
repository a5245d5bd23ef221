"""Teams conversation references, kept in the database so any process can send proactively.

A proactive message (the escalation card, "your spend was approved") needs the service URL,
conversation id, bot and tenant the Bot Connector gave us on an earlier turn. Memory would
lose them on restart and would not be shared between ``coachbot serve`` processes.

Rows are plain JSON (the ``ConversationReference`` as the Bot Framework serialises it), so
this module needs no botbuilder import. Kinds:

- ``personal``: a user's 1:1 chat with the bot (preferred for direct messages);
- ``last``: the last conversation a user spoke to the bot in (fallback for a DM);
- ``conversation``: any conversation the bot has seen, by conversation id;
- ``escalation``: where an organisation's escalation cards go (``set escalation channel``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, select

from bot.database import DatabaseStore

PERSONAL = "personal"
LAST = "last"
CONVERSATION = "conversation"
ESCALATION = "escalation"
DEFAULT_KEY = "default"

metadata = MetaData()
teams_references = Table(
    "teams_conversation_references",
    metadata,
    Column("org", String(128), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("reference", Text, nullable=False),
    Column("display_name", String(256), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class ReferenceStore(DatabaseStore):
    """Upsert and read conversation references (SQLite or PostgreSQL, async)."""

    what = "Teams conversation"
    tables = metadata

    async def put(
        self,
        org: str,
        kind: str,
        key: str,
        reference: dict[str, Any],
        display_name: str | None = None,
    ) -> None:
        values = {
            "reference": json.dumps(reference, separators=(",", ":")),
            "display_name": display_name,
            "updated_at": datetime.now(UTC),
        }
        async with self._connection(write=True) as conn:
            # Portable upsert: update, and insert when nothing was there. Two processes
            # racing on the same new key both try the insert; the loser's update retry wins.
            result = await conn.execute(
                teams_references.update()
                .where(
                    teams_references.c.org == org,
                    teams_references.c.kind == kind,
                    teams_references.c.key == key,
                )
                .values(**values)
            )
            if result.rowcount == 0:
                await conn.execute(
                    teams_references.insert().values(org=org, kind=kind, key=key, **values)
                )

    async def get(self, org: str, kind: str, key: str) -> dict[str, Any] | None:
        async with self.database.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(teams_references.c.reference).where(
                        teams_references.c.org == org,
                        teams_references.c.kind == kind,
                        teams_references.c.key == key,
                    )
                )
            ).first()
        return None if row is None else dict(json.loads(row[0]))

    async def latest(self, org: str) -> dict[str, Any] | None:
        """Any reference of this organisation (its service URL serves the whole tenant)."""
        async with self.database.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(teams_references.c.reference)
                    .where(teams_references.c.org == org)
                    .order_by(teams_references.c.updated_at.desc())
                    .limit(1)
                )
            ).first()
        return None if row is None else dict(json.loads(row[0]))

    async def names(self, org: str, user_ids: set[str]) -> dict[str, str]:
        """Display names Teams last gave for these users (for 'approved by Sam')."""
        if not user_ids:
            return {}
        async with self.database.engine.connect() as conn:
            rows = await conn.execute(
                select(teams_references.c.key, teams_references.c.display_name).where(
                    teams_references.c.org == org,
                    teams_references.c.kind == LAST,
                    teams_references.c.key.in_(sorted(user_ids)),
                )
            )
            return {key: name for key, name in rows if name}
