"""Customer references staff type in passing: "room 214", "tbl 7", "order 5531", "lodge 12".

A reference ties spends to one customer so a per-customer daily cap applies across staff
and shifts, and the next person helping them sees what they already received.
"""

from __future__ import annotations

import re

# Staff shorthand -> the word a report shows. Each kind needs a number-bearing id.
_KINDS: dict[str, str] = {
    "room": "room",
    "rm": "room",
    "suite": "suite",
    "lodge": "lodge",
    "cabin": "cabin",
    "chalet": "chalet",
    "table": "table",
    "tbl": "table",
    "tab": "table",
    "seat": "seat",
    "order": "order",
    "ord": "order",
    "booking": "booking",
    "bkg": "booking",
    "reservation": "booking",
    "res": "booking",
    "ticket": "ticket",
    "tkt": "ticket",
    "case": "case",
    "account": "account",
    "acct": "account",
    "acc": "account",
    "invoice": "invoice",
    "inv": "invoice",
    "member": "member",
    "membership": "member",
    "locker": "locker",
    "bay": "bay",
    "pitch": "pitch",
    "unit": "unit",
}

_REF = re.compile(
    r"(?<![\w-])(?P<kind>" + "|".join(sorted(_KINDS, key=len, reverse=True)) + r")"
    r"\.?\s*(?:no\.?|number|#)?\s*#?(?P<id>[a-z]{0,3}\d[\w-]{0,15})(?![\w-])",
    re.IGNORECASE,
)


def normalise_ref(text: str) -> str | None:
    """A reference typed on its own ("Room 214", "rm214") in its canonical form, or None."""
    match = _REF.fullmatch(text.strip())
    if match is None:
        return None
    return f"{_KINDS[match['kind'].lower()]} {match['id'].upper()}"


def extract_customer_ref(text: str) -> tuple[str | None, str]:
    """Find the first customer reference in ``text``; return it and the text without it."""
    match = _REF.search(text)
    if match is None:
        return None, text
    ref = f"{_KINDS[match['kind'].lower()]} {match['id'].upper()}"
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    # Tidy the joins the removal leaves behind ("flowers, , " / trailing "for").
    rest = re.sub(r"\s*,\s*(,\s*)+", ", ", rest)
    rest = re.sub(r"\s{2,}", " ", rest)
    rest = re.sub(r"(?:[\s,;:–-]+|\s+(?:for|to|at|in))$", "", rest, flags=re.IGNORECASE)
    return ref, rest.strip(" ,;:-")
