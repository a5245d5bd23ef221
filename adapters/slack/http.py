"""The aiohttp side: Slack's HTTP requests into Bolt, and the life of the outbox worker,
the installation database and the Socket Mode connection.

As thin as Bolt's own aiohttp adapter: convert the request, dispatch, convert back.
Bolt checks the signature and timestamp (401 otherwise) and answers url_verification;
its OAuth flow checks the ``state`` (one use, browser-bound by cookie) and exchanges
the code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.keys import COACH_KEY
from adapters.slack.app import SlackBot
from adapters.slack.installations import SlackDatabase
from adapters.slack.notifier import SlackNotifier
from adapters.slack.shapes import Malformed, NotUtf8, body_problem, header_problem, parse_body
from adapters.slack.socket_mode import SocketModeRunner
from bot.outbox import OutboxWorker

log = logging.getLogger(__name__)

WORKER_STOP_SECONDS = 10.0
HTTP_TIMEOUT = 30.0  # slack_sdk's own default for one Web API call


@dataclass
class SlackRuntime:
    """What the Slack adapter opens at start-up and closes at shutdown."""

    database: SlackDatabase | None = None  # OAuth installations and states
    app_token: str | None = None  # Socket Mode
    # Passed to SocketModeRunner (ping_interval, silence_limit, ...); tests shorten them.
    socket_options: dict[str, Any] = field(default_factory=dict)
    socket: SocketModeRunner | None = None


SLACK_BOT_KEY = web.AppKey("slack_bot", SlackBot)
SLACK_RUNTIME_KEY = web.AppKey("slack_runtime", SlackRuntime)


async def slack_events(request: web.Request) -> web.Response:
    """Slack's request into Bolt, after checking it is shaped as Slack sends requests.

    What Bolt would raise on (and the server answer 500 for, which Slack retries) is
    refused here: 401 when the signature headers cannot even be checked, 400 for a body
    Slack would never send — but 401 for that too unless it is correctly signed, so a
    forger learns nothing about what we accept.
    """
    bot = request.app[SLACK_BOT_KEY]
    raw = await request.read()  # 413 past client_max_size, before anything else
    unsigned = header_problem(request.headers)
    if unsigned is not None:
        return web.json_response({"error": unsigned}, status=401)
    try:
        text, body = parse_body(raw, request.content_type)
    except NotUtf8 as exc:
        # Slack always sends UTF-8 (and the signature check itself would need to decode it).
        return web.json_response({"error": str(exc)}, status=400)
    except Malformed as exc:
        problem: str | None = str(exc)
    else:
        problem = body_problem(body)
    if problem is not None:
        if not bot.verifier.is_valid_request(raw, dict(request.headers)):
            return web.json_response({"error": "missing or invalid request signature"}, status=401)
        log.warning("slack: malformed request refused: %s", problem)
        return web.json_response({"error": problem}, status=400)
    # Bolt's own aiohttp adapter does this with request.text(), which trusts the
    # charset parameter; the body is already decoded as the UTF-8 Slack sends.
    bolt_request = AsyncBoltRequest(
        body=text,
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]
    )
    bolt_response = await bot.bolt.async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


async def slack_oauth(request: web.Request) -> web.Response:
    """GET /slack/install (to Slack's consent screen) and GET /slack/oauth_redirect."""
    flow = request.app[SLACK_BOT_KEY].bolt.oauth_flow
    if flow is None:  # install() mounts these routes only in OAuth mode
        raise web.HTTPNotFound()
    bolt_request = await to_bolt_request(request)
    if request.path == flow.install_path:
        return await to_aiohttp_response(await flow.handle_installation(bolt_request))
    return await to_aiohttp_response(await flow.handle_callback(bolt_request))


async def not_configured(_: web.Request) -> web.Response:
    # 503 rather than 404: an admin pointing Slack here sees what is missing.
    return web.json_response(
        {
            "error": "Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
            "(one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installable in "
            "many workspaces); SLACK_APP_TOKEN instead of the signing secret for Socket Mode"
        },
        status=503,
    )


async def socket_mode_only(_: web.Request) -> web.Response:
    # Without a signing secret nothing posted here can be trusted: never dispatch it.
    return web.json_response(
        {
            "error": "this service receives Slack over Socket Mode; set SLACK_SIGNING_SECRET "
            "to accept HTTP requests as well"
        },
        status=503,
    )


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    """Attach the Coach (ready by now: its context runs first), open the installation
    tables, run the outbox worker, and connect Socket Mode when configured."""
    bot = app[SLACK_BOT_KEY]
    runtime = app[SLACK_RUNTIME_KEY]
    coach = bot.coach = app[COACH_KEY]
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))
    bot.use_session(http)
    if bot.identity is not None:
        bot.identity.start()  # who the bot is, asked in the background: requests never wait
    if runtime.database is not None:
        await runtime.database.open()
    if not bot.multi_workspace and not bot.escalation_channel:
        log.warning("slack: SLACK_ESCALATION_CHANNEL is not set; escalations wait until it is")
    # Every process runs a worker: the store hands each notification to one of them.
    # Pauses (429, outages) in the shared state: every process honours them.
    worker = OutboxWorker(coach.escalations, SlackNotifier(bot.outbound), state=coach.state)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop), name="slack-outbox")
    if runtime.app_token:
        runtime.socket = SocketModeRunner(bot.bolt, runtime.app_token, **runtime.socket_options)
        await runtime.socket.start()
    yield
    if runtime.socket is not None:
        await runtime.socket.stop()
        runtime.socket = None
    stop.set()
    try:
        await asyncio.wait_for(task, WORKER_STOP_SECONDS)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if runtime.database is not None:
        await runtime.database.close()
    if bot.identity is not None:
        await bot.identity.stop()
    bot.use_session(None)
    await http.close()
    bot.coach = None
