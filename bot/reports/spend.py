"""Spend figures: requests split by how they stand, in rows per employee, playbook,
location and day, added up from the ledger's grouped summaries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.ledger import SpendState, SpendSummaryRow
from bot.reports.period import Period

NO_LOCATION = "(no location)"


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
