"""``build_report``: the ``Report`` a manager asked for, from the ledger, the escalation
store and the incident store."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.authority import AuthorityPolicy
from bot.errors import InvalidInput
from bot.ledger import PolicyChange, SpendLedger
from bot.models import Actor, Money
from bot.money import to_major
from bot.orgs import platform_of
from bot.playbooks import PlaybookLibrary
from bot.reports.escalations import EscalationFigures, EscalationHistory, escalation_figures
from bot.reports.period import Dimension, Period, ReportQuery
from bot.reports.recovery import IncidentHistory, RecoveryFigures, _incident_spend, recovery_figures
from bot.reports.spend import DayFigures, Figures, Row, _by_location, _days, _figures, _rows

TOP_SPENDERS = 5
NO_PLAYBOOK = "(no playbook)"


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
    # Changes of the organisation's policy in the period (limits, roles, playbooks).
    policy_changes: tuple[PolicyChange, ...] = ()

    @property
    def over_authority_requests(self) -> int:
        return self.totals.over_authority.count


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


async def _org_policy(coach: ReportDeps, org: str) -> AuthorityPolicy:
    """The organisation's own policy (time zone, currency, locations) when the coach
    keeps one per organisation, else the organisation file's."""
    policy_for = getattr(coach, "policy_for", None)
    return coach.policy if policy_for is None else await policy_for(org)


async def period_policy_changes(
    ledger: SpendLedger, org: str, since: datetime, until: datetime
) -> tuple[PolicyChange, ...]:
    """Who changed which limit, role or playbook in the period, oldest first."""
    return tuple(await ledger.policy_changes(org, since, until))


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
    location name (a site, a floor), by default the organisation file's ``locations``;
    without any 'by location' is refused.
    """
    coach.require_manager(actor)  # before anything else: a refusal reveals nothing
    org_policy = await _org_policy(coach, actor.org)
    if locations is None:
        # The organisation's platform's locations: user ids are per platform.
        locations = org_policy.config.people(platform_of(actor.org)).locations
    if query.by is Dimension.LOCATION and not locations:
        raise InvalidInput(
            "locations are not configured for this organisation, so there is no report by "
            "location: try 'by employee' or 'by playbook'"
        )
    if escalations is None:
        escalations = getattr(coach, "escalations", None)
    incident_store: IncidentHistory | None = getattr(coach, "incidents", None)
    config = org_policy.config
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
            lambda k: _playbook_label(coach, k, org),
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
    playbooks = _rows(ours, lambda r: r.playbook_id, lambda k: _playbook_label(coach, k, org))
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
        policy_changes=await period_policy_changes(ledger, org, since, until),
    )


async def _none() -> None:
    return None


def _library(coach: ReportDeps, org: str | None) -> PlaybookLibrary:
    """The organisation's playbooks (its own included) when the coach keeps them."""
    library_for = getattr(coach, "library_for", None)
    return coach.library if org is None or library_for is None else library_for(org)


def _playbook_label(coach: ReportDeps, playbook_id: str | None, org: str | None = None) -> str:
    if playbook_id is None:
        return NO_PLAYBOOK
    library = _library(coach, org)
    if playbook_id in library:
        return library.get(playbook_id).title
    return playbook_id  # a playbook since removed from the library: its id still says what
