"""Console rendering: the core's plain data as terminal text or as the CLI's JSON contract."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from bot.coach import PendingSpend, RoleLimits, SpendOutcome
from bot.incidents import IncidentRecord
from bot.models import Advice, LedgerEntry, Money, SpendStatus, VerifyResult
from bot.money import format_money
from bot.policy import policy_change_line
from bot.reports import (
    PlaybookStats,
    Report,
    Tally,
    percent,
    recovery_lines,
    report_csv,
    report_dict,
)
from bot.reports import Row as ReportRow


def money_json(m: Money) -> dict[str, Any]:
    return {"minor": m.minor, "currency": m.currency, "display": format_money(m)}


def advice_json(advice: Advice) -> dict[str, Any]:
    """The ``coachbot advise --json`` contract (SPEC: Command line)."""
    auth = advice.authority
    out: dict[str, Any] = {
        "playbook": {"id": advice.playbook.id, "title": advice.playbook.title},
        "step": {
            "index": advice.step.index,
            "total": advice.step.total,
            "do": advice.step.do,
            "say": advice.step.say,
        },
        "authority": {
            "role": auth.role.value,
            "per_incident": auth.per_incident.minor,
            "daily_allowance": auth.daily_allowance.minor,
            "remaining_today": auth.remaining_today.minor,
            "currency": auth.per_incident.currency,
        },
        "escalate": {
            "needed": advice.escalation.needed,
            "reasons": list(advice.escalation.reasons),
        },
        "alternatives": [{"id": a.id, "score": a.score} for a in advice.alternatives],
        # The matcher's raw confidence in its own best guess, whatever answered.
        "confidence": advice.confidence,
        "confident": advice.confident,
        # True: the playbook is general-recovery and the alternatives are the guesses.
        "fallback": advice.fallback,
        "note": advice.note,
        "gestures": [
            {
                "name": g.name,
                "typical_cost": None if g.typical_cost is None else g.typical_cost.minor,
            }
            for g in advice.gestures
        ],
        "incident_id": advice.incident_id,
        "matched_terms": list(advice.matched_terms),
    }
    if advice.customer is not None:
        out["customer"] = {
            "ref": advice.customer.customer_ref,
            "given_today": advice.customer.given_today.minor,
        }
    return out


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "status": entry.status.value,
        "amount": entry.amount.minor,
        "currency": entry.amount.currency,
        "display": format_money(entry.amount),
        "reason": entry.reason,
        "user": entry.user_id,
        "role": entry.role.value,
        "playbook": entry.playbook_id,
        "incident": entry.incident_id,
        "customer": entry.customer_ref,
        "created_at": entry.created_at.isoformat(),
        "decided_by": entry.decided_by,
        "decided_at": entry.decided_at.isoformat() if entry.decided_at else None,
    }


def spend_json(outcome: SpendOutcome) -> dict[str, Any]:
    if outcome.entry is None:
        # Nothing recorded: the same spend was logged minutes ago. `--confirm` logs it.
        assert outcome.earlier is not None
        return {
            "status": "needs_confirmation",
            "question": duplicate_question(outcome),
            "earlier": entry_json(outcome.earlier),
        }
    out = entry_json(outcome.entry)
    out["over_authority"] = list(outcome.over_authority)
    out["remaining_today"] = outcome.authority.remaining_today.minor
    out["replayed"] = outcome.replayed
    return out


def verify_json(result: VerifyResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "entries_checked": result.entries_checked,
        "first_bad": result.first_bad,
        "problem": result.problem,
    }


def limits_json(limits: list[RoleLimits]) -> dict[str, Any]:
    return {
        "roles": [
            {
                "role": r.role.value,
                "per_incident": r.per_incident.minor,
                "daily_allowance": r.daily_allowance.minor,
                "currency": r.per_incident.currency,
                "overrides": {pid: m.minor for pid, m in r.overrides},
            }
            for r in limits
        ]
    }


def pending_json(queue: list[PendingSpend]) -> list[dict[str, Any]]:
    """The ``coachbot pending --json`` contract: oldest first, amounts in minor units."""
    return [
        {
            "entry_id": p.entry_id,
            "user_id": p.user_id,
            "amount": p.amount.minor,
            "currency": p.amount.currency,
            "reason": p.reason,
            "customer": p.customer_ref,
            "requested_at": p.requested_at.isoformat(),
        }
        for p in queue
    ]


# -- text ----------------------------------------------------------------------------


def advice_text(advice: Advice) -> str:
    if not advice.confident and not advice.fallback:
        return did_you_mean_text(advice)
    auth = advice.authority
    lines = [f"  {advice.note}"] if advice.note else []
    lines += [
        f"▶ {advice.playbook.title}",
        f"  Step {advice.step.index} of {advice.step.total}: {advice.step.do}",
    ]
    if advice.step.say:
        lines.append(f'  Say: "{advice.step.say}"')
    lines.append(
        f"  Your authority: up to {format_money(auth.per_incident)} on this, "
        f"{format_money(auth.remaining_today)} left of today's {format_money(auth.daily_allowance)}"
    )
    if advice.customer and advice.customer.entries:
        given = ", ".join(
            f"{format_money(g.amount)} by {g.user_id} at {g.at:%H:%M}"
            + (" (pending)" if g.pending else "")
            for g in advice.customer.entries
        )
        lines.append(f"  Already given to {advice.customer.customer_ref} today: {given}")
    if advice.gestures:
        gestures = "; ".join(
            g.name + (f" (~{format_money(g.typical_cost)})" if g.typical_cost else "")
            for g in advice.gestures
        )
        lines.append(f"  Gestures: {gestures}")
    if advice.escalation.needed:
        lines.append(
            f"  ⚠ Tell a manager now ({', '.join(advice.escalation.reasons)}) — type 'escalate'"
        )
    if advice.fallback and advice.alternatives:
        # Not sure which situation this is: the general steps now, the guesses to pick.
        lines.append("  Or is it one of these? Type its number:")
        lines += [f"    {i}) {p.title}" for i, p in enumerate(advice.alternatives[:3], 1)]
        lines.append("  [next] [spend £… reason] [escalate]")
    else:
        lines.append("  [next] [spend £… reason] [escalate] [other]")
    return "\n".join(lines)


def did_you_mean_text(advice: Advice) -> str:
    options = [advice.playbook, *advice.alternatives][:3]
    lines = ["I'm not sure which situation this is. Did you mean:"]
    lines += [f"  {i}) {p.title}" for i, p in enumerate(options, 1)]
    lines.append("Type 1, 2 or 3 — or describe it another way.")
    return "\n".join(lines)


def alternatives_text(advice: Advice) -> str:
    if not advice.alternatives:
        return "No other playbook fits — describe the situation another way."
    lines = ["Other playbooks that might fit:"]
    lines += [f"  {i}) {p.title}" for i, p in enumerate(advice.alternatives[:3], 1)]
    lines.append("Type a number to switch.")
    return "\n".join(lines)


def duplicate_question(outcome: SpendOutcome) -> str:
    """ "You logged £80 for room 214 at 14:02 — log another?" """
    earlier = outcome.earlier
    assert earlier is not None
    where = f" for {earlier.customer_ref}" if earlier.customer_ref else ""
    at = f" at {outcome.earlier_at:%H:%M}" if outcome.earlier_at else ""
    return f"You logged {format_money(earlier.amount)}{where}{at} — log another?"


def spend_text(outcome: SpendOutcome) -> str:
    e = outcome.entry
    if e is None:
        return duplicate_question(outcome)
    amount = format_money(e.amount)
    where = f" for {e.customer_ref}" if e.customer_ref else ""
    if e.status is SpendStatus.APPROVED:
        left = format_money(outcome.authority.remaining_today)
        return f"✔ Logged {amount}{where} — {e.reason}. Receipt {e.entry_id}. {left} left today."
    why = "; ".join(outcome.over_authority)
    return (
        f"⏳ {amount}{where} needs a manager's OK ({why}). "
        f"Request {e.entry_id} is pending; you will be told the decision."
    )


def entry_text(entry: LedgerEntry) -> str:
    by = f" by {entry.decided_by}" if entry.decided_by else ""
    return (
        f"{entry.entry_id}: {format_money(entry.amount)} {entry.reason} — {entry.status.value}{by}"
    )


def limits_text(limits: list[RoleLimits]) -> str:
    lines = []
    for r in limits:
        line = (
            f"{r.role.value:<10} {format_money(r.per_incident):>10} per incident, "
            f"{format_money(r.daily_allowance):>10} a day"
        )
        if r.overrides:
            line += " (" + ", ".join(f"{pid}: {format_money(m)}" for pid, m in r.overrides) + ")"
        lines.append(line)
    return "\n".join(lines)


NOTHING_PENDING = "No spends are waiting for a decision."


def pending_text(queue: list[PendingSpend], tz: tzinfo, how_to_decide: str) -> str:
    """A table, oldest first, times in the organisation's zone; then how to decide one."""
    if not queue:
        return NOTHING_PENDING
    header = ("ENTRY", "EMPLOYEE", "AMOUNT", "REQUESTED", "CUSTOMER", "REASON")
    rows = [
        (
            p.entry_id,
            p.user_id,
            format_money(p.amount),
            f"{p.requested_at.astimezone(tz):%Y-%m-%d %H:%M}",
            p.customer_ref or "-",
            " ".join(p.reason.split()),
        )
        for p in queue
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        # The amount is right-aligned so that pounds line up; the reason runs on.
        padded = [
            c.rjust(w) if i == 2 else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells[:-1], widths, strict=True))
        ]
        return "  ".join([*padded, cells[-1]]).rstrip()

    count = f"{len(queue)} spend{'s' if len(queue) != 1 else ''} waiting, oldest first"
    return "\n".join([line(header), *(line(r) for r in rows), f"{count}. {how_to_decide}"])


