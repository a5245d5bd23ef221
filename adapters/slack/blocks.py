"""Block Kit rendering: the core's plain data as Slack messages, modals and action ids.

Pure functions, no I/O. Every message carries a ``text`` fallback (notifications and
screen readers use it) and stays within Slack's limits: 50 blocks a message, 3000
characters a section, 150 a header, 75 a button label, 2000 a button value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.coach import PendingSpend, RoleLimits, SpendOutcome
from bot.incidents import MAX_NOTE_CHARS, IncidentRecord, Outcome
from bot.models import (
    Advice,
    EscalationRecord,
    EscalationStatus,
    LedgerEntry,
    Money,
    ScoredPlaybook,
    SpendStatus,
    VerifyResult,
)
from bot.money import format_money

Block = dict[str, Any]
Message = dict[str, Any]  # keyword arguments for chat.postMessage / respond: text + blocks

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75

# Action ids: the contract between the buttons drawn here and the listeners in app.py.
NEXT = "coach_next"
LOG_SPEND = "coach_spend"
ESCALATE = "coach_escalate"
NOT_THIS_ONE = "coach_other"
CHOOSE_PREFIX = "coach_choose_"  # + 1..3: action ids must be unique within a block
CHOICES_BLOCK = "coach_choices:"  # + the incident id the choices are for
ESC_PREFIX = "esc_"  # + an EscalationAction value; the button value is the escalation id
# Block id (+ the entry id) of a queued spend's Approve / Deny in the /cx-pending list: the
# buttons are the escalation card's own (ESC_PREFIX), and a click there refreshes the list.
PENDING_BLOCK_PREFIX = "pending_"
MAX_PENDING_SHOWN = 20  # two blocks each, within the 50-block limit with room to spare
SPEND_MODAL = "coach_spend_modal"
OUTCOME_PREFIX = "outcome_"  # + an Outcome value; the button value is the incident id
OUTCOME_CHOICES = (Outcome.WON, Outcome.CALMED, Outcome.LOST, Outcome.UNSURE)
# The prompt's optional inputs (block id = action id), read back from the button click's
# state.values. Not "outcome_<choice>" names, so the buttons' listener never sees them.
OUTCOME_NOTE = "outcome_note_input"
OUTCOME_REVIEW = "outcome_review_posted"
REVIEW_POSTED = "review_posted"  # the checkbox option's value when ticked
# "You logged £80 … at 14:02 — log another?": Yes carries the spend to log again (JSON).
SPEND_AGAIN, SPEND_NOT_AGAIN = "spend_again", "spend_not_again"
# Block and action ids of the spend modal's inputs, read back from view.state.values.
AMOUNT, REASON, CUSTOMER = "amount", "reason", "customer"


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters; user text must not."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(markdown, MAX_SECTION)}}


def context(markdown: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _cut(markdown, MAX_SECTION)}],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, MAX_HEADER)}}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    out: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(label, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        out["style"] = style
    return out


def actions(*elements: Block, block_id: str | None = None) -> Block:
    out: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        out["block_id"] = block_id
    return out


def message(text: str, blocks: list[Block] | None = None) -> Message:
    """A message within the 50-block limit; the last kept block says that some were cut."""
    out: Message = {"text": _cut(text, MAX_SECTION)}
    if blocks:
        if len(blocks) > MAX_BLOCKS:
            blocks = [*blocks[: MAX_BLOCKS - 1], context("_(more was cut to fit one message)_")]
        out["blocks"] = blocks
    return out


def plain(text: str) -> Message:
    """Text as it is: escaped, since Slack reads both the fallback and blocks as mrkdwn."""
    return message(escape(text), [section(escape(text))])


def money(m: Money) -> str:
    return format_money(m)


# -- staff ---------------------------------------------------------------------------


def advice_message(advice: Advice) -> Message:
    if not advice.confident and not advice.fallback:
        return did_you_mean_message(advice)
    auth, step = advice.authority, advice.step
    blocks: list[Block] = [context(escape(advice.note))] if advice.note else []
    blocks += [
        header(advice.playbook.title),
        section(f"*Step {step.index} of {step.total} — do this now:*\n{escape(step.do)}"),
    ]
    if step.say:
        blocks.append(section(f"*Say:* “{escape(step.say)}”"))
    blocks.append(
        section(
            f"*Your authority:* up to {money(auth.per_incident)} on this, "
            f"{money(auth.remaining_today)} left of today's {money(auth.daily_allowance)}"
        )
    )
    if advice.customer and advice.customer.entries:
        given = ", ".join(
            f"{money(g.amount)} by <@{g.user_id}> at {g.at:%H:%M}"
            + (" (pending)" if g.pending else "")
            for g in advice.customer.entries
        )
        blocks.append(
            context(f"Already given to {escape(advice.customer.customer_ref)} today: {given}")
        )
    if advice.gestures:
        lines = "\n".join(
            f"• {escape(g.name)}" + (f" (~{money(g.typical_cost)})" if g.typical_cost else "")
            for g in advice.gestures
        )
        blocks.append(section(f"*Gestures:*\n{lines}"))
    if advice.escalation.needed:
        reasons = ", ".join(advice.escalation.reasons)
        if advice.escalation_id:
            blocks.append(section(f":rotating_light: *Managers have been alerted* ({reasons})."))
        else:
            blocks.append(section(f":warning: *Tell a manager now* ({reasons}) — press Escalate."))
    buttons = []
    if step.index < step.total:
        buttons.append(button("Next step", NEXT, advice.incident_id, "primary"))
    buttons.append(button("Log spend", LOG_SPEND, spend_button_value(advice)))
    buttons.append(
        button(
            "Escalate", ESCALATE, advice.incident_id, "danger" if advice.escalation.needed else None
        )
    )
    if advice.alternatives and not advice.fallback:
        buttons.append(button("Not this one", NOT_THIS_ONE, advice.incident_id))
    blocks.append(actions(*buttons, block_id="coach_actions"))
    if advice.fallback and advice.alternatives:
        # Not sure which situation this is: the general steps above, the guesses here.
        blocks.append(section("*Or is it one of these?*"))
        blocks.append(_choices(list(advice.alternatives), advice.incident_id))
    fallback = escape(f"{advice.playbook.title} — step {step.index}: {step.do}")
    return message(fallback, blocks)


def _choices(playbooks: list[ScoredPlaybook], incident_id: str) -> Block:
    # The block carries the card's incident (its id comes back with the click): a choice
    # on an older card never switches the employee's newer incident.
    return actions(
        *(button(p.title, f"{CHOOSE_PREFIX}{i}", p.id) for i, p in enumerate(playbooks[:3], 1)),
        block_id=f"{CHOICES_BLOCK}{incident_id}"[:255],
    )


def chosen_incident(block_id: str | None) -> str | None:
    """The incident a choice block carries; None for cards posted before it did."""
    block_id = block_id or ""
    if not block_id.startswith(CHOICES_BLOCK):
        return None
    return block_id.removeprefix(CHOICES_BLOCK) or None


def did_you_mean_message(advice: Advice) -> Message:
    options = [advice.playbook, *advice.alternatives][:3]
    text = "I'm not sure which situation this is. Did you mean…"
    return message(
        text,
        [
            section(f"*{text}*"),
            _choices(options, advice.incident_id),
            context("Or describe it another way."),
        ],
    )


def alternatives_message(advice: Advice) -> Message:
    if not advice.alternatives:
        return plain("No other playbook fits — describe the situation another way.")
    text = "Other playbooks that might fit:"
    return message(
        text, [section(f"*{text}*"), _choices(list(advice.alternatives), advice.incident_id)]
    )


def spend_message(outcome: SpendOutcome, again: Mapping[str, Any] | None = None) -> Message:
    """The receipt; or, when the spend repeats a recent one, the question whether to log
    another, with Yes (carrying ``again``: the spend as the listener will log it) / No."""
    e = outcome.entry
    if e is None:
        return _log_another(outcome, again)
    amount = money(e.amount)
    where = f" for {escape(e.customer_ref)}" if e.customer_ref else ""
    if e.status is SpendStatus.APPROVED:
        left = money(outcome.authority.remaining_today)
        text = (
            f"✔ Logged {amount}{where} — {escape(e.reason)}. "
            f"Receipt `{e.entry_id}`. {left} left today."
        )
    else:
        why = "; ".join(outcome.over_authority)
        text = (
            f"⏳ {amount}{where} needs a manager's OK ({escape(why)}). Request `{e.entry_id}` "
            "is pending and the managers have been asked; I'll message you with the decision."
        )
    blocks = [section(text)]
    if outcome.customer and outcome.customer.entries:
        blocks.append(
            context(
                f"{escape(outcome.customer.customer_ref)} has received "
                f"{money(outcome.customer.given_today)} today"
            )
        )
    return message(text, blocks)


def _log_another(outcome: SpendOutcome, again: Mapping[str, Any] | None) -> Message:
    earlier = outcome.earlier
    assert earlier is not None
    where = f" for {escape(earlier.customer_ref)}" if earlier.customer_ref else ""
    at = f" at {outcome.earlier_at:%H:%M}" if outcome.earlier_at else ""
    text = f"You logged {money(earlier.amount)}{where}{at} — log another?"
    value = json.dumps(dict(again or {}), ensure_ascii=False, separators=(",", ":"))
    if again is None or len(value) > 2000:  # a button value holds 2000 characters
        return plain(f"{text} Nothing was logged; add a word to the reason to log it.")
    return message(
        text,
        [
            section(text),
            actions(
                button("Yes, log another", SPEND_AGAIN, value, "primary"),
                button("No", SPEND_NOT_AGAIN, earlier.entry_id),
            ),
        ],
    )


def spend_button_value(advice: Advice) -> str:
    """*Log spend* carries the playbook and the incident: the spend joins that incident."""
    return json.dumps(
        {"playbook_id": advice.playbook.id, "incident_id": advice.incident_id},
        separators=(",", ":"),
    )


def read_spend_button(value: str | None) -> tuple[str | None, str | None]:
    """(playbook id, incident id) from a *Log spend* button; cards posted before the
    button carried the incident hold the bare playbook id."""
    value = (value or "").strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return None, None
        if isinstance(data, dict):
            playbook, incident = data.get("playbook_id"), data.get("incident_id")
            return (
                playbook if isinstance(playbook, str) and playbook else None,
                incident if isinstance(incident, str) and incident else None,
            )
        return None, None
    return value or None, None


def spend_modal(
    playbook_id: str | None, channel_id: str | None, incident_id: str | None = None
) -> dict[str, Any]:
    """The *Log spend* modal; private_metadata carries what the button knew."""

    def text_input(block_id: str, label: str, hint: str, optional: bool = False) -> Block:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "plain_text_input",
                "action_id": block_id,
                "placeholder": {"type": "plain_text", "text": hint},
            },
        }

    return {
        "type": "modal",
        "callback_id": SPEND_MODAL,
        "private_metadata": json.dumps(
            {"playbook_id": playbook_id, "channel": channel_id, "incident_id": incident_id}
        ),
        "title": {"type": "plain_text", "text": "Log a spend"},
        "submit": {"type": "plain_text", "text": "Log it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input(AMOUNT, "Amount", "£48.50"),
            text_input(REASON, "What was it for?", "dry cleaning"),
            text_input(CUSTOMER, "Customer reference", "room 214, table 7, order 5531", True),
        ],
    }


# -- managers ------------------------------------------------------------------------


def limits_message(limits: list[RoleLimits]) -> Message:
    lines = []
    for r in limits:
        line = (
            f"*{r.role.value}*: {money(r.per_incident)} per incident, "
            f"{money(r.daily_allowance)} a day"
        )
        if r.overrides:
            line += " (" + ", ".join(f"{pid}: {money(m)}" for pid, m in r.overrides) + ")"
        lines.append(line)
    return message("Spending authority", [header("Spending authority"), section("\n".join(lines))])


def pending_message(queue: list[PendingSpend], viewer: str) -> Message:
    """The managers' queue, oldest first, each spend with Approve / Deny.

    The buttons carry the escalation id, exactly as on the channel's card, so the core
    checks the clicker's role again at the click. ``viewer``'s own requests get no
    buttons: somebody else decides them.
    """
    if not queue:
        return plain("No spends are waiting for a decision.")
    count = f"{len(queue)} spend{'s' if len(queue) != 1 else ''} waiting for a decision"
    out: list[Block] = [header(f"⏳ {count}")]
    for p in queue[:MAX_PENDING_SHOWN]:
        customer = f" · {escape(p.customer_ref)}" if p.customer_ref else ""
        out.append(
            section(
                f"*{money(p.amount)}* — {escape(p.reason)}{customer}\n"
                f"<@{p.user_id}> · {_when(p.requested_at)} · `{p.entry_id}`"
            )
        )
        if p.user_id == viewer:
            out.append(context("Your own request: another manager decides it."))
        elif p.escalation_id:
            out.append(
                actions(
                    button("Approve", f"{ESC_PREFIX}approve", p.escalation_id, "primary"),
                    button("Deny", f"{ESC_PREFIX}deny", p.escalation_id, "danger"),
                    block_id=f"{PENDING_BLOCK_PREFIX}{p.entry_id}"[:255],
                )
            )
        else:
            out.append(context(f"Decide with `approve {p.entry_id}` or `deny {p.entry_id}`."))
    hidden = len(queue) - MAX_PENDING_SHOWN
    if hidden > 0:
        out.append(context(f"…and {hidden} more, newer: decide these to see them."))
    return message(f"{count}, oldest first", out)


def verify_message(result: VerifyResult) -> Message:
    if result.ok:
        return plain(f"✔ Ledger intact: {result.entries_checked} entries checked.")
    return plain(
        f"✖ Ledger check FAILED at entry {result.first_bad}: {result.problem} "
        f"({result.entries_checked} entries checked)."
    )


# -- escalations (posted by the outbox notifier) -------------------------------------


def _when(at: datetime) -> str:
    # Slack shows <!date^…> in each reader's own time zone; the fallback is UTC.
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M} UTC>"


_DONE = {
    "acknowledge": "acknowledged",
    "take_over": "took over",
    "resolve": "resolved",
    "approve": "approved",
    "deny": "denied",
}


def escalation_message(esc: EscalationRecord, *, renotify: bool = False) -> Message:
    spend = esc.kind == "spend"
    reasons = ", ".join(esc.reasons) or "asked by staff"
    title = "Spend approval needed" if spend else f"Escalation: {reasons}"
    blocks: list[Block] = [
        header(("🔁 " if renotify else "") + ("💷 " if spend else "🚨 ") + title),
        section(f"{escape(esc.summary)}\n*Raised by* <@{esc.raised_by}> · {_when(esc.opened_at)}"),
    ]
    facts = [f"Reasons: {escape(reasons)}", f"Needs: a {esc.level.value}"]
    if esc.playbook_id:
        facts.append(f"Playbook: `{esc.playbook_id}`")
    if esc.entry_id:
        facts.append(f"Request: `{esc.entry_id}`")
    blocks.append(context(" · ".join(facts)))
    if esc.history:
        lines = [
            f"• <@{who}> {_DONE.get(action, action)} {_when(at)}" for action, who, at in esc.history
        ]
        blocks.append(section("\n".join(lines)))
    if esc.status is not EscalationStatus.RESOLVED:
        ident = esc.escalation_id
        buttons = []
        if esc.status is EscalationStatus.OPEN:
            buttons.append(button("Acknowledge", f"{ESC_PREFIX}acknowledge", ident))
        if esc.status is not EscalationStatus.TAKEN_OVER:
            buttons.append(button("Take over", f"{ESC_PREFIX}take_over", ident))
        if spend:
            buttons.append(button("Approve", f"{ESC_PREFIX}approve", ident, "primary"))
            buttons.append(button("Deny", f"{ESC_PREFIX}deny", ident, "danger"))
        elif esc.status is EscalationStatus.TAKEN_OVER:
            buttons.append(button("Resolve", f"{ESC_PREFIX}resolve", ident, "primary"))
        blocks.append(actions(*buttons, block_id=f"esc_{ident}"[:255]))
    else:
        blocks.append(context("✔ Closed"))
    status = esc.status.value.replace("_", " ")
    return message(f"{title} ({status}) — {escape(esc.summary)}", blocks)


def renotify_reply(esc: EscalationRecord) -> Message:
    """A thread reply under the original card (broadcast to the channel) when nobody acted."""
    text = (
        f"<!here> still waiting for a {esc.level.value} — nobody has acknowledged this yet "
        f"(notice {esc.notified_count + 1})."
    )
    return message(text, [section(text)])


def decision_dm(esc: EscalationRecord) -> Message:
    """Tell the employee what a manager decided about their spend."""
    decided = [(a, who, at) for a, who, at in esc.history if a in ("approve", "deny")]
    if decided:
        action, who, at = decided[-1]
        verdict = "approved ✔" if action == "approve" else "denied ✖"
        text = (
            f"Your request `{esc.entry_id}` — {escape(esc.summary)} — was {verdict} "
            f"by <@{who}> {_when(at)}."
        )
        if action == "deny":
            text += " Talk to them about what you can offer instead."
    else:
        text = f"Update on your request `{esc.entry_id}`: {esc.status.value.replace('_', ' ')}."
    return message(text, [section(text)])


def entry_status(entry: LedgerEntry) -> str:
    return f"{entry.entry_id}: {money(entry.amount)} {entry.reason} — {entry.status.value}"


# -- closing the loop: "how did it end?" ------------------------------------------------


def outcome_prompt(payload: Mapping[str, Any]) -> Message:
    """The employee's DM after a quiet incident: one tap says how it ended.

    An optional note and a "review was posted" box sit above the buttons; they send
    nothing themselves (no ``dispatch_action``) and arrive with the button's click in
    ``state.values``. Both are input blocks, which Slack allows in messages.
    """
    incident_id = str(payload.get("incident_id") or "")
    try:
        ask = int(payload.get("ask") or 1)
    except (TypeError, ValueError):
        ask = 1
    heading = "How did it end?" if ask <= 1 else "One last time: how did it end?"
    situation = str(payload.get("situation") or "").strip()
    out: list[Block] = [header(heading)]
    if situation:
        out.append(context(f"“{escape(situation)}”"))
    out.append(
        {
            "type": "input",
            "block_id": OUTCOME_NOTE,
            "optional": True,
            "label": {"type": "plain_text", "text": "Note (optional)"},
            "element": {
                "type": "plain_text_input",
                "action_id": OUTCOME_NOTE,
                "max_length": MAX_NOTE_CHARS,
                "placeholder": {"type": "plain_text", "text": "e.g. left smiling, will come back"},
            },
        }
    )
    out.append(
        {
            "type": "input",
            "block_id": OUTCOME_REVIEW,
            "optional": True,
            "label": {"type": "plain_text", "text": "Online review"},
            "element": {
                "type": "checkboxes",
                "action_id": OUTCOME_REVIEW,
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "A review was posted online"},
                        "value": REVIEW_POSTED,
                    }
                ],
            },
        }
    )
    out.append(
        actions(
            *(button(o.label, f"{OUTCOME_PREFIX}{o.value}", incident_id) for o in OUTCOME_CHOICES),
            block_id="outcome_actions",
        )
    )
    text = f"{heading} {situation}".strip() if situation else heading
    return message(text, out)


def outcome_recorded(record: IncidentRecord) -> Message:
    """What the prompt becomes once answered, so nobody taps it twice."""
    outcome = record.outcome.label if record.outcome else "recorded"
    text = f"✔ Recorded: {outcome}."
    if record.outcome_note:
        text += " Your note is saved."
    if record.review_posted:
        text += " Noted: a review was posted online."
    text += " Thank you."
    out = [section(text)]
    if record.outcome_note:
        out.append(context(f"Note: “{escape(record.outcome_note)}”"))
    return message(text, out)


def outcome_inputs(body: Mapping[str, Any]) -> tuple[str | None, bool | None]:
    """The prompt's note and review box as a button click carries them (``state.values``).

    Returns ``(note, review_posted)``: the note as typed (the core cleans and limits it),
    None when empty; the box True when ticked, False when shown unticked, None when the
    click carries no such state (an older prompt, a malformed payload). Never raises.
    """
    state = body.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    if not isinstance(values, Mapping):
        return None, None

    def element(block_id: str) -> Mapping[str, Any] | None:
        block = values.get(block_id)
        found = block.get(block_id) if isinstance(block, Mapping) else None
        return found if isinstance(found, Mapping) else None

    note_state = element(OUTCOME_NOTE)
    typed = note_state.get("value") if note_state is not None else None
    note = typed if isinstance(typed, str) and typed.strip() else None

    review_state = element(OUTCOME_REVIEW)
    selected = review_state.get("selected_options") if review_state is not None else None
    review: bool | None = None
    if isinstance(selected, list):
        review = any(isinstance(o, Mapping) and o.get("value") == REVIEW_POSTED for o in selected)
    return note, review
