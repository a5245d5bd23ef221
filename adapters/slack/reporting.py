"""``/cx-report``: ``bot.reports`` figures as a Block Kit message.

The core builds the report (and refuses anyone below manager); this only lays it out:
totals, pending approvals, the breakdown asked for, and how fast escalations were
answered, how incidents ended (recovery) once any were recorded, and the period's
policy changes (limits, roles, caps, playbooks: who, what, before → after, when).
``report_files`` gives the chart (PNG) and the table (CSV) that ``/cx-report`` uploads
beside the text (files_upload_v2, which needs the files:write scope).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapters.slack import blocks
from adapters.slack.blocks import Block, Message
from bot.charts import chart_png
from bot.coach import Coach
from bot.ledger import PolicyChange
from bot.models import Actor, Money
from bot.policy import policy_change_line
from bot.reports import (
    Figures,
    Report,
    ReportQuery,
    Row,
    Tally,
    build_report,
    recovery_lines,
    report_csv,
)

MAX_ROWS = 15  # a breakdown longer than this is an export, not a chat message
# Policy changes about a person name them by their Slack id: shown as a mention.
_ABOUT_A_USER = frozenset({"user role", "user location", "user limits"})


async def report_message(coach: Coach, actor: Actor, query: str) -> Message:
    return render(await fetch_report(coach, actor, query))


async def fetch_report(coach: Coach, actor: Actor, query: str) -> Report:
    """The report a manager asked for (``NotPermitted`` below manager)."""
    return await build_report(coach, actor, ReportQuery.from_text(query))


def _stem(report: Report) -> str:
    p = report.period
    return f"cx-report-{p.start:%Y-%m-%d}-{p.end:%Y-%m-%d}"


def report_files(report: Report) -> list[dict[str, Any]]:
    """The chart and the CSV, as ``file_uploads`` items for files_upload_v2.

    Drawing takes matplotlib a moment of CPU: call this off the event loop.
    """
    stem, p = _stem(report), report.period
    title = f"Discretionary spend {p.start:%d %b %Y}–{p.end:%d %b %Y}"
    return [
        {
            "file": chart_png(report),
            "filename": f"{stem}.png",
            "title": f"{title} (chart)",
            "alt_txt": f"{title}: spend per day and escalations",
        },
        {
            "content": report_csv(report),
            "filename": f"{stem}.csv",
            "title": f"{title} (CSV)",
        },
    ]


def _money(report: Report, tally: Tally) -> str:
    return blocks.money(Money(tally.minor, report.currency))


def _figures(report: Report, f: Figures) -> str:
    return (
        f"given {_money(report, f.approved)} ({f.approved.count}) · "
        f"pending {_money(report, f.pending)} ({f.pending.count}) · "
        f"denied {_money(report, f.denied)} ({f.denied.count})"
    )


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _rows(report: Report, title: str, rows: tuple[Row, ...], user_ids: bool) -> Block:
    lines = [
        f"• {f'<@{r.key}>' if user_ids and r.key else blocks.escape(r.label)}: "
        f"{_figures(report, r.figures)}"
        for r in rows[:MAX_ROWS]
    ]
    if len(rows) > MAX_ROWS:
        lines.append(f"… and {len(rows) - MAX_ROWS} more (`coachbot report --format csv`)")
    return blocks.section(f"*{title}*\n" + ("\n".join(lines) or "nothing in this period"))


def render(report: Report) -> Message:
    p, t = report.period, report.totals
    title = f"Discretionary spend, {p.start:%d %b %Y}–{p.end:%d %b %Y}"
    out: list[Block] = [
        blocks.header(title),
        blocks.section(
            f"*Given to customers:* {_money(report, t.approved)} in {t.approved.count} spends "
            f"({_money(report, t.self_approved)} on staff's own authority, "
            f"{_money(report, t.manager_approved)} approved by managers)\n"
            f"*Waiting for a manager:* {t.pending.count} ({_money(report, t.pending)}) · "
            f"*Denied:* {t.denied.count} ({_money(report, t.denied)})"
        ),
    ]
    if report.rows:
        by = report.by.value
        out.append(_rows(report, f"By {by}", report.rows, user_ids=by == "employee"))
    else:
        out.append(_rows(report, "By playbook", report.playbooks, user_ids=False))
    esc = report.escalations
    if esc is not None:
        out.append(
            blocks.section(
                f"*Escalations:* {esc.opened} opened, {esc.acknowledged} acknowledged, "
                f"{esc.resolved} resolved, {esc.unanswered} unanswered · time to acknowledge "
                f"median {_duration(esc.median_to_acknowledge)}, worst "
                f"{_duration(esc.worst_to_acknowledge)}"
            )
        )
    rec = report.recovery
    if rec is not None and rec.totals.incidents:
        lines = [blocks.escape(line.strip()) for line in recovery_lines(rec, report.currency)]
        out.append(blocks.section("\n".join(lines)))
    if report.policy_changes:
        out.append(_policy_changes(report))
    notes = [blocks.escape(n) for n in report.notes]
    out.append(blocks.context(" · ".join([p.timezone, *notes])))
    return blocks.message(f"{title}: {_money(report, t.approved)} given", out)


def _policy_change(change: PolicyChange, tz: ZoneInfo) -> str:
    """'Tue 10 Mar 11:00 role limits associate: per-incident 100, daily 300 →
    per-incident 40, daily 120 — by @admin', with people as mentions."""
    about = change.what in _ABOUT_A_USER and change.target
    target = f"<@{blocks.escape(change.target)}>" if about else None
    shown = dataclasses.replace(change, changed_by="", target="" if target else change.target)
    line = blocks.escape(policy_change_line(shown))
    if target:
        line = line.replace(f"{blocks.escape(change.what)}:", f"{change.what} {target}:", 1)
    at = "" if change.created_at is None else f"{change.created_at.astimezone(tz):%a %d %b %H:%M} "
    who = ""
    if change.changed_by:
        # A Slack user id is shown as a mention; the shell's "local:NAME" as it is.
        by = change.changed_by
        who = f" — by {blocks.escape(by) if ':' in by else f'<@{blocks.escape(by)}>'}"
    return f"• {at}{line}{who}"


def _policy_changes(report: Report) -> Block:
    tz = ZoneInfo(report.period.timezone)
    changes = report.policy_changes
    lines = [_policy_change(c, tz) for c in changes[:MAX_ROWS]]
    if len(changes) > MAX_ROWS:
        lines.append(
            f"… and {len(changes) - MAX_ROWS} more (`coachbot report --format json`)"
        )
    return blocks.section(f"*Policy changes ({len(changes)})*\n" + "\n".join(lines))
