"""The escalation store and its outbox, on SQLite and PostgreSQL, through the public API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.errors import AlreadyDecided, InvalidInput, NotFound
from bot.escalations import OPENED, RENOTIFY, SPEND_DECIDED, UPDATED, open_escalations
from bot.escalations.sql import SqlEscalationStore
from bot.models import EscalationAction, EscalationRecord, EscalationStatus, Role
from tests.clock import Clock

ACK, TAKE, RESOLVE = (
    EscalationAction.ACKNOWLEDGE,
    EscalationAction.TAKE_OVER,
    EscalationAction.RESOLVE,
)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def store(db_url: str, clock: Clock) -> AsyncIterator[SqlEscalationStore]:
    async with SqlEscalationStore(db_url, clock=clock) as opened:
        yield opened


async def situation(
    store: SqlEscalationStore,
    *,
    org: str = "hotel",
    incident: str | None = "in_1",
    level: Role = Role.MANAGER,
    **extra: Any,
) -> EscalationRecord:
    return await store.raise_escalation(
        org=org,
        platform="slack",
        kind="situation",
        reasons=("safety",),
        summary="man collapsed in the lobby",
        raised_by="U_SAM",
        level=level,
        incident_id=incident,
        **extra,
    )


async def spend_escalation(store: SqlEscalationStore, entry_id: str = "sp_0000000001") -> Any:
    return await store.raise_escalation(
        org="hotel",
        platform="slack",
        kind="spend",
        reasons=("over your £100.00 per-incident limit",),
        summary="£180.00 replacement coat",
        raised_by="U_SAM",
        level=Role.MANAGER,
        incident_id="in_1",
        entry_id=entry_id,
    )


async def test_raising_stores_the_escalation_and_its_notification_together(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await situation(store)
    assert record.status is EscalationStatus.OPEN
    assert (record.level, record.kind, record.reasons) == (Role.MANAGER, "situation", ("safety",))
    assert record.history == (("opened", "U_SAM", T0),)
    assert record.notified_count == 1
    assert record.opened_at == T0
    pending = await store.pending_notifications("hotel")
    assert [(n.topic, n.escalation_id, n.recipient) for n in pending] == [
        (OPENED, record.escalation_id, None)
    ]
    assert await store.get("hotel", record.escalation_id) == record


async def test_a_failed_transaction_leaves_neither_escalation_nor_notification(
    store: SqlEscalationStore,
) -> None:
    with pytest.raises(ValueError, match="entry id"):
        await store.raise_escalation(
            org="hotel",
            platform="slack",
            kind="spend",
            reasons=(),
            summary="x",
            raised_by="U",
            level=Role.MANAGER,
        )
    assert await store.list("hotel") == []
    assert await store.pending_notifications() == []


async def test_raising_is_idempotent_per_incident_while_open(store: SqlEscalationStore) -> None:
    first = await situation(store)
    again = await situation(store)
    assert again.escalation_id == first.escalation_id
    assert len(await store.pending_notifications()) == 1
    other_org = await situation(store, org="other")
    assert other_org.escalation_id != first.escalation_id
    # Spends escalate once per entry, even within one incident.
    a = await spend_escalation(store, "sp_000000000a")
    b = await spend_escalation(store, "sp_000000000b")
    assert a.escalation_id != b.escalation_id
    assert (await spend_escalation(store, "sp_000000000a")).escalation_id == a.escalation_id
    # Once resolved, the same incident may be escalated afresh.
    await store.record_action("hotel", first.escalation_id, RESOLVE, "U_MGR")
    assert (await situation(store)).escalation_id != first.escalation_id


async def test_racing_raises_of_one_incident_make_one_escalation(db_url: str, clock: Clock) -> None:
    stores = [SqlEscalationStore(db_url, clock=clock) for _ in range(2)]
    for s in stores:
        await s.open()
    try:
        records = await asyncio.gather(*(situation(stores[i % 2]) for i in range(8)))
        assert len({r.escalation_id for r in records}) == 1
        assert len(await stores[0].pending_notifications()) == 1
    finally:
        for s in stores:
            await s.close()


async def test_transitions_record_who_and_when_and_enqueue_updates(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await situation(store)
    eid = record.escalation_id
    t1 = clock.advance(minutes=2)
    acked = await store.record_action("hotel", eid, ACK, "U_LEAD")
    assert acked.status is EscalationStatus.ACKNOWLEDGED
    assert (acked.acknowledged_by, acked.acknowledged_at) == ("U_LEAD", t1)
    with pytest.raises(AlreadyDecided, match="acknowledged by U_LEAD"):
        await store.record_action("hotel", eid, ACK, "U_MGR")
    t2 = clock.advance(minutes=1)
    taken = await store.record_action("hotel", eid, TAKE, "U_MGR")
    assert (taken.status, taken.taken_over_by) == (EscalationStatus.TAKEN_OVER, "U_MGR")
    assert taken.acknowledged_by == "U_LEAD"  # the first response stays the first
    with pytest.raises(AlreadyDecided, match="taken over"):
        await store.record_action("hotel", eid, TAKE, "U_MGR2")
    with pytest.raises(InvalidInput, match="spend"):
        await store.record_action("hotel", eid, EscalationAction.APPROVE, "U_MGR")
    t3 = clock.advance(minutes=5)
    done = await store.record_action("hotel", eid, RESOLVE, "U_MGR")
    assert (done.status, done.resolved_by, done.resolved_at) == (
        EscalationStatus.RESOLVED,
        "U_MGR",
        t3,
    )
    assert done.history == (
        ("opened", "U_SAM", T0),
        ("acknowledge", "U_LEAD", t1),
        ("take_over", "U_MGR", t2),
        ("resolve", "U_MGR", t3),
    )
    for action in EscalationAction:
        with pytest.raises(AlreadyDecided, match="resolved by U_MGR"):
            await store.record_action("hotel", eid, action, "U_ADMIN")
    topics = [n.topic for n in await store.pending_notifications()]
    assert topics == [OPENED, UPDATED, UPDATED, UPDATED]


async def test_spend_escalations_close_by_decision_and_tell_the_spender(
    store: SqlEscalationStore,
) -> None:
    record = await spend_escalation(store)
    with pytest.raises(InvalidInput, match="approving or denying"):
        await store.record_action("hotel", record.escalation_id, RESOLVE, "U_MGR")
    done = await store.record_action(
        "hotel", record.escalation_id, EscalationAction.DENY, "U_MGR", tell="U_SAM"
    )
    assert done.status is EscalationStatus.RESOLVED
    assert await store.for_entry("hotel", "sp_0000000001") == done
    pending = [(n.topic, n.recipient) for n in await store.pending_notifications()]
    assert pending == [(OPENED, None), (UPDATED, None), (SPEND_DECIDED, "U_SAM")]


async def test_organisations_never_see_each_others_escalations(
    store: SqlEscalationStore,
) -> None:
    record = await situation(store, org="hotel-a")
    eid = record.escalation_id
    assert await store.get("hotel-b", eid) is None
    assert await store.list("hotel-b") == []
    with pytest.raises(NotFound):
        await store.record_action("hotel-b", eid, ACK, "U_MGR")
    with pytest.raises(NotFound):
        await store.notify_user("hotel-b", eid, "U_X", SPEND_DECIDED)
    assert (await store.get("hotel-a", eid)) == record


async def test_updates_wait_for_the_opening_message_and_carry_its_ref(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await situation(store)
    await store.record_action("hotel", record.escalation_id, ACK, "U_LEAD")
    due = await store.due_notifications("slack", clock())
    assert [n.topic for n in due] == [OPENED]  # the update waits for the original
    assert due[0].ref is None
    await store.delivered(due[0].notification_id, "C123:1700000000.0001")
    assert (await store.get("hotel", record.escalation_id)).channel_ref == (  # type: ignore[union-attr]
        "C123:1700000000.0001"
    )
    update = await store.due_notifications("slack", clock())
    assert [(n.topic, n.ref) for n in update] == [(UPDATED, "C123:1700000000.0001")]
    assert await store.due_notifications("teams", clock()) == []


async def test_a_claim_is_a_lease_and_failures_reschedule(db_url: str, clock: Clock) -> None:
    async with SqlEscalationStore(db_url, clock=clock, lease=timedelta(seconds=30)) as store:
        await situation(store)
        first = await store.due_notifications("slack", clock())
        assert len(first) == 1
        assert await store.due_notifications("slack", clock()) == []  # claimed
        # The worker died: after the lease another may take it.
        clock.advance(seconds=31)
        again = await store.due_notifications("slack", clock())
        assert [n.notification_id for n in again] == [first[0].notification_id]
        await store.failed(again[0].notification_id, clock() + timedelta(seconds=10), "HTTP 500")
        assert await store.due_notifications("slack", clock()) == []
        clock.advance(seconds=10)
        retried = await store.due_notifications("slack", clock())
        assert retried[0].attempts == 1
        await store.give_up(retried[0].notification_id, "channel_not_found")
        clock.advance(hours=1)
        assert await store.due_notifications("slack", clock()) == []
        assert await store.pending_notifications() == []


async def test_two_processes_claiming_at_once_never_share_a_notification(
    db_url: str, clock: Clock
) -> None:
    setup = SqlEscalationStore(db_url, clock=clock)
    await setup.open()
    for i in range(40):
        await situation(setup, incident=f"in_{i}")
    await setup.close()
    workers = [SqlEscalationStore(db_url, clock=clock) for _ in range(4)]
    for w in workers:
        await w.open()
    try:
        batches = await asyncio.gather(
            *(w.due_notifications("slack", clock(), limit=7) for w in workers for _ in range(3))
        )
        ids = [n.notification_id for batch in batches for n in batch]
        assert len(ids) == len(set(ids)) == 40
    finally:
        for w in workers:
            await w.close()


async def test_undelivered_notifications_survive_a_restart(db_url: str, clock: Clock) -> None:
    store = open_escalations(db_url, clock=clock)
    assert isinstance(store, SqlEscalationStore)
    await store.open()
    record = await situation(store)
    await store.close()  # the process stops before any delivery
    async with SqlEscalationStore(db_url, clock=clock) as restarted:
        due = await restarted.due_notifications("slack", clock())
        assert [(n.topic, n.escalation_id) for n in due] == [(OPENED, record.escalation_id)]


async def test_renotify_bumps_counts_moves_up_and_never_twice(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await situation(store, level=Role.LEAD)
    cutoff = clock.advance(minutes=10) - timedelta(minutes=10)  # as the monitor computes it
    # Never posted (the platform is down): nothing to remind anyone of yet.
    assert await store.unacknowledged(cutoff) == []
    (opening,) = await store.due_notifications("slack", clock())
    await store.delivered(opening.notification_id, "C123:1700000000.0001")
    # Posted now: its ten minutes count from here.
    cutoff = clock.advance(minutes=10) - timedelta(minutes=10)
    assert [r.escalation_id for r in await store.unacknowledged(cutoff)] == [record.escalation_id]
    again = await store.renotify(
        "hotel", record.escalation_id, Role.LEAD, if_notified_before=cutoff
    )
    assert again is not None
    assert (again.notified_count, again.renotified_at_level, again.level) == (2, 1, Role.LEAD)
    # A second monitor with the same cutoff finds it already done.
    assert (
        await store.renotify("hotel", record.escalation_id, Role.LEAD, if_notified_before=cutoff)
        is None
    )
    clock.advance(minutes=10)
    moved = await store.renotify("hotel", record.escalation_id, Role.MANAGER)
    assert moved is not None
    assert (moved.level, moved.renotified_at_level, moved.notified_count) == (Role.MANAGER, 0, 3)
    assert [a for a, _, _ in moved.history] == ["opened", "renotified", "moved_up"]
    await store.record_action("hotel", record.escalation_id, ACK, "U_MGR")
    assert await store.unacknowledged(clock.advance(hours=1)) == []
    assert await store.renotify("hotel", record.escalation_id, Role.ADMIN) is None
    topics = [n.topic for n in await store.pending_notifications()]
    assert topics == [RENOTIFY, RENOTIFY, UPDATED]


async def test_list_filters_by_time_for_reports(store: SqlEscalationStore, clock: Clock) -> None:
    first = await situation(store, incident="a")
    clock.advance(days=1)
    second = await situation(store, incident="b")
    assert [r.escalation_id for r in await store.list("hotel")] == [
        first.escalation_id,
        second.escalation_id,
    ]
    since = T0 + timedelta(hours=12)
    assert [r.escalation_id for r in await store.list("hotel", since=since)] == [
        second.escalation_id
    ]
    assert [r.escalation_id for r in await store.list("hotel", until=since)] == [
        first.escalation_id
    ]
