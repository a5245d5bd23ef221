"""The Slack adapter over real HTTP: signed requests into the real Bolt app, the Web API
played by a local recorder. Payloads are built from ../shared/fixtures/slack (recorded
from Slack) with only the ids, text and URLs a test needs changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from adapters.server import COACH_KEY, build_app
from adapters.slack import app as slack_app
from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.escalations import open_escalations
from bot.ledger import open_ledger
from bot.matching import PlaybookMatcher
from bot.playbooks import PlaybookLibrary, load_library
from bot.settings import Settings
from bot.state import open_state
from tests.slack_recorder import BOT_ID, BOT_USER_ID, TEAM_ID, Call, SlackRecorder

SECRET = "8f742231b10e8888abcd99yyyzzz85a5-test"
CHANNEL = "C0MANAGERS"  # SLACK_ESCALATION_CHANNEL
STAFF, MANAGER, MANAGER2 = "U0STAFF001", "U0MANAGER1", "U0MANAGER2"
MANAGER_B = "U0BMANAGER"  # a manager in a second workspace (the OAuth tests)
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
  {MANAGER}: manager
  {MANAGER2}: manager
  {MANAGER_B}: manager
"""


# -- signing (what Slack does; the conformance test checks it against Slack's vector) --


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, content_type: str, *, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(secret, ts, body),
    }


# -- the service under test --------------------------------------------------------


class Slack:
    """Sends Slack's requests (signed) to the service and reads what reached the recorder."""

    def __init__(
        self,
        client: TestClient,
        recorder: SlackRecorder,
        fixtures: Path,
        *,
        team: str = TEAM_ID,
        bot_user: str = BOT_USER_ID,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.fixtures = fixtures / "slack"
        self.team = team  # the workspace these requests come from
        self.bot_user = bot_user
        self._n = 0
        self._acked: dict[str, Call] = {}  # answers that came back in a command's ack

    @property
    def coach(self) -> Coach:
        return self.client.server.app[COACH_KEY]

    def _fresh(self) -> str:
        self._n += 1
        return f"{self._n:06d}"

    async def post(
        self, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str, float]:
        started = time.monotonic()
        resp = await self.client.post(
            "/slack/events",
            data=body,
            headers={**signed_headers(body, content_type), **(headers or {})},
        )
        text = await resp.text()
        return resp.status, text, time.monotonic() - started

    # Slash commands: the recorded form body with command, text, user and response_url set.
    async def command(
        self, command: str, text: str, user: str = STAFF
    ) -> tuple[int, str, float, str]:
        raw = (self.fixtures / "slash_command_with_text.txt").read_text()
        fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
        name = f"cmd{self._fresh()}"
        fields.update(
            command=command,
            text=text,
            team_id=self.team,
            user_id=user,
            user_name=user.lower(),
            response_url=self.recorder.response_url(name),
        )
        body = urllib.parse.urlencode(fields).encode()
        status, out, took = await self.post(body, "application/x-www-form-urlencoded")
        path = f"/respond/{name}"
        if status == 200 and out:
            self._acked[path] = Call("ack", json.loads(out), path, {})
        return status, out, took, path

    def event(self, fixture: str, **event: Any) -> dict[str, Any]:
        envelope = json.loads((self.fixtures / fixture).read_text())
        envelope["team_id"] = self.team
        envelope["event_id"] = f"Ev{self._fresh()}"
        envelope["authorizations"] = [
            {"team_id": self.team, "user_id": self.bot_user, "is_bot": True, "enterprise_id": None}
        ]
        envelope["event"].update(event)
        return envelope

    async def send_event(
        self, envelope: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, str, float]:
        return await self.post(json.dumps(envelope).encode(), "application/json", headers)

    # Interactivity: the recorded block_actions payload with one button pressed.
    async def click(
        self,
        action_id: str,
        value: str,
        user: str = STAFF,
        channel: str = "D0STAFFDM1",
        message_ts: str = "1769300000.000001",
        block_id: str = "coach_actions",
    ) -> tuple[int, str, str]:
        payload = json.loads((self.fixtures / "block_actions.json").read_text())
        name = f"act{self._fresh()}"
        payload["user"].update(id=user, team_id=self.team, username=user.lower())
        payload["team"]["id"] = self.team
        payload["container"].update(channel_id=channel, message_ts=message_ts)
        payload["container"].pop("thread_ts", None)
        payload["channel"]["id"] = channel
        payload["response_url"] = self.recorder.response_url(name)
        payload["actions"] = [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action_id},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ]
        body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
        status, out, _ = await self.post(body, "application/x-www-form-urlencoded")
        return status, out, f"/respond/{name}"

    async def submit_spend(
        self,
        amount: str,
        reason: str,
        customer: str = "",
        playbook_id: str | None = None,
        incident_id: str | None = None,
    ) -> tuple[int, str]:
        payload = json.loads((self.fixtures / "view_submission.json").read_text())
        payload["user"].update(id=STAFF, team_id=self.team)
        payload["team"]["id"] = self.team
        view = payload["view"]
        view["callback_id"] = "coach_spend_modal"
        view["private_metadata"] = json.dumps(
            {"playbook_id": playbook_id, "channel": None, "incident_id": incident_id}
        )
        view["state"]["values"] = {
            name: {name: {"type": "plain_text_input", "value": value or None}}
            for name, value in (("amount", amount), ("reason", reason), ("customer", customer))
        }
        body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
        status, out, _ = await self.post(body, "application/x-www-form-urlencoded")
        return status, out

    async def reply_at(self, path: str, within: float = 5.0) -> Call:
        """The answer to the command or click whose response_url is ``path``: the one
        that came back in the command's ack, else the one sent to the response_url."""
        if path in self._acked:
            return self._acked[path]
        (call,) = await self.recorder.wait_for(lambda c: c.path == path, within=within)
        return call


