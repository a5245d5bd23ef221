"""The admins' forms for the organisation's own playbooks and say lines.

Pure functions, no I/O, in the manner of ``admin_forms`` (whose callback ids, input
names and ``SubmittedForm`` they share). *Add a playbook* in the home opens
``new_playbook_modal``; ``playbook_from_form`` turns its submission into the same dict
a playbook file holds and validates it with the core's ``parse_playbook``, each problem
put beside the input it came from (``InvalidSetting`` keyed by block id). A playbook's
*Edit* form (``playbook_modal``) is the on/off form of ``admin_forms`` with what to say
at each step (never for a safety playbook, whose words are the same everywhere) and,
for one of the organisation's own, a box to remove it; ``say_changes`` reads back the
lines that changed.

Slack's limits kept here: a modal title of 24 characters and 100 blocks, an input's
label and hint of 2,000, a plain_text_input of at most 3,000 characters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from adapters.slack import admin_forms
from adapters.slack.admin_forms import (
    ADD_PLAYBOOK,
    EDIT_PLAYBOOK,
    ESCALATE_ALWAYS,
    ESCALATION,
    EXAMPLES,
    GESTURES,
    KEYWORDS,
    NEW_PLAYBOOK_FORM,
    OWNER,
    PICK_PLAYBOOK,
    PLAYBOOK_ID,
    REMOVE,
    REVIEW_BY,
    SAY_PREFIX,
    STALE,
    STEPS,
    TITLE,
    SubmittedForm,
)
from adapters.slack.blocks import Block, context, section
from bot.errors import InvalidAmount, InvalidInput, InvalidSetting, NotFound, PlaybookError
from bot.matching.safety import SAFETY_PLAYBOOKS
from bot.models import Home, Money
from bot.money import parse_amount, to_major
from bot.org_playbooks import MAX_SAY_CHARS, say_line
from bot.playbooks import ESCALATION_REASONS, Playbook, PlaybookLibrary, parse_playbook

MAX_INPUT_CHARS = 3000  # Slack: the most a plain_text_input may hold
MAX_LABEL_CHARS = 2000  # and an input's label or hint
MAX_TITLE_CHARS = 150
MAX_ID_CHARS = 60
MAX_OWNER_CHARS = 150
MAX_SAY_INPUTS = 90  # a modal holds 100 blocks; the rest are the form's own
STEP_SAY_SEPARATOR = " | "
REVIEW_AFTER = timedelta(days=365)  # the review date the new form suggests
# Where a problem with the playbook's field goes: its first name → the input's block id.
_BLOCK_OF_FIELD = {
    "title": TITLE,
    "id": PLAYBOOK_ID,
    "owner": OWNER,
    "review_by": REVIEW_BY,
    "steps": STEPS,
    "gestures": GESTURES,
    "escalation": ESCALATION,
}
_LISTED = {"steps": "step", "gestures": "gesture", "examples": "example", "keywords": "keyword"}
_INDEXED = re.compile(r"^(?:triggers\.)?(steps|gestures|examples|keywords)\[(\d+)\](\.\w+)?")


def modal_for(
    action_id: str,
    value: str,
    view: Home,
    *,
    library: PlaybookLibrary,
    shipped: PlaybookLibrary,
    today: date,
) -> dict[str, Any]:
    """The form a home button opens: the playbook forms here, the others
    ``admin_forms``'. ``library``: the organisation's playbooks (its say lines, its
    own); ``shipped``: the deployment's, as shipped."""
    if action_id == ADD_PLAYBOOK:
        return new_playbook_modal(view, today)
    if action_id == EDIT_PLAYBOOK or action_id.startswith(PICK_PLAYBOOK):
        return playbook_modal(view, value, library=library, shipped=shipped)
    return admin_forms.modal_for(action_id, value, view)


# --------------------------------------------------------------------------- drawing


def _input(
    block_id: str, label: str, element: Block, hint: str | None = None, *, optional: bool = False
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": _cut(label, MAX_LABEL_CHARS)},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": _cut(hint, MAX_LABEL_CHARS)}
    return block


