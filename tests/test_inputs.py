"""Text the core stores has limits and no control characters, on every platform.

The core refuses these itself (``bot.inputs``), so Slack, Teams and the command line all
give the same short message and record nothing. Run on SQLite and PostgreSQL: SQLite
would store a NUL byte, PostgreSQL refuses it with an error nobody should see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.coach import Coach
from bot.errors import InvalidInput
from bot.incidents import open_incidents
from bot.inputs import MAX_CUSTOMER_REF_CHARS, MAX_REASON_CHARS, has_control_characters
from tests.clock import Clock
from tests.test_coach import _coach

WASHER = "guest's clothes stuck in the broken washer, she's furious"


@pytest.fixture
async def coach(db_url: str) -> AsyncIterator[Coach]:
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    async for c in _coach(db_url, None, clock):
        c.incidents = incidents = open_incidents(db_url)
        await incidents.open()
        yield c
        await incidents.close()


@pytest.mark.parametrize(
    "text",
    [
        "£5 tow\x00els",
        "£5 towels\x1b[31m room 214",
        "£5\x07 towels",
        "£5 towels \ud800",  # a lone surrogate: valid JSON, not encodable as UTF-8
        "£5 towels\x7f",
        "£5 towels\x85",  # C1 control (NEL)
    ],
)
async def test_a_spend_with_control_characters_is_refused_and_records_nothing(
    coach: Coach, text: str
) -> None:
    sam = coach.actor("hotel", "U_SAM")
    with pytest.raises(InvalidInput, match="control characters"):
        await coach.spend(sam, text)
    assert await coach.ledger.spends("hotel") == []


async def test_typed_whitespace_is_not_a_control_character(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    outcome = await coach.spend(sam, "£5\ttowels,\nroom 214")
    assert outcome.entry.reason == "towels"
    assert outcome.entry.customer_ref == "room 214"


async def test_customer_references_and_reasons_have_limits(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    with pytest.raises(InvalidInput, match=f"customer reference under {MAX_CUSTOMER_REF_CHARS}"):
        await coach.spend(sam, "£5 towels", customer_ref="R" * 10_000)
    with pytest.raises(InvalidInput, match=r"customer reference.*control"):
        await coach.spend(sam, "£5 towels", customer_ref="rm\x00214")
    with pytest.raises(InvalidInput, match=f"reason under {MAX_REASON_CHARS}"):
        await coach.spend(sam, "£5 " + "t" * (MAX_REASON_CHARS + 1))
    assert await coach.ledger.spends("hotel") == []
    # At the limit is fine, and what is stored is what was given.
    ref = "booking " + "A" * (MAX_CUSTOMER_REF_CHARS - len("booking "))
    outcome = await coach.spend(sam, "£5 towels", customer_ref=ref)
    assert outcome.entry.customer_ref == ref


async def test_situations_notes_and_ids_with_control_characters_are_refused(
    coach: Coach,
) -> None:
    sam = coach.actor("hotel", "U_SAM")
    with pytest.raises(InvalidInput, match="control characters"):
        await coach.advise(sam, "guest \x00 furious about the washer")
    with pytest.raises(InvalidInput, match="control characters"):
        coach.actor("hotel", "U_\x00SAM")
    with pytest.raises(InvalidInput, match="control characters"):
        coach.actor("ho\x00tel", "U_SAM")
    await coach.advise(sam, WASHER)
    with pytest.raises(InvalidInput, match=r"note.*control"):
        await coach.escalate(sam, "see \x00 me")
    with pytest.raises(InvalidInput, match="note under 500"):
        await coach.escalate(sam, "x" * 501)
    with pytest.raises(InvalidInput, match=r"note.*control"):
        await coach.record_outcome(sam, None, "won", "all \x1b good")
    with pytest.raises(InvalidInput, match=r"incident id.*control"):
        await coach.record_outcome(sam, "in_\x00", "won")
    with pytest.raises(InvalidInput, match=r"spend id.*control"):
        await coach.decide(coach.actor("hotel", "U_MGR"), "sp_\x00", approve=True)
    record = await coach.record_outcome(sam, None, "won", "all good")
    assert record.outcome_note == "all good"


def test_what_counts_as_a_control_character() -> None:
    assert not has_control_characters("room 214 — £48, café ✔ 🙂 \t\n\r")
    assert not has_control_characters("emoji with joiner 👩\u200d🍳")  # Cf stays allowed
    for c in ("\x00", "\x01", "\x1b", "\x7f", "\x9b", "\ud800"):
        assert has_control_characters(f"a{c}b"), repr(c)
