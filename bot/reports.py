"""Manager reports: what was spent, by whom, on what, and how fast escalations were answered.

``build_report(coach, actor, query)`` checks that the actor is a manager or admin, works
out the period in the organisation's time zone, asks the ledger for grouped figures (the
database does the adding up, so a month of a large chain's spends stays well under a
second) and returns a ``Report``: plain data that each adapter renders in its own idiom.
``report_dict`` (the JSON contract) and ``report_csv`` are here rather than in an adapter
because every platform offers the same export.

Money is integer minor units of the organisation's currency throughout. A spend counts on
the local day it was *requested*, whenever a manager decided it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.authority import AuthorityPolicy
from bot.errors import InvalidInput
from bot.incidents import STAFF_CLAIM, Feedback, IncidentRecord, Outcome, PulseAnswer
from bot.ledger import SpendLedger, SpendState, SpendSummaryRow
from bot.models import (
    Actor,
    EscalationAction,
    EscalationRecord,
    EscalationStatus,
    Money,
    SpendStatus,
)
from bot.money import currency_exponent, to_major
from bot.orgs import platform_of
from bot.playbooks import PlaybookLibrary

EARLIEST_DATE = date(2000, 1, 1)
MAX_PERIOD_DAYS = 366  # a year, leap or not; longer is an export job, not a report
DEFAULT_PERIOD = "week"
TOP_SPENDERS = 5
NO_PLAYBOOK = "(no playbook)"
NO_LOCATION = "(no location)"

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


# --------------------------------------------------------------------------- periods


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


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Tally:
    """How many spends, and their total in minor units."""

    count: int = 0
    minor: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.minor + other.minor)


@dataclass(frozen=True, slots=True)
class Figures:
    """Spend split by how it stands: the four parts add up to everything requested."""

    self_approved: Tally = Tally()  # within the employee's own authority
    manager_approved: Tally = Tally()  # over authority, approved by a manager
    denied: Tally = Tally()
    pending: Tally = Tally()  # over authority, still waiting for a manager

    @property
    def approved(self) -> Tally:
        """What was actually given to customers."""
        return self.self_approved + self.manager_approved

    @property
    def requested(self) -> Tally:
        return self.approved + self.denied + self.pending

    @property
    def over_authority(self) -> Tally:
        """Requests that needed a manager (over the employee's limit or allowance)."""
        return self.manager_approved + self.denied + self.pending

    def plus(self, state: SpendState, tally: Tally) -> Figures:
        if state is SpendState.SELF_APPROVED:
            return Figures(
                self.self_approved + tally, self.manager_approved, self.denied, self.pending
            )
        if state is SpendState.MANAGER_APPROVED:
            return Figures(
                self.self_approved, self.manager_approved + tally, self.denied, self.pending
            )
        if state is SpendState.DENIED:
            return Figures(
                self.self_approved, self.manager_approved, self.denied + tally, self.pending
            )
        return Figures(self.self_approved, self.manager_approved, self.denied, self.pending + tally)

    def parts(self) -> tuple[tuple[SpendState, Tally], ...]:
        return (
            (SpendState.SELF_APPROVED, self.self_approved),
            (SpendState.MANAGER_APPROVED, self.manager_approved),
            (SpendState.DENIED, self.denied),
            (SpendState.PENDING, self.pending),
        )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a breakdown. ``key`` None means 'no playbook' or 'no location'."""

    key: str | None
    label: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    figures: Figures
    approved_by_playbook: tuple[tuple[str | None, int], ...] = ()  # (playbook id, minor)


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


@dataclass(frozen=True, slots=True)
class Report:
    org: str
    currency: str
    period: Period
    by: Dimension
    generated_at: datetime
    totals: Figures
    rows: tuple[Row, ...]  # the breakdown chosen with ``by`` (empty for none), biggest first
    top_spenders: tuple[Row, ...]  # employees who gave away the most
    playbooks: tuple[Row, ...]  # spend per playbook, biggest first
    days: tuple[DayFigures, ...]  # every day of the period, quiet days included
    escalations: EscalationFigures | None  # None: no escalation store is configured
    other_currencies: tuple[Money, ...] = ()  # spends in another currency, not in the figures
    notes: tuple[str, ...] = field(default_factory=tuple)
    recovery: RecoveryFigures | None = None  # None: incidents are not recorded here

    @property
    def over_authority_requests(self) -> int:
        return self.totals.over_authority.count


# --------------------------------------------------------------------------- building


class EscalationHistory(Protocol):
    """The one thing a report needs of ``bot.escalations.EscalationStore``."""

    async def list(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EscalationRecord]: ...


class ReportDeps(Protocol):
    """What ``build_report`` needs of the coach (``bot.coach.Coach`` has all of it).

    Read-only properties, so that any ledger implementation or clock object will do.
    """

    @property
    def ledger(self) -> SpendLedger: ...

    @property
    def policy(self) -> AuthorityPolicy: ...

    @property
    def library(self) -> PlaybookLibrary: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def require_manager(self, actor: Actor) -> None: ...


async def build_report(
    coach: ReportDeps,
    actor: Actor,
    query: ReportQuery,
    *,
    escalations: EscalationHistory | None = None,
    locations: Mapping[str, str] | None = None,
) -> Report:
    """The report a manager asked for. Raises ``NotPermitted`` for anyone below manager.

    ``escalations`` defaults to ``coach.escalations`` when the coach has one; without a
    store the report says so instead of showing zeros. ``locations`` maps user ids to a
    location name (a site, a floor), by default the organisation file's ``locations`` for
    the organisation's platform;
    without any 'by location' is refused.
    """
    coach.require_manager(actor)  # before anything else: a refusal reveals nothing
    if locations is None:
        policy = getattr(coach, "policy", None)
        # The organisation's platform's locations: user ids are per platform.
        locations = (
            policy.config.people(platform_of(actor.org)).locations if policy is not None else None
        )
    if query.by is Dimension.LOCATION and not locations:
        raise InvalidInput(
            "locations are not configured for this organisation, so there is no report by "
            "location: try 'by employee' or 'by playbook'"
        )
    if escalations is None:
        escalations = getattr(coach, "escalations", None)
    incident_store: IncidentHistory | None = getattr(coach, "incidents", None)
    config = coach.policy.config
    tz, currency = config.timezone, config.currency
    now = coach.clock()
    period = query.resolve(now.astimezone(ZoneInfo(tz)).date(), tz)
    since, until = period.bounds()
    ledger, org = coach.ledger, actor.org

    # Two GROUP BY queries in parallel, each on its own pooled connection, rather than a
    # fetch of every entry: the database adds up, we only shape the result. Totals and
    # the per-playbook figures are sums of the day-by-playbook groups.
    by_user, by_day, escalated = await asyncio.gather(
        ledger.summary(org, since, until, ("user_id",), tz),
        ledger.summary(org, since, until, ("day", "playbook_id"), tz),
        escalations.list(org, since, until) if escalations is not None else _none(),
    )
    recovery = None
    if incident_store is not None:
        opened = await incident_store.opened_between(org, since, until)
        recovery = recovery_figures(
            opened,
            await _incident_spend(ledger, org, opened, currency),
            currency,
            lambda k: _playbook_label(coach, k),
        )

    ours = [r for r in by_day if r.currency == currency]
    totals = _figures(ours)
    others: dict[str, int] = defaultdict(int)
    for r in by_day:
        if r.currency != currency:
            others[r.currency] += r.total_minor
    other_money = tuple(Money(minor, code) for code, minor in sorted(others.items()))
    notes = tuple(
        f"{m.currency} spends ({to_major(m)} {m.currency}) are left out of these figures, "
        f"which are in {currency}"
        for m in other_money
    )

    employees = _rows(
        (r for r in by_user if r.currency == currency), lambda r: r.user_id, lambda k: k or "?"
    )
    playbooks = _rows(ours, lambda r: r.playbook_id, lambda k: _playbook_label(coach, k))
    if query.by is Dimension.EMPLOYEE:
        rows = employees
    elif query.by is Dimension.PLAYBOOK:
        rows = playbooks
    elif query.by is Dimension.LOCATION:
        assert locations is not None
        rows = _by_location(employees, locations)
    else:
        rows = ()
    top = tuple(r for r in employees if r.figures.approved.minor > 0)[:TOP_SPENDERS]

    return Report(
        org=org,
        currency=currency,
        period=period,
        by=query.by,
        generated_at=now,
        totals=totals,
        rows=rows,
        top_spenders=top,
        playbooks=playbooks,
        days=_days(period, ours),
        escalations=(
            None if escalations is None else escalation_figures(escalated or [], period, now)
        ),
        other_currencies=other_money,
        notes=notes,
        recovery=recovery,
    )


async def _none() -> None:
    return None


def _figures(rows: Iterable[SpendSummaryRow]) -> Figures:
    out = Figures()
    for r in rows:
        out = out.plus(r.state, Tally(r.count, r.total_minor))
    return out


def _ranked(rows: Iterable[Row]) -> tuple[Row, ...]:
    # Most given away first; then most requested; then by name, so ties read stably.
    return tuple(
        sorted(
            rows,
            key=lambda r: (-r.figures.approved.minor, -r.figures.requested.minor, r.label),
        )
    )


def _rows(
    summary: Iterable[SpendSummaryRow],
    key: Callable[[SpendSummaryRow], str | None],
    label: Callable[[str | None], str],
) -> tuple[Row, ...]:
    grouped: dict[str | None, Figures] = defaultdict(Figures)
    for r in summary:
        k = key(r)
        grouped[k] = grouped[k].plus(r.state, Tally(r.count, r.total_minor))
    return _ranked(Row(k, label(k), f) for k, f in grouped.items())


def _playbook_label(coach: ReportDeps, playbook_id: str | None) -> str:
    if playbook_id is None:
        return NO_PLAYBOOK
    if playbook_id in coach.library:
        return coach.library.get(playbook_id).title
    return playbook_id  # a playbook since removed from the library: its id still says what


def _by_location(employees: Iterable[Row], locations: Mapping[str, str]) -> tuple[Row, ...]:
    grouped: dict[str | None, Figures] = defaultdict(Figures)
    for row in employees:
        where = locations.get(row.key or "")
        figures = grouped[where]
        for state, tally in row.figures.parts():
            figures = figures.plus(state, tally)
        grouped[where] = figures
    return _ranked(Row(k, k or NO_LOCATION, f) for k, f in grouped.items())


def _days(period: Period, summary: Iterable[SpendSummaryRow]) -> tuple[DayFigures, ...]:
    figures: dict[date, Figures] = {d: Figures() for d in period.dates()}
    approved: dict[date, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for r in summary:
        if r.day is None or r.day not in figures:
            continue  # cannot happen: the ledger buckets within the period's bounds
        figures[r.day] = figures[r.day].plus(r.state, Tally(r.count, r.total_minor))
        if r.state in (SpendState.SELF_APPROVED, SpendState.MANAGER_APPROVED):
            approved[r.day][r.playbook_id] += r.total_minor
    return tuple(
        DayFigures(
            d,
            f,
            tuple(sorted(approved[d].items(), key=lambda kv: (-kv[1], kv[0] or ""))),
        )
        for d, f in figures.items()
    )


# --------------------------------------------------------------------------- escalations

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
        worst_to_acknowledge=max(waits) if waits else None,
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


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    # Whole seconds: nobody waiting for a manager cares about microseconds.
    return timedelta(seconds=round(statistics.median(v.total_seconds() for v in values)))


# --------------------------------------------------------------------------- recovery

# Spend bands, in major units of the organisation's currency: "does spending more win
# more?" needs few, wide bands, or every band holds two incidents and says nothing.
SPEND_BAND_EDGES = (10, 25, 50, 100)
NO_SPEND_BAND = "nothing spent"


class IncidentHistory(Protocol):
    """The one thing a report needs of ``bot.incidents.IncidentStore``."""

    async def opened_between(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[IncidentRecord]: ...


@dataclass(frozen=True, slots=True)
class RecoveryRow:
    """Outcomes of a group of incidents. The win-back rate counts only incidents whose
    outcome says either way (won, calmed, lost): 'not sure' and no answer are neither."""

    key: str | None
    label: str
    incidents: int = 0
    won: int = 0
    calmed: int = 0
    lost: int = 0
    unsure: int = 0
    no_outcome: int = 0  # still open, or nobody answered (recorded 'unknown')
    spent_minor: int = 0  # approved spend on these incidents

    @property
    def decided(self) -> int:
        return self.won + self.calmed + self.lost

    @property
    def win_back_rate(self) -> float | None:
        return None if not self.decided else self.won / self.decided

    @property
    def average_spend_minor(self) -> int | None:
        return None if not self.incidents else round(self.spent_minor / self.incidents)

    def plus(self, incident: IncidentRecord, spent: int) -> RecoveryRow:
        o = incident.outcome
        return RecoveryRow(
            self.key,
            self.label,
            self.incidents + 1,
            self.won + (o is Outcome.WON),
            self.calmed + (o is Outcome.CALMED),
            self.lost + (o is Outcome.LOST),
            self.unsure + (o is Outcome.UNSURE),
            self.no_outcome + (o is None or o is Outcome.UNKNOWN),
            self.spent_minor + spent,
        )


@dataclass(frozen=True, slots=True)
class PerceptionGap:
    """What staff said beside what customers said, on incidents where both answered."""

    pulses_sent: int  # incidents with a pulse code handed out
    answered: int  # customers who answered
    compared: int  # answered by the customer and given a won/calmed/lost by staff
    staff_won_rate: float | None  # of those compared: staff said "won back"
    customer_yes_rate: float | None  # of those compared: the customer said "yes"
    agreement_rate: float | None  # staff's claim matched the customer's answer

    @property
    def gap(self) -> float | None:
        """Staff's optimism in points of share: positive when staff think better of it."""
        if self.staff_won_rate is None or self.customer_yes_rate is None:
            return None
        return self.staff_won_rate - self.customer_yes_rate


@dataclass(frozen=True, slots=True)
class RecoveryFigures:
    """Outcomes of the incidents *opened* in the period (however late they were closed),
    so a period's figures settle as its incidents are answered."""

    totals: RecoveryRow
    by_playbook: tuple[RecoveryRow, ...]
    by_employee: tuple[RecoveryRow, ...]
    by_spend_band: tuple[RecoveryRow, ...]  # in band order, lowest first
    median_to_outcome: timedelta | None  # first message to a person's answer
    worst_to_outcome: timedelta | None
    pulse: PerceptionGap

    @property
    def no_outcome_share(self) -> float | None:
        t = self.totals
        return None if not t.incidents else t.no_outcome / t.incidents


async def _incident_spend(
    ledger: SpendLedger, org: str, opened: list[IncidentRecord], currency: str
) -> dict[str, int]:
    """Approved spend per incident id. Spends follow their incident's opening, so the
    ledger is read from the first opening on (and only when there are incidents)."""
    if not opened:
        return {}
    ids = {i.incident_id for i in opened}
    totals: dict[str, int] = defaultdict(int)
    for entry in await ledger.spends(org, since=min(i.opened_at for i in opened)):
        if (
            entry.incident_id in ids
            and entry.status is SpendStatus.APPROVED
            and entry.amount.currency == currency
        ):
            totals[entry.incident_id] += entry.amount.minor
    return dict(totals)


def spend_bands(currency: str) -> tuple[tuple[int, str], ...]:
    """(upper bound in minor units, label), lowest first; the last bound is unbounded."""
    unit = 10 ** currency_exponent(currency)
    bands: list[tuple[int, str]] = [(0, NO_SPEND_BAND)]
    low = 0
    for edge in SPEND_BAND_EDGES:
        bands.append(
            (edge * unit, f"{low}–{edge} {currency}" if low else f"up to {edge} {currency}")
        )
        low = edge
    bands.append((sys.maxsize, f"over {low} {currency}"))
    return tuple(bands)


def _band(spent: int, bands: tuple[tuple[int, str], ...]) -> str:
    return next(label for bound, label in bands if spent <= bound)


def recovery_figures(
    opened: Iterable[IncidentRecord],
    spent: Mapping[str, int],
    currency: str,
    playbook_label: Callable[[str | None], str],
) -> RecoveryFigures:
    """Win-back rates overall, by playbook (the one followed), employee and spend band."""
    totals = RecoveryRow(None, "all incidents")
    bands = spend_bands(currency)
    by_band = {label: RecoveryRow(label, label) for _bound, label in bands}
    by_playbook: dict[str, RecoveryRow] = {}
    by_employee: dict[str, RecoveryRow] = {}
    to_outcome: list[timedelta] = []
    pulses = answered = compared = staff_won = customer_yes = agree = 0
    for incident in opened:
        cost = spent.get(incident.incident_id, 0)
        totals = totals.plus(incident, cost)
        pid = incident.playbook_id
        by_playbook[pid] = by_playbook.get(pid, RecoveryRow(pid, playbook_label(pid))).plus(
            incident, cost
        )
        uid = incident.user_id
        by_employee[uid] = by_employee.get(uid, RecoveryRow(uid, uid)).plus(incident, cost)
        band = _band(cost, bands)
        by_band[band] = by_band[band].plus(incident, cost)
        answered_by_person = (
            incident.outcome is not None and incident.outcome is not Outcome.UNKNOWN
        )
        if answered_by_person and incident.outcome_at is not None:
            to_outcome.append(max(timedelta(0), incident.outcome_at - incident.opened_at))
        if incident.pulse_code is not None:
            pulses += 1
        if incident.pulse_answer is not None:
            answered += 1
            claim = STAFF_CLAIM.get(incident.outcome) if incident.outcome else None
            if claim is not None:
                compared += 1
                staff_won += incident.outcome is Outcome.WON
                customer_yes += incident.pulse_answer is PulseAnswer.YES
                agree += claim is incident.pulse_answer

    def ranked(rows: Iterable[RecoveryRow]) -> tuple[RecoveryRow, ...]:
        return tuple(sorted(rows, key=lambda r: (-r.incidents, r.label)))

    return RecoveryFigures(
        totals=totals,
        by_playbook=ranked(by_playbook.values()),
        by_employee=ranked(by_employee.values()),
        by_spend_band=tuple(by_band[label] for _bound, label in bands),
        median_to_outcome=_median(to_outcome),
        worst_to_outcome=max(to_outcome) if to_outcome else None,
        pulse=PerceptionGap(
            pulses_sent=pulses,
            answered=answered,
            compared=compared,
            staff_won_rate=staff_won / compared if compared else None,
            customer_yes_rate=customer_yes / compared if compared else None,
            agreement_rate=agree / compared if compared else None,
        ),
    )


@dataclass(frozen=True, slots=True)
class RerouteSample:
    situation: str
    matched_terms: tuple[str, ...]
    chosen_playbook_id: str | None


@dataclass(frozen=True, slots=True)
class PlaybookStats:
    """One playbook's record, for its owner: is it chosen well, and does it work?"""

    playbook_id: str
    title: str
    owner: str | None
    matched: int  # incidents the matcher opened with it
    used: int  # incidents that followed it in the end
    rerouted_away: int  # "Not this one" pressed while it was shown
    recovery: RecoveryRow  # outcomes and spend of the incidents that followed it
    reroutes: tuple[RerouteSample, ...]  # newest first: the phrases that chose it wrongly
    weak_terms: tuple[tuple[str, int], ...]  # matched words behind re-routes, most first

    @property
    def reroute_rate(self) -> float | None:
        return None if not self.matched else self.rerouted_away / self.matched


class IncidentFeedbackStore(IncidentHistory, Protocol):
    async def feedback(self, org: str, since: datetime | None = None) -> list[Feedback]: ...


async def playbook_stats(
    coach: ReportDeps,
    actor: Actor,
    *,
    since: datetime | None = None,
    samples: int = 5,
) -> list[PlaybookStats]:
    """Every playbook's use, win-back rate, average spend and the re-routed phrases."""
    coach.require_manager(actor)
    store: IncidentFeedbackStore | None = getattr(coach, "incidents", None)
    if store is None:
        raise InvalidInput("incidents are not recorded in this setup")
    currency = coach.policy.config.currency
    opened = await store.opened_between(actor.org, since, None)
    feedback = await store.feedback(actor.org, since)
    spent = await _incident_spend(coach.ledger, actor.org, opened, currency)
    ids = [p.id for p in coach.library]
    ids += sorted({i.playbook_id for i in opened} - set(ids))  # removed since: still shown
    rows = {pid: RecoveryRow(pid, _playbook_label(coach, pid)) for pid in ids}
    matched: dict[str, int] = defaultdict(int)
    for incident in opened:
        rows[incident.playbook_id] = rows[incident.playbook_id].plus(
            incident, spent.get(incident.incident_id, 0)
        )
        matched[incident.first_playbook_id] += 1
    reroutes: dict[str, list[Feedback]] = defaultdict(list)
    for f in feedback:
        if f.kind == "reroute":
            reroutes[f.playbook_id].append(f)
    out = []
    for pid in ids:
        away = reroutes.get(pid, [])
        terms: dict[str, int] = defaultdict(int)
        for f in away:
            for term in f.matched_terms:
                terms[term] += 1
        owner = coach.library.get(pid).owner if pid in coach.library else None
        out.append(
            PlaybookStats(
                playbook_id=pid,
                title=rows[pid].label,
                owner=owner,
                matched=matched.get(pid, 0),
                used=rows[pid].incidents,
                rerouted_away=len(away),
                recovery=rows[pid],
                reroutes=tuple(
                    RerouteSample(f.situation, f.matched_terms, f.chosen_playbook_id)
                    for f in reversed(away[-samples:])
                ),
                weak_terms=tuple(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    # Most used first; playbooks nobody used sink to the bottom in library order.
    return sorted(out, key=lambda s: (-s.used, -s.matched))


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def recovery_lines(f: RecoveryFigures, currency: str, *, limit: int = 5) -> list[str]:
    """Plain lines every platform can show (console text, Slack mrkdwn, Teams blocks)."""
    from bot.money import format_money

    def money(minor: int | None) -> str:
        return "–" if minor is None else format_money(Money(minor, currency))

    def row(r: RecoveryRow) -> str:
        return (
            f"{r.label}: {percent(r.win_back_rate)} won back of {r.decided} "
            f"({r.incidents} incidents, avg {money(r.average_spend_minor)})"
        )

    t = f.totals
    lines = [
        f"Recovery: {t.incidents} incidents — {t.won} won back, {t.calmed} calmed, "
        f"{t.lost} lost, {t.unsure} not sure, {t.no_outcome} no outcome "
        f"({percent(f.no_outcome_share)})",
        f"  Win-back rate {percent(t.win_back_rate)}; first message to outcome: median "
        f"{_duration(f.median_to_outcome)}",
    ]
    lines.append("  By playbook: " + "; ".join(row(r) for r in f.by_playbook[:limit]))
    lines.append("  By employee: " + "; ".join(row(r) for r in f.by_employee[:limit]))
    lines.append(
        "  By spend: "
        + "; ".join(
            f"{r.label} {percent(r.win_back_rate)} ({r.incidents})"
            for r in f.by_spend_band
            if r.incidents
        )
    )
    p = f.pulse
    if p.pulses_sent:
        line = f"  Customer pulse: {p.answered} of {p.pulses_sent} answered"
        if p.compared:
            line += (
                f"; staff said won back {percent(p.staff_won_rate)}, customers said yes "
                f"{percent(p.customer_yes_rate)} (gap {percent(p.gap)}, agreement "
                f"{percent(p.agreement_rate)})"
            )
        lines.append(line)
    return lines


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = round(value.total_seconds() / 60)
    return f"{minutes}m" if minutes < 120 else f"{minutes // 60}h {minutes % 60:02d}m"


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


# --------------------------------------------------------------------------- exports


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


__all__ = [
    "DEFAULT_PERIOD",
    "MAX_PERIOD_DAYS",
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
    "playbook_stats",
    "playbook_stats_dict",
    "recovery_dict",
    "recovery_figures",
    "recovery_lines",
    "report_csv",
    "report_dict",
    "spreadsheet_safe",
]
