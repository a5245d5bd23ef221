"""Authorising Slack's requests without a Web API call per request.

Bolt's own single-team authorization calls ``auth.test`` on every request until one
succeeds, and its installation-store authorization calls it for every request (no
cache by default). While the Web API is unreachable that makes every ``/coach``,
``/spend`` and button click fail, although the answer needs no Web API at all: it rides
in the ack. Slack has already vouched for the request (its signature was checked before
authorisation runs), so what authorisation must supply is only the token to reply with
and, nice to have, the bot's own ids:

* ``BotIdentity`` — one workspace (``SLACK_BOT_TOKEN``): the token is configured; who the
  bot is (``auth.test``) is learnt once in the background, retried until Slack answers,
  and cached. Until then requests are authorised with the token alone.
* ``StoredInstallations`` — many workspaces (OAuth): the bot token, bot user id and bot
  id of the requesting workspace come from the installation saved at install time (the
  database). An uninstalled workspace (or revoked tokens) gets Bolt's "reinstall" text.

Both are ``AsyncAuthorize`` implementations, Bolt's documented extension point.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0  # Slack back after an outage: the identity is known within this


class BotIdentity(AsyncAuthorize):
    """The one workspace's bot: its token, and its ids once ``auth.test`` has answered."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        first_retry: float = FIRST_RETRY_SECONDS,
        max_retry: float = MAX_RETRY_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        if not client.token:
            raise ValueError("BotIdentity needs a client with the bot token")
        self.client = client
        self.token: str = client.token
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.rng = rng or random.Random()
        self.resolved: AuthorizeResult | None = None
        self.attempts = 0
        self._task: asyncio.Task[AuthorizeResult] | None = None

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if self.resolved is not None:
            return self.resolved
        # Not known yet (Slack unreachable since start-up): the request's own ids and the
        # configured token. Bolt then cannot tell the bot's own events by user id; the
        # listeners drop events that carry a bot_id, which ours always do.
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self.token,
        )

    async def resolve(self) -> AuthorizeResult:
        """Ask ``auth.test`` until it answers (capped, jittered back-off between tries)."""
        delay = self.first_retry
        while True:
            self.attempts += 1
            try:
                response = await self.client.auth_test()
                self.resolved = AuthorizeResult.from_auth_test_response(
                    auth_test_response=response, bot_token=self.token, user_token=None
                )
                log.info("slack: bot identity resolved (bot user %s)", self.resolved.bot_user_id)
                return self.resolved
            except Exception as exc:  # unreachable, 5xx, invalid_auth: keep serving, retry
                log.warning(
                    "slack: auth.test failed (%s); requests are authorised with the "
                    "configured token meanwhile, retrying in about %.0f s",
                    describe(exc),
                    delay,
                )
            await asyncio.sleep(self.rng.uniform(delay / 2, delay))
            delay = min(self.max_retry, delay * 2)

    def start(self) -> None:
        """Resolve in the background; requests never wait for it."""
        if self._task is None and self.resolved is None:
            self._task = asyncio.get_running_loop().create_task(
                self.resolve(), name="slack-bot-identity", context=contextvars.Context()
            )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class StoredInstallations(AsyncAuthorize):
    """Many workspaces: the requesting workspace's bot as saved at install time."""

    def __init__(self, store: AsyncInstallationStore) -> None:
        self.store = store

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        bot = await self.store.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=context.is_enterprise_install,
        )
        if bot is None or not bot.bot_token:
            return None  # Bolt tells the person the app needs reinstalling
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id or enterprise_id,
            team_id=team_id or bot.team_id,
            team=bot.team_name,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
        )


def describe(exc: BaseException) -> str:
    """A Web API failure in a few words that name the cause ("Slack answered 500")."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError) and exc.response is not None:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = data.get("error")
        status = exc.response.status_code
        if code and status == 200:
            return str(code)  # Slack's own error code names the cause: channel_not_found
        if code:
            return f"Slack answered {status} ({code})"
        return f"Slack answered {status}"
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, TimeoutError):
        return "Slack did not answer in time"
    return f"Slack could not be reached ({type(exc).__name__}{': ' + said if said else ''})"
