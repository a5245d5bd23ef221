"""The Slack outbox notifier against the recorder: what it posts, and what it tells the
outbox when Slack says no (429 with Retry-After, errors that retrying cannot fix)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import SlackNotifier
from bot.models import EscalationRecord, EscalationStatus, Notification, Role
from tests.slack_recorder import SlackRecorder

CHANNEL = "C0MANAGERS"
OPENED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def escalation(**changes: object) -> EscalationRecord:
    fields: dict[str, object] = {
        "escalation_id": "es_1",
        "org": "T1",
        "platform": "slack",
        "kind": "spend",
        "reasons": ("over per-incident limit",),
        "summary": "£480.00 new suit <script> (room 214)",
        "raised_by": "U0STAFF001",
        "opened_at": OPENED_AT,
        "status": EscalationStatus.OPEN,
        "level": Role.MANAGER,
        "entry_id": "sp_1",
    }
    fields.update(changes)
    return EscalationRecord(**fields)  # type: ignore[arg-type]


def note(topic: str, recipient: str | None = None, ref: str | None = None) -> Notification:
    return Notification("n1", "T1", "slack", topic, "es_1", recipient, 0, OPENED_AT, ref)


@pytest.fixture
def notifier(recorder: SlackRecorder) -> SlackNotifier:
    return SlackNotifier(AsyncWebClient(token="xoxb-t", base_url=recorder.api_url), CHANNEL)


async def test_opened_posts_the_card_with_buttons_and_returns_its_ref(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    delivery = await notifier.deliver(note("escalation.opened"), escalation())
    assert delivery.ok
    (post,) = recorder.named("chat.postMessage")
    assert post.args["channel"] == CHANNEL
    assert post.action_ids == ["esc_acknowledge", "esc_take_over", "esc_approve", "esc_deny"]
    assert all(
        e["value"] == "es_1" for b in post.blocks if b["type"] == "actions" for e in b["elements"]
    )
    assert "&lt;script&gt;" in post.all_text and "<script>" not in post.all_text
    assert json.loads(delivery.ref or "") == {"channel": CHANNEL, "ts": "1769300000.000001"}


async def test_a_situation_has_no_approve_buttons(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    record = escalation(kind="situation", reasons=("safety",), entry_id=None)
    assert (await notifier.deliver(note("escalation.opened"), record)).ok
    assert recorder.named("chat.postMessage")[0].action_ids == ["esc_acknowledge", "esc_take_over"]


async def test_updated_edits_the_original_message_saying_who_did_what(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    ref = json.dumps({"channel": CHANNEL, "ts": "1769300000.000042"})
    record = escalation(
        status=EscalationStatus.RESOLVED,
        history=(("approve", "U0MANAGER1", datetime(2026, 11, 23, 10, 5, tzinfo=UTC)),),
    )
    delivery = await notifier.deliver(note("escalation.updated", ref=ref), record)
    assert delivery.ok and json.loads(delivery.ref or "")["ts"] == "1769300000.000042"
    (update,) = recorder.named("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, "1769300000.000042")
    assert "<@U0MANAGER1> approved" in update.all_text and "2026-11-23 10:05 UTC" in update.all_text
    assert update.action_ids == []


async def test_renotify_replies_in_the_cards_thread_and_broadcasts(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    ref = json.dumps({"channel": CHANNEL, "ts": "1769300000.000042"})
    delivery = await notifier.deliver(note("escalation.renotify", ref=ref), escalation())
    (post,) = recorder.named("chat.postMessage")
    assert post.args["thread_ts"] == "1769300000.000042" and post.args["reply_broadcast"] is True
    assert "<!here>" in post.all_text
    assert json.loads(delivery.ref or "")["ts"] == "1769300000.000042"  # still the card


async def test_spend_decided_is_a_direct_message_to_the_spender(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    record = escalation(
        status=EscalationStatus.RESOLVED,
        history=(("deny", "U0MANAGER1", OPENED_AT),),
    )
    assert (await notifier.deliver(note("spend.decided", recipient="U0STAFF001"), record)).ok
    (dm,) = recorder.named("chat.postMessage")
    assert dm.args["channel"] == "U0STAFF001"
    assert "denied" in dm.all_text and "<@U0MANAGER1>" in dm.all_text


async def test_429_passes_slacks_retry_after_to_the_outbox(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.fail("chat.postMessage", status=429, retry_after=7)
    delivery = await notifier.deliver(note("escalation.opened"), escalation())
    assert not delivery.ok and not delivery.permanent
    assert delivery.retry_after == 7.0 and delivery.error == "Slack answered 429 (ratelimited)"
    assert (await notifier.deliver(note("escalation.opened"), escalation())).ok


async def test_429_names_the_method_it_limits_and_is_not_an_outage(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.fail("chat.postMessage", status=429, retry_after=3)
    delivery = await notifier.deliver(note("escalation.opened"), escalation())
    assert delivery.scope == "chat.postMessage" and not delivery.unavailable
    assert notifier.scopes(note("escalation.opened")) == ("chat.postMessage",)


async def test_a_500_is_an_outage_named_by_its_status_never_none(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.outage(500)
    delivery = await notifier.deliver(note("escalation.opened"), escalation())
    assert not delivery.ok and not delivery.permanent and delivery.unavailable
    assert delivery.error == "Slack answered 500"
    assert delivery.retry_after is None and delivery.scope is None


async def test_channel_not_found_is_permanent(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.fail("chat.postMessage", error="channel_not_found")
    delivery = await notifier.deliver(note("escalation.opened"), escalation())
    assert not delivery.ok and delivery.permanent and delivery.error == "channel_not_found"


async def test_not_in_a_public_channel_joins_it_and_posts(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.fail("chat.postMessage", error="not_in_channel")
    assert (await notifier.deliver(note("escalation.opened"), escalation())).ok
    assert [c.method for c in recorder.calls] == [
        "chat.postMessage",
        "conversations.join",
        "chat.postMessage",
    ]


async def test_unreachable_slack_is_retried_later(recorder: SlackRecorder) -> None:
    await recorder.stop()
    client = AsyncWebClient(token="xoxb-t", base_url=recorder.api_url, timeout=2)
    delivery = await SlackNotifier(client, CHANNEL).deliver(note("escalation.opened"), escalation())
    assert not delivery.ok and not delivery.permanent and delivery.unavailable
    assert (delivery.error or "").startswith("Slack could not be reached (")


async def test_no_channel_configured_is_retried_not_dropped(recorder: SlackRecorder) -> None:
    client = AsyncWebClient(token="xoxb-t", base_url=recorder.api_url)
    delivery = await SlackNotifier(client, "").deliver(note("escalation.opened"), escalation())
    assert not delivery.ok and not delivery.permanent
    assert "SLACK_ESCALATION_CHANNEL" in (delivery.error or "")
    assert recorder.calls == []


# -- incident.outcome: "how did it end?" ------------------------------------------------


def prompt(ask: int = 1, recipient: str | None = "U0STAFF001") -> Notification:
    payload = {
        "incident_id": "in_1",
        "situation": "guest's clothes stuck in the <broken> washer",
        "playbook_id": "equipment_damage",
        "opened_at": OPENED_AT.isoformat(),
        "ask": ask,
        "outcomes": ["won", "calmed", "lost", "unsure"],
    }
    return Notification(
        "n2", "T1", "slack", "incident.outcome", "in_1", recipient, 0, OPENED_AT, None, payload
    )


async def test_outcome_prompt_opens_the_dm_and_posts_four_buttons(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    delivery = await notifier.deliver_message(prompt())
    (opened,) = recorder.named("conversations.open")
    assert opened.args["users"] == "U0STAFF001"
    (post,) = recorder.named("chat.postMessage")
    assert post.args["channel"] == "D0STAFF001"  # the DM conversations.open returned
    assert delivery.ok and delivery.ref == "D0STAFF001:1769300000.000001"  # channel:ts
    assert post.blocks[0]["text"]["text"] == "How did it end?"
    assert post.blocks[1]["type"] == "context"
    assert "&lt;broken&gt; washer" in post.blocks[1]["elements"][0]["text"]
    assert post.action_ids == ["outcome_won", "outcome_calmed", "outcome_lost", "outcome_unsure"]
    # The note field and the review box sit between the situation and the buttons.
    assert [b["type"] for b in post.blocks[2:]] == ["input", "input", "actions"]
    buttons = post.blocks[-1]["elements"]
    assert {b["value"] for b in buttons} == {"in_1"}
    assert [b["text"]["text"] for b in buttons] == [
        "Won back",
        "Calmed, still unhappy",
        "Lost",
        "Not sure",
    ]
    assert post.args["text"].startswith("How did it end?")


async def test_the_second_ask_says_it_is_the_last(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    assert (await notifier.deliver_message(prompt(ask=2))).ok
    (post,) = recorder.named("chat.postMessage")
    assert post.blocks[0]["text"]["text"] == "One last time: how did it end?"


async def test_outcome_prompt_429_passes_retry_after(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    recorder.fail("chat.postMessage", status=429, retry_after=9)
    delivery = await notifier.deliver_message(prompt())
    assert not delivery.ok and not delivery.permanent
    assert delivery.retry_after == 9.0 and delivery.error == "Slack answered 429 (ratelimited)"


async def test_outcome_prompt_without_recipient_or_unknown_topic_is_permanent(
    notifier: SlackNotifier, recorder: SlackRecorder
) -> None:
    assert (await notifier.deliver_message(prompt(recipient=None))).permanent
    other = Notification("n3", "T1", "slack", "incident.other", "in_1", "U1", 0, OPENED_AT)
    assert (await notifier.deliver_message(other)).permanent
    assert recorder.calls == []
