"""What a report covers: the period asked for, in the organisation's local days, and the
breakdown (``Dimension``); ``ReportQuery`` reads both as a manager types them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput

EARLIEST_DATE = date(2000, 1, 1)
MAX_PERIOD_DAYS = 366  # a year, leap or not; longer is an export job, not a report
DEFAULT_PERIOD = "week"

PERIOD_NAMES = ("today", "yesterday", "week", "month", "last-week", "last-month")
_PERIOD_HELP = (
    "use today, yesterday, week, month, last-week, last-month, or FROM..TO with ISO dates "
    "(e.g. 2025-03-01..2025-03-31)"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Dimension(StrEnum):
    """What the breakdown rows are: one per employee, playbook or location, or none."""

    EMPLOYEE = "employee"
    PLAYBOOK = "playbook"
    LOCATION = "location"
    NONE = "none"

    @classmethod
    def parse(cls, text: str | None) -> Dimension:
        if text is None or not text.strip():
            return cls.NONE
        word = text.strip().lower()
        aliases = {
            "employees": "employee",
            "staff": "employee",
            "user": "employee",
            "playbooks": "playbook",
            "locations": "location",
            "site": "location",
        }
        try:
            return cls(aliases.get(word, word))
        except ValueError:
            names = ", ".join(d.value for d in cls)
            raise InvalidInput(f"cannot report by {text.strip()!r}: use {names}") from None


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start``..``end`` (both inclusive) in ``timezone``."""

    label: str  # as asked: "week", "2025-03-01..2025-03-31"
    start: date
    end: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def bounds(self) -> tuple[datetime, datetime]:
        """``[since, until)`` in UTC: local midnight before ``start`` to after ``end``."""
        return local_midnight(self.start, self.timezone), local_midnight(
            self.end + timedelta(days=1), self.timezone
        )


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant ``day`` begins in ``timezone``.

    In a DST gap at midnight fold=0 takes the offset in force before the change, which is
    the instant the day really starts; the ledger's day buckets use the same rule.
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _parse_date(text: str) -> date:
    if not _ISO_DATE.match(text):
        raise InvalidInput(f"{text!r} is not a date: write dates as YYYY-MM-DD, e.g. 2025-03-01")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a real date (check the month and day)") from None
    if day < EARLIEST_DATE:
        # Also keeps time-zone arithmetic away from year 1, where it overflows.
        raise InvalidInput(f"{text} is before {EARLIEST_DATE.year}: no spends go back that far")
    return day


def _check_length(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(
            f"the period ends ({end}) before it starts ({start}): write FROM..TO, earliest first"
        )
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"that period is {days} days long: a report covers at most {MAX_PERIOD_DAYS} days"
        )


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What a manager asked for. Syntax is checked by ``parse``; dates by ``resolve``."""

    period: str = DEFAULT_PERIOD
    by: Dimension = Dimension.NONE

    @classmethod
    def parse(cls, period: str | None = None, by: str | None = None) -> ReportQuery:
        """Check ``period`` and ``by`` as typed; raises ``InvalidInput`` with a clear line."""
        text = (period or DEFAULT_PERIOD).strip().lower().replace("_", "-")
        text = {
            "this-week": "week",
            "this-month": "month",
            "lastweek": "last-week",
            "lastmonth": "last-month",
        }.get(text, text)
        if text not in PERIOD_NAMES:
            if ".." in text:
                first, _, last = (part.strip() for part in text.partition(".."))
                if not first or not last:
                    raise InvalidInput(f"a period needs both dates, FROM..TO: {_PERIOD_HELP}")
                _check_length(_parse_date(first), _parse_date(last))
                text = f"{first}..{last}"
            elif _ISO_DATE.match(text):
                _parse_date(text)  # one day
            else:
                raise InvalidInput(f"unknown period {period!r}: {_PERIOD_HELP}")
        return cls(text, Dimension.parse(by))

    @classmethod
    def from_text(cls, text: str) -> ReportQuery:
        """Read a slash command's argument: '', 'month', 'week by employee', 'by playbook'."""
        words = text.replace("=", " ").split()
        period: str | None = None
        by: str | None = None
        i = 0
        while i < len(words):
            word = words[i].lower().lstrip("-")
            if word == "by":
                if i + 1 >= len(words):
                    raise InvalidInput("by what? say 'by employee' or 'by playbook'")
                by, i = words[i + 1], i + 2
                continue
            if period is not None:
                raise InvalidInput(
                    f"I read {period!r} as the period; what is {words[i]!r}? e.g. "
                    "'/cx-report week by employee'"
                )
            period, i = words[i], i + 1
        return cls.parse(period, by)

    def resolve(self, today: date, timezone: str) -> Period:
        """The local days this query covers, given today's date in the organisation.

        A period that starts after today is refused; one that runs past today is cut at
        today, since the future has no figures yet.
        """
        label = self.period
        if label == "today":
            start = end = today
        elif label == "yesterday":
            start = end = today - timedelta(days=1)
        elif label == "week":  # this calendar week (Monday first), so far
            start, end = today - timedelta(days=today.weekday()), today
        elif label == "last-week":
            end = today - timedelta(days=today.weekday() + 1)
            start = end - timedelta(days=6)
        elif label == "month":
            start, end = today.replace(day=1), today
        elif label == "last-month":
            end = today.replace(day=1) - timedelta(days=1)
            start = end.replace(day=1)
        else:
            first, _, last = label.partition("..")
            start = _parse_date(first)
            end = _parse_date(last) if last else start
            _check_length(start, end)
            if start > today:
                raise InvalidInput(
                    f"the period starts on {start}, after today ({today}): nothing to report yet"
                )
            end = min(end, today)
        return Period(label, start, end, timezone)
