"""Microsoft Teams adapter: ``POST /api/messages`` on the shared aiohttp application.

Every botbuilder import stays inside this package. ``install`` wires the SDK's
``CloudAdapter`` (authentication from ``Settings``), the conversation handler, the
conversation-reference store (database) and, when the escalation outbox is available, a
worker delivering Teams notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from adapters.keys import COACH_KEY, DATABASE_KEY
from bot.coach import Coach
from bot.settings import Settings

log = logging.getLogger("coachbot.teams")


class TeamsRuntime:
    """What the handler and notifier need that only exists once the app has started."""

    def __init__(self) -> None:
        self.coach: Coach | None = None
        self.references: Any = None  # ReferenceStore, typed loosely to keep imports lazy
        self.notifier: Any = None
        self.adapter: Any = None
        self.files: Any = None  # ReportFileStore: the report chart/CSV behind short links

    def get_coach(self) -> Coach:
        if self.coach is None:
            raise RuntimeError("the Teams adapter is used before the application started")
        return self.coach

    def get_references(self) -> Any:
        if self.references is None:
            raise RuntimeError("the Teams adapter is used before the application started")
        return self.references

    def get_files(self) -> Any:
        if self.files is None:
            raise RuntimeError("the Teams adapter is used before the application started")
        return self.files


TEAMS_KEY = web.AppKey("teams", TeamsRuntime)


def install(app: web.Application, settings: Settings) -> None:
    """Add ``POST /api/messages``; raises ``TeamsConfigError`` on unusable settings."""
    from botbuilder.core import TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter

    from adapters.teams.auth import SigningKeys, auth_config, build_authentication
    from adapters.teams.bot_handler import CoachBot
    from adapters.teams.http import MessagesEndpoint
    from adapters.teams.notifier import TeamsNotifier
    from adapters.teams.references import ReferenceStore
    from adapters.teams.report_files import (
        CHART_ROUTE,
        CSV,
        CSV_ROUTE,
        PNG,
        ReportFileStore,
        file_handler,
    )

    config = auth_config(settings)
    if not config.authenticated and not settings.coachbot_teams_emulator:
        # Closed by default: a Slack-only deployment must not run an unauthenticated
        # endpoint that can act in any organisation.
        log.info(
            "Teams is off: /api/messages answers 404. Set MICROSOFT_APP_ID (and "
            "MICROSOFT_APP_PASSWORD) to serve Teams, or COACHBOT_TEAMS_EMULATOR=1 to try "
            "it with the Bot Framework Emulator on this machine."
        )
        return
    if not config.authenticated:
        log.warning(
            "Teams: COACHBOT_TEAMS_EMULATOR=1 — /api/messages runs WITHOUT authentication "
            "for the Bot Framework Emulator: only clients on this machine with a local "
            "serviceUrl are answered. Never run it behind a proxy."
        )
    runtime = TeamsRuntime()
    adapter = CloudAdapter(build_authentication(config))
    notifier = TeamsNotifier(
        adapter,
        config.APP_ID,
        runtime.get_coach,
        runtime.get_references,
        escalation_conversation=settings.teams_escalation_conversation,
    )

    bot = CoachBot(
        runtime.get_coach,
        runtime.get_references,
        local_only=not config.authenticated,
        report_files=runtime.get_files,
        public_url=settings.coachbot_public_url,
        personal_card=notifier.send_personal_card,
    )

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        # A bug, not a user's mistake (those are answered in the handler): log it fully,
        # and tell the person something went wrong rather than leaving them waiting.
        log.exception("Teams turn failed", exc_info=error)
        with contextlib.suppress(Exception):
            await turn_context.send_activity("Sorry — something went wrong on my side. Try again.")

    adapter.on_turn_error = on_turn_error
    runtime.adapter, runtime.notifier = adapter, notifier
    app[TEAMS_KEY] = runtime
    endpoint = MessagesEndpoint(adapter, bot, config, SigningKeys(config))

    async def teams_context(app: web.Application) -> AsyncIterator[None]:
        runtime.coach = app[COACH_KEY]
        references = ReferenceStore(app[DATABASE_KEY])  # the service's pool
        await references.open()
        runtime.references = references
        files = ReportFileStore(app[DATABASE_KEY])
        await files.open()
        runtime.files = files
        stop = asyncio.Event()
        worker = _start_outbox(runtime.coach, notifier, stop)
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(worker, 10)
            except TimeoutError:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await references.close()
            await files.close()

    app.cleanup_ctx.append(teams_context)
    app.router.add_post("/api/messages", endpoint.handle)
    # The report chart and CSV a Teams card links to (a card cannot carry the files).
    app.router.add_get(CHART_ROUTE, file_handler(runtime.get_files, PNG))
    app.router.add_get(CSV_ROUTE, file_handler(runtime.get_files, CSV))


def _start_outbox(coach: Coach, notifier: Any, stop: asyncio.Event) -> asyncio.Task[None]:
    """Deliver Teams notifications (escalation cards, decisions) from the durable outbox."""
    from bot.outbox import OutboxWorker

    worker = OutboxWorker(coach.escalations, notifier, state=coach.state)
    return asyncio.create_task(worker.run_forever(stop), name="teams-outbox")