def slack_settings(tmp_path: Path, recorder: SlackRecorder, **extra: Any) -> Settings:
    org = tmp_path / "org.yaml"
    org.write_text(ORG_YAML)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'coach.db'}",
        "redis_url": "",
        "coachbot_org_file": org,
        "coachbot_data_dir": tmp_path,
        "slack_signing_secret": SecretStr(SECRET),
        "slack_bot_token": SecretStr("xoxb-test-token"),
        "slack_api_url": recorder.api_url,
        "slack_escalation_channel": CHANNEL,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@functools.cache
def _library_and_matcher() -> tuple[PlaybookLibrary, PlaybookMatcher]:
    # Loading and indexing the playbooks takes seconds; they are read-only, so share them.
    library = load_library()
    return library, PlaybookMatcher(library)


@contextlib.asynccontextmanager
async def open_test_coach(tmp_path: Path, redis_url: str | None = None) -> AsyncIterator[Coach]:
    """The core as bot.runtime.open_coach assembles it, on a SQLite database in tmp_path."""
    library, matcher = _library_and_matcher()
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    ledger, escalations, state = open_ledger(url), open_escalations(url), open_state(redis_url)
    for part in (ledger, escalations, state):
        await part.open()
    policy = AuthorityPolicy(parse_org_config(yaml.safe_load(ORG_YAML)))
    yield Coach(
        library=library,
        policy=policy,
        ledger=ledger,
        state=state,
        escalations=escalations,
        matcher=matcher,
    )
    for part in (state, escalations, ledger):
        await part.close()


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    async with open_test_coach(tmp_path) as opened:
        yield opened


