"""The outbox worker and the escalation monitor, against a real store and a fake platform."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from structlog.testing import capture_logs

from bot.escalations import OPENED, RENOTIFY, UPDATED, Delivery
from bot.escalations.sql import SqlEscalationStore
from bot.models import EscalationAction, EscalationRecord, Notification, Role
from bot.outbox import (
    MAX_DELAY,
    OUTAGE_MAX_DELAY,
    EscalationMonitor,
    OutboxWorker,
    backoff_delay,
)
from bot.state.memory import InProcessState
from tests.clock import Clock

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class FakePlatform:
    """A Notifier that fails the first ``failures`` attempts, the way it is told to."""

    def __init__(
        self,
        *,
        failures: int = 0,
        retry_after: float | None = None,
        permanent: bool = False,
        raises: bool = False,
        delay: float = 0.0,
        platform: str = "slack",
    ) -> None:
        self.platform = platform
        self.failures = failures
        self.retry_after = retry_after
        self.permanent = permanent
        self.raises = raises
        self.delay = delay
        self.attempts: list[str] = []
        self.accepted: list[tuple[str, str | None, str | None]] = []  # (topic, ref, recipient)
        self.delivered_ids: list[str] = []

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        self.attempts.append(notification.notification_id)
        if self.delay:
            await asyncio.sleep(self.delay)
        if len(self.attempts) <= self.failures:
            if self.raises:
                raise ConnectionError("connection reset by peer")
            return Delivery(
                ok=False,
                retry_after=self.retry_after,
                permanent=self.permanent,
                error="429 rate_limited" if self.retry_after else "503",
            )
        self.accepted.append((notification.topic, notification.ref, notification.recipient))
        self.delivered_ids.append(notification.notification_id)
        return Delivery(ok=True, ref=f"C1:{len(self.accepted)}")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def store(db_url: str, clock: Clock) -> AsyncIterator[SqlEscalationStore]:
    async with SqlEscalationStore(db_url, clock=clock) as opened:
        yield opened


async def escalate(
    store: SqlEscalationStore, incident: str = "in_1", level: Role = Role.LEAD
) -> EscalationRecord:
    return await store.raise_escalation(
        org="hotel",
        platform="slack",
        kind="situation",
        reasons=("review",),
        summary="guest threatening a one-star review",
        raised_by="U_SAM",
        level=level,
        incident_id=incident,
    )


def paused_on(clock: Clock) -> InProcessState:
    """Shared state whose pauses run on the test's clock."""
    return InProcessState(clock=lambda: clock().timestamp())


def worker(store: SqlEscalationStore, platform: FakePlatform, clock: Clock) -> OutboxWorker:
    return OutboxWorker(store, platform, clock=clock, rng=random.Random(7), state=paused_on(clock))


async def posted(store: SqlEscalationStore, clock: Clock) -> None:
    """Deliver what is queued (the opening cards), as the outbox would."""
    await worker(store, FakePlatform(), clock).run_once()


async def test_delivers_then_edits_the_same_message(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store)
    await store.record_action("hotel", record.escalation_id, EscalationAction.ACKNOWLEDGE, "U_M")
    platform = FakePlatform()
    w = worker(store, platform, clock)
    assert await w.run_once() == 1  # the update waits for the opening message
    assert await w.run_once() == 1
    assert platform.accepted == [(OPENED, None, None), (UPDATED, "C1:1", None)]
    assert await w.run_once() == 0
    assert await store.pending_notifications() == []


async def test_retries_with_exponential_backoff_and_full_jitter(
    store: SqlEscalationStore, clock: Clock
) -> None:
    await escalate(store)
    platform = FakePlatform(failures=3)
    w = worker(store, platform, clock)  # seeded: the same jitter as ``expected`` below
    rng = random.Random(7)
    expected = [backoff_delay(n, rng) for n in range(3)]
    assert await w.run_once() == 0
    for attempt, delay in enumerate(expected, start=1):
        (pending,) = await store.pending_notifications()
        assert pending.attempts == attempt
        assert delay <= 2 * 2 ** (attempt - 1)  # the exponential ceiling
        clock.advance(seconds=delay - 0.01)
        assert await w.run_once() == 0
        assert len(platform.attempts) == attempt  # too early: not even tried
        clock.advance(seconds=0.01)
        assert await w.run_once() == (1 if attempt == 3 else 0)
        assert len(platform.attempts) == attempt + 1
    assert await store.pending_notifications() == []


