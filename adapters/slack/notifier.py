"""The outbox ``Notifier`` for Slack: renders one stored notification and sends it.

The outbox (bot/outbox.py) owns retrying; this only reports what Slack said, as a
``Delivery``: the posted message's ref, Slack's Retry-After on 429, and whether an
error is one that retrying cannot fix.

Each notification is sent with the token of the workspace it belongs to
(``Notification.org`` → ``Workspaces.client_for``): with many workspaces installed, one
outbox serves them all and a card can never leave through another workspace's token.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.authorize import describe
from adapters.slack.workspaces import SingleWorkspace, Workspaces
from bot.escalations import LEDGER_CHECKPOINT, OUTCOME_PROMPT, UPDATED, Delivery
from bot.ledger.checkpoint import checkpoint_line
from bot.models import EscalationRecord, Notification

log = logging.getLogger(__name__)

# Slack errors that the same request will meet again however often it is retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "no_text",
        "invalid_arguments",
        "user_not_found",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
# Errors Slack answers with when it is itself in trouble: an outage, not this message.
OUTAGE_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackNotifier:
    """Delivers escalation notifications and outcome prompts, each through its own
    workspace's bot token."""

    platform = "slack"

    def __init__(self, workspaces: Workspaces | AsyncWebClient, channel: str = "") -> None:
        # A bare client (single workspace, and the unit tests) means one token for all.
        self.workspaces: Workspaces = (
            SingleWorkspace(workspaces, channel)
            if isinstance(workspaces, AsyncWebClient)
            else workspaces
        )

    def scopes(self, notification: Notification) -> tuple[str, ...]:
        """The Web API methods ``notification`` will call: Slack rate-limits per method,
        so a 429 on one (say chat.update) need not hold back the others."""
        if notification.topic == OUTCOME_PROMPT:
            return ("conversations.open", "chat.postMessage")
        if notification.topic == UPDATED and notification.ref and notification.recipient is None:
            return ("chat.update",)
        return ("chat.postMessage",)

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        try:
            client = await self.workspaces.client_for(notification.org)
            if client is None:
                # Uninstalled (or tokens revoked): no retry brings the token back.
                return Delivery(
                    ok=False,
                    error=f"the app is not installed in Slack workspace {notification.org}",
                    permanent=True,
                )
            channel = await self.workspaces.channel_for(notification.org)
            return await _Send(client, channel).send(notification, escalation)
        except SlackApiError as exc:
            return _failure(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Slack unreachable: the outbox pauses the workspace and retries soon.
            return Delivery(ok=False, error=describe(exc), unavailable=True)

    async def deliver_message(self, notification: Notification) -> Delivery:
        """Self-contained messages: ``incident.outcome``, a DM to the employee
        (conversations.open, im:write, gives the DM's channel; the ref is ``channel:ts``);
        ``ledger.checkpoint``, one line in the escalation channel."""
        if notification.topic == LEDGER_CHECKPOINT:
            return await self._post_checkpoint(notification)
        if notification.topic != OUTCOME_PROMPT:
            return Delivery(ok=False, error=f"unknown topic {notification.topic}", permanent=True)
        if not notification.recipient:
            return Delivery(ok=False, error="a direct message needs a recipient", permanent=True)
        try:
            client = await self.workspaces.client_for(notification.org)
            if client is None:
                return Delivery(
                    ok=False,
                    error=f"the app is not installed in Slack workspace {notification.org}",
                    permanent=True,
                )
            opened = await client.conversations_open(users=notification.recipient)
            channel = str((opened.get("channel") or {}).get("id") or notification.recipient)
            msg = blocks.outcome_prompt(notification.payload or {})
            resp = await client.chat_postMessage(channel=channel, **msg)
            return Delivery(ok=True, ref=f"{resp['channel']}:{resp['ts']}")
        except SlackApiError as exc:
            return _failure(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Delivery(ok=False, error=describe(exc), unavailable=True)

    async def _post_checkpoint(self, notification: Notification) -> Delivery:
        try:
            client = await self.workspaces.client_for(notification.org)
            if client is None:
                return Delivery(
                    ok=False,
                    error=f"the app is not installed in Slack workspace {notification.org}",
                    permanent=True,
                )
            channel = await self.workspaces.channel_for(notification.org)
            if not channel:
                # Not permanent: once an admin sets the escalation channel, the retry lands.
                return Delivery(ok=False, error="no escalation channel for the ledger checkpoint")
            line = checkpoint_line(notification.payload or {})
            return await _Send(client, channel)._post(channel, {"text": line})
        except SlackApiError as exc:
            return _failure(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")


class _Send:
    """One delivery, bound to one workspace's client and escalation channel."""

    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def send(self, n: Notification, esc: EscalationRecord) -> Delivery:
        if n.topic == "spend.decided" or (n.recipient and n.topic != "escalation.opened"):
            # A user id as the channel posts into the app's DM with that user.
            if not n.recipient:
                return Delivery(
                    ok=False, error="a direct message needs a recipient", permanent=True
                )
            return await self._post(n.recipient, blocks.decision_dm(esc))
        if not self.channel:
            # Not permanent: once an admin sets the escalation channel, the retry lands.
            return Delivery(
                ok=False,
                error="no escalation channel: set SLACK_ESCALATION_CHANNEL "
                "(or pick a channel when installing the app)",
            )
        ref = _parse_ref(n.ref or getattr(esc, "channel_ref", None))
        if n.topic == "escalation.updated" and ref is not None:
            msg = blocks.escalation_message(esc)
            await self.client.chat_update(channel=ref["channel"], ts=ref["ts"], **msg)
            return Delivery(ok=True, ref=json.dumps(ref))
        if n.topic == "escalation.renotify" and ref is not None:
            # A broadcast reply keeps one card (and one set of buttons) per escalation.
            reply = blocks.renotify_reply(esc)
            return await self._post(
                ref["channel"], reply, thread_ts=ref["ts"], reply_broadcast=True, ref=ref
            )
        # "escalation.opened", or an update/renotify whose original post is unknown.
        return await self._post(
            self.channel, blocks.escalation_message(esc, renotify=n.topic == "escalation.renotify")
        )

    async def _post(
        self,
        channel: str,
        msg: blocks.Message,
        *,
        ref: dict[str, str] | None = None,
        **extra: Any,
    ) -> Delivery:
        try:
            resp = await self.client.chat_postMessage(channel=channel, **msg, **extra)
        except SlackApiError as exc:
            if _error_code(exc) != "not_in_channel" or channel.startswith(("D", "U", "W")):
                raise
            # A public channel the bot was never invited to: join it (channels:join), retry once.
            await self.client.conversations_join(channel=channel)
            resp = await self.client.chat_postMessage(channel=channel, **msg, **extra)
        posted = {"channel": str(resp["channel"]), "ts": str(resp["ts"])}
        # A thread reply's handle is the card it belongs to, so later updates still edit it.
        return Delivery(ok=True, ref=json.dumps(ref or posted))


def _parse_ref(ref: str | None) -> dict[str, str] | None:
    if not ref:
        return None
    try:
        data = json.loads(ref)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("channel") and data.get("ts"):
        return {"channel": str(data["channel"]), "ts": str(data["ts"])}
    return None


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _failure(exc: SlackApiError) -> Delivery:
    code = _error_code(exc)
    status = exc.response.status_code
    retry_after: float | None = None
    if status == 429:
        try:
            retry_after = float(exc.response.headers.get("Retry-After", "1"))
        except (TypeError, ValueError):
            retry_after = 1.0
    permanent = code in PERMANENT_ERRORS
    if permanent:
        log.error("slack refused a notification for good: %s", code)
    return Delivery(
        ok=False,
        error=describe(exc),
        retry_after=retry_after,
        permanent=permanent,
        unavailable=status >= 500 or code in OUTAGE_ERRORS,
        scope=_method(exc) if status == 429 else None,
    )


def _method(exc: SlackApiError) -> str | None:
    """The Web API method a response answered (its URL ends with the method name)."""
    url = str(getattr(exc.response, "api_url", "") or "")
    return url.rstrip("/").rsplit("/", 1)[-1] or None
