"""The App Home tab: the core's ``Home`` as a Block Kit view for ``views.publish``.

Pure functions, no I/O. The pending queue's buttons are the escalation card's own
(``esc_approve`` / ``esc_deny`` carrying the escalation id), so one listener serves the
channel card and the home; the one-tap playbook buttons (``HOME_START``) open a
coaching card in the person's DM; the admins' *Edit* and *Add a playbook* buttons open
the forms of ``admin_forms`` and ``playbook_forms``. A home view holds at most 100 blocks.
"""

from __future__ import annotations

from typing import Any

from adapters.slack import admin_forms
from adapters.slack.blocks import (
    ESC_PREFIX,
    Block,
    actions,
    button,
    context,
    escape,
    header,
    money,
    section,
)
from bot.models import Home, LedgerEntry, OrgSettings, PendingSpend, PlaybookSummary, SpendStatus

MAX_HOME_BLOCKS = 100
HOME_START = "home_start"  # + a playbook id as the value: open that playbook now
HOME_CALLBACK = "coach_home"
PLAYBOOKS_PER_SECTION = 15
_STATUS = {SpendStatus.APPROVED: "✔", SpendStatus.PENDING: "⏳", SpendStatus.DENIED: "✖"}


def home_view(home: Home, notice: str | None = None) -> dict[str, Any]:
    """The view for ``views.publish``; ``notice`` (a refusal, say) is shown at the top."""
    auth = home.authority
    blocks: list[Block] = []
    if notice:
        blocks.append(section(f"⚠ {escape(notice)}"))
    blocks += [
        header("Your authority today"),
        section(
            f"*Role:* {auth.role.value}\n"
            f"*Per incident:* up to {money(auth.per_incident)}\n"
            f"*Left today:* {money(auth.remaining_today)} of {money(auth.daily_allowance)}"
        ),
    ]
    blocks += _open_incident(home)
    blocks += _top_playbooks(home)
    blocks += _spends_today(home.spends_today)
    if home.today is not None:
        blocks += _manager(home)
    if home.limits:
        # One block is kept for the "more was cut" line.
        blocks += _admin(home, MAX_HOME_BLOCKS - len(blocks) - 1)
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], context("_(more was cut to fit the page)_")]
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks}


def _open_incident(home: Home) -> list[Block]:
    advice = home.open_incident
    if advice is None:
        return [
            context("Nothing open. DM me what is happening, or tap a situation below."),
        ]
    step = advice.step
    return [
        section(
            f"*Open now:* {escape(advice.playbook.title)} — step {step.index} of {step.total}"
            f"\n{escape(step.do)}"
        ),
        context(f"Incident `{advice.incident_id}` · carry on in our Messages tab"),
    ]


def _top_playbooks(home: Home) -> list[Block]:
    if not home.top_playbooks:
        return []
    # Titles only: what staff typed may name rooms or health details.
    return [
        section("*Start a situation in one tap* (most used here lately):"),
        actions(
            *(button(p.title, f"{HOME_START}_{i}", p.playbook_id)
              for i, p in enumerate(home.top_playbooks, 1)),
            block_id="home_top_playbooks",
        ),
    ]  # fmt: skip


def _spend_line(e: LedgerEntry) -> str:
    where = f" ({escape(e.customer_ref)})" if e.customer_ref else ""
    return f"{_STATUS[e.status]} {money(e.amount)} {escape(e.reason)}{where} `{e.entry_id}`"


def _spends_today(spends: tuple[LedgerEntry, ...]) -> list[Block]:
    if not spends:
        return [context("No spends logged today.")]
    lines = "\n".join(_spend_line(e) for e in spends[-20:])
    more = f"\n_…and {len(spends) - 20} earlier_" if len(spends) > 20 else ""
    return [section(f"*Your spends today:*\n{lines}{more}")]


def _manager(home: Home) -> list[Block]:
    figures = home.today
    assert figures is not None
    out: list[Block] = [
        {"type": "divider"},
        header("Waiting for a manager"),
    ]
    if not home.pending:
        out.append(context("Nothing waiting for you."))
    for item in home.pending:
        out += _pending(item)
    if home.pending_more:
        out.append(context(f"…and {home.pending_more} more: `coachbot pending` lists them all."))
    out += [
        header("Today"),
        section(
            f"*Approved:* {money(figures.approved)} in {figures.approved_count} spends\n"
            f"*Pending:* {money(figures.pending)} in {figures.pending_count}\n"
            f"*Denied:* {figures.denied_count}\n"
            f"*Escalations:* {figures.escalations_raised} raised, "
            f"{figures.escalations_open} still open"
        ),
    ]
    return out