def test_backoff_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(40)]
    assert all(0 <= d <= MAX_DELAY for d in delays)
    assert max(delays[20:]) > MAX_DELAY / 4  # grows to the cap…
    assert len(set(delays)) == len(delays)  # …and never in lockstep


async def test_honours_retry_after(store: SqlEscalationStore, clock: Clock) -> None:
    await escalate(store)
    platform = FakePlatform(failures=1, retry_after=30)
    w = worker(store, platform, clock)
    assert await w.run_once() == 0
    clock.advance(seconds=29)
    assert await w.run_once() == 0
    assert len(platform.attempts) == 1  # not before the platform said
    clock.advance(seconds=1)
    assert await w.run_once() == 1


async def test_a_notifier_exception_is_a_retry_not_a_crash(
    store: SqlEscalationStore, clock: Clock
) -> None:
    await escalate(store)
    platform = FakePlatform(failures=1, raises=True)
    w = worker(store, platform, clock)
    assert await w.run_once() == 0
    (pending,) = await store.pending_notifications()
    assert pending.attempts == 1
    clock.advance(seconds=MAX_DELAY)
    assert await w.run_once() == 1


async def test_permanent_failure_stops_retrying_and_logs_loudly(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store)
    platform = FakePlatform(failures=99, permanent=True)
    w = worker(store, platform, clock)
    with capture_logs() as logs:
        assert await w.run_once() == 0
    errors = [e for e in logs if e["log_level"] == "error"]
    assert errors[0]["event"] == "outbox.undeliverable"
    assert errors[0]["escalation_id"] == record.escalation_id
    clock.advance(hours=2)
    assert await w.run_once() == 0
    assert len(platform.attempts) == 1
    assert await store.pending_notifications() == []


async def test_delivery_survives_a_restart(db_url: str, clock: Clock) -> None:
    first = SqlEscalationStore(db_url, clock=clock)
    await first.open()
    await escalate(first, "a")
    await escalate(first, "b")
    down = FakePlatform(failures=99)
    assert await worker(first, down, clock).run_once() == 0
    await first.close()  # the process dies with both undelivered
    clock.advance(minutes=10)
    async with SqlEscalationStore(db_url, clock=clock) as restarted:
        up = FakePlatform()
        assert await worker(restarted, up, clock).run_once() == 2
        assert [t for t, _, _ in up.accepted] == [OPENED, OPENED]


@pytest.mark.postgres
async def test_two_workers_on_one_postgres_never_deliver_twice(
    postgres_url: str, clock: Clock
) -> None:
    stores = [SqlEscalationStore(postgres_url, clock=clock) for _ in range(2)]
    for s in stores:
        await s.open()
    try:
        for i in range(30):
            await escalate(stores[0], f"in_{i}")
        # One platform shared by both processes, slow enough that their batches overlap.
        platform = FakePlatform(delay=0.005)
        workers = [
            OutboxWorker(s, platform, clock=clock, rng=random.Random(i), batch=4)
            for i, s in enumerate(stores)
        ]

        async def drain(w: OutboxWorker) -> int:
            total = 0
            while delivered := await w.run_once():
                total += delivered
            return total

        counts = await asyncio.gather(*(drain(w) for w in workers for _ in range(3)))
        assert sum(counts) == 30
        assert Counter(platform.delivered_ids).most_common(1)[0][1] == 1
        assert len(set(platform.delivered_ids)) == 30
    finally:
        for s in stores:
            await s.close()


async def test_run_forever_delivers_and_stops(store: SqlEscalationStore, clock: Clock) -> None:
    await escalate(store)
    platform = FakePlatform()
    w = OutboxWorker(store, platform, clock=clock, poll_interval=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run_forever(stop))
    for _ in range(200):
        if platform.accepted:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert platform.accepted == [(OPENED, None, None)]


