"""``coachbot serve``: one aiohttp application for every HTTP platform.

Slack at ``POST /slack/events``, Teams at ``POST /api/messages``, plus ``/healthz``
(liveness), ``/readyz`` (database and Redis) and ``/metrics`` (Prometheus).

Stateless: everything shared lives in PostgreSQL and Redis, so any number of processes
can sit behind a load balancer and any of them can take any request. Each request gets an
id (``X-Request-Id``, reused from the caller when it is plain) that every log line of the
request carries, including the work Slack listeners do after they acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.keys import COACH_KEY, DATABASE_KEY, SETTINGS_KEY
from adapters.pulse import install_pulse
from bot import metrics
from bot.coach import Coach
from bot.database import Database
from bot.errors import StorageUnavailable
from bot.ledger.checkpoint import DailyCheckpoints, LedgerCheckpoints
from bot.logging import (
    REQUEST_ID_HEADER,
    bound_request,
    configure,
    current_request_id,
)
from bot.logging import new_request_id as make_request_id
from bot.outbox import EscalationMonitor
from bot.runtime import open_coach
from bot.settings import Settings
from bot.state.resilient import ResilientState

CHECKPOINTS_KEY = web.AppKey("ledger_checkpoints", DailyCheckpoints)
# The daily ledger checkpoint line: first looked for this long after start (a process
# that keeps crashing at start posts nothing extra), then every CHECKPOINT_POLL_SECONDS.
CHECKPOINT_FIRST_SECONDS = 60.0
CHECKPOINT_POLL_SECONDS = 600.0
# Slack's and Teams' payloads are a few KB (Teams caps a message at 28 KB). Anything near
# this is not from them: refuse it from the Content-Length before reading a byte.
MAX_BODY_BYTES = 512 * 1024
READY_CHECK_SECONDS = 2.0  # a readiness probe must answer before the balancer's timeout
SHUTDOWN_TIMEOUT_SECONDS = 25.0  # under Kubernetes' default 30 s grace period
DRAIN_SECONDS = 20.0  # work a handler started after answering (Slack's post-ack listener)
# At most this many requests with work still running (per process) before a new
# platform request waits; it waits at most ADMISSION_WAIT_SECONDS, then goes ahead
# (Slack wants its ack within 3 s; /coach and /spend may themselves take up to 2 s before
# acking, since their answer rides in the ack).
MAX_FOLLOW_UPS = 48
ADMISSION_WAIT_SECONDS = 0.75
STARTUP_RETRY_SECONDS = 0.5  # then doubling, up to:
MAX_STARTUP_RETRY_SECONDS = 5.0
UNAVAILABLE = (
    "The service cannot reach its database right now. Nothing was recorded; "
    "please try again in a minute."
)

log = structlog.get_logger("coachbot.server")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Routes probed every few seconds: logged at debug so they do not drown the real traffic.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


# -- request work: what admission holds back for and a graceful shutdown waits for -----


class _RequestWork:
    """One request's unfinished parts: its handler and every task started under it."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts = 1  # the handler


_request_work: contextvars.ContextVar[_RequestWork | None] = contextvars.ContextVar(
    "request_work", default=None
)


