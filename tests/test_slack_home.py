"""The Slack App Home and the assistant container, over real HTTP.

Signed ``app_home_opened`` events and home-tab button clicks go into the real Bolt app;
what it publishes (``views.publish``) and posts reaches the Web API recorder. Event
shapes follow Slack's published examples (app_home_opened, assistant_thread_started);
envelopes and clicks start from ../shared/fixtures/slack.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.slack.blocks import escape
from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.escalations import open_escalations
from bot.incidents import open_incidents
from bot.ledger import open_ledger
from bot.models import SpendStatus
from bot.state import open_state
from tests.clock import Clock
from tests.slack_recorder import Call, SlackRecorder
from tests.test_slack import (
    MANAGER,
    ORG_YAML,
    STAFF,
    WASHER,
    WASHER_TITLE,
    Slack,
    _library_and_matcher,
    slack_settings,
)

SPA_STAFF = "U0SPASTAFF"  # an associate at another location
ADMIN = "U0ADMIN001"
# The organisation file of test_slack, with an admin and locations for the one-tap
# playbooks.
HOME_ORG_YAML = (
    ORG_YAML
    + f"""  {ADMIN}: admin
locations:
  {STAFF}: Front desk
  {SPA_STAFF}: Spa
"""
)
# What staff typed: room numbers and health details that must never reach a button.
WASHER_LINES = (
    "gst's clothes stuck in the broken washer, she's fuming, rm 214",
    "the washer ate a guest's wool coat, room 118, he is diabetic and needs his kit from it",
    WASHER,
)
NOISE = "guest says the room is freezing and the heating will not turn on, rm 305"
PRIVATE = ("214", "118", "305", "diabetic", "fuming", "freezing")


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    """The core with an incident history and a clock the test owns (10 March 2026)."""
    library, matcher = _library_and_matcher()
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    clock = Clock(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
    ledger = open_ledger(url, clock=clock)
    escalations = open_escalations(url, clock=clock)
    incidents, state = open_incidents(url), open_state(None)
    for part in (ledger, escalations, incidents, state):
        await part.open()
    yield Coach(
        library=library,
        policy=AuthorityPolicy(parse_org_config(yaml.safe_load(HOME_ORG_YAML))),
        ledger=ledger,
        state=state,
        escalations=escalations,
        matcher=matcher,
        clock=clock,
        incidents=incidents,
    )
    for part in (state, incidents, escalations, ledger):
        await part.close()


@pytest.fixture
async def slack(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> AsyncIterator[Slack]:
    app = build_app(slack_settings(tmp_path, recorder), coach=coach)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Slack(client, recorder, shared_fixtures)
    await client.close()


# -- what Slack sends ------------------------------------------------------------------


def envelope(slack: Slack, event: dict[str, Any]) -> dict[str, Any]:
    """The recorded event_callback envelope of event_message_im.json around ``event``."""
    out = slack.event("event_message_im.json")
    out["event"] = event
    return out


async def open_home(slack: Slack, user: str, tab: str = "home") -> None:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],
        "tab": tab,
        "event_ts": "1773140400.000100",
    }
    status, _, _ = await slack.send_event(envelope(slack, event))
    assert status == 200


async def home_click(slack: Slack, user: str, action_id: str, value: str) -> int:
    """A button pressed in ``user``'s Home tab: the container is the view, and there is
    no channel, message or response_url (Slack's block_actions from a home view)."""
    payload = json.loads((slack.fixtures / "block_actions.json").read_text())
    payload["user"].update(id=user, team_id=slack.team, username=user.lower())
    payload["team"]["id"] = slack.team
    for key in ("channel", "message", "response_url", "state"):
        payload.pop(key, None)
    payload["container"] = {"type": "view", "view_id": "V0HOME0001"}
    payload["view"] = {
        "id": "V0HOME0001",
        "team_id": slack.team,
        "type": "home",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "coach_home",
        "state": {"values": {}},
        "hash": "1773140400.abcdef",
        "app_id": "A00FAKEAPP02",
        "external_id": "",
        "bot_id": "B00FAKEBOT02",
    }
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": "home",
            "text": {"type": "plain_text", "text": action_id},
            "value": value,
            "action_ts": "1773140401.000200",
        }
    ]
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    status, _, _ = await slack.post(body, "application/x-www-form-urlencoded")
    return status


