"""Is a request to ``/slack/events`` shaped as Slack sends it? Checked before Bolt sees it.

Bolt trusts the shape of what it parses: it indexes ``authorizations[0]``, calls
``.get`` on ``team``/``user``/``event``, matches listener patterns against
``action_id``/``callback_id`` and compares the timestamp header as a float. A body of
another shape (a JSON array, an event that is a string, an integer ``action_id``, a
400-digit timestamp) makes it raise, which the server would answer with a 500 that
Slack retries. Slack itself never sends these, so each is refused with a 4xx here.

Only the fields Bolt or our listeners read are checked; anything else may be anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot.inputs import has_control_characters

# Slack's timestamps are Unix seconds (10 digits); Bolt subtracts them from a float clock,
# which overflows past ~308 digits. Twelve digits is the year 33658.
MAX_TIMESTAMP_DIGITS = 12
# Fields Slack sends as strings; a number, list or object there is not from Slack.
_STRING_FIELDS = (
    "type",
    "token",
    "team_id",
    "user_id",
    "enterprise_id",
    "channel_id",
    "api_app_id",
    "event_id",
    "callback_id",
    "trigger_id",
    "response_url",
    "command",
    "text",
    "user_name",
    "thread_ts",
)
# Fields that are an id string or an object carrying one (Bolt reads either).
_ID_OR_OBJECT_FIELDS = ("enterprise", "team", "user", "channel")
_EVENT_STRING_FIELDS = ("type", "user", "text", "channel", "ts", "thread_ts", "channel_type")
_EVENT_STRING_FIELDS_ALL = ("type", "subtype", "bot_id", "team", "user_team", "ts", "thread_ts")
_INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
    }
)


class Malformed(Exception):
    """The body cannot be parsed (broken JSON): refused before Bolt parses it again."""


class NotUtf8(Malformed):
    """The body is not UTF-8 text: not from Slack, and not even signature-checkable."""


def header_problem(headers: Mapping[str, str]) -> str | None:
    """Why the signature headers cannot be checked (an unsigned request: 401), or None."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        return "missing or invalid request timestamp"
    if not headers.get("X-Slack-Signature", "").isascii():
        # hmac.compare_digest raises TypeError on non-ASCII text.
        return "missing or invalid request signature"
    return None


def parse_body(raw: bytes, content_type: str) -> tuple[str, Any]:
    """The body as text and as Bolt will parse it (the same rules as Bolt's ``parse_body``).

    Decoded as UTF-8 whatever the charset parameter says: Slack sends UTF-8, and a
    made-up charset would otherwise raise ``LookupError``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8("the request body is not UTF-8") from None
    if not text:
        return text, {}
    try:
        if content_type == "application/json" or text.startswith("{"):
            return text, json.loads(text)
        # strict: a percent-escape that is not UTF-8 would otherwise become U+FFFD.
        fields = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
        if "payload" in text:  # interactivity: one form field holding JSON
            payload = fields.get("payload")
            return text, {} if payload is None else json.loads(payload)
        return text, fields
    except UnicodeDecodeError:
        raise NotUtf8("the request body is not UTF-8") from None
    except ValueError:
        raise Malformed("the request body is not valid JSON") from None


def body_problem(body: Any) -> str | None:
    """Why a parsed body is not one Slack would send, or None when it is usable."""
    if not isinstance(body, dict):
        return "the request body is not a JSON object"
    problem = _common_problem(body)
    if problem is not None:
        return problem
    kind = body.get("type")
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    if "command" in body:
        return _command_problem(body)
    if kind in _INTERACTIVE:
        return _interaction_problem(kind, body)
    return None


def _common_problem(body: dict[str, Any]) -> str | None:
    for key in _STRING_FIELDS:
        if not isinstance(body.get(key), str | None):
            return f"{key} must be a string"
    for key in ("team_id", "user_id", "enterprise_id", "channel_id"):
        if not _plain_id(body.get(key)):
            return f"{key} must be a Slack id"
    for key in _ID_OR_OBJECT_FIELDS:
        if not _id_or_object(body.get(key)):
            return f"{key} must be an id or an object with a string id"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list)
        and all(isinstance(a, dict) and _common_problem(a) is None for a in authorizations)
    ):
        return "authorizations must be a list of objects"
    urls = body.get("response_urls")
    if urls is not None and not (
        isinstance(urls, list)
        and all(isinstance(u, dict) and isinstance(u.get("response_url"), str) for u in urls)
    ):
        return "response_urls must be a list of objects with a response_url"
    for key in ("event", "message", "container"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} must be an object"
    return None


def _id_or_object(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return _plain_id(value)
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str | None)
        and _plain_id(value.get("id"))
    )


def _plain_id(value: str | None) -> bool:
    # Slack ids are letters and digits; these become the organisation and user the core
    # records under, so a control character (a NUL: PostgreSQL refuses it) is refused here.
    return value is None or not has_control_characters(value)


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "an event_callback needs an event object with a type"
    for key in _EVENT_STRING_FIELDS_ALL:
        if not isinstance(event.get(key), str | None):
            return f"event.{key} must be a string"
    if event["type"] in {"message", "app_mention"}:
        # Our listeners read these as text; other events may carry objects here.
        for key in _EVENT_STRING_FIELDS:
            if not isinstance(event.get(key), str | None):
                return f"event.{key} must be a string"
    for key in ("user", "channel", "item", "message", "previous_message"):
        if not isinstance(event.get(key), str | dict | None):
            return f"event.{key} must be an id or an object"
    return None


def _command_problem(body: dict[str, Any]) -> str | None:
    # Every slash command names its workspace and its user: without them there is no
    # organisation to act in and nobody to act for.
    for key in ("command", "team_id", "user_id"):
        if not body.get(key):
            return f"a slash command needs {key}"
    return None


def _interaction_problem(kind: str, body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        return f"a {kind} payload needs a user with an id"
    if kind == "block_actions":
        container = body.get("container") or {}
        if container.get("type") != "view" and not body.get("response_url"):
            # A click on a message always brings one; the listeners answer through it.
            return "a block_actions payload from a message needs a response_url"
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "a block_actions payload needs a non-empty list of actions"
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
                return "each action needs a string action_id"
            for key in ("value", "block_id", "type"):
                if not isinstance(action.get(key), str | None):
                    return f"an action's {key} must be a string"
        # A message's input state (``state``) is read defensively by the listener
        # (blocks.outcome_inputs): a click with odd state still counts, without it.
    elif kind in {"view_submission", "view_closed"}:
        view = body.get("view")
        if not isinstance(view, dict) or not all(
            isinstance(view.get(key), str) for key in ("id", "type")
        ):
            return f"a {kind} payload needs a view with an id and a type"
        for key in ("callback_id", "private_metadata", "app_installed_team_id", "team_id"):
            if not isinstance(view.get(key), str | None):
                return f"view.{key} must be a string"
        if kind == "view_submission" and not _state_usable(view.get("state")):
            return "a view_submission needs view.state.values mapping blocks to inputs"
    return None


def _state_usable(state: Any) -> bool:
    """``{"values": {block_id: {action_id: {...}}}}``, as Slack sends input state."""
    if not isinstance(state, dict):
        return False
    values = state.get("values")
    return isinstance(values, dict) and all(
        isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
        for block in values.values()
    )


__all__ = [
    "MAX_TIMESTAMP_DIGITS",
    "Malformed",
    "NotUtf8",
    "body_problem",
    "header_problem",
    "parse_body",
]
