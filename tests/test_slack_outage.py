"""Coaching while Slack's Web API is down: the answers ride in the ack, and what must be
posted waits in the outbox until Slack is back.

"Down" is played by the recorder: not started yet (nothing listens on its port, like an
unreachable SLACK_API_URL), or answering every call with a 500.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.slack import SLACK_BOT_KEY
from bot.coach import Coach
from tests.slack_recorder import BOT_USER_ID, Call, SlackRecorder
from tests.test_slack import (
    CHANNEL,
    STAFF,
    WASHER,
    WASHER_TITLE,
    Slack,
    coach,
    slack_settings,
)

__all__ = ["coach"]  # a fixture shared with test_slack.py


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def down() -> AsyncIterator[SlackRecorder]:
    """A recorder whose port nothing listens on until the test starts it."""
    rec = SlackRecorder(port=_free_port())
    yield rec
    await rec.stop()


def _acked(body: str) -> str:
    return Call("ack", json.loads(body), "", {}).all_text


async def test_coaching_and_spending_work_while_slack_is_unreachable_and_the_card_follows(
    tmp_path: Path, down: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> None:
    app = build_app(slack_settings(tmp_path, down), coach=coach)
    async with TestClient(TestServer(app)) as client:
        slack = Slack(client, down, shared_fixtures)

        status, body, took, _ = await slack.command("/coach", WASHER)
        assert status == 200 and took < 1.5
        assert WASHER_TITLE in _acked(body) and "Step 1 of" in _acked(body)

        status, body, _, _ = await slack.command("/spend", "£48 dry cleaning, room 214")
        assert status == 200 and "Logged £48.00 for room 214" in _acked(body)

        status, body, _, _ = await slack.command("/spend", "£480 new suit, room 214")
        assert status == 200 and "needs a manager's OK" in _acked(body)
        assert len(await coach.ledger.spends(slack.team)) == 2

        # Slack comes back: the card waiting in the outbox reaches the managers' channel.
        await down.start()
        (card,) = await down.wait_for(
            lambda c: c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL,
            within=10,
        )
        assert "£480.00" in card.all_text
        # And the bot learns who it is, in the background, without any request waiting.
        await down.wait_for(lambda c: c.method == "auth.test", within=10)
        identity = client.server.app[SLACK_BOT_KEY].identity
        assert identity is not None and identity.resolved is not None
        assert identity.resolved.bot_user_id == BOT_USER_ID


async def test_coaching_and_buttons_work_while_slack_answers_500(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> None:
    recorder.outage(500)
    app = build_app(slack_settings(tmp_path, recorder), coach=coach)
    async with TestClient(TestServer(app)) as client:
        slack = Slack(client, recorder, shared_fixtures)
        await recorder.wait_for(lambda c: c.method == "auth.test")  # it failed: a 500

        status, body, _, _ = await slack.command("/coach", WASHER)
        assert status == 200 and "Step 1 of" in _acked(body)
        assert "installation" not in _acked(body).lower()

        # A button's answer goes to the response_url, which is not the Web API.
        status, _, path = await slack.click("coach_next", "")
        assert status == 200
        assert "Step 2 of" in (await slack.reply_at(path)).all_text

        status, body, _, _ = await slack.command("/spend", "£20 coffee")
        assert status == 200 and "Logged £20.00" in _acked(body)


async def test_a_channel_mention_is_answered_before_the_bot_knows_its_own_id(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> None:
    # auth.test keeps failing, so the bot's user id comes from the event itself.
    recorder.outage(500)
    app = build_app(slack_settings(tmp_path, recorder), coach=coach)
    async with TestClient(TestServer(app)) as client:
        slack = Slack(client, recorder, shared_fixtures)
        envelope = slack.event(
            "event_message_im.json",
            user=STAFF,
            channel="C0FRONTDESK",
            channel_type="channel",
            text=f"<@{BOT_USER_ID}> {WASHER}",
        )
        recorder.outage(None)  # say() needs the Web API; authorisation did not
        status, _, _ = await slack.send_event(envelope)
        assert status == 200
        (answer,) = await recorder.wait_for(
            lambda c: c.method == "chat.postMessage" and c.args.get("channel") == "C0FRONTDESK"
        )
        assert WASHER_TITLE in answer.all_text