def _pending(e: PendingSpend) -> list[Block]:
    text = (
        f"*{money(e.amount)}* {escape(e.reason)}"
        + (f" ({escape(e.customer_ref)})" if e.customer_ref else "")
        + f" — <@{e.user_id}>, {e.requested_at:%d %b %H:%M} UTC · `{e.entry_id}`"
    )
    if e.over_authority_reasons:
        text += f"\n_{escape('; '.join(e.over_authority_reasons))}_"
    out = [section(text)]
    if e.escalation_id:
        out.append(
            actions(
                button("Approve", f"{ESC_PREFIX}approve", e.escalation_id, "primary"),
                button("Deny", f"{ESC_PREFIX}deny", e.escalation_id, "danger"),
                block_id=f"home_pending_{e.entry_id}"[:255],
            )
        )
    return out


def _admin(home: Home, room: int) -> list[Block]:
    """Roles and limits, the organisation's settings and the playbooks, each with an
    *Edit* button; ``room``: the blocks left in the view."""
    out: list[Block] = [{"type": "divider"}, header("Roles and limits")]
    for role, per, daily in home.limits:
        out.append(
            _with_edit(
                section(f"*{role.value}*: {money(per)} per incident, {money(daily)} a day"),
                admin_forms.EDIT_ROLE,
                role.value,
            )
        )
    out.append(
        actions(
            button("Give someone a role", admin_forms.EDIT_USER_ROLE, "role"),
            block_id="admin_roles",
        )
    )
    if home.settings is not None:
        out.append(
            _with_edit(section(_settings(home.settings)), admin_forms.EDIT_SETTINGS, "settings")
        )
    out += _overdue_reviews(home)
    out.append(
        actions(
            button("Add a playbook", admin_forms.ADD_PLAYBOOK, "new"),
            block_id="admin_add_playbook",
        )
    )
    if home.playbooks:
        out += _playbooks(home.playbooks, room - len(out))
    return out


def _with_edit(block: Block, action_id: str, value: str) -> Block:
    return {**block, "accessory": button("Edit", action_id, value)}


def _settings(settings: OrgSettings) -> str:
    cap = settings.customer_daily_cap
    channel = settings.escalation_channel
    return (
        f"*Most for any one spend:* {money(settings.max_single_spend)}\n"
        f"*Most one customer may receive a day:* {money(cap) if cap else 'no cap'}\n"
        f"*Escalations go to:* {f'<#{channel}>' if channel else 'the channel set up at install'}"
    )


def _playbook_line(p: PlaybookSummary) -> str:
    line = (
        ("⚠ " if p.overdue else "• ")
        + f"{escape(p.title)} — {escape(p.owner)}, review by {p.review_by:%d %b %Y}"
        + (" *(overdue)*" if p.overdue else "")
    )
    if p.own:
        line += " · _yours_"
    if p.always_on:
        return line + " · _always on_"
    return line + ("" if p.enabled else " · *off*")


def _playbooks(playbooks: tuple[PlaybookSummary, ...], room: int) -> list[Block]:
    """One line each, with its own *Edit* button while the view has room for them;
    a long library (an organisation's own playbooks added) is listed in sections of
    lines and edited through one select instead."""
    ordered = sorted(playbooks, key=lambda p: (not p.overdue, p.title))
    overdue = sum(1 for p in playbooks if p.overdue)
    off = sum(1 for p in playbooks if not p.enabled)
    heading = f"Playbooks ({len(playbooks)}, {overdue} overdue for review" + (
        f", {off} off)" if off else ")"
    )
    out: list[Block] = [header(heading)]
    if len(ordered) + 1 <= room:
        for p in ordered:
            line = section(_playbook_line(p))
            if not p.always_on:
                line = _with_edit(line, admin_forms.EDIT_PLAYBOOK, p.playbook_id)
            out.append(line)
        return out
    lines = [_playbook_line(p) for p in ordered]
    # A section holds 3000 characters: a library of dozens of playbooks takes several.
    for start in range(0, len(lines), PLAYBOOKS_PER_SECTION):
        out.append(section("\n".join(lines[start : start + PLAYBOOKS_PER_SECTION])))
    selects = admin_forms.playbook_selects(tuple(ordered))
    if selects:
        out.append(actions(*selects, block_id="admin_playbooks"))
    return out


def _overdue_reviews(home: Home) -> list[Block]:
    """The reviews this organisation's admins should do: its own playbooks first."""
    if not home.overdue_reviews:
        return []
    lines = [
        f"⚠ {escape(p.title)} — {'your playbook' if p.own else 'library'}, "
        f"{escape(p.owner)}, due {p.review_by:%d %b %Y}"
        for p in home.overdue_reviews[:PLAYBOOKS_PER_SECTION]
    ]
    more = len(home.overdue_reviews) - len(lines)
    tail = [f"_…and {more} more: `coachbot playbooks check --org ORG`_"] if more > 0 else []
    return [header("Overdue for review"), section("\n".join([*lines, *tail]))]
