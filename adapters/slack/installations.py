"""Bolt's installation store and OAuth state store, kept in the project's own database.

Multi-workspace mode (``SLACK_CLIENT_ID`` / ``SLACK_CLIENT_SECRET``): Bolt's OAuth flow
calls ``async_save`` when a workspace installs the app, and its authorize middleware
calls ``async_find_bot`` on every request to pick that workspace's bot token. The
tables live beside the ledger (same ``DATABASE_URL``), so every process of a scaled-out
deployment sees an installation the moment it is saved, and the OAuth ``state`` issued
by one process can be consumed by another.

Keys: a workspace is (client id, enterprise id, team id). Missing ids are stored as ""
rather than NULL because NULLs never compare equal, so a primary key or an equality
lookup over a NULL enterprise id would not find the row. An org-wide (Enterprise Grid)
install is stored with team id "" — one bot for every workspace of the enterprise —
which is also how Bolt's own stores do it.

Bot tokens are stored as issued (the database is already the system of record for
money); encrypting them at rest would need a key the operator manages.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.database import DatabaseStore

log = logging.getLogger(__name__)

metadata = MetaData()

# One row per workspace (or per enterprise, for an org-wide install): the token to use.
slack_bots = Table(
    "slack_bots",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("enterprise_id", String(32), primary_key=True),
    Column("team_id", String(32), primary_key=True),
    Column("is_enterprise_install", Boolean, nullable=False),
    # The channel the installer picked for escalations (incoming-webhook scope), or "".
    Column("escalation_channel", String(32), nullable=False),
    Column("installed_at", Float, nullable=False),
    Column("data", Text, nullable=False),  # the whole Bot, as JSON
)

# One row per installing user per workspace: what Bolt's find_installation returns.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("enterprise_id", String(32), primary_key=True),
    Column("team_id", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", Float, nullable=False),
    Column("data", Text, nullable=False),  # the whole Installation, as JSON
)

# OAuth "state" values handed to a browser at /slack/install, consumed once at the redirect.
slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("expires_at", Float, nullable=False),
)


def _json(data: dict[str, Any]) -> str:
    # The SDK's models hand out datetimes; their constructors take ISO strings back.
    return json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


def _key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, str]:
    return (enterprise_id or "", "" if is_enterprise_install else team_id or "")


@dataclass(frozen=True)
class Workspace:
    """What the outbox needs to talk to one installed workspace."""

    bot: Bot
    escalation_channel: str


class SlackDatabase(DatabaseStore):
    """The installation and OAuth-state tables, in the service's database (or, given a
    URL, one of their own)."""

    what = "Slack installation"
    tables = metadata

    @property
    def engine(self) -> AsyncEngine:
        if not self._opened:
            raise RuntimeError("the Slack installation database is not open")
        return self.database.engine

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction (SQLite: the write lock taken at BEGIN, so writers queue)."""
        return self._connection(write=True)


async def _replace(
    conn: AsyncConnection, table: Table, key: dict[str, Any], row: dict[str, Any]
) -> None:
    """Delete-then-insert: an upsert every SQL backend understands."""
    await conn.execute(delete(table).where(and_(*(table.c[k] == v for k, v in key.items()))))
    await conn.execute(insert(table).values(**key, **row))


