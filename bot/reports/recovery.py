"""Recovery figures: what became of the incidents opened in the period (won back,
calmed, lost), by playbook, employee and spend band, and what customers said."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.incidents import STAFF_CLAIM, IncidentRecord, Outcome, PulseAnswer
from bot.ledger import SpendLedger
from bot.models import Money, SpendStatus
from bot.money import currency_exponent
from bot.reports.durations import _median, _worst

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
        worst_to_outcome=_worst(to_outcome),
        pulse=PerceptionGap(
            pulses_sent=pulses,
            answered=answered,
            compared=compared,
            staff_won_rate=staff_won / compared if compared else None,
            customer_yes_rate=customer_yes / compared if compared else None,
            agreement_rate=agree / compared if compared else None,
        ),
    )


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
