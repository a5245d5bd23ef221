"""``coachbot serve``: one aiohttp application for every HTTP platform.

Slack at ``POST /slack/events``, Teams at ``POST /api/messages``, plus ``/healthz``
(liveness), ``/readyz`` (database and shared state) and ``/metrics`` (Prometheus).
Stateless: everything shared lives in the database and Redis, so processes scale out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.coach import Coach
from bot.outbox import EscalationMonitor
from bot.runtime import open_coach
from bot.settings import Settings

COACH_KEY = web.AppKey("coach", Coach)
SETTINGS_KEY = web.AppKey("settings", Settings)
MAX_BODY_BYTES = 1024 * 1024  # Slack and Teams payloads are far smaller; refuse early


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    coach = request.app[COACH_KEY]
    checks = {"database": await coach.ledger.ping(), "state": await coach.state.ping()}
    status = 200 if all(checks.values()) else 503
    return web.json_response({"ready": status == 200, **checks}, status=status)


async def metrics(_: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_app(settings: Settings, coach: Coach | None = None) -> web.Application:
    """The whole service. With ``coach`` given (tests), storage is the caller's to close."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings

    async def coach_context(app: web.Application) -> AsyncIterator[None]:
        if coach is not None:
            app[COACH_KEY] = coach
            yield
            return
        async with open_coach(settings) as opened:
            app[COACH_KEY] = opened
            yield

    app.cleanup_ctx.append(coach_context)
    app.cleanup_ctx.append(_monitor_context)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    _install_platforms(app, settings)
    return app


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
    task = asyncio.create_task(monitor.run_forever(stop))
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


def _install_platforms(app: web.Application, settings: Settings) -> None:
    # Imported here so that a deployment missing one platform's SDK still serves the other.
    from adapters.slack import install as install_slack

    install_slack(app, settings)
    from adapters.teams import install as install_teams

    install_teams(app, settings)


def serve(settings: Settings, host: str, port: int) -> None:
    web.run_app(build_app(settings), host=host, port=port, shutdown_timeout=30)
