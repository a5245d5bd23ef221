"""Redis-backed shared state, so every ``coachbot serve`` process sees the same incidents,
de-duplication keys and rate limits.

Keys: ``{prefix}:{org}:incident:{user}``, ``{prefix}:seen:{key}``, ``{prefix}:rate:{key}``,
``{prefix}:pause:{key}``.
Every operation is a single atomic Redis command or Lua script, so concurrent processes
never race. A Redis that is down or unreachable raises ``StorageUnavailable`` within about
a second; whether to degrade is the caller's decision.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.db import display_url
from bot.errors import StorageUnavailable
from bot.state import check_rate, check_ttl

DEFAULT_TIMEOUT_SECONDS = 1.0

# Sliding-window log in one script, so "count, then record" cannot interleave between
# processes. Redis's own clock (TIME) is used so processes with skewed clocks agree.
# Milliseconds keep scores within the 14 significant digits Lua prints numbers with.
# Only allowed uses are recorded, so a key holds at most `limit` members.
_ALLOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


# Keep the longer of the pause already set and the new one, atomically.
_PAUSE_LUA = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 1
"""


def _escape(part: str) -> str:
    # An org containing ':' could otherwise forge another org's key ("a:incident:x").
    return part.replace("%", "%25").replace(":", "%3A")


@contextmanager
def _unavailable_on_connection_errors(where: str) -> Iterator[None]:
    """Turn connection trouble into StorageUnavailable; other Redis errors are bugs.

    ``where`` is the Redis URL with any password masked: it goes into ``detail`` (for the
    operator and the logs), never into the line a person sees in chat.
    """
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        said = (str(exc).strip().splitlines() or [""])[0]
        reason = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
        if len(reason) > 160:
            reason = reason[:157] + "…"
        raise StorageUnavailable(
            "The coach's short-term memory is unavailable right now, so nothing was "
            "recorded. Please try again in a minute.",
            detail=f"shared state (Redis) is unavailable ({where}): {reason}",
        ) from exc


class RedisState:
    """``SharedState`` on Redis. Cheap to construct; connects on first use."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "coachbot",
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._prefix = prefix
        self._where = display_url(url)  # for operator-facing detail: password masked
        self._client: aioredis.Redis = aioredis.from_url(
            url,
            # Fail fast: a request must be acknowledged to Slack within 3 s.
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # One immediate retry on a dropped connection (e.g. after a Redis restart,
            # a pooled socket is dead), none on a timeout, which would only double it.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self._allow_script = self._client.register_script(_ALLOW_LUA)
        self._pause_script = self._client.register_script(_PAUSE_LUA)

    def _incident_key(self, org: str, user_id: str) -> str:
        return f"{self._prefix}:{_escape(org)}:incident:{user_id}"

    async def open(self) -> None:
        """Check that Redis answers, so a misconfigured URL shows at start-up."""
        with _unavailable_on_connection_errors(self._where):
            await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()

    async def ping(self) -> bool:
        """For health checks: False (never an exception) when Redis does not answer."""
        try:
            with _unavailable_on_connection_errors(self._where):
                return bool(await self._client.ping())
        except StorageUnavailable:
            return False

    async def get_incident(self, org: str, user_id: str) -> dict[str, Any] | None:
        with _unavailable_on_connection_errors(self._where):
            raw = await self._client.get(self._incident_key(org, user_id))
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def put_incident(
        self, org: str, user_id: str, incident: dict[str, Any], ttl_seconds: int
    ) -> None:
        check_ttl(ttl_seconds)
        raw = json.dumps(incident, separators=(",", ":"))
        with _unavailable_on_connection_errors(self._where):
            await self._client.set(self._incident_key(org, user_id), raw, ex=ttl_seconds)

    async def clear_incident(self, org: str, user_id: str) -> None:
        with _unavailable_on_connection_errors(self._where):
            await self._client.delete(self._incident_key(org, user_id))

    async def first_seen(self, key: str, ttl_seconds: int) -> bool:
        check_ttl(ttl_seconds)
        # SET NX is atomic on the server: exactly one caller, in any process, gets OK.
        with _unavailable_on_connection_errors(self._where):
            created = await self._client.set(
                f"{self._prefix}:seen:{key}", b"1", nx=True, ex=ttl_seconds
            )
        return bool(created)

    async def pause(self, key: str, seconds: float) -> None:
        ms = int(seconds * 1000)
        if ms <= 0:
            return
        with _unavailable_on_connection_errors(self._where):
            await self._pause_script(keys=[f"{self._prefix}:pause:{key}"], args=[ms])

    async def paused_for(self, key: str) -> float:
        with _unavailable_on_connection_errors(self._where):
            left = await self._client.pttl(f"{self._prefix}:pause:{key}")
        return max(0, int(left)) / 1000  # -2: no such key, -1: no expiry (never set so)

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        check_rate(limit, window_seconds)
        # A random member keeps two uses in the same millisecond from merging into one.
        args: list[int | str] = [limit, window_seconds * 1000, uuid.uuid4().hex]
        with _unavailable_on_connection_errors(self._where):
            allowed = await self._allow_script(keys=[f"{self._prefix}:rate:{key}"], args=args)
        return bool(allowed)
