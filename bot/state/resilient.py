"""Shared state that keeps the bot working while Redis is down.

Redis holds nothing that must survive: open incidents (minutes), de-duplication keys and
rate-limit windows. Losing it for a while must not stop staff being coached or spends
being recorded (those live in the database). So ``ResilientState`` wraps the Redis
backend and, when it raises ``StorageUnavailable``, serves every operation from an
in-process ``InProcessState`` instead:

* ``first_seen`` then de-duplicates only within this process: a Slack retry landing on
  another worker may be answered twice. Each such call logs ``degraded de-duplication``.
* incidents and rate limits are per process too (a warning says so once per outage).

While degraded, requests do not touch Redis at all (no timeout paid per request); one
background probe pings it every ``probe_interval`` seconds and switches back when it
answers. After recovery, incidents opened and keys marked during the outage are still
consulted in-process until they expire, so the person mid-incident keeps their context
and a retry of an event answered during the outage is still recognised here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog

from bot import metrics
from bot.errors import StorageUnavailable
from bot.state import SharedState
from bot.state.memory import InProcessState

T = TypeVar("T")
log = structlog.get_logger(__name__)

DEFAULT_PROBE_SECONDS = 2.0


class ResilientState:
    """``SharedState`` over ``primary`` (Redis) with an in-process fallback."""

    def __init__(
        self,
        primary: SharedState,
        *,
        fallback: SharedState | None = None,
        probe_interval: float = DEFAULT_PROBE_SECONDS,
    ) -> None:
        if probe_interval <= 0:
            raise ValueError("probe_interval must be positive")
        self.primary = primary
        self.fallback: SharedState = fallback if fallback is not None else InProcessState()
        self.probe_interval = probe_interval
        self._degraded = False
        # Once anything was served in-process, in-process entries are consulted as well
        # until they expire (see the module docstring).
        self._used_fallback = False
        self._probe: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def degraded(self) -> bool:
        return self._degraded

    # -- lifecycle -------------------------------------------------------------------

    async def open(self) -> None:
        """Start even when Redis is down: the bot runs degraded and recovers by itself."""
        self._closed = False
        await self.fallback.open()
        try:
            await self.primary.open()
        except StorageUnavailable as exc:
            self._enter_degraded("open", exc)

    async def close(self) -> None:
        self._closed = True
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        with contextlib.suppress(StorageUnavailable):
            await self.primary.close()
        await self.fallback.close()

    async def ping(self) -> bool:
        """Whether Redis answers now (readiness reports it; the bot works either way)."""
        ok = await self.primary.ping()
        if ok and self._degraded:
            self._recovered()
        return ok

    # -- SharedState -----------------------------------------------------------------

    async def get_incident(self, org: str, user_id: str) -> dict[str, Any] | None:
        found = await self._call(
            "get_incident",
            lambda s: s.get_incident(org, user_id),
        )
        if found is None and self._used_fallback and not self._degraded:
            # An incident opened during the outage lives only in this process.
            return await self.fallback.get_incident(org, user_id)
        return found

    async def put_incident(
        self, org: str, user_id: str, incident: dict[str, Any], ttl_seconds: int
    ) -> None:
        await self._call(
            "put_incident", lambda s: s.put_incident(org, user_id, incident, ttl_seconds)
        )
        if self._used_fallback and not self._degraded:
            # Redis has the newest copy now; an older in-process one must not resurface.
            await self.fallback.clear_incident(org, user_id)

    async def clear_incident(self, org: str, user_id: str) -> None:
        await self._call("clear_incident", lambda s: s.clear_incident(org, user_id))
        if self._used_fallback:
            await self.fallback.clear_incident(org, user_id)

    async def first_seen(self, key: str, ttl_seconds: int) -> bool:
        if self._degraded:
            return await self._degraded_first_seen(key, ttl_seconds)
        try:
            fresh = await self.primary.first_seen(key, ttl_seconds)
        except StorageUnavailable as exc:
            self._enter_degraded("first_seen", exc)
            return await self._degraded_first_seen(key, ttl_seconds)
        if self._used_fallback:
            # Marked here during the outage? Then it was answered already.
            local_fresh = await self.fallback.first_seen(key, ttl_seconds)
            fresh = fresh and local_fresh
        return fresh

    async def pause(self, key: str, seconds: float) -> None:
        await self._call("pause", lambda s: s.pause(key, seconds))

    async def paused_for(self, key: str) -> float:
        return await self._call("paused_for", lambda s: s.paused_for(key))

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        return await self._call("allow", lambda s: s.allow(key, limit, window_seconds))

    # -- internals -------------------------------------------------------------------

    async def _degraded_first_seen(self, key: str, ttl_seconds: int) -> bool:
        metrics.STATE_FALLBACKS.labels(operation="first_seen").inc()
        # Loud on purpose: across workers this key is no longer de-duplicated.
        log.warning("degraded de-duplication", key=key, scope="this process only")
        return await self.fallback.first_seen(key, ttl_seconds)

    async def _call(self, operation: str, work: Callable[[SharedState], Awaitable[T]]) -> T:
        if not self._degraded:
            try:
                return await work(self.primary)
            except StorageUnavailable as exc:
                self._enter_degraded(operation, exc)
        metrics.STATE_FALLBACKS.labels(operation=operation).inc()
        return await work(self.fallback)

    def _enter_degraded(self, operation: str, exc: StorageUnavailable) -> None:
        self._used_fallback = True
        if not self._degraded:
            self._degraded = True
            metrics.SHARED_STATE_DEGRADED.set(1)
            log.warning(
                "shared_state.degraded",
                operation=operation,
                error=exc.detail,
                effect="incidents, de-duplication and rate limits are per process until "
                "Redis answers again",
            )
        if self._probe is None or self._probe.done():
            # An empty context: the probe belongs to no request, so a graceful shutdown
            # draining request work does not wait for it, and its logs carry no request id.
            self._probe = asyncio.get_running_loop().create_task(
                self._probe_until_recovered(),
                name="shared-state-probe",
                context=contextvars.Context(),
            )

    def _recovered(self) -> None:
        self._degraded = False
        metrics.SHARED_STATE_DEGRADED.set(0)
        log.info("shared_state.recovered")

    async def _probe_until_recovered(self) -> None:
        while self._degraded and not self._closed:
            await asyncio.sleep(self.probe_interval)
            if await self.primary.ping():
                self._recovered()
                return
