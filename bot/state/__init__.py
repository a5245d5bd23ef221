"""Shared, short-lived state: each employee's open incident, de-duplication, rate limits,
and pauses (a platform's Retry-After, honoured by every process).

In-process by default; Redis when ``REDIS_URL`` is set so several processes share it.
``open_state(url)`` picks the backend; callers then ``await state.open()``.
"""

from __future__ import annotations

from typing import Any, Protocol

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SharedState(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def get_incident(self, org: str, user_id: str) -> dict[str, Any] | None:
        """The employee's open incident (a JSON-able dict), or None when expired/absent."""
        ...

    async def put_incident(
        self, org: str, user_id: str, incident: dict[str, Any], ttl_seconds: int
    ) -> None:
        """Store (replace) the open incident; it expires ``ttl_seconds`` after the last put."""
        ...

    async def clear_incident(self, org: str, user_id: str) -> None: ...

    async def first_seen(self, key: str, ttl_seconds: int) -> bool:
        """True exactly once per key within the TTL, across every process sharing the state."""
        ...

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        """Rate limit: True while ``key`` has been used fewer than ``limit`` times in the window."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """Mark ``key`` paused for ``seconds`` (a longer pause already set is kept)."""
        ...

    async def paused_for(self, key: str) -> float:
        """Seconds left of ``key``'s pause; 0.0 when it is not paused."""
        ...

    async def ping(self) -> bool: ...


def open_state(url: str | None, *, prefix: str = "coachbot") -> SharedState:
    """The backend for ``url``: empty/None → in-process; redis://, rediss://, unix:// → Redis.

    Nothing is connected yet: call ``await state.open()``. ``prefix`` namespaces Redis keys
    so several deployments can share one Redis.
    """
    # Imported here so that bot.state stays importable by both backends (they import the
    # helpers below) without a cycle, and the Redis client is only loaded when used.
    url = (url or "").strip()
    if not url:
        from bot.state.memory import InProcessState

        return InProcessState()
    if url.lower().startswith(REDIS_SCHEMES):
        from bot.state.redis import RedisState

        return RedisState(url, prefix=prefix)
    # Only the scheme is echoed: the rest of the URL may hold a password.
    scheme = url.split("://", 1)[0] if "://" in url else url[:10]
    raise ValueError(f"REDIS_URL must start with redis://, rediss:// or unix:// (got {scheme!r})")


def check_ttl(ttl_seconds: int) -> None:
    """Both backends refuse the same bad arguments (Redis itself rejects EX 0)."""
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")


def check_rate(limit: int, window_seconds: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    if window_seconds <= 0:
        raise ValueError(f"window_seconds must be positive, got {window_seconds}")