def published(slack: Slack, user: str) -> list[Call]:
    return [c for c in slack.recorder.named("views.publish") if c.args.get("user_id") == user]


async def next_home(slack: Slack, user: str, after: int = 0) -> Call:
    """The ``after``+1-th home published for ``user`` (waiting for it)."""
    calls = await slack.recorder.wait_for(
        lambda c: c.method == "views.publish" and c.args.get("user_id") == user, count=after + 1
    )
    return calls[after]


async def home_showing(slack: Slack, user: str, *texts: str) -> Call:
    """The first home published for ``user`` that shows all of ``texts`` (waiting for it):
    background refreshes may arrive in any order, so a test names what it expects."""
    (call,) = await slack.recorder.wait_for(
        lambda c: (
            c.method == "views.publish"
            and c.args.get("user_id") == user
            and all(t in view_text(c) for t in texts)
        )
    )
    return call


def view_of(call: Call) -> dict[str, Any]:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def view_text(call: Call) -> str:
    return json.dumps(view_of(call), ensure_ascii=False)


def view_buttons(call: Call) -> list[dict[str, Any]]:
    return [
        e
        for b in view_of(call)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]


# -- everyone ---------------------------------------------------------------------------


async def test_an_associates_home_shows_what_is_left_today_after_a_spend(slack: Slack) -> None:
    await open_home(slack, STAFF)
    first = await next_home(slack, STAFF)
    view = view_of(first)
    assert view["type"] == "home"
    shown = view_text(first)
    assert "associate" in shown and "£100.00" in shown
    assert "£300.00 of £300.00" in shown
    assert "No spends logged today" in shown

    _, _, _, path = await slack.command("/spend", "£40 dry cleaning, room 214")
    assert "Logged £40.00" in (await slack.reply_at(path)).all_text
    # Re-published without the person opening the tab again.
    refreshed = view_text(await home_showing(slack, STAFF, "£260.00 of £300.00"))
    assert len(published(slack, STAFF)) == 2
    assert "£40.00 dry cleaning" in refreshed
    # Approve / Deny are for managers: an associate's home has no queue.
    assert "Waiting for a manager" not in refreshed


async def test_the_messages_tab_publishes_nothing(slack: Slack) -> None:
    await open_home(slack, STAFF, tab="messages")
    await slack.recorder.settle()
    assert published(slack, STAFF) == []


# -- managers ---------------------------------------------------------------------------


async def test_a_managers_home_lists_a_pending_spend_and_approve_works_from_it(
    slack: Slack, coach: Coach
) -> None:
    _, _, _, path = await slack.command("/spend", "£150 taxi home, room 214")
    assert "needs a manager" in (await slack.reply_at(path)).all_text
    (pending,) = [
        e for e in await coach.ledger.spends("T00FAKE00BB") if e.status is SpendStatus.PENDING
    ]

    await open_home(slack, MANAGER)
    home = await home_showing(slack, MANAGER, pending.entry_id)
    shown = view_text(home)
    assert "£150.00" in shown and "taxi home" in shown and pending.entry_id in shown
    approve = next(b for b in view_buttons(home) if b["action_id"] == "esc_approve")
    assert any(b["action_id"] == "esc_deny" for b in view_buttons(home))

    assert await home_click(slack, MANAGER, "esc_approve", approve["value"]) == 200
    after = view_text(await home_showing(slack, MANAGER, "Nothing waiting for you"))
    decided = await coach.ledger.get("T00FAKE00BB", pending.entry_id)
    assert decided is not None and decided.status is SpendStatus.APPROVED
    assert decided.decided_by == MANAGER
    assert "esc_approve" not in after
    assert "£150.00 in 1 spends" in after  # today's figures: approved
    # The spender's home follows: the spend now shows as approved.
    await home_showing(slack, STAFF, f"✔ £150.00 taxi home (room 214) `{pending.entry_id}`")


