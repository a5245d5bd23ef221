"""Adaptive Cards as Teams validates them: schema 1.4, fallbacks, size on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.teams import cards
from adapters.teams.notifier import card_activity
from bot.coach import PendingSpend
from bot.models import EscalationRecord, EscalationStatus, Money, Role
from tests.test_slack_blocks import advice

# TextBlock properties of Adaptive Cards 1.4 (``style`` arrives in 1.5).
TEXT_BLOCK_1_4 = {
    "type", "text", "wrap", "size", "weight", "color", "isSubtle", "maxLines",
    "horizontalAlignment", "fontType", "spacing", "separator", "id", "isVisible", "height",
}  # fmt: skip


def _elements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += _elements(value)
    elif isinstance(node, list):
        for value in node:
            found += _elements(value)
    return found


def _record(**changes: Any) -> EscalationRecord:
    fields: dict[str, Any] = {
        "escalation_id": "es_1",
        "org": "T1",
        "platform": "teams",
        "kind": "spend",
        "reasons": ("over per-incident limit",),
        "summary": "£480.00 new suit (room 214)",
        "raised_by": "29:staff",
        "opened_at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "status": EscalationStatus.OPEN,
        "level": Role.MANAGER,
        "entry_id": "sp_1",
    }
    return EscalationRecord(**(fields | changes))


def test_advice_card_uses_only_what_its_declared_schema_version_allows() -> None:
    content = cards.advice_card(advice())
    assert content["version"] == "1.4"
    blocks = [e for e in _elements(content) if e["type"] == "TextBlock"]
    assert any("I'm so sorry" in b["text"] for b in blocks)  # the say line is there
    assert all(set(b) <= TEXT_BLOCK_1_4 for b in blocks), [set(b) - TEXT_BLOCK_1_4 for b in blocks]


def test_every_execute_button_falls_back_to_a_submit_with_the_same_data() -> None:
    content = cards.escalation_card(_record(), {}, entry=None)
    executes = [a for a in content["actions"] if a["type"] == "Action.Execute"]
    assert [a["title"] for a in executes] == ["Approve", "Deny", "Acknowledge", "Take over"]
    for action in executes:
        fallback = action["fallback"]
        assert fallback["type"] == "Action.Submit"
        assert (fallback["title"], fallback["data"]) == (action["title"], action["data"])


def test_size_is_measured_as_the_sdk_sends_it_escaped() -> None:
    # 2,100 emoji: 8 KB as UTF-8, but 25 KB as the \u-escaped JSON that goes on the wire.
    content = cards.card([cards.text_block("x")])
    content["body"][0]["text"] = "😡" * 2100  # past the per-field clip, as a long list would be
    assert len(json.dumps(content, ensure_ascii=False).encode()) < cards.MAX_CARD_BYTES
    assert not cards.fits(content)
    assert cards.fitted(content) == cards.card([cards.text_block(cards.TOO_LONG)])
    small = cards.advice_card(advice())
    assert cards.fitted(small) is small


def test_notifier_cards_are_size_guarded_too() -> None:
    huge = cards.card([cards.text_block("x")])
    huge["body"][0]["text"] = "é" * cards.MAX_CARD_BYTES
    [attachment] = card_activity(huge).attachments
    assert attachment.content == cards.card([cards.text_block(cards.TOO_LONG)])


def test_a_long_pending_list_stays_within_the_size_limit_and_says_how_many_are_left() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    queue = [
        PendingSpend(
            f"sp_{n:010d}", "29:staff", Money(5000 + n, "GBP"), "😡" * 300, None, at, f"es_{n}"
        )
        for n in range(40)
    ]
    content = cards.pending_card(queue, viewer="29:manager")
    assert cards.fits(content) and cards.fitted(content) is content
    shown = json.dumps(content, ensure_ascii=False)
    listed = sum(f"sp_{n:010d}" in shown for n in range(40))
    assert 0 < listed <= cards.MAX_PENDING_SHOWN
    assert f"and {40 - listed} more" in shown
    blocks = [e for e in _elements(content) if e["type"] == "TextBlock"]
    assert all(set(b) <= TEXT_BLOCK_1_4 for b in blocks)
