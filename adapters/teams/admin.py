"""Teams admin commands as people type them in a chat: ``limits set``, ``role set``,
``playbooks disable|enable``; the home card's admin forms; and who an @mention names.

Reading what was typed and calling the core. Who may change what, and whether an amount
is one, is decided by the core (``Coach.set_role_limits`` and friends, which read amounts
as spends are read): a command that parses here can still be refused there, and then
nothing changes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from adapters.teams.references import ReferenceStore
from bot.coach import Coach
from bot.errors import InvalidInput
from bot.ledger import PolicyChange
from bot.models import Actor, Role

log = logging.getLogger("coachbot.teams")

LIMITS_USAGE = (
    "limits set ROLE --per-incident AMOUNT --daily AMOUNT (either or both), "
    "e.g. limits set associate --per-incident 40 --daily 120"
)
ROLE_USAGE = "role set @name ROLE (mention them), or role set USER_ID ROLE"
PLAYBOOKS_USAGE = "playbooks disable ID, or playbooks enable ID"

# A flag as it arrives from a Teams client: phones and the desktop client turn "--" into
# an en or em dash, and people leave the dashes out ("daily 120") or write "per incident".
_FLAG = re.compile(
    r"(?:(?<=\s)|^)(?:--|[-\u2013\u2014\u2212]{1,2})?"
    r"(?P<name>per[-_ ]?incident|daily)(?![\w-])\s*[=:]?",
    re.IGNORECASE,
)
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SWITCH = {"disable": False, "off": False, "enable": True, "on": True}
CMD_SET_LIMITS = "set_limits"  # the home's limits form: role, per_incident, daily
CMD_SET_PLAYBOOK = "set_playbook"  # the home's playbook form: playbook, enabled


@dataclass(frozen=True, slots=True)
class LimitsChange:
    role: Role
    per_incident: str | None  # as typed; the core reads it
    daily: str | None


@dataclass(frozen=True, slots=True)
class Mentioned:
    """A person @mentioned in the message (never the bot)."""

    id: str  # the Teams user id (29:…) or, from some clients, their AAD object id
    name: str
    aad_object_id: str | None


def parse_role(word: str) -> Role:
    try:
        return Role.parse(word)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def is_admin_command(command: str, rest: str) -> bool:
    """Whether a message is one of these commands rather than a situation to coach:
    ``limits`` with words after it, ``role set …``, ``playbooks`` alone or with a switch."""
    verb = rest.split(" ", 1)[0].lower()
    if command == "limits":
        return bool(rest)
    if command == "role":
        return verb == "set"
    return command in {"playbooks", "playbook"} and (not rest or verb in _SWITCH)


def parse_limits_set(args: str) -> LimitsChange:
    """``ROLE --per-incident AMOUNT --daily AMOUNT`` (either or both, dashes optional), or
    ``ROLE AMOUNT AMOUNT`` (per-incident, then daily, the order the limits table shows).
    One bare amount could be either, so it is refused rather than guessed."""
    role_word, _, rest = args.strip().partition(" ")
    if not role_word:
        raise InvalidInput(f"which role? {LIMITS_USAGE}")
    role = parse_role(role_word)
    flags = list(_FLAG.finditer(rest))
    if not flags:
        words = rest.split()
        if len(words) == 2:
            return LimitsChange(role, words[0], words[1])
        if len(words) == 1:
            raise InvalidInput(
                f"is {words[0]} the per-incident limit or the daily allowance? Say which: "
                f"limits set {role.value} --per-incident {words[0]} (or --daily {words[0]})"
            )
        raise InvalidInput(f"say the new amounts: {LIMITS_USAGE}")
    if rest[: flags[0].start()].strip():
        raise InvalidInput(f"I can't read {rest[: flags[0].start()].strip()!r}: {LIMITS_USAGE}")
    amounts: dict[str, str] = {}
    for flag, following in zip(flags, [*flags[1:], None], strict=True):
        name = "daily" if flag["name"].lower() == "daily" else "per_incident"
        value = rest[flag.end() : following.start() if following else len(rest)].strip()
        label = "--daily" if name == "daily" else "--per-incident"
        if not value:
            raise InvalidInput(f"say the amount after {label}: {LIMITS_USAGE}")
        if name in amounts:
            raise InvalidInput(f"{label} is given twice")
        amounts[name] = value
    return LimitsChange(role, amounts.get("per_incident"), amounts.get("daily"))


def parse_playbook_switch(args: str) -> tuple[str, bool]:
    """``disable ID`` / ``enable ID`` (``off`` / ``on`` too): the playbook id and whether
    it is to be on."""
    words = args.split()
    if len(words) != 2 or words[0].lower() not in _SWITCH:
        raise InvalidInput(f"say {PLAYBOOKS_USAGE}; `home` lists the playbooks")
    return words[1], _SWITCH[words[0].lower()]


def user_mentions(activity: Activity) -> list[Mentioned]:
    """The people @mentioned in the message, in order, without the bot itself."""
    bot_id = activity.recipient.id if activity.recipient else None
    out: list[Mentioned] = []
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        mentioned = props.get("mentioned")
        if entity.type != "mention" or not isinstance(mentioned, dict):
            continue
        user_id = mentioned.get("id")
        if not isinstance(user_id, str) or not user_id or user_id == bot_id:
            continue
        aad = mentioned.get("aadObjectId")
        name = mentioned.get("name")
        out.append(
            Mentioned(
                user_id,
                name if isinstance(name, str) and name else user_id,
                aad if isinstance(aad, str) and aad else None,
            )
        )
    return out


def parse_role_set(args: str, mentions: list[Mentioned]) -> tuple[Mentioned | str, Role]:
    """``@name ROLE`` (the mention entity names the person; the text holds their display
    name, which may have spaces) or ``USER_ID ROLE``."""
    if len(mentions) > 1:
        raise InvalidInput(f"mention one person at a time: {ROLE_USAGE}")
    words = args.split()
    if mentions:
        if len(words) < 2:
            raise InvalidInput(f"which role? {ROLE_USAGE}")
        return mentions[0], parse_role(words[-1])
    if len(words) != 2:
        raise InvalidInput(f"say {ROLE_USAGE}")
    return words[0], parse_role(words[1])


async def user_id_for(turn_context: TurnContext, person: Mentioned) -> str:
    """The id this service knows ``person`` by (``bot_handler.user_id_of``: the AAD object
    id when Teams has one). A mention usually carries only the Teams user id (29:…), so
    the connector is asked who that is, as ``TeamsInfo.get_member`` does."""
    if person.aad_object_id:
        return person.aad_object_id
    orgid = person.id.removeprefix("8:orgid:")
    if _GUID.fullmatch(orgid):
        return orgid
    try:
        member = await TeamsInfo.get_member(turn_context, person.id)
    except Exception as exc:  # the connector's errors, a timeout, no connector client
        log.warning("Teams member lookup failed for a mention: %s", type(exc).__name__)
        raise InvalidInput(
            f"I couldn't look up {person.name} in Teams just now — try again in a channel of "
            "your team, or use their id: role set USER_ID ROLE"
        ) from None
    return str(member.aad_object_id or member.id or person.id)


async def run_command(
    turn_context: TurnContext,
    coach: Coach,
    references: ReferenceStore,
    actor: Actor,
    command: str,
    rest: str,
) -> tuple[list[PolicyChange], dict[str, str]]:
    """``limits set …``, ``role set …``, ``playbooks disable|enable ID`` (``command`` and
    the words after it): the changes the core made, and display names for the people in
    them."""
    verb, _, args = rest.partition(" ")
    names: dict[str, str] = {}
    if command == "limits":
        if verb.lower() != "set":
            raise InvalidInput(f"to change limits: {LIMITS_USAGE}")
        change = parse_limits_set(args)
        changes = await coach.set_role_limits(actor, change.role, change.per_incident, change.daily)
    elif command == "role":
        if verb.lower() != "set":
            raise InvalidInput(f"to give someone a role: {ROLE_USAGE}")
        target, role = parse_role_set(args, user_mentions(turn_context.activity))
        if isinstance(target, Mentioned):
            # Only an admin's command is worth a call to the connector (the core refuses
            # anyone else here, and again when the change is made).
            await coach.require_admin(actor)
            user_id = await user_id_for(turn_context, target)
            names[user_id] = target.name
        else:
            user_id = target
            names = await references.names(actor.org, {user_id})
        changes = await coach.set_user_role(actor, user_id, role)
    else:  # playbooks
        playbook_id, enabled = parse_playbook_switch(rest)
        changes = await coach.set_playbook_enabled(actor, playbook_id, enabled)
    return changes, names


async def run_form(
    coach: Coach, actor: Actor, cmd: str, data: dict[str, Any]
) -> list[PolicyChange]:
    """The home card's admin forms (``CMD_SET_LIMITS``, ``CMD_SET_PLAYBOOK``), their
    inputs merged into ``data`` by Teams; blank fields leave a setting as it is."""

    def field(name: str) -> str | None:
        value = data.get(name)
        return value.strip() or None if isinstance(value, str) else None

    if cmd == CMD_SET_LIMITS:
        role = parse_role(field("role") or "")
        return await coach.set_role_limits(actor, role, field("per_incident"), field("daily"))
    playbook_id = field("playbook")
    if playbook_id is None:
        raise InvalidInput("choose a playbook first")
    return await coach.set_playbook_enabled(actor, playbook_id, field("enabled") == "true")
