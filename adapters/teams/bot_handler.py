"""The Teams conversation: activities in, the core's answers out as Adaptive Cards.

Everything the coach decides (matching, authority, who may approve) is in ``bot.coach``;
this module only reads who is speaking and what they typed or clicked, calls the core,
and renders the result. Role checks are never made here — the core makes them, at the
moment of the request, for every platform.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import (
    ActivityHandler,
    InvokeResponse,
    TurnContext,
)
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from adapters.teams import admin, cards, home_card, report_files
from adapters.teams.notifier import card_activity
from adapters.teams.references import (
    CONVERSATION,
    DEFAULT_KEY,
    ESCALATION,
    LAST,
    PERSONAL,
    ReferenceStore,
)
from adapters.teams.report_files import ReportFileStore
from bot.coach import USAGE_HINT, Coach, NotUnderstood
from bot.errors import CoachError, InvalidInput, NotPermitted
from bot.incidents import IncidentRecord
from bot.models import Actor, Advice, EscalationAction, EscalationRecord
from bot.orgs import TEAMS, org_for
from bot.pulse import pulse_message
from bot.reports import Report, report_csv

log = logging.getLogger("coachbot.teams")
# (organisation, user id, card) → whether it reached the person's 1:1 chat with the bot.
PersonalCard = Callable[[str, str, cards.Card], Awaitable[bool]]

LOCAL_ORG = "local"  # the Emulator sends no tenant: organisation "teams:local" (bot.orgs)
HELP = (
    "Describe what is happening and I'll coach you through it, e.g. \"guest's clothes stuck "
    "in the broken washer, she's furious, room 214\". Then use the buttons, or type "
    "**next**, **spend £48 dry cleaning**, **escalate**, **other**; afterwards **outcome won** "
    "(or calmed, lost, unsure) and **pulse** for a customer follow-up code. **home**: what "
    "you may spend today and your spends.\n\n"
    "Managers: **pending**, **approve ID**, "
    "**deny ID**, **limits**, **report [today|week|month]**, **audit verify**, "
    "**set escalation channel** (in the managers' channel).\n\n"
    "Admins: **limits set associate --per-incident 40 --daily 120**, "
    "**role set @name lead**, **playbooks disable ID** (or enable); **home** has forms for "
    "limits and playbooks."
)
_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_ALTERNATIVES = {"other", "not this one", "alternatives", "wrong", "not this"}


def tenant_of(activity: Activity) -> str | None:
    """The organisation boundary: the Microsoft 365 tenant the activity came from."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else None
    if tenant and isinstance(tenant.get("id"), str) and tenant["id"]:
        return str(tenant["id"])
    conversation_tenant = getattr(activity.conversation, "tenant_id", None)
    return str(conversation_tenant) if conversation_tenant else None


def user_id_of(account: ChannelAccount) -> str:
    """The Entra (AAD) object id when Teams gives one: stable for a person across chats,
    teams and bot registrations, and what an admin can look up to list in the org file.
    The ``29:…`` id is specific to this bot and is used only when there is no object id."""
    return str(account.aad_object_id or account.id)


