"""Block Kit rendering: Slack's limits and the shapes the listeners rely on."""

from __future__ import annotations

import json

from adapters.slack import blocks
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


def test_spend_modal_carries_the_playbook() -> None:
    view = blocks.spend_modal("wrong-order", "C1")
    assert view["callback_id"] == blocks.SPEND_MODAL
    assert json.loads(view["private_metadata"]) == {"playbook_id": "wrong-order", "channel": "C1"}
    assert [b["block_id"] for b in view["blocks"]] == ["amount", "reason", "customer"]
    assert view["blocks"][2]["optional"] is True
