"""Multi-workspace Slack: the OAuth install round trip, per-workspace tokens, and the
wall between workspaces (ledger, escalations), over real HTTP against the recorder.

The browser's part is played by hand: GET /slack/install, read the state off the
redirect to Slack, come back to /slack/oauth_redirect with a code and the state cookie.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from yarl import URL

from adapters.server import build_app
from adapters.slack import BOT_SCOPES, SLACK_BOT_KEY, SLACK_RUNTIME_KEY
from adapters.slack.installations import (
    SlackDatabase,
    SQLInstallationStore,
    SQLOAuthStateStore,
)
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import InstalledWorkspaces, org_id, parse_org
from bot.coach import Coach
from bot.models import EscalationRecord, EscalationStatus, Notification, Role
from tests.slack_recorder import Call, FakeWorkspace, SlackRecorder
from tests.test_slack import (
    MANAGER,
    MANAGER_B,
    STAFF,
    WASHER,
    WASHER_TITLE,
    Slack,
    open_test_coach,
    slack_settings,
)

CLIENT_ID = "1111111111.2222222222"
COOKIE = "slack-app-oauth-state"
WS_A = FakeWorkspace(
    team_id="T0AAAAAAA1",
    token="xoxb-team-a",
    bot_user_id="U0ABOT0001",
    bot_id="B0ABOT0001",
    channel_id="C0AMANAGERS",
    team_name="Hotel A",
)
WS_B = FakeWorkspace(
    team_id="T0BBBBBBB2",
    token="xoxb-team-b",
    bot_user_id="U0BBOT0002",
    bot_id="B0BBOT0002",
    channel_id="C0BMANAGERS",
    team_name="Shop B",
)


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    async with open_test_coach(tmp_path) as opened:
        yield opened


@pytest.fixture
async def service(
    tmp_path: Path, recorder: SlackRecorder, coach: Coach
) -> AsyncIterator[TestClient]:
    settings = slack_settings(
        tmp_path,
        recorder,
        slack_bot_token=None,
        slack_escalation_channel="",
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr("client-secret"),
    )
    client = TestClient(TestServer(build_app(settings, coach=coach)))
    await client.start_server()
    yield client
    await client.close()


def store_of(client: TestClient) -> SQLInstallationStore:
    workspaces = client.server.app[SLACK_BOT_KEY].workspaces
    assert isinstance(workspaces, InstalledWorkspaces)
    return workspaces.store


async def begin_install(client: TestClient) -> tuple[URL, str]:
    resp = await client.get("/slack/install", allow_redirects=False)
    assert resp.status == 302
    location = URL(resp.headers["Location"])
    cookie = resp.cookies[COOKIE]
    assert cookie["httponly"] and cookie["secure"]  # the browser binding of the state
    return location, cookie.value


async def install(
    client: TestClient, recorder: SlackRecorder, workspace: FakeWorkspace, code: str
) -> None:
    recorder.add_workspace(workspace, code=code)
    location, cookie = await begin_install(client)
    state = location.query["state"]
    resp = await client.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{COOKIE}={cookie}"},
    )
    assert resp.status == 200, await resp.text()


def as_workspace(
    client: TestClient, recorder: SlackRecorder, fixtures: Path, ws: FakeWorkspace
) -> Slack:
    return Slack(client, recorder, fixtures, team=ws.team_id, bot_user=ws.bot_user_id)


# -- the install round trip ----------------------------------------------------------


async def test_install_exchanges_the_code_and_stores_the_workspace(
    service: TestClient, recorder: SlackRecorder
) -> None:
    recorder.add_workspace(WS_A, code="code-a")
    location, cookie = await begin_install(service)
    assert str(location).startswith("https://slack.com/oauth/v2/authorize?")
    assert location.query["client_id"] == CLIENT_ID
    assert set(location.query["scope"].split(",")) == set(BOT_SCOPES)
    assert location.query["user_scope"] == ""  # a bot-only app asks nothing of users
    state = location.query["state"]
    assert cookie == state

    # Slack sends the browser back with the code; the state and its cookie must match.
    no_cookie = await service.get(
        "/slack/oauth_redirect", params={"code": "code-a", "state": state}
    )
    assert no_cookie.status == 400  # another browser: refused before any exchange
    assert not recorder.named("oauth.v2.access")

    resp = await service.get(
        "/slack/oauth_redirect",
        params={"code": "code-a", "state": state},
        headers={"Cookie": f"{COOKIE}={cookie}"},
    )
    assert resp.status == 200
    (exchange,) = recorder.named("oauth.v2.access")
    assert exchange.args["code"] == "code-a"
    assert exchange.headers["Authorization"].startswith("Basic ")  # client id + secret
    assert [c.token for c in recorder.named("auth.test")] == [WS_A.token]

    bot = await store_of(service).async_find_bot(enterprise_id=None, team_id=WS_A.team_id)
    assert bot is not None
    assert (bot.bot_token, bot.bot_user_id, bot.bot_id) == (
        WS_A.token,
        WS_A.bot_user_id,
        WS_A.bot_id,
    )
    workspaces = service.server.app[SLACK_BOT_KEY].workspaces
    assert await workspaces.channel_for(WS_A.team_id) == WS_A.channel_id

    # The state is good once: a replay (or a stolen redirect URL) is refused.
    replay = await service.get(
        "/slack/oauth_redirect",
        params={"code": "code-a", "state": state},
        headers={"Cookie": f"{COOKIE}={cookie}"},
    )
    assert replay.status == 401
    assert len(recorder.named("oauth.v2.access")) == 1


async def test_a_made_up_state_is_refused(service: TestClient, recorder: SlackRecorder) -> None:
    recorder.add_workspace(WS_A, code="code-a")
    resp = await service.get(
        "/slack/oauth_redirect",
        params={"code": "code-a", "state": "forged"},
        headers={"Cookie": f"{COOKIE}=forged"},
    )
    assert resp.status == 401
    assert not recorder.named("oauth.v2.access")


async def test_requests_from_an_installed_workspace_use_its_token(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    await install(service, recorder, WS_A, "code-a")
    await install(service, recorder, WS_B, "code-b")
    slack_a = as_workspace(service, recorder, shared_fixtures, WS_A)
    recorder.calls.clear()

    status, _, took, path = await slack_a.command("/coach", WASHER)
    assert status == 200 and took < 3.0
    reply = await slack_a.reply_at(path)
    assert WASHER_TITLE in reply.all_text
    # Authorised from workspace A's stored installation: no Web API call to do it.
    assert recorder.named("auth.test") == []

    envelope = slack_a.event(
        "event_message_im.json", user=STAFF, channel="D0STAFFDM1", channel_type="im", text=WASHER
    )
    status, _, _ = await slack_a.send_event(envelope)
    assert status == 200
    (posted,) = await recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert posted.token == WS_A.token and posted.args["channel"] == "D0STAFFDM1"


async def test_a_workspace_that_never_installed_gets_no_answer_from_another(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    await install(service, recorder, WS_A, "code-a")
    stranger = as_workspace(service, recorder, shared_fixtures, WS_B)  # not installed
    _, _, _, path = await stranger.command("/coach", WASHER)
    reply = await stranger.reply_at(path)
    assert "reinstall" in reply.all_text.lower()
    assert WASHER_TITLE not in reply.all_text
    # (auth.test with A's token is the install's own check.)
    assert not [c for c in recorder.calls if c.token == WS_A.token and c.method != "auth.test"]


# -- the wall between workspaces -----------------------------------------------------


def _card_in(channel: str) -> Any:
    return lambda c: c.method == "chat.postMessage" and c.args.get("channel") == channel


def _escalation_id(card: Call) -> str:
    return str(
        next(e["value"] for b in card.blocks if b["type"] == "actions" for e in b["elements"])
    )


async def test_a_second_workspace_cannot_see_or_act_on_the_firsts_escalations(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    await install(service, recorder, WS_A, "code-a")
    await install(service, recorder, WS_B, "code-b")
    slack_a = as_workspace(service, recorder, shared_fixtures, WS_A)
    slack_b = as_workspace(service, recorder, shared_fixtures, WS_B)

    _, _, _, path = await slack_a.command("/spend", "£480 new suit, room 214")
    assert "needs a manager's OK" in (await slack_a.reply_at(path)).all_text
    # The outbox posted A's card in A's chosen channel, with A's token.
    (card,) = await recorder.wait_for(_card_in(WS_A.channel_id), within=10)
    assert card.token == WS_A.token
    escalation_id = _escalation_id(card)

    # B's manager presses Approve with A's escalation id: not found in B's organisation.
    _, _, path = await slack_b.click(
        "esc_approve", escalation_id, user=MANAGER_B, channel=WS_B.channel_id
    )
    refusal = await slack_b.reply_at(path)
    assert "no escalation" in refusal.all_text and refusal.args["response_type"] == "ephemeral"
    coach = slack_a.coach
    (entry,) = await coach.ledger.spends(WS_A.team_id)
    assert entry.status.value == "pending"
    assert await coach.ledger.spends(WS_B.team_id) == []

    # B's report and limits know nothing of A's spend.
    _, _, _, path = await slack_b.command("/cx-report", "today", user=MANAGER_B)
    report = await slack_b.reply_at(path)
    assert "£480" not in report.all_text and "£0.00" in report.all_text
    # Its CSV (uploaded with B's token, beside the text) has none of A's spend either.
    await recorder.wait_for(lambda c: c.method == "files.completeUploadExternal", within=20)
    (b_csv,) = [f for f in recorder.files() if f.filename.endswith(".csv")]
    assert b"480" not in b_csv.data
    b_files = {"files.getUploadURLExternal", "files.completeUploadExternal"}
    assert {c.method for c in recorder.calls if c.token == WS_B.token} == {"auth.test"} | b_files

    # A's own manager decides it; every resulting message uses A's token only.
    await slack_a.click("esc_approve", escalation_id, user=MANAGER, channel=WS_A.channel_id)
    (update,) = await recorder.wait_for(lambda c: c.method == "chat.update", within=10)
    assert update.token == WS_A.token and update.args["channel"] == WS_A.channel_id
    (dm,) = await recorder.wait_for(
        lambda c: c.method == "chat.postMessage" and c.args.get("channel") == STAFF, within=10
    )
    assert dm.token == WS_A.token
    (entry,) = await coach.ledger.spends(WS_A.team_id)
    assert entry.status.value == "approved"
    # Nothing else ever left with B's token: only its own report's files.
    assert not [
        c
        for c in recorder.calls
        if c.token == WS_B.token and c.method not in {"auth.test", *b_files}
    ]


# -- uninstalls ----------------------------------------------------------------------


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Bolt acknowledges first and runs the listener afterwards: poll for its effect."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the expected change never happened"
        await asyncio.sleep(0.05)


def _lifecycle_event(slack: Slack, event: dict[str, Any]) -> dict[str, Any]:
    envelope = slack.event("event_reaction_added.json")
    envelope["event"] = {**event, "event_ts": f"{time.time():.6f}"}
    return envelope


async def test_revoked_tokens_and_uninstalls_delete_the_installation(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    await install(service, recorder, WS_A, "code-a")
    await install(service, recorder, WS_B, "code-b")
    store = store_of(service)
    slack_a = as_workspace(service, recorder, shared_fixtures, WS_A)
    slack_b = as_workspace(service, recorder, shared_fixtures, WS_B)

    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [WS_B.bot_user_id]}}
    status, _, _ = await slack_b.send_event(_lifecycle_event(slack_b, revoked))
    assert status == 200

    async def b_gone() -> bool:
        return await store.async_find_bot(enterprise_id=None, team_id=WS_B.team_id) is None

    await eventually(b_gone)
    left = await store.async_find_installation(enterprise_id=None, team_id=WS_B.team_id)
    assert left is None or left.bot_token is None  # the old token never comes back
    assert await store.async_find_bot(enterprise_id=None, team_id=WS_A.team_id) is not None

    _, _, _, path = await slack_b.command("/coach", WASHER)
    assert "reinstall" in (await slack_b.reply_at(path)).all_text.lower()

    status, _, _ = await slack_a.send_event(_lifecycle_event(slack_a, {"type": "app_uninstalled"}))
    assert status == 200

    async def a_gone() -> bool:
        return await store.async_find_bot(enterprise_id=None, team_id=WS_A.team_id) is None

    await eventually(a_gone)
    assert await store.async_find_installation(enterprise_id=None, team_id=WS_A.team_id) is None

    # A notification still queued for the uninstalled workspace is dropped, not retried.
    notifier = SlackNotifier(service.server.app[SLACK_BOT_KEY].workspaces)
    delivery = await notifier.deliver(_note(WS_A.team_id), _escalation(WS_A.team_id))
    assert not delivery.ok and delivery.permanent
    assert "not installed" in (delivery.error or "")


def _note(org: str) -> Notification:
    opened = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    return Notification("n1", org, "slack", "escalation.opened", "es_1", None, 0, opened, None)


def _escalation(org: str) -> EscalationRecord:
    return EscalationRecord(
        escalation_id="es_1",
        org=org,
        platform="slack",
        kind="situation",
        reasons=("safety",),
        summary="guest slipped in the lobby",
        raised_by=STAFF,
        opened_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        status=EscalationStatus.OPEN,
        level=Role.MANAGER,
        entry_id=None,
    )


# -- the stores on their own, on SQLite and PostgreSQL -------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[SlackDatabase]:
    db = SlackDatabase(database_url)
    await db.open()
    yield db
    await db.close()


async def test_the_oauth_state_is_good_once_and_expires(database: SlackDatabase) -> None:
    states = SQLOAuthStateStore(database)
    state = await states.async_issue()
    assert await states.async_consume(state)
    assert not await states.async_consume(state)
    assert not await states.async_consume("")
    stale = SQLOAuthStateStore(database, expiration_seconds=-1)
    assert not await states.async_consume(await stale.async_issue())


async def test_enterprise_grid_workspaces_and_org_wide_installs(database: SlackDatabase) -> None:
    from slack_sdk.oauth.installation_store.models.installation import Installation

    store = SQLInstallationStore(database, client_id=CLIENT_ID)
    assert org_id("E0GRID0001", "T0GRIDWS01") == "E0GRID0001:T0GRIDWS01"
    assert parse_org("E0GRID0001:T0GRIDWS01") == ("E0GRID0001", "T0GRIDWS01")
    assert parse_org("T0AAAAAAA1") == (None, "T0AAAAAAA1")
    assert parse_org("E0GRID0001") == ("E0GRID0001", None)

    # One workspace of a grid, then the whole org installed at once.
    await store.async_save(
        Installation(
            enterprise_id="E0GRID0001",
            team_id="T0GRIDWS01",
            user_id="U0ADMIN001",
            bot_token="xoxb-grid-ws1",
            bot_id="B0G1",
            bot_user_id="U0GBOT1",
            incoming_webhook_channel_id="C0GRIDMGR1",
        )
    )
    await store.async_save(
        Installation(
            enterprise_id="E0GRID0001",
            team_id=None,
            user_id="U0ADMIN001",
            bot_token="xoxb-grid-org",
            bot_id="B0G2",
            bot_user_id="U0GBOT2",
            is_enterprise_install=True,
        )
    )
    ws1 = await store.find_workspace("E0GRID0001", "T0GRIDWS01")
    other = await store.find_workspace("E0GRID0001", "T0GRIDWS02")  # via the org install
    assert ws1 is not None and ws1.bot.bot_token == "xoxb-grid-ws1"
    assert ws1.escalation_channel == "C0GRIDMGR1"
    assert other is not None and other.bot.bot_token == "xoxb-grid-org"
    assert await store.find_workspace(None, "T0GRIDWS01") is None  # ids must match exactly
    found = await store.async_find_bot(
        enterprise_id="E0GRID0001", team_id="T0ANY", is_enterprise_install=True
    )
    assert found is not None and found.bot_token == "xoxb-grid-org"

    # A re-install without a channel keeps the channel chosen the first time.
    await store.async_save(
        Installation(
            enterprise_id="E0GRID0001",
            team_id="T0GRIDWS01",
            user_id="U0ADMIN002",
            bot_token="xoxb-grid-ws1-new",
            bot_id="B0G1",
            bot_user_id="U0GBOT1",
        )
    )
    ws1 = await store.find_workspace("E0GRID0001", "T0GRIDWS01")
    assert ws1 is not None
    assert (ws1.bot.bot_token, ws1.escalation_channel) == ("xoxb-grid-ws1-new", "C0GRIDMGR1")
    latest = await store.async_find_installation(enterprise_id="E0GRID0001", team_id="T0GRIDWS01")
    assert latest is not None and latest.user_id == "U0ADMIN002"


async def test_the_manifest_asks_for_the_scopes_the_install_link_asks_for() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack" / "manifest.yaml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked"} <= events


async def test_runtime_holds_the_installation_database(service: TestClient) -> None:
    runtime = service.server.app[SLACK_RUNTIME_KEY]
    assert runtime.database is not None and runtime.app_token is None
    assert json.loads(await (await service.get("/healthz")).text())["status"] == "ok"
