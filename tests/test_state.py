"""One behavioural suite for both shared-state backends, plus backend-specific checks.

The in-process backend runs on a fake clock (no sleeping); Redis runs on a real server
(DB 15, flushed per test) with 1-second TTLs and short sleeps, since Redis keeps time itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.errors import StorageUnavailable
from bot.state import SharedState, open_state
from bot.state.memory import InProcessState
from bot.state.redis import RedisState
from bot.state.resilient import ResilientState

DEAD_REDIS = "redis://127.0.0.1:1/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    state: SharedState
    # Let `seconds` pass as the backend sees time: the fake clock, or a real sleep.
    advance: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend_url(request: pytest.FixtureRequest) -> str:
    # Sync on purpose: it asks for the async `redis_url` fixture only when needed.
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return ""


@pytest.fixture
async def backend(backend_url: str) -> AsyncIterator[Backend]:
    if not backend_url:
        clock = FakeClock()

        async def tick(seconds: float) -> None:
            clock.now += seconds

        memory = InProcessState(clock=clock)
        await memory.open()
        yield Backend(memory, tick)
        await memory.close()
        return

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)

    redis_state = RedisState(backend_url)
    await redis_state.open()
    yield Backend(redis_state, sleep)
    await redis_state.close()


INCIDENT = {"playbook": "angry-customer", "step": 1, "spent": {"amount": 4800, "ccy": "GBP"}}


# ---- incidents -------------------------------------------------------------------------


async def test_incident_round_trip(backend: Backend) -> None:
    state = backend.state
    assert await state.get_incident("org1", "U1") is None
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=60)
    assert await state.get_incident("org1", "U1") == INCIDENT
    assert await state.get_incident("org1", "U2") is None


async def test_incident_is_a_copy(backend: Backend) -> None:
    notes = ["cold"]
    incident: dict[str, Any] = {"playbook": "wrong-order", "notes": notes}
    await backend.state.put_incident("org1", "U1", incident, ttl_seconds=60)
    notes.append("changed after put")
    got = await backend.state.get_incident("org1", "U1")
    assert got == {"playbook": "wrong-order", "notes": ["cold"]}


async def test_incident_replace(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=60)
    await state.put_incident("org1", "U1", {"playbook": "billing-dispute"}, ttl_seconds=60)
    assert await state.get_incident("org1", "U1") == {"playbook": "billing-dispute"}


async def test_incident_expires(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=1)
    assert await state.get_incident("org1", "U1") == INCIDENT
    await backend.advance(1.2)
    assert await state.get_incident("org1", "U1") is None


async def test_incident_put_renews_ttl(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=2)
    await backend.advance(1.2)
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=2)
    await backend.advance(1.2)
    assert await state.get_incident("org1", "U1") == INCIDENT


async def test_incident_clear(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("org1", "U1", INCIDENT, ttl_seconds=60)
    await state.clear_incident("org1", "U1")
    assert await state.get_incident("org1", "U1") is None
    await state.clear_incident("org1", "U1")  # clearing nothing is fine


async def test_orgs_are_isolated(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("hotel", "U1", {"playbook": "angry-customer"}, ttl_seconds=60)
    await state.put_incident("cafe", "U1", {"playbook": "wrong-order"}, ttl_seconds=60)
    assert await state.get_incident("hotel", "U1") == {"playbook": "angry-customer"}
    assert await state.get_incident("cafe", "U1") == {"playbook": "wrong-order"}
    await state.clear_incident("hotel", "U1")
    assert await state.get_incident("cafe", "U1") == {"playbook": "wrong-order"}


async def test_org_with_separator_cannot_reach_another_org(backend: Backend) -> None:
    state = backend.state
    await state.put_incident("a", "incident:x", {"who": "a"}, ttl_seconds=60)
    assert await state.get_incident("a:incident", "x") is None


async def test_unserialisable_incident_is_refused(backend: Backend) -> None:
    with pytest.raises(TypeError):
        await backend.state.put_incident("org1", "U1", {"at": object()}, ttl_seconds=60)


async def test_bad_ttl_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        await backend.state.put_incident("org1", "U1", INCIDENT, ttl_seconds=0)
    with pytest.raises(ValueError, match="ttl_seconds"):
        await backend.state.first_seen("k", ttl_seconds=-1)


# ---- de-duplication --------------------------------------------------------------------


async def test_first_seen_true_once(backend: Backend) -> None:
    state = backend.state
    assert await state.first_seen("evt:Ev1", ttl_seconds=60) is True
    assert await state.first_seen("evt:Ev1", ttl_seconds=60) is False
    assert await state.first_seen("evt:Ev1", ttl_seconds=60) is False
    assert await state.first_seen("evt:Ev2", ttl_seconds=60) is True


async def test_first_seen_under_50_concurrent_callers(backend: Backend) -> None:
    results = await asyncio.gather(
        *(backend.state.first_seen("evt:retry-storm", ttl_seconds=60) for _ in range(50))
    )
    assert results.count(True) == 1


async def test_first_seen_again_after_ttl(backend: Backend) -> None:
    state = backend.state
    assert await state.first_seen("evt:Ev1", ttl_seconds=1) is True
    await backend.advance(1.2)
    assert await state.first_seen("evt:Ev1", ttl_seconds=1) is True


# ---- rate limiting ---------------------------------------------------------------------


async def test_allow_limit_then_refuse_until_window_passes(backend: Backend) -> None:
    state = backend.state
    assert [await state.allow("rl:U1", limit=3, window_seconds=1) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert await state.allow("rl:U2", limit=3, window_seconds=1) is True  # other key
    await backend.advance(1.2)
    assert [await state.allow("rl:U1", limit=3, window_seconds=1) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


async def test_allow_is_atomic_under_concurrency(backend: Backend) -> None:
    results = await asyncio.gather(
        *(backend.state.allow("rl:burst", limit=10, window_seconds=60) for _ in range(50))
    )
    assert results.count(True) == 10


async def test_allow_zero_limit_refuses_and_bad_window_raises(backend: Backend) -> None:
    assert await backend.state.allow("rl:none", limit=0, window_seconds=60) is False
    with pytest.raises(ValueError, match="window_seconds"):
        await backend.state.allow("rl:x", limit=1, window_seconds=0)


async def test_ping(backend: Backend) -> None:
    assert await backend.state.ping() is True


# ---- Redis only: several processes, failures -------------------------------------------


@pytest.mark.redis
async def test_two_processes_share_state(redis_url: str) -> None:
    first, second = RedisState(redis_url), RedisState(redis_url)
    try:
        await first.put_incident("org1", "U1", INCIDENT, ttl_seconds=60)
        assert await second.get_incident("org1", "U1") == INCIDENT

        # Slack's retries may land on different processes: exactly one handles the event.
        calls = [
            (first if i % 2 else second).first_seen("evt:Ev9", ttl_seconds=60) for i in range(50)
        ]
        assert (await asyncio.gather(*calls)).count(True) == 1

        rate = [
            (first if i % 2 else second).allow("rl:shared", limit=7, window_seconds=60)
            for i in range(40)
        ]
        assert (await asyncio.gather(*rate)).count(True) == 7
    finally:
        await first.close()
        await second.close()


@pytest.mark.redis
async def test_keys_are_namespaced_by_prefix(redis_url: str) -> None:
    import redis.asyncio as aioredis

    blue, green = RedisState(redis_url, prefix="blue"), RedisState(redis_url, prefix="green")
    raw = aioredis.from_url(redis_url)
    try:
        await blue.put_incident("org1", "U1", INCIDENT, ttl_seconds=60)
        assert await green.get_incident("org1", "U1") is None
        assert await blue.first_seen("evt:1", ttl_seconds=60) is True
        assert await green.first_seen("evt:1", ttl_seconds=60) is True
        assert await raw.exists("blue:org1:incident:U1") == 1
        assert 0 < await raw.ttl("blue:org1:incident:U1") <= 60
    finally:
        await blue.close()
        await green.close()
        await raw.aclose()


async def _assert_unavailable_fast(call: Awaitable[object], where: str = DEAD_REDIS) -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught:
        await call
    assert time.monotonic() - started < 3
    # The person's line: plain words, no URL, host or client error.
    assert str(caught.value) == (
        "The coach's short-term memory is unavailable right now, so nothing was recorded. "
        "Please try again in a minute."
    )
    # The operator's line (CLI, logs): which store, where, and the client's reason.
    detail = caught.value.detail
    assert detail.startswith(f"shared state (Redis) is unavailable ({where}): ")
    assert detail.removeprefix(f"shared state (Redis) is unavailable ({where}): ")
    assert "\n" not in detail and len(detail) < 300


async def test_redis_unreachable_raises_storage_unavailable_quickly() -> None:
    state = RedisState(DEAD_REDIS)
    try:
        await _assert_unavailable_fast(state.open())
        await _assert_unavailable_fast(state.get_incident("org1", "U1"))
        await _assert_unavailable_fast(state.put_incident("org1", "U1", INCIDENT, 60))
        await _assert_unavailable_fast(state.first_seen("evt:1", 60))
        await _assert_unavailable_fast(state.allow("rl:1", 1, 60))
        started = time.monotonic()
        assert await state.ping() is False
        assert time.monotonic() - started < 3
    finally:
        await state.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
        ("redis://coach:s3cret@127.0.0.1:1/2", "redis://coach:***@127.0.0.1:1/2"),
        ("redis://127.0.0.1:1/0?password=s3cret", "redis://127.0.0.1:1/0"),
    ],
)
async def test_redis_outage_detail_masks_the_password(url: str, shown: str) -> None:
    state = RedisState(url)
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await state.get_incident("org1", "U1")
    finally:
        await state.close()
    assert f"({shown}): " in caught.value.detail
    assert "s3cret" not in caught.value.detail and "s3cret" not in str(caught.value)


async def test_degraded_state_logs_where_redis_is() -> None:
    state = ResilientState(RedisState("redis://:s3cret@127.0.0.1:1/0"), probe_interval=60)
    with capture_logs() as logs:
        await state.open()  # starts degraded: the bot works on in-process state
    try:
        (degraded,) = [e for e in logs if e["event"] == "shared_state.degraded"]
        assert degraded["error"].startswith(
            "shared state (Redis) is unavailable (redis://:***@127.0.0.1:1/0): "
        )
        assert "s3cret" not in degraded["error"]
    finally:
        await state.close()


async def test_redis_that_never_answers_times_out() -> None:
    # Accepts connections and then says nothing: a hung server, not a refused port.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    state = RedisState(url, timeout_seconds=0.5)
    try:
        await _assert_unavailable_fast(state.get_incident("org1", "U1"), where=url)
    finally:
        await state.close()
        server.close()
        await server.wait_closed()


# ---- in-process only: bounded memory ---------------------------------------------------


async def test_memory_dedupe_cap_evicts_oldest() -> None:
    state = InProcessState(max_keys=3)
    for key in ("a", "b", "c", "d"):
        assert await state.first_seen(key, ttl_seconds=60) is True
    assert await state.first_seen("d", ttl_seconds=60) is False
    # "a" was evicted to stay within the cap, so it reads as new again.
    assert await state.first_seen("a", ttl_seconds=60) is True


async def test_memory_periodic_sweep_purges_untouched_keys() -> None:
    clock = FakeClock()
    state = InProcessState(clock=clock, sweep_seconds=10)
    for i in range(100):
        await state.first_seen(f"evt:{i}", ttl_seconds=5)
        await state.put_incident("org1", f"U{i}", INCIDENT, ttl_seconds=5)
        await state.allow(f"rl:{i}", limit=1, window_seconds=5)
    await state.put_incident("org1", "keeper", INCIDENT, ttl_seconds=600)
    clock.now += 11
    await state.ping()
    assert (len(state._seen), len(state._incidents), len(state._rates)) == (100, 101, 100)
    await state.first_seen("evt:trigger", ttl_seconds=5)  # any operation may sweep
    assert (len(state._seen), len(state._incidents), len(state._rates)) == (1, 1, 0)
    assert await state.get_incident("org1", "keeper") == INCIDENT


# ---- factory ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [None, "", "  "])
def test_open_state_defaults_to_in_process(url: str | None) -> None:
    assert isinstance(open_state(url), InProcessState)


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://h:6380/1", "unix:///tmp/redis.sock"]
)
async def test_open_state_picks_redis(url: str) -> None:
    state = open_state(url)
    assert isinstance(state, RedisState)
    await state.close()


def test_open_state_refuses_other_schemes_without_echoing_secrets() -> None:
    secret = uuid.uuid4().hex
    with pytest.raises(ValueError, match="redis://") as caught:
        open_state(f"http://user:{secret}@host/0")
    assert secret not in str(caught.value)


async def test_a_pause_counts_down_and_the_longer_one_wins(backend: Backend) -> None:
    state = backend.state
    assert await state.paused_for("outbox:pause:slack:T1:chat.postMessage") == 0.0
    await state.pause("outbox:pause:slack:T1:chat.postMessage", 2.0)
    await state.pause("outbox:pause:slack:T1:chat.postMessage", 0.5)  # shorter: ignored
    assert 1.5 < await state.paused_for("outbox:pause:slack:T1:chat.postMessage") <= 2.0
    assert await state.paused_for("outbox:pause:slack:T1:chat.update") == 0.0
    await backend.advance(2.1)
    assert await state.paused_for("outbox:pause:slack:T1:chat.postMessage") == 0.0