class FollowUpWork:
    """How many requests still have work running, and a bounded wait for fewer.

    Slack events and clicks are answered before the work is done (ack first), so without
    a bound a busy process keeps acknowledging faster than it coaches: the acks look fast
    while the answers staff wait for fall minutes behind. Holding a new request's answer a little
    while the process is full keeps acks and answers in step; and a process that answers
    more slowly gets fewer requests from a least-connections load balancer.
    """

    def __init__(self) -> None:
        self.running = 0  # requests whose handler or follow-up tasks are unfinished
        self._waiters: list[asyncio.Future[None]] = []

    def begin(self) -> _RequestWork:
        self.running += 1
        return _RequestWork()

    def add_task(self, work: _RequestWork, task: asyncio.Task[Any]) -> None:
        work.parts += 1
        task.add_done_callback(lambda _: self.end(work))

    def end(self, work: _RequestWork) -> None:
        work.parts -= 1
        if work.parts:
            return
        self.running -= 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_below(self, limit: int, seconds: float) -> bool:
        """Wait until fewer than ``limit`` are running; False if ``seconds`` ran out."""
        if self.running < limit:
            return True
        metrics.ADMISSION_WAITS.inc()
        if await self._wait(limit, seconds):
            return True
        metrics.ADMISSION_OVERRUNS.inc()
        return False

    async def drain(self, seconds: float) -> int:
        """Wait (bounded) for all of it to finish; returns how many requests were cut off."""
        await self._wait(1, seconds)
        if self.running:
            log.warning("shutdown.drain_timeout", unfinished=self.running)
        return self.running

    async def _wait(self, limit: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.running >= limit:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, left)
        return True


FOLLOW_UPS = FollowUpWork()


