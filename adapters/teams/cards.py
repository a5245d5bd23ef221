"""Adaptive Cards for Teams, built as plain dicts from the core's data.

No botbuilder imports here: a card is JSON, so the rendering is testable on its own and
the size guard (Teams refuses a message over about 28 KB with 413) sees the real bytes.

Staff cards use ``Action.Submit``: the click arrives as a ``message`` with ``value`` and the
bot answers with a new message, so the employee's conversation keeps its history. The
escalation card uses ``Action.Execute``: the click arrives as an ``adaptiveCard/action``
invoke and the updated card goes back in the same HTTP response, so it changes in place
for everyone in the channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.coach import PendingSpend, RoleLimits, SpendOutcome
from bot.incidents import IncidentRecord
from bot.ledger import PolicyChange
from bot.models import (
    Advice,
    EscalationAction,
    EscalationRecord,
    EscalationStatus,
    LedgerEntry,
    Money,
    SpendStatus,
    VerifyResult,
)
from bot.money import format_money
from bot.policy import policy_change_line
from bot.reports import Report, recovery_lines

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"  # invoke reply: a toast
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"  # the lowest version Teams accepts Action.Execute in
MAX_CARD_BYTES = 24 * 1024  # Teams' limit is ~28 KB for the whole activity; leave headroom
MAX_TEXT = 600  # one field of a card; staff read it on a phone mid-conversation

Card = dict[str, Any]

# What each staff button sends back (``value`` of the Action.Submit message).
CMD_NEXT = "next"
CMD_SPEND = "spend"
CMD_ESCALATE = "escalate"
CMD_OTHER = "other"
CMD_CHOOSE = "choose"
CMD_ESCALATION = "esc"  # a manager's button on an escalation card
CMD_OUTCOME = "outcome"  # the employee's answer to "how did it end?"
CMD_SPEND_AGAIN = "spend_again"  # "log another?" Yes: carries the spend to log again
CMD_SPEND_NOT_AGAIN = "spend_not_again"
VERB_ESCALATION = "escalation"  # Action.Execute verb of the same
# An escalation button on the pending list carries this "view": the bot answers the click
# with the list redrawn rather than with the escalation's own card.
VIEW_PENDING = "pending"
VIEW_HOME = "home"  # … or with the clicker's home redrawn
MAX_PENDING_SHOWN = 15


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _clip(text), "wrap": True, **style}


def _submit(title: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": dict(data)}


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        out["actions"] = actions
    return out


TOO_LONG = "The answer was too long to show here; try a shorter description."


def fits(content: Card) -> bool:
    # Measured as the SDK sends it: ASCII JSON with \u escapes, so an emoji costs 12 bytes
    # (a surrogate pair), not the 4 of its UTF-8 form.
    return len(json.dumps(content, ensure_ascii=True)) <= MAX_CARD_BYTES


def fitted(content: Card) -> Card:
    """``content``, or a short card saying it was too long: never risk a 413 from Teams."""
    return content if fits(content) else card([text_block(TOO_LONG)])


# -- staff -----------------------------------------------------------------------------


def advice_card(advice: Advice) -> Card:
    """Playbook, the step now, what to say, authority, gestures and the four buttons."""
    if not advice.confident and not advice.fallback:
        return did_you_mean_card(advice)
    auth = advice.authority
    body: list[dict[str, Any]] = [text_block(advice.note, isSubtle=True)] if advice.note else []
    body += [
        text_block(advice.playbook.title, size="Medium", weight="Bolder"),
        text_block(f"Step {advice.step.index} of {advice.step.total}: {advice.step.do}"),
    ]
    if advice.step.say:
        body.append(text_block(f"Say: “{advice.step.say}”", isSubtle=True))
    facts = [
        {"title": "On this", "value": f"up to {format_money(auth.per_incident)}"},
        {
            "title": "Left today",
            "value": f"{format_money(auth.remaining_today)} of "
            f"{format_money(auth.daily_allowance)}",
        },
    ]
    body.append({"type": "FactSet", "facts": facts})
    if advice.customer and advice.customer.entries:
        given = ", ".join(
            f"{format_money(g.amount)} at {g.at:%H:%M}" + (" (pending)" if g.pending else "")
            for g in advice.customer.entries[:5]
        )
        body.append(text_block(f"Already given to {advice.customer.customer_ref} today: {given}"))
    if advice.gestures:
        lines = [
            f"- {g.name}" + (f" (~{format_money(g.typical_cost)})" if g.typical_cost else "")
            for g in advice.gestures[:6]
        ]
        body.append(text_block("Gestures:\n" + "\n".join(lines)))
    if advice.escalation.needed:
        reasons = ", ".join(advice.escalation.reasons)
        body.append(text_block(f"⚠ Tell a manager now ({reasons}).", color="Attention"))
    if advice.fallback and advice.alternatives:
        # Not sure which situation this is: the general steps, then the guesses to pick.
        body.append(text_block("Or is it one of these?", weight="Bolder"))
        choices = [
            _choose(p.id, p.title, advice.incident_id)
            for p in advice.alternatives[:3]
        ]
        actions = staff_actions(with_alternatives=False, incident_id=advice.incident_id)
        return card(body, [*actions, *choices])
    return card(body, staff_actions(bool(advice.alternatives), advice.incident_id))


def _choose(playbook_id: str, title: str, incident_id: str) -> dict[str, Any]:
    # The card's incident rides along: a choice on an older card never switches the
    # employee's newer incident.
    return _submit(
        title[:60], {"cmd": CMD_CHOOSE, "playbook": playbook_id, "incident": incident_id}
    )


def staff_actions(
    with_alternatives: bool = True, incident_id: str | None = None
) -> list[dict[str, Any]]:
    # Next, spend and escalate carry the card's incident: pressed on an older card they
    # act on that incident (or say it is closed), never on the employee's newer one.
    on = {"incident": incident_id} if incident_id else {}
    actions = [
        _submit("Next step", {"cmd": CMD_NEXT, **on}),
        spend_form_action(incident_id),
        _submit("Escalate", {"cmd": CMD_ESCALATE, **on}),
    ]
    if with_alternatives:
        actions.append(_submit("Not this one", {"cmd": CMD_OTHER, **on}))
    return actions


def spend_form_action(incident_id: str | None = None) -> dict[str, Any]:
    """*Log spend* opens a small form; amounts are typed as people type them (£48.50)."""
    on = {"incident": incident_id} if incident_id else {}
    form = card(
        [
            {"type": "Input.Text", "id": "amount", "label": "Amount", "placeholder": "£48.50"},
            {
                "type": "Input.Text",
                "id": "reason",
                "label": "What for",
                "placeholder": "dry cleaning",
                "maxLength": 500,
            },
            {
                "type": "Input.Text",
                "id": "customer",
                "label": "Customer (optional)",
                "placeholder": "room 214, table 7, order 5531",
                "maxLength": 80,
            },
        ],
        [_submit("Log it", {"cmd": CMD_SPEND, **on})],
    )
    return {"type": "Action.ShowCard", "title": "Log spend", "card": form}


def did_you_mean_card(advice: Advice) -> Card:
    options = [advice.playbook, *advice.alternatives][:3]
    return card(
        [text_block("I'm not sure which situation this is. Did you mean:")],
        [_choose(p.id, p.title, advice.incident_id) for p in options],
    )


def alternatives_card(advice: Advice) -> Card:
    if not advice.alternatives:
        return card([text_block("No other playbook fits — describe the situation another way.")])
    return card(
        [text_block("Other playbooks that might fit:")],
        [
            _choose(p.id, p.title, advice.incident_id)
            for p in advice.alternatives[:3]
        ],
    )


def log_another_card(outcome: SpendOutcome, again: Mapping[str, Any]) -> Card:
    """ "You logged £80 for room 214 at 14:02 — log another?" with Yes / No."""
    return card(
        [text_block(spend_text(outcome))],
        [
            _submit("Yes, log another", {**again, "cmd": CMD_SPEND_AGAIN}),
            _submit("No", {"cmd": CMD_SPEND_NOT_AGAIN}),
        ],
    )


def spend_text(outcome: SpendOutcome) -> str:
    e = outcome.entry
    if e is None:
        earlier = outcome.earlier
        assert earlier is not None
        where = f" for {earlier.customer_ref}" if earlier.customer_ref else ""
        at = f" at {outcome.earlier_at:%H:%M}" if outcome.earlier_at else ""
        return f"You logged {format_money(earlier.amount)}{where}{at} — log another?"
    amount = format_money(e.amount)
    where = f" for {e.customer_ref}" if e.customer_ref else ""
    if e.status is SpendStatus.APPROVED:
        left = format_money(outcome.authority.remaining_today)
        return f"✔ Logged {amount}{where} — {e.reason}. Receipt {e.entry_id}. {left} left today."
    why = "; ".join(outcome.over_authority)
    return (
        f"⏳ {amount}{where} needs a manager's OK ({why}). Request {e.entry_id} is pending; "
        "I will message you with the decision."
    )


def decided_text(entry: LedgerEntry, by_name: str | None) -> str:
    who = by_name or entry.decided_by or "a manager"
    verdict = "approved ✔" if entry.status is SpendStatus.APPROVED else "denied ✖"
    return (
        f"Your request {entry.entry_id} for {format_money(entry.amount)} ({entry.reason}) "
        f"was {verdict} by {who}."
    )


# -- managers --------------------------------------------------------------------------


def limits_card(limits: list[RoleLimits]) -> Card:
    facts = []
    for r in limits:
        value = (
            f"{format_money(r.per_incident)} per incident, {format_money(r.daily_allowance)} a day"
        )
        if r.overrides:
            value += " (" + ", ".join(f"{pid}: {format_money(m)}" for pid, m in r.overrides) + ")"
        facts.append({"title": r.role.value, "value": _clip(value, 300)})
    title = text_block("Spending authority", weight="Bolder")
    return card([title, {"type": "FactSet", "facts": facts}])


def pending_card(
    queue: list[PendingSpend], viewer: str, names: Mapping[str, str] | None = None
) -> Card:
    """The managers' queue, oldest first, each with the escalation card's Approve / Deny.

    The buttons send the same data as the channel card's (plus ``view``), so the core
    checks the clicker again at the click. ``viewer``'s own requests get no buttons.
    Entries are added while the card stays within Teams' size limit.
    """
    if not queue:
        return card([text_block("No spends are waiting for a decision.")])
    names = names or {}
    count = f"{len(queue)} spend{'s' if len(queue) != 1 else ''} waiting for a decision"
    body: list[dict[str, Any]] = [text_block(f"⏳ {count}", weight="Bolder")]
    shown = 0
    for p in queue[:MAX_PENDING_SHOWN]:
        candidate = [*body, pending_item(p, viewer, names, VIEW_PENDING)]
        if not fits(card(candidate)):
            break
        body, shown = candidate, shown + 1
    if shown < len(queue):
        body.append(text_block(f"…and {len(queue) - shown} more, newer: decide these to see them."))
    return card(body)


def pending_item(
    p: PendingSpend, viewer: str, names: Mapping[str, str], view: str
) -> dict[str, Any]:
    """One waiting spend with Approve / Deny; a click answers with ``view`` redrawn."""
    customer = f" · {p.customer_ref}" if p.customer_ref else ""
    who = names.get(p.user_id, p.user_id)
    items: list[dict[str, Any]] = [
        text_block(f"{format_money(p.amount)} — {_clip(p.reason, 200)}{customer}", weight="Bolder"),
        text_block(
            f"{who} · {when(p.requested_at)} · {p.entry_id}", isSubtle=True, spacing="None"
        ),
    ]
    if p.user_id == viewer:
        items.append(text_block("Your own request: another manager decides it.", isSubtle=True))
    elif p.escalation_id:
        items.append({"type": "ActionSet", "actions": _pending_actions(p.escalation_id, view)})
    else:
        items.append(text_block(f"Type approve {p.entry_id} or deny {p.entry_id}."))
    return {"type": "Container", "separator": True, "items": items}


def _pending_actions(escalation_id: str, view: str) -> list[dict[str, Any]]:
    out = []
    for title, action in (("Approve", EscalationAction.APPROVE), ("Deny", EscalationAction.DENY)):
        data = {"cmd": CMD_ESCALATION, "id": escalation_id, "action": action.value, "view": view}
        out.append(
            {
                "type": "Action.Execute",
                "title": title,
                "verb": VERB_ESCALATION,
                "data": data,
                "fallback": _submit(title, data),
            }
        )
    return out


def policy_changed_text(changes: list[PolicyChange], names: Mapping[str, str]) -> str:
    """What an admin's change did, one line a setting ("✔ role limits associate:
    per-incident 100, daily 300 → per-incident 40, daily 120"); "Nothing to change." when
    the policy already said so."""
    if not changes:
        return "Nothing to change: that is already so."
    return "\n\n".join(
        "✔ " + policy_change_line(replace(c, target=names.get(c.target, c.target), changed_by=""))
        for c in changes
    )


def verify_text(result: VerifyResult) -> str:
    if result.ok:
        return f"✔ Audit ledger intact ({result.entries_checked} entries checked)."
    return (
        f"✖ Audit ledger altered: first bad entry {result.first_bad} — {result.problem}. "
        f"({result.entries_checked} entries checked)"
    )


_STATUS_LABEL = {
    EscalationStatus.OPEN: "Open — waiting for a manager",
    EscalationStatus.ACKNOWLEDGED: "Acknowledged",
    EscalationStatus.TAKEN_OVER: "Taken over",
    EscalationStatus.RESOLVED: "Resolved",
}
_ACTION_LABEL = {
    EscalationAction.ACKNOWLEDGE.value: "acknowledged",
    EscalationAction.TAKE_OVER.value: "took over",
    EscalationAction.RESOLVE.value: "resolved",
    EscalationAction.APPROVE.value: "approved the spend",
    EscalationAction.DENY.value: "denied the spend",
}


def escalation_card(
    record: EscalationRecord,
    names: Mapping[str, str] | None = None,
    *,
    entry: LedgerEntry | None = None,
) -> Card:
    """The managers' card: what happened, who did what and when, and the buttons left."""
    names = names or {}

    def who(user_id: str | None) -> str:
        return names.get(user_id or "", user_id or "someone")

    kind = "Spend approval" if record.kind == "spend" else "Escalation"
    body: list[dict[str, Any]] = [
        text_block(f"⬆ {kind}: {', '.join(record.reasons) or 'asked by staff'}", weight="Bolder"),
        text_block(record.summary),
    ]
    facts = [
        {"title": "Raised by", "value": who(record.raised_by)},
        {"title": "When", "value": when(record.opened_at)},
        {"title": "Status", "value": _STATUS_LABEL.get(record.status, record.status.value)},
    ]
    if entry is not None:
        amount = f"{format_money(entry.amount)} — {entry.reason}"
        facts.insert(0, {"title": "Amount", "value": amount})
        facts.append({"title": "Request", "value": entry.entry_id})
    if record.playbook_id:
        facts.append({"title": "Playbook", "value": record.playbook_id})
    if record.notified_count > 1:
        facts.append({"title": "Reminders", "value": str(record.notified_count - 1)})
    body.append({"type": "FactSet", "facts": facts})
    for action, user_id, at in record.history[-8:]:
        body.append(
            text_block(
                f"{who(user_id)} {_ACTION_LABEL.get(action, action)} at {when(at)}",
                isSubtle=True,
            )
        )
    return card(body, escalation_actions(record))


