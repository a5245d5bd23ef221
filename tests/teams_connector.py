"""A local stand-in for the Bot Connector service, plus a Bot Framework key publisher.

``TeamsConnector`` is a real aiohttp server: the adapter's ``ConnectorClient`` makes real
HTTP calls to it (activities carry its URL as ``serviceUrl``). It records every activity
posted, replied or updated and answers like the connector (``{"id": ...}``). ``fail``
makes the next calls answer an error status (429 with Retry-After, 404, ...). ``members``
is who the connector knows (``GET …/members/{id}``, what ``TeamsInfo.get_member`` asks):
a Teams user id (29:…) to its ``TeamsChannelAccount`` JSON; anyone else is a 404.

``KeyPublisher`` serves an OpenID metadata document and a JWKS holding a test RSA key
minted here, and mints connector→bot tokens signed with it (or with another key, to
forge one). Point ``MICROSOFT_OPENID_METADATA_URL`` at ``metadata_url``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


@dataclass
class Posted:
    kind: str  # "reply" | "send" | "update" | "create" (a new channel thread)
    conversation_id: str
    activity_id: str | None  # replyToId for a reply, the edited id for an update
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def all_text(self) -> str:
        return str(self.body.get("text") or "") + "\n" + json.dumps(self.cards, ensure_ascii=False)


@dataclass
class TeamsConnector:
    posted: list[Posted] = field(default_factory=list)
    _failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        base = "/v3/conversations/{conversation}/activities"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(base, self._send)
        app.router.add_post(base + "/{activity}", self._reply)
        app.router.add_put(base + "/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._failures += [(status, headers)] * times

    async def wait_for(self, count: int = 1, within: float = 5.0) -> list[Posted]:
        """The first ``count`` activities, waiting for them to arrive."""
        deadline = time.monotonic() + within
        while len(self.posted) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} activities, got {len(self.posted)}")
            await asyncio.sleep(0.02)
        return self.posted[:count]

    async def _record(self, request: web.Request, kind: str) -> web.Response:
        if self._failures:
            status, headers = self._failures.pop(0)
            return web.json_response(
                {"error": {"code": "Throttled", "message": "test failure"}},
                status=status,
                headers=headers,
            )
        body = await request.json()
        conversation = urllib.parse.unquote(request.match_info["conversation"])
        activity = request.match_info.get("activity")
        self.posted.append(
            Posted(
                kind,
                conversation,
                urllib.parse.unquote(activity) if activity else None,
                body,
                dict(request.headers),
            )
        )
        new_id = activity if kind == "update" and activity else f"act-{next(self._ids)}"
        return web.json_response({"id": new_id}, status=200 if kind == "update" else 201)

    async def _create(self, request: web.Request) -> web.Response:
        """A new conversation; in a channel, a new thread holding ``activity``."""
        if self._failures:
            return await self._record(request, "create")
        params = await request.json()
        channel = (params.get("channelData") or {}).get("channel", {}).get("id", "")
        new_id = f"act-{next(self._ids)}"
        conversation = f"{channel};messageid={new_id}" if channel else f"a:new-{new_id}"
        self.posted.append(
            Posted(
                "create", conversation, new_id, params.get("activity") or {}, dict(request.headers)
            )
        )
        return web.json_response({"id": conversation, "activityId": new_id}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        member_id = urllib.parse.unquote(request.match_info["member"])
        self.member_lookups.append(member_id)
        found = self.members.get(member_id)
        if found is None:
            error = {"code": "MemberNotFoundInConversation", "message": "User not found"}
            return web.json_response({"error": error}, status=404)
        return web.json_response(found)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update")


class KeyPublisher:
    """OpenID metadata + JWKS with a freshly minted RSA key, and a token minter."""

    def __init__(self, kid: str | None = None, endorsements: tuple[str, ...] = ("msteams",)):
        # A key id of its own: botframework caches signing keys per metadata URL for the
        # whole process, and a later publisher given the same ephemeral port would
        # otherwise find its fresh key's id already cached with an earlier key (a rare
        # "Signature verification failed" under load).
        self.kid = kid or f"test-key-{uuid.uuid4().hex[:12]}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.endorsements = list(endorsements)
        self.fetches = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/.well-known/openidconfiguration"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metadata(self, _: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"http://127.0.0.1:{self.port}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", endorsements=self.endorsements)
        return web.json_response({"keys": [jwk]})

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str = ISSUER,
        lifetime: int = 3600,
        signing_key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + lifetime,
            "serviceurl": service_url,
            **claims,
        }
        return jwt.encode(
            payload,
            signing_key or self.key,
            algorithm="RS256",
            headers={"kid": kid or self.kid},
        )
