"""The coach service as an employee and a manager experience it, on real storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach, NotUnderstood
from bot.errors import AlreadyDecided, InvalidAmount, InvalidInput, NotFound, NotPermitted
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import open_incidents
from bot.ledger import open_ledger
from bot.models import Actor, EscalationAction, EscalationStatus, Role, SpendStatus
from bot.orgs import org_for
from bot.playbooks import load_library
from bot.policy import OrgPolicies, open_policy_store
from bot.state import open_state
from tests.clock import Clock

SLACK_ORG = "T0HOTEL"  # a Slack workspace: Slack actors act only in Slack organisations
ORG = {
    "name": "Test Hotel",
    "currency": "GBP",
    "timezone": "Europe/London",
    "roles": {
        "associate": {"per_incident": 100, "daily": 300},
        "lead": {"per_incident": 250, "daily": 750},
        "manager": {"per_incident": 1000, "daily": 3000},
        "admin": {"per_incident": 5000, "daily": 20000},
    },
    "max_single_spend": 10000,
    "customer_daily_cap": 250,
    "users": {"U_MGR": "manager", "U_MGR2": "manager", "U_LEAD": "lead"},
}


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


async def _coach(db_url: str, state_url: str | None, clock: Clock) -> AsyncIterator[Coach]:
    ledger = open_ledger(db_url, clock=clock)
    state = open_state(state_url)
    escalations = SqlEscalationStore(db_url, clock=clock)
    incidents = open_incidents(db_url)
    policy_store = open_policy_store(db_url, ledger, clock=clock)
    await ledger.open()
    await escalations.open()
    await incidents.open()
    await state.open()
    await policy_store.open()
    library = load_library()
    config = parse_org_config(ORG)
    coach = Coach(
        library=library,
        policy=AuthorityPolicy(config),
        ledger=ledger,
        state=state,
        escalations=escalations,
        incidents=incidents,
        clock=clock,
        policies=OrgPolicies(policy_store, config),
    )
    yield coach
    await policy_store.close()
    await state.close()
    await incidents.close()
    await escalations.close()
    await ledger.close()


@pytest.fixture
async def coach(sqlite_url: str, clock: Clock) -> AsyncIterator[Coach]:
    async for c in _coach(sqlite_url, None, clock):
        yield c


@pytest.fixture
async def production_coach(postgres_url: str, redis_url: str, clock: Clock) -> AsyncIterator[Coach]:
    async for c in _coach(postgres_url, redis_url, clock):
        yield c


async def test_staff_get_the_right_step_say_line_and_authority(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "guest's clothes stuck in the broken washer, she's furious")
    assert advice.playbook.id == "property-damaged-or-stuck"
    assert advice.step.index == 1
    assert advice.step.do
    assert advice.step.say
    assert advice.authority.role is Role.ASSOCIATE
    # The playbook raises an associate's per-incident limit above the org default of £100.
    assert advice.authority.per_incident.minor > 10000
    assert advice.authority.remaining_today.minor == 30000
    assert advice.gestures
    assert len(advice.alternatives) == 3


async def test_next_walks_the_steps_of_the_open_incident_then_stops(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    first = await coach.advise(sam, "table 5 got the wrong dishes")
    seen = [first.step.index]
    for _ in range(first.step.total - 1):
        step = await coach.next_step(sam)
        assert step.incident_id == first.incident_id
        seen.append(step.step.index)
    assert seen == list(range(1, first.step.total + 1))
    with pytest.raises(InvalidInput, match="last step"):
        await coach.next_step(sam)


async def test_buttons_of_an_older_card_act_on_its_incident_only(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    older = await coach.advise(sam, "table 5 got the wrong dishes")
    newer = await coach.advise(sam, "guest's clothes stuck in the broken washer, she's furious")
    closed = rf"incident `{older.incident_id}`.*closed.*`{newer.incident_id}`"
    with pytest.raises(NotFound, match=closed):
        await coach.next_step(sam, older.incident_id)
    with pytest.raises(NotFound, match=closed):
        await coach.escalate(sam, incident_id=older.incident_id)
    # "Not this one" and its choices on the older card neither show nor switch the newer.
    with pytest.raises(NotFound, match=closed):
        await coach.current(sam, older.incident_id)
    with pytest.raises(NotFound, match=closed):
        await coach.choose_playbook(sam, "billing-dispute", older.incident_id)
    assert (await coach.current(sam)).playbook.id == newer.playbook.id  # type: ignore[union-attr]
    # A spend from the older card is for that older situation: it joins that incident
    # (and counts towards its per-incident limit), never the newer one.
    dessert = await coach.spend(sam, "£20 dessert", incident_id=older.incident_id)
    assert dessert.entry is not None
    assert (dessert.entry.incident_id, dessert.entry.playbook_id) == (
        older.incident_id,
        older.playbook.id,
    )
    # The newer incident is where it was, and its own card's buttons work.
    step2 = await coach.next_step(sam, newer.incident_id)
    assert (step2.incident_id, step2.step.index) == (newer.incident_id, 2)
    outcome = await coach.spend(sam, "£20 dry cleaning", incident_id=newer.incident_id)
    assert outcome.entry.incident_id == newer.incident_id


async def test_next_without_a_situation_asks_for_one(coach: Coach) -> None:
    with pytest.raises(NotFound, match="tell me what is happening"):
        await coach.next_step(coach.actor("hotel", "U_NEW"))


@pytest.mark.parametrize("text", ["", "   ", "asdf qwer zxcv"])
async def test_empty_or_nonsense_gets_the_usage_hint(coach: Coach, text: str) -> None:
    with pytest.raises(NotUnderstood, match="Tell me what is happening"):
        await coach.advise(coach.actor("hotel", "U_SAM"), text)


async def test_safety_situation_escalates(coach: Coach) -> None:
    advice = await coach.advise(
        coach.actor("hotel", "U_SAM"), "man collapsed in the lobby, not breathing"
    )
    assert advice.playbook.id == "medical-emergency"
    assert advice.escalation.needed
    assert "safety" in advice.escalation.reasons


async def test_not_this_one_switches_playbook_and_keeps_the_incident(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "her new kettle stopped working after a day")
    other = advice.alternatives[0].id
    switched = await coach.choose_playbook(sam, other)
    assert switched.playbook.id == other
    assert switched.incident_id == advice.incident_id
    assert advice.playbook.id in [a.id for a in switched.alternatives]


async def test_spend_within_authority_is_approved_and_reduces_the_allowance(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    await coach.advise(sam, "guest's clothes stuck in the broken washer")
    outcome = await coach.spend(sam, "£48 dry cleaning + flowers, lodge 12")
    entry = outcome.entry
    assert entry.status is SpendStatus.APPROVED
    assert (entry.amount.minor, entry.amount.currency) == (4800, "GBP")
    assert entry.reason == "dry cleaning + flowers"
    assert entry.customer_ref == "lodge 12"
    assert entry.playbook_id == "property-damaged-or-stuck"  # attached to the open incident
    assert outcome.authority.remaining_today.minor == 30000 - 4800


async def test_over_authority_is_pending_until_another_manager_decides(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    outcome = await coach.spend(sam, "£180 replacement coat")
    assert outcome.entry.status is SpendStatus.PENDING
    assert any("per-incident" in r for r in outcome.over_authority)

    with pytest.raises(NotPermitted):
        await coach.decide(coach.actor("hotel", "U_LEAD"), outcome.entry.entry_id, approve=True)
    manager = coach.actor("hotel", "U_MGR")
    decided = await coach.decide(manager, outcome.entry.entry_id, approve=True)
    assert decided.status is SpendStatus.APPROVED
    assert decided.decided_by == "U_MGR"
    with pytest.raises(AlreadyDecided):
        await coach.decide(coach.actor("hotel", "U_MGR2"), outcome.entry.entry_id, approve=False)


async def test_a_manager_cannot_approve_their_own_spend(coach: Coach) -> None:
    manager = coach.actor("hotel", "U_MGR")
    outcome = await coach.spend(manager, "£1,500 refund of the whole stay")
    assert outcome.entry.status is SpendStatus.PENDING
    with pytest.raises(NotPermitted, match="own spend"):
        await coach.decide(manager, outcome.entry.entry_id, approve=True)


async def test_claimed_roles_never_beat_the_org_file(coach: Coach) -> None:
    assert coach.actor("hotel", "U_LEAD", Role.ADMIN).role is Role.LEAD
    assert coach.actor("hotel", "U_UNKNOWN").role is Role.ASSOCIATE


@pytest.mark.parametrize(
    "text",
    [
        "0 flowers",
        "-5 flowers",
        "£48",
        "£2,000,000 yacht",
        "48 XYZ flowers",
        "€48 flowers",
        "flowers",
    ],
)
async def test_bad_spends_are_refused_and_record_nothing(coach: Coach, text: str) -> None:
    sam = coach.actor("hotel", "U_SAM")
    with pytest.raises((InvalidAmount, InvalidInput)):
        await coach.spend(sam, text)
    assert await coach.ledger.spends("hotel") == []


async def test_daily_allowance_runs_out(coach: Coach, clock: Clock) -> None:
    sam = coach.actor("hotel", "U_SAM")
    for _ in range(3):
        outcome = await coach.spend(sam, "£100 goodwill", confirm=True)
        assert outcome.entry.status is SpendStatus.APPROVED
    outcome = await coach.spend(sam, "£1 biscuits")
    assert outcome.entry.status is SpendStatus.PENDING
    assert any("allowance" in r for r in outcome.over_authority)
    clock.now += timedelta(days=1)  # a new day in the organisation's time zone
    assert (await coach.spend(sam, "£1 biscuits")).entry.status is SpendStatus.APPROVED


async def test_customer_cap_applies_across_staff_and_the_next_helper_sees_it(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    alex = coach.actor("hotel", "U_ALEX")
    await coach.spend(sam, "£50 dinner voucher, room 214")
    await coach.spend(sam, "£100 spa treatment, rm 214")
    await coach.spend(alex, "£90 late checkout and breakfast room 214")
    outcome = await coach.spend(alex, "£20 flowers room 214")  # 240 + 20 > 250
    assert outcome.entry.status is SpendStatus.PENDING
    assert any("room 214" in r for r in outcome.over_authority)

    advice = await coach.advise(alex, "room 214 still complaining the shower is cold, rm 214")
    assert advice.customer is not None
    assert advice.customer.customer_ref == "room 214"
    assert advice.customer.given_today.minor == 5000 + 10000 + 9000 + 2000
    assert [g.user_id for g in advice.customer.entries] == ["U_SAM", "U_SAM", "U_ALEX", "U_ALEX"]


async def test_organisations_never_see_each_other(coach: Coach) -> None:
    outcome = await coach.spend(coach.actor("hotel-a", "U_SAM"), "£500 refund")
    with pytest.raises(NotFound):
        await coach.decide(coach.actor("hotel-b", "U_MGR"), outcome.entry.entry_id, approve=True)
    advice_b = await coach.advise(coach.actor("hotel-b", "U_SAM"), "customer charged twice")
    assert advice_b.authority.remaining_today.minor == 30000


async def test_a_teams_identity_never_sees_or_decides_a_slack_workspaces_spend(
    coach: Coach,
) -> None:
    slack_team = org_for("slack", "T0HOTEL")
    outcome = await coach.spend(coach.actor(slack_team, "U_SAM", platform="slack"), "£500 refund")
    assert outcome.entry is not None and outcome.entry.status is SpendStatus.PENDING
    assert outcome.escalation is not None
    entry_id, escalation_id = outcome.entry.entry_id, outcome.escalation.escalation_id
    # A Teams activity naming the Slack team id as its tenant and the Slack manager's id
    # as its user (the file lists U_MGR bare, so U_MGR is a manager on any platform).
    forged = coach.actor(org_for("teams", "T0HOTEL"), "U_MGR", platform="teams")
    assert forged.role is Role.MANAGER and forged.org != slack_team
    with pytest.raises(NotFound):
        await coach.decide(forged, entry_id, approve=True)
    with pytest.raises(NotFound):
        await coach.act(forged, escalation_id, EscalationAction.APPROVE)
    assert await coach.ledger.spends(forged.org) == []
    assert await coach.escalations.list(forged.org) == []
    # Nor can an adapter hand the core a Teams actor in the Slack workspace's organisation.
    with pytest.raises(NotPermitted, match="not a teams organisation"):
        coach.actor(slack_team, "U_MGR", platform="teams")
    smuggled = Actor(slack_team, "U_MGR", Role.MANAGER, platform="teams")
    with pytest.raises(NotPermitted):
        await coach.decide(smuggled, entry_id, approve=True)
    with pytest.raises(NotPermitted):
        await coach.act(smuggled, escalation_id, EscalationAction.APPROVE)
    [entry] = await coach.ledger.spends(slack_team)
    assert entry.status is SpendStatus.PENDING
    # The Slack workspace's own manager still decides it.
    manager = coach.actor(slack_team, "U_MGR", platform="slack")
    assert (await coach.decide(manager, entry_id, approve=True)).status is SpendStatus.APPROVED


async def test_a_user_id_mapped_for_slack_is_an_associate_in_teams(coach: Coach) -> None:
    per_platform = {**ORG, "users": {}, "slack": {"users": {"U_MGR": "manager"}}}
    two_platforms = Coach(
        library=coach.library,
        policy=AuthorityPolicy(parse_org_config(per_platform)),
        ledger=coach.ledger,
        state=coach.state,
        escalations=coach.escalations,
        clock=coach.clock,
    )
    tenant = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    assert two_platforms.actor("T0HOTEL", "U_MGR", platform="slack").role is Role.MANAGER
    in_teams = two_platforms.actor(tenant, "U_MGR", platform="teams")
    assert in_teams.role is Role.ASSOCIATE
    # In its own tenant, too, the Teams "U_MGR" cannot approve: only a manager can.
    outcome = await two_platforms.spend(
        two_platforms.actor(tenant, "U_SAM", platform="teams"), "£500 refund"
    )
    assert outcome.entry is not None
    with pytest.raises(NotPermitted):
        await two_platforms.decide(in_teams, outcome.entry.entry_id, approve=True)
    # The command line, acting in an organisation, gets that organisation's platform's roles.
    assert two_platforms.actor("T0HOTEL", "U_MGR").role is Role.MANAGER
    assert two_platforms.actor(tenant, "U_MGR").role is Role.ASSOCIATE


async def test_limits_are_for_managers_only(coach: Coach) -> None:
    with pytest.raises(NotPermitted):
        await coach.limits(coach.actor("hotel", "U_SAM"))
    limits = await coach.limits(coach.actor("hotel", "U_MGR"))
    assert [r.role for r in limits] == list(Role)


async def test_the_pending_queue_is_for_managers_oldest_first_and_empties_on_decision(
    coach: Coach, clock: Clock
) -> None:
    sam, alex = coach.actor("hotel", "U_SAM"), coach.actor("hotel", "U_ALEX")
    coat = await coach.spend(sam, "£180 replacement coat, room 214")
    await coach.spend(sam, "£20 flowers")  # within authority: not queued
    clock.now += timedelta(minutes=2)
    refund = await coach.spend(alex, "£150 refund of the dinner")
    await coach.spend(coach.actor("hotel-b", "U_SAM"), "£500 refund")  # another organisation

    for asker in (sam, coach.actor("hotel", "U_LEAD")):
        with pytest.raises(NotPermitted, match="managers and admins only"):
            await coach.pending(asker)
    manager = coach.actor("hotel", "U_MGR")
    queue = await coach.pending(manager)
    assert [(p.entry_id, p.user_id, p.amount.minor, p.reason, p.customer_ref) for p in queue] == [
        (coat.entry.entry_id, "U_SAM", 18000, "replacement coat", "room 214"),
        (refund.entry.entry_id, "U_ALEX", 15000, "refund of the dinner", None),
    ]
    assert queue[1].requested_at == clock.now
    assert coat.escalation is not None and queue[0].escalation_id == coat.escalation.escalation_id

    # The listed escalation id is what the buttons send: a click decides the spend.
    await coach.act(manager, queue[0].escalation_id, EscalationAction.DENY)
    assert [p.entry_id for p in await coach.pending(manager)] == [refund.entry.entry_id]


async def test_custom_playbook_folder_is_used(
    tmp_path: Path, sqlite_url: str, clock: Clock
) -> None:
    (tmp_path / "pool.yaml").write_text(
        """
