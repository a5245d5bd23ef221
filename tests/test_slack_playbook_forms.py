"""An organisation's own playbooks and say lines, edited in the Slack App Home's forms.

Signed block_actions (the home's *Add a playbook* and *Edit* buttons) and
view_submission payloads go into the real Bolt app; the modals reach the Web API
recorder. The core keeps the policy in the database (``test_slack_admin``'s fixtures),
so what a form changes answers that workspace's next ``/coach``, and no other's.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.slack.playbook_forms import gesture
from bot.coach import Coach
from bot.errors import InvalidAmount
from tests.slack_recorder import SlackRecorder
from tests.test_slack import MANAGER, STAFF, Slack
from tests.test_slack_admin import (
    ADMIN,
    BILLING,
    TEAM,
    changes,
    coach,
    edit_buttons,
    open_form,
    service,
    slack,
    submit,
)
from tests.test_slack_home import home_showing, next_home, open_home, view_text
from tests.test_slack_oauth import WS_A, WS_B, as_workspace, install

__all__ = ["coach", "service", "slack"]  # the fixtures, shared

POOL_LINE = "guest fuming that the pool is shut for repairs again"
POOL = {
    "title": "Pool closed for maintenance",
    "owner": "Leisure Manager",
    "review_by": "2026-09-30",
    "keywords": "pool closed, pool shut, swimming pool, pool repairs",
    "examples": f"{POOL_LINE}\nkids wanted a swim but the pool is closed\n"
    "pool out of order, family upset",
    "steps": "Acknowledge the disappointment | I'm sorry, I know you were looking forward "
    "to a swim.\nOffer the spa or a partner pool nearby | Let me see what else I can "
    "offer you today.\nNote it for the leisure manager",
    "gestures": "free drink at the bar £6\nhandwritten note",
    "escalation": None,
}
POOL_ID = "pool-closed-for-maintenance"
POOL_SAY = "I'm sorry, I know you were looking forward to a swim."
BILLING_SAY = (
    "I'm sorry about this - nobody wants a surprise like that. Let me check it with you now."
)


def inputs(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}


async def add_form(slack: Slack, user: str) -> dict[str, Any]:
    await open_home(slack, user)
    home = await next_home(slack, user)
    assert ("admin_add_playbook", "new") in edit_buttons(home)
    return await open_form(slack, user, "admin_add_playbook", "new")


async def coached(slack: Slack, text: str, user: str = STAFF) -> str:
    _, _, _, path = await slack.command("/coach", text, user=user)
    return (await slack.reply_at(path)).all_text


# -- adding a playbook ---------------------------------------------------------------------


async def test_an_admin_adds_a_playbook_and_that_workspace_is_coached_with_it_at_once(
    slack: Slack, coach: Coach
) -> None:
    assert "Pool closed" not in await coached(slack, POOL_LINE)
    form = await add_form(slack, ADMIN)
    # Within Slack's limits for a modal and its inputs.
    assert len(form["title"]["text"]) <= 24 and len(form["blocks"]) <= 100
    fields = inputs(form)
    assert list(fields) == ["title", "id", "owner", "review_by", "keywords", "examples",
                            "steps", "gestures", "escalation", "escalate_always"]  # fmt: skip
    texts = [b["element"] for b in fields.values() if b["element"]["type"] == "plain_text_input"]
    assert all(0 < e["max_length"] <= 3000 for e in texts)
    assert fields["review_by"]["element"]["type"] == "datepicker"
    assert fields["steps"]["element"]["multiline"] is True

    assert await submit(slack, ADMIN, form, **POOL) == (200, None)
    assert await changes(coach) == [("own playbook", POOL_ID, ADMIN)]
    (change,) = await coach.ledger.policy_changes(TEAM)
    added = change.after
    assert added["steps"][0] == {
        "do": "Acknowledge the disappointment",
        "say": POOL_SAY,
    }
    assert added["steps"][2] == {"do": "Note it for the leisure manager", "say": None}
    assert [(g["name"], g["typical_cost"]) for g in added["gestures"]] == [
        ("free drink at the bar", "6.00"),
        ("handwritten note", None),
    ]
    assert (await coach.ledger.verify()).ok

    # The same day, the next /coach in this workspace answers with it, say line and all.
    shown = await coached(slack, POOL_LINE)
    assert "Pool closed for maintenance" in shown and POOL_SAY in shown
    assert "Step 1 of 3" in shown
    # The admin's home lists it as theirs.
    home = await home_showing(slack, ADMIN, "Pool closed for maintenance — Leisure Manager")
    assert "_yours_" in view_text(home)
    assert ("admin_edit_playbook", POOL_ID) in edit_buttons(home)


async def test_a_playbook_added_in_one_workspace_is_not_anothers(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> None:
    """Two workspaces installed on one database: only the one that added it gets it."""
    await install(service, recorder, WS_A, "code-a")
    await install(service, recorder, WS_B, "code-b")
    hotel = as_workspace(service, recorder, shared_fixtures, WS_A)
    shop = as_workspace(service, recorder, shared_fixtures, WS_B)
    form = await add_form(hotel, WS_A.installer)
    assert await submit(hotel, WS_A.installer, form, **POOL) == (200, None)

    assert "Pool closed for maintenance" in await coached(hotel, POOL_LINE)
    elsewhere = await coached(shop, POOL_LINE)
    assert "Step 1 of" in elsewhere and "Pool closed" not in elsewhere
    assert POOL_ID in coach.library_for(WS_A.team_id)
    assert POOL_ID not in coach.library_for(WS_B.team_id)


@pytest.mark.parametrize(
    ("typed", "field", "says"),
    [
        ({"steps": ""}, "steps", "at least one step"),
        ({"steps": "Listen first\n | I'm sorry, tell me what happened"}, "steps",
         "step 2: say what to do"),
        ({"review_by": "2026-02-30"}, "review_by", "valid date"),
        ({"review_by": "2026-01-31"}, "review_by", "has passed"),
        ({"keywords": " , "}, "keywords", "at least one keyword"),
        ({"gestures": "dessert on us $6"}, "gestures", "gesture 1: this organisation spends"),
        ({"title": "Billing dispute", "id": "billing-dispute"}, "id", "already a library playbook"),
        ({"id": "Pool Closed"}, "id", "lowercase words joined by '-'"),
        ({"escalate_always": "always"}, "escalation", "choose what a manager is alerted about"),
    ],
)  # fmt: skip
async def test_a_bad_playbook_form_shows_each_error_beside_its_field_and_records_nothing(
    slack: Slack, coach: Coach, typed: dict[str, str], field: str, says: str
) -> None:
    form = await add_form(slack, ADMIN)
    status, answer = await submit(slack, ADMIN, form, **{**POOL, **typed})
    assert status == 200 and answer is not None and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {field}, answer
    assert says in answer["errors"][field]
    assert await changes(coach) == []
    assert "Pool closed" not in await coached(slack, POOL_LINE)


async def test_every_problem_of_a_form_is_shown_at_once(slack: Slack, coach: Coach) -> None:
    form = await add_form(slack, ADMIN)
    _, answer = await submit(
        slack, ADMIN, form, **{**POOL, "owner": "", "review_by": "2025-12-01", "examples": "",
                               "steps": "Listen | ok\n| just words"}
    )  # fmt: skip
    assert answer is not None
    assert set(answer["errors"]) == {"owner", "review_by", "examples", "steps"}
    assert "step 2" in answer["errors"]["steps"]
    assert await changes(coach) == []


async def test_a_non_admin_cannot_add_a_playbook(
    slack: Slack, coach: Coach, recorder: SlackRecorder
) -> None:
    await open_home(slack, MANAGER)
    assert ("admin_add_playbook", "new") not in edit_buttons(await next_home(slack, MANAGER))
    form = await add_form(slack, ADMIN)  # a form forged from an admin's
    for who in (MANAGER, STAFF):
        status, answer = await submit(slack, who, form, **POOL)
        assert status == 200 and answer is not None
        assert "only an admin" in answer["errors"]["title"]
    assert await changes(coach) == []
    assert "Pool closed" not in await coached(slack, POOL_LINE)


async def test_adding_twice_under_one_id_does_not_replace_the_first(
    slack: Slack, coach: Coach
) -> None:
    form = await add_form(slack, ADMIN)
    assert await submit(slack, ADMIN, form, **POOL) == (200, None)
    _, answer = await submit(slack, ADMIN, form, **{**POOL, "owner": "Someone else"})
    assert answer is not None and "already have a playbook" in answer["errors"]["id"]
    assert len(await changes(coach)) == 1


# -- say lines and removal in a playbook's Edit form -----------------------------------------


async def test_a_say_line_edited_shows_in_that_workspaces_next_advice(
    slack: Slack, coach: Coach
) -> None:
    assert BILLING_SAY in await coached(slack, BILLING)
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_playbook", "billing-dispute")
    fields = inputs(form)
    assert fields["say_1"]["element"]["initial_value"] == BILLING_SAY
    # The last step has nothing to say in the library: empty, for a line of their own.
    assert "initial_value" not in fields["say_7"]["element"]
    assert all(fields[f"say_{n}"]["element"]["max_length"] <= 3000 for n in range(1, 8))
    assert "remove" not in fields  # a library playbook is switched off, not removed

    ours = "I'm so sorry about this. Let's look at the charge together right now."
    assert await submit(slack, ADMIN, form, say_1=ours) == (200, None)
    assert await changes(coach) == [("say line", "billing-dispute step 1", ADMIN)]
    shown = await coached(slack, BILLING)
    assert ours in shown and BILLING_SAY not in shown

    # The form shows the organisation's line; emptied, the library's is back.
    again = await open_form(slack, ADMIN, "admin_edit_playbook", "billing-dispute")
    assert inputs(again)["say_1"]["element"]["initial_value"] == ours
    assert await submit(slack, ADMIN, again, say_1=None) == (200, None)
    assert BILLING_SAY in await coached(slack, BILLING)
    assert len(await changes(coach)) == 2


async def test_a_say_line_too_long_is_refused_in_the_form(slack: Slack, coach: Coach) -> None:
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_playbook", "billing-dispute")
    _, answer = await submit(slack, ADMIN, form, say_2="word " * 200, enabled="off")
    assert answer is not None and set(answer["errors"]) == {"say_2"}
    assert "under 400 characters" in answer["errors"]["say_2"]
    assert await changes(coach) == []  # not even the switch


async def test_a_safety_playbooks_form_has_no_say_lines(slack: Slack, coach: Coach) -> None:
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_playbook", "medical-emergency")
    assert list(inputs(form)) == ["enabled"]
    said = " ".join(
        e["text"] for b in form["blocks"] if b["type"] == "context" for e in b["elements"]
    )
    assert "safety playbook" in said and "same for everyone" in said
    # A line forged into it is refused by the core, beside the form.
    forged = {
        "type": "input",
        "block_id": "say_1",
        "label": {"type": "plain_text", "text": "Step 1"},
        "element": {"type": "plain_text_input", "action_id": "say_1"},
    }
    with_line = {**form, "blocks": [*form["blocks"], forged]}
    _, answer = await submit(slack, ADMIN, with_line, say_1="Hello")
    assert answer is not None and "safety playbook" in answer["errors"]["say_1"]
    assert await changes(coach) == []


async def test_an_own_playbooks_lines_are_edited_and_it_can_be_removed(
    slack: Slack, coach: Coach
) -> None:
    form = await add_form(slack, ADMIN)
    assert await submit(slack, ADMIN, form, **POOL) == (200, None)
    edit = await open_form(slack, ADMIN, "admin_edit_playbook", POOL_ID)
    fields = inputs(edit)
    assert set(fields) == {"enabled", "say_1", "say_2", "say_3", "remove"}

    _, answer = await submit(slack, ADMIN, edit, say_1=None)
    assert answer is not None and "cannot be empty" in answer["errors"]["say_1"]
    new_line = "I'm sorry the pool is closed today."
    assert await submit(slack, ADMIN, edit, say_1=new_line) == (200, None)
    assert new_line in await coached(slack, POOL_LINE)

    assert await submit(slack, ADMIN, edit, remove="remove") == (200, None)
    assert [c[0] for c in await changes(coach)] == ["own playbook"] * 3
    assert "Pool closed" not in await coached(slack, POOL_LINE)
    home = await home_showing(slack, ADMIN, "Playbooks (")
    assert "Pool closed" not in view_text(home)


# -- the gestures' costs, as typed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "minor"),
    [
        ("dessert on us £6", "dessert on us", 600),
        ("taxi home 12.50", "taxi home", 1250),
        ("upgrade to a suite 40 GBP", "upgrade to a suite", 4000),
        ("2 free drinks", "2 free drinks", None),
        ("late checkout until 2pm", "late checkout until 2pm", None),
    ],
)
def test_a_gestures_typical_cost_is_read_in_the_organisations_currency(
    line: str, name: str, minor: int | None
) -> None:
    got_name, cost = gesture(line, "GBP")
    assert got_name == name
    assert (cost.minor if cost else None) == minor
    if cost is not None:
        assert cost.currency == "GBP"


@pytest.mark.parametrize("line", ["dessert on us $6", "nothing at all £0", "tip £1.005"])
def test_a_gesture_cost_that_cannot_be_used_is_refused(line: str) -> None:
    with pytest.raises(InvalidAmount):
        gesture(line, "GBP")


def test_decimal_costs_stay_exact() -> None:
    _, cost = gesture("flowers £19.99", "GBP")
    assert cost is not None and cost.minor == 1999 and Decimal(cost.minor) / 100 == Decimal("19.99")