@pytest.fixture
async def slack(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> AsyncIterator[Slack]:
    app = build_app(slack_settings(tmp_path, recorder), coach=coach)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Slack(client, recorder, shared_fixtures)
    await client.close()


def texts(call: Call) -> str:
    return call.all_text


def button_value(call: Call, action_id: str) -> str:
    """What the card's button ``action_id`` carries (the incident, for coaching cards)."""
    return str(
        next(
            e["value"]
            for b in call.blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        )
    )


# -- protocol ----------------------------------------------------------------------


def test_signature_vector_from_slack_docs(shared_fixtures: Path) -> None:
    """Our signing matches Slack's published vector, and slack_sdk's verifier agrees."""
    from slack_sdk.signature import SignatureVerifier

    vector = json.loads((shared_fixtures / "slack" / "signature_vector.json").read_text())
    secret, ts, body = vector["signing_secret"], vector["timestamp"], vector["body"]
    assert sign(secret, ts, body.encode()) == vector["expected_signature"]

    class Then:
        def now(self) -> float:
            return float(ts)

    at_the_time = SignatureVerifier(secret, clock=Then())  # type: ignore[arg-type]
    assert at_the_time.is_valid(body, ts, vector["expected_signature"])
    assert not at_the_time.is_valid(body + "&x=1", ts, vector["expected_signature"])
    # With a real clock the 2018 timestamp is stale.
    assert not SignatureVerifier(secret).is_valid(body, ts, vector["expected_signature"])


async def test_the_published_vector_is_refused_by_the_service_as_stale(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    vector = json.loads((shared_fixtures / "slack" / "signature_vector.json").read_text())
    settings = slack_settings(
        tmp_path, recorder, slack_signing_secret=SecretStr(vector["signing_secret"])
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        resp = await client.post(
            "/slack/events", data=vector["body"].encode(), headers=vector["headers"]
        )
        assert resp.status == 401
    # Nothing but the start-up identity check (auth.test) reached the Web API.
    assert [c.method for c in recorder.calls if c.method != "auth.test"] == []


@pytest.mark.parametrize("attack", ["forged", "unsigned", "stale", "tampered"])
async def test_requests_not_signed_by_slack_now_get_401(slack: Slack, attack: str) -> None:
    raw = (slack.fixtures / "slash_command_with_text.txt").read_text()
    fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
    fields.update(command="/coach", text=WASHER, response_url=slack.recorder.response_url())
    body = urllib.parse.urlencode(fields).encode()
    headers = signed_headers(body, "application/x-www-form-urlencoded")
    if attack == "forged":
        headers = signed_headers(body, "application/x-www-form-urlencoded", secret="not-it")
    elif attack == "unsigned":
        del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
    elif attack == "stale":
        old = str(int(time.time()) - 6 * 60)
        headers.update(
            {"X-Slack-Request-Timestamp": old, "X-Slack-Signature": sign(SECRET, old, body)}
        )
    else:
        body += b"+and+refund+everything"
    resp = await slack.client.post("/slack/events", data=body, headers=headers)
    assert resp.status == 401
    await slack.recorder.settle(0.2)
    assert slack.recorder.replies() == []


async def test_a_body_that_is_not_utf8_is_refused_not_a_500(slack: Slack) -> None:
    status, _, _ = await slack.post(b"\x80payload=", "application/x-www-form-urlencoded")
    assert status == 400


async def test_url_verification_is_answered(slack: Slack) -> None:
    body = (slack.fixtures / "url_verification.json").read_bytes()
    status, text, _ = await slack.post(body, "application/json")
    assert status == 200
    assert json.loads(text)["challenge"] == json.loads(body)["challenge"]


async def test_unconfigured_slack_says_so(tmp_path: Path, recorder: SlackRecorder) -> None:
    settings = slack_settings(tmp_path, recorder, slack_signing_secret=None, slack_bot_token=None)
    async with TestClient(TestServer(build_app(settings))) as client:
        resp = await client.post("/slack/events", data=b"{}")
        assert resp.status == 503
        assert "SLACK_SIGNING_SECRET" in (await resp.json())["error"]


# -- staff: /coach, DM, @mention -----------------------------------------------------


async def test_coach_command_is_acked_fast_and_the_right_playbook_reaches_slack(
    slack: Slack,
) -> None:
    status, body, took, path = await slack.command("/coach", WASHER)
    assert status == 200
    assert took < 1.0
    # The answer rides in the ack: no second request, no response_url reply used up.
    reply = Call("ack", json.loads(body), path, {})
    await slack.recorder.settle()
    assert slack.recorder.named("response_url") == []
    assert reply.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": WASHER_TITLE},
    }
    shown = texts(reply)
    assert "Step 1 of" in shown and "Say:" in shown and "Your authority:" in shown
    assert "£100.00" in shown and "£300.00 left" in shown
    assert reply.action_ids[:3] == ["coach_next", "coach_spend", "coach_escalate"]
    assert "response_type" not in reply.args or reply.args["response_type"] == "ephemeral"
    # Who the bot is was asked once, in the background, of the recorder (SLACK_API_URL);
    # the command itself waited for no Web API call.
    await slack.recorder.wait_for(lambda c: c.method == "auth.test")
    await slack.recorder.settle()
    assert [c.headers["Authorization"] for c in slack.recorder.named("auth.test")] == [
        "Bearer xoxb-test-token"
    ]


@pytest.mark.parametrize("text", ["", "   "])
async def test_empty_coach_gets_the_usage_hint(slack: Slack, text: str) -> None:
    _, _, _, path = await slack.command("/coach", text)
    reply = await slack.reply_at(path)
    assert "Tell me what is happening" in texts(reply)
    assert reply.action_ids == []


async def test_nonsense_gets_the_usage_hint_not_a_random_playbook(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", "qwzx blorp")
    reply = await slack.reply_at(path)
    assert "Tell me what is happening" in texts(reply)


async def test_a_direct_message_is_answered_in_the_dm(slack: Slack) -> None:
    envelope = slack.event("event_message_im.json", user=STAFF, text=WASHER, channel="D0STAFFDM1")
    status, _, took = await slack.send_event(envelope)
    assert status == 200 and took < 1.0
    (post,) = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert post.args["channel"] == "D0STAFFDM1"
    assert "thread_ts" not in post.args or post.args["thread_ts"] is None
    assert WASHER_TITLE in texts(post)


async def test_mention_twins_and_retries_get_exactly_one_reply(
    slack: Slack, shared_fixtures: Path
) -> None:
    """app_mention + its message.channels twin (same channel+ts), each retried by Slack."""
    retry = json.loads((shared_fixtures / "slack" / "event_retry_headers.json").read_text())
    where = {"channel": "C0FRONTDSK", "ts": "1769300100.000100", "user": STAFF}
    mention = slack.event("event_app_mention.json", text=f"<@{BOT_USER_ID}> {WASHER}", **where)
    twin = slack.event(
        "event_message_channel_mention.json", text=f"<@{BOT_USER_ID}> {WASHER}", **where
    )
    assert mention["event_id"] != twin["event_id"]
    for envelope in (mention, twin):
        assert (await slack.send_event(envelope))[0] == 200
        for headers in (
            retry["http_headers_first_retry"],
            retry["http_headers_second_retry_as_bolt_builds_them"],
        ):
            assert (await slack.send_event(envelope, headers))[0] == 200
    (post,) = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage")
    await slack.recorder.settle(0.5)
    assert len(slack.recorder.replies()) == 1
    assert post.args["channel"] == "C0FRONTDSK"
    assert post.args["thread_ts"] == where["ts"]  # answered in a thread, not the channel
    assert WASHER_TITLE in texts(post)


@pytest.mark.redis
async def test_twins_delivered_to_two_processes_get_one_reply(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, redis_url: str
) -> None:
    """Two `coachbot serve` processes behind a load balancer share Redis: still one reply."""
    settings = slack_settings(tmp_path, recorder)
    async with (
        open_test_coach(tmp_path, redis_url) as coach_a,
        open_test_coach(tmp_path, redis_url) as coach_b,
        TestClient(TestServer(build_app(settings, coach=coach_a))) as client_a,
        TestClient(TestServer(build_app(settings, coach=coach_b))) as client_b,
    ):
        a, b = (
            Slack(client_a, recorder, shared_fixtures),
            Slack(client_b, recorder, shared_fixtures),
        )
        where = {"channel": "C0FRONTDSK", "ts": "1769300200.000100", "user": STAFF}
        text = f"<@{BOT_USER_ID}> {WASHER}"
        mention = a.event("event_app_mention.json", text=text, **where)
        twin = b.event("event_message_channel_mention.json", text=text, **where)
        twin["event_id"] = "EvOTHER00001"
        await asyncio.gather(a.send_event(mention), b.send_event(twin), b.send_event(mention))
        await recorder.wait_for(lambda c: c.method == "chat.postMessage")
        await recorder.settle(0.5)
    assert len(recorder.replies()) == 1


async def test_a_channel_message_without_a_mention_is_ignored(slack: Slack) -> None:
    envelope = slack.event("payload_message.json", user=STAFF, text=WASHER)
    assert (await slack.send_event(envelope))[0] == 200
    await slack.recorder.settle()
    assert slack.recorder.replies() == []


@pytest.mark.parametrize(
    "fixture", ["payload_message_bot_message.json", "payload_message_message_changed.json"]
)
async def test_bot_messages_and_edits_are_never_answered(slack: Slack, fixture: str) -> None:
    envelope = slack.event(fixture, channel="D0STAFFDM1", channel_type="im", text=WASHER)
    assert (await slack.send_event(envelope))[0] == 200
    await slack.recorder.settle()
    assert slack.recorder.replies() == []


async def test_the_bots_own_dm_message_is_never_answered(slack: Slack) -> None:
    envelope = slack.event(
        "event_message_im.json", user=BOT_USER_ID, bot_id=BOT_ID, text=WASHER, channel="D0X"
    )
    assert (await slack.send_event(envelope))[0] == 200
    await slack.recorder.settle()
    assert slack.recorder.replies() == []


@pytest.mark.parametrize(
    "fixture", ["event_reaction_added.json", "event_member_joined_channel.json"]
)
async def test_other_events_are_acknowledged_quietly(slack: Slack, fixture: str) -> None:
    status, _, _ = await slack.send_event(slack.event(fixture))
    assert status == 200  # not 404: Slack would retry it
    await slack.recorder.settle()
    assert slack.recorder.replies() == []


# -- the buttons on the coaching card ---------------------------------------------


async def test_next_step_updates_the_card_in_place(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", WASHER)
    card = await slack.reply_at(path)
    status, body, path = await slack.click("coach_next", button_value(card, "coach_next"))
    assert status == 200 and body == ""
    reply = await slack.reply_at(path)
    assert reply.args["replace_original"] is True
    assert "Step 2 of" in texts(reply)


async def test_not_this_one_offers_alternatives_and_switches(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", WASHER)
    card = await slack.reply_at(path)
    _, _, path = await slack.click("coach_other", button_value(card, "coach_other"))
    reply = await slack.reply_at(path)
    assert reply.action_ids and all(a.startswith("coach_choose_") for a in reply.action_ids)
    button = next(e for b in reply.blocks if b["type"] == "actions" for e in b["elements"])
    _, _, path = await slack.click(button["action_id"], button["value"])
    chosen = await slack.reply_at(path)
    assert chosen.blocks[0]["text"]["text"] == button["text"]["text"]
    assert "Step 1 of" in texts(chosen)


async def test_a_button_with_no_open_situation_tells_only_the_clicker(slack: Slack) -> None:
    _, _, path = await slack.click("coach_next", "in_gone")
    reply = await slack.reply_at(path)
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["replace_original"] is False
    assert "tell me what is happening first" in texts(reply)


async def test_log_spend_opens_a_modal_and_records_the_spend(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", WASHER)
    card = await slack.reply_at(path)
    await slack.click("coach_spend", button_value(card, "coach_spend"))
    (opened,) = await slack.recorder.wait_for(lambda c: c.method == "views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert opened.args["trigger_id"]
    assert [b["block_id"] for b in view["blocks"]] == ["amount", "reason", "customer"]
    meta = json.loads(view["private_metadata"])
    incident_id = button_value(card, "coach_next")
    assert meta["playbook_id"] == "property-damaged-or-stuck"
    assert meta["incident_id"] == incident_id

    status, body = await slack.submit_spend(
        "£48", "dry cleaning", "room 214", meta["playbook_id"], meta["incident_id"]
    )
    assert status == 200 and body == ""  # the modal closes
    (dm,) = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert dm.args["channel"] == STAFF
    assert "Logged £48.00 for room 214" in texts(dm)
    (entry,) = await slack.coach.ledger.spends(TEAM_ID)
    assert entry.amount.minor == 4800 and entry.playbook_id == "property-damaged-or-stuck"
    assert entry.incident_id == incident_id


COLD_FOOD = "food order arrived cold and late, customer wants a refund"


async def _two_cards(slack: Slack) -> tuple[Call, Call]:
    """An older card (the washer) and the employee's newer incident's card."""
    _, _, _, path = await slack.command("/coach", WASHER)
    older = await slack.reply_at(path)
    _, _, _, path = await slack.command("/coach", COLD_FOOD)
    newer = await slack.reply_at(path)
    assert button_value(older, "coach_next") != button_value(newer, "coach_next")
    return older, newer


async def test_next_step_on_an_older_card_names_its_incident_and_leaves_the_newer_alone(
    slack: Slack,
) -> None:
    older, newer = await _two_cards(slack)
    old_id, new_id = button_value(older, "coach_next"), button_value(newer, "coach_next")

    _, _, path = await slack.click("coach_next", old_id)
    reply = await slack.reply_at(path)
    assert reply.args["response_type"] == "ephemeral" and reply.args["replace_original"] is False
    assert old_id in texts(reply) and "closed" in texts(reply) and new_id in texts(reply)
    assert "Step" not in texts(reply)

    # The newer incident did not move: its own Next step goes to step 2.
    _, _, path = await slack.click("coach_next", new_id)
    assert "Step 2 of" in texts(await slack.reply_at(path))


async def test_escalate_and_spend_from_an_older_card_never_land_on_the_newer_incident(
    slack: Slack,
) -> None:
    older, _ = await _two_cards(slack)
    old_id = button_value(older, "coach_escalate")

    _, _, path = await slack.click("coach_escalate", old_id)
    refusal = await slack.reply_at(path)
    assert old_id in texts(refusal) and "closed" in texts(refusal)
    assert await slack.coach.escalations.list(TEAM_ID) == []

    status, body = await slack.submit_spend("£48", "dry cleaning", "", None, old_id)
    answer = json.loads(body)
    assert status == 200 and answer["response_action"] == "errors"
    assert old_id in " ".join(answer["errors"].values())
    assert await slack.coach.ledger.spends(TEAM_ID) == []


@pytest.mark.parametrize(
    ("amount", "reason", "field"), [("0", "dry cleaning", "amount"), ("£48", "", "reason")]
)
async def test_bad_spend_in_the_modal_is_shown_in_the_modal(
    slack: Slack, amount: str, reason: str, field: str
) -> None:
    status, body = await slack.submit_spend(amount, reason)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and answer["errors"][field]
    assert await slack.coach.ledger.spends(TEAM_ID) == []


# -- /spend ------------------------------------------------------------------------


async def test_spend_within_authority_is_approved_with_a_receipt(slack: Slack) -> None:
    status, body, took, path = await slack.command("/spend", "48 dry cleaning, room 214")
    assert status == 200 and took < 1.0
    receipt = Call("ack", json.loads(body), path, {})  # recorded before the ack, so in it
    assert "Logged £48.00 for room 214" in texts(receipt) and "Receipt" in texts(receipt)
    (entry,) = await slack.coach.ledger.spends(TEAM_ID)
    assert entry.status.value == "approved" and entry.user_id == STAFF


async def test_a_spend_like_one_minutes_ago_asks_log_another_with_buttons(slack: Slack) -> None:
    await slack.command("/spend", "£80 towels, room 214")
    status, body, _, _ = await slack.command("/spend", "£80 Towels room 214")
    asked = json.loads(body)
    assert status == 200 and "You logged £80.00 for room 214 at " in asked["text"]
    assert asked["text"].endswith("— log another?")
    buttons = {
        e["action_id"]: e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert set(buttons) == {"spend_again", "spend_not_again"}
    assert len(await slack.coach.ledger.spends(TEAM_ID)) == 1  # nothing logged yet

    _, _, path = await slack.click("spend_not_again", buttons["spend_not_again"]["value"])
    assert "not logged again" in texts(await slack.reply_at(path))
    receipts = []
    for _ in range(2):  # the same click delivered twice (a retry): logged once
        _, _, path = await slack.click("spend_again", buttons["spend_again"]["value"])
        reply = await slack.reply_at(path)
        assert reply.args["replace_original"] is True
        receipts.append(texts(reply))
    assert "Logged £80.00 for room 214" in receipts[0] and receipts[0] == receipts[1]
    assert [e.amount.minor for e in await slack.coach.ledger.spends(TEAM_ID)] == [8000, 8000]


@pytest.mark.parametrize(("command", "text"), [("/coach", WASHER), ("/spend", "£12 towels")])
async def test_an_answer_not_ready_within_the_ack_budget_follows_on_the_response_url(
    slack: Slack, monkeypatch: pytest.MonkeyPatch, command: str, text: str
) -> None:
    # What a slow database does: the ack cannot wait for the answer, so it goes out
    # empty (Slack must have it within 3 s) and the answer follows.
    monkeypatch.setattr(slack_app, "ACK_BUDGET_SECONDS", 0.0)
    status, body, _, path = await slack.command(command, text)
    assert status == 200 and body == ""
    (reply,) = await slack.recorder.wait_for(lambda c: c.path == path)
    assert ("Step 1 of" if command == "/coach" else "Receipt") in texts(reply)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Usage"),
        ("0 dry cleaning", ""),
        ("-5 towels", ""),
        ("£99999999 bribe", ""),
        ("48 XYZ dry cleaning", ""),
        ("48", "what was it for"),
    ],
)
async def test_bad_spend_gets_an_ephemeral_message_and_records_nothing(
    slack: Slack, text: str, says: str
) -> None:
    _, _, _, path = await slack.command("/spend", text)
    reply = await slack.reply_at(path)
    assert reply.args.get("response_type", "ephemeral") == "ephemeral"
    assert says in texts(reply)
    assert "Logged" not in texts(reply)
    assert await slack.coach.ledger.spends(TEAM_ID) == []


# -- managers ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/cx-limits", "/cx-audit", "/cx-report", "/cx-pending"])
async def test_manager_commands_politely_refuse_staff(slack: Slack, command: str) -> None:
    _, _, _, path = await slack.command(command, "verify" if command == "/cx-audit" else "")
    reply = await slack.reply_at(path)
    assert "managers and admins only" in texts(reply)


async def test_limits_and_audit_for_a_manager(slack: Slack) -> None:
    _, _, _, path = await slack.command("/cx-limits", "", user=MANAGER)
    limits = await slack.reply_at(path)
    assert "associate" in texts(limits) and "£100.00 per incident" in texts(limits)
    _, _, _, path = await slack.command("/spend", "20 coffee")
    await slack.reply_at(path)
    _, _, _, path = await slack.command("/cx-audit", "verify", user=MANAGER)
    audit = await slack.reply_at(path)
    assert "Ledger intact: 1 entries checked" in texts(audit)


async def test_report_for_a_manager_shows_the_figures(slack: Slack) -> None:
    for text in ("48 dry cleaning", "£480 new suit"):
        _, _, _, path = await slack.command("/spend", text)
        await slack.reply_at(path)
    _, _, _, path = await slack.command("/cx-report", "today by employee", user=MANAGER)
    reply = await slack.reply_at(path)
    shown = texts(reply)
    assert "Given to customers:* £48.00 in 1 spends" in shown
    assert "Waiting for a manager:* 1 (£480.00)" in shown
    assert f"<@{STAFF}>" in shown and "Escalations:* 1 opened" in shown


async def test_a_bad_report_query_is_explained(slack: Slack) -> None:
    _, _, _, path = await slack.command("/cx-report", "fortnight", user=MANAGER)
    reply = await slack.reply_at(path)
    assert "unknown period" in texts(reply)


# -- escalations end to end ----------------------------------------------------------


def _in_channel(c: Call) -> bool:
    return c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL


async def _pending_spend(slack: Slack) -> tuple[str, Call]:
    _, _, _, path = await slack.command("/spend", "£480 new suit, room 214")
    reply = await slack.reply_at(path)
    assert "needs a manager's OK" in texts(reply)
    (request,) = await slack.recorder.wait_for(_in_channel, within=10)
    button = next(e for b in request.blocks if b["type"] == "actions" for e in b["elements"])
    return button["value"], request


async def test_spend_over_authority_is_approved_by_a_manager_and_the_employee_told(
    slack: Slack,
) -> None:
    escalation_id, request = await _pending_spend(slack)
    assert request.action_ids == ["esc_acknowledge", "esc_take_over", "esc_approve", "esc_deny"]
    assert "£480.00" in texts(request) and f"<@{STAFF}>" in texts(request)

    _, _, path = await slack.click("esc_approve", escalation_id, user=MANAGER, channel=CHANNEL)
    (update,) = await slack.recorder.wait_for(lambda c: c.method == "chat.update", within=10)
    assert update.args["channel"] == CHANNEL and update.args["ts"]
    assert f"<@{MANAGER}> approved" in texts(update)
    assert "esc_approve" not in update.action_ids
    (dm,) = await slack.recorder.wait_for(
        lambda c: c.method == "chat.postMessage" and c.args.get("channel") == STAFF, within=10
    )
    assert "approved" in texts(dm) and f"<@{MANAGER}>" in texts(dm)
    (entry,) = await slack.coach.ledger.spends(TEAM_ID)
    assert entry.status.value == "approved" and entry.decided_by == MANAGER
    assert not any(c.path == path for c in slack.recorder.calls)  # no refusal to the clicker


@pytest.mark.parametrize("clicker", [STAFF, "U0SOMEONE9"])
async def test_only_another_manager_may_approve_and_the_refusal_is_private(
    slack: Slack, clicker: str
) -> None:
    escalation_id, _ = await _pending_spend(slack)
    _, _, path = await slack.click("esc_approve", escalation_id, user=clicker, channel=CHANNEL)
    refusal = await slack.reply_at(path)
    assert (
        refusal.args["response_type"] == "ephemeral" and refusal.args["replace_original"] is False
    )
    assert "manager" in texts(refusal)
    (entry,) = await slack.coach.ledger.spends(TEAM_ID)
    assert entry.status.value == "pending"


async def test_a_second_decision_is_refused(slack: Slack) -> None:
    escalation_id, _ = await _pending_spend(slack)
    await slack.click("esc_deny", escalation_id, user=MANAGER, channel=CHANNEL)
    await slack.recorder.wait_for(lambda c: c.method == "chat.update", within=10)
    _, _, path = await slack.click("esc_approve", escalation_id, user=MANAGER2, channel=CHANNEL)
    refusal = await slack.reply_at(path)
    assert "already" in texts(refusal)
    (entry,) = await slack.coach.ledger.spends(TEAM_ID)
    assert entry.status.value == "denied"


async def test_escalate_button_alerts_the_channel_and_acknowledge_updates_it(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", WASHER)
    card = await slack.reply_at(path)
    _, _, path = await slack.click("coach_escalate", button_value(card, "coach_escalate"))
    told = await slack.reply_at(path)
    assert f"<#{CHANNEL}>" in texts(told)
    (card,) = await slack.recorder.wait_for(_in_channel, within=10)
    assert card.action_ids == ["esc_acknowledge", "esc_take_over"]
    escalation_id = next(
        e["value"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]
    )
    await slack.click("esc_acknowledge", escalation_id, user=MANAGER, channel=CHANNEL)
    (update,) = await slack.recorder.wait_for(lambda c: c.method == "chat.update", within=10)
    assert f"<@{MANAGER}> acknowledged" in texts(update)
    assert "esc_acknowledge" not in update.action_ids


# -- the managers' queue -------------------------------------------------------------


def _pending_buttons(call: Call) -> dict[str, list[tuple[str, str]]]:
    """block id -> the (action id, value) of its buttons, for the list's action blocks."""
    return {
        b["block_id"]: [(e["action_id"], e["value"]) for e in b["elements"]]
        for b in call.blocks
        if b["type"] == "actions"
    }


async def test_cx_pending_lists_the_queue_and_its_buttons_decide_and_refresh_it(
    slack: Slack,
) -> None:
    suit_escalation, _ = await _pending_spend(slack)
    _, _, _, path = await slack.command("/spend", "£20 coffee")  # within authority
    await slack.reply_at(path)
    _, _, _, path = await slack.command("/spend", "£150 spa day", user="U0STAFF002")
    await slack.reply_at(path)
    suit, spa = await slack.coach.ledger.pending(TEAM_ID)

    _, _, _, path = await slack.command("/cx-pending", "", user=MANAGER)
    listing = await slack.reply_at(path)
    shown = texts(listing)
    assert "2 spends waiting for a decision" in shown
    assert shown.index(suit.entry_id) < shown.index(spa.entry_id)  # oldest first
    assert "£480.00" in shown and "new suit" in shown and "room 214" in shown
    assert f"<@{STAFF}>" in shown and "<@U0STAFF002>" in shown and "£20.00" not in shown
    buttons = _pending_buttons(listing)
    assert buttons[f"pending_{suit.entry_id}"] == [
        ("esc_approve", suit_escalation),
        ("esc_deny", suit_escalation),
    ]
    assert set(buttons) == {f"pending_{suit.entry_id}", f"pending_{spa.entry_id}"}

    # Approve from the list: the spend is decided, the channel's card updated, the
    # employee told, and the list redrawn in place without it.
    _, _, click = await slack.click(
        "esc_approve", suit_escalation, user=MANAGER, block_id=f"pending_{suit.entry_id}"
    )
    redrawn = await slack.reply_at(click)
    assert redrawn.args["replace_original"] is True
    assert suit.entry_id not in texts(redrawn) and spa.entry_id in texts(redrawn)
    assert "1 spend waiting" in texts(redrawn)
    (update,) = await slack.recorder.wait_for(lambda c: c.method == "chat.update", within=10)
    assert f"<@{MANAGER}> approved" in texts(update)
    decided = await slack.coach.ledger.get(TEAM_ID, suit.entry_id)
    assert decided is not None and decided.status.value == "approved"

    # Staff cannot use a list's button either: refused privately, nothing decided.
    (_, spa_escalation), _ = _pending_buttons(redrawn)[f"pending_{spa.entry_id}"]
    _, _, refused = await slack.click(
        "esc_approve", spa_escalation, user=STAFF, block_id=f"pending_{spa.entry_id}"
    )
    refusal = await slack.reply_at(refused)
    assert refusal.args["replace_original"] is False and "manager" in texts(refusal)
    assert [e.entry_id for e in await slack.coach.ledger.pending(TEAM_ID)] == [spa.entry_id]


async def test_a_managers_own_request_is_listed_without_buttons(slack: Slack) -> None:
    _, _, _, path = await slack.command("/spend", "£1,500 refund of the stay", user=MANAGER)
    await slack.reply_at(path)
    (own,) = await slack.coach.ledger.pending(TEAM_ID)
    _, _, _, path = await slack.command("/cx-pending", "", user=MANAGER)
    mine = await slack.reply_at(path)
    assert own.entry_id in texts(mine) and "another manager decides it" in texts(mine)
    assert mine.action_ids == []
    _, _, _, path = await slack.command("/cx-pending", "", user=MANAGER2)
    theirs = await slack.reply_at(path)
    assert theirs.action_ids == ["esc_approve", "esc_deny"]


async def test_pending_in_a_dm_lists_the_queue_not_a_playbook(slack: Slack) -> None:
    _, _, _, path = await slack.command("/cx-pending", "", user=MANAGER)
    assert "No spends are waiting" in texts(await slack.reply_at(path))
    await _pending_spend(slack)
    envelope = slack.event(
        "event_message_im.json", user=MANAGER, text="pending", channel="D0MANAGER1"
    )
    await slack.send_event(envelope)
    (post,) = await slack.recorder.wait_for(
        lambda c: c.method == "chat.postMessage" and c.args.get("channel") == "D0MANAGER1"
    )
    assert "1 spend waiting for a decision" in texts(post) and "£480.00" in texts(post)
    assert post.action_ids == ["esc_approve", "esc_deny"]
