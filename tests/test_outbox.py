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
from bot.outbox import MAX_DELAY, EscalationMonitor, OutboxWorker, backoff_delay
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


def worker(store: SqlEscalationStore, platform: FakePlatform, clock: Clock) -> OutboxWorker:
    return OutboxWorker(store, platform, clock=clock, rng=random.Random(7))


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
    assert topics == [OPENED] + [RENOTIFY] * 7
    await store.record_action("hotel", record.escalation_id, EscalationAction.ACKNOWLEDGE, "U_A")
    clock.advance(hours=1)
    assert await monitor.run_once() == 0


async def test_without_reminders_the_level_moves_up_each_period(
    store: SqlEscalationStore, clock: Clock
) -> None:
    record = await escalate(store, level=Role.LEAD)
    monitor = EscalationMonitor(
        store, renotify_after=timedelta(minutes=5), max_renotify_per_level=0, clock=clock
    )
    clock.advance(minutes=5)
    assert await monitor.run_once() == 1
    moved = await store.get("hotel", record.escalation_id)
    assert moved is not None
    assert moved.level is Role.MANAGER
