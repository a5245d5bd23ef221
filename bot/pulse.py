"""The customer's side of an outcome: one question, "did we put it right?".

The employee hands the customer a short code (or a link built on ``COACHBOT_PUBLIC_URL``);
the customer answers yes / partly / no on a public page (``adapters.pulse``). The code is
the only credential: 50 random bits, one answer per code, nothing about the incident is
shown to whoever holds it. Reports set the answers beside what staff said.
"""

from __future__ import annotations

from datetime import datetime

from bot.errors import InvalidInput
from bot.incidents import IncidentRecord, IncidentStore, PulseAnswer

PULSE_PATH = "/pulse/{code}"
QUESTION = "Did we put it right?"
ANSWER_LABELS = {
    PulseAnswer.YES: "Yes, you did",
    PulseAnswer.PARTLY: "Partly",
    PulseAnswer.NO: "No",
}
_ALIASES = {
    "yes": PulseAnswer.YES,
    "y": PulseAnswer.YES,
    "partly": PulseAnswer.PARTLY,
    "partially": PulseAnswer.PARTLY,
    "somewhat": PulseAnswer.PARTLY,
    "no": PulseAnswer.NO,
    "n": PulseAnswer.NO,
}


def parse_answer(text: str) -> PulseAnswer:
    found = _ALIASES.get(text.strip().lower())
    if found is None:
        raise InvalidInput("answer yes, partly or no")
    return found


def pulse_link(code: str, public_url: str = "") -> str:
    """The link for the customer, or the bare code when no public URL is configured."""
    base = public_url.strip().rstrip("/")
    return f"{base}{PULSE_PATH.format(code=code)}" if base else code


def pulse_message(code: str, public_url: str = "") -> str:
    """What the employee reads out or forwards to the customer."""
    link = pulse_link(code, public_url)
    if link == code:
        return (
            f'Customer follow-up code: {code} — they can answer "{QUESTION}" '
            f"at {PULSE_PATH.format(code=code)} on this service."
        )
    return f'Send the customer this link: {link} (one question: "{QUESTION}")'


async def answer(
    store: IncidentStore, code: str, text: str, note: str | None, at: datetime
) -> IncidentRecord:
    """Record the customer's answer once (``AlreadyDecided`` after); ``NotFound`` for an
    unknown code; ``InvalidInput`` for anything but yes / partly / no."""
    return await store.answer_pulse(code, parse_answer(text), note, at)
