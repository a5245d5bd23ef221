"""Block Kit rendering: Slack's limits and the shapes the listeners rely on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack import blocks
from bot.coach import PendingSpend
from bot.incidents import MAX_NOTE_CHARS, IncidentRecord, Outcome
from bot.models import (
    Advice,
    Authority,
    Escalation,
    Gesture,
    Money,
    Role,
    ScoredPlaybook,
    Step,
)


def gbp(pounds: int) -> Money:
    return Money(pounds * 100, "GBP")


def advice(**changes: object) -> Advice:
    fields: dict[str, object] = {
        "incident_id": "in_1",
        "situation": "table 5 got the wrong dishes",
        "playbook": ScoredPlaybook("wrong-order", "Wrong, cold or missing order", 0.9),
        "step": Step(1, 4, "Apologise & take the plate <now>", "I'm so sorry"),
        "authority": Authority(Role.ASSOCIATE, gbp(100), gbp(300), gbp(250)),
        "gestures": (Gesture("Free dessert", gbp(8)),),
        "escalation": Escalation(False),
        "alternatives": (
            ScoredPlaybook("slow-or-poor-service", "Slow or poor service", 0.4),
            ScoredPlaybook("angry-customer", "Angry customer", 0.3),
            ScoredPlaybook("billing-dispute", "Billing dispute", 0.2),
        ),
        "confidence": 0.9,
        "confident": True,
    }
    fields.update(changes)
    return Advice(**fields)  # type: ignore[arg-type]


def test_advice_card_has_everything_staff_need() -> None:
    msg = blocks.advice_message(advice())
    shown = json.dumps(msg["blocks"], ensure_ascii=False)
    assert msg["blocks"][0]["text"]["text"] == "Wrong, cold or missing order"
    assert "Step 1 of 4" in shown and "I'm so sorry" in shown
    assert "£100.00 on this" in shown and "£250.00 left of today's £300.00" in shown
    assert "Free dessert (~£8.00)" in shown
    assert "&lt;now&gt;" in shown and "<now>" not in shown  # mrkdwn escaped
    ids = [e["action_id"] for e in msg["blocks"][-1]["elements"]]
    assert ids == ["coach_next", "coach_spend", "coach_escalate", "coach_other"]
    assert msg["text"]  # fallback for notifications


def test_every_coaching_button_carries_the_cards_incident() -> None:
    shown = advice()
    msg = blocks.advice_message(shown)
    values = {e["action_id"]: e["value"] for e in msg["blocks"][-1]["elements"]}
    assert values["coach_next"] == values["coach_escalate"] == shown.incident_id
    assert blocks.read_spend_button(values["coach_spend"]) == (
        shown.playbook.id,
        shown.incident_id,
    )
    # A card posted before the spend button carried the incident: the bare playbook id.
    assert blocks.read_spend_button("wrong-order") == ("wrong-order", None)
    assert blocks.read_spend_button('{"incident_id": 5}') == (None, None)


def test_last_step_has_no_next_button_and_escalation_is_flagged() -> None:
    msg = blocks.advice_message(
        advice(step=Step(4, 4, "Follow up", None), escalation=Escalation(True, ("safety",)))
    )
    actions = msg["blocks"][-1]["elements"]
    assert actions[0]["action_id"] == "coach_spend"
    assert next(e for e in actions if e["action_id"] == "coach_escalate")["style"] == "danger"
    assert "Tell a manager now" in json.dumps(msg["blocks"])


def test_low_confidence_asks_did_you_mean_with_three_buttons() -> None:
    msg = blocks.advice_message(advice(confident=False))
    assert "Did you mean" in msg["text"]
    (choices,) = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in choices["elements"]] == [
        "coach_choose_1",
        "coach_choose_2",
        "coach_choose_3",
    ]
    assert [e["value"] for e in choices["elements"]] == [
        "wrong-order",
        "slow-or-poor-service",
        "angry-customer",
    ]


def test_a_message_never_exceeds_fifty_blocks_or_slack_text_limits() -> None:
    many = [blocks.section("x" * 5000) for _ in range(80)]
    msg = blocks.message("y" * 5000, many)
    assert len(msg["blocks"]) == blocks.MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in msg["blocks"])
    assert len(msg["text"]) <= 3000
    long = blocks.button("z" * 200, "a", "v" * 3000)
    assert len(long["text"]["text"]) <= 75 and len(long["value"]) <= 2000
    assert len(blocks.header("h" * 300)["text"]["text"]) <= 150


def test_many_gestures_still_fit_one_message() -> None:
    gestures = tuple(Gesture(f"gesture {i}", gbp(i)) for i in range(200))
    msg = blocks.advice_message(advice(gestures=gestures))
    assert len(msg["blocks"]) <= blocks.MAX_BLOCKS
    assert len(json.dumps(msg["blocks"])) < 40_000


def test_spend_modal_carries_the_playbook_and_the_incident() -> None:
    view = blocks.spend_modal("wrong-order", "C1", "in_abc")
    assert view["callback_id"] == blocks.SPEND_MODAL
    assert json.loads(view["private_metadata"]) == {
        "playbook_id": "wrong-order",
        "channel": "C1",
        "incident_id": "in_abc",
    }
    assert [b["block_id"] for b in view["blocks"]] == ["amount", "reason", "customer"]
    assert view["blocks"][2]["optional"] is True


# -- the outcome prompt: "how did it end?" ----------------------------------------------


def test_outcome_prompt_has_the_note_and_review_box_before_the_four_buttons() -> None:
    msg = blocks.outcome_prompt(
        {"incident_id": "in_1", "situation": "clothes stuck in the <broken> washer", "ask": 1}
    )
    assert msg["text"].startswith("How did it end?")
    assert len(msg["blocks"]) <= blocks.MAX_BLOCKS
    assert [b["type"] for b in msg["blocks"]] == ["header", "context", "input", "input", "actions"]
    note, review, buttons = msg["blocks"][2:]
    assert note["block_id"] == blocks.OUTCOME_NOTE and note["optional"] is True
    assert note["element"] == {
        "type": "plain_text_input",
        "action_id": blocks.OUTCOME_NOTE,
        "max_length": MAX_NOTE_CHARS,
        "placeholder": note["element"]["placeholder"],
    }
    assert review["block_id"] == blocks.OUTCOME_REVIEW and review["optional"] is True
    assert review["element"]["type"] == "checkboxes"
    assert review["element"]["action_id"] == blocks.OUTCOME_REVIEW
    (option,) = review["element"]["options"]
    assert option["text"]["text"] == "A review was posted online"
    assert option["value"] == blocks.REVIEW_POSTED
    assert [e["action_id"] for e in buttons["elements"]] == [
        "outcome_won",
        "outcome_calmed",
        "outcome_lost",
        "outcome_unsure",
    ]
    # The inputs' ids never look like a button's, which the outcome listener routes by.
    outcomes = {f"{blocks.OUTCOME_PREFIX}{o.value}" for o in Outcome}
    assert {blocks.OUTCOME_NOTE, blocks.OUTCOME_REVIEW}.isdisjoint(outcomes)


def _values(note: Any, selected: Any) -> dict[str, Any]:
    return {
        "state": {
            "values": {
                blocks.OUTCOME_NOTE: {
                    blocks.OUTCOME_NOTE: {"type": "plain_text_input", "value": note}
                },
                blocks.OUTCOME_REVIEW: {
                    blocks.OUTCOME_REVIEW: {"type": "checkboxes", "selected_options": selected}
                },
            }
        }
    }


TICKED = [{"text": {"type": "plain_text", "text": "A review…"}, "value": blocks.REVIEW_POSTED}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_values("left happy", TICKED), ("left happy", True)),
        (_values(None, []), (None, False)),
        (_values("   ", []), (None, False)),
        (_values(None, [{"value": "something else"}]), (None, False)),
        ({}, (None, None)),
        ({"state": None}, (None, None)),
        ({"state": {"values": {}}}, (None, None)),
        ({"state": {"values": []}}, (None, None)),
        ({"state": {"values": {blocks.OUTCOME_NOTE: 3, blocks.OUTCOME_REVIEW: "x"}}}, (None, None)),
        (_values(7, "all"), (None, None)),
        (_values("ok", [None, "x", {"value": blocks.REVIEW_POSTED}]), ("ok", True)),
    ],
)
def test_outcome_inputs_read_the_click_state_and_never_raise(
    body: dict[str, Any], expected: tuple[str | None, bool | None]
) -> None:
    assert blocks.outcome_inputs(body) == expected


def _closed(note: str | None, review: bool | None) -> IncidentRecord:
    at = datetime(2026, 1, 24, 9, 30, tzinfo=UTC)
    return IncidentRecord(
        incident_id="in_1",
        org="T1",
        user_id="U1",
        platform="slack",
        situation="washer",
        first_playbook_id="p",
        playbook_id="p",
        matched_terms=(),
        customer_ref=None,
        steps_taken=1,
        opened_at=at,
        last_activity_at=at,
        outcome=Outcome.WON,
        outcome_note=note,
        review_posted=review,
    )


def test_outcome_recorded_says_what_was_recorded() -> None:
    plain = blocks.outcome_recorded(_closed(None, None))
    assert plain["text"] == "✔ Recorded: Won back. Thank you."
    assert blocks.outcome_recorded(_closed(None, False))["text"] == plain["text"]
    both = blocks.outcome_recorded(_closed("they left <smiling>", True))
    assert both["text"] == (
        "✔ Recorded: Won back. Your note is saved. Noted: a review was posted online. Thank you."
    )
    shown = json.dumps(both["blocks"], ensure_ascii=False)
    assert "they left &lt;smiling&gt;" in shown and "<smiling>" not in shown
    assert "actions" not in [b["type"] for b in both["blocks"]]
    review_only = blocks.outcome_recorded(_closed(None, True))
    assert review_only["text"] == (
        "✔ Recorded: Won back. Noted: a review was posted online. Thank you."
    )
    assert blocks.outcome_recorded(_closed("x", None))["text"] == (
        "✔ Recorded: Won back. Your note is saved. Thank you."
    )


def test_a_long_pending_queue_fits_one_message_and_says_how_many_are_hidden() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    queue = [
        PendingSpend(
            f"sp_{n:010d}", "U0STAFF001", gbp(50 + n), "x<y> " * 200, "room 214", at, f"es_{n}"
        )
        for n in range(60)
    ]
    msg = blocks.pending_message(queue, viewer="U0MANAGER1")
    assert len(msg["blocks"]) <= blocks.MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in msg["blocks"] if b["type"] == "section")
    shown = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "sp_0000000000" in shown and f"sp_{blocks.MAX_PENDING_SHOWN:010d}" not in shown
    assert f"and {60 - blocks.MAX_PENDING_SHOWN} more" in shown
    assert "x&lt;y&gt;" in shown and "x<y>" not in shown  # the reason is escaped
    assert msg["text"].startswith("60 spends waiting")


def test_choices_carry_the_incident_of_their_card() -> None:
    shown = blocks.alternatives_message(advice(incident_id="in_older"))
    [choices] = [b for b in shown["blocks"] if b["type"] == "actions"]
    assert blocks.chosen_incident(choices["block_id"]) == "in_older"
    assert [e["value"] for e in choices["elements"]] == [
        "slow-or-poor-service",
        "angry-customer",
        "billing-dispute",
    ]
    assert blocks.chosen_incident("coach_choices") is None  # a card from before
