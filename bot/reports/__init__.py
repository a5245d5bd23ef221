"""Manager reports: what was spent, by whom, on what, and how fast escalations were answered.

``build_report(coach, actor, query)`` checks that the actor is a manager or admin, works
out the period in the organisation's time zone, asks the ledger for grouped figures (the
database does the adding up, so a month of a large chain's spends stays well under a
second) and returns a ``Report``: plain data that each adapter renders in its own idiom.
``report_dict`` (the JSON contract) and ``report_csv`` are here rather than in an adapter
because every platform offers the same export.

Money is integer minor units of the organisation's currency throughout. A spend counts on
the local day it was *requested*, whenever a manager decided it.

The parts: ``period`` (what was asked for, in local days), ``spend`` (spend figures),
``escalations`` (escalation figures), ``recovery`` (incident outcomes), ``durations``
(how long things took, in whole seconds), ``build`` (``Report`` and ``build_report``),
``playbook_records`` (each playbook's record for its owner) and ``export`` (JSON and CSV).
Import from ``bot.reports`` itself: the names below are the public surface.
"""

from bot.reports.build import NO_PLAYBOOK, Report, ReportDeps, build_report
from bot.reports.escalations import (
    EscalationDay,
    EscalationFigures,
    EscalationHistory,
    escalation_figures,
)
from bot.reports.export import (
    playbook_stats_dict,
    recovery_dict,
    report_csv,
    report_dict,
    spreadsheet_safe,
)
from bot.reports.period import DEFAULT_PERIOD, MAX_PERIOD_DAYS, Dimension, Period, ReportQuery
from bot.reports.playbook_records import PlaybookStats, playbook_stats
from bot.reports.recovery import (
    IncidentHistory,
    PerceptionGap,
    RecoveryFigures,
    RecoveryRow,
    percent,
    recovery_figures,
    recovery_lines,
)
from bot.reports.spend import DayFigures, Figures, Row, Tally

__all__ = [
    "DEFAULT_PERIOD",
    "MAX_PERIOD_DAYS",
    "NO_PLAYBOOK",
    "DayFigures",
    "Dimension",
    "EscalationDay",
    "EscalationFigures",
    "EscalationHistory",
    "Figures",
    "IncidentHistory",
    "PerceptionGap",
    "Period",
    "PlaybookStats",
    "RecoveryFigures",
    "RecoveryRow",
    "Report",
    "ReportDeps",
    "ReportQuery",
    "Row",
    "Tally",
    "build_report",
    "escalation_figures",
    "percent",
    "playbook_stats",
    "playbook_stats_dict",
    "recovery_dict",
    "recovery_figures",
    "recovery_lines",
    "report_csv",
    "report_dict",
    "spreadsheet_safe",
]
