"""Durable sending: the outbox worker that delivers stored notifications, and the monitor
that re-notifies unacknowledged escalations and moves them up a role.

Both are plain loops over the ``EscalationStore``; any number of processes may run them
side by side (the store's claims and conditional updates keep them from colliding).
One ``OutboxWorker`` runs per platform, with that platform's ``Notifier``.

Outages are handled per workspace (organisation), and the pauses live in the shared
state (Redis when configured), so every process honours them:

* a 429 pauses that workspace's method for its ``Retry-After``; it is not a failed
  attempt, and what else is queued for that method waits without a call being made;
* the platform not answering (unreachable, 5xx) pauses the whole workspace for a short,
  capped back-off; one message probes when it ends, and the moment one gets through the
  rest follow, oldest first (cards and their updates before reminders);
* other errors back off per message, capped at a minute.

So after an outage everything queued goes out within seconds of the platform answering
again, and during one the platform sees about one call per pause per process.
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
from bot.state import SharedState
from bot.state.memory import InProcessState

log = structlog.get_logger(__name__)

BASE_DELAY = 2.0  # seconds before the first retry (on average half of it, with jitter)
MAX_DELAY = 60.0  # a message the platform refused (not an outage) waits at most a minute
# The platform not answering: the workspace waits 1, 2, 4… up to this many seconds (half
# of it at least), so queued messages go out within about this long of its recovery.
OUTAGE_BASE_DELAY = 1.0
OUTAGE_MAX_DELAY = 5.0
MAX_RETRY_AFTER = 3600.0  # a platform asking for more than an hour is treated as an hour
WORKSPACE = "*"  # the pause scope that holds every method of a workspace


def backoff_delay(
    attempts: int, rng: random.Random, *, base: float = BASE_DELAY, cap: float = MAX_DELAY
) -> float:
    """Full jitter (uniform between 0 and the exponential ceiling): workers that failed
    together do not retry together and hammer a recovering platform in step."""
    ceiling = min(cap, base * 2 ** min(attempts, 30))
    return rng.uniform(0, ceiling)


def outage_delay(attempts: int, rng: random.Random) -> float:
    """How long a workspace whose platform did not answer waits before the next probe:
    between half and all of 1, 2, 4… s, capped at ``OUTAGE_MAX_DELAY``."""
    ceiling = min(OUTAGE_MAX_DELAY, OUTAGE_BASE_DELAY * 2 ** min(attempts, 30))
    return rng.uniform(ceiling / 2, ceiling)


def pause_key(platform: str, org: str, scope: str) -> str:
    return f"outbox:pause:{platform}:{org}:{scope}"


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
        state: SharedState | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch = batch
        self.rng = rng or random.Random()
        # Where pauses are kept: the service's shared state (Redis: every process
        # honours them); without one, this process alone.
        self.state: SharedState = state if state is not None else InProcessState()

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

    def _scopes(self, notification: Notification) -> tuple[str, ...]:
        scopes = getattr(self.notifier, "scopes", None)
        named: tuple[str, ...] = scopes(notification) if scopes is not None else ()
        return (WORKSPACE, *named)

    async def _paused_for(self, notification: Notification) -> float:
        """Seconds until ``notification`` may be sent: the longest pause among the
        workspace's and those of the methods it will call."""
        platform, org = notification.platform, notification.org
        waits = [
            await self.state.paused_for(pause_key(platform, org, scope))
            for scope in self._scopes(notification)
        ]
        return max(waits)

    async def _postpone(self, notification: Notification, delay: float, why: str) -> None:
        # Not an attempt: nothing was sent, or the platform only asked us to wait.
        await self.store.postpone(
            notification.notification_id, self.clock() + timedelta(seconds=delay), why
        )

    async def _deliver(self, notification: Notification) -> bool:
        paused = await self._paused_for(notification)
        if paused > 0:
            await self._postpone(notification, paused, "waiting: the workspace is paused")
            return False
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
        platform, org = notification.platform, notification.org
        if result.retry_after is not None:
            # Rate limited: the whole method waits, in every process, and this message
            # has not failed (its attempts stay as they were).
            delay = min(max(result.retry_after, 0.0), MAX_RETRY_AFTER)
            scope = result.scope or WORKSPACE
            await self.state.pause(pause_key(platform, org, scope), delay)
            log.info(
                "outbox.rate_limited",
                org=org,
                platform=platform,
                scope=scope,
                retry_in=round(delay, 2),
            )
            metrics.NOTIFICATION_RETRIES.labels(platform=platform).inc()
            await self._postpone(notification, delay, error)
            return False
        if result.unavailable:
            delay = outage_delay(notification.attempts, self.rng)
            await self.state.pause(pause_key(platform, org, WORKSPACE), delay)
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
