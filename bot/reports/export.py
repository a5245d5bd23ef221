"""The JSON and CSV forms every platform offers: ``report_dict`` (the JSON contract),
``report_csv``, and the JSON of recovery figures and playbook records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bot.models import Money
from bot.money import to_major
from bot.policy import policy_change_dict
from bot.reports.build import Report
from bot.reports.period import Dimension
from bot.reports.playbook_records import PlaybookStats
from bot.reports.recovery import RecoveryFigures, RecoveryRow
from bot.reports.spend import Figures, Row, Tally


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def recovery_row_dict(r: RecoveryRow) -> dict[str, Any]:
    return {
        "key": r.key,
        "label": r.label,
        "incidents": r.incidents,
        "won": r.won,
        "calmed": r.calmed,
        "lost": r.lost,
        "unsure": r.unsure,
        "no_outcome": r.no_outcome,
        "win_back_rate": _rate(r.win_back_rate),
        "spent": r.spent_minor,
        "average_spend": r.average_spend_minor,
    }


def recovery_dict(f: RecoveryFigures) -> dict[str, Any]:
    p = f.pulse
    return {
        "totals": recovery_row_dict(f.totals),
        "no_outcome_share": _rate(f.no_outcome_share),
        "median_seconds_to_outcome": _seconds(f.median_to_outcome),
        "worst_seconds_to_outcome": _seconds(f.worst_to_outcome),
        "by_playbook": [recovery_row_dict(r) for r in f.by_playbook],
        "by_employee": [recovery_row_dict(r) for r in f.by_employee],
        "by_spend_band": [recovery_row_dict(r) for r in f.by_spend_band],
        "perception_gap": {
            "pulses_sent": p.pulses_sent,
            "answered": p.answered,
            "compared": p.compared,
            "staff_won_rate": _rate(p.staff_won_rate),
            "customer_yes_rate": _rate(p.customer_yes_rate),
            "gap": _rate(p.gap),
            "agreement_rate": _rate(p.agreement_rate),
        },
    }


def playbook_stats_dict(stats: Iterable[PlaybookStats]) -> dict[str, Any]:
    return {
        "playbooks": [
            {
                "id": s.playbook_id,
                "title": s.title,
                "owner": s.owner,
                "matched": s.matched,
                "used": s.used,
                "rerouted_away": s.rerouted_away,
                "reroute_rate": _rate(s.reroute_rate),
                **{
                    k: v
                    for k, v in recovery_row_dict(s.recovery).items()
                    if k not in {"key", "label"}
                },
                "weak_terms": [{"term": t, "count": n} for t, n in s.weak_terms],
                "rerouted_phrases": [
                    {
                        "situation": r.situation,
                        "matched_terms": list(r.matched_terms),
                        "chosen": r.chosen_playbook_id,
                    }
                    for r in s.reroutes
                ],
            }
            for s in stats
        ]
    }


def figures_dict(f: Figures) -> dict[str, Any]:
    def tally(t: Tally) -> dict[str, int]:
        return {"count": t.count, "amount": t.minor}

    return {
        "self_approved": tally(f.self_approved),
        "manager_approved": tally(f.manager_approved),
        "denied": tally(f.denied),
        "pending": tally(f.pending),
        "approved": tally(f.approved),
        "requested": tally(f.requested),
        "over_authority": tally(f.over_authority),
    }


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def report_dict(report: Report) -> dict[str, Any]:
    """The JSON form: amounts in integer minor units of ``currency``, dates ISO."""

    def row(r: Row) -> dict[str, Any]:
        return {"key": r.key, "label": r.label, **figures_dict(r.figures)}

    esc = report.escalations
    return {
        "org": report.org,
        "currency": report.currency,
        "period": {
            "label": report.period.label,
            "from": report.period.start.isoformat(),
            "to": report.period.end.isoformat(),
            "timezone": report.period.timezone,
        },
        "by": report.by.value,
        "generated_at": report.generated_at.isoformat(),
        "totals": figures_dict(report.totals),
        "over_authority_requests": report.over_authority_requests,
        "rows": [row(r) for r in report.rows],
        "top_spenders": [row(r) for r in report.top_spenders],
        "playbooks": [row(r) for r in report.playbooks],
        "days": [
            {
                "date": d.day.isoformat(),
                **figures_dict(d.figures),
                "approved_by_playbook": [
                    {"playbook": pid, "amount": minor} for pid, minor in d.approved_by_playbook
                ],
            }
            for d in report.days
        ],
        "escalations": None
        if esc is None
        else {
            "opened": esc.opened,
            "acknowledged": esc.acknowledged,
            "resolved": esc.resolved,
            "unanswered": esc.unanswered,
            "median_seconds_to_acknowledge": _seconds(esc.median_to_acknowledge),
            "worst_seconds_to_acknowledge": _seconds(esc.worst_to_acknowledge),
            "longest_unanswered_seconds": _seconds(esc.longest_unanswered),
            "days": [
                {
                    "date": d.day.isoformat(),
                    "opened": d.opened,
                    "acknowledged": d.acknowledged,
                    "median_seconds_to_acknowledge": _seconds(d.median_to_acknowledge),
                }
                for d in esc.days
            ],
        },
        "other_currencies": [
            {"amount": m.minor, "currency": m.currency} for m in report.other_currencies
        ],
        "notes": list(report.notes),
        "recovery": None if report.recovery is None else recovery_dict(report.recovery),
        "policy_changes": [policy_change_dict(c) for c in report.policy_changes],
    }


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# a user id or location such as "=HYPERLINK(...)" must arrive as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "section", "key", "label",
    "self_approved_count", "self_approved",
    "manager_approved_count", "manager_approved",
    "denied_count", "denied",
    "pending_count", "pending",
    "approved", "requested", "currency",
)  # fmt: skip


RECOVERY_CSV_COLUMNS = (
    "section", "key", "label", "incidents", "won", "calmed", "lost", "unsure",
    "no_outcome", "win_back_rate", "spent", "average_spend", "currency",
)  # fmt: skip


def spreadsheet_safe(cell: str) -> str:
    """Prefix a ' to a cell a spreadsheet would run as a formula; the ' is not shown."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def report_csv(report: Report) -> str:
    """One table a spreadsheet opens as it is: totals, the breakdown, then every day.

    Amounts are decimal major units ("48.50") so a spreadsheet can sum them; the JSON form
    carries minor units for programs.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def money(minor: int) -> str:
        return str(to_major(Money(minor, report.currency)))

    def write(section: str, key: str, label: str, f: Figures) -> None:
        cells = [section, key, label]
        for _state, tally in f.parts():
            cells += [str(tally.count), money(tally.minor)]
        cells += [money(f.approved.minor), money(f.requested.minor), report.currency]
        writer.writerow([spreadsheet_safe(c) for c in cells])

    p = report.period
    write("total", f"{p.start}..{p.end}", p.label, report.totals)
    for r in report.rows:
        write(report.by.value, r.key or "", r.label, r.figures)
    if report.by is not Dimension.PLAYBOOK:
        for r in report.playbooks:
            write("playbook", r.key or "", r.label, r.figures)
    for d in report.days:
        write("day", d.day.isoformat(), d.day.strftime("%a"), d.figures)
    rec = report.recovery
    if rec is not None and rec.totals.incidents:
        # A second table below a blank line: recovery figures do not fit the spend
        # columns, and reports without incidents stay exactly as they were.
        writer.writerow([])
        writer.writerow(RECOVERY_CSV_COLUMNS)
        groups = [("total", (rec.totals,)), ("playbook", rec.by_playbook),
                  ("employee", rec.by_employee), ("spend_band", rec.by_spend_band)]  # fmt: skip
        for section, rows in groups:
            for rr in rows:
                rate = rr.win_back_rate
                average = rr.average_spend_minor
                cells = [
                    f"recovery_{section}", rr.key or "", rr.label, str(rr.incidents),
                    str(rr.won), str(rr.calmed), str(rr.lost), str(rr.unsure), str(rr.no_outcome),
                    "" if rate is None else f"{rate:.4f}",
                    money(rr.spent_minor), "" if average is None else money(average),
                    report.currency,
                ]  # fmt: skip
                writer.writerow([spreadsheet_safe(c) for c in cells])
    return out.getvalue()
