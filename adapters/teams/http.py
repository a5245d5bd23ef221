"""``POST /api/messages``: the Bot Connector's request in, the SDK's answer out.

We do what ``CloudAdapter.process`` does, in three explicit steps, so that each failure
gets the right status instead of a 500:

1. read the body: not JSON → 415/400, too big → 413, not an Activity → 400;
2. authenticate with the SDK (``authenticate_request``): anything it refuses, and signing
   keys we cannot fetch, → 401 with nothing sent (fail closed);
3. run the turn (``process_activity`` with the authenticated result) and write its
   ``InvokeResponse``. The SDK pre-serialises the body for ``deliveryMode: expectReplies``
   and ``CloudAdapter.process`` then fails serialising it again (a 500); we write dicts
   as they are.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import InvokeResponse, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError

from adapters.teams.auth import SigningKeys, TeamsAuthConfig
from adapters.teams.bot_handler import CoachBot, tenant_of
from bot.inputs import has_control_characters

log = logging.getLogger("coachbot.teams.http")

MAX_ACTIVITY_BYTES = 256 * 1024  # Teams caps a message at ~28 KB; cards add little on top


class MessagesEndpoint:
    def __init__(
        self,
        adapter: CloudAdapter,
        bot: CoachBot,
        config: TeamsAuthConfig,
        keys: SigningKeys,
    ) -> None:
        self._adapter = adapter
        self._bot = bot
        self._config = config
        self._keys = keys

    async def handle(self, request: web.Request) -> web.Response:
        if not self._config.authenticated and not _is_loopback(request.remote):
            # Emulator mode: only a client on this machine, before anything is read.
            log.error("unauthenticated Teams request from a remote client refused")
            return _error(403, "authentication is off: only a local Emulator may call")
        try:
            activity = await self._read_activity(request)
        except _Refused as refused:
            return _error(refused.status, str(refused))
        if not self._config.authenticated and not _is_local(activity.service_url):
            # Without authentication anyone could make us post to any URL: the Emulator
            # always calls back on localhost, so that is all we answer to.
            log.error("unauthenticated Teams request for non-local serviceUrl refused")
            return _error(403, "authentication is off: only a local Emulator may call")
        header = request.headers.get("Authorization") or None
        authenticated = await self._authenticate(activity, header)
        if authenticated is None:
            return _error(401, "unauthorized")
        single = self._config.APP_TYPE == "SingleTenant"
        expected_tenant = self._config.APP_TENANTID if single else ""
        if expected_tenant and tenant_of(activity) != expected_tenant:
            log.warning("activity from tenant %s refused (single-tenant bot)", tenant_of(activity))
            return _error(403, "this bot serves one organisation only")
        try:
            invoke = await self._adapter.process_activity(
                authenticated, activity, self._bot.on_turn
            )
        except PermissionError:  # raised by the SDK when a reply could not get a token
            log.exception("Teams turn refused a credential")
            return _error(401, "unauthorized")
        return _write(invoke)

    async def _read_activity(self, request: web.Request) -> Activity:
        if request.content_type != "application/json":
            raise _Refused(415, "send application/json")
        if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
            raise _Refused(413, "activity too large")
        raw = await request.content.read(MAX_ACTIVITY_BYTES + 1)
        if len(raw) > MAX_ACTIVITY_BYTES:
            raise _Refused(413, "activity too large")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Refused(400, "body is not JSON") from None
        if not isinstance(body, dict):
            raise _Refused(400, "body is not an activity")
        try:
            activity = Activity().deserialize(body)
        except (DeserializationError, TypeError, ValueError, AttributeError):
            raise _Refused(400, "body is not an activity") from None
        problem = _shape_problem(activity)
        if problem:
            raise _Refused(400, problem)
        return activity

    async def _authenticate(self, activity: Activity, header: str | None) -> Any:
        if self._config.authenticated and not await self._keys.ensure(header):
            return None
        try:
            return await self._adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except Exception as exc:  # the SDK raises PermissionError, jwt errors and more
            log.warning("Teams request refused: %s: %s", type(exc).__name__, exc)
            return None


def _shape_problem(activity: Activity) -> str | None:
    """What the SDK would trip over later (and answer 500 for)."""
    if not isinstance(activity.type, str) or not activity.type:
        return "activity has no type"
    if not isinstance(activity.service_url, str) or urlsplit(activity.service_url).scheme not in {
        "http",
        "https",
    }:
        return "activity has no valid serviceUrl"
    if activity.conversation is None or not isinstance(activity.conversation.id, str):
        return "activity has no conversation"
    if activity.from_property is not None and not isinstance(activity.from_property.id, str | None):
        return "activity has a malformed sender"
    if activity.channel_id is not None and not isinstance(activity.channel_id, str):
        return "activity has a malformed channelId"
    # The ids become the organisation and the user the core records under: the Bot
    # Connector never sends control characters in them (PostgreSQL refuses a NUL outright).
    sender = activity.from_property
    ids = [
        activity.conversation.id,
        getattr(activity.conversation, "tenant_id", None),
        tenant_of(activity),
        sender.id if sender is not None else None,
        sender.aad_object_id if sender is not None else None,
    ]
    if any(not isinstance(i, str | None) or has_control_characters(i or "") for i in ids):
        return "activity has a malformed id"
    return None


def _is_local(service_url: str | None) -> bool:
    host = urlsplit(service_url or "").hostname or ""
    return host == "localhost" or _is_loopback(host)


def _is_loopback(host: str | None) -> bool:
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _write(invoke: InvokeResponse | None) -> web.Response:
    if invoke is None:
        return web.Response(status=201)
    body = invoke.body
    if body is not None and not isinstance(body, dict | list | str | int | float | bool):
        body = serializer_helper(body)
    status = int(invoke.status or 200)
    if body is None:
        return web.Response(status=status)
    return web.json_response(body, status=status)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class _Refused(Exception):
    """A request we answer with a 4xx before the SDK sees it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