# -- reports -------------------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    """``coachbot report --format json``: minor units plus the currency (bot.reports)."""
    return report_dict(report)


def report_csv_text(report: Report) -> str:
    return report_csv(report)


def duration_text(value: timedelta | None) -> str:
    """'45s', '4m 10s', '2h 05m', '3d 4h': short enough for a phone screen."""
    if value is None:
        return "–"
    seconds = round(value.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def _period_text(report: Report) -> str:
    p = report.period
    if p.start == p.end:
        span = f"{p.start:%a %d %b %Y}"
    elif p.start.year == p.end.year:
        span = f"{p.start:%a %d %b} – {p.end:%a %d %b %Y}"
    else:
        span = f"{p.start:%d %b %Y} – {p.end:%d %b %Y}"
    return f"{p.label if '..' not in p.label else 'period'}, {span} ({p.timezone})"


def _count(n: int, word: str = "spend") -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _row_text(row: ReportRow, currency: str, width: int) -> str:
    f = row.figures
    line = f"  {row.label:<{width}} {format_money(Money(f.approved.minor, currency)):>12} given"
    line += f" ({_count(f.approved.count)})"
    if f.pending.count:
        line += f", {format_money(Money(f.pending.minor, currency))} pending"
    if f.denied.count:
        line += f", {format_money(Money(f.denied.minor, currency))} denied"
    return line


def report_text(report: Report) -> str:
    cur = report.currency

    def money(minor: int) -> str:
        return format_money(Money(minor, cur))

    t = report.totals
    amounts = [t.approved, t.self_approved, t.manager_approved, t.pending, t.denied]
    wide = max(len(money(a.minor)) for a in amounts)

    def total(label: str, tally: Tally) -> str:
        return f"  {label:<25} {money(tally.minor):>{wide}}  {_count(tally.count)}"

    lines = [
        f"Spend report for {report.org}: {_period_text(report)}",
        total("Given to customers", t.approved),
        total("  on their own authority", t.self_approved),
        total("  approved by a manager", t.manager_approved),
        total("Waiting for a manager", t.pending),
        total("Denied", t.denied),
        f"  Requests over authority: {report.over_authority_requests}",
    ]
    if report.rows:
        lines.append(f"By {report.by.value}:")
        width = min(30, max(len(r.label) for r in report.rows))
        lines += [_row_text(r, cur, width) for r in report.rows]
    if report.top_spenders:
        lines.append(
            "Top spenders: "
            + ", ".join(f"{r.label} {money(r.figures.approved.minor)}" for r in report.top_spenders)
        )
    if report.playbooks and report.by.value != "playbook":
        lines.append("Spend per playbook:")
        width = min(30, max(len(r.label) for r in report.playbooks))
        lines += [_row_text(r, cur, width) for r in report.playbooks]
    esc = report.escalations
    if esc is None:
        lines.append("Escalations: not available (no escalation store is configured)")
    else:
        line = (
            f"Escalations: {esc.opened} opened, {esc.acknowledged} acknowledged, "
            f"{esc.resolved} resolved"
        )
        if esc.unanswered:
            line += (
                f", {esc.unanswered} unanswered (longest waiting "
                f"{duration_text(esc.longest_unanswered)})"
            )
        lines.append(line)
        if esc.acknowledged:
            lines.append(
                f"  Time to acknowledge: median {duration_text(esc.median_to_acknowledge)}, "
                f"worst {duration_text(esc.worst_to_acknowledge)}"
            )
    rec = report.recovery
    if rec is not None and rec.totals.incidents:
        lines += recovery_lines(rec, cur)
    lines += policy_change_lines(report)
    lines += [f"Note: {n}" for n in report.notes]
    return "\n".join(lines)


def policy_change_lines(report: Report) -> list[str]:
    """The period's changes of limits, roles and playbooks, each with who made it."""
    if not report.policy_changes:
        return []
    tz = ZoneInfo(report.period.timezone)
    lines = [f"Policy changes: {len(report.policy_changes)}"]
    for change in report.policy_changes:
        at = (
            ""
            if change.created_at is None
            else f"{change.created_at.astimezone(tz):%a %d %b %H:%M} "
        )
        lines.append(f"  {at}{policy_change_line(change)}")
    return lines


# -- incidents -----------------------------------------------------------------------


def incident_json(record: IncidentRecord) -> dict[str, Any]:
    return {
        "incident_id": record.incident_id,
        "user_id": record.user_id,
        "playbook_id": record.playbook_id,
        "first_playbook_id": record.first_playbook_id,
        "situation": record.situation,
        "opened_at": record.opened_at.isoformat(),
        "outcome": None if record.outcome is None else record.outcome.value,
        "note": record.outcome_note,
        "review_posted": record.review_posted,
        "outcome_by": record.outcome_by,
        "outcome_at": None if record.outcome_at is None else record.outcome_at.isoformat(),
    }


def outcome_text(record: IncidentRecord) -> str:
    label = record.outcome.label if record.outcome else "open"
    review = {True: " — a review was posted", False: " — no review", None: ""}[record.review_posted]
    return f"✔ {record.incident_id} closed: {label}{review}. Thank you."


def playbook_stats_text(stats: list[PlaybookStats], currency: str) -> str:
    lines = []
    for s in stats:
        r = s.recovery
        avg = r.average_spend_minor
        spend = "–" if avg is None else format_money(Money(avg, currency))
        lines.append(
            f"{s.playbook_id}: used {s.used}, won back {percent(r.win_back_rate)} of "
            f"{r.decided}, avg spend {spend}, re-routed away {s.rerouted_away} of "
            f"{s.matched} matched"
        )
        if s.weak_terms:
            lines.append(
                "  words behind re-routes: " + ", ".join(f"{t} ({n})" for t, n in s.weak_terms[:8])
            )
        for sample in s.reroutes:
            lines.append(f'  "{sample.situation}" → {sample.chosen_playbook_id}')
    return "\n".join(lines) if lines else "No playbooks."
