"""The Bolt app: Slack's requests turned into ``Coach`` calls, the answers into Block Kit.

Every listener acknowledges first (Slack gives three seconds) and works afterwards:
Bolt's default ``process_before_response=False`` sends the HTTP answer as soon as
``ack()`` is called and lets the listener carry on. Replies then go through
``respond`` (the request's response_url) or the Web API. Nothing here decides
anything: permissions, parsing and limits live in ``bot/``; ``CoachError`` messages are
shown to the person as they are.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession
from slack_bolt.async_app import AsyncApp, AsyncAssistant
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.async_store import (
    AsyncAssistantThreadContextStore,
)
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.say.async_say import AsyncSay
from slack_bolt.context.set_status.async_set_status import AsyncSetStatus
from slack_bolt.context.set_suggested_prompts.async_set_suggested_prompts import (
    AsyncSetSuggestedPrompts,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.admin_actions import AdminActions
from adapters.slack.admins import WorkspaceAdmins
from adapters.slack.authorize import BotIdentity, StoredInstallations, describe
from adapters.slack.blocks import Message
from adapters.slack.home import HOME_START, home_view
from adapters.slack.replies import pooled_respond
from adapters.slack.reporting import fetch_report, render, report_files
from adapters.slack.workspaces import OrgChannels, SingleWorkspace, Workspaces, org_id
from bot.coach import USAGE_HINT, Coach
from bot.errors import CoachError, InvalidAmount, InvalidInput
from bot.models import Actor, EscalationAction, EscalationRecord, Role
from bot.orgs import SLACK, org_for
from bot.pulse import pulse_message
from bot.reports import Report

log = logging.getLogger(__name__)

DEDUP_TTL_SECONDS = 3600  # Slack's retries come within minutes; an hour is ample
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
ALTERNATIVES_WORDS = {"other", "not this one", "alternatives", "wrong"}
HELP = (
    "Describe what is happening and I'll coach you through it, e.g. "
    "`/coach guest's clothes stuck in the broken washer, she's furious`. Then press the "
    "buttons, or type `next`, `spend £48 dry cleaning, room 214`, `escalate` or `other`. "
    "Afterwards: `outcome won` (or calmed, lost, unsure, with a note if you like) and "
    "`pulse` for a customer follow-up code. Managers: `pending` (or `/cx-pending`) lists "
    "the spends waiting for a decision."
)
# A slash command's answer rides in its ack when it is ready within this; otherwise the
# ack goes out empty and the answer follows on the response_url. Slack waits 3 s for an
# ack; this leaves room for the network.
ACK_BUDGET_SECONDS = 2.0
SORRY = "Sorry — something went wrong on my side. Please try again in a moment."
STALE_FORM = "This form is out of date — close it and press Log spend again."
ASSISTANT_GREETING = (
    "Tell me what is happening with your customer and I'll coach you through it — "
    "or tap one of the situations below."
)
ASSISTANT_STATUS = "is finding the right playbook…"
# Homes refreshed after a change that touches many people (managers' queues), at most.
MAX_HOMES_REFRESHED = 25


class SlackBot:
    """The Bolt app for one deployment; ``coach`` is attached when the aiohttp app starts.

    Single workspace: ``client`` carries ``SLACK_BOT_TOKEN``. Many workspaces (OAuth):
    ``client`` has no token and ``oauth_settings`` brings the installation store; Bolt's
    authorize middleware then puts the requesting workspace's bot token on the client
    each listener receives, and ``workspaces`` does the same for the outbox.
    """

    def __init__(
        self,
        *,
        signing_secret: str,
        client: AsyncWebClient,
        workspaces: Workspaces | None = None,
        oauth_settings: AsyncOAuthSettings | None = None,
        escalation_channel: str = "",
        public_url: str = "",
    ) -> None:
        self.client = client
        self.public_url = public_url  # COACHBOT_PUBLIC_URL: pulse links, else bare codes
        # The same check Bolt makes, for requests refused before they reach Bolt.
        self.verifier = SignatureVerifier(signing_secret)
        self.escalation_channel = escalation_channel
        self.workspaces: Workspaces = workspaces or SingleWorkspace(client, escalation_channel)
        # What the outbox and the answers use: the organisation's own escalation channel
        # (its stored policy) first, else the workspace's.
        self.outbound: Workspaces = OrgChannels(self.workspaces, self._policy_channel)
        self.multi_workspace = oauth_settings is not None
        self.coach: Coach | None = None
        # Slack's owners and admins, and the installer: admins of their organisation.
        self.admins = WorkspaceAdmins(
            oauth_settings.installation_store if oauth_settings is not None else None
        )
        # The service's HTTP session (set while it runs): Web API calls and response_url
        # replies reuse its connections instead of opening one per message.
        self.http: ClientSession | None = None
        # Authorisation makes no Web API call per request (see authorize.py): one
        # workspace is authorised with the configured token while auth.test is asked in
        # the background; many workspaces from their stored installations. Bolt gets a
        # client without a token of its own (the authorize result puts one on each
        # request's client) sharing the base URL and, once running, the HTTP session.
        self.identity: BotIdentity | None = None
        authorize: AsyncAuthorize
        if oauth_settings is not None:
            authorize = StoredInstallations(oauth_settings.installation_store)
        else:
            self.identity = authorize = BotIdentity(client)
        self.bolt_client = AsyncWebClient(
            base_url=client.base_url, timeout=client.timeout, session=client.session
        )
        self.bolt = AsyncApp(
            signing_secret=signing_secret,
            client=self.bolt_client,
            # An AsyncAuthorize instance is used as it is (Bolt's hint names only plain
            # functions, the other form it accepts).
            authorize=authorize,  # type: ignore[arg-type]
            oauth_settings=oauth_settings,
            installation_store_bot_only=True if oauth_settings is not None else None,
            logger=logging.getLogger("slack_bolt"),
        )
        if oauth_settings is not None:
            # tokens_revoked / app_uninstalled delete the installation. Registered before
            # the catch-all event listener below, because Bolt runs only the first match.
            self.bolt.enable_token_revocation_listeners()
        self.bolt.middleware(pooled_respond(lambda: self.http))
        # Background home refreshes, held so that they are not collected mid-flight.
        self._refreshing: set[asyncio.Task[None]] = set()
        self._register(self.bolt)

    def _register(self, app: AsyncApp) -> None:
        app.command("/coach")(self.on_coach)
        app.command("/spend")(self.on_spend)
        app.command("/cx-report")(self.on_report)
        app.command("/cx-audit")(self.on_audit)
        app.command("/cx-limits")(self.on_limits)
        app.command("/cx-pending")(self.on_pending)
        # Slack's Agents & AI Apps container. Where a workspace has it off, no
        # assistant_thread_* event comes; a reply in a thread of the bot's DM then
        # reaches the same coaching through the assistant's message listener.
        assistant = AsyncAssistant(thread_context_store=NoThreadContext())
        assistant.thread_started(self.on_assistant_started)
        assistant.user_message(self.on_assistant_message)
        app.assistant(assistant)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        # Bolt answers 404 to events nobody listens to, and Slack retries those; the
        # events an install may still send us (joins, reactions, home tab) get a 200.
        app.event(re.compile(r".*"))(self.on_other_event)
        app.action(blocks.NEXT)(self.on_next)
        app.action(blocks.LOG_SPEND)(self.on_log_spend)
        app.action(blocks.ESCALATE)(self.on_escalate)
        app.action(blocks.NOT_THIS_ONE)(self.on_not_this_one)
        app.action(re.compile(rf"^{blocks.CHOOSE_PREFIX}\d$"))(self.on_choose)
        app.action(re.compile(rf"^{HOME_START}_\d$"))(self.on_home_start)
        actions = "|".join(a.value for a in EscalationAction)
        app.action(re.compile(rf"^{blocks.ESC_PREFIX}({actions})$"))(self.on_escalation_action)
        app.view(blocks.SPEND_MODAL)(self.on_spend_submitted)
        app.action(blocks.SPEND_AGAIN)(self.on_spend_again)
        app.action(blocks.SPEND_NOT_AGAIN)(self.on_spend_not_again)
        outcomes = "|".join(o.value for o in blocks.OUTCOME_CHOICES)
        app.action(re.compile(rf"^{blocks.OUTCOME_PREFIX}({outcomes})$"))(self.on_outcome)
        # Ticking the prompt's review box may send its own request: a 200, nothing more.
        app.action(blocks.OUTCOME_REVIEW)(self.on_outcome_input)
        AdminActions(self).register(app)

    def use_session(self, session: ClientSession | None) -> None:
        """Send over the service's HTTP session while it runs (None: one per call)."""
        self.http = session
        self.client.session = session
        self.bolt_client.session = session  # Bolt copies it onto each request's client
        self.workspaces.use_session(session)  # and the outbox's clients

    # -- helpers -------------------------------------------------------------------

    @property
    def _coach(self) -> Coach:
        if self.coach is None:
            raise RuntimeError("the Slack adapter received a request before startup finished")
        return self.coach

    @property
    def coach_now(self) -> Coach:
        """The attached core (for the listeners of other modules)."""
        return self._coach

    def actor_of(self, context: AsyncBoltContext) -> Actor:
        return self._actor(context)

    async def _policy_channel(self, org: str) -> str | None:
        if self.coach is None:
            return None
        return (await self.coach.policy_for(org)).config.escalation_channel

    async def admin_actor(
        self, client: AsyncWebClient, actor: Actor, *, max_age: float | None = None
    ) -> Actor:
        """``actor`` with Slack's word on whether they run the workspace (owner, admin,
        installer), for the App Home and admin actions only — never asked for coaching.
        The core decides what that allows (``bot.coach.is_admin``)."""
        if await self.admins.is_admin(client, actor.org, actor.user_id, max_age=max_age):
            return self._coach.actor(
                actor.org,
                actor.user_id,
                display_name=actor.display_name,
                platform=actor.platform,
                platform_admin=True,
            )
        return actor

    def _actor(
        self,
        context: AsyncBoltContext,
        display_name: str | None = None,
        user_id: str | None = None,
    ) -> Actor:
        # Organisation = the workspace, from the ids in Slack's signed request (see
        # workspaces.org_id): another workspace's ledger, state and escalations are out
        # of reach because the core keys all of them by this id.
        workspace = org_id(context.enterprise_id, context.team_id)
        if not workspace:
            raise InvalidInput("this request names no Slack workspace")
        # In Slack's namespace of organisations (bot.orgs): no Teams tenant is ever this org.
        return self._coach.actor(
            org_for(SLACK, workspace),
            user_id or context.user_id or "",
            display_name=display_name,
            platform=SLACK,
        )

    async def _guard(
        self, reply: Callable[[Message], Awaitable[Any]], work: Awaitable[Message]
    ) -> None:
        """Run ``work`` and send what it returns; a user's mistake is told to them plainly."""
        await reply(await _settled(work))

    # -- the conversation (DM, @mention, /coach) -------------------------------------

    async def spend(
        self,
        actor: Actor,
        text: str,
        request_key: str | None,
        *,
        customer_ref: str | None = None,
        playbook_id: str | None = None,
        incident_id: str | None = None,
    ) -> Message:
        """Log a spend once per delivered request (``request_key``), or ask to confirm;
        ``incident_id``: the incident the card's button carried (else the open one)."""
        outcome = await self._coach.spend(
            actor,
            text,
            customer_ref=customer_ref,
            playbook_id=playbook_id,
            incident_id=incident_id,
            request_key=request_key,
        )
        if outcome.entry is not None and not outcome.replayed:
            # The spender's allowance moved; a pending spend joins the managers' queue.
            self.refresh_homes(actor.org, [actor.user_id], outcome.escalation)
        request = outcome.request
        again = {
            "text": text,
            "customer": customer_ref,
            # The same incident and playbook, even if another has been opened since.
            "playbook": request.playbook_id if request else playbook_id,
            "incident": request.incident_id if request else None,
        }
        return blocks.spend_message(outcome, again)

    async def converse(self, actor: Actor, text: str, request_key: str | None = None) -> Message:
        """One line from staff: a situation, or one of the words the buttons stand for.

        ``request_key`` names the delivered request, so that a spend in it is logged once.
        """
        text = text.strip()
        word, _, rest = text.partition(" ")
        command = word.lower().lstrip("/")
        if not text:
            return blocks.plain(USAGE_HINT)
        if command in {"help", "?"} and not rest:
            return blocks.plain(HELP)
        if command == "next" and not rest:
            return blocks.advice_message(await self._coach.next_step(actor))
        if command == "spend":
            return await self.spend(actor, rest, request_key)
        if command in {"escalate", "escalation"}:
            return await self.escalate(actor, rest or None)
        if command == "outcome" and rest:
            # "outcome won" / "outcome lost they left": the typed form of the prompt.
            outcome, _, note = rest.partition(" ")
            record = await self._coach.record_outcome(actor, None, outcome, note.strip() or None)
            return blocks.outcome_recorded(record)
        if command == "pulse" and not rest:
            code = await self._coach.create_pulse(actor)
            return blocks.plain(pulse_message(code, self.public_url))
        if command == "pending" and not rest:
            # The managers' queue (/cx-pending), never a situation to coach.
            return await self.pending(actor)
        if text.lower() in ALTERNATIVES_WORDS:
            return await self._alternatives(actor)
        return blocks.advice_message(await self._coach.advise(actor, text))

    async def escalate(
        self, actor: Actor, note: str | None, incident_id: str | None = None
    ) -> Message:
        record = await self._coach.escalate(actor, note=note, incident_id=incident_id)
        channel = await self.outbound.channel_for(actor.org)
        where = f" in <#{channel}>" if channel else ""
        text = (
            f"⬆ Managers alerted{where} (escalation `{record.escalation_id}`). "
            "Stay with the customer."
        )
        return blocks.message(text, [blocks.section(text)])

    async def _alternatives(self, actor: Actor, incident_id: str | None = None) -> Message:
        advice = await self._coach.current(actor, incident_id)
        if advice is None:
            return blocks.plain("Tell me what is happening first.")
        return blocks.alternatives_message(advice)

    async def on_coach(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        request: AsyncBoltRequest,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        actor = self._actor(context, command.get("user_name"))
        key = command_key(request)
        await _answer(ack, respond, self.converse(actor, command.get("text") or "", key))

    async def on_spend(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        request: AsyncBoltRequest,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        # The spend is recorded BEFORE the ack: a 200 to Slack must mean the ledger has
        # it, even if this process is killed a moment later. Recording is one local
        # write; should the database be slow, the ack still goes out at the budget and
        # the receipt follows when the write completes.
        actor = self._actor(context, command.get("user_name"))
        text = (command.get("text") or "").strip()

        async def record() -> Message:
            if not text:
                return blocks.plain("Usage: `/spend £48 dry cleaning, room 214`")
            # A replay of this signed request (or a retry after a crash) logs nothing
            # and gets the first receipt back.
            return await self.spend(actor, text, command_key(request))

        await _answer(ack, respond, record())

    async def on_mention(
        self, event: dict[str, Any], body: dict[str, Any], say: AsyncSay, context: AsyncBoltContext
    ) -> None:
        await self._answer(event, body, say, context)

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], say: AsyncSay, context: AsyncBoltContext
    ) -> None:
        if event.get("channel_type") in {"im"}:
            await self._answer(event, body, say, context)
            return
        # In a channel, answer only when the bot is mentioned: that is app_mention's twin
        # (message.channels), which the de-duplication below lets through only once.
        mentioned = {m.group(1) for m in MENTION.finditer(event.get("text") or "")}
        bot = _bot_user_id(context, body)
        if bot and bot in mentioned:
            await self._answer(event, body, say, context)

    async def on_other_event(self) -> None:
        return None

    async def _answer(
        self, event: dict[str, Any], body: dict[str, Any], say: AsyncSay, context: AsyncBoltContext
    ) -> None:
        # Never answer a bot (ourselves included) nor edits, deletions and joins.
        if event.get("bot_id") or event.get("subtype") or not event.get("user"):
            return
        if not await self._first_delivery(body, event):
            return
        # Drop the mention of the bot itself; mentions of colleagues stay part of the story.
        bot = _bot_user_id(context, body)
        text = MENTION.sub(
            lambda m: " " if m.group(1) == bot else m.group(0), event.get("text") or ""
        )
        actor = self._actor(context)
        thread = (
            None if event.get("channel_type") == "im" else event.get("thread_ts") or event.get("ts")
        )
        key = f"slack:msg:{event.get('channel')}:{event.get('ts')}" if event.get("ts") else None
        await self._guard(lambda m: say(**m, thread_ts=thread), self.converse(actor, text, key))

    async def _first_delivery(self, body: dict[str, Any], event: dict[str, Any]) -> bool:
        """Exactly one answer per message, across retries, twins and processes (shared state).

        A retry repeats the event_id; the app_mention / message.channels twins share
        channel + ts but not event_id. Both keys are marked every time.
        """
        state, team = self._coach.state, body.get("team_id") or ""
        fresh = True
        if body.get("event_id"):
            fresh = await state.first_seen(f"slack:event:{body['event_id']}", DEDUP_TTL_SECONDS)
        if event.get("channel") and event.get("ts"):
            key = f"slack:msg:{team}:{event['channel']}:{event['ts']}"
            fresh = await state.first_seen(key, DEDUP_TTL_SECONDS) and fresh
        return fresh

    # -- buttons on the coaching card ----------------------------------------------

    async def _card(self, respond: AsyncRespond, work: Awaitable[Message]) -> None:
        """Update the card in place; a refusal goes to the clicker alone, card untouched."""
        try:
            msg = await work
        except CoachError as exc:
            await respond(text=f"⚠ {exc}", response_type="ephemeral", replace_original=False)
            return
        except Exception:
            log.exception("slack action failed")
            await respond(text=SORRY, response_type="ephemeral", replace_original=False)
            return
        await respond(**msg, replace_original=True)

    async def on_next(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = self._actor(context)
        # The card's own incident: an older card never advances a newer incident.
        incident_id = _button_value(action)

        async def work() -> Message:
            return blocks.advice_message(await self._coach.next_step(actor, incident_id))

        await self._card(respond, work())

    async def on_not_this_one(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        # The button carries its card's incident: an older card's names that incident.
        await self._card(respond, self._alternatives(self._actor(context), _button_value(action)))

    async def on_choose(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = self._actor(context)

        async def work() -> Message:
            chosen = action.get("value") or ""  # a button without one names no playbook
            incident = blocks.chosen_incident(action.get("block_id"))
            return blocks.advice_message(await self._coach.choose_playbook(actor, chosen, incident))

        await self._card(respond, work())

    async def on_escalate(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = self._actor(context)
        await self._guard(
            lambda m: respond(**m, response_type="ephemeral", replace_original=False),
            self.escalate(actor, None, _button_value(action)),
        )

    async def on_log_spend(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        # A trigger_id is good for three seconds: open the modal before anything else.
        channel = (body.get("container") or {}).get("channel_id") or context.channel_id
        playbook_id, incident_id = blocks.read_spend_button(_button_value(action))
        await client.views_open(
            trigger_id=body["trigger_id"],
            view=blocks.spend_modal(playbook_id, channel, incident_id),
        )

    async def on_spend_submitted(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        values = view["state"]["values"]

        def field(name: str) -> str:
            # The entry check (shapes.py) guarantees blocks of objects; the value itself
            # is a string for the text inputs of our modal, anything else is no answer.
            value = (values.get(name, {}).get(name) or {}).get("value")
            return value.strip() if isinstance(value, str) else ""

        meta = _metadata(view.get("private_metadata"))
        if meta is None:
            await ack(response_action="errors", errors={blocks.AMOUNT: STALE_FORM})
            return
        actor = self._actor(context)
        trigger = body.get("trigger_id")
        key = f"slack:view:{view.get('id')}:{trigger}" if trigger else None
        # Recording happens before ack here, because a refusal must be shown inside the
        # modal (response_action "errors"); it is one local write, well inside 3 s.
        try:
            receipt = await self.spend(
                actor,
                f"{field(blocks.AMOUNT)} {field(blocks.REASON)}",
                key,
                playbook_id=meta.get("playbook_id"),
                customer_ref=field(blocks.CUSTOMER) or None,
                incident_id=_button_value({"value": meta.get("incident_id")}),
            )
        except CoachError as exc:
            block = blocks.AMOUNT if isinstance(exc, InvalidAmount) else blocks.REASON
            if "customer" in str(exc).lower() and field(blocks.CUSTOMER):
                block = blocks.CUSTOMER
            await ack(response_action="errors", errors={block: str(exc)})
            return
        await ack()
        # The receipt goes to the employee's DM with the app, where it stays findable.
        await client.chat_postMessage(channel=actor.user_id, **receipt)

    async def on_spend_again(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """*Yes, log another*: the spend the question was about, logged once."""
        await ack()
        actor = self._actor(context)
        key = f"slack:action:{action.get('action_id')}:{body.get('trigger_id')}"

        async def work() -> Message:
            try:
                again = json.loads(str(action.get("value") or ""))
            except ValueError:
                again = None
            if not isinstance(again, dict) or not isinstance(again.get("text"), str):
                raise InvalidInput("that button no longer works — type the spend again")

            def given(name: str) -> str | None:
                value = again.get(name)
                return value if isinstance(value, str) else None

            outcome = await self._coach.spend(
                actor,
                again["text"],
                customer_ref=given("customer"),
                playbook_id=given("playbook"),
                incident_id=given("incident"),
                request_key=key if body.get("trigger_id") else None,
                confirm=True,
            )
            return blocks.spend_message(outcome)

        await self._card(respond, work())

    async def on_spend_not_again(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(**blocks.plain("OK — not logged again."), replace_original=True)

    # -- closing the loop: the outcome prompt's buttons -------------------------------

    async def on_outcome(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        outcome = action["action_id"].removeprefix(blocks.OUTCOME_PREFIX)
        incident_id = str(action.get("value") or "").strip() or None
        # The note and the review box come with the click, in the message's state.
        note, review_posted = blocks.outcome_inputs(body)
        actor = self._actor(context)

        async def work() -> Message:
            # The core checks who may answer and the note's length; its refusals
            # (AlreadyDecided, NotPermitted, InvalidInput) go to the clicker alone and the
            # prompt stays as it was, so it can be corrected and tapped again.
            record = await self._coach.record_outcome(
                actor, incident_id, outcome, note, review_posted
            )
            return blocks.outcome_recorded(record)

        await self._card(respond, work())

    async def on_outcome_input(self, ack: AsyncAck) -> None:
        # Read when a button is pressed (state.values); the toggle itself records nothing.
        await ack()

    # -- the App Home ----------------------------------------------------------------

    async def on_home_opened(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        # app_home_opened also comes for the Messages tab, which has nothing to publish.
        if event.get("tab") != "home":
            return
        await self.publish_home(client, self._actor(context))

    async def publish_home(
        self, client: AsyncWebClient, actor: Actor, notice: str | None = None
    ) -> None:
        """Publish ``actor``'s home as it stands now; failures are logged, never raised
        (a home that could not be drawn must not undo what a click did)."""
        try:
            actor = await self.admin_actor(client, actor)
            view = home_view(await self._coach.home(actor), notice)
            await client.views_publish(user_id=actor.user_id, view=view)
        except SlackApiError as exc:
            log.warning("slack: home not published for %s: %s", actor.user_id, describe(exc))
        except (ClientError, TimeoutError, CoachError) as exc:
            log.warning("slack: home not published for %s: %s", actor.user_id, describe(exc))
        except Exception:
            log.exception("slack: home not published")

    def refresh_homes(
        self, org: str, user_ids: list[str], escalation: EscalationRecord | None = None
    ) -> None:
        """Re-publish these people's homes in the background (and, for a spend
        escalation, the homes of those it asks to decide), without delaying the answer."""
        users = list(user_ids)
        if escalation is not None and escalation.kind == "spend":
            users += self._deciders(escalation.level)
        task = asyncio.ensure_future(self._refresh(org, list(dict.fromkeys(users))))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    def _deciders(self, level: Role) -> list[str]:
        # The organisation file's managers and admins at the escalation's level or above;
        # with many workspaces the file's user ids belong to none of them in particular.
        if self.multi_workspace:
            return []
        users = self._coach.policy.config.users
        return [u for u, role in users.items() if role.at_least(level)][:MAX_HOMES_REFRESHED]

    async def _refresh(self, org: str, user_ids: list[str]) -> None:
        client = await self.workspaces.client_for(org)
        if client is None:
            return
        for user_id in user_ids[:MAX_HOMES_REFRESHED]:
            try:
                actor = self._coach.actor(org, user_id, platform="slack")
            except CoachError:
                continue
            await self.publish_home(client, actor)

    async def on_home_start(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A one-tap situation in the home: its coaching card, in the person's DM."""
        await ack()
        actor = self._actor(context)
        card = self._start_card(actor, _button_value(action) or "")
        # The DM keeps the card with its buttons, where the conversation carries on.
        await client.chat_postMessage(channel=actor.user_id, **await _settled(card))
        await self.publish_home(client, actor)

    # -- the assistant container (Agents & AI Apps) -----------------------------------

    async def on_assistant_started(
        self,
        payload: dict[str, Any],
        say: AsyncSay,
        set_suggested_prompts: AsyncSetSuggestedPrompts,
        context: AsyncBoltContext,
    ) -> None:
        await say(text=ASSISTANT_GREETING)
        # Bolt finds no user in this event's context: it is the thread's owner.
        owner = (payload.get("assistant_thread") or {}).get("user_id")
        home = await self._coach.home(self._actor(context, user_id=owner))
        if home.top_playbooks:
            # Slack shows at most four; titles only, never what someone once typed.
            await set_suggested_prompts(
                prompts=[{"title": p.title, "message": p.title} for p in home.top_playbooks[:4]],
                title="Most used here lately",
            )

    async def on_assistant_message(
        self,
        payload: dict[str, Any],
        body: dict[str, Any],
        say: AsyncSay,
        set_status: AsyncSetStatus,
        context: AsyncBoltContext,
    ) -> None:
        if not await self._first_delivery(body, payload):
            return
        actor = self._actor(context)
        text = (payload.get("text") or "").strip()
        try:
            await set_status(ASSISTANT_STATUS)
        except (SlackApiError, ClientError, TimeoutError) as exc:
            # A thread reply in a workspace without the assistant feature: coach anyway.
            log.info("slack: no assistant status (%s)", describe(exc))
        key = f"slack:msg:{payload.get('channel')}:{payload.get('ts')}"
        chosen = next((p for p in self._coach.library_for(actor.org) if p.title == text), None)
        work = (
            self._start_card(actor, chosen.id)
            if chosen is not None
            else self.converse(actor, text, key)
        )
        # Assistant replies go into the assistant thread (Bolt's say is bound to it).
        await say(**await _settled(work))

    async def _start_card(self, actor: Actor, playbook_id: str) -> Message:
        return blocks.advice_message(await self._coach.start_playbook(actor, playbook_id))

    # -- the managers' channel -----------------------------------------------------

    async def on_escalation_action(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        name = action["action_id"].removeprefix(blocks.ESC_PREFIX)
        # The same buttons sit in the managers' channel and in a manager's App Home; a
        # click in the home has no response_url, so its answer is the home published anew.
        in_home = _from_home(body)
        actor = self._actor(context)
        notice: str | None = None
        record: EscalationRecord | None = None
        try:
            # The core re-checks the clicker's role now: anyone in the channel can click.
            escalation_id = action.get("value") or ""  # none: "no escalation ''"
            record = await self._coach.act(actor, escalation_id, EscalationAction(name))
        except CoachError as exc:
            notice = str(exc)
        except Exception:
            log.exception("escalation action failed")
            notice = SORRY
        if notice is not None and not in_home:
            await respond(text=f"⚠ {notice}", response_type="ephemeral", replace_original=False)
        if in_home:
            await self.publish_home(client, actor, notice)
        if record is not None:
            # On success the outbox edits the card ("escalation.updated") and DMs the
            # employee; the homes showing this spend change too.
            others = [record.raised_by] + ([] if in_home else [actor.user_id])
            self.refresh_homes(actor.org, others, record)
            # A click in the /cx-pending list also redraws that list in place.
            if str(action.get("block_id") or "").startswith(blocks.PENDING_BLOCK_PREFIX):
                await self._guard(
                    lambda m: respond(**m, replace_original=True), self.pending(actor)
                )

    async def pending(self, actor: Actor) -> Message:
        return blocks.pending_message(await self._coach.pending(actor), actor.user_id)

    async def on_pending(
        self, ack: AsyncAck, respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        actor = self._actor(context)
        await self._guard(lambda m: respond(**m), self.pending(actor))

    async def on_limits(
        self, ack: AsyncAck, respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        actor = self._actor(context)

        async def work() -> Message:
            return blocks.limits_message(await self._coach.limits(actor))

        await self._guard(lambda m: respond(**m), work())

    async def on_audit(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = self._actor(context)

        async def work() -> Message:
            self._coach.require_manager(actor)
            if (command.get("text") or "").strip().lower() != "verify":
                return blocks.plain(
                    "Usage: `/cx-audit verify` — checks the spend ledger's hash chain."
                )
            return blocks.verify_message(await self._coach.ledger.verify(actor.org))

        await self._guard(lambda m: respond(**m), work())

    async def on_report(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = self._actor(context)
        try:
            report = await fetch_report(self._coach, actor, command.get("text") or "")
        except Exception as exc:
            # Refused (not a manager, a bad period): the reason, and no files.
            await respond(**_refusal(exc))
            return
        await respond(**render(report))
        channel = command.get("channel_id") or context.channel_id
        if channel:
            await self._upload_report(client, respond, report, channel)

    async def _upload_report(
        self, client: AsyncWebClient, respond: AsyncRespond, report: Report, channel: str
    ) -> None:
        """The chart and the CSV, after the text, where the command was run (files:write)."""
        try:
            files = await asyncio.to_thread(report_files, report)
            await client.files_upload_v2(file_uploads=files, channel=channel)
        except SlackApiError as exc:
            code = exc.response.get("error") if exc.response is not None else None
            # Named by its cause: Slack's error code, else its HTTP status ("Slack
            # answered 500"); a 5xx carries no code, which once showed as "(None)".
            cause = describe(exc)
            log.warning("slack: report upload refused: %s", cause)
            hint = (
                " Invite me to this channel, or run /cx-report in our DM."
                if code in {"not_in_channel", "channel_not_found"}
                else ""
            )
            await respond(
                text=f"⚠ I could not attach the chart and CSV here ({cause}).{hint}",
                response_type="ephemeral",
                replace_original=False,
            )
        except (ClientError, TimeoutError) as exc:
            log.warning("slack: report upload failed: %s", describe(exc))
            await respond(
                text=f"⚠ I could not attach the chart and CSV ({describe(exc)}); "
                "the figures above stand.",
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:
            log.exception("slack: report upload failed")
            await respond(
                text="⚠ I could not attach the chart and CSV; the figures above stand.",
                response_type="ephemeral",
                replace_original=False,
            )


class NoThreadContext(AsyncAssistantThreadContextStore):
    """The assistant's thread context (which channel the person is viewing) unused.

    Coaching does not depend on it, and Bolt's default store reads and rewrites the
    thread's first message on every reply to keep it.
    """

    async def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        return None

    async def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        return None


def _from_home(body: dict[str, Any]) -> bool:
    """Whether a click came from the App Home (a view of type home, no response_url)."""
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "home"


def _button_value(action: dict[str, Any]) -> str | None:
    value = action.get("value")
    return (value.strip() or None) if isinstance(value, str) else None


def _bot_user_id(context: AsyncBoltContext, body: dict[str, Any]) -> str | None:
    """The bot's own user id: from authorisation, else from the event's ``authorizations``
    (Slack names the bot there), e.g. while auth.test has not answered since start-up."""
    if context.bot_user_id:
        return context.bot_user_id
    for authorization in body.get("authorizations") or ():
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            user = authorization.get("user_id")
            return str(user) if user else None
    return None


def command_key(request: AsyncBoltRequest) -> str | None:
    """A slash command's delivery, by its signature and timestamp: a replayed or retried
    request repeats both byte for byte, and no other request can have them. None in
    Socket Mode (no signature: Slack delivers each envelope once)."""
    signature = request.headers.get("x-slack-signature") or []
    timestamp = request.headers.get("x-slack-request-timestamp") or []
    if not signature or not timestamp:
        return None
    return f"slack:cmd:{timestamp[0]}:{signature[0]}"[:300]


def _metadata(raw: str | None) -> dict[str, str | None] | None:
    """What our spend modal carries in ``private_metadata`` (a JSON object we wrote), or
    None when it is something else: then the form is not one we opened, and nothing is
    recorded from it."""
    try:
        meta = json.loads(raw or "{}")
    except ValueError:
        return None
    if not isinstance(meta, dict) or not all(isinstance(v, str | None) for v in meta.values()):
        return None
    return meta


async def _answer(ack: AsyncAck, respond: AsyncRespond, work: Awaitable[Message]) -> None:
    """A slash command's answer: in the ack when ``work`` is done within the budget.

    Coaching is milliseconds of work, so the answer usually goes back in the HTTP
    response Slack is waiting for: one round trip instead of two, no outbound request,
    and none of the response_url's five replies used up (the buttons need them). When
    the database is slow the ack goes out empty at the budget, well inside Slack's 3 s,
    and the answer follows on the response_url.
    """
    answer = asyncio.ensure_future(_settled(work))
    try:
        message = await asyncio.wait_for(asyncio.shield(answer), ACK_BUDGET_SECONDS)
    except TimeoutError:
        await ack()
        await respond(**(await answer))
        return
    await ack(**message)


async def _settled(work: Awaitable[Message]) -> Message:
    """The message ``work`` returns, or what to tell the user when it raised."""
    try:
        return await work
    except Exception as exc:
        return _refusal(exc)


def _refusal(exc: Exception) -> Message:
    """What to tell the user about ``exc``: a ``CoachError`` as it is, anything else sorry."""
    if isinstance(exc, CoachError):
        return blocks.plain(f"⚠ {exc}")
    log.error("slack listener failed", exc_info=exc)
    return blocks.plain(SORRY)
