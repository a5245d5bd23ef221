"""Money under concurrency and repetition, at the core: every limit holds when spends race
(several coaches on one database stand for several processes), a delivered request is
recorded once, and a spend that repeats a recent one is asked about first.

Runs on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach, SpendOutcome
from bot.errors import NotFound, NotPermitted
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import SqlIncidentStore
from bot.ledger import SpendVerdict, open_ledger
from bot.ledger.sql import SCHEMA_VERSION
from bot.models import Money, Role, SpendRequest, SpendStatus
from bot.playbooks import load_library
from bot.state import open_state
from tests.clock import Clock
from tests.test_ledger import raw_sql

ORG = {
    "name": "Race Hotel",
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
    "users": {"U_MGR": "manager", "U_ADMIN": "admin"},
}
WASHER = "guest's clothes stuck in the broken washer, she's furious"
PROCESSES = 2  # coaches, each with its own connection pool, standing for serve processes


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 14, 2, tzinfo=UTC))


@pytest.fixture
async def coaches(db_url: str, clock: Clock) -> AsyncIterator[list[Coach]]:
    library = load_library()
    state = open_state(None)  # one shared state, as Redis is shared by every worker
    await state.open()
    made: list[Coach] = []
    stores: list[object] = []
    for _ in range(PROCESSES):
        ledger = open_ledger(db_url, clock=clock)
        escalations = SqlEscalationStore(db_url, clock=clock)
        incidents = SqlIncidentStore(db_url)
        await ledger.open()
        await escalations.open()
        await incidents.open()
        stores += [ledger, escalations, incidents]
        made.append(
            Coach(
                library=library,
                policy=AuthorityPolicy(parse_org_config(ORG)),
                ledger=ledger,
                state=state,
                escalations=escalations,
                incidents=incidents,
                clock=clock,
            )
        )
    yield made
    for store in stores:
        await store.close()  # type: ignore[attr-defined]
    await state.close()


def approved(outcomes: list[SpendOutcome]) -> list[SpendOutcome]:
    return [o for o in outcomes if o.entry and o.entry.status is SpendStatus.APPROVED]


async def race(
    coaches: list[Coach], spends: list[tuple[str, str]], **kw: str
) -> list[SpendOutcome]:
    """Every (user, text) at once, spread over the coaches."""
    return list(
        await asyncio.gather(
            *(
                coaches[i % len(coaches)].spend(coaches[0].actor("hotel", user), text, **kw)
                for i, (user, text) in enumerate(spends)
            )
        )
    )


async def test_forty_simultaneous_spends_never_pass_the_daily_allowance(
    coaches: list[Coach],
) -> None:
    outcomes = await race(coaches, [("U_SAM", f"£80 goodwill r{i}") for i in range(40)])
    # £300 a day: three £80s fit (£240), a fourth would be £320.
    assert len(approved(outcomes)) == 3
    assert all(o.entry is not None for o in outcomes)  # the rest wait for a manager
    pending = [o for o in outcomes if o.entry and o.entry.status is SpendStatus.PENDING]
    assert len(pending) == 37
    assert all(any("allowance" in r for r in o.over_authority) for o in pending)
    assert (await coaches[1].ledger.verify("hotel")).ok


async def test_forty_staff_on_one_customer_never_pass_the_cap(coaches: list[Coach]) -> None:
    outcomes = await race(coaches, [(f"U_S{i:02d}", "£60 goodwill, room 214") for i in range(40)])
    given = sum(o.entry.amount.minor for o in approved(outcomes) if o.entry)
    assert given == 4 * 6000  # £250 cap: four £60s (£240); a fifth would be £300
    cap_reasons = [o for o in outcomes if any("room 214" in r for r in o.over_authority)]
    assert len(cap_reasons) == 36


async def test_the_per_incident_limit_is_a_total(coaches: list[Coach]) -> None:
    coach = coaches[0]
    sam = coach.actor("hotel", "U_SAM")
    await coach.advise(sam, WASHER)
    # This playbook lets an associate spend up to £150 on one incident, in total.
    first = await coach.spend(sam, "£80 dry cleaning")
    second = await coach.spend(sam, "£80 taxi home")
    assert first.entry and first.entry.status is SpendStatus.APPROVED
    assert second.entry and second.entry.status is SpendStatus.PENDING
    assert second.over_authority == (
        "over your £150 per-incident limit (£80 already spent on this incident)",
    )
    # Another incident starts afresh: the limit is per incident, the allowance per day.
    await coach.advise(sam, "customer charged twice for the same room")
    assert (o := await coach.spend(sam, "£70 taxi home")).entry
    assert o.entry.status is SpendStatus.APPROVED


async def test_a_split_spend_racing_on_one_incident_never_passes_the_limit(
    coaches: list[Coach],
) -> None:
    sam = coaches[0].actor("hotel", "U_SAM")
    advice = await coaches[0].advise(sam, WASHER)
    outcomes = await race(
        coaches,
        [("U_SAM", f"£40 part {i}") for i in range(10)],
        incident_id=advice.incident_id,
    )
    assert {o.entry.incident_id for o in outcomes if o.entry} == {advice.incident_id}
    assert len(approved(outcomes)) == 3  # £120 of the playbook's £150; a fourth is £160


async def test_pending_and_denied_spends_count_against_neither_allowance_nor_cap(
    coaches: list[Coach],
) -> None:
    coach = coaches[0]
    sam, manager = coach.actor("hotel", "U_SAM"), coach.actor("hotel", "U_MGR")
    big = await coach.spend(sam, "£200 suite upgrade, room 9")  # over £100: pending
    assert big.entry and big.entry.status is SpendStatus.PENDING
    fine = await coach.spend(sam, "£100 dinner, room 9")
    assert fine.entry and fine.entry.status is SpendStatus.APPROVED  # £200 pending not counted
    assert fine.authority.remaining_today.minor == 20000
    await coach.decide(manager, big.entry.entry_id, approve=False)
    more = await coach.spend(sam, "£100 spa, room 9")
    assert more.entry and more.entry.status is SpendStatus.APPROVED  # £200 given of £250
    # A manager's approval counts towards the customer's cap, not the spender's allowance.
    kim = coach.actor("hotel", "U_KIM")
    asked = await coach.spend(kim, "£200 refund, room 10")
    assert asked.entry and asked.entry.status is SpendStatus.PENDING
    await coach.decide(manager, asked.entry.entry_id, approve=True)
    over_cap = await coach.spend(kim, "£60 flowers, room 10")
    assert over_cap.entry and over_cap.entry.status is SpendStatus.PENDING
    assert over_cap.over_authority == ("over the £250 daily cap for room 10 (£200 already given)",)
    assert over_cap.authority.remaining_today.minor == 30000


async def test_an_approval_above_the_approvers_own_limit_is_refused(
    coaches: list[Coach],
) -> None:
    coach = coaches[0]
    lead = coach.actor("hotel", "U_LEAD", Role.LEAD)
    outcome = await coach.spend(lead, "£1,500 replacement suit")
    assert outcome.entry and outcome.escalation
    # Over a manager's own £1,000 per-incident limit: the request goes to an admin.
    assert outcome.escalation.level is Role.ADMIN
    with pytest.raises(NotPermitted, match=r"over your own £1,000.*needs an admin"):
        await coach.decide(coach.actor("hotel", "U_MGR"), outcome.entry.entry_id, approve=True)
    decided = await coach.decide(
        coach.actor("hotel", "U_ADMIN"), outcome.entry.entry_id, approve=True
    )
    assert decided.status is SpendStatus.APPROVED


async def test_the_same_request_twice_records_once_and_repeats_the_receipt(
    coaches: list[Coach],
) -> None:
    sam = coaches[0].actor("hotel", "U_SAM")
    first = await coaches[0].spend(
        sam, "£80 dry cleaning, room 214", request_key="slack:cmd:1:v0=ab"
    )
    await coaches[0].spend(sam, "£20 flowers")  # in between: the repeat still shows £220 left
    again = await coaches[1].spend(
        sam, "£80 dry cleaning, room 214", request_key="slack:cmd:1:v0=ab"
    )
    assert first.entry and again.entry and again.replayed and not first.replayed
    assert again.entry.entry_id == first.entry.entry_id
    assert again.authority == first.authority
    assert len(await coaches[0].ledger.spends("hotel")) == 2


async def test_a_request_delivered_to_two_processes_at_once_records_once(
    coaches: list[Coach],
) -> None:
    outcomes = await race(coaches, [("U_SAM", "£500 refund")] * 10, request_key="teams:c:1")
    assert len({o.entry.entry_id for o in outcomes if o.entry}) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    (entry,) = await coaches[0].ledger.spends("hotel")
    # The managers are asked once, and every repeat shows that same request.
    assert entry.status is SpendStatus.PENDING
    assert len({o.escalation.escalation_id for o in outcomes if o.escalation}) == 1
    assert all(o.escalation for o in outcomes)


async def test_a_spend_like_one_minutes_ago_is_asked_about_first(
    coaches: list[Coach], clock: Clock
) -> None:
    coach = coaches[0]
    sam = coach.actor("hotel", "U_SAM")
    first = await coach.spend(sam, "£80 dry cleaning, room 214")
    clock.now += timedelta(minutes=3)
    asked = await coach.spend(sam, "£80 Dry-cleaning rm 214")
    assert asked.needs_confirmation and asked.entry is None
    assert asked.earlier == first.entry
    assert asked.earlier_at is not None and f"{asked.earlier_at:%H:%M}" == "14:02"
    assert len(await coach.ledger.spends("hotel")) == 1  # nothing recorded yet
    logged = await coach.spend(sam, "£80 Dry-cleaning rm 214", confirm=True)
    assert logged.entry and first.entry and logged.entry.entry_id != first.entry.entry_id
    # Not the same spend: another amount, another customer, other words, or long ago.
    for text in ("£81 dry cleaning, room 214", "£80 dry cleaning, room 215", "£80 taxi, room 214"):
        assert not (await coach.spend(sam, text)).needs_confirmation
    clock.now += timedelta(minutes=11)
    assert not (
        await coach.spend(coach.actor("hotel", "U_KIM"), "£80 taxi, room 214")
    ).needs_confirmation
    assert not (await coach.spend(sam, "£80 dry cleaning, room 214")).needs_confirmation


async def test_a_spend_can_join_a_named_incident(coaches: list[Coach]) -> None:
    coach = coaches[0]
    sam = coach.actor("hotel", "U_SAM")
    washer = await coach.advise(sam, WASHER)
    await coach.advise(sam, "customer charged twice for the same room")  # a newer incident
    outcome = await coach.spend(sam, "£48 dry cleaning", incident_id=washer.incident_id)
    assert outcome.entry and outcome.entry.incident_id == washer.incident_id
    assert outcome.entry.playbook_id == washer.playbook.id
    with pytest.raises(NotFound, match="no incident"):
        await coach.spend(sam, "£5 tea", incident_id="in_nothere00")


async def test_a_version_1_ledger_is_upgraded_and_still_verifies(db_url: str, clock: Clock) -> None:
    async with open_ledger(db_url, clock=clock) as ledger:  # type: ignore[attr-defined]
        old = await ledger.record_spend(
            "hotel",
            "U_SAM",
            Role.ASSOCIATE,
            SpendRequest(Money(4800, "GBP"), "dry cleaning"),
            SpendStatus.APPROVED,
        )
    # What a version-1 ledger looks like: no request keys, no incident index.
    await raw_sql(db_url, "DROP TABLE ledger_requests")
    await raw_sql(db_url, "DROP INDEX ix_ledger_events_org_incident")
    await raw_sql(db_url, "UPDATE schema_version SET version = 1 WHERE component = 'ledger'")

    async with open_ledger(db_url, clock=clock) as ledger:  # type: ignore[attr-defined]
        assert (await ledger.verify()).ok
        assert await ledger.get("hotel", old.entry_id) == old
        for _ in range(2):
            recorded = await ledger.authorise_and_record(
                "hotel",
                "U_SAM",
                Role.ASSOCIATE,
                SpendRequest(Money(100, "GBP"), "tea"),
                decide=lambda totals: SpendVerdict(SpendStatus.APPROVED),
                day_start=clock.now - timedelta(hours=1),
                request_key="cli:tea-1",
            )
        assert recorded.replayed and recorded.totals.self_authorised_today == 4800
        assert (await ledger.verify()).ok
    assert await raw_sql(db_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