class SQLInstallationStore(AsyncInstallationStore):
    """Bolt's ``AsyncInstallationStore`` on SQLAlchemy async (bot tokens per workspace)."""

    def __init__(self, database: SlackDatabase, *, client_id: str) -> None:
        self.database = database
        self.client_id = client_id
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    # -- writes ------------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        enterprise, team = _key(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        channel = installation.incoming_webhook_channel_id or ""
        for attempt in (1, 2):
            try:
                async with self.database.transaction() as conn:
                    await _replace(
                        conn,
                        slack_installations,
                        {
                            "client_id": self.client_id,
                            "enterprise_id": enterprise,
                            "team_id": team,
                            "user_id": installation.user_id or "",
                        },
                        {
                            "is_enterprise_install": bool(installation.is_enterprise_install),
                            "installed_at": installation.installed_at,
                            "data": _json(installation.to_dict_for_copying()),
                        },
                    )
                    if installation.bot_token:
                        await self._save_bot(conn, installation.to_bot(), channel)
                return
            except IntegrityError:
                # Two processes saved the same workspace at once; the second try wins.
                if attempt == 2:
                    raise

    async def async_save_bot(self, bot: Bot) -> None:
        async with self.database.transaction() as conn:
            await self._save_bot(conn, bot, "")

    async def _save_bot(self, conn: AsyncConnection, bot: Bot, channel: str) -> None:
        enterprise, team = _key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        key = {"client_id": self.client_id, "enterprise_id": enterprise, "team_id": team}
        if not channel:
            # A re-install (or token refresh) without a channel keeps the one chosen before.
            previous = await conn.scalar(
                select(slack_bots.c.escalation_channel).where(
                    and_(*(slack_bots.c[k] == v for k, v in key.items()))
                )
            )
            channel = previous or ""
        await _replace(
            conn,
            slack_bots,
            key,
            {
                "is_enterprise_install": bool(bot.is_enterprise_install),
                "escalation_channel": channel,
                "installed_at": bot.installed_at,
                "data": _json(bot.to_dict_for_copying()),
            },
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.database.transaction() as conn:
            await conn.execute(
                delete(slack_bots).where(self._where(slack_bots, enterprise_id, team_id))
            )

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        where = self._where(slack_installations, enterprise_id, team_id)
        if user_id is not None:
            where = and_(where, slack_installations.c.user_id == user_id)
        async with self.database.transaction() as conn:
            await conn.execute(delete(slack_installations).where(where))

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # One transaction: an uninstalled workspace never keeps half its rows.
        async with self.database.transaction() as conn:
            for table in (slack_bots, slack_installations):
                await conn.execute(delete(table).where(self._where(table, enterprise_id, team_id)))

    # -- reads -------------------------------------------------------------------------

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self._find_bot_row(enterprise_id, team_id, is_enterprise_install)
        return None if found is None else Bot(**json.loads(found.data))

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        enterprise, team = _key(enterprise_id, team_id, is_enterprise_install)
        query = select(slack_installations.c.data).where(
            slack_installations.c.client_id == self.client_id,
            slack_installations.c.enterprise_id == enterprise,
            slack_installations.c.team_id == team,
        )
        if user_id is not None:
            query = query.where(slack_installations.c.user_id == user_id)
        query = query.order_by(slack_installations.c.installed_at.desc()).limit(1)
        async with self.database.engine.connect() as conn:
            data = await conn.scalar(query)
        if data is None:
            return None
        installation = Installation(**json.loads(data))
        if await self._find_bot_row(enterprise_id, team_id, is_enterprise_install) is None:
            # The bot token was revoked (tokens_revoked deletes only the bot row): never
            # hand the old token back through the installation record.
            installation.bot_token = None
            installation.bot_refresh_token = None
        return installation

    async def find_workspace(
        self, enterprise_id: str | None, team_id: str | None
    ) -> Workspace | None:
        """The bot for a workspace; inside an enterprise, an org-wide install also serves."""
        row = await self._find_bot_row(enterprise_id, team_id, False)
        if row is None and enterprise_id:
            row = await self._find_bot_row(enterprise_id, None, True)
        if row is None:
            return None
        return Workspace(Bot(**json.loads(row.data)), row.escalation_channel)

    async def _find_bot_row(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Any:
        enterprise, team = _key(enterprise_id, team_id, is_enterprise_install)
        query = select(slack_bots.c.data, slack_bots.c.escalation_channel).where(
            slack_bots.c.client_id == self.client_id,
            slack_bots.c.enterprise_id == enterprise,
            slack_bots.c.team_id == team,
        )
        async with self.database.engine.connect() as conn:
            return (await conn.execute(query)).first()

    def _where(self, table: Table, enterprise_id: str | None, team_id: str | None) -> Any:
        # Deletions name the workspace as Slack's event does: exact ids, no org-wide widening.
        return and_(
            table.c.client_id == self.client_id,
            table.c.enterprise_id == (enterprise_id or ""),
            table.c.team_id == (team_id or ""),
        )


class SQLOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values: issued at /slack/install, consumed once at the redirect.

    Consuming is a single conditional DELETE, so a state replayed (or raced by two
    processes) is accepted at most once, and an expired one never.
    """

    def __init__(self, database: SlackDatabase, *, expiration_seconds: int = 600) -> None:
        self.database = database
        self.expiration_seconds = expiration_seconds
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = time.time()
        async with self.database.transaction() as conn:
            # Abandoned install attempts would otherwise pile up for ever.
            await conn.execute(
                delete(slack_oauth_states).where(slack_oauth_states.c.expires_at < now)
            )
            await conn.execute(
                insert(slack_oauth_states).values(
                    state=state, expires_at=now + self.expiration_seconds
                )
            )
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        async with self.database.transaction() as conn:
            result = await conn.execute(
                delete(slack_oauth_states).where(
                    slack_oauth_states.c.state == state,
                    slack_oauth_states.c.expires_at >= time.time(),
                )
            )
        return bool(result.rowcount == 1)
