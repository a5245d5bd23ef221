"""The outbox ``Notifier`` for Teams: proactive messages through stored references.

Topics (``bot.models.Notification``):

- ``escalation.opened`` / ``escalation.renotify``: post the escalation card to the
  organisation's escalation channel — the one a manager chose with ``set escalation
  channel`` (stored per tenant), else ``TEAMS_ESCALATION_CONVERSATION``;
- ``escalation.updated``: update that card in place (``Notification.ref`` is the JSON
  ``{"conversation", "activity"}`` returned when it was posted);
- ``spend.decided``: a direct message to the spender, in their 1:1 chat with the bot when
  there is one, else where they last spoke to it;
- ``incident.outcome`` (``deliver_message``): the "how did it end?" card, sent the same
  way to the employee who handled the incident.

Failures come back as ``Delivery`` so the outbox retries (Teams asks for backoff on 429,
412, 502 and 504) or, for a conversation that no longer exists, stops and logs.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationParameters, ConversationReference

from adapters.teams import cards
from adapters.teams.references import DEFAULT_KEY, ESCALATION, LAST, PERSONAL, ReferenceStore
from bot.coach import Coach
from bot.escalations import LEDGER_CHECKPOINT, OUTCOME_PROMPT, Delivery
from bot.ledger.checkpoint import checkpoint_line
from bot.models import EscalationRecord, Notification
from bot.orgs import native_id

log = logging.getLogger("coachbot.teams.notifier")

RETRYABLE = {408, 412, 429, 500, 502, 503, 504}
PERMANENT = {400, 401, 403, 404, 413}


class TeamsNotifier:
    platform = "teams"

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        coach: Callable[[], Coach],
        references: Callable[[], ReferenceStore],
        *,
        escalation_conversation: str = "",
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._coach = coach
        self._references = references
        self._escalation_conversation = escalation_conversation

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        try:
            if notification.topic in {"escalation.opened", "escalation.renotify"}:
                return await self._post_card(notification, escalation)
            if notification.topic == "escalation.updated":
                return await self._update_card(notification, escalation)
            if notification.topic == "spend.decided":
                return await self._tell_spender(notification, escalation)
            return Delivery(ok=False, error=f"unknown topic {notification.topic}", permanent=True)
        except Exception as exc:  # the connector's errors carry the HTTP status
            return _failure(exc)

    async def deliver_message(self, notification: Notification) -> Delivery:
        """Self-contained messages: ``incident.outcome``, a card in the employee's chat;
        ``ledger.checkpoint``, one line in the escalation channel."""
        try:
            if notification.topic == LEDGER_CHECKPOINT:
                return await self._post_checkpoint(notification)
            if notification.topic == OUTCOME_PROMPT and notification.recipient:
                content = cards.outcome_prompt_card(notification.payload or {})
                return await self._tell_user_card(notification.org, notification.recipient, content)
            return Delivery(ok=False, error=f"unknown topic {notification.topic}", permanent=True)
        except Exception as exc:  # the connector's errors carry the HTTP status
            return _failure(exc)

    # -- topics ----------------------------------------------------------------------------

    async def _post_card(self, notification: Notification, record: EscalationRecord) -> Delivery:
        reference = await self._escalation_reference(record.org)
        if reference is None:
            # Not permanent: once a manager names the channel, the outbox delivers it.
            return Delivery(
                ok=False,
                error="no Teams escalation channel: a manager should say "
                "'set escalation channel' in it, or set TEAMS_ESCALATION_CONVERSATION",
            )
        content = await self._card(record)
        if notification.topic == "escalation.renotify":
            reminder = cards.text_block("Reminder: nobody has acted yet.", color="Attention")
            content["body"].insert(0, reminder)
        conversation_id, activity_id = await self._new_channel_post(
            reference, record.org, card_activity(content)
        )
        ref = json.dumps({"conversation": conversation_id, "activity": activity_id})
        return Delivery(ok=True, ref=ref)

    async def _post_checkpoint(self, notification: Notification) -> Delivery:
        reference = await self._escalation_reference(notification.org)
        if reference is None:
            # Not permanent: once a manager names the channel, the outbox delivers it.
            return Delivery(ok=False, error="no Teams escalation channel for the ledger checkpoint")
        line = checkpoint_line(notification.payload or {})
        conversation_id, activity_id = await self._new_channel_post(
            reference, notification.org, MessageFactory.text(line)
        )
        return Delivery(
            ok=True, ref=json.dumps({"conversation": conversation_id, "activity": activity_id})
        )

    async def _update_card(self, notification: Notification, record: EscalationRecord) -> Delivery:
        try:
            where = json.loads(notification.ref or "")
            conversation_id, activity_id = str(where["conversation"]), str(where["activity"])
        except (ValueError, KeyError, TypeError):
            # Never posted (or posted elsewhere): a fresh card says the same thing.
            return await self._post_card(notification, record)
        reference = await self._escalation_reference(record.org)
        if reference is None:
            return Delivery(ok=False, error="no Teams escalation channel")
        reference.conversation.id = conversation_id
        update = card_activity(await self._card(record))
        update.id = activity_id

        async def logic(turn_context: TurnContext) -> None:
            await turn_context.update_activity(update)

        await self._adapter.continue_conversation(reference, logic, self._app_id)
        return Delivery(ok=True, ref=notification.ref)

    async def _tell_spender(self, notification: Notification, record: EscalationRecord) -> Delivery:
        user = notification.recipient or record.raised_by
        coach = self._coach()
        entry = await coach.ledger.get(record.org, record.entry_id) if record.entry_id else None
        if entry is None:
            return Delivery(ok=False, permanent=True, error="the spend no longer exists")
        names = await self._references().names(record.org, {entry.decided_by or ""})
        text = cards.decided_text(entry, names.get(entry.decided_by or ""))
        return await self.tell_user(record.org, user, text)

    async def _tell_user_card(self, org: str, user_id: str, content: cards.Card) -> Delivery:
        refs = self._references()
        raw = await refs.get(org, PERSONAL, user_id) or await refs.get(org, LAST, user_id)
        if raw is None:
            return Delivery(ok=False, error=f"no Teams conversation with {user_id} yet")
        reference = ConversationReference().deserialize(raw)
        activity_id = await self._send(reference, card_activity(content))
        return Delivery(ok=True, ref=activity_id)

    async def send_personal_card(self, org: str, user_id: str, content: cards.Card) -> bool:
        """``content`` in the person's 1:1 chat with the bot, never elsewhere (what only
        they should see); False when they have no such chat with the bot yet."""
        raw = await self._references().get(org, PERSONAL, user_id)
        if raw is None:
            return False
        await self._send(ConversationReference().deserialize(raw), card_activity(content))
        return True

    async def tell_user(self, org: str, user_id: str, text: str) -> Delivery:
        refs = self._references()
        raw = await refs.get(org, PERSONAL, user_id) or await refs.get(org, LAST, user_id)
        if raw is None:
            # Kept for retry: the person may open a chat with the bot later.
            return Delivery(ok=False, error=f"no Teams conversation with {user_id} yet")
        reference = ConversationReference().deserialize(raw)
        activity = MessageFactory.text(text)
        activity_id = await self._send(reference, activity)
        return Delivery(ok=True, ref=activity_id)

    # -- helpers ---------------------------------------------------------------------------

    async def _escalation_reference(self, org: str) -> ConversationReference | None:
        refs = self._references()
        raw = await refs.get(org, ESCALATION, DEFAULT_KEY)
        if raw is not None:
            return ConversationReference().deserialize(raw)
        if not self._escalation_conversation:
            return None
        # Configured by id only: borrow the tenant's service URL and bot from any turn.
        latest = await refs.latest(org)
        if latest is None:
            return None
        reference = ConversationReference().deserialize(latest)
        reference.conversation.id = self._escalation_conversation
        reference.conversation.conversation_type = "channel"
        reference.activity_id = None
        return reference

    async def _card(self, record: EscalationRecord) -> cards.Card:
        coach = self._coach()
        entry = await coach.ledger.get(record.org, record.entry_id) if record.entry_id else None
        people = {record.raised_by, *(user for _, user, _ in record.history)}
        names = await self._references().names(record.org, people)
        return cards.escalation_card(record, names, entry=entry)

    async def _new_channel_post(
        self, reference: ConversationReference, org: str, activity: Activity
    ) -> tuple[str, str]:
        """Start a new thread in a channel, the way Teams documents it: create a
        conversation whose channelData names the channel. Returns (thread id, message id)."""
        channel_id = reference.conversation.id.split(";messageid=", 1)[0]
        parameters = ConversationParameters(
            is_group=True,
            bot=reference.bot,
            channel_data={"channel": {"id": channel_id}, "tenant": {"id": native_id(org)}},
            tenant_id=native_id(org),
            activity=activity,
        )
        created: dict[str, str] = {}

        async def logic(turn_context: TurnContext) -> None:
            created["conversation"] = turn_context.activity.conversation.id
            created["activity"] = turn_context.activity.id

        await self._adapter.create_conversation(
            self._app_id,
            logic,
            parameters,
            reference.channel_id or "msteams",
            reference.service_url,
        )
        return created["conversation"], created["activity"]

    async def _send(self, reference: ConversationReference, activity: Activity) -> str | None:
        sent: dict[str, Any] = {}

        async def logic(turn_context: TurnContext) -> None:
            # The SDK gives its continuation event a random id and would address our
            # message as a reply to it; a proactive message replies to nothing.
            turn_context.activity.id = None
            response = await turn_context.send_activity(activity)
            sent["id"] = response.id if response else None

        await self._adapter.continue_conversation(reference, logic, self._app_id)
        return sent.get("id")


def card_activity(content: cards.Card) -> Activity:
    """A message carrying ``content``, or a short stand-in when it would be over Teams' size."""
    return MessageFactory.attachment(CardFactory.adaptive_card(cards.fitted(content)))


def _failure(exc: Exception) -> Delivery:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    retry_after: float | None = None
    headers = getattr(response, "headers", None) or {}
    with contextlib.suppress(TypeError, ValueError):
        retry_after = float(str(headers.get("Retry-After"))) if headers.get("Retry-After") else None
    if isinstance(status, int):
        permanent = status in PERMANENT
        log.log(logging.ERROR if permanent else logging.WARNING, "Teams delivery: HTTP %s", status)
        return Delivery(
            ok=False,
            retry_after=retry_after,
            error=f"Teams answered {status}",
            permanent=permanent,
            unavailable=status >= 500,
        )
    log.warning("Teams delivery failed: %s: %s", type(exc).__name__, exc)
    return Delivery(
        ok=False, error=f"Teams could not be reached ({type(exc).__name__}: {exc})"[:300]
    )
