"""``coachbot serve``'s own endpoints and middleware: health, readiness, metrics, request
ids, JSON logs, body limits, and how unhandled trouble is answered.

In-process on SQLite with in-process state (no servers needed); the Slack adapter is
driven with signed requests and the Web API is the local recorder.
"""

from __future__ import annotations

import ast
import asyncio
import io
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from adapters.server import FOLLOW_UPS, MAX_BODY_BYTES, FollowUpWork, build_app
from adapters.slack import app as slack_app
from bot import logging as bot_logging
from bot.errors import StorageUnavailable
from tests.slack_recorder import SlackRecorder
from tests.test_faults import FORM, WASHER, settings_for, signed, slash


async def _boom(_: web.Request) -> web.Response:
    raise StorageUnavailable(
        "The spend ledger is unavailable right now, so nothing was recorded. "
        "Please try again in a minute.",
        detail="the spend ledger database is unavailable (sqlite:///coach.db): database is locked",
    )


async def _bug(_: web.Request) -> web.Response:
    raise RuntimeError("a bug")


@pytest.fixture
async def client(tmp_path: Path, recorder: SlackRecorder) -> AsyncIterator[TestClient]:
    settings = settings_for(tmp_path, recorder, f"sqlite:///{tmp_path / 'coach.db'}", "")
    app = build_app(settings)
    app.router.add_get("/test/outage", _boom)
    app.router.add_get("/test/bug", _bug)
    async with TestClient(TestServer(app)) as c:
        yield c


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_liveness_and_readiness(client: TestClient) -> None:
    resp = await client.get("/healthz")
    # The pid tells which of several workers on one port answered.
    assert resp.status == 200 and await resp.json() == {"status": "ok", "pid": os.getpid()}
    resp = await client.get("/readyz")
    assert resp.status == 200
    # No REDIS_URL: in-process state, nothing to report about Redis.
    assert await resp.json() == {"database": True, "ready": True, "degraded": []}


async def test_metrics_count_requests_advice_spends_and_escalations(
    client: TestClient, recorder: SlackRecorder
) -> None:
    before = samples(await (await client.get("/metrics")).text())
    for i, (command, text) in enumerate(
        [("/coach", WASHER), ("/spend", "£20 dry cleaning"), ("/spend", "£400 new coat")]
    ):
        body = slash(command, text, "U0METRICS1", recorder.response_url(f"m{i}"))
        assert await answer_to(client, recorder, body, f"m{i}")
    resp = await client.get("/metrics")
    assert resp.headers["Content-Type"].startswith("text/plain")
    after = samples(await resp.text())

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("coachbot_advice_served_total", playbook="property-damaged-or-stuck") == 1
    assert grew("coachbot_spends_total", status="approved") == 1
    assert grew("coachbot_spends_total", status="pending") == 1
    assert grew("coachbot_escalations_total", kind="spend") == 1
    assert (
        grew("coachbot_http_requests_total", route="/slack/events", method="POST", status="200")
        == 3
    )
    assert grew("coachbot_http_request_duration_seconds_count", route="/slack/events") == 3
    assert any(k[0] == "coachbot_http_request_duration_seconds_bucket" for k in after)


async def test_unknown_paths_share_one_metric_label(client: TestClient) -> None:
    for path in ("/a", "/b/c", "/../../etc/passwd"):
        assert (await client.get(path)).status == 404
    text = await (await client.get("/metrics")).text()
    assert 'route="unmatched"' in text and "/etc/passwd" not in text


async def test_request_id_is_echoed_when_plain_and_replaced_otherwise(client: TestClient) -> None:
    resp = await client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
    assert resp.headers["X-Request-Id"] == "lb-1234.abc"
    resp = await client.get("/healthz", headers={"X-Request-Id": 'evil"\\n{"x":1}' + "a" * 100})
    assert len(resp.headers["X-Request-Id"]) == 32 and '"' not in resp.headers["X-Request-Id"]
    assert (await client.get("/nowhere")).headers.get("X-Request-Id")


async def answer_to(
    client: TestClient,
    recorder: SlackRecorder,
    body: bytes,
    name: str,
    headers: dict[str, str] | None = None,
) -> str:
    """A slash command's answer: in its ack, or else on its response_url."""
    resp = await client.post(
        "/slack/events", data=body, headers={**signed(body, FORM), **(headers or {})}
    )
    assert resp.status == 200
    if acked := await resp.text():
        return acked
    (reply,) = await recorder.wait_for(lambda c: c.path == f"/respond/{name}", within=10)
    return reply.all_text


