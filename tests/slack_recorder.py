"""A local stand-in for the Slack Web API (and for response_url): records every call.

A real aiohttp server, so the adapter's slack_sdk client makes real HTTP requests
(no mocks). It answers the way Slack does for the methods the bot uses: ``ok: true``,
``chat.postMessage`` returns ``channel`` + ``ts``, ``auth.test`` names the bot user and
team. ``fail(...)`` makes the next call(s) of a method fail (a 429 with Retry-After, or
a Slack error such as ``channel_not_found``). ``wait_for`` awaits a matching call, since
the bot replies after it has acknowledged.

Several workspaces: ``add_workspace`` registers a bot token (``auth.test`` then answers
with that workspace's team and bot user) and an OAuth code (``oauth.v2.access``
exchanges it for that token, as Slack does at the end of an install).

People: ``users.info`` answers with a member of the workspace, an ordinary one unless
``people`` holds their flags (``{"U0OWNER": {"is_owner": True}}``); a user listed with
``None`` is not found (``user_not_found``).

Files: ``files.getUploadURLExternal`` hands out an upload URL on this server, which
records the bytes (an ``upload`` call); ``files.completeUploadExternal`` shares them, and
``files()`` lists what was shared where, with the bytes.

Socket Mode: ``apps.connections.open`` hands out a ``ws://`` URL of this same server,
whose WebSocket speaks Slack's protocol: ``hello`` first, envelopes sent with
``send_envelope``, the client's acks recorded as ``socket.ack`` calls, each connection
as ``socket.connect``. ``go_silent`` makes the open connections stop answering pings
and stop sending, like a connection a NAT dropped without telling anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM_ID = "T00FAKE00BB"
BOT_USER_ID = "U00FAKEBOT02"
BOT_ID = "B00FAKEBOT02"
APP_ID = "A00FAKEAPP1"


@dataclass(frozen=True)
class FakeWorkspace:
    """A workspace the app can be installed in, with what Slack hands out for it."""

    team_id: str
    token: str  # the bot token oauth.v2.access issues
    bot_user_id: str
    bot_id: str
    channel_id: str  # the channel the installer picks for the incoming webhook
    installer: str = "U0INSTALL1"
    team_name: str = "Test Workspace"
    enterprise_id: str | None = None


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"
    args: dict[str, Any]
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived
    status: int = 200  # what the recorder answered

    @property
    def blocks(self) -> list[dict[str, Any]]:
        raw = self.args.get("blocks") or []
        return json.loads(raw) if isinstance(raw, str) else list(raw)

    @property
    def action_ids(self) -> list[str]:
        return [
            e["action_id"]
            for b in self.blocks
            if b.get("type") == "actions"
            for e in b.get("elements", [])
        ]

    @property
    def token(self) -> str:
        """The bearer token the call was made with ("" for none)."""
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""

    @property
    def all_text(self) -> str:
        """Every piece of text in the message, for assertions that do not care where."""
        return str(self.args.get("text", "")) + "\n" + json.dumps(self.blocks, ensure_ascii=False)


@dataclass(frozen=True)
class UploadedFile:
    """A file as shared to a channel: what the upload URL received and where it went."""

    file_id: str
    filename: str
    title: str
    channel: str
    data: bytes


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class SlackRecorder:
    team_id: str = TEAM_ID
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    calls: list[Call] = field(default_factory=list)
    _failures: dict[str, _Failure] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    port: int = 0
    workspaces: dict[str, FakeWorkspace] = field(default_factory=dict)  # by bot token
    install_codes: dict[str, FakeWorkspace] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    sockets: list[SocketSession] = field(default_factory=list)
    # files.getUploadURLExternal → the upload URL → files.completeUploadExternal
    pending_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploaded: dict[str, bytes] = field(default_factory=dict)
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _outage: tuple[int, int | None] | None = None
    # users.info: flags per user id over an ordinary member's (None: user_not_found).
    people: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        # slack_sdk sends some methods as GET with query arguments (users.info).
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{name:.*}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        # A restarted recorder keeps its port: clients configured with its URL reach it
        # again, as they reach Slack again after an outage.
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for session in self.sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.ws.close(), 1)
        if self._runner is not None:
            await self._runner.cleanup()

    def add_workspace(self, workspace: FakeWorkspace, code: str | None = None) -> None:
        """Make ``workspace`` known; ``code`` is what Slack's consent screen would return."""
        self.workspaces[workspace.token] = workspace
        if code is not None:
            self.install_codes[code] = workspace

    def revoke(self, token: str) -> None:
        """Slack's side of an uninstall: the token stops working (invalid_auth)."""
        self.revoked.add(token)

    # -- Socket Mode -------------------------------------------------------------------

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def live_sockets(self) -> list[SocketSession]:
        return [s for s in self.sockets if not s.ws.closed]

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> str:
        """Deliver ``payload`` over the newest open connection; returns its envelope_id."""
        live = [s for s in self.live_sockets() if not s.silent]
        assert live, "no open Socket Mode connection"
        envelope_id = str(uuid.uuid4())
        await live[-1].ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def go_silent(self) -> None:
        """The open connections die quietly: no pongs, no messages, no close frame."""
        for session in self.sockets:
            session.silent = True

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        # autoping=False: pings reach the loop below, so a silent session can ignore them.
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        session = SocketSession(ws)
        self.sockets.append(session)
        await self._record(Call("socket.connect", {}, request.path_qs, dict(request.headers)))
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.live_sockets()),
                "debug_info": {"host": "recorder", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        async for msg in ws:
            if msg.type == WSMsgType.PING:
                session.pings += 1
                if not session.silent:
                    await ws.pong(msg.data)
            elif msg.type == WSMsgType.TEXT and not session.silent:
                await self._record(Call("socket.ack", json.loads(msg.data), request.path, {}))
        return ws

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (status 429 → ratelimited)."""
        if status == 429 and not error:
            error = "ratelimited"
        self._failures[method] = _Failure(status, error, retry_after, times)

    def outage(self, status: int | None, *, retry_after: int | None = None) -> None:
        """Answer every Web API call with ``status`` (429: ratelimited with Retry-After,
        else an HTML-less 5xx), until called with None."""
        self._outage = None if status is None else (status, retry_after)

    def named(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def replies(self) -> list[Call]:
        """What a person would see: posted messages, updates and response_url replies."""
        shown = {"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"}
        return [c for c in self.calls if c.method in shown]

    async def wait_for(
        self, predicate: Callable[[Call], bool], *, within: float = 5.0, count: int = 1
    ) -> list[Call]:
        """The first ``count`` calls matching ``predicate``, waiting up to ``within`` s."""
        assert self._changed is not None

        def matching() -> list[Call]:
            return [c for c in self.calls if predicate(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
        return matching()[:count]

    async def settle(self, seconds: float = 0.3) -> None:
        """Give background listeners time to make any (unwanted) call."""
        await asyncio.sleep(seconds)

    # -- handlers --------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    @staticmethod
    async def _args(request: web.Request) -> dict[str, Any]:
        # slack_sdk sends some methods' arguments in the query string (files.*).
        query = dict(request.query)
        if request.content_type == "application/json":
            data = await request.json()
            return {**query, **data} if isinstance(data, dict) else {**query, "_": data}
        if request.method != "POST":
            return query
        form = await request.post()
        return {**query, **{k: str(v) for k, v in form.items()}}

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes, raw."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.uploaded[file_id] = data
        call = Call("upload", {"file_id": file_id}, request.path, dict(request.headers))
        await self._record(call)
        return web.Response(text=f"OK - {len(data)}")

    def files(self) -> list[UploadedFile]:
        """Every file shared by files.completeUploadExternal, with its uploaded bytes."""
        out: list[UploadedFile] = []
        for call in self.named("files.completeUploadExternal"):
            for item in json.loads(call.args.get("files") or "[]"):
                pending = self.pending_files.get(item["id"], {})
                out.append(
                    UploadedFile(
                        file_id=item["id"],
                        filename=str(pending.get("filename", "")),
                        title=str(item.get("title") or ""),
                        channel=str(call.args.get("channel_id") or ""),
                        data=self.uploaded.get(item["id"], b""),
                    )
                )
        return out

    async def _respond(self, request: web.Request) -> web.Response:
        call = Call("response_url", await self._args(request), request.path, dict(request.headers))
        await self._record(call)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, await self._args(request), request.path, dict(request.headers))
        if self._outage is not None:
            status, retry_after = self._outage
            call.status = status
            await self._record(call)
            if status == 429:
                headers = {"Retry-After": str(retry_after)} if retry_after else {}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
            return web.Response(status=status, text="Internal Server Error")
        await self._record(call)
        failure = self._failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            call.status = failure.status
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return web.json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        return web.json_response(self._answer(method, call))

    def _answer(self, method: str, call: Call) -> dict[str, Any]:
        args = call.args
        if call.token in self.revoked:
            return {"ok": False, "error": "invalid_auth"}
        workspace = self.workspaces.get(call.token)
        if method == "auth.test" and workspace is not None:
            return {
                "ok": True,
                "url": f"https://{workspace.team_id.lower()}.slack.com/",
                "team": workspace.team_name,
                "user": "coachbot",
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id,
                "bot_id": workspace.bot_id,
                "enterprise_id": workspace.enterprise_id,
                "is_enterprise_install": False,
            }
        if method == "oauth.v2.access":
            return self._oauth_access(str(args.get("code", "")))
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme-test-workspace.slack.com/",
                "team": "Acme Test",
                "user": "coachbot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            channel = str(args.get("channel", ""))
            # Posting to a user id lands in the app's DM with them, which has a D… id.
            if channel[:1] in {"U", "W"}:
                channel = "D" + channel[1:]
            ts = str(args.get("ts") or f"1769300000.{next(self._ts):06d}")
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"type": "message", "text": args.get("text", ""), "bot_id": self.bot_id},
            }
        if method == "conversations.open":
            # The app's DM with a user has a D… id.
            user = str(args.get("users", "")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user[1:] if user else "D0UNKNOWN"}}
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._file_ids):010d}"
            self.pending_files[file_id] = {
                "filename": args["filename"],
                "length": int(args["length"]),
            }
            upload_url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            return {"ok": True, "upload_url": upload_url, "file_id": file_id}
        if method == "files.completeUploadExternal":
            items = json.loads(str(args.get("files") or "[]"))
            if not items or any(i.get("id") not in self.uploaded for i in items):
                return {"ok": False, "error": "invalid_arguments"}
            return {
                "ok": True,
                "files": [
                    {
                        "id": i["id"],
                        "title": i.get("title") or self.pending_files[i["id"]]["filename"],
                        "name": self.pending_files[i["id"]]["filename"],
                    }
                    for i in items
                ],
            }
        if method == "users.info":
            return self._user(str(args.get("user", "")), workspace)
        if method == "views.open":
            return {"ok": True, "view": {"id": "V00FAKEVIEW1"}}
        if method == "conversations.join":
            return {"ok": True, "channel": {"id": args.get("channel")}}
        return {"ok": True}

    def _user(self, user_id: str, workspace: FakeWorkspace | None) -> dict[str, Any]:
        """users.info as Slack answers it: the user object, with the role flags."""
        flags = self.people.get(user_id, {})
        if flags is None or not user_id:
            return {"ok": False, "error": "user_not_found"}
        team = workspace.team_id if workspace is not None else self.team_id
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": team,
                "name": user_id.lower(),
                "deleted": False,
                "real_name": user_id,
                "tz": "Europe/London",
                "is_admin": False,
                "is_owner": False,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": False,
                "is_app_user": False,
                "updated": 1769300000,
                **flags,
            },
        }

    def _oauth_access(self, code: str) -> dict[str, Any]:
        # One use per code, as at Slack.
        workspace = self.install_codes.pop(code, None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": workspace.installer},
            "scope": "app_mentions:read,chat:write,commands,im:history,im:write,"
            "channels:join,files:write,incoming-webhook",
            "token_type": "bot",
            "access_token": workspace.token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": (
                {"id": workspace.enterprise_id, "name": "Grid"} if workspace.enterprise_id else None
            ),
            "is_enterprise_install": False,
            "incoming_webhook": {
                "channel": "#managers",
                "channel_id": workspace.channel_id,
                "configuration_url": f"https://{workspace.team_id.lower()}.slack.com/services/B1",
                "url": f"http://127.0.0.1:{self.port}/hooks/{workspace.team_id}",
            },
        }


@dataclass
class SocketSession:
    """One WebSocket connection the app opened to the fake Socket Mode server."""

    ws: web.WebSocketResponse
    silent: bool = False
    pings: int = 0