async def test_unacknowledged_are_renotified_then_move_one_role_up(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store, level=Role.LEAD)
    await posted(store, clock)
    monitor = EscalationMonitor(
        store, renotify_after=timedelta(minutes=10), max_renotify_per_level=1, clock=clock
    )
    assert await monitor.run_once() == 0  # not yet overdue
    seen = []
    for _ in range(7):
        clock.advance(minutes=10)
        assert await monitor.run_once() == 1
        assert await monitor.run_once() == 0  # once per period, however often it runs
        current = await store.get("hotel", record.escalation_id)
        assert current is not None
        seen.append(current.level)
    assert seen == [
        Role.LEAD,  # reminded at the same level…
        Role.MANAGER,  # …then one role up
        Role.MANAGER,
        Role.ADMIN,
        Role.ADMIN,
        Role.ADMIN,  # admin stays admin
        Role.ADMIN,
    ]
    topics = [n.topic for n in await store.pending_notifications()]
    assert topics == [RENOTIFY] * 7
    await store.record_action("hotel", record.escalation_id, EscalationAction.ACKNOWLEDGE, "U_A")
    clock.advance(hours=1)
    assert await monitor.run_once() == 0


async def test_without_reminders_the_level_moves_up_each_period(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store, level=Role.LEAD)
    await posted(store, clock)
    monitor = EscalationMonitor(
        store, renotify_after=timedelta(minutes=5), max_renotify_per_level=0, clock=clock
    )
    clock.advance(minutes=5)
    assert await monitor.run_once() == 1
    moved = await store.get("hotel", record.escalation_id)
    assert moved is not None
    assert moved.level is Role.MANAGER


# -- outages: 429s, a platform that does not answer, and recovery ---------------------


class Workspace:
    """A platform whose answer the test switches: "up", "429" (Retry-After 1) or "500".

    Records every call with the test clock's time, and what it accepted, in order.
    """

    platform = "slack"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.mode = "up"
        self.calls: list[tuple[datetime, str]] = []
        self.accepted: list[tuple[datetime, str, str]] = []  # (when, topic, escalation)

    def scopes(self, notification: Notification) -> tuple[str, ...]:
        return ("chat.update",) if notification.topic == UPDATED else ("chat.postMessage",)

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        now = self.clock()
        self.calls.append((now, self.mode))
        if self.mode == "429":
            method = self.scopes(notification)[0]
            return Delivery(
                ok=False, retry_after=1.0, scope=method, error="Slack answered 429 (ratelimited)"
            )
        if self.mode == "500":
            return Delivery(ok=False, unavailable=True, error="Slack answered 500")
        self.accepted.append((now, notification.topic, notification.escalation_id))
        return Delivery(ok=True, ref=f"C1:{notification.escalation_id}")


async def test_a_429_pauses_the_method_for_everyone_and_is_not_a_failed_attempt(
    store: SqlEscalationStore, clock: Clock
) -> None:
    for i in range(3):
        await escalate(store, f"in_{i}")
        clock.advance(milliseconds=1)
    slack = Workspace(clock)
    slack.mode = "429"
    shared = paused_on(clock)
    first, second = (
        OutboxWorker(store, slack, clock=clock, rng=random.Random(i), state=shared)
        for i in range(2)
    )
    assert await first.run_once() == 0
    assert len(slack.calls) == 1  # one 429: the rest waited without a call
    assert await second.run_once() == 0  # another process honours the same pause
    assert len(slack.calls) == 1
    assert {n.attempts for n in await store.pending_notifications()} == {0}
    clock.advance(seconds=0.9)
    assert await second.run_once() == 0 and len(slack.calls) == 1
    slack.mode = "up"
    clock.advance(seconds=0.1)
    assert await second.run_once() == 3
    assert [e for _, _, e in slack.accepted] == [
        n.escalation_id for n in await store.list("hotel")
    ]  # oldest first


