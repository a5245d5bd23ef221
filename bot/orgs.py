"""Organisation ids: one namespace for every platform, in which a platform's id says whose it is.

The core keys everything (ledger, escalations, incidents, shared state, references,
reports) by one string, the organisation id. A Slack team and a Teams tenant must never
be the same organisation, so that an identity from one platform can never act in the
other's: a Teams request naming a Slack team id as its tenant reaches a Teams
organisation that merely looks alike, with none of the Slack team's spends or managers.

How an organisation id is made from the platform's own id (:func:`org_for`):

* Slack: the workspace id as today (``T0123``, ``E0456:T0123``, ``E0456``) when it has
  Slack's shape — upper-case letters and digits, an enterprise and a team joined by ':';
  anything else Slack might send becomes ``slack:<id>``.
* Teams: the tenant id as today when it is a GUID (every Microsoft Entra tenant id is);
  anything else (the Emulator's missing tenant, a forged ``T0123``) becomes ``teams:<id>``.
* The command line addresses organisations by this id directly (``--org T0123``).

The two shapes cannot meet (a GUID has '-', a Slack id never has; the prefixes are
lower-case, a Slack id never is), so the namespaces are disjoint, and the id itself says
which platform's user mapping applies (:func:`platform_of`).

Why not ``slack:T0123`` for everyone: ``org`` is part of every ledger entry's hash, and
escalations, incidents and Teams conversation references are stored under it. Every id
a real Slack workspace or Teams tenant ever produced keeps its exact form, so existing
ledgers verify and existing history stays with its organisation with nothing rewritten
and no alias table. Only ids no real platform issues (a Teams Emulator's "local", a
forged tenant) move into the prefixed form; rows already stored under such an id stay
as they were (and still verify) under the old id.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Platform = Literal["slack", "teams", "console"]

SLACK: Final = "slack"
TEAMS: Final = "teams"
CONSOLE: Final = "console"
# The platforms an organisation file may map users for (the console has no user ids of
# its own: it acts in an organisation by that organisation's id and platform).
USER_PLATFORMS: Final = (SLACK, TEAMS)

_SLACK_ID = re.compile(r"[A-Z0-9]+(?::[A-Z0-9]+)?")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_PREFIXES: Final = {SLACK: f"{SLACK}:", TEAMS: f"{TEAMS}:"}


def org_for(platform: str, native_id: str) -> str:
    """The organisation id for a Slack workspace id or a Teams tenant id."""
    if platform == SLACK:
        return native_id if _SLACK_ID.fullmatch(native_id) else _PREFIXES[SLACK] + native_id
    if platform == TEAMS:
        return native_id if _GUID.fullmatch(native_id) else _PREFIXES[TEAMS] + native_id
    raise ValueError(f"no organisation namespace for platform {platform!r}")


def platform_of(org: str) -> Platform:
    """Which platform's organisation this is; "console" for ids of neither (``local``)."""
    if org.startswith(_PREFIXES[SLACK]) or _SLACK_ID.fullmatch(org):
        return "slack"
    if org.startswith(_PREFIXES[TEAMS]) or _GUID.fullmatch(org):
        return "teams"
    return "console"


def native_id(org: str) -> str:
    """The platform's own id for an organisation id (the team or tenant to call)."""
    for prefix in _PREFIXES.values():
        if org.startswith(prefix):
            return org.removeprefix(prefix)
    return org


def canonical(org: str) -> str:
    """The organisation id a platform's requests reach, for an id a person typed: a
    prefixed real id (``teams:<tenant GUID>``, ``slack:T0123``) is that tenant's or
    workspace's own id, so that the shell never acts in a look-alike organisation."""
    for platform, prefix in _PREFIXES.items():
        if org.startswith(prefix):
            return org_for(platform, org.removeprefix(prefix))
    return org