async def test_deny_from_the_home_denies_and_a_second_click_is_told_in_the_home(
    slack: Slack, coach: Coach
) -> None:
    await slack.command("/spend", "£180 spa voucher")
    await open_home(slack, MANAGER)
    home = await home_showing(slack, MANAGER, "spa voucher")
    deny = next(b for b in view_buttons(home) if b["action_id"] == "esc_deny")
    assert await home_click(slack, MANAGER, "esc_deny", deny["value"]) == 200
    await home_showing(slack, MANAGER, "Nothing waiting for you", "*Denied:* 1")
    (entry,) = await coach.ledger.spends("T00FAKE00BB")
    assert entry.status is SpendStatus.DENIED

    # The same (stale) button again: refused, and the refusal is shown in the home.
    assert await home_click(slack, MANAGER, "esc_approve", deny["value"]) == 200
    again = view_text(await home_showing(slack, MANAGER, "⚠"))
    assert "already" in again
    (entry,) = await coach.ledger.spends("T00FAKE00BB")
    assert entry.status is SpendStatus.DENIED


async def test_an_associate_cannot_approve_with_a_managers_button(
    slack: Slack, coach: Coach
) -> None:
    await slack.command("/spend", "£150 taxi home", user=SPA_STAFF)
    await open_home(slack, MANAGER)
    home = await home_showing(slack, MANAGER, "esc_approve")
    approve = next(b for b in view_buttons(home) if b["action_id"] == "esc_approve")
    assert await home_click(slack, STAFF, "esc_approve", approve["value"]) == 200
    refused = view_text(await home_showing(slack, STAFF, "⚠"))
    assert "manager" in refused
    (entry,) = await coach.ledger.spends("T00FAKE00BB")
    assert entry.status is SpendStatus.PENDING


async def test_an_admins_home_shows_limits_and_playbook_reviews_with_edit_buttons(
    slack: Slack, coach: Coach
) -> None:
    await open_home(slack, ADMIN)
    home = await next_home(slack, ADMIN)
    shown = view_text(home)
    assert "*admin*" in shown or "Role:* admin" in shown
    assert "*associate*: £100.00 per incident, £300.00 a day" in shown
    assert "*admin*: £5,000.00 per incident, £20,000.00 a day" in shown
    overdue = [p for p in coach.library if p.review_by < date(2026, 3, 10)]
    assert f"{len(coach.library)}, {len(overdue)} overdue for review" in shown
    # Every playbook is listed in full (sections hold 3000 characters each).
    sections = "\n".join(
        b["text"]["text"] for b in view_of(home)["blocks"] if b["type"] == "section"
    )
    for playbook in coach.library:
        assert escape(playbook.title) in sections, playbook.id
    assert "…" not in sections
    # Each role, the settings and each playbook that may be switched off has an Edit
    # button (tests/test_slack_admin.py drives the forms they open).
    accessories = [
        b["accessory"]["action_id"] for b in view_of(home)["blocks"] if b.get("accessory")
    ]
    assert accessories.count("admin_edit_role") == 4
    assert accessories.count("admin_edit_settings") == 1
    assert accessories.count("admin_edit_playbook") == len(coach.library) - 5  # safety, fallback
    assert all(
        b["action_id"].startswith(("esc_", "home_start_", "admin_edit_", "admin_add_playbook"))
        for b in view_buttons(home)
    )
    # An associate sees none of it.
    await open_home(slack, STAFF)
    assert "Roles and limits" not in view_text(await next_home(slack, STAFF))


# -- one tap on a phone ------------------------------------------------------------------


