"""The ``home`` card: the core's ``Home`` as one Adaptive Card (Teams' App Home).

Everyone: their role and authority now, their open incident, today's spends and one-tap
buttons for the situations most used at their location. Those who decide spends: the
queue with Approve / Deny (the escalation card's own actions, checked again by the core
at the click, answered with this card redrawn) and today's figures. Admins: the roles
and limits table with a form to change it, and the playbooks switched off, with a form
to switch one off or on. What the card offers decides nothing: every change is the
core's to allow or refuse.

Pure functions, no I/O. Sections are added in order while the card stays within
Teams' size limit (``cards.fits``); what does not fit is named at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.teams.admin import CMD_SET_LIMITS, CMD_SET_PLAYBOOK
from adapters.teams.cards import (
    VIEW_HOME,
    Card,
    card,
    fits,
    pending_item,
    text_block,
)
from bot.models import Home, LedgerEntry, Role, SpendStatus
from bot.money import format_money

CMD_START = "start"  # a one-tap situation: {"playbook": id}
MAX_SPENDS_SHOWN = 10
ADMIN_HINT = (
    "Also: role set @name lead · limits set associate --per-incident 40 --daily 120 · "
    "playbooks disable ID"
)
_STATUS = {SpendStatus.APPROVED: "✔", SpendStatus.PENDING: "⏳", SpendStatus.DENIED: "✖"}

Element = dict[str, Any]


def home_card(home: Home, viewer: str, names: Mapping[str, str] | None = None) -> Card:
    """``viewer``'s home; ``names``: display names for the employees in the queue."""
    names = names or {}
    actions = _admin_forms(home) if home.limits else []
    sections: list[list[Element]] = [_authority(home), _open_incident(home), _spends(home)]
    if home.today is not None:
        sections.append(_heading("Waiting for a decision"))
        if not home.pending:
            sections.append([text_block("Nothing is waiting for you.", isSubtle=True)])
        sections += [[pending_item(p, viewer, names, VIEW_HOME)] for p in home.pending]
        if home.pending_more:
            sections.append([text_block(f"…and {home.pending_more} more: type pending.")])
        sections.append(_today(home))
    if home.limits:
        sections += [_limits(home), _playbooks(home)]
    body: list[Element] = []
    for section in sections:
        if not fits(card([*body, *section], actions)):
            body.append(text_block("(More did not fit here: type pending or limits.)"))
            break
        body += section
    return card(body, actions or None)


def _short(title: str, limit: int = 60) -> str:
    # A button or a choice is one line on a phone.
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _heading(text: str) -> list[Element]:
    return [text_block(text, weight="Bolder", size="Medium", separator=True)]


def _authority(home: Home) -> list[Element]:
    auth = home.authority
    facts = [
        {"title": "Role", "value": auth.role.value},
        {"title": "Per incident", "value": f"up to {format_money(auth.per_incident)}"},
        {
            "title": "Left today",
            "value": f"{format_money(auth.remaining_today)} of "
            f"{format_money(auth.daily_allowance)}",
        },
    ]
    return [
        text_block("Your authority today", weight="Bolder", size="Medium"),
        {"type": "FactSet", "facts": facts},
    ]


def _open_incident(home: Home) -> list[Element]:
    advice = home.open_incident
    out: list[Element]
    if advice is None:
        out = [text_block("Nothing open. Tell me what is happening, or tap a situation.")]
    else:
        step = advice.step
        out = [
            text_block(
                f"Open now: {advice.playbook.title} — step {step.index} of {step.total}",
                weight="Bolder",
            ),
            text_block(step.do, spacing="None"),
        ]
    if home.top_playbooks:
        # Titles only: what staff typed may hold room numbers or health details.
        buttons = [
            {
                "type": "Action.Submit",
                "title": _short(p.title),
                "data": {"cmd": CMD_START, "playbook": p.playbook_id},
            }
            for p in home.top_playbooks
        ]
        out.append({"type": "ActionSet", "actions": buttons})
    return out


