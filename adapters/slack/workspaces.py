"""Which workspace an organisation is, and how to reach it.

The core keys everything (ledger, state, escalations, reports) by an organisation id.
For Slack that id is derived from the ids in Slack's signed request — never from
anything a user typed — so one workspace cannot name another's data:

* an ordinary workspace: its team id (``T0123``);
* a workspace inside an Enterprise Grid org: ``E0456:T0123`` (team ids are unique only
  with their enterprise in mind once org-wide apps are involved);
* an org-level request with no workspace: the enterprise id alone.

``bot.orgs.org_for("slack", …)`` turns that into the organisation id, which keeps these
forms (a Teams tenant can never take one of them) and only namespaces an id without
Slack's shape as ``slack:<id>``.

The outbox works the other way round: a stored ``Notification.org`` must be turned back
into a Web API client carrying that workspace's bot token (``Workspaces.client_for``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import ClientSession
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import SQLInstallationStore
from bot.orgs import native_id

SEPARATOR = ":"  # never part of a Slack id


def org_id(enterprise_id: str | None, team_id: str | None) -> str:
    if enterprise_id and team_id:
        return f"{enterprise_id}{SEPARATOR}{team_id}"
    return team_id or enterprise_id or ""


def parse_org(org: str) -> tuple[str | None, str | None]:
    """(enterprise id, team id) for an organisation id made from :func:`org_id` by
    ``bot.orgs.org_for`` (which prefixes ``slack:`` to ids without Slack's shape)."""
    org = native_id(org)
    if SEPARATOR in org:
        enterprise, _, team = org.partition(SEPARATOR)
        return enterprise or None, team or None
    if org.startswith("E"):
        return org, None
    return None, org or None


def api_client(
    base_url: str, token: str | None = None, session: ClientSession | None = None
) -> AsyncWebClient:
    # slack_sdk joins base_url and the method name by plain concatenation.
    return AsyncWebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        session=session,
    )


class Workspaces(Protocol):
    """Where the bot's outgoing messages for an organisation go."""

    async def client_for(self, org: str) -> AsyncWebClient | None:
        """A client with the organisation's bot token; None when the app is not installed."""
        ...

    async def channel_for(self, org: str) -> str:
        """The managers' channel id for escalations; "" when none is known."""
        ...

    def use_session(self, session: ClientSession | None) -> None:
        """Send over the service's HTTP session while it runs (None: one per call)."""
        ...


class SingleWorkspace:
    """``SLACK_BOT_TOKEN``: one workspace, one token, one escalation channel."""

    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def client_for(self, org: str) -> AsyncWebClient | None:
        return self.client

    async def channel_for(self, org: str) -> str:
        return self.channel

    def use_session(self, session: ClientSession | None) -> None:
        self.client.session = session


class InstalledWorkspaces:
    """OAuth installs: each organisation's token and channel come from its installation.

    The channel is the one the installer picked on Slack's consent screen (the
    incoming-webhook scope); ``default_channel`` (``SLACK_ESCALATION_CHANNEL``) only
    fills in for an installation that has none.
    """

    def __init__(
        self, store: SQLInstallationStore, *, api_url: str, default_channel: str = ""
    ) -> None:
        self.store = store
        self.api_url = api_url
        self.default_channel = default_channel
        self.session: ClientSession | None = None

    def use_session(self, session: ClientSession | None) -> None:
        self.session = session

    async def client_for(self, org: str) -> AsyncWebClient | None:
        found = await self.store.find_workspace(*parse_org(org))
        if found is None or not found.bot.bot_token:
            return None
        return api_client(self.api_url, found.bot.bot_token, self.session)

    async def channel_for(self, org: str) -> str:
        found = await self.store.find_workspace(*parse_org(org))
        channel = found.escalation_channel if found is not None else ""
        return channel or self.default_channel


class OrgChannels:
    """``inner``'s workspaces, with each organisation's own escalation channel first.

    An admin may name the channel in the organisation's policy (stored in the database,
    or the organisation file's where a deployment has one organisation); it wins over
    the channel picked at install and over ``SLACK_ESCALATION_CHANNEL``, which remain
    the default when the policy names none.
    """

    def __init__(
        self, inner: Workspaces, policy_channel: Callable[[str], Awaitable[str | None]]
    ) -> None:
        self.inner = inner
        self.policy_channel = policy_channel

    async def client_for(self, org: str) -> AsyncWebClient | None:
        return await self.inner.client_for(org)

    async def channel_for(self, org: str) -> str:
        return await self.policy_channel(org) or await self.inner.channel_for(org)

    def use_session(self, session: ClientSession | None) -> None:
        self.inner.use_session(session)
