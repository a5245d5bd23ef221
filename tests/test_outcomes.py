"""The outcome prompt: asked after a quiet period, once more, then 'unknown' — never nagging.

Delivered through the same outbox as escalations, so it survives restarts and retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.coach import Coach
from bot.escalations import OUTCOME_PROMPT, Delivery
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import Outcome, SqlIncidentStore
from bot.models import EscalationRecord, Notification
from bot.outbox import OutboxWorker
from bot.outcomes import OutcomePrompter
from tests.clock import Clock
from tests.test_incidents import T0, running_coach

SLACK_ORG = "T0HOTEL"  # a Slack workspace: Slack actors act only in Slack organisations
TEAMS_ORG = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"  # a Teams tenant
QUIET = timedelta(minutes=30)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def coach(sqlite_url: str, clock: Clock) -> AsyncIterator[Coach]:
    async with running_coach(sqlite_url, None, clock) as c:
        yield c


def _stores(coach: Coach) -> tuple[SqlIncidentStore, SqlEscalationStore]:
    assert isinstance(coach.incidents, SqlIncidentStore)
    assert isinstance(coach.escalations, SqlEscalationStore)
    return coach.incidents, coach.escalations


async def _prompts(store: SqlEscalationStore) -> list[Notification]:
    return [n for n in await store.pending_notifications() if n.topic == OUTCOME_PROMPT]


async def test_asked_after_quiet_once_more_then_unknown_and_never_again(
    coach: Coach, clock: Clock
) -> None:
    incidents, outbox = _stores(coach)
    sam = coach.actor(SLACK_ORG, "U_SAM", platform="slack")
    advice = await coach.advise(sam, "table 5 got the wrong dishes")
    clock.now += timedelta(minutes=10)
    await coach.next_step(sam)  # activity restarts the quiet period
    prompter = OutcomePrompter(incidents, quiet=QUIET, clock=clock)

    clock.now = T0 + timedelta(minutes=39)
    assert await prompter.run_once() == (0, 0)
    clock.now = T0 + timedelta(minutes=40)
    assert await prompter.run_once() == (1, 0)
    assert await prompter.run_once() == (0, 0)  # asked already: not again at once
    (first,) = await _prompts(outbox)
    assert first.recipient == "U_SAM" and first.platform == "slack"
    assert first.escalation_id == advice.incident_id
    assert first.payload is not None
    assert first.payload["incident_id"] == advice.incident_id
    assert first.payload["ask"] == 1
    assert first.payload["situation"] == "table 5 got the wrong dishes"

    clock.now = T0 + timedelta(minutes=69)
    assert await prompter.run_once() == (0, 0)
    clock.now = T0 + timedelta(minutes=70)
    assert await prompter.run_once() == (1, 0)
    asks = await _prompts(outbox)
    assert [n.payload["ask"] for n in asks if n.payload] == [1, 2]

    clock.now = T0 + timedelta(minutes=100)
    assert await prompter.run_once() == (0, 1)
    record = await incidents.get(SLACK_ORG, advice.incident_id)
    assert record is not None
    assert record.outcome is Outcome.UNKNOWN and record.outcome_by == "system"
    assert record.prompts_sent == 2
    clock.now += timedelta(days=3)
    assert await prompter.run_once() == (0, 0)
    assert len(await _prompts(outbox)) == 2


async def test_an_answer_stops_the_asking(coach: Coach, clock: Clock) -> None:
    incidents, outbox = _stores(coach)
    sam = coach.actor(TEAMS_ORG, "U_SAM", platform="teams")
    await coach.advise(sam, "customer shouting that this is unacceptable")
    prompter = OutcomePrompter(incidents, quiet=QUIET, clock=clock)
    clock.now += QUIET
    assert await prompter.run_once() == (1, 0)
    await coach.record_outcome(sam, None, "calmed")
    clock.now += QUIET * 5
    assert await prompter.run_once() == (0, 0)
    assert len(await _prompts(outbox)) == 1


async def test_two_processes_ask_once(sqlite_url: str, clock: Clock) -> None:
    async with (
        running_coach(sqlite_url, None, clock) as one,
        running_coach(sqlite_url, None, clock) as two,
    ):
        sam = one.actor(SLACK_ORG, "U_SAM", platform="slack")
        await one.advise(sam, "guest's clothes stuck in the broken washer")
        clock.now += QUIET
        a = OutcomePrompter(_stores(one)[0], quiet=QUIET, clock=clock)
        b = OutcomePrompter(_stores(two)[0], quiet=QUIET, clock=clock)
        # Both saw the same incident due; only one conditional update can win.
        due_a = await _stores(one)[0].awaiting_outcome(clock.now - QUIET)
        assert len(due_a) == 1
        assert await a.run_once() == (1, 0)
        assert await b.run_once() == (0, 0)
        stale = await _stores(two)[0].prompt(SLACK_ORG, due_a[0].incident_id, asked=0, at=clock.now)
        assert stale is None
        assert len(await _prompts(_stores(one)[1])) == 1


async def test_unreachable_platforms_are_not_asked_but_still_closed(
    coach: Coach, clock: Clock
) -> None:
    incidents, outbox = _stores(coach)
    sam = coach.actor("hotel", "U_SAM")  # the console: no outbox worker to carry it
    advice = await coach.advise(sam, "table 5 got the wrong dishes")
    prompter = OutcomePrompter(incidents, quiet=QUIET, clock=clock, platforms={"slack", "teams"})
    clock.now += QUIET
    assert await prompter.run_once() == (0, 1)
    assert await _prompts(outbox) == []
    record = await incidents.get("hotel", advice.incident_id)
    assert record is not None and record.outcome is Outcome.UNKNOWN


class MessagePlatform:
    platform = "slack"

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        return Delivery(ok=True)

    async def deliver_message(self, notification: Notification) -> Delivery:
        self.sent.append(notification)
        return Delivery(ok=True, ref="ts-1")


class OldPlatform:
    platform = "slack"

    async def deliver(self, notification: Notification, escalation: EscalationRecord) -> Delivery:
        raise AssertionError("an incident message is not an escalation")


async def test_the_outbox_delivers_prompts_and_gives_up_where_unsupported(
    coach: Coach, clock: Clock
) -> None:
    incidents, outbox = _stores(coach)
    sam = coach.actor(SLACK_ORG, "U_SAM", platform="slack")
    await coach.advise(sam, "table 5 got the wrong dishes")
    prompter = OutcomePrompter(incidents, quiet=QUIET, clock=clock)
    clock.now += QUIET
    await prompter.run_once()
    platform = MessagePlatform()
    assert await OutboxWorker(outbox, platform, clock=clock).run_once() == 1
    assert [n.topic for n in platform.sent] == [OUTCOME_PROMPT]
    assert await outbox.pending_notifications() == []

    clock.now += QUIET
    await prompter.run_once()  # the second ask
    assert await OutboxWorker(outbox, OldPlatform(), clock=clock).run_once() == 0
    assert await outbox.pending_notifications() == []  # given up, not retried for ever


def test_the_prompter_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="quiet"):
        OutcomePrompter(None, quiet=timedelta(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least once"):
        OutcomePrompter(None, quiet=QUIET, max_asks=0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the CLI


def test_cli_outcome_pulse_stats_and_report(tmp_path: Path) -> None:
    from tests.test_cli import Cli

    cli = Cli(tmp_path)
    advice = cli.json("advise", "table 5 got the wrong dishes", "--user", "U_SAM")
    done = cli.json("outcome", advice["incident_id"], "won", "--user", "U_SAM", "--review")
    assert done["outcome"] == "won" and done["review_posted"] is True
    out = cli.run("chat", "--user", "U_SAM", stdin="table 9 waited an hour\noutcome lost\nquit\n")
    assert "closed: Lost" in out.stdout, out.stdout
    bad = cli.run("outcome", "in_nope", "won", "--user", "U_SAM")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1
    stats = cli.json("playbooks", "stats")
    wrong = next(p for p in stats["playbooks"] if p["id"] == "wrong-order")
    assert wrong["used"] == 1 and wrong["won"] == 1 and wrong["win_back_rate"] == 1.0
    report = cli.json("report", "--period", "today")
    totals = report["recovery"]["totals"]
    assert (totals["won"], totals["lost"], totals["win_back_rate"]) == (1, 1, 0.5)
    chart = tmp_path / "r.png"
    out = cli.run("report", "--period", "today", "--chart", str(chart))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r-recovery.png").read_bytes().startswith(b"\x89PNG")
    assert "Recovery: 2 incidents" in out.stdout


# --------------------------------------------------------------------------- the pulse page


async def test_the_customer_answers_the_pulse_once_on_a_public_page(
    coach: Coach, tmp_path: Path
) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.pulse import install_pulse
    from adapters.server import COACH_KEY, SETTINGS_KEY
    from bot.settings import Settings

    sam = coach.actor("hotel", "U_SAM")
    await coach.advise(sam, "the washer broke with her clothes inside")
    code = await coach.create_pulse(sam)
    app = web.Application()
    app[COACH_KEY] = coach
    app[SETTINGS_KEY] = Settings(_env_file=None, coachbot_data_dir=tmp_path)  # type: ignore[call-arg]
    install_pulse(app)
    async with TestClient(TestServer(app)) as client:
        page = await client.get(f"/pulse/{code}")
        text = await page.text()
        assert page.status == 200 and "Did we put it right?" in text
        assert "washer" not in text  # nothing about the incident for whoever holds a code
        assert (await client.get("/pulse/aaaaaaaaaa")).status == 404
        bad = await client.post(f"/pulse/{code}", data={"answer": "maybe"})
        assert bad.status == 400
        ok = await client.post(f"/pulse/{code}", data={"answer": "no", "note": "still wet"})
        assert ok.status == 200 and "sorry" in (await ok.text())
        again = await client.post(f"/pulse/{code}", data={"answer": "yes"})
        assert "already answered" in await again.text()
    assert coach.incidents is not None
    record = await coach.incidents.by_pulse(code)
    assert record is not None and record.pulse_answer is not None
    assert record.pulse_answer.value == "no" and record.pulse_note == "still wet"
