"""The Teams adapter over real HTTP: activities into the real ``CloudAdapter`` at
``POST /api/messages``, replies and proactive messages arriving at a local Bot Connector
(``tests/teams_connector.py``). Payloads are the recorded ones in ../shared/fixtures/teams
with only ``serviceUrl`` (our connector), text, sender or card data changed.

No authentication here (no app id, COACHBOT_TEAMS_EMULATOR=1: the Emulator mode);
``test_teams_auth.py`` covers JWTs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import COACH_KEY, build_app
from bot.coach import Coach
from bot.models import SpendStatus
from bot.settings import Settings
from tests.teams_connector import Posted, TeamsConnector

TENANT = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"  # as recorded in the fixtures
OTHER_TENANT = "56653e9d-2158-46ee-90d7-675c39642038"
STAFF_AAD = "00000000-1111-2222-3333-444444444444"  # the recorded "Test User"
MANAGER_AAD = "99999999-0000-0000-0000-00000000aaaa"
MANAGER_ID = "29:1ManagerFakeTeamsIdAbc"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
CHANNEL = "19:d441d38c655c47a085215b2726e76927@thread.tacv2"
WASHER = "guest's clothes stuck in the broken washer, she's furious"
WASHER_TITLE = "Our equipment trapped or damaged the customer's belongings"
ORG_YAML = f"""
name: Test Hotel
currency: GBP
timezone: Europe/London
roles:
  associate: {{ per_incident: 100, daily: 300 }}
  lead:      {{ per_incident: 250, daily: 750 }}
  manager:   {{ per_incident: 1000, daily: 3000 }}
  admin:     {{ per_incident: 5000, daily: 20000 }}
max_single_spend: 10000
customer_daily_cap: 250
users:
  "{MANAGER_AAD}": manager
