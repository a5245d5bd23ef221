"""The admins' edit forms: modals opened from the App Home, and what their submissions say.

Pure functions, no I/O. Each *Edit* button in the home (``home.py``) names what it edits
(its action id, and the role or playbook in its value); ``modal_for`` draws the form
from the core's ``admin_view``, prefilled with the settings as they stand. A submitted
form is read back by ``read_form`` into plain values for the core, which validates them;
``field_errors`` puts the core's complaints (``InvalidSetting``, keyed by setting name)
beside the inputs that hold them, the shape ``response_action: "errors"`` needs (block
id → message). Every input's block id is the name of the setting it holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.blocks import Block, context, escape, money, section
from bot.errors import NotFound
from bot.models import Home, PlaybookSummary, Role

# Action ids of the home's edit buttons (the value names the role or playbook).
EDIT_ROLE = "admin_edit_role"
EDIT_USER_ROLE = "admin_edit_user_role"
EDIT_SETTINGS = "admin_edit_settings"
EDIT_PLAYBOOK = "admin_edit_playbook"
ADD_PLAYBOOK = "admin_add_playbook"  # the form for a playbook of the organisation's own
# Selects listing the playbooks, for long libraries: + "_1", "_2"… (100 options each).
PICK_PLAYBOOK = "admin_pick_playbook"
EDIT_ACTIONS = (EDIT_ROLE, EDIT_USER_ROLE, EDIT_SETTINGS, EDIT_PLAYBOOK, ADD_PLAYBOOK)

# Callback ids of the modals (one view listener serves them all: ``FORM_PREFIX``).
FORM_PREFIX = "admin_form_"
ROLE_LIMITS_FORM = FORM_PREFIX + "role_limits"
USER_ROLE_FORM = FORM_PREFIX + "user_role"
SETTINGS_FORM = FORM_PREFIX + "settings"
PLAYBOOK_FORM = FORM_PREFIX + "playbook"
NEW_PLAYBOOK_FORM = FORM_PREFIX + "new_playbook"

# Input block ids = the core's setting names (``InvalidSetting.errors`` keys).
PER_INCIDENT, DAILY = "per_incident", "daily"
USER, ROLE = "user", "role"
MAX_SINGLE_SPEND, CUSTOMER_DAILY_CAP, ESCALATION_CHANNEL = (
    "max_single_spend",
    "customer_daily_cap",
    "escalation_channel",
)
ENABLED = "enabled"
# The playbook form's say lines (+ the step's number, from 1) and its remove box.
SAY_PREFIX, REMOVE = "say_", "remove"
# The new playbook form's inputs (the playbook's fields; ``playbook_forms``).
TITLE, PLAYBOOK_ID, OWNER, REVIEW_BY = "title", "id", "owner", "review_by"
KEYWORDS, EXAMPLES, STEPS, GESTURES = "keywords", "examples", "steps", "gestures"
ESCALATION, ESCALATE_ALWAYS = "escalation", "escalate_always"
ON, OFF = "on", "off"
STALE = "This form is out of date — close it and press Edit again."
MAX_OPTION_TEXT = 75  # Slack's limit for an option's text
MAX_OPTIONS = 100  # and for a static select's options


def modal_for(action_id: str, value: str, view: Home) -> dict[str, Any]:
    """The form an *Edit* button opens, filled in from ``view`` (``Coach.admin_view``).
    ``NotFound`` for a role or playbook the organisation does not have."""
    if action_id == EDIT_ROLE:
        return role_limits_modal(view, value)
    if action_id == EDIT_USER_ROLE:
        return user_role_modal()
    if action_id == EDIT_SETTINGS:
        return settings_modal(view)
    if action_id == EDIT_PLAYBOOK or action_id.startswith(PICK_PLAYBOOK):
        return playbook_modal(view, value)
    raise NotFound(f"nothing to edit called {action_id!r}")


def _modal(
    callback_id: str, title: str, blocks: list[Block], meta: dict[str, str]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": title[:24]},  # Slack allows 24
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _text_input(
    block_id: str, label: str, initial: str | None, hint: str, *, optional: bool = False
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": block_id}
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": element,
    }


def _option(text: str, value: str) -> Block:
    cut = text if len(text) <= MAX_OPTION_TEXT else text[: MAX_OPTION_TEXT - 1] + "…"
    return {"text": {"type": "plain_text", "text": cut}, "value": value}


def role_limits_modal(view: Home, role_name: str) -> dict[str, Any]:
    found = next(((r, p, d) for r, p, d in view.limits if r.value == role_name), None)
    if found is None or view.settings is None:
        raise NotFound(f"no role called {role_name!r}")
    role, per_incident, daily = found
    currency = view.settings.currency
    return _modal(
        ROLE_LIMITS_FORM,
        "Role limits",
        [
            section(
                f"What a *{role.value}* may spend on their own authority, in {currency}. "
                "Above it a spend waits for a manager."
            ),
            _text_input(
                PER_INCIDENT,
                "Per incident",
                money(per_incident),
                "One situation, all its spends together. 0: every spend asks a manager.",
            ),
            _text_input(DAILY, "Daily allowance", money(daily), "What one person may give a day."),
        ],
        {"role": role.value},
    )


def user_role_modal() -> dict[str, Any]:
    roles = [_option(r.value, r.value) for r in Role]
    return _modal(
        USER_ROLE_FORM,
        "Give someone a role",
        [
            {
                "type": "input",
                "block_id": USER,
                "label": {"type": "plain_text", "text": "Who"},
                "element": {"type": "users_select", "action_id": USER},
            },
            {
                "type": "input",
                "block_id": ROLE,
                "label": {"type": "plain_text", "text": "Role"},
                "element": {"type": "static_select", "action_id": ROLE, "options": roles},
            },
            context("It applies at once: their limits, what they may approve, their Home."),
        ],
        {},
    )


def settings_modal(view: Home) -> dict[str, Any]:
    settings = view.settings
    if settings is None:
        raise NotFound("no settings to edit")
    channel: Block = {
        "type": "conversations_select",
        "action_id": ESCALATION_CHANNEL,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if settings.escalation_channel:
        channel["initial_conversation"] = settings.escalation_channel
    cap = settings.customer_daily_cap
    return _modal(
        SETTINGS_FORM,
        "Organisation settings",
        [
            _text_input(
                MAX_SINGLE_SPEND,
                "Most for any one spend",
                money(settings.max_single_spend),
                f"In {settings.currency}. Nobody may approve more, whatever their role.",
            ),
            _text_input(
                CUSTOMER_DAILY_CAP,
                "Most one customer may receive a day",
                money(cap) if cap is not None else None,
                "Across all staff and shifts. Leave it empty for no cap.",
                optional=True,
            ),
            {
                "type": "input",
                "block_id": ESCALATION_CHANNEL,
                "optional": True,
                "label": {"type": "plain_text", "text": "Escalations go to"},
                "hint": {
                    "type": "plain_text",
                    "text": "Invite me if it is private. None: the channel set up at install.",
                },
                "element": channel,
            },
        ],
        {},
    )


def playbook_modal(view: Home, playbook_id: str) -> dict[str, Any]:
    playbook = next((p for p in view.playbooks if p.playbook_id == playbook_id), None)
    if playbook is None:
        raise NotFound(f"no playbook called {playbook_id!r}")
    options = [
        _option("On: staff are coached with it", ON),
        _option("Off: never answered here", OFF),
    ]
    switch: Block = {
        "type": "radio_buttons",
        "action_id": ENABLED,
        "options": options,
        "initial_option": options[0] if playbook.enabled else options[1],
    }
    about = (
        f"*{escape(playbook.title)}*\n`{playbook.playbook_id}` · {escape(playbook.owner)}, "
        f"review by {playbook.review_by:%d %b %Y}"
    )
    if playbook.always_on:
        about += "\n_Safety playbooks and the general recovery steps are always answered._"
    return _modal(
        PLAYBOOK_FORM,
        "Playbook",
        [
            section(about),
            {
                "type": "input",
                "block_id": ENABLED,
                "label": {"type": "plain_text", "text": "In this organisation"},
                "element": switch,
            },
        ],
        {"playbook_id": playbook.playbook_id},
    )


def playbook_selects(playbooks: tuple[PlaybookSummary, ...]) -> list[Block]:
    """The playbooks an admin may switch, as selects of at most 100 options each (an
    actions block holds 25 elements: 2,500 playbooks)."""
    options = [
        _option(f"{'' if p.enabled else '(off) '}{p.title}", p.playbook_id)
        for p in playbooks
        if not p.always_on
    ]
    return [
        {
            "type": "static_select",
            "action_id": f"{PICK_PLAYBOOK}_{n}",
            "placeholder": {
                "type": "plain_text",
                "text": "Switch a playbook on or off…" if n == 1 else f"…or one of these ({n})",
            },
            "options": options[start : start + MAX_OPTIONS],
        }
        for n, start in enumerate(range(0, len(options), MAX_OPTIONS), 1)
    ][:25]


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True, slots=True)
class SubmittedForm:
    """One submitted admin form: which, the values typed or chosen (by setting name;
    None when left empty) and what the form was opened for (``meta``)."""

    callback_id: str
    values: dict[str, str | None]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def first_block(self) -> str:
        """Where a complaint about the whole form goes (a modal shows errors only beside
        an input)."""
        return next(iter(self.values))

    def field_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """The core's complaints by setting, as block id → message for this form; one
        about a setting the form has no input for goes to its first input."""
        out: dict[str, str] = {}
        for name, message in errors.items():
            block = name if name in self.values else self.first_block
            out[block] = f"{out[block]} {message}" if block in out else message
        return out


# The inputs each form has, in order.
_INPUTS = {
    ROLE_LIMITS_FORM: (PER_INCIDENT, DAILY),
    USER_ROLE_FORM: (USER, ROLE),
    SETTINGS_FORM: (MAX_SINGLE_SPEND, CUSTOMER_DAILY_CAP, ESCALATION_CHANNEL),
    PLAYBOOK_FORM: (ENABLED,),
    NEW_PLAYBOOK_FORM: (
        TITLE, PLAYBOOK_ID, OWNER, REVIEW_BY, KEYWORDS, EXAMPLES, STEPS, GESTURES,
        ESCALATION, ESCALATE_ALWAYS,
    ),
}  # fmt: skip
# Inputs a form has as many of as it was drawn with: the playbook form's say lines.
_DRAWN = {PLAYBOOK_FORM: re.compile(rf"^{SAY_PREFIX}[0-9]{{1,3}}$|^{REMOVE}$")}
# What the form must have been opened for.
_META = {ROLE_LIMITS_FORM: ("role",), PLAYBOOK_FORM: ("playbook_id",)}


def form_inputs(callback_id: str) -> tuple[str, ...]:
    return _INPUTS.get(callback_id, ())


def read_form(view: dict[str, Any]) -> SubmittedForm | None:
    """A submitted admin form's values, or None when it is not one of ours as drawn
    (an unknown form, or its private_metadata not what we wrote): nothing is changed
    from it."""
    callback_id = str(view.get("callback_id") or "")
    names = _INPUTS.get(callback_id)
    if names is None:
        return None
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        return None
    if not all(meta.get(key) for key in _META.get(callback_id, ())):
        return None
    state = (view.get("state") or {}).get("values") or {}
    drawn = _DRAWN.get(callback_id)
    if drawn is not None and isinstance(state, dict):
        names = (*names, *(str(k) for k in state if drawn.match(str(k))))
    values = {name: _input_value((state.get(name) or {}).get(name)) for name in names}
    return SubmittedForm(callback_id, values, meta)


def _input_value(element: Any) -> str | None:
    """What one input holds as text: typed text, the chosen user, channel, date or
    option; the options ticked or chosen in a multiple choice, joined by commas."""
    if not isinstance(element, dict):
        return None
    chosen = element.get("selected_options")
    if isinstance(chosen, list):
        picked = [str(o["value"]) for o in chosen if isinstance(o, dict) and o.get("value")]
        return ",".join(picked) or None
    for key in (
        "value", "selected_user", "selected_conversation", "selected_channel", "selected_date"
    ):  # fmt: skip
        value = element.get(key)
        if isinstance(value, str):
            return value.strip() or None
    option = element.get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return str(option["value"]).strip() or None
    return None
