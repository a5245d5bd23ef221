"""Who runs a Slack workspace, in Slack's own words: its owners and admins, and whoever
installed the app (OAuth installs).

The core makes them admins of the workspace's organisation (``Actor.platform_admin``,
decided in ``bot.coach.is_admin``); this only finds the fact out, from ``users.info``
(``user.is_owner`` / ``is_admin`` / ``is_primary_owner``; needs the ``users:read``
scope) and the stored installation (``installation.user_id``). It is asked only for
the App Home and admin actions, never on a coaching request, and remembered per
workspace and user for ``ttl`` seconds. When Slack cannot be asked the answer is "no"
(fail closed): admins named in the policy are unaffected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.authorize import describe
from adapters.slack.workspaces import parse_org

log = logging.getLogger(__name__)

TTL_SECONDS = 600.0
# An admin action (opening an edit form, saving it) trusts an answer at most this old,
# so a workspace admin demoted in Slack loses the forms within a minute.
ADMIN_ACTION_MAX_AGE = 60.0
MAX_REMEMBERED = 10_000
# Slack's answers that asking again will not change until the app is reinstalled
# (users:read missing from an older install): remembered like an answer.
_LASTING_ERRORS = frozenset(
    {"missing_scope", "not_allowed_token_type", "user_not_found", "user_not_visible"}
)


@dataclass(slots=True)
class _Known:
    admin: bool
    at: float


class WorkspaceAdmins:
    def __init__(
        self,
        installations: AsyncInstallationStore | None = None,
        *,
        ttl: float = TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.installations = installations
        self.ttl = ttl
        self._monotonic = monotonic
        self._known: dict[tuple[str, str], _Known] = {}

    async def is_admin(
        self, client: AsyncWebClient, org: str, user_id: str, *, max_age: float | None = None
    ) -> bool:
        """Whether Slack says ``user_id`` runs the workspace ``org`` (an answer at most
        ``max_age`` seconds old, else ``ttl``)."""
        key = (org, user_id)
        now = self._monotonic()
        known = self._known.get(key)
        limit = self.ttl if max_age is None else min(max_age, self.ttl)
        if known is not None and now - known.at < limit:
            return known.admin
        admin = await self._installed_by(org, user_id) or await self._workspace_admin(
            client, user_id
        )
        if admin is None:
            return False  # not known now: not an admin, and asked again next time
        if len(self._known) >= MAX_REMEMBERED:
            self._forget_old(now)
        self._known[key] = _Known(admin, now)
        return admin

    def _forget_old(self, now: float) -> None:
        for key, known in list(self._known.items()):
            if now - known.at >= self.ttl:
                del self._known[key]
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()

    async def _installed_by(self, org: str, user_id: str) -> bool:
        """Whether ``user_id`` installed the app in this workspace (OAuth installs)."""
        if self.installations is None:
            return False
        enterprise, team = parse_org(org)
        try:
            found = await self.installations.async_find_installation(
                enterprise_id=enterprise, team_id=team, user_id=user_id
            )
            if found is None and enterprise:
                # An org-wide install serves every workspace of the enterprise.
                found = await self.installations.async_find_installation(
                    enterprise_id=enterprise, team_id=None, user_id=user_id,
                    is_enterprise_install=True,
                )  # fmt: skip
        except Exception:
            log.exception("slack: could not read the installation for %s", org)
            return False
        return found is not None and found.user_id == user_id

    async def _workspace_admin(self, client: AsyncWebClient, user_id: str) -> bool | None:
        """users.info's word, or None when Slack could not say."""
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            code = data.get("error") if isinstance(data, dict) else None
            log.warning("slack: users.info for %s refused: %s", user_id, describe(exc))
            return False if code in _LASTING_ERRORS else None
        except (ClientError, TimeoutError) as exc:
            log.warning("slack: users.info for %s failed: %s", user_id, describe(exc))
            return None
        user = response.get("user")
        return runs_workspace(user) if isinstance(user, dict) else False


def runs_workspace(user: dict[str, Any]) -> bool:
    """An owner or admin of the workspace, and a current member of it (not deactivated,
    not a guest, not someone from another organisation, not a bot)."""
    if any(
        user.get(flag) is True
        for flag in ("deleted", "is_bot", "is_restricted", "is_ultra_restricted", "is_stranger")
    ):
        return False
    return any(user.get(flag) is True for flag in ("is_owner", "is_admin", "is_primary_owner"))
