"""Incidents with a life: opened, stepped, re-routed, spent on, closed with an outcome.

Across restarts: the open incident lives in shared state (Redis in production) and the
record in the database, so a new process carries on where the old one stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import IncidentRecord, Outcome, PulseAnswer, SqlIncidentStore
from bot.ledger import open_ledger
from bot.models import Actor, Role
from bot.playbooks import load_library
from bot.reports import (
    ReportQuery,
    build_report,
    playbook_stats,
    playbook_stats_dict,
    recovery_figures,
    report_csv,
    report_dict,
)
from bot.state import open_state
from tests.clock import Clock

ORG = {
    "name": "Test Hotel",
    "currency": "GBP",
    "timezone": "UTC",
    "roles": {
        "associate": {"per_incident": 100, "daily": 300},
        "lead": {"per_incident": 250, "daily": 750},
        "manager": {"per_incident": 1000, "daily": 3000},
        "admin": {"per_incident": 5000, "daily": 20000},
    },
    "max_single_spend": 10000,
    "users": {"U_MGR": "manager", "U_LEAD": "lead"},
}
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MANAGER = Actor("hotel", "U_MGR", Role.MANAGER)


@asynccontextmanager
async def running_coach(db_url: str, state_url: str | None, clock: Clock) -> AsyncIterator[Coach]:
    """One 'process': its own connections to the database and the shared state."""
    ledger = open_ledger(db_url, clock=clock)
    escalations = SqlEscalationStore(db_url, clock=clock)
    incidents = SqlIncidentStore(db_url)
    state = open_state(state_url)
    for part in (ledger, escalations, incidents, state):
        await part.open()
    try:
        yield Coach(
            library=load_library(),
            policy=AuthorityPolicy(parse_org_config(ORG)),
            ledger=ledger,
            state=state,
            escalations=escalations,
            incidents=incidents,
            clock=clock,
        )
    finally:
        for part in (state, incidents, escalations, ledger):
            await part.close()


async def _life_across_restarts(db_url: str, state_url: str) -> None:
    clock = Clock(T0)
    async with running_coach(db_url, state_url, clock) as coach:
        sam = coach.actor("hotel", "U_SAM")
        advice = await coach.advise(sam, "table 5 got the wrong dishes and they are cold")
        incident_id = advice.incident_id
        first = advice.playbook.id
        clock.now += timedelta(minutes=1)
        await coach.next_step(sam)
        other = advice.alternatives[0].id
        await coach.choose_playbook(sam, other)  # "Not this one"
        clock.now += timedelta(minutes=2)
        await coach.spend(sam, "£12 free desserts")
    # A new process: nothing of the old one's memory survives, only Redis and the DB.
    clock.now += timedelta(minutes=3)
    async with running_coach(db_url, state_url, clock) as coach:
        sam = coach.actor("hotel", "U_SAM")
        current = await coach.current(sam)
        assert current is not None and current.incident_id == incident_id
        assert current.playbook.id == other
        await coach.next_step(sam)
        assert coach.incidents is not None
        record = await coach.incidents.get("hotel", incident_id)
        assert record is not None
        assert record.first_playbook_id == first and record.playbook_id == other
        assert record.rerouted and record.steps_taken == 2
        assert record.last_activity_at == T0 + timedelta(minutes=6)
        assert record.outcome is None
    clock.now += timedelta(minutes=10)
    async with running_coach(db_url, state_url, clock) as coach:
        sam = coach.actor("hotel", "U_SAM")
        closed = await coach.record_outcome(sam, None, "won back", "left smiling", True)
        assert closed.incident_id == incident_id
        assert closed.outcome is Outcome.WON and closed.review_posted is True
        assert closed.outcome_note == "left smiling"
        assert closed.outcome_at == T0 + timedelta(minutes=16)
        assert await coach.current(sam) is None  # closed: 'next' no longer attaches
        assert coach.incidents is not None
        feedback = await coach.incidents.feedback("hotel")
        assert [(f.kind, f.playbook_id, f.chosen_playbook_id) for f in feedback] == [
            ("reroute", first, other),
            ("outcome", other, None),
        ]
        assert feedback[0].matched_terms  # the words that chose the wrong playbook
        assert feedback[1].outcome is Outcome.WON
        report = await build_report(coach, MANAGER, ReportQuery.parse("today"))
        assert report.recovery is not None
        assert report.recovery.totals.won == 1
        assert report.recovery.totals.spent_minor == 1200
        assert report.recovery.median_to_outcome == timedelta(minutes=16)


async def test_an_incident_lives_across_restarts_on_sqlite_and_redis(
    sqlite_url: str, redis_url: str
) -> None:
    await _life_across_restarts(sqlite_url, redis_url)


async def test_an_incident_lives_across_restarts_on_postgres_and_redis(
    postgres_url: str, redis_url: str
) -> None:
    await _life_across_restarts(postgres_url, redis_url)


@pytest.fixture
async def coach(sqlite_url: str) -> AsyncIterator[Coach]:
    async with running_coach(sqlite_url, None, Clock(T0)) as c:
        yield c


async def test_an_outcome_is_recorded_once_by_the_right_people(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "customer shouting that this is unacceptable")
    other = coach.actor("hotel", "U_OTHER")
    with pytest.raises(NotPermitted):
        await coach.record_outcome(other, advice.incident_id, "won")
    with pytest.raises(InvalidInput, match="won, calmed"):
        await coach.record_outcome(sam, advice.incident_id, "delighted-ish")
    with pytest.raises(InvalidInput):
        await coach.record_outcome(sam, advice.incident_id, Outcome.UNKNOWN)
    with pytest.raises(NotFound):
        await coach.record_outcome(sam, "in_nope", "won")
    lead = coach.actor("hotel", "U_LEAD")
    done = await coach.record_outcome(lead, advice.incident_id, "calmed but unhappy")
    assert done.outcome is Outcome.CALMED and done.outcome_by == "U_LEAD"
    with pytest.raises(AlreadyDecided, match="calmed"):
        await coach.record_outcome(sam, advice.incident_id, "won")
    with pytest.raises(NotFound, match="waiting for an outcome"):
        await coach.record_outcome(sam, None, "won")


async def test_a_late_answer_replaces_unknown(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "the washer broke with her clothes inside")
    store = coach.incidents
    assert store is not None
    assert await store.expire("hotel", advice.incident_id, asked=0, at=T0) is not None
    done = await coach.record_outcome(sam, None, "lost", note="x" * 10)
    assert done.outcome is Outcome.LOST and done.incident_id == advice.incident_id
    with pytest.raises(InvalidInput, match="500"):
        await coach.record_outcome(sam, advice.incident_id, "won", note="x" * 501)


async def test_the_customer_pulse_is_answered_once_by_code(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "guest says nobody called back about the refund")
    code = await coach.create_pulse(sam)
    assert len(code) == 10 and code == await coach.create_pulse(sam, advice.incident_id)
    store = coach.incidents
    assert store is not None
    assert await store.by_pulse("not-a-code") is None
    assert await store.by_pulse(code.upper()) is not None
    answered = await store.answer_pulse(code, PulseAnswer.PARTLY, " better  now ", T0)
    assert answered.pulse_answer is PulseAnswer.PARTLY and answered.pulse_note == "better now"
    with pytest.raises(AlreadyDecided):
        await store.answer_pulse(code, PulseAnswer.YES, None, T0)
    with pytest.raises(NotFound):
        await store.answer_pulse("2" * 10, PulseAnswer.YES, None, T0)


async def test_playbook_stats_show_use_win_back_spend_and_rerouted_phrases(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    first = await coach.advise(sam, "table 5 got the wrong dishes")
    await coach.choose_playbook(sam, "slow-or-poor-service")
    await coach.spend(sam, "£10 drinks on the house")
    await coach.record_outcome(sam, None, "won")
    await coach.advise(sam, "we kept table 9 waiting an hour")
    await coach.spend(sam, "£30 meal discount")
    await coach.record_outcome(sam, None, "lost")
    with pytest.raises(NotPermitted):
        await playbook_stats(coach, sam)
    stats = {s.playbook_id: s for s in await playbook_stats(coach, MANAGER)}
    slow = stats["slow-or-poor-service"]
    assert slow.used == 2
    assert slow.recovery.won == 1 and slow.recovery.lost == 1
    assert slow.recovery.win_back_rate == 0.5
    assert slow.recovery.average_spend_minor == 2000
    wrong = stats[first.playbook.id]
    assert wrong.rerouted_away == 1 and wrong.used == 0 and wrong.matched >= 1
    assert wrong.reroutes[0].situation == "table 5 got the wrong dishes"
    assert wrong.reroutes[0].chosen_playbook_id == "slow-or-poor-service"
    assert wrong.weak_terms
    data = playbook_stats_dict(stats.values())
    assert {p["id"] for p in data["playbooks"]} >= {"slow-or-poor-service"}


def _incident(
    n: int,
    *,
    user: str = "U_A",
    playbook: str = "wrong-order",
    outcome: Outcome | None = None,
    minutes: int = 0,
    pulse: PulseAnswer | None = None,
) -> IncidentRecord:
    return IncidentRecord(
        incident_id=f"in_{n}",
        org="hotel",
        user_id=user,
        platform="slack",
        situation="s",
        first_playbook_id=playbook,
        playbook_id=playbook,
        matched_terms=(),
        customer_ref=None,
        steps_taken=1,
        opened_at=T0,
        last_activity_at=T0,
        outcome=outcome,
        outcome_at=None if outcome is None else T0 + timedelta(minutes=minutes),
        pulse_code=None if pulse is None else f"code{n}",
        pulse_answer=pulse,
    )


def test_recovery_figures_to_the_unit() -> None:
    incidents = [
        _incident(1, outcome=Outcome.WON, minutes=10, pulse=PulseAnswer.YES),
        _incident(2, outcome=Outcome.WON, minutes=30, pulse=PulseAnswer.NO),
        _incident(3, outcome=Outcome.LOST, minutes=20, pulse=PulseAnswer.NO),
        _incident(4, user="U_B", outcome=Outcome.CALMED, minutes=40, playbook="angry-customer"),
        _incident(5, user="U_B", outcome=Outcome.UNSURE, minutes=50),
        _incident(6, user="U_B", outcome=Outcome.UNKNOWN, minutes=90),
        _incident(7, user="U_B"),
    ]
    spent = {"in_1": 1000, "in_2": 6000, "in_3": 2500, "in_4": 12000}  # pence
    f = recovery_figures(incidents, spent, "GBP", lambda k: str(k))
    t = f.totals
    assert (t.incidents, t.won, t.calmed, t.lost, t.unsure, t.no_outcome) == (7, 2, 1, 1, 1, 2)
    assert t.win_back_rate == 0.5  # 2 won of 4 that say either way
    assert t.spent_minor == 21500 and t.average_spend_minor == round(21500 / 7)
    assert f.no_outcome_share == 2 / 7
    # Unknown is the system's, not an answer: not in the time to outcome. 10,20,30,40,50.
    assert f.median_to_outcome == timedelta(minutes=30)
    assert f.worst_to_outcome == timedelta(minutes=50)
    by_employee = {r.key: r for r in f.by_employee}
    assert by_employee["U_A"].win_back_rate == 2 / 3
    assert by_employee["U_B"].win_back_rate == 0.0
    by_playbook = {r.key: r for r in f.by_playbook}
    assert by_playbook["angry-customer"].spent_minor == 12000
    bands = {r.label: r.incidents for r in f.by_spend_band}
    assert bands == {
        "nothing spent": 3,
        "up to 10 GBP": 1,  # £10.00 exactly is in the first band
        "10–25 GBP": 1,  # £25.00
        "25–50 GBP": 0,
        "50–100 GBP": 1,  # £60
        "over 100 GBP": 1,  # £120
    }
    p = f.pulse
    assert (p.pulses_sent, p.answered, p.compared) == (3, 3, 3)
    assert p.staff_won_rate == 2 / 3 and p.customer_yes_rate == 1 / 3
    assert p.gap == pytest.approx(1 / 3)
    assert p.agreement_rate == 2 / 3  # won/yes and lost/no agree; won/no does not


async def test_reports_carry_recovery_in_json_and_csv_and_stay_as_they_were_without(
    coach: Coach,
) -> None:
    sam = coach.actor("hotel", "U_SAM")
    await coach.advise(sam, "table 5 got the wrong dishes")
    await coach.spend(sam, "£10 drinks on the house")
    await coach.record_outcome(sam, None, "won")
    report = await build_report(coach, MANAGER, ReportQuery.parse("today"))
    data = report_dict(report)["recovery"]
    assert data["totals"]["won"] == 1 and data["totals"]["win_back_rate"] == 1.0
    assert data["totals"]["average_spend"] == 1000
    assert data["no_outcome_share"] == 0.0
    text = report_csv(report)
    assert "\r\n\r\nsection,key,label,incidents,won" in text
    assert "recovery_total,,all incidents,1,1,0,0,0,0,1.0000,10.00,10.00,GBP" in text
    coach.incidents = None
    plain = await build_report(coach, MANAGER, ReportQuery.parse("today"))
    assert report_dict(plain)["recovery"] is None
    assert "recovery" not in report_csv(plain)
