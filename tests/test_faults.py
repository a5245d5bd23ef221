"""Faults against the real servers: several workers, kill -9, Redis down, database down,
graceful shutdown.

Redis and PostgreSQL are never stopped: a TCP proxy run by the test stands between the
service and each server, and "down" means the proxy stops listening and resets every
connection it carries. Workers are real ``coachbot serve`` processes where process
behaviour is the point (kill -9, SIGTERM, two workers); otherwise the aiohttp app runs
in-process. Everything listens on loopback; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from adapters.server import COACH_KEY, build_app
from bot import metrics
from bot.ledger import open_ledger
from bot.settings import Settings
from bot.state.resilient import ResilientState
from tests.slack_recorder import BOT_USER_ID, TEAM_ID, Call, SlackRecorder

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SECRET = "fault-test-signing-secret-0001"
MANAGER = "U0MANAGER1"
WASHER = "guest's clothes stuck in the broken washer, she's furious"
WASHER_TITLE = "Our equipment trapped or damaged the customer's belongings"
ORG_YAML = f"""
name: Fault Hotel
currency: GBP
timezone: Europe/London
roles:
  associate: {{ per_incident: 100, daily: 300 }}
  lead:      {{ per_incident: 250, daily: 750 }}
  manager:   {{ per_incident: 1000, daily: 3000 }}
  admin:     {{ per_incident: 5000, daily: 20000 }}
max_single_spend: 10000
users:
  {MANAGER}: manager
"""
RECEIPT = re.compile(r"(?:Receipt|Request) `([^`]+)`")


# -- Slack requests, signed as Slack signs them ----------------------------------------


def signed(body: bytes, content_type: str, **extra: str) -> dict[str, str]:
    ts = str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        **extra,
    }


def slash(command: str, text: str, user: str, response_url: str) -> bytes:
    """A slash command as Slack sends it (the fields of the recorded fixture)."""
    fields = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": TEAM_ID,
        "team_domain": "acme-test",
        "channel_id": "D0FAULTDM1",
        "channel_name": "directmessage",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0FAULTAPP",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    return urllib.parse.urlencode(fields).encode()


def dm_event(fixtures: Path, event_id: str, text: str, user: str, ts: str) -> bytes:
    envelope = json.loads((fixtures / "slack" / "event_message_im.json").read_text())
    envelope.update(team_id=TEAM_ID, event_id=event_id)
    envelope["authorizations"] = [
        {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
    ]
    envelope["event"].update(user=user, text=text, channel="D0FAULTDM1", ts=ts)
    for key in ("bot_id", "subtype"):
        envelope["event"].pop(key, None)
    return json.dumps(envelope).encode()


def org_file(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(ORG_YAML)
    return path


def settings_for(tmp_path: Path, recorder: SlackRecorder, db: str, redis: str) -> Settings:
    values: dict[str, Any] = {
        "database_url": db,
        "redis_url": redis,
        "coachbot_org_file": org_file(tmp_path),
        "coachbot_data_dir": tmp_path,
        "slack_signing_secret": SecretStr(SECRET),
        "slack_bot_token": SecretStr("xoxb-fault-test"),
        "slack_api_url": recorder.api_url,
        "slack_escalation_channel": "C0MANAGERS",
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# -- a TCP proxy the test can take down and bring back ---------------------------------


@dataclass
class TcpProxy:
    """Forwards 127.0.0.1:port to a real server; ``down()`` is an outage, ``up()`` ends it."""

    target_port: int
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def up(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):  # established connections die too, as in a crash
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


def _port_of(url: str) -> int:
    return urllib.parse.urlsplit(url).port or 0


def _via(url: str, proxy: TcpProxy) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return parts._replace(netloc=f"{netloc}:{proxy.port}").geturl()


async def eventually(check: Callable[[], Any], within: float, step: float = 0.2) -> Any:
    """Poll an async ``check`` until it returns something truthy, at most ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(step)


# -- real `coachbot serve` processes -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Worker:
    proc: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out