def escalation_actions(record: EscalationRecord) -> list[dict[str, Any]]:
    if record.status is EscalationStatus.RESOLVED:
        return []
    wanted: list[tuple[str, EscalationAction]] = []
    if record.kind == "spend":
        wanted += [("Approve", EscalationAction.APPROVE), ("Deny", EscalationAction.DENY)]
    if record.status is EscalationStatus.OPEN:
        wanted.append(("Acknowledge", EscalationAction.ACKNOWLEDGE))
    if record.status is not EscalationStatus.TAKEN_OVER:
        wanted.append(("Take over", EscalationAction.TAKE_OVER))
    # Clients that cannot run Action.Execute (older Teams, Outlook) fall back to
    # Action.Submit with the same data; the bot handles both (as Microsoft recommends).
    return [
        {
            "type": "Action.Execute",
            "title": title,
            "verb": VERB_ESCALATION,
            "data": data,
            "fallback": _submit(title, data),
        }
        for title, action in wanted
        for data in [{"cmd": CMD_ESCALATION, "id": record.escalation_id, "action": action.value}]
    ]


def when(at: datetime) -> str:
    return at.strftime("%d %b %H:%M UTC") if at.tzinfo is None else at.strftime("%d %b %H:%M %Z")


NO_PUBLIC_URL = (
    "The chart and the CSV download need COACHBOT_PUBLIC_URL (this service's public "
    "https address); `coachbot report` makes them meanwhile."
)


