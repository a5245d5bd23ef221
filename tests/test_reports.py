"""Manager reports: periods in the organisation's time zone, figures to the unit, exports.

Figures are checked against the ledger itself (``spends``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import struct
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

from bot.authority import AuthorityPolicy, parse_org_config
from bot.errors import InvalidInput, NotPermitted
from bot.incidents import IncidentRecord, Outcome
from bot.ledger.sql import SqlSpendLedger
from bot.models import (
    Actor,
    EscalationRecord,
    EscalationStatus,
    LedgerEntry,
    Money,
    Role,
    SpendRequest,
    SpendStatus,
)
from bot.playbooks import PlaybookLibrary, load_library
from bot.reports import (
    MAX_PERIOD_DAYS,
    Dimension,
    Period,
    Report,
    ReportQuery,
    build_report,
    report_csv,
    report_dict,
    spreadsheet_safe,
)
from tests.clock import Clock

ROOT = Path(__file__).resolve().parents[1]
LONDON = "Europe/London"
ORG_FILE: dict[str, Any] = {
    "name": "Test Hotel",
    "currency": "GBP",
    "timezone": LONDON,
    "roles": {
        "associate": {"per_incident": 100, "daily": 300},
        "lead": {"per_incident": 250, "daily": 750},
        "manager": {"per_incident": 1000, "daily": 3000},
        "admin": {"per_incident": 5000, "daily": 20000},
    },
    "max_single_spend": 10000,
}
MANAGER = Actor("hotel", "boss", Role.MANAGER)
PLAYBOOKS = ("angry-customer", "wrong-order", "billing-dispute", None)


class Opened(Protocol):
    @property
    def org(self) -> str: ...

    @property
    def opened_at(self) -> datetime: ...


OpenedT = TypeVar("OpenedT", bound=Opened)


def opened_in(
    records: list[OpenedT], org: str, since: datetime | None, until: datetime | None
) -> list[OpenedT]:
    """What a store returns for ``org`` opened in ``[since, until)``."""
    return [
        r
        for r in records
        if r.org == org
        and (since is None or r.opened_at >= since)
        and (until is None or r.opened_at < until)
    ]


@dataclass
class FakeEscalations:
    """Just the part of EscalationStore a report reads."""

    records: list[EscalationRecord] = field(default_factory=list)

    async def list(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EscalationRecord]:
        return opened_in(self.records, org, since, until)


@dataclass
class Deps:
    """The coach as a report sees it (bot.reports.ReportDeps)."""

    ledger: SqlSpendLedger
    clock: Clock
    policy: AuthorityPolicy = field(
        default_factory=lambda: AuthorityPolicy(parse_org_config(ORG_FILE))
    )
    library: PlaybookLibrary = field(default_factory=load_library)

    def require_manager(self, actor: Actor) -> None:
        if not actor.role.at_least(Role.MANAGER):
            raise NotPermitted("sorry — that is for managers and admins only")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 7, 20, 12, 0, tzinfo=UTC))


@pytest.fixture
async def deps(db_url: str, clock: Clock) -> AsyncIterator[Deps]:
    async with SqlSpendLedger(db_url, clock=clock) as ledger:
        yield Deps(ledger, clock)


async def record(
    deps: Deps,
    at: datetime,
    minor: int,
    *,
    user: str = "sam",
    playbook: str | None = "angry-customer",
    status: SpendStatus = SpendStatus.APPROVED,
    currency: str = "GBP",
    org: str = "hotel",
) -> LedgerEntry:
    saved, deps.clock.now = deps.clock.now, at
    try:
        request = SpendRequest(Money(minor, currency), "goodwill", playbook_id=playbook)
        return await deps.ledger.record_spend(org, user, Role.ASSOCIATE, request, status)
    finally:
        deps.clock.now = saved


# --------------------------------------------------------------------------- periods


TODAY = date(2025, 3, 12)  # a Wednesday


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("today", TODAY, TODAY),
        ("yesterday", date(2025, 3, 11), date(2025, 3, 11)),
        ("week", date(2025, 3, 10), TODAY),
        ("last-week", date(2025, 3, 3), date(2025, 3, 9)),
        ("month", date(2025, 3, 1), TODAY),
        ("last-month", date(2025, 2, 1), date(2025, 2, 28)),
        ("2025-01-01..2025-01-31", date(2025, 1, 1), date(2025, 1, 31)),
        ("2025-03-01..2025-12-31", date(2025, 3, 1), TODAY),  # the future has no figures yet
        ("2025-03-05", date(2025, 3, 5), date(2025, 3, 5)),
        (" Last_Month ", date(2025, 2, 1), date(2025, 2, 28)),
    ],
)
def test_periods_resolve_to_local_days(period: str, start: date, end: date) -> None:
    resolved = ReportQuery.parse(period).resolve(TODAY, LONDON)
    assert (resolved.start, resolved.end) == (start, end)


def test_last_month_knows_leap_years_and_january() -> None:
    assert ReportQuery.parse("last-month").resolve(date(2024, 3, 5), LONDON).end == date(
        2024, 2, 29
    )
    january = ReportQuery.parse("last-month").resolve(date(2025, 1, 15), LONDON)
    assert (january.start, january.end) == (date(2024, 12, 1), date(2024, 12, 31))


def test_period_bounds_are_local_midnights_across_a_clock_change() -> None:
    # 30 March 2025: clocks go forward in London, so that day has 23 hours.
    period = Period("x", date(2025, 3, 29), date(2025, 3, 30), LONDON)
    since, until = period.bounds()
    assert since == datetime(2025, 3, 29, 0, 0, tzinfo=UTC)  # GMT
    assert until == datetime(2025, 3, 30, 23, 0, tzinfo=UTC)  # midnight BST
    assert period.days == 2


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2025-03-31..2025-03-01", "ends (2025-03-01) before it starts (2025-03-31)"),
        ("2025-02-30..2025-03-05", "'2025-02-30' is not a real date"),
        ("2025-13-01", "'2025-13-01' is not a real date"),
        ("1/3/2025..5/3/2025", "'1/3/2025' is not a date: write dates as YYYY-MM-DD"),
        ("2024-01-01..2025-03-01", f"at most {MAX_PERIOD_DAYS} days"),
        ("2025-01-01..", "needs both dates"),
        ("0001-01-01..0001-01-02", "before 2000: no spends go back that far"),
        ("fortnight", "unknown period 'fortnight': use today, yesterday, week"),
    ],
)
def test_bad_periods_are_refused_clearly(period: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        ReportQuery.parse(period)


def test_a_full_leap_year_is_allowed_but_not_a_day_more() -> None:
    ReportQuery.parse("2024-01-01..2024-12-31")  # 366 days
    with pytest.raises(InvalidInput, match="367 days"):
        ReportQuery.parse("2024-01-01..2025-01-01")


def test_a_period_starting_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput, match="starts on 2025-04-01, after today"):
        ReportQuery.parse("2025-04-01..2025-04-30").resolve(TODAY, LONDON)


def test_report_by_is_checked() -> None:
    assert ReportQuery.parse("week", "Employees").by is Dimension.EMPLOYEE
    assert ReportQuery.parse("week", None).by is Dimension.NONE
    with pytest.raises(InvalidInput, match="cannot report by 'region': use employee, playbook"):
        ReportQuery.parse("week", "region")


@pytest.mark.parametrize(
    ("text", "period", "by"),
    [
        ("", "week", Dimension.NONE),
        ("month", "month", Dimension.NONE),
        ("week by employee", "week", Dimension.EMPLOYEE),
        ("by playbook", "week", Dimension.PLAYBOOK),
        ("by playbook 2025-03-01..2025-03-05", "2025-03-01..2025-03-05", Dimension.PLAYBOOK),
    ],
)
def test_slash_command_text_is_read(text: str, period: str, by: Dimension) -> None:
    assert ReportQuery.from_text(text) == ReportQuery(period, by)


def test_slash_command_text_with_two_periods_is_refused() -> None:
    with pytest.raises(InvalidInput, match="what is 'month'"):
        ReportQuery.from_text("week month")


# --------------------------------------------------------------------------- figures


async def test_totals_equal_the_ledger_to_the_penny(deps: Deps) -> None:
    rng = random.Random(20250720)
    start = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
    entries = []
    for _ in range(150):
        at = start + timedelta(minutes=rng.randrange(0, 19 * 24 * 60))
        over = rng.random() < 0.3
        entries.append(
            await record(
                deps,
                at,
                rng.randrange(1, 40_000),
                user=rng.choice(["sam", "alex", "kim", "jo"]),
                playbook=rng.choice(PLAYBOOKS),
                status=SpendStatus.PENDING if over else SpendStatus.APPROVED,
            )
        )
    for e in entries:
        if e.status is SpendStatus.PENDING and rng.random() < 0.6:
            await deps.ledger.decide("hotel", e.entry_id, "boss", approve=rng.random() < 0.5)
    await record(deps, start, 999, org="elsewhere")  # another organisation: never counted

    query = ReportQuery.parse("2025-07-01..2025-07-20", "employee")
    report = await build_report(deps, MANAGER, query)

    since, until = report.period.bounds()
    ledger = await deps.ledger.spends("hotel", since, until)
    expected: dict[str, list[int]] = defaultdict(list)
    for e in ledger:
        if e.status is SpendStatus.APPROVED:
            kind = "manager" if e.decided_by else "self"
        else:
            kind = e.status.value
        expected[kind].append(e.amount.minor)
    t = report.totals
    assert t.self_approved.minor == sum(expected["self"])
    assert t.self_approved.count == len(expected["self"])
    assert t.manager_approved.minor == sum(expected["manager"])
    assert t.denied.minor == sum(expected["denied"])
    assert t.pending.minor == sum(expected["pending"])
    assert t.requested.minor == sum(e.amount.minor for e in ledger)
    assert t.requested.count == len(ledger) > 100
    assert report.over_authority_requests == sum(
        1 for e in ledger if e.decided_by or e.status is SpendStatus.PENDING
    )

    per_user: dict[str, int] = defaultdict(int)
    for e in ledger:
        per_user[e.user_id] += e.amount.minor
    assert {r.key: r.figures.requested.minor for r in report.rows} == per_user
    per_playbook: dict[str | None, int] = defaultdict(int)
    for e in ledger:
        if e.status is SpendStatus.APPROVED:
            per_playbook[e.playbook_id] += e.amount.minor
    assert {r.key: r.figures.approved.minor for r in report.playbooks} == per_playbook
    assert sum(d.figures.requested.minor for d in report.days) == t.requested.minor
    assert sum(m for d in report.days for _, m in d.approved_by_playbook) == t.approved.minor
    assert report.days[0].day == date(2025, 7, 1)
    assert len(report.days) == 20  # quiet days included

    top = [r.figures.approved.minor for r in report.top_spenders]
    assert top == sorted(top, reverse=True) and len(top) <= 5
    data = json.loads(json.dumps(report_dict(report)))
    assert data["totals"]["requested"]["amount"] == t.requested.minor
    assert data["currency"] == "GBP"
    assert all(isinstance(r["approved"]["amount"], int) for r in data["rows"])


async def test_days_follow_the_organisations_time_zone(deps: Deps) -> None:
    # 23:30 UTC on 14 July is 00:30 on 15 July in London (BST, UTC+1).
    late = await record(deps, datetime(2025, 7, 14, 23, 30, tzinfo=UTC), 4800)
    await record(deps, datetime(2025, 7, 14, 22, 59, tzinfo=UTC), 100)  # 23:59 on the 14th

    on_15th = await build_report(deps, MANAGER, ReportQuery.parse("2025-07-15"))
    assert on_15th.totals.requested == type(on_15th.totals.requested)(1, late.amount.minor)
    on_14th = await build_report(deps, MANAGER, ReportQuery.parse("2025-07-14"))
    assert on_14th.totals.requested.minor == 100

    both = await build_report(deps, MANAGER, ReportQuery.parse("2025-07-14..2025-07-15"))
    by_day = {d.day: d.figures.requested.minor for d in both.days}
    assert by_day == {date(2025, 7, 14): 100, date(2025, 7, 15): 4800}


async def test_days_are_right_on_both_clock_changes(deps: Deps) -> None:
    deps.clock.now = datetime(2025, 11, 5, tzinfo=UTC)
    # 30 March (23 hours): 23:30 UTC is already 00:30 BST on the 31st.
    await record(deps, datetime(2025, 3, 30, 0, 30, tzinfo=UTC), 1)  # 00:30 GMT, the 30th
    await record(deps, datetime(2025, 3, 30, 22, 30, tzinfo=UTC), 2)  # 23:30 BST, the 30th
    await record(deps, datetime(2025, 3, 30, 23, 30, tzinfo=UTC), 4)  # 00:30 BST, the 31st
    # 26 October (25 hours): 23:30 UTC is still the 26th (23:30 GMT).
    await record(deps, datetime(2025, 10, 25, 23, 30, tzinfo=UTC), 8)  # 00:30 BST, the 26th
    await record(deps, datetime(2025, 10, 26, 23, 30, tzinfo=UTC), 16)  # 23:30 GMT, the 26th
    await record(deps, datetime(2025, 10, 27, 0, 30, tzinfo=UTC), 32)  # 00:30 GMT, the 27th

    report = await build_report(deps, MANAGER, ReportQuery.parse("2025-03-29..2025-10-28"))
    by_day = {d.day: d.figures.requested.minor for d in report.days if d.figures.requested.count}
    assert by_day == {
        date(2025, 3, 30): 3,
        date(2025, 3, 31): 4,
        date(2025, 10, 26): 24,
        date(2025, 10, 27): 32,
    }
    assert report.totals.requested.minor == 63


async def test_spends_in_another_currency_are_left_out_and_noted(deps: Deps) -> None:
    at = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    await record(deps, at, 5000)
    await record(deps, at, 1250, currency="EUR")
    report = await build_report(deps, MANAGER, ReportQuery.parse("today"))
    assert report.totals.requested.minor == 5000
    assert report.other_currencies == (Money(1250, "EUR"),)
    assert report.notes and "EUR" in report.notes[0]


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.LEAD])
async def test_only_managers_and_admins_get_reports(deps: Deps, role: Role) -> None:
    with pytest.raises(NotPermitted, match="managers and admins only"):
        await build_report(deps, Actor("hotel", "sam", role), ReportQuery.parse("week"))
    # Refused before anything else: even a query that would be refused for other reasons.
    with pytest.raises(NotPermitted):
        await build_report(deps, Actor("hotel", "sam", role), ReportQuery.parse("week", "location"))


async def test_by_location_needs_locations(deps: Deps) -> None:
    at = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    await record(deps, at, 300, user="sam")
    await record(deps, at, 700, user="kim")
    await record(deps, at, 50, user="new-starter")
    query = ReportQuery.parse("today", "location")
    with pytest.raises(InvalidInput, match="locations are not configured"):
        await build_report(deps, MANAGER, query)
    report = await build_report(
        deps, MANAGER, query, locations={"sam": "Lobby", "kim": "Restaurant"}
    )
    assert [(r.label, r.figures.approved.minor) for r in report.rows] == [
        ("Restaurant", 700),
        ("Lobby", 300),
        ("(no location)", 50),
    ]


async def test_by_location_reads_the_organisation_file(deps: Deps) -> None:
    at = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    await record(deps, at, 300, user="sam")
    await record(deps, at, 700, user="kim")
    deps.policy = AuthorityPolicy(
        parse_org_config({**ORG_FILE, "locations": {"sam": "Lobby", "kim": "Lobby"}})
    )
    report = await build_report(deps, MANAGER, ReportQuery.parse("today", "location"))
    assert [(r.label, r.figures.approved.minor) for r in report.rows] == [("Lobby", 1000)]


# --------------------------------------------------------------------------- escalations


def escalation(
    opened: datetime,
    acknowledged_after: timedelta | None = None,
    resolved: bool = False,
    org: str = "hotel",
) -> EscalationRecord:
    ack = None if acknowledged_after is None else opened + acknowledged_after
    return EscalationRecord(
        escalation_id=f"es_{opened.timestamp():.0f}",
        org=org,
        platform="console",
        kind="situation",
        reasons=("safety",),
        summary="guest fell",
        raised_by="sam",
        opened_at=opened,
        status=EscalationStatus.RESOLVED
        if resolved
        else EscalationStatus.ACKNOWLEDGED
        if ack
        else EscalationStatus.OPEN,
        level=Role.MANAGER,
        acknowledged_by="boss" if ack else None,
        acknowledged_at=ack,
        resolved_by="boss" if resolved else None,
        resolved_at=ack + timedelta(minutes=30) if resolved and ack else None,
    )


async def test_escalation_figures(deps: Deps) -> None:
    day = datetime(2025, 7, 18, 9, 0, tzinfo=UTC)
    store = FakeEscalations(
        [
            escalation(day, timedelta(minutes=2)),
            escalation(day + timedelta(hours=1), timedelta(minutes=4), resolved=True),
            escalation(day + timedelta(hours=2), timedelta(minutes=30)),
            escalation(day + timedelta(days=1), timedelta(seconds=50)),
            escalation(datetime(2025, 7, 20, 10, 0, tzinfo=UTC)),  # two hours unanswered
            escalation(day, timedelta(minutes=1), org="elsewhere"),
            escalation(datetime(2025, 7, 1, tzinfo=UTC), timedelta(hours=9)),  # before the week
        ]
    )
    report = await build_report(
        deps, MANAGER, ReportQuery.parse("2025-07-14..2025-07-20"), escalations=store
    )
    esc = report.escalations
    assert esc is not None
    assert (esc.opened, esc.acknowledged, esc.resolved, esc.unanswered) == (5, 4, 1, 1)
    assert esc.median_to_acknowledge == timedelta(minutes=3)  # of 50 s, 2, 4 and 30 minutes
    assert esc.worst_to_acknowledge == timedelta(minutes=30)
    assert esc.longest_unanswered == timedelta(hours=2)
    per_day = {d.day: (d.opened, d.acknowledged, d.median_to_acknowledge) for d in esc.days}
    assert per_day[date(2025, 7, 18)] == (3, 3, timedelta(minutes=4))
    assert per_day[date(2025, 7, 20)] == (1, 0, None)
    assert report_dict(report)["escalations"]["median_seconds_to_acknowledge"] == 180


async def test_worst_time_to_acknowledge_never_reads_below_the_median(deps: Deps) -> None:
    day = datetime(2025, 7, 18, 9, 0, tzinfo=UTC)
    # Two answers 2.6 s after they were raised: the median rounds to 3 s, and the worst
    # must too (it read 2.6 s beside a 3.0 s median).
    store = FakeEscalations(
        [
            escalation(day, timedelta(seconds=2.6)),
            escalation(day + timedelta(hours=1), timedelta(seconds=2.6)),
        ]
    )
    report = await build_report(
        deps, MANAGER, ReportQuery.parse("2025-07-14..2025-07-20"), escalations=store
    )
    shown = report_dict(report)["escalations"]
    assert shown["median_seconds_to_acknowledge"] == shown["worst_seconds_to_acknowledge"] == 3


async def test_without_an_escalation_store_the_report_says_so(deps: Deps) -> None:
    report = await build_report(deps, MANAGER, ReportQuery.parse("week"))
    assert report.escalations is None
    assert report_dict(report)["escalations"] is None


# --------------------------------------------------------------------------- recovery


@dataclass
class FakeIncidents:
    """Just the part of IncidentStore a report reads."""

    records: list[IncidentRecord] = field(default_factory=list)

    async def opened_between(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[IncidentRecord]:
        return opened_in(self.records, org, since, until)


@dataclass
class DepsWithIncidents(Deps):
    incidents: FakeIncidents = field(default_factory=FakeIncidents)


def answered_incident(n: int, opened: datetime, seconds_to_outcome: float) -> IncidentRecord:
    return IncidentRecord(
        incident_id=f"in_{n}",
        org="hotel",
        user_id="sam",
        platform="console",
        situation="guest upset about the noise",
        first_playbook_id="angry-customer",
        playbook_id="angry-customer",
        matched_terms=("upset",),
        customer_ref=None,
        steps_taken=1,
        opened_at=opened,
        last_activity_at=opened,
        outcome=Outcome.WON,
        outcome_at=opened + timedelta(seconds=seconds_to_outcome),
    )


@pytest.mark.parametrize(
    ("seconds", "median", "worst"),
    [
        ((2.6, 2.6), 3.0, 3.0),  # the median rounds up to 3 s: the worst, 2.6 s raw, too
        ((0.6,), 1.0, 1.0),
        ((1.2, 1.5, 1.5), 2.0, 2.0),
        ((3.4, 59.5, 119.5), 60.0, 120.0),
    ],
)
async def test_worst_time_to_outcome_never_reads_below_the_median(
    deps: Deps, seconds: tuple[float, ...], median: float, worst: float
) -> None:
    opened = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    incidents = FakeIncidents(
        [answered_incident(n, opened + timedelta(minutes=n), s) for n, s in enumerate(seconds)]
    )
    coach = DepsWithIncidents(deps.ledger, deps.clock, incidents=incidents)
    report = await build_report(coach, MANAGER, ReportQuery.parse("today"))
    shown = report_dict(report)["recovery"]
    # Both in whole seconds, rounded the same way, so the worst never reads below the median.
    assert (shown["median_seconds_to_outcome"], shown["worst_seconds_to_outcome"]) == (
        median,
        worst,
    )
    assert shown["worst_seconds_to_outcome"] >= shown["median_seconds_to_outcome"]


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_formulas_are_defused(start: str) -> None:
    assert spreadsheet_safe(f'{start}HYPERLINK("http://evil")').startswith("'" + start)


def test_harmless_cells_are_left_alone() -> None:
    for cell in ("sam", "48.50", "2025-07-01", "(no playbook)", ""):
        assert spreadsheet_safe(cell) == cell


async def test_csv_is_safe_to_open_in_a_spreadsheet(deps: Deps) -> None:
    at = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    evil = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    for i, user in enumerate(evil):
        await record(deps, at, 100 + i, user=user, playbook=None)
    report = await build_report(deps, MANAGER, ReportQuery.parse("today", "employee"))
    rows = list(csv.reader(io.StringIO(report_csv(report), newline="")))
    assert rows[0][:3] == ["section", "key", "label"]
    employees = [r for r in rows if r[0] == "employee"]
    assert len(employees) == len(evil)
    for r in employees:
        assert r[1].startswith("'") and r[2].startswith("'"), r
        assert r[1][1:] in evil
    for r in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r)
    total = next(r for r in rows if r[0] == "total")
    assert total[rows[0].index("requested")] == "6.15"  # 100+101+…+105 pence, in pounds


# --------------------------------------------------------------------------- charts


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_chart_is_a_phone_sized_png(deps: Deps, tmp_path: Path) -> None:
    from bot.charts import (
        DPI,
        ESCALATION_HEIGHT_IN,
        MAX_SERIES,
        SPEND_HEIGHT_IN,
        WIDTH_IN,
        _series,
        save_chart,
    )

    rng = random.Random(7)
    playbooks = [p.id for p in deps.library][:12]  # more than can be told apart
    for _ in range(120):
        at = datetime(2025, 7, 1, 8, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 19 * 1440))
        await record(deps, at, rng.randrange(500, 9000), playbook=rng.choice(playbooks))
    store = FakeEscalations(
        [
            escalation(datetime(2025, 7, d, 10, tzinfo=UTC), timedelta(minutes=d))
            for d in range(1, 20)
        ]
    )
    report = await build_report(deps, MANAGER, ReportQuery.parse("month"), escalations=store)
    assert len(_series(report)) == MAX_SERIES + 1  # eight by name, then 'other'
    path = save_chart(report, tmp_path / "chart.png")
    data = path.read_bytes()
    width, height = png_size(data)
    assert (width, height) == (WIDTH_IN * DPI, (SPEND_HEIGHT_IN + ESCALATION_HEIGHT_IN) * DPI)
    assert 600 <= width <= 1200 and height <= 2 * width  # a phone screen, upright
    assert 20_000 < len(data) < 400_000


async def test_chart_of_an_empty_period(deps: Deps) -> None:
    from bot.charts import DPI, SPEND_HEIGHT_IN, WIDTH_IN, chart_png

    report = await build_report(deps, MANAGER, ReportQuery.parse("today"))
    width, height = png_size(chart_png(report))
    assert (width, height) == (WIDTH_IN * DPI, SPEND_HEIGHT_IN * DPI)  # no escalation panel


def test_reports_do_not_load_matplotlib_until_a_chart_is_drawn() -> None:
    code = "import sys, bot.reports, bot.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- CLI


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        org = tmp_path / "org.yaml"
        org.write_text(
            json.dumps({**ORG_FILE, "users": {"boss": "manager", "sam": "associate"}}),
            encoding="utf-8",
        )
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("COACHBOT_", "DATABASE", "REDIS"))
            },
            "DATABASE_URL": f"sqlite:///{tmp_path / 'coachbot.db'}",
            "COACHBOT_DATA_DIR": str(tmp_path),
            "COACHBOT_ORG_FILE": str(org),
            "PYTHONPATH": str(ROOT),
        }
        self.cwd = tmp_path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "adapters.console.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.cwd,
            timeout=60,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_cli_report_formats(cli: Cli, tmp_path: Path) -> None:
    for text in ("48 dry cleaning", "12.50 flowers", "150 refund of the night"):
        out = cli.run("spend", text, "--user", "sam", "--playbook", "angry-customer")
        assert out.returncode == 0, out.stderr

    shown = cli.run("report", "--by", "employee")  # no --user: the local operator, as admin
    assert shown.returncode == 0, shown.stderr
    assert "£60.50" in shown.stdout and "sam" in shown.stdout

    data = json.loads(cli.run("report", "--period", "today", "--format", "json").stdout)
    assert data["totals"]["self_approved"] == {"count": 2, "amount": 6050}
    assert data["totals"]["pending"] == {"count": 1, "amount": 15000}
    assert data["currency"] == "GBP"
    assert data["over_authority_requests"] == 1

    as_csv = cli.run("report", "--by", "playbook", "--format", "csv", "--user", "boss")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout, newline="")))
    assert rows[0]["section"] == "total" and rows[0]["requested"] == "210.50"
    assert any(r["section"] == "playbook" and r["key"] == "angry-customer" for r in rows)

    chart = tmp_path / "week.png"
    drawn = cli.run("report", "--chart", str(chart), "--json")
    assert drawn.returncode == 0, drawn.stderr
    assert json.loads(drawn.stdout)["chart"] == str(chart)
    png_size(chart.read_bytes())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--user", "sam"), 3, "managers and admins only"),
        (("--user", "stranger", "--role", "lead"), 3, "managers and admins only"),
        (("--role", "associate"), 3, "managers and admins only"),
        (("--period", "2025-03-31..2025-03-01"), 2, "before it starts"),
        (("--period", "forever"), 2, "unknown period"),
        (("--by", "location"), 2, "locations are not configured"),
        (("--format", "xml"), 2, "invalid choice"),
        (("--chart", "/no/such/dir/c.png"), 2, "cannot write the chart"),
    ],
)
def test_cli_report_refusals_are_one_line(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    out = cli.run("report", *args)
    assert out.returncode == code, out.stderr
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stdout == ""


def test_report_type_is_plain_data() -> None:
    # Adapters may keep or copy a report freely: every part is frozen.
    assert Report.__dataclass_params__.frozen  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- with the coach


async def test_the_real_coach_reports_spends_and_escalations(db_url: str, clock: Clock) -> None:
    """Coach satisfies ReportDeps, and its escalation store feeds the figures."""
    from bot.coach import Coach
    from bot.escalations.sql import SqlEscalationStore
    from bot.state import open_state

    clock.now = datetime(2025, 7, 16, 9, 0, tzinfo=UTC)
    state = open_state(None)
    async with (
        SqlSpendLedger(db_url, clock=clock) as ledger,
        SqlEscalationStore(db_url, clock=clock) as escalations,
    ):
        await state.open()
        coach = Coach(
            library=load_library(),
            policy=AuthorityPolicy(parse_org_config(ORG_FILE)),
            ledger=ledger,
            state=state,
            escalations=escalations,
            clock=clock,
        )
        sam = coach.actor("hotel", "sam", Role.ASSOCIATE)
        await coach.spend(sam, "£40 flowers", playbook_id="angry-customer")
        over = await coach.spend(sam, "£180 refund of the night", playbook_id="billing-dispute")
        clock.now += timedelta(minutes=7)
        await coach.decide(MANAGER, over.entry.entry_id, approve=True)

        report = await build_report(coach, MANAGER, ReportQuery.parse("today", "playbook"))
        await state.close()

    assert report.totals.self_approved == type(report.totals.self_approved)(1, 4000)
    assert report.totals.manager_approved.minor == 18000
    assert [r.key for r in report.rows] == ["billing-dispute", "angry-customer"]
    esc = report.escalations
    assert esc is not None
    assert (esc.opened, esc.acknowledged, esc.resolved, esc.unanswered) == (1, 1, 1, 0)
    assert esc.median_to_acknowledge == esc.worst_to_acknowledge == timedelta(minutes=7)