async def test_after_429s_and_500s_everything_queued_goes_out_within_seconds_in_order(
    store: SqlEscalationStore, clock: Clock
) -> None:
    slack = Workspace(clock)
    shared = paused_on(clock)
    workers = [
        OutboxWorker(store, slack, clock=clock, rng=random.Random(i), state=shared)
        for i in range(2)
    ]
    # Two cards posted before the outage.
    early = [await escalate(store, f"early_{i}") for i in range(2)]
    for w in workers:
        await w.run_once()
    assert len(slack.accepted) == 2

    async def tick(seconds: float) -> None:
        clock.advance(seconds=seconds)
        for w in workers:
            await w.run_once()

    started = clock()
    slack.mode = "429"
    opened: list[EscalationRecord] = []
    for second in range(20):  # 10 s of 429s, then 10 s of 500s, in 0.25 s steps
        if second == 10:
            slack.mode = "500"
        opened.append(await escalate(store, f"during_{second}"))
        if second == 0:  # a manager acknowledges an early card: its update waits too
            await store.record_action(
                "hotel", early[0].escalation_id, EscalationAction.ACKNOWLEDGE, "U_M"
            )
        for _ in range(4):
            await tick(0.25)
    during_429 = [t for t, mode in slack.calls if mode == "429"]
    during_500 = [t for t, mode in slack.calls if mode == "500"]
    # During the 429s (Retry-After: 1) one call a second per method (post, update),
    # however many workers and messages; during the 500s one probe every few seconds.
    assert len(during_429) <= 2 * 10 + 2
    assert len(during_500) <= 10
    # Only the probing message counted attempts; the 429s counted none.
    attempts = sorted(n.attempts for n in await store.pending_notifications())
    assert attempts[-2] == 0 and attempts[-1] <= 8
    assert slack.accepted[2:] == []

    recovered = clock()
    slack.mode = "up"
    while await store.pending_notifications():
        await tick(0.25)
        assert clock() - recovered <= timedelta(seconds=OUTAGE_MAX_DELAY + 1), "too slow"
    after = slack.accepted[2:]
    # Cards and card updates are equally urgent: oldest first.
    topics = [t for _, t, _ in after]
    assert topics.count(UPDATED) == 1 and topics.count(OPENED) == 20
    opened_order = [e for _, t, e in after if t == OPENED]
    assert opened_order == [r.escalation_id for r in opened]
    assert started < recovered


async def test_card_updates_go_before_reminders(store: SqlEscalationStore, clock: Clock) -> None:
    slack = Workspace(clock)
    w = OutboxWorker(store, slack, clock=clock, state=paused_on(clock))
    first, second = await escalate(store, "a"), await escalate(store, "b")
    await w.run_once()
    monitor = EscalationMonitor(store, renotify_after=timedelta(minutes=10), clock=clock)
    clock.advance(minutes=10)
    assert await monitor.run_once() == 2  # two reminders queued…
    await store.record_action("hotel", second.escalation_id, EscalationAction.ACKNOWLEDGE, "U_M")
    assert await w.run_once() == 3  # …then an update, which still goes first
    sent = [(t, e) for _, t, e in slack.accepted[2:]]
    assert sent[0] == (UPDATED, second.escalation_id)
    # The two reminders were queued in one pass, at one moment: either may go first.
    assert sorted(sent[1:]) == sorted(
        [(RENOTIFY, first.escalation_id), (RENOTIFY, second.escalation_id)]
    )


async def test_a_card_never_posted_is_not_reminded_of_nor_moved_up(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store, level=Role.LEAD)
    monitor = EscalationMonitor(
        store, renotify_after=timedelta(minutes=10), max_renotify_per_level=0, clock=clock
    )
    clock.advance(minutes=30)  # the platform was down all this time
    assert await monitor.run_once() == 0
    still = await store.get("hotel", record.escalation_id)
    assert still is not None and still.level is Role.LEAD and still.notified_count == 1
    await posted(store, clock)  # posted at last: its ten minutes start now
    clock.advance(minutes=9)
    assert await monitor.run_once() == 0
    clock.advance(minutes=1)
    assert await monitor.run_once() == 1
    moved = await store.get("hotel", record.escalation_id)
    assert moved is not None and moved.level is Role.MANAGER


async def test_redis_shares_a_pause_between_processes(
    store: SqlEscalationStore, clock: Clock, redis_url: str
) -> None:
    from bot.state import open_state

    await escalate(store, "a")
    await escalate(store, "b")
    states = [open_state(redis_url), open_state(redis_url)]  # one per process
    for state in states:
        await state.open()
    try:
        slack = Workspace(clock)
        slack.mode = "429"
        a, b = (OutboxWorker(store, slack, clock=clock, state=s) for s in states)
        assert await a.run_once() == 0
        assert 0.5 < await states[1].paused_for("outbox:pause:slack:hotel:chat.postMessage") <= 1
        clock.advance(seconds=2)  # the store's clock says due; Redis says still paused
        assert await b.run_once() == 0
        assert len(slack.calls) == 1
    finally:
        for state in states:
            await state.close()
