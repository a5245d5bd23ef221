"""Shared, short-lived state: each employee's open incident, de-duplication, rate limits.

In-process by default; Redis when ``REDIS_URL`` is set so several processes share it.
"""

from __future__ import annotations

from typing import Any, Protocol


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

    async def ping(self) -> bool: ...
