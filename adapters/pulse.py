"""Closing the loop in ``coachbot serve``: the customer pulse page and the outcome prompter.

``install_pulse(app)`` adds

* ``GET /pulse/{code}`` — a tiny public page with one question and three buttons;
* ``POST /pulse/{code}`` — records the answer (form field ``answer``: yes / partly / no,
  optional ``note``), once;
* the ``OutcomePrompter`` loop, which asks employees how quiet incidents ended.

The page shows nothing about the incident: the code is all a stranger would have.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from datetime import timedelta

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from adapters.keys import COACH_KEY, SETTINGS_KEY
from bot import pulse
from bot.errors import AlreadyDecided, InvalidInput, NotFound
from bot.incidents import PulseAnswer
from bot.outcomes import OutcomePrompter
from bot.settings import Settings

log = structlog.get_logger("coachbot.pulse")

# Per client address: plenty for a customer, useless for walking the code space.
PULSE_RATE_LIMIT = 30
PULSE_RATE_WINDOW_SECONDS = 600

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
button{{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1.1rem}}
textarea{{width:100%;min-height:4rem}}</style></head>
<body>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=_PAGE.format(title=html.escape(title), body=body),
        status=status,
        content_type="text/html",
        headers={
            # The code is in the URL: do not leak it to other sites or caches.
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
        },
    )


def _message(text: str, status: int = 200) -> web.Response:
    return _page(pulse.QUESTION, f"<p>{html.escape(text)}</p>", status)


def _form(code: str) -> str:
    buttons = "".join(
        f'<button name="answer" value="{a.value}">{html.escape(label)}</button>'
        for a, label in pulse.ANSWER_LABELS.items()
    )
    action = html.escape(pulse.PULSE_PATH.format(code=code))
    return (
        f"<h1>{html.escape(pulse.QUESTION)}</h1>"
        f'<form method="post" action="{action}">'
        '<label for="note">Anything you would like to add? (optional)</label>'
        '<textarea id="note" name="note" maxlength="500"></textarea>'
        f"{buttons}</form>"
    )


async def _allowed(request: web.Request) -> bool:
    coach = request.app[COACH_KEY]
    key = f"pulse:{request.remote or 'unknown'}"
    return await coach.state.allow(key, PULSE_RATE_LIMIT, PULSE_RATE_WINDOW_SECONDS)


async def pulse_page(request: web.Request) -> web.Response:
    if not await _allowed(request):
        return _message("Too many attempts — please try again later.", 429)
    store = request.app[COACH_KEY].incidents
    code = request.match_info["code"]
    record = None if store is None else await store.by_pulse(code)
    if record is None:
        return _message("That code is not recognised. Please check it and try again.", 404)
    if record.pulse_answer is not None:
        return _message("Thank you — you have already answered.")
    return _page(pulse.QUESTION, _form(code.strip().lower()))


async def pulse_answer(request: web.Request) -> web.Response:
    if not await _allowed(request):
        return _message("Too many attempts — please try again later.", 429)
    coach = request.app[COACH_KEY]
    if coach.incidents is None:
        return _message("That code is not recognised.", 404)
    try:
        form = await request.post()
    except (ValueError, LookupError, HttpProcessingError):
        # Not UTF-8, an unknown charset, a broken multipart body: not from our page's form.
        return _message("That answer could not be read. Please use the buttons on the page.", 400)
    answer = str(form.get("answer") or "")
    note = str(form.get("note") or "") or None
    try:
        record = await pulse.answer(
            coach.incidents, request.match_info["code"], answer, note, coach.clock()
        )
    except NotFound:
        return _message("That code is not recognised. Please check it and try again.", 404)
    except AlreadyDecided:
        return _message("Thank you — you have already answered.")
    except InvalidInput as exc:
        return _message(str(exc), 400)
    thanks = {
        PulseAnswer.YES: "Thank you — we are glad we put it right.",
        PulseAnswer.PARTLY: "Thank you — we will keep working on it.",
        PulseAnswer.NO: "Thank you for telling us. We are sorry, and we will follow up.",
    }
    log.info("pulse.answered", incident_id=record.incident_id, org=record.org)
    return _message(thanks[record.pulse_answer or PulseAnswer.NO])


def reachable_platforms(settings: Settings) -> set[str]:
    """Platforms whose notifier can carry an outcome prompt in this process."""
    platforms: set[str] = set()
    try:
        from adapters.teams.notifier import TeamsNotifier

        if hasattr(TeamsNotifier, "deliver_message"):
            platforms.add("teams")
    except ImportError:  # a deployment without the Teams SDK
        pass
    try:
        from adapters.slack.notifier import SlackNotifier

        if hasattr(SlackNotifier, "deliver_message") and (
            settings.slack_bot_token or settings.slack_client_id
        ):
            platforms.add("slack")
    except ImportError:
        pass
    return platforms


async def _prompter_context(app: web.Application) -> AsyncIterator[None]:
    """Ask employees how quiet incidents ended — in every process (conditional updates
    let only one of them ask about a given incident)."""
    coach = app[COACH_KEY]
    if coach.incidents is None:
        yield
        return
    settings = app[SETTINGS_KEY]
    prompter = OutcomePrompter(
        coach.incidents,
        quiet=timedelta(minutes=settings.coachbot_outcome_prompt_minutes),
        platforms=reachable_platforms(settings),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(prompter.run_forever(stop), name="outcome-prompter")
    yield
    stop.set()
    try:
        await asyncio.wait_for(task, 5)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def install_pulse(app: web.Application) -> None:
    """Public pulse routes and the outcome prompter; call after the coach context."""
    app.router.add_get(pulse.PULSE_PATH, pulse_page)
    app.router.add_post(pulse.PULSE_PATH, pulse_answer)
    app.cleanup_ctx.append(_prompter_context)


__all__ = ["install_pulse", "reachable_platforms"]
