"""Socket Mode against a local Socket Mode server (the recorder's ``/link`` WebSocket):
envelopes in, acks out, replies through the Web API / response_url, and a connection
that dies silently being noticed and replaced. No part of the SDK is patched: the
server really stops answering, and the client really reconnects.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from adapters.server import build_app
from adapters.slack import SLACK_RUNTIME_KEY
from adapters.slack.socket_mode import SocketModeRunner
from bot.coach import Coach
from tests.slack_recorder import Call, SlackRecorder
from tests.test_slack import (
    STAFF,
    TEAM_ID,
    WASHER,
    WASHER_TITLE,
    open_test_coach,
    slack_settings,
)

APP_TOKEN = "xapp-1-A00FAKEAPP1-1-test"


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    async with open_test_coach(tmp_path) as opened:
        yield opened


def socket_service(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach, **socket_options: Any
) -> TestClient:
    # Socket Mode only: no signing secret, so nothing posted over HTTP is dispatched.
    settings = slack_settings(
        tmp_path, recorder, slack_signing_secret=None, slack_app_token=SecretStr(APP_TOKEN)
    )
    app = build_app(settings, coach=coach)
    app[SLACK_RUNTIME_KEY].socket_options = socket_options
    return TestClient(TestServer(app))


def runner_of(client: TestClient) -> SocketModeRunner:
    runner = client.server.app[SLACK_RUNTIME_KEY].socket
    assert runner is not None
    return runner


def slash_command(fixtures: Path, recorder: SlackRecorder, text: str, name: str) -> dict[str, str]:
    raw = (fixtures / "slack" / "slash_command_with_text.txt").read_text()
    fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
    fields.update(
        command="/coach",
        text=text,
        team_id=TEAM_ID,
        user_id=STAFF,
        user_name="staff",
        response_url=recorder.response_url(name),
    )
    return fields


def named(method: str) -> Callable[[Call], bool]:
    return lambda c: c.method == method


async def ack_for(recorder: SlackRecorder, envelope_id: str, within: float = 3.0) -> Call:
    (ack,) = await recorder.wait_for(
        lambda c: c.method == "socket.ack" and c.args.get("envelope_id") == envelope_id,
        within=within,
    )
    return ack


async def test_a_slash_command_envelope_is_acked_and_answered(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach, shared_fixtures: Path
) -> None:
    async with socket_service(tmp_path, recorder, coach) as client:
        (opened,) = await recorder.wait_for(named("apps.connections.open"))
        assert opened.token == APP_TOKEN  # the app-level token, not the bot token
        await recorder.wait_for(named("socket.connect"))

        # HTTP still serves health; /slack/events refuses to dispatch (no signing secret).
        assert (await client.get("/healthz")).status == 200
        assert (await client.post("/slack/events", data=b"{}")).status == 503

        sent = time.monotonic()
        envelope_id = await recorder.send_envelope(
            "slash_commands", slash_command(shared_fixtures, recorder, WASHER, "sock1")
        )
        ack = await ack_for(recorder, envelope_id)
        assert time.monotonic() - sent < 3.0  # Slack's deadline for the ack
        # The advice rides in the ack's payload, as it does in an HTTP ack's body.
        assert WASHER_TITLE in json.dumps(ack.args["payload"], ensure_ascii=False)

        # An Events API envelope (a DM) is answered through the Web API.
        event = {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "event_id": "Ev0SOCKET01",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D0STAFFDM1",
                "user": STAFF,
                "text": WASHER,
                "ts": "1769300000.000100",
            },
        }
        await ack_for(recorder, await recorder.send_envelope("events_api", event))
        (dm,) = await recorder.wait_for(named("chat.postMessage"))
        assert dm.args["channel"] == "D0STAFFDM1" and WASHER_TITLE in dm.all_text
        assert runner_of(client).connections == 1


async def test_the_sdks_ping_monitor_replaces_a_silent_connection(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach, shared_fixtures: Path
) -> None:
    # Pings every 0.2 s and the watchdog set far out: what reconnects here is the SDK
    # client's own ping/pong monitoring (its monitor task and aiohttp's heartbeat).
    service = socket_service(tmp_path, recorder, coach, ping_interval=0.2, silence_limit=60)
    async with service as client:
        await recorder.wait_for(named("socket.connect"))
        recorder.go_silent()
        await recorder.wait_for(named("apps.connections.open"), count=2, within=10)
        await recorder.wait_for(named("socket.connect"), count=2, within=10)
        assert runner_of(client).watchdog_reconnects == 0

        envelope_id = await recorder.send_envelope(
            "slash_commands", slash_command(shared_fixtures, recorder, WASHER, "after")
        )
        await ack_for(recorder, envelope_id)  # the new connection carries traffic


async def test_the_watchdog_replaces_a_silent_connection_and_spares_a_quiet_one(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach, shared_fixtures: Path
) -> None:
    # The SDK's own monitor first looks after 30 s: only the watchdog can act in time.
    service = socket_service(
        tmp_path, recorder, coach, ping_interval=30, silence_limit=1.0, check_every=0.1
    )
    async with service as client:
        await recorder.wait_for(named("socket.connect"))
        runner = runner_of(client)

        # Idle but alive: the watchdog's own pings get pongs, so nothing is replaced.
        await asyncio.sleep(2.5)
        assert runner.watchdog_reconnects == 0
        assert len(recorder.named("apps.connections.open")) == 1
        assert recorder.sockets[0].pings >= 2

        recorder.go_silent()
        await recorder.wait_for(named("apps.connections.open"), count=2, within=5)
        await recorder.wait_for(named("socket.connect"), count=2, within=5)
        assert runner.watchdog_reconnects >= 1

        envelope_id = await recorder.send_envelope(
            "slash_commands", slash_command(shared_fixtures, recorder, WASHER, "after")
        )
        ack = await ack_for(recorder, envelope_id)
        assert WASHER_TITLE in json.dumps(ack.args["payload"], ensure_ascii=False)


async def test_slack_unreachable_at_start_does_not_block_the_service(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach
) -> None:
    recorder.fail("apps.connections.open", error="invalid_auth", times=2)
    async with socket_service(tmp_path, recorder, coach) as client:
        assert (await client.get("/healthz")).status == 200
        # It keeps trying (backing off) and connects once Slack accepts.
        await recorder.wait_for(named("socket.connect"), within=10)
        assert len(recorder.named("apps.connections.open")) == 3
