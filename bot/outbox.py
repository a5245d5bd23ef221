"""Durable sending: the outbox worker that delivers stored notifications, and the monitor
that re-notifies unacknowledged escalations and moves them up a role.

Both are plain loops over the ``EscalationStore``; any number of processes may run them
side by side (the store's claims and conditional updates keep them from colliding).
One ``OutboxWorker`` runs per platform, with that platform's ``Notifier``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog

from bot import metrics
from bot.clock import Clock, utcnow
from bot.errors import StorageUnavailable
from bot.escalations import Delivery, EscalationStore, Notifier, is_message
from bot.models import EscalationRecord, Notification, Role

log = structlog.get_logger(__name__)

BASE_DELAY = 2.0  # seconds before the first retry (on average half of it, with jitter)
MAX_DELAY = 300.0  # never wait more than 5 minutes between attempts of our own choosing
MAX_RETRY_AFTER = 3600.0  # a platform asking for more than an hour is treated as an hour


def backoff_delay(
    attempts: int, rng: random.Random, *, base: float = BASE_DELAY, cap: float = MAX_DELAY
) -> float:
    """Full jitter (uniform between 0 and the exponential ceiling): workers that failed
    together do not retry together and hammer a recovering platform in step."""
    ceiling = min(cap, base * 2 ** min(attempts, 30))
    return rng.uniform(0, ceiling)


class OutboxWorker:
    """Claims due notifications for ``notifier.platform`` and delivers them, retrying."""

    def __init__(
        self,
        store: EscalationStore,
        notifier: Notifier,
        *,
        clock: Clock = utcnow,
        poll_interval: float = 1.0,
        batch: int = 20,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch = batch
        self.rng = rng or random.Random()

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many the platform accepted."""
        due = await self.store.due_notifications(self.notifier.platform, self.clock(), self.batch)
        delivered = 0
        # One at a time, in order: platforms rate-limit per channel (Slack ~1/s), and an
        # update must not overtake the message it edits.
        for notification in due:
            if await self._deliver(notification):
                delivered += 1
        return delivered

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set; a database outage is logged and waited out."""
        while not stop.is_set():
            try:
                delivered = await self.run_once()
            except StorageUnavailable as exc:
                log.warning("outbox.storage_unavailable", error=exc.detail)
                delivered = 0
            if delivered:
                continue  # there may be more waiting: do not sleep on a backlog
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval)

    async def _deliver(self, notification: Notification) -> bool:
        escalation: EscalationRecord | None = None
        send: Callable[[Notification], Awaitable[Delivery]] | None = None
        if is_message(notification.topic):
            # Not about an escalation: the payload carries what to say.
            send = getattr(self.notifier, "deliver_message", None)
            if send is None:
                await self._give_up(
                    notification, f"{self.notifier.platform} cannot send {notification.topic}"
                )
                return False
        else:
            escalation = await self.store.get(notification.org, notification.escalation_id)
            if escalation is None:  # cannot happen short of hand-editing: do not loop on it
                await self._give_up(notification, "the escalation no longer exists")
                return False
        try:
            if send is not None:
                result = await send(notification)
            else:
                assert escalation is not None
                result = await self.notifier.deliver(notification, escalation)
        except Exception as exc:  # a notifier bug or network error: retry, never crash
            result = Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")
        if result.ok:
            await self.store.delivered(notification.notification_id, result.ref)
            metrics.NOTIFICATIONS_DELIVERED.labels(platform=notification.platform).inc()
            return True
        error = result.error or "the platform refused the message"
        if result.permanent:
            await self._give_up(notification, error, escalation)
            return False
        if result.retry_after is not None:
            delay = min(max(result.retry_after, 0.0), MAX_RETRY_AFTER)
        else:
            delay = backoff_delay(notification.attempts, self.rng)
        retry_at = self.clock() + timedelta(seconds=delay)
        log.info(
            "outbox.retry",
            notification_id=notification.notification_id,
            topic=notification.topic,
            platform=notification.platform,
            attempts=notification.attempts + 1,
            retry_in=round(delay, 2),
            error=error,
        )
        await self.store.failed(notification.notification_id, retry_at, error)
        metrics.NOTIFICATION_RETRIES.labels(platform=notification.platform).inc()
        return False

    async def _give_up(
        self, notification: Notification, error: str, escalation: EscalationRecord | None = None
    ) -> None:
        # Loud on purpose: a manager was not told about an escalation, and a person
        # has to fix the configuration (channel, bot membership, token) and look at it.
        log.error(
            "outbox.undeliverable",
            notification_id=notification.notification_id,
            topic=notification.topic,
            platform=notification.platform,
            org=notification.org,
            escalation_id=notification.escalation_id,
            summary=None if escalation is None else escalation.summary,
            error=error,
        )
        await self.store.give_up(notification.notification_id, error)
        metrics.NOTIFICATIONS_UNDELIVERABLE.labels(platform=notification.platform).inc()


class EscalationMonitor:
    """Re-notifies open escalations nobody acknowledged, then moves them one role up.

    With ``max_renotify_per_level`` 1 and a 10-minute delay: opened to leads at 0, a
    reminder at 10, to managers at 20, a reminder at 30, to admins at 40, then reminders
    to admins every 10 minutes (there is nobody higher).
    """

    def __init__(
        self,
        store: EscalationStore,
        *,
        renotify_after: timedelta,
        max_renotify_per_level: int = 1,
        clock: Clock = utcnow,
        poll_interval: float = 30.0,
    ) -> None:
        if renotify_after <= timedelta(0):
            raise ValueError("renotify_after must be positive")
        if max_renotify_per_level < 0:
            raise ValueError("max_renotify_per_level must not be negative")
        self.store = store
        self.renotify_after = renotify_after
        self.max_renotify_per_level = max_renotify_per_level
        self.clock = clock
        self.poll_interval = poll_interval

    async def run_once(self) -> int:
        """Re-notify everything overdue; returns how many escalations were re-notified."""
        cutoff = self.clock() - self.renotify_after
        done = 0
        for escalation in await self.store.unacknowledged(cutoff):
            level = escalation.level
            if escalation.renotified_at_level >= self.max_renotify_per_level:
                level = level.next_up() or Role.ADMIN  # admin stays admin
            changed = await self.store.renotify(
                escalation.org, escalation.escalation_id, level, if_notified_before=cutoff
            )
            if changed is not None:
                done += 1
                log.info(
                    "escalation.renotified",
                    escalation_id=escalation.escalation_id,
                    org=escalation.org,
                    level=changed.level.value,
                    notified=changed.notified_count,
                )
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except StorageUnavailable as exc:
                log.warning("monitor.storage_unavailable", error=exc.detail)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval)