def _text(
    action_id: str, max_length: int, *, initial: str | None = None, multiline: bool = False
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id,
        "max_length": min(max_length, MAX_INPUT_CHARS),
    }
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial[:MAX_INPUT_CHARS]
    return element


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def new_playbook_modal(view: Home, today: date) -> dict[str, Any]:
    """The empty form for a playbook of the organisation's own."""
    currency = view.settings.currency if view.settings is not None else "your currency"
    reasons = [admin_forms._option(r, r) for r in ESCALATION_REASONS]
    always = admin_forms._option("Every time this playbook is chosen", "always")
    blocks: list[Block] = [
        context(
            "Staff are coached with it from their next message here (only here), matched "
            "on its keywords and example lines."
        ),
        _input(TITLE, "Title", _text(TITLE, MAX_TITLE_CHARS),
               "What staff see first, e.g. Late checkout refused"),
        _input(PLAYBOOK_ID, "Id", _text(PLAYBOOK_ID, MAX_ID_CHARS),
               "Lowercase words joined by -, e.g. late-checkout. Empty: made from the title.",
               optional=True),
        _input(OWNER, "Owner", _text(OWNER, MAX_OWNER_CHARS),
               "Who keeps it right, e.g. Front Office Manager"),
        _input(REVIEW_BY, "Review by",
               {"type": "datepicker", "action_id": REVIEW_BY,
                "initial_date": (today + REVIEW_AFTER).isoformat()},
               "The home warns its admins when this date has passed."),
        _input(KEYWORDS, "Trigger keywords", _text(KEYWORDS, MAX_INPUT_CHARS),
               "Comma separated, as staff type them, e.g. late checkout, check out late"),
        _input(EXAMPLES, "Example lines", _text(EXAMPLES, MAX_INPUT_CHARS, multiline=True),
               "One a line, as staff would type them mid-shift."),
        _input(STEPS, "Steps", _text(STEPS, MAX_INPUT_CHARS, multiline=True),
               "One a line, in order; what to say after ' | ', e.g. Listen without "
               "interrupting | I'm sorry, tell me what happened"),
        _input(GESTURES, "Gestures", _text(GESTURES, MAX_INPUT_CHARS, multiline=True),
               f"One a line, the typical cost last (in {currency}), e.g. dessert on us £6",
               optional=True),
        _input(ESCALATION, "Alert a manager about",
               {"type": "multi_static_select", "action_id": ESCALATION, "options": reasons},
               "When the line typed signals one of these.", optional=True),
        _input(ESCALATE_ALWAYS, "Always alert a manager",
               {"type": "checkboxes", "action_id": ESCALATE_ALWAYS, "options": [always]},
               optional=True),
    ]  # fmt: skip
    modal = admin_forms._modal(NEW_PLAYBOOK_FORM, "Add a playbook", blocks, {})
    modal["submit"] = {"type": "plain_text", "text": "Add"}
    return modal


def playbook_modal(
    view: Home, playbook_id: str, *, library: PlaybookLibrary, shipped: PlaybookLibrary
) -> dict[str, Any]:
    """A playbook's Edit form: on or off, what to say at each step, remove (own)."""
    modal = admin_forms.playbook_modal(view, playbook_id)
    summary = next(p for p in view.playbooks if p.playbook_id == playbook_id)
    if playbook_id not in library:
        raise NotFound(f"no playbook called {playbook_id!r}")
    playbook = library.get(playbook_id)
    blocks: list[Block] = list(modal["blocks"])
    if playbook_id in SAFETY_PLAYBOOKS:
        blocks.append(
            context(
                "_What to say cannot be changed in a safety playbook: its words were "
                "reviewed for emergencies and are the same for everyone._"
            )
        )
    else:
        original = shipped.get(playbook_id) if playbook_id in shipped else None
        blocks.append(section("*What to say at each step*"))
        for number, step in enumerate(playbook.steps[:MAX_SAY_INPUTS], 1):
            blocks.append(
                _input(
                    f"{SAY_PREFIX}{number}",
                    f"Step {number}: {step.do}",
                    _text(f"{SAY_PREFIX}{number}", MAX_SAY_CHARS, initial=step.say),
                    _say_hint(step.say, original, number),
                    optional=True,
                )
            )
    if summary.own:
        remove = admin_forms._option("Remove this playbook: staff are no longer coached with it",
                                     "remove")  # fmt: skip
        blocks.append(
            _input(REMOVE, "Remove this playbook",
                   {"type": "checkboxes", "action_id": REMOVE, "options": [remove]},
                   "Ticked, Save removes it (the change is audited).", optional=True)
        )  # fmt: skip
    return {**modal, "blocks": blocks}