id: pool-closed
title: Pool closed unexpectedly
owner: Leisure manager
review_by: 2030-01-01
triggers:
  keywords: [pool, swimming, lifeguard]
  examples: ["pool is shut and the guest wanted a swim"]
steps:
  - do: Apologise and offer the partner gym across the road.
    say: I'm sorry the pool is closed today.
""",
        encoding="utf-8",
    )
    ledger = open_ledger(sqlite_url, clock=clock)
    await ledger.open()
    library = load_library(tmp_path)
    async with SqlEscalationStore(sqlite_url, clock=clock) as escalations:
        coach = Coach(
            library=library,
            policy=AuthorityPolicy(parse_org_config(ORG)),
            ledger=ledger,
            state=open_state(None),
            escalations=escalations,
            clock=clock,
        )
        advice = await coach.advise(
            coach.actor("o", "u"), "guest annoyed the swimming pool is shut"
        )
        assert advice.playbook.id == "pool-closed"
    await ledger.close()


async def test_production_storage_shares_incidents_between_processes(
    production_coach: Coach, redis_url: str, postgres_url: str, clock: Clock
) -> None:
    """Two coach processes on one PostgreSQL and one Redis: 'next' works on either."""
    sam_a = production_coach.actor("hotel", "U_SAM")
    first = await production_coach.advise(sam_a, "soup was cold and the bread never came")
    async for other in _coach(postgres_url, redis_url, clock):
        step2 = await other.next_step(other.actor("hotel", "U_SAM"))
        assert step2.incident_id == first.incident_id
        assert step2.step.index == 2
        spent = await other.spend(other.actor("hotel", "U_SAM"), "£12 free dessert, table 9")
        assert spent.entry.playbook_id == first.playbook.id
    assert (await production_coach.ledger.verify()).ok


# -- escalations -------------------------------------------------------------------


def _escalations(coach: Coach) -> SqlEscalationStore:
    assert isinstance(coach.escalations, SqlEscalationStore)
    return coach.escalations


async def test_a_safety_situation_opens_one_escalation_per_incident(coach: Coach) -> None:
    sam = coach.actor(SLACK_ORG, "U_SAM", platform="slack")
    advice = await coach.advise(sam, "man collapsed in the lobby, not breathing")
    assert advice.escalation_id is not None
    record = await coach.escalations.get(SLACK_ORG, advice.escalation_id)
    assert record is not None
    assert (record.kind, record.level, record.platform) == ("situation", Role.MANAGER, "slack")
    assert "safety" in record.reasons
    assert record.incident_id == advice.incident_id
    assert (await coach.next_step(sam)).escalation_id == advice.escalation_id
    assert (await coach.escalate(sam, "ambulance called")).escalation_id == advice.escalation_id
    assert len(await coach.escalations.list(SLACK_ORG)) == 1
    calm = await coach.advise(sam, "table 5 got the wrong dishes")
    assert calm.escalation_id is None


async def test_staff_can_escalate_anything_with_a_note(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    with pytest.raises(NotFound, match="tell me what is happening first"):
        await coach.escalate(sam)
    advice = await coach.advise(sam, "table 5 got the wrong dishes")
    record = await coach.escalate(sam, "  third time tonight ")
    assert record.reasons == ("staff",)
    assert record.summary == f"{advice.situation} — third time tonight"
    assert (record.kind, record.level, record.raised_by) == ("situation", Role.LEAD, "U_SAM")
    assert (await coach.current(sam)).escalation_id == record.escalation_id  # type: ignore[union-attr]


async def test_approve_button_decides_resolves_and_tells_the_spender(
    coach: Coach, clock: Clock
) -> None:
    sam = coach.actor(SLACK_ORG, "U_SAM", platform="slack")
    outcome = await coach.spend(sam, "£180 replacement coat, room 214")
    escalation = outcome.escalation
    assert escalation is not None
    assert (escalation.kind, escalation.level, escalation.entry_id) == (
        "spend",
        Role.MANAGER,
        outcome.entry.entry_id,
    )
    assert "£180" in escalation.summary
    assert await coach.spend(sam, "£20 flowers") is not None  # within authority: no escalation

    eid = escalation.escalation_id
    with pytest.raises(NotPermitted):  # a lead may acknowledge, not approve
        await coach.act(coach.actor(SLACK_ORG, "U_LEAD"), eid, EscalationAction.APPROVE)
    clock.now += timedelta(minutes=3)
    done = await coach.act(coach.actor(SLACK_ORG, "U_MGR"), eid, EscalationAction.APPROVE)
    assert (done.status, done.resolved_by) == (EscalationStatus.RESOLVED, "U_MGR")
    assert done.history[-1] == ("approve", "U_MGR", clock.now)
    entry = await coach.ledger.get(SLACK_ORG, outcome.entry.entry_id)
    assert entry is not None
    assert (entry.status, entry.decided_by) == (SpendStatus.APPROVED, "U_MGR")
    told = [
        (n.topic, n.recipient) for n in await _escalations(coach).pending_notifications(SLACK_ORG)
    ]
    assert told == [
        ("escalation.opened", None),
        ("escalation.updated", None),
        ("spend.decided", "U_SAM"),
    ]
    # The second click, from anyone, on any button.
    for action in (EscalationAction.DENY, EscalationAction.APPROVE, EscalationAction.ACKNOWLEDGE):
        with pytest.raises(AlreadyDecided):
            await coach.act(coach.actor(SLACK_ORG, "U_MGR2"), eid, action)


async def test_nobody_approves_their_own_spend_by_button(coach: Coach) -> None:
    manager = coach.actor("hotel", "U_MGR")
    outcome = await coach.spend(manager, "£1,500 refund of the whole stay")
    assert outcome.escalation is not None
    with pytest.raises(NotPermitted, match="own spend"):
        await coach.act(manager, outcome.escalation.escalation_id, EscalationAction.APPROVE)


async def test_the_cli_decision_closes_the_escalation_too(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    outcome = await coach.spend(sam, "£180 replacement coat")
    assert outcome.escalation is not None
    await coach.decide(coach.actor("hotel", "U_MGR"), outcome.entry.entry_id, approve=False)
    record = await coach.escalations.get("hotel", outcome.escalation.escalation_id)
    assert record is not None
    assert (record.status, record.history[-1][:2]) == (EscalationStatus.RESOLVED, ("deny", "U_MGR"))
    topics = [n.topic for n in await _escalations(coach).pending_notifications("hotel")]
    assert topics.count("spend.decided") == 1
    with pytest.raises(AlreadyDecided):
        await coach.act(
            coach.actor("hotel", "U_MGR2"),
            outcome.escalation.escalation_id,
            EscalationAction.APPROVE,
        )


async def test_acknowledge_and_take_over_need_a_lead(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "guest says she will sue us and call the police")
    assert advice.escalation_id is not None
    with pytest.raises(NotPermitted):
        await coach.act(
            coach.actor("hotel", "U_ALEX"), advice.escalation_id, EscalationAction.ACKNOWLEDGE
        )
    acked = await coach.act(
        coach.actor("hotel", "U_LEAD"), advice.escalation_id, EscalationAction.ACKNOWLEDGE
    )
    assert (acked.status, acked.acknowledged_by) == (EscalationStatus.ACKNOWLEDGED, "U_LEAD")
    taken = await coach.act(
        coach.actor("hotel", "U_MGR"), advice.escalation_id, EscalationAction.TAKE_OVER
    )
    assert (taken.status, taken.taken_over_by) == (EscalationStatus.TAKEN_OVER, "U_MGR")
    with pytest.raises(InvalidInput, match="spend"):
        await coach.act(
            coach.actor("hotel", "U_MGR"), advice.escalation_id, EscalationAction.APPROVE
        )
    resolved = await coach.act(
        coach.actor("hotel", "U_MGR"), advice.escalation_id, EscalationAction.RESOLVE
    )
    assert [a for a, _, _ in resolved.history] == ["opened", "acknowledge", "take_over", "resolve"]


async def test_roles_are_checked_at_click_time(coach: Coach) -> None:
    """A manager demoted after the alert went out is refused."""
    outcome = await coach.spend(coach.actor("hotel", "U_SAM"), "£180 replacement coat")
    assert outcome.escalation is not None
    clicker = coach.actor("hotel", "U_MGR")  # resolved while still a manager
    await coach.set_user_role(coach.actor("hotel", "U_OPS", Role.ADMIN), "U_MGR", Role.LEAD)
    with pytest.raises(NotPermitted):
        await coach.act(clicker, outcome.escalation.escalation_id, EscalationAction.APPROVE)
    with pytest.raises(NotPermitted):
        await coach.decide(clicker, outcome.entry.entry_id, approve=True)
    entry = await coach.ledger.get("hotel", outcome.entry.entry_id)
    assert entry is not None
    assert entry.status is SpendStatus.PENDING


async def test_an_escalation_id_from_another_organisation_is_not_found(coach: Coach) -> None:
    outcome = await coach.spend(coach.actor("hotel-a", "U_SAM"), "£500 refund")
    assert outcome.escalation is not None
    for action in EscalationAction:
        with pytest.raises(NotFound):
            await coach.act(
                coach.actor("hotel-b", "U_MGR"), outcome.escalation.escalation_id, action
            )
    record = await coach.escalations.get("hotel-a", outcome.escalation.escalation_id)
    assert record is not None
    assert record.status is EscalationStatus.OPEN


async def test_production_escalations_are_shared_between_processes(
    production_coach: Coach, redis_url: str, postgres_url: str, clock: Clock
) -> None:
    outcome = await production_coach.spend(
        production_coach.actor("hotel", "U_SAM"), "£180 replacement coat"
    )
    assert outcome.escalation is not None
    async for other in _coach(postgres_url, redis_url, clock):
        done = await other.act(
            other.actor("hotel", "U_MGR"),
            outcome.escalation.escalation_id,
            EscalationAction.APPROVE,
        )
        assert done.status is EscalationStatus.RESOLVED
    with pytest.raises(AlreadyDecided):
        await production_coach.act(
            production_coach.actor("hotel", "U_MGR2"),
            outcome.escalation.escalation_id,
            EscalationAction.DENY,
        )
