"""``/cx-report``: ``bot.reports`` figures as a Block Kit message.

The core builds the report (and refuses anyone below manager); this only lays it out:
totals, pending approvals, the breakdown asked for, and how fast escalations were
answered. Chart and CSV export stay with ``coachbot report`` for now (uploading files
needs the files:write scope).
"""

from __future__ import annotations

from datetime import timedelta

from adapters.slack import blocks
from adapters.slack.blocks import Block, Message
from bot.coach import Coach
from bot.models import Actor, Money
from bot.reports import Figures, Report, ReportQuery, Row, Tally, build_report

MAX_ROWS = 15  # a breakdown longer than this is an export, not a chat message


async def report_message(coach: Coach, actor: Actor, query: str) -> Message:
    report = await build_report(coach, actor, ReportQuery.from_text(query))
    return render(report)


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
    notes = [blocks.escape(n) for n in report.notes]
    out.append(blocks.context(" · ".join([p.timezone, *notes])))
    return blocks.message(f"{title}: {_money(report, t.approved)} given", out)