def _say_hint(current: str | None, original: Playbook | None, number: int) -> str:
    if original is None:
        return "Your playbook's line, said aloud as written."
    shipped = original.steps[number - 1].say if number <= len(original.steps) else None
    if current == shipped:
        return "The library's line. Change it for your organisation, said aloud as written."
    return f"Your organisation's line. Empty: back to the library's ({shipped or 'none'})."


# --------------------------------------------------------------------------- reading


def slug(title: str) -> str:
    """An id made from a title: 'Late check-out refused!' → 'late-check-out-refused'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return words[:MAX_ID_CHARS].rstrip("-")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _steps(text: str | None) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for line in _lines(text):
        do, _, say = line.partition(STEP_SAY_SEPARATOR.strip())
        out.append({"do": do.strip(), "say": say.strip() or None})
    return out


def _has_currency(text: str) -> bool:
    """Whether typed text says it is money (a currency sign or code beside a number)."""
    if not any(c.isdigit() for c in text):
        return False
    return any(unicodedata.category(c) == "Sc" for c in text) or bool(
        re.search(r"[0-9]\s*[A-Za-z]{3}$|^[A-Za-z]{3}\s*[0-9]", text)
    )


def gesture(line: str, currency: str) -> tuple[str, Money | None]:
    """'dessert on us £6' → ('dessert on us', £6.00): the typical cost is the line's
    last word or two when they read as an amount in the organisation's currency
    ('£6', '6', '6 GBP'); '2 free drinks' has none. An amount that says it is money but
    cannot be used (another currency, zero, too many decimals) raises InvalidAmount."""
    words = line.split()
    for take in (1, 2):
        if len(words) <= take:
            break
        tail = " ".join(words[-take:])
        try:
            amount, rest = parse_amount(tail, currency)
        except InvalidAmount:
            if _has_currency(tail):
                raise
            continue
        if not rest:
            return " ".join(words[:-take]).rstrip(" ,;:-–—("), amount
    return line, None


def _gestures(text: str | None, currency: str) -> tuple[list[dict[str, str | None]], list[str]]:
    out: list[dict[str, str | None]] = []
    problems: list[str] = []
    for number, line in enumerate(_lines(text), 1):
        try:
            name, cost = gesture(line, currency)
        except InvalidAmount as exc:
            problems.append(f"gesture {number}: {exc}")
            continue
        out.append({"name": name, "typical_cost": None if cost is None else str(to_major(cost))})
    return out, problems


def _block_for(path: str) -> str:
    first, _, rest = path.partition(".")
    first = first.split("[")[0]
    if first == "triggers":
        return EXAMPLES if rest.startswith("examples") else KEYWORDS
    return _BLOCK_OF_FIELD.get(first, TITLE)


def _explain(path: str, message: str) -> str:
    """One problem the core found, said for the form: which line, and what is wrong."""
    said = message.removeprefix("Value error, ")
    if "at least 1 character" in said or said == "Field required":
        said = "this is needed"
    if path == "steps" and "at least 1 item" in said:
        return "give at least one step, one a line"
    found = _INDEXED.match(path)
    if found is None:
        return said
    which = f"{_LISTED[found[1]]} {int(found[2]) + 1}"
    if found[1] == "steps" and found[3] == ".do" and said == "this is needed":
        return f"{which}: say what to do before '{STEP_SAY_SEPARATOR.strip()}'"
    return f"{which}: {said}"


def _add(errors: dict[str, str], block: str, message: str) -> None:
    errors[block] = f"{errors[block]}; {message}" if block in errors else message


def playbook_from_form(form: SubmittedForm, currency: str, today: date) -> Playbook:
    """The playbook the new playbook form describes, validated by the core as a file
    is; every problem raised at once as ``InvalidSetting`` keyed by the input's block
    id. A review date already past is refused too (it would be overdue on arrival)."""
    values = form.values
    errors: dict[str, str] = {}
    title = values.get(TITLE) or ""
    playbook_id = values.get(PLAYBOOK_ID) or slug(title)
    if not playbook_id and title:
        errors[PLAYBOOK_ID] = "type an id, e.g. late-checkout: the title gives none"
    gestures, problems = _gestures(values.get(GESTURES), currency)
    for problem in problems:
        _add(errors, GESTURES, problem)
    reasons = [r.strip() for r in (values.get(ESCALATION) or "").split(",") if r.strip()]
    always = bool(values.get(ESCALATE_ALWAYS))
    if always and not reasons:
        errors[ESCALATION] = "choose what a manager is alerted about, e.g. safety"
    keywords = [k.strip() for k in (values.get(KEYWORDS) or "").split(",") if k.strip()]
    examples = _lines(values.get(EXAMPLES))
    raw: dict[str, Any] = {
        "id": playbook_id,
        "title": title,
        "owner": values.get(OWNER) or "",
        "review_by": values.get(REVIEW_BY) or "",
        "triggers": {"keywords": keywords, "examples": examples},
        "steps": _steps(values.get(STEPS)),
        "gestures": gestures,
        "escalation": {"always": always, "reasons": reasons},
    }
    _check_review_date(values.get(REVIEW_BY), today, errors)
    # The core's rule over both (checked only once every field is valid), said beside
    # each empty one, with the rest.
    if not keywords:
        errors[KEYWORDS] = "give at least one keyword"
    if not examples:
        errors[EXAMPLES] = "give at least one example line"
    try:
        playbook = parse_playbook(raw, "the form")
    except PlaybookError as exc:
        for path, message in exc.problems:
            if path == "(top)" and "triggers" in message and (not keywords or not examples):
                continue  # said above
            _add(errors, _block_for(path), _explain(path, message))
        raise InvalidSetting(errors or {TITLE: str(exc)}) from None
    if errors:
        raise InvalidSetting(errors)
    return playbook


def _check_review_date(typed: str | None, today: date, errors: dict[str, str]) -> None:
    try:
        review_by = date.fromisoformat(typed or "")
    except ValueError:
        return  # the core says what is wrong with it
    if review_by < today:
        errors[REVIEW_BY] = f"pick a date from today ({today:%d %b %Y}) on: this one has passed"


def say_changes(
    form: SubmittedForm, current: Playbook, shipped: Playbook | None
) -> dict[int, str | None]:
    """The say lines the Edit form changed, by step number (from 1): the new line, or
    None to go back to the library's (an emptied line of a library playbook). Lines
    left as they were are not changed again. ``current``: the playbook as the
    organisation has it; ``shipped``: as the library ships it (None: its own)."""
    errors: dict[str, str] = {}
    out: dict[int, str | None] = {}
    for name, typed in form.values.items():
        if not name.startswith(SAY_PREFIX):
            continue
        number = int(name.removeprefix(SAY_PREFIX))
        if not 1 <= number <= len(current.steps):
            errors[name] = STALE
            continue
        now = current.steps[number - 1].say
        original = (
            shipped.steps[number - 1].say
            if shipped is not None and number <= len(shipped.steps)
            else None
        )
        if typed is None:
            if shipped is None and now:
                errors[name] = "your playbook's line cannot be empty — type the new line"
            elif shipped is not None and now != original:
                out[number] = None
            continue
        try:
            line = say_line(typed)
        except InvalidInput as exc:
            errors[name] = str(exc)
            continue
        if line == " ".join((now or "").split()):
            continue
        if shipped is not None and line == " ".join((original or "").split()):
            out[number] = None  # the library's own words again: no override needed
        else:
            out[number] = line
    if errors:
        raise InvalidSetting(errors)
    return out