def _install_task_tracking(loop: asyncio.AbstractEventLoop) -> None:
    """Count every task started while a request is being handled as part of its work.

    Slack listeners acknowledge first and then keep working in a task Bolt starts (record
    the spend, match, reply). aiohttp's shutdown waits only for handlers, so without this
    a deploy would cut those off half-way, and admission could not see them. Tasks started
    outside requests (outbox workers, the monitor, probes) are not counted: they have
    their own stop signals.
    """
    previous = loop.get_task_factory()

    def factory(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Future[Any]:
        if previous is not None:
            task = previous(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        # The factory runs in the creating task's context, but a task given its own
        # context (the shared-state probe's empty one) belongs to that context instead.
        given = kwargs.get("context")
        work = given.get(_request_work) if given is not None else _request_work.get()
        if work is not None and isinstance(task, asyncio.Task):
            FOLLOW_UPS.add_task(work, task)
        return task

    if getattr(previous, "_coachbot_tracking", False):
        return
    factory._coachbot_tracking = True  # type: ignore[attr-defined]
    loop.set_task_factory(factory)  # type: ignore[arg-type]


# -- middleware ----------------------------------------------------------------------


def _route_of(request: web.Request) -> str:
    # The route template, never the raw path: metric labels must stay a small set.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id, size limit, outage answers, metrics and one log line per request."""
    request_id = make_request_id(request.headers.get(REQUEST_ID_HEADER))
    route = _route_of(request)
    started = time.perf_counter()
    status = 500
    with bound_request(request_id):
        try:
            response = await _handle(request, handler)
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.REQUEST_LATENCY.labels(route=route).observe(elapsed)
            metrics.REQUESTS.labels(route=route, method=request.method, status=str(status)).inc()
            emit = log.debug if route in _QUIET_ROUTES and status < 400 else log.info
            emit(
                "http.request",
                method=request.method,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                retry=request.headers.get("X-Slack-Retry-Num"),
            )
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def _handle(request: web.Request, handler: Handler) -> web.StreamResponse:
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        # Refused before the body is read; a chunked body without a length is cut off by
        # ``client_max_size`` when the handler reads it (also a 413).
        return web.json_response({"error": "request body too large"}, status=413)
    if request.method == "POST":  # the platforms' webhooks: they bring work
        await FOLLOW_UPS.wait_below(MAX_FOLLOW_UPS, ADMISSION_WAIT_SECONDS)
    work = FOLLOW_UPS.begin()
    token = _request_work.set(work)
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except StorageUnavailable as exc:
        # The adapters answer users themselves; this is for whatever reached us unhandled.
        log.warning("http.storage_unavailable", error=exc.detail)
        return web.json_response({"error": UNAVAILABLE}, status=503)
    except asyncio.CancelledError:
        raise  # the client went away or the server is stopping: nothing to answer
    except Exception:
        log.exception("http.unhandled_error")
        return web.json_response(
            {"error": "internal error", "request_id": current_request_id()}, status=500
        )
    finally:
        _request_work.reset(token)
        FOLLOW_UPS.end(work)  # the handler's part; its tasks end their own


# -- endpoints -----------------------------------------------------------------------


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the process serves HTTP. Never touches storage (a restart would not help).

    The pid says which of several workers on the port (``--workers``) answered.
    """
    return web.json_response({"status": "ok", "pid": os.getpid()})


async def _check(probe: Awaitable[bool]) -> bool:
    try:
        return await asyncio.wait_for(probe, READY_CHECK_SECONDS)
    except (TimeoutError, OSError, StorageUnavailable):
        return False


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 503 while the database is unreachable (nothing useful can be done).

    Redis down is reported but keeps the process ready: the state falls back to
    in-process and the bot still coaches and records spends (``degraded`` says so).
    Taking every worker out of the balancer when Redis blips would be a full outage.
    """
    coach = request.app[COACH_KEY]
    settings = request.app[SETTINGS_KEY]
    database, redis_ok = await asyncio.gather(
        _check(coach.ledger.ping()), _check(coach.state.ping())
    )
    body: dict[str, Any] = {"database": database}
    degraded: list[str] = []
    if settings.redis_url:
        body["redis"] = redis_ok
        if not redis_ok or (isinstance(coach.state, ResilientState) and coach.state.degraded):
            degraded.append("redis")
    ready = database
    body.update(ready=ready, degraded=degraded)
    return web.json_response(body, status=200 if ready else 503)


async def metrics_endpoint(_: web.Request) -> web.Response:
    return web.Response(
        body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


# -- the application -------------------------------------------------------------------


def build_app(settings: Settings, coach: Coach | None = None) -> web.Application:
    """The whole service. With ``coach`` given (tests), storage is the caller's to close."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[observe])
    app[SETTINGS_KEY] = settings
    database = app[DATABASE_KEY] = Database(settings.effective_database_url())

    async def coach_context(app: web.Application) -> AsyncIterator[None]:
        if coach is not None:
            app[COACH_KEY] = coach
            await _build_matcher(coach)
            yield
            return
        async with contextlib.AsyncExitStack() as stack:
            app[COACH_KEY] = await _open_coach_waiting(stack, settings, database)
            await _build_matcher(app[COACH_KEY])
            yield

    async def track_tasks(_: web.Application) -> None:
        _install_task_tracking(asyncio.get_running_loop())

    app.on_startup.append(track_tasks)
    app.cleanup_ctx.append(coach_context)
    app.cleanup_ctx.append(_monitor_context)
    app.cleanup_ctx.append(_checkpoint_context)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    _install_platforms(app, settings)
    install_pulse(app)  # the customer's one-question page, and the outcome prompter
    # Last in, so first out: request work drains while storage and workers are still up.
    app.cleanup_ctx.append(_drain_context)
    app.on_startup.append(_freeze_startup_heap)  # after the cleanup contexts started
    return app


async def _build_matcher(coach: Coach) -> None:
    """Build the matcher (the lexical index and the models: about a second) before the
    first request, off the event loop, rather than inside the first person's advice."""
    await asyncio.to_thread(lambda: coach.matcher)


async def _freeze_startup_heap(_: web.Application) -> None:
    """Keep the collector off what lives as long as the process.

    The playbook index, SQLAlchemy's tables and compiled statements and every module are
    built at start and never freed; each full collection would walk all of them again.
    ``gc.freeze`` (made for long-running servers) moves them to a generation the
    collector ignores, so collections cost what the requests allocate.
    """
    gc.collect()
    gc.freeze()


async def _open_coach_waiting(
    stack: contextlib.AsyncExitStack, settings: Settings, database: Database
) -> Coach:
    """Open storage, retrying while the database is not there yet (it may start after
    us); after ``COACHBOT_STARTUP_WAIT_SECONDS`` the outage stops the start-up."""
    deadline = time.monotonic() + settings.coachbot_startup_wait_seconds
    delay = STARTUP_RETRY_SECONDS
    while True:
        try:
            return await stack.enter_async_context(open_coach(settings, database))
        except StorageUnavailable as exc:
            if time.monotonic() + delay > deadline:
                log.error("startup.database_unavailable", error=exc.detail)
                raise
            log.warning("startup.waiting_for_database", error=exc.detail, retry_in_seconds=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_STARTUP_RETRY_SECONDS)


async def _drain_context(_: web.Application) -> AsyncIterator[None]:
    yield
    await FOLLOW_UPS.drain(DRAIN_SECONDS)


async def _monitor_context(app: web.Application) -> AsyncIterator[None]:
    """Re-notify ignored escalations, then move them a role up — in every process.

    Several processes may run this at once: the store's conditional update lets only one
    of them re-notify a given escalation.
    """
    settings = app[SETTINGS_KEY]
    monitor = EscalationMonitor(
        app[COACH_KEY].escalations,
        renotify_after=timedelta(minutes=settings.coachbot_renotify_minutes),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(monitor.run_forever(stop), name="escalation-monitor")
    yield
    stop.set()
    try:
        await asyncio.wait_for(task, 5)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _checkpoint_context(app: web.Application) -> AsyncIterator[None]:
    """Post each organisation's ledger checkpoint line to its escalation channel once a
    day — in every process; a conditional update lets one of them claim each line."""
    settings, coach = app[SETTINGS_KEY], app[COACH_KEY]
    store = LedgerCheckpoints(app[DATABASE_KEY], key=settings.ledger_key(), clock=coach.clock)
    await store.open()
    daily = app[CHECKPOINTS_KEY] = DailyCheckpoints(
        store,
        timezone=coach.policy.config.timezone,
        clock=coach.clock,
        poll_interval=CHECKPOINT_POLL_SECONDS,
        first_delay=CHECKPOINT_FIRST_SECONDS,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(daily.run_forever(stop), name="ledger-checkpoints")
    yield
    stop.set()
    try:
        await asyncio.wait_for(task, 5)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await store.close()


def warn_if_ledger_unkeyed(settings: Settings) -> None:
    """Once at start: without COACHBOT_LEDGER_KEY, anyone who can write to the database
    can forge a consistent chain."""
    if settings.ledger_key() is None:
        log.warning(
            "ledger.unkeyed",
            hint="set COACHBOT_LEDGER_KEY (a long random secret kept out of the database) "
            "so that entries cannot be forged by someone who can write to the database",
        )


def _install_platforms(app: web.Application, settings: Settings) -> None:
    # Imported here so that a deployment missing one platform's SDK still serves the other.
    from adapters.slack import install as install_slack

    install_slack(app, settings)
    from adapters.teams import install as install_teams

    install_teams(app, settings)


def use_uvloop() -> str:
    """Run on uvloop where it is installed (Linux, macOS): the service is mostly socket
    work (Slack, the database, Redis, replies), which uvloop does in C. Plain asyncio
    otherwise; behaviour is the same."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def serve(settings: Settings, host: str, port: int, *, reuse_port: bool = False) -> None:
    """Run until SIGTERM/SIGINT, then stop taking connections and finish what is in flight.

    aiohttp stops listening, waits up to ``SHUTDOWN_TIMEOUT_SECONDS`` for handlers, then
    the cleanup contexts run: request work drains, workers stop, storage closes.
    ``reuse_port``: one of several processes on the same port (``--workers``).
    """
    configure(settings.coachbot_log_level)
    app = build_app(settings)  # an unusable DATABASE_URL is refused before "starting"
    loop = use_uvloop()
    log.info("serve.starting", host=host, port=port, pid=os.getpid(), event_loop=loop)
    if not reuse_port:  # with --workers the supervisor has warned, once for them all
        warn_if_ledger_unkeyed(settings)
    # run_app handles SIGINT/SIGTERM (and Ctrl-C) itself as a graceful exit.
    web.run_app(
        app,
        host=host,
        port=port,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        reuse_port=reuse_port or None,
        access_log=None,  # the middleware logs each request, as JSON with its id
        print=None,
    )
    log.info("serve.stopped")
