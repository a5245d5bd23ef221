"""In-process shared state: the default for a laptop or a single ``coachbot`` process.

Every public method runs without awaiting anything in between reading and writing, so
under asyncio each is atomic; a ``threading.Lock`` also covers callers on other threads.
Memory stays bounded: expired entries go lazily (on access) and in a periodic sweep, and
each table has a size cap that evicts the least recently written entry.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from bot.state import check_rate, check_ttl

Clock = Callable[[], float]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_MAX_KEYS = 100_000
DEFAULT_SWEEP_SECONDS = 60.0


class _TtlMap(Generic[K, V]):
    """A size-capped map whose entries carry an absolute expiry on the injected clock."""

    def __init__(self, max_keys: int) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        self._max_keys = max_keys
        # Insertion order = write order, so the first item is the one to evict.
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K, now: float) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= now:
            del self._items[key]
            return None
        return item[1]

    def set(self, key: K, value: V, expires_at: float) -> None:
        self._items[key] = (expires_at, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max_keys:
            self._items.popitem(last=False)

    def delete(self, key: K) -> None:
        self._items.pop(key, None)

    def purge(self, now: float) -> None:
        # TTLs differ per entry, so expiry order is not write order: scan everything.
        dead = [key for key, (expires_at, _) in self._items.items() if expires_at <= now]
        for key in dead:
            del self._items[key]


class InProcessState:
    """``SharedState`` held in this process's memory (lost on restart, not shared)."""

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
        sweep_seconds: float = DEFAULT_SWEEP_SECONDS,
    ) -> None:
        # Monotonic, never wall-clock: a NTP step must not expire or revive entries.
        self._clock = clock
        self._max_keys = max_keys
        self._sweep_seconds = sweep_seconds
        self._next_sweep = clock() + sweep_seconds
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        # Incidents are stored as JSON text so callers get copies, and so a value that
        # would fail on Redis (not JSON-able) fails here too.
        self._incidents: _TtlMap[tuple[str, str], str] = _TtlMap(self._max_keys)
        self._seen: _TtlMap[str, bool] = _TtlMap(self._max_keys)
        # Sliding-window log: times of the allowed uses still inside the window.
        self._rates: _TtlMap[str, deque[float]] = _TtlMap(self._max_keys)
        self._pauses: _TtlMap[str, float] = _TtlMap(self._max_keys)  # key -> until

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        # Nothing survives a close, as nothing in memory survives a restart.
        with self._lock:
            self._reset()

    async def ping(self) -> bool:
        return True

    def _now(self) -> float:
        """Current time; sweeps every table when a sweep is due (caller holds the lock)."""
        now = self._clock()
        if now >= self._next_sweep:
            for table in (self._incidents, self._seen, self._rates, self._pauses):
                table.purge(now)
            self._next_sweep = now + self._sweep_seconds
        return now

    async def get_incident(self, org: str, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            raw = self._incidents.get((org, user_id), self._now())
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def put_incident(
        self, org: str, user_id: str, incident: dict[str, Any], ttl_seconds: int
    ) -> None:
        check_ttl(ttl_seconds)
        raw = json.dumps(incident, separators=(",", ":"))
        with self._lock:
            now = self._now()
            self._incidents.set((org, user_id), raw, now + ttl_seconds)

    async def clear_incident(self, org: str, user_id: str) -> None:
        with self._lock:
            self._incidents.delete((org, user_id))

    async def first_seen(self, key: str, ttl_seconds: int) -> bool:
        check_ttl(ttl_seconds)
        with self._lock:
            now = self._now()
            if self._seen.get(key, now):
                return False
            self._seen.set(key, True, now + ttl_seconds)
            return True

    async def pause(self, key: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            now = self._now()
            until = max(now + seconds, self._pauses.get(key, now) or now)
            self._pauses.set(key, until, until)

    async def paused_for(self, key: str) -> float:
        with self._lock:
            now = self._now()
            until = self._pauses.get(key, now)
        return 0.0 if until is None else max(0.0, until - now)

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        check_rate(limit, window_seconds)
        with self._lock:
            now = self._now()
            uses = self._rates.get(key, now) or deque()
            while uses and uses[0] <= now - window_seconds:
                uses.popleft()
            if len(uses) >= limit:
                return False
            uses.append(now)
            # The log is needed only until its newest use leaves the window.
            self._rates.set(key, uses, now + window_seconds)
            return True