async def spawn_worker(
    name: str, env: dict[str, str], tmp_path: Path, *options: str
) -> Worker:
    """A ``coachbot serve`` process on a free port, its output in ``tmp_path/name.log``."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.console.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *options,
            env=env,
            cwd=tmp_path,  # no stray .env is read
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    return Worker(proc, port, log)


async def start_worker(
    name: str, env: dict[str, str], tmp_path: Path, *options: str
) -> Worker:
    """A ``coachbot serve`` process, once it reports ready."""
    worker = await spawn_worker(name, env, tmp_path, *options)
    proc, log = worker.proc, worker.log

    async def healthy() -> bool:
        if proc.returncode is not None:
            raise AssertionError(f"{name} exited at start:\n{log.read_text()[-3000:]}")
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(worker.url + "/readyz", timeout=aiohttp.ClientTimeout(total=1)) as r,
            ):
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    if not await eventually(healthy, within=60, step=0.3):
        proc.kill()
        raise AssertionError(f"{name} did not become ready:\n{log.read_text()[-3000:]}")
    return worker


async def stop_worker(worker: Worker, within: float = 40) -> int:
    if worker.proc.returncode is None:
        worker.proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(worker.proc.wait(), within)
    except TimeoutError:
        worker.proc.kill()
        await worker.proc.wait()
        raise AssertionError("the worker did not stop within the grace period") from None


def worker_env(tmp_path: Path, recorder: SlackRecorder, db: str, redis: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MICROSOFT_", "COACHBOT_", "DATABASE_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=db,
        REDIS_URL=redis,
        COACHBOT_ORG_FILE=str(org_file(tmp_path)),
        COACHBOT_DATA_DIR=str(tmp_path),
        COACHBOT_LOG_LEVEL="INFO",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-fault-test",
        SLACK_API_URL=recorder.api_url,
        SLACK_ESCALATION_CHANNEL="C0MANAGERS",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return env


async def post(
    session: aiohttp.ClientSession, url: str, body: bytes, content_type: str, **headers: str
) -> int | None:
    """The HTTP status, or None when the request got no answer (refused, reset, timeout)."""
    return (await post_for_answer(session, url, body, content_type, **headers))[0]


async def post_for_answer(
    session: aiohttp.ClientSession, url: str, body: bytes, content_type: str, **headers: str
) -> tuple[int | None, str]:
    """The HTTP status (None: no answer at all) and the body: a slash command's answer
    when it was ready within the ack budget."""
    try:
        async with session.post(
            url + "/slack/events",
            data=body,
            headers=signed(body, content_type, **headers),
            timeout=aiohttp.ClientTimeout(total=5),
        ) as resp:
            return resp.status, await resp.text()
    except (aiohttp.ClientError, TimeoutError, OSError):
        return None, ""


async def command_answer(
    session: aiohttp.ClientSession, url: str, recorder: SlackRecorder, body: bytes, name: str
) -> str:
    """What staff see for a slash command: the answer in its ack, else on its response_url."""
    status, text = await post_for_answer(session, url, body, FORM)
    assert status == 200, text
    if text:
        return Call("ack", json.loads(text), f"/respond/{name}", {}).all_text
    (reply,) = await recorder.wait_for(lambda c: c.path == f"/respond/{name}", within=10)
    return reply.all_text


FORM = "application/x-www-form-urlencoded"


# -- several workers --------------------------------------------------------------------


async def pids_answering(url: str, want: int, within: float) -> set[int]:
    """Pids seen on /healthz over fresh connections (the kernel picks a worker for each)."""
    seen: set[int] = set()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(seen) < want:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(
                    url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    seen.add((await resp.json())["pid"])
        await asyncio.sleep(0.02)
    return seen


async def test_workers_share_one_port_and_a_dead_worker_is_replaced(
    tmp_path: Path, recorder: SlackRecorder, postgres_url: str, redis_url: str
) -> None:
    env = worker_env(tmp_path, recorder, postgres_url, redis_url)
    group = await start_worker("w", env, tmp_path, "--workers", "2")
    try:
        first = await pids_answering(group.url, 2, within=30)
        assert len(first) == 2, f"one port, two processes answering: {first}"
        assert group.proc.pid not in first  # the supervisor serves nothing itself
        async with aiohttp.ClientSession() as session:
            body = slash("/coach", WASHER, "U0STAFF020", recorder.response_url("w1"))
            assert WASHER_TITLE in await command_answer(session, group.url, recorder, body, "w1")

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        replaced = await eventually(
            lambda: _two_new_pids(group.url, first - {victim}), within=30, step=0.5
        )
        assert replaced, "the killed worker was not replaced"
        died = [line for line in group.lines() if line.get("event") == "supervisor.worker_died"]
        assert [d["pid"] for d in died] == [victim]
    finally:
        code = await stop_worker(group)
    assert code == 0
    # Every worker drained and stopped with the supervisor: nothing answers any more.
    assert await pids_answering(group.url, 1, within=1) == set()
    events = [line.get("event") for line in group.lines()]
    assert events.count("serve.stopped") == 2  # the survivor and the replacement


async def _two_new_pids(url: str, survivors: set[int]) -> bool:
    seen = await pids_answering(url, 2, within=5)
    return len(seen) == 2 and survivors <= seen


async def test_two_workers_share_everything_and_a_retry_is_answered_once(
    tmp_path: Path,
    recorder: SlackRecorder,
    postgres_url: str,
    redis_url: str,
    shared_fixtures: Path,
) -> None:
    env = worker_env(tmp_path, recorder, postgres_url, redis_url)
    a, b = await asyncio.gather(start_worker("a", env, tmp_path), start_worker("b", env, tmp_path))
    try:
        async with aiohttp.ClientSession() as session:
            # Slack retries an event (same body) after a timeout; the balancer sends the
            # retry to the other worker. Shared Redis de-duplication: one answer.
            body = dm_event(shared_fixtures, "EvFAULT0001", WASHER, "U0STAFF001", "1769300300.1")
            assert await post(session, a.url, body, "application/json") == 200
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert await post(session, b.url, body, "application/json", **retry) == 200
            # The first advice a worker gives loads its readers: on a busy 2-core machine
            # that took more than 10 s once, so the bound is generous (it only sets how long
            # a failure takes to show).
            await recorder.wait_for(lambda c: c.method == "chat.postMessage", within=30)
            await recorder.settle(1.0)
            assert len(recorder.named("chat.postMessage")) == 1

            # Any worker takes any request: the incident opened on A is continued on B.
            first = slash("/coach", WASHER, "U0STAFF002", recorder.response_url("c1"))
            assert WASHER_TITLE in await command_answer(session, a.url, recorder, first, "c1")
            then = slash("/coach", "next", "U0STAFF002", recorder.response_url("c2"))
            assert "Step 2" in await command_answer(session, b.url, recorder, then, "c2")
    finally:
        codes = await asyncio.gather(stop_worker(a), stop_worker(b))
    assert codes == [0, 0]


async def test_kill_9_mid_load_loses_no_acknowledged_spend(
    tmp_path: Path, recorder: SlackRecorder, postgres_url: str, redis_url: str
) -> None:
    """Two workers take /spend at 8 concurrent; A is SIGKILLed mid-load, B finishes.

    Checked: every spend a person was given a receipt for is in the ledger, every spend
    B acknowledged is in the ledger (B stops gracefully), nothing is recorded twice or
    invented, and the hash chain verifies after concurrent appends from two processes.
    Spends A acknowledged but never recorded are counted and reported (see the end).
    """
    total, concurrency, kill_after_acks = 240, 8, 40
    env = worker_env(tmp_path, recorder, postgres_url, redis_url)
    a, b = await asyncio.gather(start_worker("a", env, tmp_path), start_worker("b", env, tmp_path))
    acked: dict[int, str] = {}  # request number -> worker that answered 200
    answers: dict[int, str] = {}  # request number -> what came back in its ack
    reasons = {i: f"fault drill r{i:04d}" for i in range(total)}
    killed = asyncio.Event()
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        async with gate:
            worker = a if i % 2 == 0 and not killed.is_set() else b
            name = "a" if worker is a else "b"
            body = slash(
                "/spend", f"£1 {reasons[i]}", f"U0KILL{i % 8:04d}", recorder.response_url(f"k{i}")
            )
            status, answer = await post_for_answer(session, worker.url, body, FORM)
            if status == 200:
                acked[i] = name
                answers[i] = answer
            if (
                name == "a"
                and not killed.is_set()
                and sum(w == "a" for w in acked.values()) >= kill_after_acks
            ):
                a.proc.send_signal(signal.SIGKILL)  # no cleanup, no drain: a crash
                killed.set()

    try:
        async with aiohttp.ClientSession() as session, asyncio.timeout(90):
            await asyncio.gather(*(one(session, i) for i in range(total)))
        assert killed.is_set()
        assert await asyncio.wait_for(a.proc.wait(), 10) == -signal.SIGKILL
        acked_b = {i for i, w in acked.items() if w == "b"}
        # A receipt not ready within the ack budget follows on the response_url: B
        # finishes that work, then a graceful stop must not cut any of it off.
        late_b = {i for i in acked_b if not answers[i]}
        await recorder.wait_for(
            lambda c: c.path.startswith("/respond/k") and int(c.path.rsplit("k", 1)[1]) in late_b,
            within=30,
            count=len(late_b),
        )
    finally:
        if a.proc.returncode is None:
            a.proc.kill()
        assert await stop_worker(b) == 0

    ledger = open_ledger(postgres_url)
    await ledger.open()
    try:
        entries = await ledger.spends(TEAM_ID)
        verify = await ledger.verify()
    finally:
        await ledger.close()
    recorded = [e.reason for e in entries]
    by_reason = {e.reason: e for e in entries}
    sent = {r: i for i, r in reasons.items()}
    assert len(recorded) == len(set(recorded)), "a spend was recorded twice"
    assert set(recorded) <= set(sent), "the ledger holds a spend nobody sent"
    replies = {
        int(c.path.rsplit("k", 1)[1]): c.all_text
        for c in recorder.calls
        if c.path.startswith("/respond/k")
    }
    in_acks = {i: Call("ack", json.loads(a), "", {}).all_text for i, a in answers.items() if a}
    shown = {**replies, **in_acks}
    receipts = {i: m.group(1) for i, text in shown.items() if (m := RECEIPT.search(text))}
    assert acked_b <= set(receipts), "every spend B acknowledged got a receipt"
    for i, entry_id in receipts.items():
        assert reasons[i] in by_reason, f"receipt {entry_id} was given but is not in the ledger"
        assert by_reason[reasons[i]].entry_id == entry_id
    missing_b = [i for i in acked_b if reasons[i] not in by_reason]
    assert missing_b == [], "the surviving worker acknowledged spends it never recorded"
    assert verify.ok, verify
    # The CLI operators run agrees.
    cli = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.console.cli",
        "audit",
        "verify",
        env={**worker_env(tmp_path, recorder, postgres_url, redis_url)},
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(cli.communicate(), 60)
    assert cli.returncode == 0, out.decode()

    lost = sorted(i for i, w in acked.items() if w == "a" and reasons[i] not in by_reason)
    print(
        f"kill -9: {len(acked)} acked ({len(acked) - len(acked_b)} by A), "
        f"{len(entries)} recorded, {len(receipts)} receipts, {len(lost)} acked-but-unrecorded"
    )
    # /spend records before it acks, so a 200 from the killed worker means the ledger has it.
    assert lost == [], f"{len(lost)} spends acknowledged by the killed worker were never recorded"


# -- Redis down ----------------------------------------------------------------------------


class SlackDriver:
    def __init__(self, client: TestClient, recorder: SlackRecorder) -> None:
        self.client, self.recorder, self._n = client, recorder, 0

    async def command(self, command: str, text: str, user: str = "U0STAFF001") -> Call:
        self._n += 1
        name = f"d{self._n}"
        body = slash(command, text, user, self.recorder.response_url(name))
        resp = await self.client.post("/slack/events", data=body, headers=signed(body, FORM))
        assert resp.status == 200, await resp.text()
        acked = await resp.text()
        if acked:  # the answer came back in the ack
            return Call("ack", json.loads(acked), f"/respond/{name}", {})
        (reply,) = await self.recorder.wait_for(lambda c: c.path == f"/respond/{name}", within=10)
        return reply

    async def ready(self) -> tuple[int, dict[str, Any]]:
        resp = await self.client.get("/readyz")
        return resp.status, await resp.json()


async def test_redis_down_still_coaches_and_records_spends_then_recovers(
    tmp_path: Path,
    recorder: SlackRecorder,
    postgres_url: str,
    redis_url: str,
    shared_fixtures: Path,
) -> None:
    proxy = TcpProxy(_port_of(redis_url))
    await proxy.up()
    settings = settings_for(tmp_path, recorder, postgres_url, _via(redis_url, proxy))
    before = metrics.STATE_FALLBACKS.labels(operation="first_seen")._value.get()
    async with TestClient(TestServer(build_app(settings))) as client:
        slack = SlackDriver(client, recorder)
        state = client.server.app[COACH_KEY].state
        assert isinstance(state, ResilientState)
        assert WASHER_TITLE in (await slack.command("/coach", WASHER)).all_text
        assert (await slack.ready())[0] == 200

        await proxy.down()
        with structlog.testing.capture_logs() as logs:
            assert WASHER_TITLE in (await slack.command("/coach", WASHER)).all_text
            receipt = await slack.command("/spend", "£12 dry cleaning")
            assert "Receipt" in receipt.all_text, receipt.all_text
            body = dm_event(shared_fixtures, "EvFAULTR001", WASHER, "U0STAFF003", "1769300400.1")
            resp = await client.post(
                "/slack/events", data=body, headers=signed(body, "application/json")
            )
            assert resp.status == 200
            await recorder.wait_for(lambda c: c.method == "chat.postMessage", within=10)
        assert state.degraded
        assert any(e["event"] == "degraded de-duplication" for e in logs)
        assert metrics.STATE_FALLBACKS.labels(operation="first_seen")._value.get() > before
        status, ready = await slack.ready()
        assert status == 200 and ready["redis"] is False and ready["degraded"] == ["redis"]
        entries = await client.server.app[COACH_KEY].ledger.spends(TEAM_ID)
        assert [e.reason for e in entries] == ["dry cleaning"]

        await proxy.up()

        async def recovered() -> bool:
            status, body = await slack.ready()
            return status == 200 and body["redis"] is True and not state.degraded

        assert await eventually(recovered, within=15)
        # Back on Redis: an incident written now is visible to every worker.
        assert WASHER_TITLE in (await slack.command("/coach", WASHER, user="U0STAFF004")).all_text
        import redis.asyncio as aioredis

        direct = aioredis.from_url(redis_url)
        try:
            assert await direct.keys("coachbot:*incident:U0STAFF004")
        finally:
            await direct.aclose()
    await proxy.down()


# -- database down -------------------------------------------------------------------------


async def test_database_down_gives_a_clear_message_fails_readiness_and_recovers(
    tmp_path: Path, recorder: SlackRecorder, postgres_url: str, redis_url: str
) -> None:
    proxy = TcpProxy(_port_of(postgres_url))
    await proxy.up()
    settings = settings_for(tmp_path, recorder, _via(postgres_url, proxy), redis_url)
    async with TestClient(TestServer(build_app(settings))) as client:
        slack = SlackDriver(client, recorder)
        assert "Receipt" in (await slack.command("/spend", "£5 coffee voucher")).all_text

        await proxy.down()
        spend = await slack.command("/spend", "£6 flowers")
        assert "unavailable" in spend.all_text and "Something went wrong" not in spend.all_text
        # The receptionist reads plain words: nothing recorded, try again. Where the
        # database is and what the driver said are for the operator and the logs.
        assert "nothing was recorded" in spend.all_text and "try again" in spend.all_text
        host = urllib.parse.urlsplit(postgres_url).hostname or "127.0.0.1"
        for leak in (host, f":{proxy.port}", "postgresql", "://", "database", "Errno", "refused"):
            assert leak not in spend.all_text, (leak, spend.all_text)
        coach = await slack.command("/coach", WASHER)
        assert "Something went wrong" not in coach.all_text
        status, ready = await slack.ready()
        assert status == 503 and ready["database"] is False and ready["ready"] is False
        assert (await client.get("/healthz")).status == 200  # alive: no restart needed
        assert (await client.get("/metrics")).status == 200

        await proxy.up()

        async def ready_again() -> bool:
            return (await slack.ready())[0] == 200

        assert await eventually(ready_again, within=20)
        assert "Receipt" in (await slack.command("/spend", "£7 dessert")).all_text
        ledger = client.server.app[COACH_KEY].ledger
        reasons = [e.reason for e in await ledger.spends(TEAM_ID)]
        assert reasons == ["coffee voucher", "dessert"]
        assert (await ledger.verify()).ok
    await proxy.down()


# -- graceful shutdown -----------------------------------------------------------------------


class SlowRecorder(SlackRecorder):
    """Answers response_url slowly, so a Slack listener is still working after its ack
    (a manager's report: acked at once, the figures follow on the response_url)."""

    delay: float = 2.0

    async def _respond(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        return await super()._respond(request)


async def test_sigterm_finishes_work_in_flight(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    slow = SlowRecorder()
    await slow.start()
    try:
        worker = await start_worker(
            "g", worker_env(tmp_path, slow, postgres_url, redis_url), tmp_path
        )
        async with aiohttp.ClientSession() as session:
            body = slash("/cx-report", "today", MANAGER, slow.response_url("g1"))
            assert await post(session, worker.url, body, FORM) == 200
        # Acked; the report's reply is still under way when the deploy stops us.
        assert await stop_worker(worker) == 0
        (reply,) = await slow.wait_for(lambda c: c.path == "/respond/g1", within=1)
        assert "Discretionary spend" in reply.all_text, reply.all_text
        events = [line.get("event") for line in worker.lines()]
        assert "serve.stopped" in events and "shutdown.drain_timeout" not in events
    finally:
        await slow.stop()