def clean_text(activity: Activity) -> str:
    """Message text without the bot's own @mention; other mentions keep their name."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        mentioned = props.get("mentioned") or {}
        if entity.type == "mention" and mentioned.get("id") == bot_id and props.get("text"):
            text = text.replace(str(props["text"]), " ")
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    return " ".join(html.unescape(text).split())


def channel_conversation_id(activity: Activity) -> str:
    """The channel itself (a new post), not the thread the command was typed in."""
    return str(activity.conversation.id).split(";messageid=", 1)[0]


class CoachBot(ActivityHandler):
    """One instance per process; per-turn state lives in the core and the database."""

    def __init__(
        self,
        coach: Callable[[], Coach],
        references: Callable[[], ReferenceStore],
        *,
        local_only: bool,
        report_files: Callable[[], ReportFileStore] | None = None,
        public_url: str = "",
        personal_card: PersonalCard | None = None,
    ) -> None:
        self._coach = coach
        self._references = references
        self._local_only = local_only
        self._report_files = report_files
        self._public_url = public_url.strip().rstrip("/")  # COACHBOT_PUBLIC_URL
        # Sends a card to a person's 1:1 chat with the bot (``TeamsNotifier``).
        self._personal_card = personal_card

    # -- activity types ----------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        actor = await self._actor(turn_context)
        if actor is None:
            return
        value = turn_context.activity.value
        try:
            if isinstance(value, dict) and isinstance(value.get("cmd"), str):
                await self._button(turn_context, actor, value)
            else:
                await self._text(turn_context, actor, clean_text(turn_context.activity))
        except CoachError as exc:
            await turn_context.send_activity(_refusal(exc))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            # An invoke this bot does not offer (the manifest declares none other): the
            # caller's mistake, so a 4xx rather than the SDK's customary 501.
            return InvokeResponse(status=400, body={"error": "unsupported invoke"})
        actor = await self._actor(turn_context)
        value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
        action: dict[str, Any] = value["action"] if isinstance(value.get("action"), dict) else {}
        data: dict[str, Any] = action["data"] if isinstance(action.get("data"), dict) else {}
        if actor is None:
            return _invoke_message("I can't tell which organisation you are in.")
        try:
            if data.get("cmd") == cards.CMD_ESCALATION:
                record = await self._escalation_action(actor, data)
                if data.get("view") == cards.VIEW_PENDING:
                    return _invoke_card(await self._pending_card(actor))
                if data.get("view") == cards.VIEW_HOME:
                    return _invoke_card(await self._home_card(actor))
                return _invoke_card(await self._escalation_card(actor.org, record))
            if data.get("cmd") == cards.CMD_OUTCOME:
                return _invoke_card(cards.outcome_recorded_card(await self._outcome(actor, data)))
            if isinstance(data.get("cmd"), str):
                # A staff button sent as Action.Execute (e.g. by another client): answer in
                # the conversation and acknowledge the click.
                await self._button(turn_context, actor, data)
                return _invoke_message("Done.")
            return _invoke_message(USAGE_HINT)
        except CoachError as exc:
            # Shown to the clicker only; the card stays as it was for everyone else.
            return _invoke_message(_refusal(exc))

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        # Installed in a team or a chat: remember the conversation so proactive messages
        # (escalations) can reach it, and introduce ourselves once.
        org = self._org(turn_context.activity)
        if org is None:
            return
        await self._remember_conversation(turn_context.activity, org)
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_added):
            await turn_context.send_activity(HELP)

    # -- who is asking -------------------------------------------------------------------

    def _org(self, activity: Activity) -> str | None:
        """The tenant's organisation id, in Teams' namespace (``bot.orgs``): a tenant that
        names a Slack team id is still a Teams organisation, never that Slack team."""
        tenant = tenant_of(activity) or (LOCAL_ORG if self._local_only else None)
        return org_for(TEAMS, tenant) if tenant else None

    async def _actor(self, turn_context: TurnContext) -> Actor | None:
        activity = turn_context.activity
        org = self._org(activity)
        sender = activity.from_property
        if org is None or sender is None or not sender.id:
            log.warning("Teams activity without tenant or sender ignored (id=%s)", activity.id)
            if activity.type == ActivityTypes.message:
                await turn_context.send_activity("I can't tell which organisation you are in.")
            return None
        coach = self._coach()
        # The organisation's policy as it stands (a role given a moment ago, in any
        # process, counts now); the core resolves the role from it.
        await coach.policy_for(org)
        actor = coach.actor(org, user_id_of(sender), display_name=sender.name, platform=TEAMS)
        await self._remember(activity, actor)
        return actor

    async def _remember(self, activity: Activity, actor: Actor) -> None:
        """Store where this person can be reached later (the approval DM)."""
        reference = TurnContext.get_conversation_reference(activity).serialize()
        refs = self._references()
        kind = (activity.conversation.conversation_type or "").lower()
        if kind == "personal":
            await refs.put(actor.org, PERSONAL, actor.user_id, reference, actor.display_name)
        await refs.put(actor.org, LAST, actor.user_id, reference, actor.display_name)

    async def _remember_conversation(self, activity: Activity, org: str) -> None:
        reference = TurnContext.get_conversation_reference(activity).serialize()
        key = channel_conversation_id(activity)
        await self._references().put(org, CONVERSATION, key, reference)

    # -- text ----------------------------------------------------------------------------

    async def _text(self, turn_context: TurnContext, actor: Actor, text: str) -> None:
        coach = self._coach()
        word, _, rest = text.partition(" ")
        command, rest = word.lower().lstrip("/"), rest.strip()
        lowered = text.lower()
        if not text or (command in {"help", "?", "hi", "hello"} and not rest):
            await turn_context.send_activity(HELP if text else USAGE_HINT)
        elif command == "next" and not rest:
            await self._advice(turn_context, await coach.next_step(actor))
        elif command == "spend":
            await self._spend(turn_context, actor, rest, None)
        elif command in {"escalate", "escalation"}:
            await self._escalate(turn_context, actor, rest or None)
        elif lowered in _ALTERNATIVES:
            await self._alternatives(turn_context, actor)
        elif command in {"approve", "deny"} and rest:
            await self._decide(turn_context, actor, rest, approve=command == "approve")
        elif command == "limits" and not rest:
            await _send_card(turn_context, cards.limits_card(await coach.limits(actor)))
        elif command == "home" and not rest:
            await self._home(turn_context, actor)
        elif admin.is_admin_command(command, rest):
            await self._admin_text(turn_context, actor, command, rest)
        elif command == "pending" and not rest:
            # The managers' queue, never a situation to coach.
            await _send_card(turn_context, await self._pending_card(actor))
        elif lowered == "audit verify":
            coach.require_manager(actor)
            result = await coach.ledger.verify(actor.org)
            await turn_context.send_activity(cards.verify_text(result))
        elif command == "report":
            await self._report(turn_context, actor, rest)
        elif command == "outcome" and rest:
            # "outcome won" / "outcome lost they left" — the typed form of the prompt.
            word, _, note = rest.partition(" ")
            record = await coach.record_outcome(actor, None, word, note.strip() or None)
            await _send_card(turn_context, cards.outcome_recorded_card(record))
        elif command == "pulse" and not rest:
            await turn_context.send_activity(pulse_message(await coach.create_pulse(actor)))
        elif lowered == "set escalation channel":
            await self._set_escalation_channel(turn_context, actor)
        else:
            try:
                await self._advice(turn_context, await coach.advise(actor, text))
            except NotUnderstood:
                await turn_context.send_activity(USAGE_HINT)

    async def _advice(self, turn_context: TurnContext, advice: Advice) -> None:
        await _send_card(turn_context, cards.advice_card(advice))

    async def _alternatives(
        self, turn_context: TurnContext, actor: Actor, incident_id: str | None = None
    ) -> None:
        advice = await self._coach().current(actor, incident_id)
        if advice is None:
            await turn_context.send_activity("Tell me what is happening first.")
            return
        await _send_card(turn_context, cards.alternatives_card(advice))

    async def _spend(
        self,
        turn_context: TurnContext,
        actor: Actor,
        text: str,
        customer: str | None,
        incident_id: str | None = None,
        *,
        again: dict[str, Any] | None = None,
    ) -> None:
        """Log a spend once per activity (a redelivery gets the first receipt), asking
        first when it repeats one logged minutes ago; ``again``: the confirmed repeat."""
        activity = turn_context.activity
        # Activity ids are unique within a conversation; Teams repeats one on redelivery.
        key = f"teams:{activity.conversation.id}:{activity.id}"[:300] if activity.id else None

        def given(name: str) -> str | None:
            value = (again or {}).get(name)
            return value if isinstance(value, str) and value else None

        outcome = await self._coach().spend(
            actor,
            text,
            customer_ref=customer,
            playbook_id=given("playbook"),
            incident_id=given("incident") or incident_id,
            request_key=key,
            confirm=again is not None,
        )
        if outcome.needs_confirmation:
            request = outcome.request
            data = {
                "text": text,
                "customer": customer,
                "playbook": request.playbook_id if request else None,
                "incident": request.incident_id if request else None,
            }
            await _send_card(turn_context, cards.log_another_card(outcome, data))
            return
        await turn_context.send_activity(cards.spend_text(outcome))

    async def _escalate(
        self,
        turn_context: TurnContext,
        actor: Actor,
        note: str | None,
        incident_id: str | None = None,
    ) -> None:
        record = await self._coach().escalate(actor, note=note, incident_id=incident_id)
        reasons = ", ".join(record.reasons) or "asked by staff"
        await turn_context.send_activity(
            f"⬆ Managers alerted ({reasons}). Escalation {record.escalation_id}; "
            "stay with the customer — someone will come to you."
        )

    async def _decide(
        self, turn_context: TurnContext, actor: Actor, entry_id: str, *, approve: bool
    ) -> None:
        # The core resolves the escalation card and tells the spender (the outbox).
        entry = await self._coach().decide(actor, entry_id, approve=approve)
        await turn_context.send_activity(f"{entry.entry_id}: {entry.status.value} — {entry.reason}")

    async def _report(self, turn_context: TurnContext, actor: Actor, args: str) -> None:
        coach = self._coach()
        coach.require_manager(actor)  # refuse before revealing whether reports exist
        try:
            from bot import reports
        except ImportError:  # a build without the reports module: say so plainly
            await turn_context.send_activity(
                "Reports are not available in this version. `limits` and `audit verify` work."
            )
            return
        query = reports.ReportQuery.from_text(args)
        report = await reports.build_report(coach, actor, query)
        await _send_card(turn_context, await self._report_card(actor, report))

    async def _report_card(self, actor: Actor, report: Report) -> cards.Card:
        """The report card, with the chart and the CSV behind short-lived links.

        The files are kept in the database (any process may get the image request) under
        random tokens for an hour; without a public URL there is nothing Teams could fetch.
        """
        # Who changed limits and roles, and whose: by the names Teams last gave.
        people = {c.changed_by for c in report.policy_changes}
        people |= {c.target for c in report.policy_changes if c.what.startswith("user ")}
        names = await self._references().names(actor.org, people)
        if not self._public_url:
            return cards.report_card(report, links_note=cards.NO_PUBLIC_URL, names=names)
        if self._report_files is None:
            return cards.report_card(report, names=names)
        store = self._report_files()
        p = report.period
        stem = f"report-{p.start:%Y-%m-%d}-{p.end:%Y-%m-%d}"
        chart: str | None = None
        try:
            from bot.charts import chart_png

            png = await asyncio.to_thread(chart_png, report)  # matplotlib: off the loop
        except ImportError:  # a build without matplotlib: the card and the CSV still work
            log.warning("Teams report: matplotlib is not installed, no chart")
        else:
            token = await store.put(actor.org, png, report_files.PNG, f"{stem}.png")
            chart = report_files.chart_url(self._public_url, token)
        body = report_csv(report).encode("utf-8")
        token = await store.put(actor.org, body, report_files.CSV, f"{stem}.csv")
        return cards.report_card(
            report,
            chart_url=chart,
            csv_url=report_files.csv_url(self._public_url, token),
            names=names,
        )

    async def _set_escalation_channel(self, turn_context: TurnContext, actor: Actor) -> None:
        self._coach().require_manager(actor)
        activity = turn_context.activity
        if (activity.conversation.conversation_type or "").lower() != "channel":
            raise InvalidInput("say this in the managers' channel, mentioning me")
        reference = TurnContext.get_conversation_reference(activity)
        reference.conversation.id = channel_conversation_id(activity)
        reference.activity_id = None
        await self._references().put(actor.org, ESCALATION, DEFAULT_KEY, reference.serialize())
        await turn_context.send_activity("✔ Escalations for this organisation will be posted here.")

    # -- buttons -------------------------------------------------------------------------

    async def _button(self, turn_context: TurnContext, actor: Actor, data: dict[str, Any]) -> None:
        coach = self._coach()
        cmd = data.get("cmd")
        incident = data.get("incident")
        incident_id = (incident.strip() or None) if isinstance(incident, str) else None
        if cmd == cards.CMD_NEXT:
            await self._advice(turn_context, await coach.next_step(actor, incident_id))
        elif cmd == cards.CMD_SPEND:
            amount = str(data.get("amount") or "").strip()
            reason = str(data.get("reason") or "").strip()
            customer = str(data.get("customer") or "").strip() or None
            if not amount:
                raise InvalidInput("type the amount, e.g. £48.50")
            await self._spend(turn_context, actor, f"{amount} {reason}", customer, incident_id)
        elif cmd == cards.CMD_SPEND_AGAIN and isinstance(data.get("text"), str):
            customer = data.get("customer") if isinstance(data.get("customer"), str) else None
            await self._spend(turn_context, actor, data["text"], customer, again=data)
        elif cmd == cards.CMD_SPEND_NOT_AGAIN:
            await turn_context.send_activity("OK — not logged again.")
        elif cmd == cards.CMD_ESCALATE:
            await self._escalate(turn_context, actor, None, incident_id)
        elif cmd == cards.CMD_OTHER:
            await self._alternatives(turn_context, actor, incident_id)
        elif cmd == cards.CMD_CHOOSE and isinstance(data.get("playbook"), str):
            chosen = await coach.choose_playbook(actor, data["playbook"], incident_id)
            await self._advice(turn_context, chosen)
        elif cmd == cards.CMD_OUTCOME:
            closed = await self._outcome(actor, data)
            content = cards.outcome_recorded_card(closed)
            if turn_context.activity.reply_to_id:
                # Replace the prompt with the answer: the buttons cannot be pressed twice.
                update = card_activity(content)
                update.id = turn_context.activity.reply_to_id
                await turn_context.update_activity(update)
            else:
                await _send_card(turn_context, content)
        elif cmd == home_card.CMD_START and isinstance(data.get("playbook"), str):
            await self._advice(turn_context, await coach.start_playbook(actor, data["playbook"]))
        elif cmd in (admin.CMD_SET_LIMITS, admin.CMD_SET_PLAYBOOK):
            await self._admin_form(turn_context, actor, str(cmd), data)
        elif cmd == cards.CMD_ESCALATION:
            # Action.Submit fallback of the escalation buttons: update the card ourselves.
            record = await self._escalation_action(actor, data)
            if data.get("view") == cards.VIEW_PENDING:
                content = await self._pending_card(actor)
            elif data.get("view") == cards.VIEW_HOME:
                content = await self._home_card(actor)
            else:
                content = await self._escalation_card(actor.org, record)
            if turn_context.activity.reply_to_id:
                update = card_activity(content)
                update.id = turn_context.activity.reply_to_id
                await turn_context.update_activity(update)
        else:
            await turn_context.send_activity(USAGE_HINT)

    async def _outcome(self, actor: Actor, data: dict[str, Any]) -> IncidentRecord:
        """The prompt's buttons: the core checks it is this person's incident (or a lead)."""
        incident_id = str(data.get("incident") or "").strip()
        outcome = str(data.get("outcome") or "").strip()
        if not incident_id or not outcome:
            raise InvalidInput("that button is not recognised")
        note = str(data.get("note") or "").strip() or None
        review = {"true": True, "false": False}.get(str(data.get("review") or "").lower())
        return await self._coach().record_outcome(actor, incident_id, outcome, note, review)

    async def _escalation_action(self, actor: Actor, data: dict[str, Any]) -> EscalationRecord:
        try:
            action = EscalationAction(str(data.get("action")))
        except ValueError:
            raise InvalidInput("that button is not recognised") from None
        escalation_id = str(data.get("id") or "")
        if not escalation_id:
            raise InvalidInput("that button is not recognised")
        return await self._coach().act(actor, escalation_id, action)

    # -- admin -------------------------------------------------------------------------

    async def _admin_text(
        self, turn_context: TurnContext, actor: Actor, command: str, rest: str
    ) -> None:
        changes, names = await admin.run_command(
            turn_context, self._coach(), self._references(), actor, command, rest
        )
        await turn_context.send_activity(cards.policy_changed_text(changes, names))

    async def _admin_form(
        self, turn_context: TurnContext, actor: Actor, cmd: str, data: dict[str, Any]
    ) -> None:
        """The home card's admin forms; on success the home is redrawn in place."""
        changes = await admin.run_form(self._coach(), actor, cmd, data)
        await turn_context.send_activity(cards.policy_changed_text(changes, {}))
        if turn_context.activity.reply_to_id:
            update = card_activity(await self._home_card(actor))
            update.id = turn_context.activity.reply_to_id
            await turn_context.update_activity(update)

    async def _home(self, turn_context: TurnContext, actor: Actor) -> None:
        """The home in the 1:1 chat: asked for in a channel or a group chat, where
        everyone would read the person's spends (and a manager's queue), it goes to
        their 1:1 chat with the bot instead."""
        content = await self._home_card(actor)
        kind = (turn_context.activity.conversation.conversation_type or "").lower()
        if kind in ("", "personal"):
            await _send_card(turn_context, content)
        elif self._personal_card is not None and await self._personal_card(
            actor.org, actor.user_id, content
        ):
            await turn_context.send_activity("✔ Sent to our 1:1 chat: your home is for you only.")
        else:
            await turn_context.send_activity(
                "Your home shows your own spends and limits, so I only show it in our 1:1 "
                "chat: open a chat with me and type home there."
            )

    async def _home_card(self, actor: Actor) -> cards.Card:
        home = await self._coach().home(actor)
        names = await self._references().names(actor.org, {p.user_id for p in home.pending})
        return home_card.home_card(home, actor.user_id, names)

    async def _pending_card(self, actor: Actor) -> cards.Card:
        queue = await self._coach().pending(actor)
        names = await self._references().names(actor.org, {p.user_id for p in queue})
        return cards.pending_card(queue, actor.user_id, names)

    async def _escalation_card(self, org: str, record: EscalationRecord) -> cards.Card:
        coach = self._coach()
        entry = await coach.ledger.get(org, record.entry_id) if record.entry_id else None
        people = {record.raised_by, *(user for _, user, _ in record.history)}
        names = await self._references().names(org, people)
        return cards.escalation_card(record, names, entry=entry)


def _refusal(exc: CoachError) -> str:
    """The core's refusal or complaint, said kindly (a refusal has changed nothing)."""
    if isinstance(exc, NotPermitted) and not str(exc).lower().startswith("sorry"):
        return f"⚠ Sorry — {exc}"
    return f"⚠ {exc}"


async def _send_card(turn_context: TurnContext, content: cards.Card) -> None:
    await turn_context.send_activity(card_activity(content))


def _invoke_card(content: cards.Card) -> InvokeResponse:
    return InvokeResponse(
        status=200,
        body={"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": cards.fitted(content)},
    )


def _invoke_message(text: str) -> InvokeResponse:
    return InvokeResponse(
        status=200,
        body={"statusCode": 200, "type": cards.MESSAGE_CONTENT_TYPE, "value": text},
    )
