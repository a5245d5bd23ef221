"""Closing the loop: ask the employee how each incident ended, twice at most, then stop.

``OutcomePrompter`` runs like ``EscalationMonitor`` (in every ``serve`` process; the
store's conditional updates let only one of them act on an incident). An incident that
has been quiet for ``quiet`` gets an 'incident.outcome' message through the outbox; if
nobody answers within another ``quiet`` it is asked once more; after a further ``quiet``
it is recorded as 'unknown' and never asked again: the prompt must never nag.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from datetime import timedelta

import structlog

from bot.clock import Clock, utcnow
from bot.errors import StorageUnavailable
from bot.incidents import IncidentStore

log = structlog.get_logger(__name__)

MAX_ASKS = 2  # asked once, then once more; after that, 'unknown'


class OutcomePrompter:
    def __init__(
        self,
        store: IncidentStore,
        *,
        quiet: timedelta,
        platforms: Collection[str] | None = None,
        max_asks: int = MAX_ASKS,
        clock: Clock = utcnow,
        poll_interval: float = 30.0,
        batch: int = 100,
    ) -> None:
        if quiet <= timedelta(0):
            raise ValueError("the quiet period must be positive")
        if max_asks < 1:
            raise ValueError("ask at least once")
        self.store = store
        self.quiet = quiet
        # Only platforms with a running outbox worker can carry the question; incidents
        # from elsewhere (the console, a platform switched off) go straight to 'unknown'
        # after the same wait rather than piling up undeliverable messages.
        self.platforms = None if platforms is None else frozenset(platforms)
        self.max_asks = max_asks
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch = batch

    async def run_once(self) -> tuple[int, int]:
        """Ask or expire everything due now; returns (asked, recorded as unknown)."""
        now = self.clock()
        asked = expired = 0
        for incident in await self.store.awaiting_outcome(now - self.quiet, self.batch):
            reachable = self.platforms is None or incident.platform in self.platforms
            if reachable and incident.prompts_sent < self.max_asks:
                done = await self.store.prompt(
                    incident.org, incident.incident_id, asked=incident.prompts_sent, at=now
                )
                if done is not None:
                    asked += 1
                    log.info(
                        "incident.outcome_asked",
                        incident_id=incident.incident_id,
                        org=incident.org,
                        ask=done.prompts_sent,
                    )
            else:
                done = await self.store.expire(
                    incident.org, incident.incident_id, asked=incident.prompts_sent, at=now
                )
                if done is not None:
                    expired += 1
                    log.info(
                        "incident.outcome_unknown",
                        incident_id=incident.incident_id,
                        org=incident.org,
                    )
        return asked, expired

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except StorageUnavailable as exc:
                log.warning("outcomes.storage_unavailable", error=exc.detail)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval)
