"""Socket Mode: the same Bolt app, fed over a WebSocket that we open to Slack.

No public URL is needed (``SLACK_APP_TOKEN``, an ``xapp-`` app-level token with
``connections:write``). Slack's envelopes go through Bolt's ``AsyncSocketModeHandler``
into the very ``AsyncApp`` that serves ``POST /slack/events``, so listeners, acks and
authorization are the same in both transports.

A WebSocket can die without closing: a NAT or proxy drops the flow and neither side
hears a FIN. Two layers notice that:

1. slack_sdk's aiohttp ``SocketModeClient`` pings every ``ping_interval`` seconds and
   reconnects itself when no pong came back for four intervals;
2. ``SocketModeRunner``'s watchdog, independent of the SDK's monitor task, forces a new
   connection (a fresh ``apps.connections.open`` URL) when nothing — no pong, no
   envelope — has been heard for ``silence_limit`` seconds. It covers the SDK's monitor
   being stuck (a reconnect that hangs, a lock it could not take) and reconnects that
   fail: it keeps trying, each attempt bounded by ``connect_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSMessage
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)

PING_INTERVAL = 10.0  # Slack's own examples ping every 10 s
SILENCE_LIMIT = 60.0  # > 4 pings: the SDK's monitor normally acts first
CONNECT_TIMEOUT = 30.0  # apps.connections.open + the WebSocket handshake


class SocketModeRunner:
    """Runs one Socket Mode connection for ``app`` and keeps it alive until ``stop()``."""

    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        *,
        ping_interval: float = PING_INTERVAL,
        silence_limit: float = SILENCE_LIMIT,
        check_every: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        if silence_limit <= 0 or ping_interval <= 0:
            raise ValueError("ping_interval and silence_limit must be positive")
        self.app = app
        self.app_token = app_token
        self.ping_interval = ping_interval
        self.silence_limit = silence_limit
        self.check_every = check_every if check_every is not None else min(5.0, silence_limit / 4)
        self.connect_timeout = connect_timeout
        self.handler: AsyncSocketModeHandler | None = None
        self.connections = 0  # successful connects, the first included (for /metrics, tests)
        self.watchdog_reconnects = 0
        self._last_heard = 0.0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Begin connecting in the background: the HTTP side (health checks) must not
        wait for Slack to be reachable."""
        # The SDK client opens an aiohttp session and a task in its constructor, so it
        # is built here, inside the running loop.
        self.handler = AsyncSocketModeHandler(
            self.app, self.app_token, ping_interval=self.ping_interval
        )
        self.handler.client.on_message_listeners.append(self._heard)
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="slack-socket-mode")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.handler is not None:
            with contextlib.suppress(Exception):
                await self.handler.close_async()
            self.handler = None

    # -- the watchdog ------------------------------------------------------------------

    async def _heard(self, _: WSMessage) -> None:
        self._last_heard = time.time()

    def silent_for(self) -> float:
        """Seconds since the connection last proved alive (a pong or any message)."""
        assert self.handler is not None
        pong = self.handler.client.last_ping_pong_time or 0.0
        return time.time() - max(self._last_heard, pong)

    def is_connected(self) -> bool:
        if self.handler is None:
            return False
        session = self.handler.client.current_session
        return session is not None and not session.closed

    async def _connect(self) -> bool:
        assert self.handler is not None
        client = self.handler.client
        try:
            # force=True: a fresh URL from apps.connections.open even when the SDK still
            # believes the old session is fine (that belief is what we distrust).
            await asyncio.wait_for(client.connect_to_new_endpoint(force=True), self.connect_timeout)
        except Exception as exc:  # Slack down, bad token, DNS: log and try again later
            log.warning("slack socket mode: connecting failed: %s: %s", type(exc).__name__, exc)
            return False
        if not self.is_connected():
            return False
        self.connections += 1
        self._last_heard = time.time()
        log.info("slack socket mode: connected (%d connection(s) so far)", self.connections)
        return True

    async def _ping(self) -> None:
        assert self.handler is not None
        session = self.handler.client.current_session
        if session is None or session.closed:
            return
        # The SDK's receive loop records a pong carrying this payload format as
        # last_ping_pong_time, so this probe works even if the SDK's own pinger is stuck.
        with contextlib.suppress(Exception):
            await session.ping(f"sdk-ping-pong:{time.time()}".encode())

    async def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set() and not await self._connect():
            await self._sleep(delay)
            delay = min(delay * 2, 60.0)  # back off while Slack (or the network) is away
        while not self._stop.is_set():
            await self._sleep(self.check_every)
            if self._stop.is_set():
                return
            silent = self.silent_for()
            if self.is_connected() and silent < self.silence_limit:
                if silent > self.silence_limit / 2:
                    await self._ping()  # quiet for a while: ask before declaring it dead
                continue
            log.warning(
                "slack socket mode: nothing heard for %.0f s (connected=%s); reconnecting",
                silent,
                self.is_connected(),
            )
            self.watchdog_reconnects += 1
            await self._connect()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