def _spend_line(e: LedgerEntry) -> str:
    where = f" ({e.customer_ref})" if e.customer_ref else ""
    return f"{_STATUS[e.status]} {format_money(e.amount)} {e.reason}{where} · {e.entry_id}"


def _spends(home: Home) -> list[Element]:
    spends = home.spends_today
    if not spends:
        return [text_block("No spends logged today.", isSubtle=True)]
    lines = [_spend_line(e) for e in spends[-MAX_SPENDS_SHOWN:]]
    if len(spends) > MAX_SPENDS_SHOWN:
        lines.append(f"…and {len(spends) - MAX_SPENDS_SHOWN} earlier")
    return [
        text_block("Your spends today", weight="Bolder"),
        # One TextBlock per line: a list in one block would be clipped at MAX_TEXT.
        *(text_block(line, spacing="None") for line in lines),
    ]


def _today(home: Home) -> list[Element]:
    t = home.today
    assert t is not None
    facts = [
        {"title": "Approved", "value": f"{format_money(t.approved)} ({t.approved_count})"},
        {"title": "Pending", "value": f"{format_money(t.pending)} ({t.pending_count})"},
        {"title": "Denied", "value": str(t.denied_count)},
        {
            "title": "Escalations",
            "value": f"{t.escalations_raised} raised, {t.escalations_open} still open",
        },
    ]
    return [*_heading("Today"), {"type": "FactSet", "facts": facts}]


def _limits(home: Home) -> list[Element]:
    facts = [
        {
            "title": role.value,
            "value": f"{format_money(per)} per incident, {format_money(daily)} a day",
        }
        for role, per, daily in home.limits
    ]
    return [*_heading("Roles and limits"), {"type": "FactSet", "facts": facts}]


def _playbooks(home: Home) -> list[Element]:
    off = [p for p in home.playbooks if not p.enabled]
    overdue = [p for p in home.playbooks if p.overdue]
    out = _heading(f"Playbooks: {len(home.playbooks) - len(off)} on, {len(off)} off")
    if off:
        out.append(text_block("Off: " + ", ".join(f"{p.title} ({p.playbook_id})" for p in off)))
    if overdue:
        names = ", ".join(f"{p.title} ({p.owner}, {p.review_by:%d %b %Y})" for p in overdue)
        out.append(text_block(f"⚠ Review overdue: {names}", color="Attention"))
    out.append(text_block(ADMIN_HINT, isSubtle=True))
    return out


def _admin_forms(home: Home) -> list[Element]:
    """Forms that send the admin's change to the core (refused there for anyone else)."""
    roles = [{"title": role.value, "value": role.value} for role, _, _ in home.limits]
    limits_form = card(
        [
            {
                "type": "Input.ChoiceSet",
                "id": "role",
                "label": "Role",
                "choices": roles,
                "value": Role.ASSOCIATE.value,
            },
            {
                "type": "Input.Text",
                "id": "per_incident",
                "label": "Per-incident limit (blank: unchanged)",
                "placeholder": "40",
            },
            {
                "type": "Input.Text",
                "id": "daily",
                "label": "Daily allowance (blank: unchanged)",
                "placeholder": "120",
            },
        ],
        [{"type": "Action.Submit", "title": "Save limits", "data": {"cmd": CMD_SET_LIMITS}}],
    )
    switchable = [p for p in home.playbooks if not p.always_on]
    choices = [
        {"title": _short(p.title) + ("" if p.enabled else " (off)"), "value": p.playbook_id}
        for p in sorted(switchable, key=lambda p: p.title)
    ]
    playbook_form = card(
        [{"type": "Input.ChoiceSet", "id": "playbook", "label": "Playbook", "choices": choices}],
        [
            {
                "type": "Action.Submit",
                "title": title,
                "data": {"cmd": CMD_SET_PLAYBOOK, "enabled": enabled},
            }
            for title, enabled in (("Switch off", "false"), ("Switch on", "true"))
        ],
    )
    forms = [{"type": "Action.ShowCard", "title": "Change limits", "card": limits_form}]
    if choices:
        forms.append(
            {"type": "Action.ShowCard", "title": "Switch a playbook", "card": playbook_form}
        )
    return forms