def report_card(
    report: Report,
    *,
    chart_url: str | None = None,
    csv_url: str | None = None,
    links_note: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Card:
    """Totals, the breakdown asked for, escalation response times, the period's policy
    changes, and — given their short-lived links — the chart as an image and the CSV as a
    download button. A card cannot carry the files themselves (Teams refuses a message over
    ~28 KB), so the bytes are served by this service (``adapters.teams.report_files``).
    ``links_note`` says why there are none (no public URL). ``names``: display names for
    the user ids in policy changes."""

    def money(minor: int) -> str:
        return format_money(Money(minor, report.currency))

    t = report.totals
    period = report.period
    body: list[dict[str, Any]] = [
        text_block(f"Discretionary spend, {period.start} to {period.end}", weight="Bolder"),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Given", "value": f"{money(t.approved.minor)} ({t.approved.count})"},
                {
                    "title": "Own authority",
                    "value": f"{money(t.self_approved.minor)} ({t.self_approved.count})",
                },
                {
                    "title": "Manager approved",
                    "value": f"{money(t.manager_approved.minor)} ({t.manager_approved.count})",
                },
                {"title": "Denied", "value": f"{money(t.denied.minor)} ({t.denied.count})"},
                {"title": "Pending", "value": f"{money(t.pending.minor)} ({t.pending.count})"},
            ],
        },
    ]
    if report.rows:
        body.append(text_block(f"By {report.by.value}", weight="Bolder"))
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {
                        "title": _clip(r.label, 60),
                        "value": f"{money(r.figures.approved.minor)} ({r.figures.requested.count})",
                    }
                    for r in report.rows[:15]
                ],
            }
        )
    e = report.escalations
    if e is not None:
        median = "—" if e.median_to_acknowledge is None else _duration(e.median_to_acknowledge)
        body.append(
            text_block(
                f"Escalations: {e.opened} opened, {e.acknowledged} acknowledged, "
                f"{e.resolved} resolved, {e.unanswered} unanswered; median time to "
                f"acknowledge {median}."
            )
        )
    rec = report.recovery
    if rec is not None and rec.totals.incidents:
        body.append(text_block("Recovery", weight="Bolder"))
        body += [text_block(line.strip()) for line in recovery_lines(rec, report.currency)]
    tail: list[dict[str, Any]] = []
    if chart_url:
        p = report.period
        tail.append(
            {
                "type": "Image",
                "url": chart_url,
                "altText": f"Chart: discretionary spend per day and escalations, "
                f"{p.start} to {p.end}",
                "size": "Stretch",
            }
        )
    for note in report.notes[:3]:
        tail.append(text_block(note, isSubtle=True))
    if links_note:
        tail.append(text_block(links_note, isSubtle=True))
    actions = (
        [{"type": "Action.OpenUrl", "title": "Download CSV", "url": csv_url}] if csv_url else None
    )
    body += _policy_changes(report, names or {}, lambda b: fits(card([*b, *tail], actions)))
    return card([*body, *tail], actions)