async def test_logs_are_json_lines_carrying_the_request_id(
    client: TestClient, recorder: SlackRecorder
) -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    bot_logging.configure("INFO", stream=out, cache=False)
    try:
        body = slash("/spend", "£0 nothing", "U0LOGS0001", recorder.response_url("l1"))
        assert await answer_to(client, recorder, body, "l1", {"X-Request-Id": "req-logs-1"})
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = saved[0], saved[1]
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines, "nothing was logged"
    access = [x for x in lines if x["event"] == "http.request"]
    assert access and access[0]["request_id"] == "req-logs-1"
    assert access[0]["status"] == 200 and access[0]["route"] == "/slack/events"
    assert {"timestamp", "level", "logger"} <= set(access[0])


async def test_oversized_bodies_are_refused_before_reading(client: TestClient) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    for path in ("/slack/events", "/api/messages"):
        resp = await client.post(path, data=big, headers={"Content-Type": FORM})
        assert resp.status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut off while reading
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536

    resp = await client.post("/slack/events", data=chunks(), headers={"Content-Type": FORM})
    assert resp.status == 413


async def test_outages_answer_503_and_bugs_500_without_leaking(client: TestClient) -> None:
    resp = await client.get("/test/outage")
    assert resp.status == 503
    text = await resp.text()
    assert "sqlite" not in text and "locked" not in text  # neither where nor the driver's why
    resp = await client.get("/test/bug")
    assert resp.status == 500
    body = await resp.json()
    assert body["request_id"] == resp.headers["X-Request-Id"] and "bug" not in body["error"]


# -- follow-up work: acks may not run ahead of the answers ---------------------------


async def test_follow_up_work_is_counted_until_the_answer_is_sent(
    client: TestClient, recorder: SlackRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Answers that miss the ack (a slow database) are work after the ack.
    monkeypatch.setattr(slack_app, "ACK_BUDGET_SECONDS", 0.0)
    idle = FOLLOW_UPS.running
    bodies = [
        slash("/coach", WASHER, f"U0FOLLOW0{i}", recorder.response_url(f"f{i}")) for i in range(5)
    ]
    for body in bodies:
        assert (
            await client.post("/slack/events", data=body, headers=signed(body, FORM))
        ).status == 200
    # Acked; the coaching and the replies may still be running, and count while they do.
    for i in range(5):
        await recorder.wait_for(lambda c, i=i: c.path == f"/respond/f{i}", within=10)
    for _ in range(300):  # the last reply's task ends just after the reply arrives
        if FOLLOW_UPS.running == idle:
            break
        await asyncio.sleep(0.01)
    assert FOLLOW_UPS.running == idle, "finished work must not stay counted"


async def test_a_full_process_holds_new_work_until_some_finishes() -> None:
    work = FollowUpWork()
    first, second = work.begin(), work.begin()
    # Full (2 of 2): a new request waits, and goes ahead when one finishes.
    waiting = asyncio.create_task(work.wait_below(2, 5.0))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    work.end(first)
    assert await asyncio.wait_for(waiting, 1) is True
    # Still full after the longest wait: it goes ahead anyway (Slack's 3 s ack budget).
    work.begin()
    started = time.monotonic()
    assert await work.wait_below(2, 0.2) is False
    assert 0.2 <= time.monotonic() - started < 1
    work.end(second)
    assert await work.wait_below(2, 0.0) is True


def test_the_platform_adapters_do_not_import_the_server() -> None:
    # The app keys live in adapters.keys: the server installs the adapters, and no
    # adapter reaches back into the server, not even lazily inside a function (an import
    # circle that only works because of where the import statement sits).
    adapters = Path(__file__).resolve().parents[1] / "adapters"
    offenders = []
    for path in [
        adapters / "pulse.py",
        *(adapters / "slack").glob("*.py"),
        *(adapters / "teams").glob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "adapters.server":
                offenders.append(f"{path.relative_to(adapters)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(
                a.name == "adapters.server" for a in node.names
            ):
                offenders.append(f"{path.relative_to(adapters)}:{node.lineno}")
    assert offenders == []