async def test_one_tap_buttons_show_playbook_titles_never_what_staff_typed(
    slack: Slack, coach: Coach
) -> None:
    for line in (*WASHER_LINES, NOISE):
        await slack.command("/coach", line)
    # A colleague at the spa: their situations are not the front desk's buttons.
    for _ in range(5):
        await slack.command("/coach", "a guest slipped on the wet spa floor and hurt her wrist",
                            user=SPA_STAFF)  # fmt: skip
    await open_home(slack, STAFF)
    home = await next_home(slack, STAFF)
    taps = [b for b in view_buttons(home) if b["action_id"].startswith("home_start_")]
    assert taps and len(taps) <= 4
    assert taps[0]["text"]["text"] == WASHER_TITLE  # the most used here comes first
    shown = view_text(home)
    for private in PRIVATE:
        assert private not in shown, private
    spa = await coach.current(coach.actor(slack.team, SPA_STAFF))
    assert spa is not None and spa.playbook.title != WASHER_TITLE
    assert spa.playbook.title not in [b["text"]["text"] for b in taps]

    # One tap: that playbook's coaching card, in the person's DM.
    posts = len(slack.recorder.named("chat.postMessage"))
    assert await home_click(slack, STAFF, taps[0]["action_id"], taps[0]["value"]) == 200
    calls = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage", count=posts + 1)
    card = calls[-1]
    assert card.args["channel"] == STAFF
    assert card.blocks[0]["text"]["text"] == WASHER_TITLE
    assert "Step 1 of" in card.all_text
    assert {"coach_spend", "coach_escalate"} <= set(card.action_ids)


# -- the assistant container -------------------------------------------------------------


async def test_the_assistant_offers_top_situations_and_coaches_in_its_thread(
    slack: Slack,
) -> None:
    for line in WASHER_LINES:
        await slack.command("/coach", line)
    thread = {"channel_id": "D0STAFFDM1", "thread_ts": "1773140500.000100"}
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": STAFF,
            "context": {"channel_id": "C0FRONTDSK", "team_id": slack.team, "enterprise_id": None},
            **thread,
        },
        "event_ts": "1773140500.000200",
    }
    assert (await slack.send_event(envelope(slack, started)))[0] == 200
    (prompts,) = await slack.recorder.wait_for(
        lambda c: c.method == "assistant.threads.setSuggestedPrompts"
    )
    offered = [p["title"] for p in prompts.args["prompts"]]
    assert offered[0] == WASHER_TITLE and len(offered) <= 4
    assert not any(p in json.dumps(prompts.args) for p in PRIVATE)
    (greeting,) = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert greeting.args["thread_ts"] == thread["thread_ts"]

    # The person types in the assistant thread (a message.im with thread_ts).
    message = envelope(
        slack,
        {
            "type": "message",
            "user": STAFF,
            "text": "the hair dryer in 214 sparked and burnt the guest's hand",
            "ts": "1773140510.000300",
            "thread_ts": thread["thread_ts"],
            "channel": thread["channel_id"],
            "channel_type": "im",
            "event_ts": "1773140510.000300",
        },
    )
    assert (await slack.send_event(message))[0] == 200
    (status,) = await slack.recorder.wait_for(lambda c: c.method == "assistant.threads.setStatus")
    assert status.args["thread_ts"] == thread["thread_ts"]
    replies = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage", count=2)
    card = replies[1]
    assert card.args["thread_ts"] == thread["thread_ts"]
    assert "Step 1 of" in card.all_text and "coach_spend" in card.action_ids
    # The status came before the answer.
    assert status.at <= card.at


async def test_a_suggested_prompt_opens_exactly_that_playbook(slack: Slack) -> None:
    thread_ts = "1773140600.000100"
    message = envelope(
        slack,
        {
            "type": "message",
            "user": STAFF,
            "text": WASHER_TITLE,
            "ts": "1773140610.000300",
            "thread_ts": thread_ts,
            "channel": "D0STAFFDM1",
            "channel_type": "im",
            "event_ts": "1773140610.000300",
        },
    )
    assert (await slack.send_event(message))[0] == 200
    (card,) = await slack.recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert card.args["thread_ts"] == thread_ts
    assert card.blocks[0]["text"]["text"] == WASHER_TITLE


def test_the_manifest_declares_the_home_tab_and_the_assistant() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack" / "manifest.yaml").read_text())
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["assistant_view"]["assistant_description"]
    assert "assistant:write" in manifest["oauth_config"]["scopes"]["bot"]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "assistant_thread_started", "message.im"} <= events
