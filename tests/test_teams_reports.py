"""Teams report cards with the chart and the CSV behind short-lived links, over HTTP.

A manager's ``report`` card carries an ``Image`` whose URL this service answers with the
PNG (and a "Download CSV" button), the card stays under Teams' 28 KB, staff get neither,
and unknown or expired links are 404. The files are in the database, so another process
sharing it serves the same link.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.server import build_app
from adapters.teams import TEAMS_KEY
from adapters.teams.cards import NO_PUBLIC_URL
from adapters.teams.report_files import ReportFileStore, teams_report_files
from bot.settings import Settings
from tests.teams_connector import TeamsConnector
from tests.test_teams import WASHER, Teams, teams_settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEAMS_MESSAGE_LIMIT = 28 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    port = free_port()
    return teams_settings(tmp_path, coachbot_public_url=f"http://127.0.0.1:{port}/")


@pytest.fixture
async def teams(
    settings: Settings, connector: TeamsConnector, shared_fixtures: Path
) -> AsyncIterator[Teams]:
    port = urlsplit(settings.coachbot_public_url).port
    client = TestClient(TestServer(build_app(settings), host="127.0.0.1", port=port))
    await client.start_server()
    yield Teams(client, connector, shared_fixtures)
    await client.close()


def files(teams: Teams) -> ReportFileStore:
    app = teams.client.app
    assert app is not None
    store = app[TEAMS_KEY].files
    assert isinstance(store, ReportFileStore)
    return store


async def stored_rows(teams: Teams) -> int:
    async with files(teams).database.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(teams_report_files))).one()[0]
        )


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e.get("type") == "Image"]


def csv_action(card: dict[str, Any]) -> dict[str, Any]:
    [action] = [a for a in card.get("actions", []) if a.get("title") == "Download CSV"]
    return action


async def manager_report(teams: Teams) -> tuple[dict[str, Any], dict[str, Any]]:
    """Some spend to chart, then a manager's ``report week``: (activity body, card)."""
    await teams.say(teams.personal(WASHER))
    await teams.say(teams.submit({"cmd": "spend", "amount": "£48", "reason": "dry cleaning"}))
    posted = await teams.say(teams.as_manager(teams.personal("report week")))
    [card] = posted.cards
    return posted.body, card


def assert_private(headers: Any) -> None:
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_manager_report_card_links_a_chart_the_service_serves(
    teams: Teams, settings: Settings
) -> None:
    body, card = await manager_report(teams)
    assert len(json.dumps(body, ensure_ascii=False).encode()) < TEAMS_MESSAGE_LIMIT
    [image] = images(card)
    base = settings.coachbot_public_url.rstrip("/")
    assert image["url"].startswith(f"{base}/reports/chart/") and image["url"].endswith(".png")
    assert image["altText"]

    async with teams.client.session.get(image["url"]) as resp:  # the full public URL
        assert resp.status == 200
        assert resp.content_type == "image/png"
        assert_private(resp.headers)
        png = await resp.read()
    assert png.startswith(PNG_SIGNATURE) and len(png) > TEAMS_MESSAGE_LIMIT  # why a link

    url = csv_action(card)["url"]
    assert url.startswith(f"{base}/reports/csv/") and url.endswith(".csv")
    async with teams.client.session.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/csv"
        assert "attachment" in resp.headers["Content-Disposition"]
        assert_private(resp.headers)
        text = await resp.text()
    assert "48.00" in text
    # Two tokens, and neither is the other one's: a CSV token is no chart.
    chart_token = image["url"].rsplit("/", 1)[1].removesuffix(".png")
    csv_token = url.rsplit("/", 1)[1].removesuffix(".csv")
    assert chart_token != csv_token and len(chart_token) >= 43
    resp = await teams.client.get(f"/reports/chart/{csv_token}.png")
    assert resp.status == 404


async def test_staff_get_no_card_and_no_link(teams: Teams) -> None:
    refused = await teams.say(teams.personal("report week"))
    assert "managers and admins only" in refused.all_text
    assert refused.cards == [] and "/reports/" not in refused.all_text
    assert await stored_rows(teams) == 0  # nothing was drawn or stored for them


@pytest.mark.parametrize(
    "path",
    [
        "/reports/chart/" + "A" * 43 + ".png",  # well-formed, never issued
        "/reports/chart/nope.png",
        "/reports/csv/" + "A" * 43 + ".csv",
        "/reports/chart/..%2F..%2Fetc.png",
    ],
)
async def test_unknown_token_is_404(teams: Teams, path: str) -> None:
    resp = await teams.client.get(path)
    assert resp.status == 404
    assert_private(resp.headers)


async def test_links_expire_after_an_hour(teams: Teams) -> None:
    _, card = await manager_report(teams)
    url = images(card)[0]["url"]
    path = urlsplit(url).path
    assert (await teams.client.get(path)).status == 200
    store = files(teams)
    real = store.clock
    store.clock = lambda: real() + 3601
    resp = await teams.client.get(path)
    assert resp.status == 404
    assert_private(resp.headers)
    # The next file stored sweeps the expired ones out of the table.
    await store.put("org", b"x", "text/csv; charset=utf-8", "x.csv")
    assert await stored_rows(teams) == 1


async def test_another_process_serves_the_link(
    teams: Teams, settings: Settings, shared_fixtures: Path
) -> None:
    _, card = await manager_report(teams)
    path = urlsplit(images(card)[0]["url"]).path
    other = TestClient(TestServer(build_app(settings)))  # same database, own memory
    await other.start_server()
    try:
        resp = await other.get(path)
        assert resp.status == 200
        assert (await resp.read()).startswith(PNG_SIGNATURE)
    finally:
        await other.close()


async def test_without_public_url_the_card_says_what_is_missing(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    client = TestClient(TestServer(build_app(teams_settings(tmp_path))))
    await client.start_server()
    try:
        teams = Teams(client, connector, shared_fixtures)
        _, card = await manager_report(teams)
        assert images(card) == [] and "actions" not in card
        assert NO_PUBLIC_URL in json.dumps(card, ensure_ascii=False)
        assert await stored_rows(teams) == 0
    finally:
        await client.close()
