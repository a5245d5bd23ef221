"""Closing the loop and reports over real HTTP: signed requests into the Bolt app, the
Web API played by the recorder, storage with incidents (as ``open_coach`` builds it).

- the "how did it end?" prompt reaches the employee's DM through the outbox, and a click
  on it records the outcome (refusals go to the clicker alone);
- ``outcome won`` and ``pulse`` typed in a DM or after /coach;
- /cx-report: the text, then the chart (PNG) and the CSV uploaded with files_upload_v2
  to the channel it was run in — for managers only.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.slack import blocks
from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.escalations import open_escalations
from bot.incidents import MAX_NOTE_CHARS, IncidentRecord, IncidentStore, open_incidents
from bot.ledger import open_ledger
from bot.state import open_state
from tests.slack_recorder import SlackRecorder
from tests.test_slack import (
    MANAGER,
    ORG_YAML,
    STAFF,
    WASHER,
    Slack,
    _library_and_matcher,
    slack_settings,
)

OTHER = "U0OTHER001"  # another associate: may not answer for STAFF's incident
SLASH_CHANNEL = "C00FAKECHAN3"  # channel_id of the recorded slash command
PUBLIC_URL = "https://coach.example.com"


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    library, matcher = _library_and_matcher()
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    ledger, escalations = open_ledger(url), open_escalations(url)
    incidents, state = open_incidents(url), open_state(None)
    for part in (ledger, escalations, incidents, state):
        await part.open()
    yield Coach(
        library=library,
        policy=AuthorityPolicy(parse_org_config(yaml.safe_load(ORG_YAML))),
        ledger=ledger,
        state=state,
        escalations=escalations,
        matcher=matcher,
        incidents=incidents,
    )
    for part in (state, incidents, escalations, ledger):
        await part.close()


@pytest.fixture
async def slack(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> AsyncIterator[Slack]:
    settings = slack_settings(tmp_path, recorder, coachbot_public_url=PUBLIC_URL)
    client = TestClient(TestServer(build_app(settings, coach=coach)))
    await client.start_server()
    yield Slack(client, recorder, shared_fixtures)
    await client.close()


def store(slack: Slack) -> IncidentStore:
    incidents = slack.coach.incidents
    assert incidents is not None
    return incidents


async def open_incident(slack: Slack, user: str = STAFF) -> IncidentRecord:
    """/coach as ``user``: the coaching card, and the incident it opened."""
    _, _, _, path = await slack.command("/coach", WASHER, user=user)
    await slack.reply_at(path)
    waiting = await store(slack).awaiting_outcome(datetime.now(UTC) + timedelta(days=1))
    (incident,) = [i for i in waiting if i.user_id == user]
    return incident


async def ask(slack: Slack, incident: IncidentRecord, asked: int = 0) -> Any:
    """What the prompter does after the quiet period; the outbox then sends the DM."""
    before = len(slack.recorder.named("chat.postMessage"))
    prompted = await store(slack).prompt(
        incident.org, incident.incident_id, asked=asked, at=incident.opened_at
    )
    assert prompted is not None
    posts = await slack.recorder.wait_for(
        lambda c: c.method == "chat.postMessage", count=before + 1, within=10
    )
    return posts[before]


_interactions = itertools.count(1)


async def interact(
    slack: Slack,
    action: dict[str, Any],
    values: Any,
    *,
    prompt: Any = None,
    user: str = STAFF,
) -> tuple[int, str, str]:
    """A block_actions request on the prompt in the DM, as Slack sends it: the recorded
    payload with ``action`` pressed and ``state.values`` carrying what was typed and
    ticked (``values`` as given, malformed if a test wants it so); ``prompt`` the
    chat.postMessage call whose blocks the message shows."""
    payload = json.loads((slack.fixtures / "block_actions.json").read_text())
    name = f"outcome{next(_interactions):04d}"
    payload["user"].update(id=user, team_id=slack.team, username=user.lower())
    payload["team"]["id"] = slack.team
    payload["container"].update(channel_id="D0STAFFDM1", message_ts="1769300000.000001")
    payload["container"].pop("thread_ts", None)
    payload["channel"]["id"] = "D0STAFFDM1"
    payload["message"].pop("thread_ts", None)
    if prompt is not None:
        payload["message"].update(text=prompt.args["text"], blocks=prompt.blocks)
    payload["state"] = {"values": values}
    payload["response_url"] = slack.recorder.response_url(name)
    payload["actions"] = [{**action, "action_ts": f"{time.time():.6f}"}]
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    status, out, _ = await slack.post(body, "application/x-www-form-urlencoded")
    return status, out, f"/respond/{name}"


def outcome_button(outcome: str, incident_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"{blocks.OUTCOME_PREFIX}{outcome}",
        "block_id": "outcome_actions",
        "text": {"type": "plain_text", "text": outcome, "emoji": True},
        "value": incident_id,
    }


REVIEW_OPTION = {
    "text": {"type": "plain_text", "text": "A review was posted online", "emoji": True},
    "value": blocks.REVIEW_POSTED,
}


def typed(note: str | None, ticked: bool) -> dict[str, Any]:
    """state.values of the prompt as Slack reports it: both elements, filled in or not."""
    return {
        blocks.OUTCOME_NOTE: {blocks.OUTCOME_NOTE: {"type": "plain_text_input", "value": note}},
        blocks.OUTCOME_REVIEW: {
            blocks.OUTCOME_REVIEW: {
                "type": "checkboxes",
                "selected_options": [REVIEW_OPTION] if ticked else [],
            }
        },
    }


# -- the outcome prompt ------------------------------------------------------------------


async def test_the_prompt_reaches_the_dm_via_the_outbox_and_a_click_records_it(
    slack: Slack,
) -> None:
    incident = await open_incident(slack)
    assert incident.platform == "slack"
    prompt = await ask(slack, incident)
    (opened,) = slack.recorder.named("conversations.open")
    assert opened.args["users"] == STAFF
    assert prompt.args["channel"] == "D" + STAFF[1:]
    assert prompt.blocks[0]["text"]["text"] == "How did it end?"
    assert "washer" in prompt.blocks[1]["elements"][0]["text"]
    assert prompt.action_ids == [
        "outcome_won",
        "outcome_calmed",
        "outcome_lost",
        "outcome_unsure",
    ]
    assert {e["value"] for e in prompt.blocks[-1]["elements"]} == {incident.incident_id}

    status, body, path = await slack.click("outcome_won", incident.incident_id)
    assert status == 200 and body == ""  # acked at once; the answer follows
    reply = await slack.reply_at(path)
    assert reply.args["replace_original"] is True
    assert "✔ Recorded: Won back" in reply.all_text
    assert reply.action_ids == []  # nobody taps it twice
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None
    assert closed.outcome.value == "won" and closed.outcome_by == STAFF
    # The recorded click carries no state for the note or the box: neither is recorded.
    assert closed.outcome_note is None and closed.review_posted is None

    # A second tap (an old copy of the prompt): told to the clicker, the card untouched.
    _, _, again = await slack.click("outcome_lost", incident.incident_id)
    refused = await slack.reply_at(again)
    assert refused.args["response_type"] == "ephemeral"
    assert refused.args["replace_original"] is False
    assert "already" in refused.all_text.lower()
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None and closed.outcome.value == "won"


async def test_the_prompt_has_a_note_field_and_a_review_box_above_the_buttons(
    slack: Slack,
) -> None:
    prompt = await ask(slack, await open_incident(slack))
    assert prompt.args["text"].startswith("How did it end?")  # the fallback
    kinds = [b["type"] for b in prompt.blocks]
    assert kinds == ["header", "context", "input", "input", "actions"]
    assert len(prompt.blocks) <= blocks.MAX_BLOCKS
    note, review = prompt.blocks[2], prompt.blocks[3]
    assert note["block_id"] == note["element"]["action_id"] == blocks.OUTCOME_NOTE
    assert note["optional"] is True and note["label"]["text"] == "Note (optional)"
    assert note["element"]["type"] == "plain_text_input"
    assert note["element"]["max_length"] == MAX_NOTE_CHARS
    assert "dispatch_action" not in note  # typing sends nothing; the button carries it
    assert review["block_id"] == review["element"]["action_id"] == blocks.OUTCOME_REVIEW
    assert review["optional"] is True and review["element"]["type"] == "checkboxes"
    assert [o["text"]["text"] for o in review["element"]["options"]] == [
        "A review was posted online"
    ]


async def test_a_click_with_a_note_and_the_box_ticked_records_both(slack: Slack) -> None:
    incident = await open_incident(slack)
    prompt = await ask(slack, incident)
    status, body, path = await interact(
        slack,
        outcome_button("calmed", incident.incident_id),
        typed("  refund given,\n still cross  ", ticked=True),
        prompt=prompt,
    )
    assert status == 200 and body == ""
    reply = await slack.reply_at(path)
    assert reply.args["replace_original"] is True
    assert reply.action_ids == [] and "input" not in [b["type"] for b in reply.blocks]
    shown = reply.all_text
    assert "✔ Recorded: Calmed, still unhappy" in shown
    assert "Your note is saved" in shown and "a review was posted online" in shown
    assert "refund given, still cross" in shown
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None
    assert closed.outcome.value == "calmed" and closed.outcome_by == STAFF
    assert closed.outcome_note == "refund given, still cross"  # cleaned by the core
    assert closed.review_posted is True


async def test_a_click_with_neither_records_neither(slack: Slack) -> None:
    incident = await open_incident(slack)
    prompt = await ask(slack, incident)
    _, _, path = await interact(
        slack, outcome_button("won", incident.incident_id), typed(None, False), prompt=prompt
    )
    reply = await slack.reply_at(path)
    assert reply.args["text"] == "✔ Recorded: Won back. Thank you."
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None and closed.outcome.value == "won"
    assert closed.outcome_note is None
    assert closed.review_posted is False  # the box was there and left unticked


@pytest.mark.parametrize(
    "values",
    [
        None,
        "not a mapping",
        {blocks.OUTCOME_NOTE: "x", blocks.OUTCOME_REVIEW: ["y"]},
        {
            blocks.OUTCOME_NOTE: {blocks.OUTCOME_NOTE: {"value": 42}},
            blocks.OUTCOME_REVIEW: {blocks.OUTCOME_REVIEW: {"selected_options": "all"}},
        },
    ],
    ids=["null", "string", "wrong-shapes", "wrong-types"],
)
async def test_malformed_state_counts_as_no_note_and_no_answer_on_the_box(
    slack: Slack, values: Any
) -> None:
    incident = await open_incident(slack)
    status, _, path = await interact(slack, outcome_button("lost", incident.incident_id), values)
    assert status == 200
    assert "✔ Recorded: Lost" in (await slack.reply_at(path)).all_text
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None and closed.outcome.value == "lost"
    assert closed.outcome_note is None and closed.review_posted is None


async def test_ticking_the_review_box_is_acked_and_records_nothing(slack: Slack) -> None:
    incident = await open_incident(slack)
    prompt = await ask(slack, incident)
    toggle = {
        "type": "checkboxes",
        "action_id": blocks.OUTCOME_REVIEW,
        "block_id": blocks.OUTCOME_REVIEW,
        "selected_options": [REVIEW_OPTION],
    }
    status, body, path = await interact(slack, toggle, typed(None, True), prompt=prompt)
    assert status == 200 and body == ""  # not Bolt's 404, so Slack shows no error
    await slack.recorder.settle(0.3)
    assert [c for c in slack.recorder.calls if c.path == path] == []  # no reply at all
    still = await store(slack).get(incident.org, incident.incident_id)
    assert still is not None and still.outcome is None
    assert still.outcome_note is None and still.review_posted is None


async def test_a_note_over_the_limit_is_refused_and_nothing_is_recorded(slack: Slack) -> None:
    incident = await open_incident(slack)
    prompt = await ask(slack, incident)
    too_long = "x" * (MAX_NOTE_CHARS + 1)  # Slack's max_length stops this; a forged click not
    _, _, path = await interact(
        slack, outcome_button("won", incident.incident_id), typed(too_long, True), prompt=prompt
    )
    refused = await slack.reply_at(path)
    assert refused.args["response_type"] == "ephemeral"
    assert refused.args["replace_original"] is False  # the prompt stays to try again
    assert refused.args["text"] == f"⚠ keep the note under {MAX_NOTE_CHARS} characters"
    still = await store(slack).get(incident.org, incident.incident_id)
    assert still is not None and still.outcome is None
    assert still.outcome_note is None and still.review_posted is None


async def test_the_second_ask_says_it_is_the_last(slack: Slack) -> None:
    incident = await open_incident(slack)
    await ask(slack, incident)
    last = await ask(slack, incident, asked=1)
    assert last.blocks[0]["text"]["text"] == "One last time: how did it end?"


async def test_someone_else_cannot_answer_for_the_employee(slack: Slack) -> None:
    incident = await open_incident(slack)
    _, _, path = await slack.click("outcome_lost", incident.incident_id, user=OTHER)
    refused = await slack.reply_at(path)
    assert refused.args["response_type"] == "ephemeral"
    assert refused.args["replace_original"] is False
    assert "only the person who handled it" in refused.all_text
    still = await store(slack).get(incident.org, incident.incident_id)
    assert still is not None and still.outcome is None


async def test_an_unknown_outcome_button_is_not_routed(slack: Slack) -> None:
    status, _, path = await slack.click("outcome_unknown", "in_nothing")
    assert status == 404  # Bolt: no listener for this action
    await slack.recorder.settle(0.2)
    assert [c for c in slack.recorder.calls if c.path == path] == []


# -- typed: `outcome won [note]`, `pulse` ------------------------------------------------


async def test_typed_outcome_in_a_dm_records_it_with_the_note(slack: Slack) -> None:
    incident = await open_incident(slack)
    envelope = slack.event(
        "event_message_im.json", user=STAFF, text="outcome won left smiling", channel="D0STAFFDM1"
    )
    status, _, _ = await slack.send_event(envelope)
    assert status == 200
    (post,) = await slack.recorder.wait_for(
        lambda c: c.method == "chat.postMessage" and "Recorded" in c.all_text
    )
    assert post.args["channel"] == "D0STAFFDM1"
    assert "✔ Recorded: Won back" in post.all_text
    closed = await store(slack).get(incident.org, incident.incident_id)
    assert closed is not None and closed.outcome is not None
    assert closed.outcome.value == "won" and closed.outcome_note == "left smiling"


async def test_typed_outcome_that_is_not_one_is_explained(slack: Slack) -> None:
    await open_incident(slack)
    _, _, _, path = await slack.command("/coach", "outcome fantastic")
    reply = await slack.reply_at(path)
    assert "⚠" in reply.all_text and "won, calmed, lost or unsure" in reply.all_text


async def test_pulse_gives_the_customer_link_on_the_public_url(slack: Slack) -> None:
    await open_incident(slack)
    _, _, _, path = await slack.command("/coach", "pulse")
    reply = await slack.reply_at(path)
    assert f"{PUBLIC_URL}/pulse/" in reply.all_text
    _, _, _, again = await slack.command("/coach", "pulse")
    # Asked again, the same code (one answer per incident).
    assert (await slack.reply_at(again)).args["text"] == reply.args["text"]


async def test_pulse_without_a_public_url_gives_the_bare_code(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> None:
    settings = slack_settings(tmp_path, recorder)
    async with TestClient(TestServer(build_app(settings, coach=coach))) as client:
        slack = Slack(client, recorder, shared_fixtures)
        await open_incident(slack)
        _, _, _, path = await slack.command("/coach", "pulse")
        reply = await slack.reply_at(path)
        assert "Customer follow-up code:" in reply.all_text
        assert "https://" not in reply.args["text"]


async def test_pulse_with_no_incident_says_so(slack: Slack) -> None:
    _, _, _, path = await slack.command("/coach", "pulse")
    reply = await slack.reply_at(path)
    assert reply.all_text.startswith("⚠")


# -- /cx-report: text, then chart and CSV ----------------------------------------------


async def test_a_managers_report_comes_with_a_png_chart_and_a_csv(slack: Slack) -> None:
    incident = await open_incident(slack)
    await slack.coach.record_outcome(
        slack.coach.actor(incident.org, STAFF, platform="slack"), None, "won"
    )
    _, _, _, path = await slack.command("/cx-report", "week", user=MANAGER)
    reply = await slack.reply_at(path)
    shown = reply.all_text
    assert "Discretionary spend" in shown
    assert "Recovery: 1 incidents — 1 won back" in shown
    await slack.recorder.wait_for(lambda c: c.method == "files.completeUploadExternal", within=20)
    files = slack.recorder.files()
    assert sorted(f.filename.rsplit(".", 1)[1] for f in files) == ["csv", "png"]
    by_kind = {f.filename.rsplit(".", 1)[1]: f for f in files}
    assert by_kind["png"].data.startswith(b"\x89PNG\r\n\x1a\n")
    table = list(csv.reader(io.StringIO(by_kind["csv"].data.decode())))
    assert len(table) > 1 and len(table[0]) > 3
    assert {f.channel for f in files} == {SLASH_CHANNEL}
    # One getUploadURLExternal per file, each with the bytes' length; one upload each.
    urls = slack.recorder.named("files.getUploadURLExternal")
    assert sorted(int(c.args["length"]) for c in urls) == sorted(len(f.data) for f in files)
    assert len(slack.recorder.named("upload")) == 2
    # The text reply came first.
    order = [c.method for c in slack.recorder.calls]
    assert order.index("response_url") < order.index("files.getUploadURLExternal")


async def test_a_non_managers_report_gets_neither_figures_nor_files(slack: Slack) -> None:
    _, _, _, path = await slack.command("/cx-report", "week", user=STAFF)
    reply = await slack.reply_at(path)
    assert "managers and admins only" in reply.all_text
    assert "Discretionary spend" not in reply.all_text
    await slack.recorder.settle(0.5)
    assert not [c for c in slack.recorder.calls if c.method.startswith("files.")]
    assert slack.recorder.named("upload") == []


async def test_an_upload_slack_refuses_is_told_to_the_manager(slack: Slack) -> None:
    slack.recorder.fail("files.getUploadURLExternal", error="not_in_channel")
    _, _, _, path = await slack.command("/cx-report", "week", user=MANAGER)
    replies = await slack.recorder.wait_for(lambda c: c.path == path, count=2, within=20)
    assert "Discretionary spend" in replies[0].all_text
    assert replies[1].args["response_type"] == "ephemeral"
    assert "not_in_channel" in replies[1].all_text and "Invite me" in replies[1].all_text


async def test_an_upload_slack_answers_500_to_names_the_status_never_none(slack: Slack) -> None:
    slack.recorder.fail("files.getUploadURLExternal", status=500)
    _, _, _, path = await slack.command("/cx-report", "week", user=MANAGER)
    replies = await slack.recorder.wait_for(lambda c: c.path == path, count=2, within=20)
    assert "Slack answered 500" in replies[1].all_text
    assert "None" not in replies[1].all_text