"""


def teams_settings(tmp_path: Path, **extra: Any) -> Settings:
    org = tmp_path / "org.yaml"
    org.write_text(ORG_YAML)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'coach.db'}",
        "redis_url": "",
        "coachbot_org_file": org,
        "coachbot_data_dir": tmp_path,
        "coachbot_teams_emulator": True,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Teams:
    """Sends the Bot Connector's requests to the service; reads what the connector got."""

    def __init__(self, client: TestClient, connector: TeamsConnector, fixtures: Path) -> None:
        self.client = client
        self.connector = connector
        self.fixtures = fixtures / "teams"
        self._n = 0

    @property
    def coach(self) -> Coach:
        app = self.client.app
        assert app is not None
        return app[COACH_KEY]

    def activity(self, fixture: str, **changes: Any) -> dict[str, Any]:
        """A recorded activity, pointed at our connector, with a fresh id."""
        body: dict[str, Any] = json.loads((self.fixtures / fixture).read_text())
        self._n += 1
        body["serviceUrl"] = self.connector.service_url
        body["id"] = f"1770000000{self._n:03d}"
        body.update(changes)
        return body

    def personal(self, text: str, **changes: Any) -> dict[str, Any]:
        return self.activity("teams_message_personal.json", text=text, **changes)

    def mention(self, text: str, **changes: Any) -> dict[str, Any]:
        return self.activity(
            "teams_message_mention.json", text=f"<at>Chat SDK Demo</at> {text}", **changes
        )

    def as_manager(self, body: dict[str, Any]) -> dict[str, Any]:
        body["from"] = {"id": MANAGER_ID, "name": "Maggie Manager", "aadObjectId": MANAGER_AAD}
        return body

    def submit(self, value: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """An Action.Submit click, as recorded (a message with no text and ``value``)."""
        return self.activity("teams_message_action_submit.json", value=value, **changes)

    def execute(self, data: dict[str, Any], *, tenant: str = TENANT) -> dict[str, Any]:
        """An Action.Execute click (invoke ``adaptiveCard/action``) in the managers' channel."""
        body = self.activity("teams_invoke_adaptive_card_action.json")
        body["value"]["action"] = {"type": "Action.Execute", "verb": "escalation", "data": data}
        body["conversation"] = {
            "id": CHANNEL,
            "conversationType": "channel",
            "tenantId": tenant,
            "isGroup": True,
        }
        body["channelData"]["tenant"]["id"] = tenant
        body["recipient"] = {"id": BOT_ID, "name": "Chat SDK Demo"}
        return body

    async def post(self, body: Any, **kwargs: Any) -> tuple[int, Any]:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        headers = kwargs.pop("headers", {"Content-Type": "application/json"})
        resp = await self.client.post("/api/messages", data=data, headers=headers, **kwargs)
        text = await resp.text()
        try:
            return resp.status, json.loads(text) if text else None
        except ValueError:
            return resp.status, text

    async def say(self, body: dict[str, Any]) -> Posted:
        """Send one activity; return the one reply it produced."""
        before = len(self.connector.posted)
        status, _ = await self.post(body)
        assert status == 201
        posted = await self.connector.wait_for(before + 1)
        return posted[before]


@pytest.fixture
async def teams(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path
) -> AsyncIterator[Teams]:
    client = TestClient(TestServer(build_app(teams_settings(tmp_path))))
    await client.start_server()
    yield Teams(client, connector, shared_fixtures)
    await client.close()


def card_titles(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


# -- flow 1: coaching ----------------------------------------------------------------


async def test_personal_message_gets_an_adaptive_card_naming_the_playbook(teams: Teams) -> None:
    body = teams.personal(WASHER)
    reply = await teams.say(body)
    # Replies go to {serviceUrl}/v3/conversations/{id}/activities/{replyToId}.
    assert reply.kind == "reply"
    assert reply.conversation_id == body["conversation"]["id"]
    assert reply.activity_id == body["id"]
    [card] = reply.cards
    assert card["body"][0]["text"] == WASHER_TITLE
    assert card["body"][1]["text"].startswith("Step 1 of ")
    facts = {f["title"]: f["value"] for f in card["body"][3]["facts"]}
    assert facts == {"On this": "up to £150.00", "Left today": "£300.00 of £300.00"}
    assert card_titles(card) == ["Next step", "Log spend", "Escalate", "Not this one"]
    assert len(json.dumps(reply.body).encode()) < 28 * 1024


async def test_channel_mention_is_stripped_and_answered_in_the_thread(teams: Teams) -> None:
    body = teams.mention("table 5 got the wrong dishes")
    reply = await teams.say(body)
    assert reply.conversation_id == body["conversation"]["id"]  # …;messageid=<root>
    assert reply.cards[0]["body"][0]["text"] == "Wrong, cold or missing order"


async def test_recorded_mention_hey_gets_the_usage_hint(teams: Teams) -> None:
    reply = await teams.say(teams.activity("teams_message_mention.json"))  # "<at>…</at> Hey"
    assert "Tell me what is happening" in reply.all_text


async def test_buttons_next_step_alternatives_and_choose(teams: Teams) -> None:
    await teams.say(teams.personal(WASHER))
    step2 = await teams.say(teams.submit({"cmd": "next"}))
    assert step2.cards[0]["body"][1]["text"].startswith("Step 2 of ")
    other = await teams.say(teams.submit({"cmd": "other"}))
    choices = other.cards[0]["actions"]
    assert choices and all(a["data"]["cmd"] == "choose" for a in choices)
    chosen = await teams.say(teams.submit(choices[0]["data"]))
    assert chosen.cards[0]["body"][0]["text"] == choices[0]["title"]


async def test_buttons_of_an_older_card_name_its_incident_and_leave_the_newer_alone(
    teams: Teams,
) -> None:
    older = await teams.say(teams.personal(WASHER))
    await teams.say(teams.personal("table 5 got the wrong dishes"))
    data = older.cards[0]["actions"][0]["data"]
    assert data["cmd"] == "next" and data["incident"].startswith("in_")
    refusal = await teams.say(teams.submit(data))
    assert data["incident"] in refusal.all_text and "closed" in refusal.all_text
    newer_next = await teams.say(teams.submit({"cmd": "next"}))
    assert newer_next.cards[0]["body"][1]["text"].startswith("Step 2 of ")


TWIN_PLAYBOOK = """
id: {id}
title: {title}
owner: Test
review_by: 2030-01-01
triggers:
  keywords: [towel, towels]
  examples: ["guest wants more towels"]
steps:
  - do: Bring towels.
"""


async def test_low_confidence_asks_did_you_mean(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    # Two playbooks with the same triggers: the matcher cannot honestly pick one.
    folder = tmp_path / "playbooks"
    folder.mkdir()
    for pid, title in (("towels-a", "Towels A"), ("towels-b", "Towels B")):
        (folder / f"{pid}.yaml").write_text(TWIN_PLAYBOOK.format(id=pid, title=title))
    settings = teams_settings(tmp_path, coachbot_playbooks_dir=folder)
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    try:
        teams = Teams(client, connector, shared_fixtures)
        reply = await teams.say(teams.personal("guest wants more towels"))
    finally:
        await client.close()
    assert "Did you mean" in reply.all_text
    titles = {a["title"] for a in reply.cards[0]["actions"]}
    assert titles == {"Towels A", "Towels B"}


async def test_recorded_action_submit_with_unknown_data_is_answered_politely(
    teams: Teams,
) -> None:
    reply = await teams.say(teams.activity("teams_message_action_submit.json"))
    assert "Tell me what is happening" in reply.all_text


# -- flow 2: spends and approvals ------------------------------------------------------


async def test_log_spend_form_within_authority(teams: Teams) -> None:
    await teams.say(teams.personal(WASHER))
    reply = await teams.say(
        teams.submit({"cmd": "spend", "amount": "£48", "reason": "dry cleaning", "customer": "214"})
    )
    assert "✔ Logged £48.00" in reply.all_text
    [entry] = await teams.coach.ledger.spends(TENANT)
    assert entry.status is SpendStatus.APPROVED and entry.user_id == STAFF_AAD


async def test_bad_spend_records_nothing(teams: Teams) -> None:
    reply = await teams.say(teams.submit({"cmd": "spend", "amount": "£0", "reason": "x"}))
    assert reply.all_text.startswith("⚠")
    assert await teams.coach.ledger.spends(TENANT) == []


async def _set_channel(teams: Teams) -> None:
    reply = await teams.say(teams.as_manager(teams.mention("set escalation channel")))
    assert "Escalations for this organisation will be posted here" in reply.all_text


async def test_over_limit_spend_is_approved_from_the_channel_card(teams: Teams) -> None:
    await _set_channel(teams)
    await teams.say(teams.personal(WASHER))
    pending = await teams.say(teams.personal("spend £180 replacement coat, room 214"))
    assert "needs a manager's OK" in pending.all_text

    # The outbox posts the escalation card as a new thread in the managers' channel.
    count = len(teams.connector.posted)
    posted = (await teams.connector.wait_for(count + 1))[count]
    assert posted.kind == "create" and posted.conversation_id.startswith(CHANNEL + ";")
    [card] = posted.cards
    assert card_titles(card) == ["Approve", "Deny", "Acknowledge", "Take over"]
    approve = next(a for a in card["actions"] if a["title"] == "Approve")
    assert approve["type"] == "Action.Execute"

    # Anyone can press a channel button: the spender is refused, the card is unchanged.
    status, body = await teams.post(teams.execute(approve["data"]) | {"from": _staff()})
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "⚠" in body["value"]

    # The manager approves: the updated card comes back in the same HTTP response.
    status, body = await teams.post(teams.as_manager(teams.execute(approve["data"])))
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    updated = json.dumps(body["value"])
    assert "Maggie Manager approved the spend" in updated
    assert "Resolved" in updated
    assert "actions" not in body["value"]
    [entry] = await teams.coach.ledger.spends(TENANT)
    assert entry.status is SpendStatus.APPROVED and entry.decided_by == MANAGER_AAD

    # The outbox then edits the channel card in place and tells the employee in their chat.
    everything = await teams.connector.wait_for(count + 3)
    later = everything[count + 1 :]
    update = next(p for p in later if p.kind == "update")
    assert update.conversation_id == posted.conversation_id
    assert update.activity_id == posted.activity_id
    assert "Maggie Manager approved the spend" in update.all_text
    dm = next(p for p in later if p.kind == "send" and p.conversation_id.startswith("a:"))
    assert "was approved ✔ by Maggie Manager" in dm.all_text

    # A second click cannot decide it again.
    status, body = await teams.post(teams.as_manager(teams.execute(approve["data"])))
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "already" in body["value"]


def _staff() -> dict[str, str]:
    return {"id": "29:1StaffFake", "name": "Test User", "aadObjectId": STAFF_AAD}


async def test_escalation_cannot_be_acted_on_from_another_tenant(teams: Teams) -> None:
    await _set_channel(teams)
    await teams.say(teams.personal(WASHER))
    await teams.say(teams.personal("spend £180 replacement coat"))
    count = len(teams.connector.posted)
    card = (await teams.connector.wait_for(count + 1))[count].cards[0]
    data = card["actions"][0]["data"]
    # The same manager id, but the click comes from another tenant: another organisation.
    status, body = await teams.post(teams.as_manager(teams.execute(data, tenant=OTHER_TENANT)))
    assert status == 200 and "no escalation" in body["value"]
    [entry] = await teams.coach.ledger.spends(TENANT)
    assert entry.status is SpendStatus.PENDING


async def test_escalate_button_alerts_the_channel(teams: Teams) -> None:
    await _set_channel(teams)
    await teams.say(teams.personal(WASHER))
    reply = await teams.say(teams.submit({"cmd": "escalate"}))
    assert "Managers alerted" in reply.all_text
    count = len(teams.connector.posted)
    posted = (await teams.connector.wait_for(count + 1))[count]
    assert posted.kind == "create" and posted.conversation_id.startswith(CHANNEL)
    assert card_titles(posted.cards[0]) == ["Acknowledge", "Take over"]


# -- flow 3: manager commands -----------------------------------------------------------


async def test_manager_commands_follow_role_rules(teams: Teams) -> None:
    refused = await teams.say(teams.personal("limits"))
    assert "managers and admins only" in refused.all_text
    limits = await teams.say(teams.as_manager(teams.personal("limits")))
    assert "Spending authority" in limits.all_text and "£100.00 per incident" in limits.all_text
    audit = await teams.say(teams.as_manager(teams.personal("audit verify")))
    assert "Audit ledger intact" in audit.all_text
    refused = await teams.say(teams.personal("report week"))
    assert "managers and admins only" in refused.all_text
    report = await teams.say(teams.as_manager(teams.personal("report week by employee")))
    assert "Discretionary spend" in report.all_text


def executes(node: Any) -> list[dict[str, Any]]:
    """Every Action.Execute in a card, in order, wherever it sits (ActionSets included)."""
    if isinstance(node, list):
        return [a for item in node for a in executes(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") == "Action.Execute" else []
    return own + [a for key, value in node.items() if key != "fallback" for a in executes(value)]


async def test_pending_lists_the_queue_and_its_buttons_decide_and_redraw_it(teams: Teams) -> None:
    refused = await teams.say(teams.personal("pending"))
    assert "managers and admins only" in refused.all_text and refused.cards == []
    await teams.say(teams.personal("spend £180 replacement coat, room 214"))
    await teams.say(teams.personal("spend £20 flowers"))  # within authority: not queued
    await teams.say(teams.personal("spend £150 spa day"))
    coat, spa = await teams.coach.ledger.pending(TENANT)

    listing = await teams.say(teams.as_manager(teams.personal("pending")))
    [card] = listing.cards
    shown = json.dumps(card, ensure_ascii=False)
    assert "2 spends waiting for a decision" in shown and "£20.00" not in shown
    assert shown.index(coat.entry_id) < shown.index(spa.entry_id)  # oldest first
    assert "£180.00 — replacement coat · room 214" in shown
    assert "Test User" in shown  # the employee's name as Teams gave it, not their id
    buttons = executes(card)
    assert [(b["title"], b["data"]["action"]) for b in buttons] == [
        ("Approve", "approve"),
        ("Deny", "deny"),
    ] * 2
    assert all(b["fallback"]["data"] == b["data"] for b in buttons)
    approve_coat, _, _, deny_spa = (b["data"] for b in buttons)

    # The employee cannot approve from the list either; the card stays as it was.
    status, body = await teams.post(teams.execute(approve_coat) | {"from": _staff()})
    assert status == 200 and "⚠" in body["value"]

    # The manager approves: the list comes back redrawn in the same HTTP response.
    status, body = await teams.post(teams.as_manager(teams.execute(approve_coat)))
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    redrawn = json.dumps(body["value"], ensure_ascii=False)
    assert "1 spend waiting" in redrawn
    assert coat.entry_id not in redrawn and spa.entry_id in redrawn
    decided = await teams.coach.ledger.get(TENANT, coat.entry_id)
    assert decided is not None and decided.status is SpendStatus.APPROVED
    assert decided.decided_by == MANAGER_AAD

    # Clients without Action.Execute send the Submit fallback: the list is edited in place.
    replied_to = teams.submit({})["replyToId"]
    count = len(teams.connector.posted)
    status, _ = await teams.post(teams.as_manager(teams.submit(deny_spa)))
    assert status == 201
    for _ in range(100):
        updates = [p for p in teams.connector.posted[count:] if p.kind == "update"]
        if updates:
            break
        await asyncio.sleep(0.05)
    [update] = updates
    assert update.activity_id == replied_to
    assert "No spends are waiting for a decision" in update.all_text
    assert await teams.coach.ledger.pending(TENANT) == []


async def test_a_managers_own_request_is_listed_without_buttons(teams: Teams) -> None:
    await teams.say(teams.as_manager(teams.personal("spend £1,500 refund of the stay")))
    listing = await teams.say(teams.as_manager(teams.personal("pending")))
    [card] = listing.cards
    assert "another manager decides it" in json.dumps(card) and executes(card) == []


# -- protocol ---------------------------------------------------------------------------


async def test_expect_replies_come_back_in_the_response_body(teams: Teams) -> None:
    status, body = await teams.post(teams.personal(WASHER, deliveryMode="expectReplies"))
    assert status == 200
    [activity] = body["activities"]
    assert activity["attachments"][0]["content"]["body"][0]["text"] == WASHER_TITLE
    assert teams.connector.posted == []


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        ("not json", {"Content-Type": "application/json"}, 400),
        ("[1, 2]", {"Content-Type": "application/json"}, 400),
        ('{"type": "message"}', {"Content-Type": "text/plain"}, 415),
        ('{"text": "no type"}', {"Content-Type": "application/json"}, 400),
        ('{"type": "message", "text": "hi"}', {"Content-Type": "application/json"}, 400),
        ("x" * (300 * 1024), {"Content-Type": "application/json"}, 413),
    ],
    ids=["not-json", "array", "text-plain", "no-type", "no-service-url", "too-big"],
)
async def test_malformed_bodies_get_4xx(
    teams: Teams, data: str, headers: dict[str, str], status: int
) -> None:
    got, _ = await teams.post(data, headers=headers)
    assert got == status
    assert teams.connector.posted == []


@pytest.mark.parametrize(
    "change",
    [
        {"from": "not an object"},
        {"conversation": None},
        {"serviceUrl": "ftp://example.com/"},
        {"serviceUrl": 42},
        {"value": "not an object"},
        {"entities": [{"type": "mention", "mentioned": "x"}]},
    ],
)
async def test_odd_shapes_never_500(teams: Teams, change: dict[str, Any]) -> None:
    body = teams.personal("hello there") | change
    status, _ = await teams.post(body)
    assert status in {201, 400}


async def test_unknown_activity_type_is_ignored(teams: Teams) -> None:
    status, _ = await teams.post(teams.activity("teams_invalid_message.json"))
    assert status == 201
    assert teams.connector.posted == []


async def test_reaction_is_ignored(teams: Teams) -> None:
    status, _ = await teams.post(teams.activity("teams_message_reaction.json"))
    assert status == 201
    assert teams.connector.posted == []


async def test_unauthenticated_mode_only_answers_a_local_service_url(teams: Teams) -> None:
    body = json.loads((teams.fixtures / "teams_message_personal.json").read_text())
    status, _ = await teams.post(body)  # serviceUrl smba.trafficmanager.net, as recorded
    assert status == 403
    assert teams.connector.posted == []


async def test_without_teams_configuration_the_endpoint_is_closed(
    tmp_path: Path,
    connector: TeamsConnector,
    shared_fixtures: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A Slack-only deployment: no app id, no emulator. An unauthenticated caller naming an
    # organisation and a manager's id must change nothing.
    with caplog.at_level("INFO", logger="coachbot.teams"):
        app = build_app(teams_settings(tmp_path, coachbot_teams_emulator=False))
    assert "COACHBOT_TEAMS_EMULATOR=1" in caplog.text and "MICROSOFT_APP_ID" in caplog.text
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        teams = Teams(client, connector, shared_fixtures)
        for body in (
            teams.personal(WASHER),
            teams.as_manager(teams.personal("spend £80 taxi home, room 214")),
            teams.as_manager(teams.execute({"cmd": "esc", "id": "es_x", "action": "approve"})),
        ):
            status, _ = await teams.post(body)
            assert status == 404
        coach = client.app[COACH_KEY]
        assert await coach.ledger.spends(TENANT) == []
        assert connector.posted == []
    finally:
        await client.close()


async def test_emulator_mode_refuses_a_client_that_is_not_on_this_machine(
    tmp_path: Path,
) -> None:
    from aiohttp.test_utils import make_mocked_request

    from adapters.teams import TEAMS_KEY

    app = build_app(teams_settings(tmp_path))
    route = next(
        r for r in app.router.routes() if r.resource and r.resource.canonical == "/api/messages"
    )
    assert TEAMS_KEY in app
    far = make_mocked_request(
        "POST",
        "/api/messages",
        app=app,
        headers={"Content-Type": "application/json"},
        transport=_Transport(("203.0.113.9", 50000)),
    )
    resp = await route.handler(far)
    assert resp.status == 403


class _Transport:
    """What aiohttp reads the client's address from (``peername``)."""

    def __init__(self, peer: tuple[str, int]) -> None:
        self._peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._peer if name == "peername" else default

    def is_closing(self) -> bool:
        return False


async def test_bot_added_to_team_says_hello(teams: Teams) -> None:
    body = teams.activity("teams_conversation_update.json")
    reply = await teams.say(body)
    assert "Describe what is happening" in reply.all_text
    assert reply.conversation_id == body["conversation"]["id"]


async def test_message_back_uses_its_text(teams: Teams) -> None:
    body = teams.activity("teams_message_back.json", text=WASHER)
    reply = await teams.say(body)
    assert reply.cards[0]["body"][0]["text"] == WASHER_TITLE


# -- closing the loop: the outcome prompt ------------------------------------------------


async def test_outcome_prompt_card_reaches_the_employee_and_one_tap_records_it(
    teams: Teams,
) -> None:
    await teams.say(teams.personal(WASHER))
    store = teams.coach.incidents
    assert store is not None
    [incident] = await store.awaiting_outcome(datetime.now(UTC) + timedelta(days=1))
    count = len(teams.connector.posted)
    # What the prompter does after the quiet period: count the ask, enqueue the card.
    assert await store.prompt(incident.org, incident.incident_id, asked=0, at=incident.opened_at)
    prompt = (await teams.connector.wait_for(count + 1))[count]
    assert prompt.kind == "send"
    [card] = prompt.cards
    assert card["body"][0]["text"] == "How did it end?"
    buttons = {a["title"]: a["data"] for a in card["actions"]}
    assert list(buttons) == ["Won back", "Calmed, still unhappy", "Lost", "Not sure"]
    # The tap arrives with the card's inputs merged into the button's data.
    tap = {**buttons["Won back"], "note": "left smiling", "review": "true"}
    reply = await teams.say(teams.submit(tap))
    assert "recorded: Won back" in reply.all_text
    closed = await store.get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None
    assert closed.outcome.value == "won" and closed.review_posted is True
    assert closed.outcome_note == "left smiling"
    again = await teams.say(teams.submit(tap))
    assert "already recorded" in again.all_text


# -- organisations: a Teams tenant is never a Slack workspace --------------------------------

SLACK_TEAM = "T0HOTEL"  # a Slack workspace served by the same deployment
SLACK_MANAGER = "U0SLACKMGR"


async def test_a_tenant_naming_a_slack_team_cannot_see_or_approve_its_pending_spend(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    # The file lists the Slack manager bare (a one-platform file): the namespaces alone
    # must keep the Teams request out of the Slack workspace.
    settings = teams_settings(tmp_path)
    assert settings.coachbot_org_file is not None
    settings.coachbot_org_file.write_text(ORG_YAML + f"  {SLACK_MANAGER}: manager\n")
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    try:
        teams = Teams(client, connector, shared_fixtures)
        coach = teams.coach
        staff = coach.actor(SLACK_TEAM, "U0SLACKSAM", platform="slack")
        outcome = await coach.spend(staff, "£500 refund, room 214")
        assert outcome.entry is not None and outcome.escalation is not None
        entry_id = outcome.entry.entry_id

        def forged(body: dict[str, Any]) -> dict[str, Any]:
            body["conversation"]["tenantId"] = SLACK_TEAM
            body["channelData"]["tenant"]["id"] = SLACK_TEAM
            body["from"] = {"id": "29:1Forged", "name": "Mallory", "aadObjectId": SLACK_MANAGER}
            return body

        reply = await teams.say(forged(teams.personal(f"approve {entry_id}")))
        assert "approved" not in reply.all_text and "no spend" in reply.all_text, reply.all_text
        data = {"cmd": "esc", "id": outcome.escalation.escalation_id, "action": "approve"}
        status, body = await teams.post(forged(teams.execute(data, tenant=SLACK_TEAM)))
        assert status == 200 and "no escalation" in body["value"]
        reply = await teams.say(forged(teams.personal("report today")))
        assert "£500" not in reply.all_text  # the report is of the Teams organisation: empty

        [entry] = await coach.ledger.spends(SLACK_TEAM)
        assert entry.status is SpendStatus.PENDING and entry.decided_by is None
        assert await coach.ledger.spends("teams:" + SLACK_TEAM) == []
        assert (await coach.ledger.verify(SLACK_TEAM)).ok
    finally:
        await client.close()
