"""Escalation figures: how many were opened in the period and how quickly a manager
answered them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.models import EscalationAction, EscalationRecord, EscalationStatus
from bot.reports.durations import _median, _worst
from bot.reports.period import Period


class EscalationHistory(Protocol):
    """The one thing a report needs of ``bot.escalations.EscalationStore``."""

    async def list(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EscalationRecord]: ...


@dataclass(frozen=True, slots=True)
class EscalationDay:
    day: date
    opened: int
    acknowledged: int  # of those opened that day
    median_to_acknowledge: timedelta | None


@dataclass(frozen=True, slots=True)
class EscalationFigures:
    """Escalations opened in the period and how quickly a manager answered them.

    'Acknowledged' means any manager response: an acknowledgement, taking over, or a
    decision on the spend, whichever came first.
    """

    opened: int
    acknowledged: int
    resolved: int
    unanswered: int  # nobody has responded yet
    median_to_acknowledge: timedelta | None
    worst_to_acknowledge: timedelta | None
    longest_unanswered: timedelta | None  # how long the oldest unanswered one has waited
    days: tuple[EscalationDay, ...] = ()


_RESPONSES = frozenset(
    a.value
    for a in (
        EscalationAction.ACKNOWLEDGE,
        EscalationAction.TAKE_OVER,
        EscalationAction.APPROVE,
        EscalationAction.DENY,
        EscalationAction.RESOLVE,
    )
)


def responded_at(record: EscalationRecord) -> datetime | None:
    """When a manager first responded: acknowledged, took over, decided, or resolved."""
    times = [when for action, _who, when in record.history if str(action) in _RESPONSES]
    times += [t for t in (record.acknowledged_at, record.resolved_at) if t is not None]
    return min(times) if times else None


def escalation_figures(
    records: Iterable[EscalationRecord], period: Period, now: datetime
) -> EscalationFigures:
    tz = ZoneInfo(period.timezone)
    waits: list[timedelta] = []
    unanswered: list[timedelta] = []
    per_day: dict[date, list[timedelta | None]] = {d: [] for d in period.dates()}
    opened = resolved = 0
    for rec in records:
        opened += 1
        if rec.status is EscalationStatus.RESOLVED or rec.resolved_at is not None:
            resolved += 1
        answered = responded_at(rec)
        wait = None if answered is None else max(timedelta(0), answered - rec.opened_at)
        if wait is None:
            unanswered.append(max(timedelta(0), now - rec.opened_at))
        else:
            waits.append(wait)
        day = rec.opened_at.astimezone(tz).date()
        if day in per_day:
            per_day[day].append(wait)
    return EscalationFigures(
        opened=opened,
        acknowledged=len(waits),
        resolved=resolved,
        unanswered=len(unanswered),
        median_to_acknowledge=_median(waits),
        worst_to_acknowledge=_worst(waits),
        longest_unanswered=max(unanswered) if unanswered else None,
        days=tuple(
            EscalationDay(
                d,
                len(ws),
                sum(1 for w in ws if w is not None),
                _median([w for w in ws if w is not None]),
            )
            for d, ws in per_day.items()
        ),
    )
