"""The admins' *Edit* buttons in the App Home and the forms they open.

A click opens the form (``views.open`` with the click's trigger_id, good for three
seconds) filled in from the core's ``admin_view``, which refuses anyone who is not an
admin at that moment (the refusal is shown at the top of their home). A submitted form
goes to the core, which checks the submitter is an admin *again* (a role taken away
while the form was open counts) and validates every value; the submission is
acknowledged once the core has answered, because a refusal must be shown inside the
form (``response_action: "errors"``, beside the field concerned) and nothing recorded.
After a change the admin's home is re-published, and the home of anyone whose role
changed.

Whether Slack itself makes the person an admin (workspace owner or admin, installer)
is looked up here (``SlackBot.admin_actor``) and passed to the core as a fact.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import admin_forms, playbook_forms
from adapters.slack.admin_forms import SubmittedForm
from adapters.slack.admins import ADMIN_ACTION_MAX_AGE
from adapters.slack.authorize import describe
from bot.errors import CoachError, InvalidInput, InvalidSetting
from bot.ledger import PolicyChange
from bot.models import Actor

if TYPE_CHECKING:
    from adapters.slack.app import SlackBot

log = logging.getLogger(__name__)

SORRY = "Sorry — something went wrong on my side; nothing was changed. Please try again."


class AdminActions:
    """Listeners for the admins' forms, bound to one ``SlackBot``."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    def register(self, app: AsyncApp) -> None:
        edits = "|".join(re.escape(a) for a in admin_forms.EDIT_ACTIONS)
        app.action(re.compile(rf"^({edits}|{admin_forms.PICK_PLAYBOOK}_\d+)$"))(self.on_edit)
        app.view(re.compile(rf"^{re.escape(admin_forms.FORM_PREFIX)}"))(self.on_submitted)

    async def on_edit(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        value = action.get("value")
        if action_id.startswith(admin_forms.PICK_PLAYBOOK):
            value = (action.get("selected_option") or {}).get("value")
        actor = await self.bot.admin_actor(
            client, self.bot.actor_of(context), max_age=ADMIN_ACTION_MAX_AGE
        )
        coach = self.bot.coach_now
        try:
            view = await coach.admin_view(actor)
            modal = playbook_forms.modal_for(
                action_id,
                str(value or ""),
                view,
                library=coach.library_for(actor.org),
                shipped=coach.library,
                today=coach.clock().date(),
            )
        except CoachError as exc:
            # Not an admin (any more), or nothing by that name: said in their home.
            await self.bot.publish_home(client, actor, str(exc))
            return
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=modal)
        except SlackApiError as exc:
            # Most often the click's trigger_id expired (three seconds): press again.
            log.warning("slack: edit form not opened: %s", describe(exc))
            await self.bot.publish_home(client, actor, "That took too long — press Edit again.")

    async def on_submitted(
        self,
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        form = admin_forms.read_form(view)
        if form is None:
            inputs = admin_forms.form_inputs(str(view.get("callback_id") or ""))
            if inputs:
                await ack(response_action="errors", errors={inputs[0]: admin_forms.STALE})
            else:
                await ack()  # not a form of ours: nothing to change, nothing to say
            return
        actor = await self.bot.admin_actor(
            client, self.bot.actor_of(context), max_age=ADMIN_ACTION_MAX_AGE
        )
        try:
            changes = await self._apply(actor, form)
        except InvalidSetting as exc:
            await ack(response_action="errors", errors=form.field_errors(exc.errors))
            return
        except CoachError as exc:
            # Not an admin now, the last admin, a playbook that stays on: beside the form.
            await ack(response_action="errors", errors={form.first_block: str(exc)})
            return
        except Exception:
            log.exception("slack: admin form %s failed", form.callback_id)
            await ack(response_action="errors", errors={form.first_block: SORRY})
            return
        await ack()
        log.info("slack: %s made %d policy change(s)", actor.user_id, len(changes))
        affected = [actor.user_id]
        if form.callback_id == admin_forms.USER_ROLE_FORM and form.values[admin_forms.USER]:
            affected.append(str(form.values[admin_forms.USER]))
        self.bot.refresh_homes(actor.org, affected)

    async def _apply(self, actor: Actor, form: SubmittedForm) -> list[PolicyChange]:
        coach, values = self.bot.coach_now, form.values
        if form.callback_id == admin_forms.ROLE_LIMITS_FORM:
            # A field left empty is refused by the core's parser, in its own words.
            return await coach.set_role_limits(
                actor,
                form.meta["role"],
                values[admin_forms.PER_INCIDENT] or "",
                values[admin_forms.DAILY] or "",
            )
        if form.callback_id == admin_forms.USER_ROLE_FORM:
            return await coach.set_user_role(
                actor, values[admin_forms.USER] or "", values[admin_forms.ROLE] or ""
            )
        if form.callback_id == admin_forms.SETTINGS_FORM:
            return await coach.set_org_settings(
                actor,
                max_single_spend=values[admin_forms.MAX_SINGLE_SPEND] or "",
                # Left empty: no cap.
                customer_daily_cap=values[admin_forms.CUSTOMER_DAILY_CAP] or "",
                # None chosen: as it is (a select cannot be emptied).
                escalation_channel=values[admin_forms.ESCALATION_CHANNEL],
            )
        if form.callback_id == admin_forms.NEW_PLAYBOOK_FORM:
            return await self._add_playbook(actor, form)
        return await self._edit_playbook(actor, form)

    async def _add_playbook(self, actor: Actor, form: SubmittedForm) -> list[PolicyChange]:
        """A playbook of the organisation's own, from the new playbook form."""
        coach = self.bot.coach_now
        view = await coach.admin_view(actor)  # an admin now, and the currency now
        currency = view.settings.currency if view.settings is not None else coach.currency
        playbook = playbook_forms.playbook_from_form(form, currency, coach.clock().date())
        if any(p.own and p.playbook_id == playbook.id for p in view.playbooks):
            # The core would replace it; a form that says "Add" must not.
            raise InvalidSetting(
                {admin_forms.PLAYBOOK_ID: f"you already have a playbook {playbook.id!r}: "
                 "choose another id, or remove that one first"}
            )  # fmt: skip
        try:
            return await coach.import_playbooks(actor, [playbook])
        except InvalidInput as exc:
            said = str(exc)
            if said.startswith("id: "):  # the core's own refusal of the id (a library one)
                raise InvalidSetting({admin_forms.PLAYBOOK_ID: said.removeprefix("id: ")}) from None
            raise

    async def _edit_playbook(self, actor: Actor, form: SubmittedForm) -> list[PolicyChange]:
        """On or off, the say lines that changed, or removed (one of its own)."""
        coach, values = self.bot.coach_now, form.values
        playbook_id = form.meta["playbook_id"]
        if values.get(admin_forms.REMOVE):
            return await coach.remove_playbook(actor, playbook_id)
        enabled = values[admin_forms.ENABLED]
        if enabled not in (admin_forms.ON, admin_forms.OFF):
            raise InvalidSetting({admin_forms.ENABLED: "choose on or off"})
        await coach.policy_for(actor.org)  # the organisation's playbooks as they are now
        library = coach.library_for(actor.org)
        if playbook_id not in library:
            raise InvalidSetting({admin_forms.ENABLED: admin_forms.STALE})
        shipped = coach.library.get(playbook_id) if playbook_id in coach.library else None
        # Every line is checked before anything changes.
        lines = playbook_forms.say_changes(form, library.get(playbook_id), shipped)
        changes = await coach.set_playbook_enabled(actor, playbook_id, enabled == admin_forms.ON)
        for step, line in lines.items():
            try:
                changes += await coach.set_say_line(actor, playbook_id, step, line)
            except InvalidInput as exc:
                raise InvalidSetting({f"{admin_forms.SAY_PREFIX}{step}": str(exc)}) from None
        return changes