MAX_POLICY_CHANGES_SHOWN = 30


def _policy_changes(
    report: Report, names: Mapping[str, str], fits_with: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The period's changes of limits, roles and playbooks, oldest first, each with who
    made it and when (as the text report lists them), while the card stays within Teams'
    size limit (``fits_with``: whether the card fits with these blocks added)."""
    changes = report.policy_changes
    if not changes:
        return []
    tz = ZoneInfo(report.period.timezone)
    out = [text_block(f"Policy changes ({len(changes)})", weight="Bolder")]
    shown = 0
    for change in changes[:MAX_POLICY_CHANGES_SHOWN]:
        target = names.get(change.target, change.target)
        line = policy_change_line(replace(change, target=target, changed_by=""))
        who = names.get(change.changed_by, change.changed_by) or "someone"
        at = change.created_at
        at_text = "" if at is None else f"{at.astimezone(tz):%a %d %b %H:%M} "
        block = text_block(f"{at_text}{line} — by {who}", spacing="None")
        if not fits_with([*out, block]):
            break
        out.append(block)
        shown += 1
    if shown < len(changes):
        more = len(changes) - shown
        note = f"…and {more} more: `coachbot report` lists them all."
        out.append(text_block(note, isSubtle=True))
    return out


# -- outcomes ----------------------------------------------------------------------------

OUTCOME_BUTTONS = (
    ("won", "Won back"),
    ("calmed", "Calmed, still unhappy"),
    ("lost", "Lost"),
    ("unsure", "Not sure"),
)


def outcome_prompt_card(payload: Mapping[str, Any]) -> Card:
    """'How did it end?' — one tap; the note and the review toggle are optional."""
    incident_id = str(payload.get("incident_id") or "")
    ask = int(payload.get("ask") or 1)
    heading = "How did it end?" if ask <= 1 else "One last time: how did it end?"
    body: list[dict[str, Any]] = [
        text_block(heading, weight="Bolder", size="Medium"),
        text_block(f"“{payload.get('situation') or ''}”", isSubtle=True),
        {
            "type": "Input.Text",
            "id": "note",
            "label": "Anything to add? (optional)",
            "maxLength": 500,
        },
        {
            "type": "Input.Toggle",
            "id": "review",
            "title": "The customer posted a review",
            "valueOn": "true",
            "valueOff": "false",
            "value": "false",
        },
    ]
    actions = [
        _submit(title, {"cmd": CMD_OUTCOME, "incident": incident_id, "outcome": value})
        for value, title in OUTCOME_BUTTONS
    ]
    return card(body, actions)


def outcome_recorded_card(record: IncidentRecord) -> Card:
    """What the prompt becomes once answered, so nobody taps it twice."""
    outcome = record.outcome.label if record.outcome else "recorded"
    return card([text_block(f"✔ Thank you — recorded: {outcome}.", weight="Bolder")])


def _duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60}m" if minutes >= 60 else f"{minutes}m"
