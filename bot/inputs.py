"""What the core accepts as text that it stores: short enough, and free of control characters.

Every platform (Slack, Teams, the command line) hands the core whatever a person or a
client sent. Checking here, where spends, incidents and notes are built, means each
platform gets the same limits and the same short refusal, and nothing odd reaches the
database: PostgreSQL refuses a NUL byte in text outright, and other control characters
(escape sequences, bells, lone surrogates) would end up in reports, cards and terminals.
"""

from __future__ import annotations

import unicodedata

from bot.errors import InvalidInput

MAX_CUSTOMER_REF_CHARS = 64  # "room 214", "booking AB12-5531": far below this
MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_ID_CHARS = 200  # user, organisation and record ids from a platform or a person
# Whitespace a person may type; it is folded into single spaces where text is stored.
_TYPED_WHITESPACE = frozenset("\t\n\r\v\f")
# Cc: C0/C1 controls (NUL, ESC, DEL, ...); Cs: lone surrogates, which cannot be encoded.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})


def has_control_characters(text: str) -> bool:
    return any(
        unicodedata.category(c) in _REFUSED_CATEGORIES and c not in _TYPED_WHITESPACE for c in text
    )


def refuse_control_characters(text: str, what: str) -> None:
    """Refuse (``InvalidInput``, naming ``what``) text holding control characters."""
    if has_control_characters(text):
        raise InvalidInput(f"the {what} contains control characters — please type it again")


def plain_text(text: str, what: str, limit: int) -> str:
    """``text`` with runs of whitespace folded to one space; refused (``InvalidInput``,
    naming ``what``) when it holds control characters or is longer than ``limit``."""
    refuse_control_characters(text, what)
    folded = " ".join(text.split())
    if len(folded) > limit:
        raise InvalidInput(f"keep the {what} under {limit} characters")
    return folded


def plain_id(value: str, what: str) -> str:
    """An identifier as given; refused when it holds control characters or is absurdly long."""
    if has_control_characters(value):
        raise InvalidInput(f"the {what} contains control characters")
    if len(value) > MAX_ID_CHARS:
        raise InvalidInput(f"the {what} is too long")
    return value


__all__ = [
    "MAX_CUSTOMER_REF_CHARS",
    "MAX_ID_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_REASON_CHARS",
    "has_control_characters",
    "plain_id",
    "plain_text",
    "refuse_control_characters",
]
