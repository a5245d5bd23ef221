"""Issue 14 in Teams: ``home``, ``limits set``, ``role set`` and ``playbooks`` through real
Bot Framework activities posted to ``/api/messages``, answers read at the local connector
(``tests/teams_connector.py``). Who may change what is the core's decision; these tests
check what each person sees and that a refusal changes nothing.

The coach runs on a clock the test owns (10 March 2026, 11:00 UTC), so "today" in the
home and the report never depends on when the tests run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.teams import admin, cards
from bot.errors import InvalidInput
from bot.ledger import PolicyChange
from bot.models import Actor, Role, SpendStatus
from bot.reports import ReportQuery, build_report
from bot.runtime import open_coach
from bot.settings import Settings
from tests.clock import Clock
from tests.slack_recorder import TEAM_ID, SlackRecorder
from tests.teams_connector import TeamsConnector
from tests.test_slack import Slack, slack_settings
from tests.test_teams import (
    MANAGER_AAD,
    MANAGER_ID,
    STAFF_AAD,
    TENANT,
    Teams,
    executes,
    teams_settings,
)

ROOT = Path(__file__).resolve().parents[1]
ADMIN_AAD = "aaaaaaaa-0000-4000-8000-0000000000ad"
ADMIN_ID = "29:1AdminFakeTeamsId"
SAM_ID = "29:1SamFakeTeamsId"  # an associate who has never written to the bot
SAM_AAD = "5a5a5a5a-0000-4000-8000-00000000005a"
BILLING = "customer says we charged her card twice"  # billing-dispute: no playbook override
LIMITS = {
    "associate": "{ per_incident: 100, daily: 300 }",
    "lead": "{ per_incident: 250, daily: 750 }",
    "manager": "{ per_incident: 1000, daily: 3000 }",
    "admin": "{ per_incident: 5000, daily: 20000 }",
}
HEAD = (
    "name: Test Hotel\ncurrency: GBP\ntimezone: Europe/London\nroles:\n"
    + "".join(f"  {role}: {limits}\n" for role, limits in LIMITS.items())
    + "max_single_spend: 10000\ncustomer_daily_cap: 250\n"
)
# One platform (Teams for one tenant): bare users, as the shipped file shows.
ORG_YAML = HEAD + f'users:\n  "{ADMIN_AAD}": admin\n  "{MANAGER_AAD}": manager\n'
SLACK_ADMIN, SLACK_MANAGER, SLACK_STAFF = "U0ADMIN001", "U0MANAGER1", "U0STAFF001"
# Slack and Teams served together: each platform's people in its own section.
BOTH_YAML = (
    HEAD
    + f"slack:\n  users: {{ {SLACK_ADMIN}: admin, {SLACK_MANAGER}: manager }}\n"
    + f'teams:\n  users: {{ "{MANAGER_AAD}": manager }}\n'
)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))


async def _start(
    settings: Settings, org_yaml: str, clock: Clock
) -> AsyncIterator[TestClient]:
    assert settings.coachbot_org_file is not None
    settings.coachbot_org_file.write_text(org_yaml)
    async with open_coach(settings, clock=clock) as coach:
        client = TestClient(TestServer(build_app(settings, coach=coach)))
        await client.start_server()
        try:
            yield client
        finally:
            await client.close()


@pytest.fixture
async def teams(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path, clock: Clock
) -> AsyncIterator[Teams]:
    async for client in _start(teams_settings(tmp_path), ORG_YAML, clock):
        yield Teams(client, connector, shared_fixtures)


# -- who is typing ------------------------------------------------------------------------


def as_admin(body: dict[str, Any]) -> dict[str, Any]:
    body["from"] = {"id": ADMIN_ID, "name": "Alex Admin", "aadObjectId": ADMIN_AAD}
    return body


def as_manager(body: dict[str, Any]) -> dict[str, Any]:
    body["from"] = {"id": MANAGER_ID, "name": "Maggie Manager", "aadObjectId": MANAGER_AAD}
    return body


def as_sam(body: dict[str, Any]) -> dict[str, Any]:
    body["from"] = {"id": SAM_ID, "name": "Sam Staff", "aadObjectId": SAM_AAD}
    return body


def mentioning_sam(teams: Teams, text_after: str) -> dict[str, Any]:
    """A channel message: "@Coach role set @Sam Staff lead", as Teams sends it: both
    mentions as entities, Sam's carrying only his Teams user id."""
    body = teams.mention(f"role set <at>Sam Staff</at> {text_after}")
    body["entities"].insert(
        1,
        {
            "type": "mention",
            "text": "<at>Sam Staff</at>",
            "mentioned": {"id": SAM_ID, "name": "Sam Staff"},
        },
    )
    return body


def facts(card: dict[str, Any]) -> dict[str, str]:
    """Every FactSet's title → value, wherever it sits in the card."""
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "FactSet":
                out.update({f["title"]: f["value"] for f in node["facts"]})
            for value in node.values():
                walk(value)

    walk(card)
    return out


async def advice_facts(teams: Teams, body: dict[str, Any]) -> dict[str, str]:
    reply = await teams.say(body)
    [card] = reply.cards
    return facts(card)


# -- limits set ------------------------------------------------------------------------------


async def test_an_admins_limits_set_changes_an_associates_next_advice(teams: Teams) -> None:
    before = await advice_facts(teams, teams.personal(BILLING))
    assert before == {"On this": "up to £100.00", "Left today": "£300.00 of £300.00"}

    reply = await teams.say(
        as_admin(teams.personal("limits set associate --per-incident 40 --daily 120"))
    )
    assert reply.body["text"] == (
        "✔ role limits associate: per-incident 100, daily 300 → per-incident 40, daily 120"
    )
    after = await advice_facts(teams, teams.personal(BILLING))
    assert after == {"On this": "up to £40.00", "Left today": "£120.00 of £120.00"}
    pending = await teams.say(teams.personal("spend £50 goodwill credit"))
    assert "needs a manager's OK" in pending.all_text
    [entry] = await teams.coach.ledger.spends(TENANT)
    assert entry.status is SpendStatus.PENDING

    [change] = await teams.coach.ledger.policy_changes(TENANT)
    assert (change.what, change.target, change.changed_by) == (
        "role limits",
        "associate",
        ADMIN_AAD,
    )
    assert change.after == {"per_incident": "40", "daily": "120"}
    assert (await teams.coach.ledger.verify(TENANT)).ok


async def test_a_managers_or_associates_limits_set_is_refused_and_changes_nothing(
    teams: Teams,
) -> None:
    for who in (as_manager, lambda body: body):
        reply = await teams.say(
            who(teams.personal("limits set associate --per-incident 400 --daily 1200"))
        )
        assert reply.body["text"].startswith("⚠ Sorry — only an admin")
    assert await teams.coach.ledger.policy_changes(TENANT) == []
    after = await advice_facts(teams, teams.personal(BILLING))
    assert after["On this"] == "up to £100.00"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # The friendlier forms: two bare amounts (per-incident first, as the table reads),
        # the dashes a phone makes of "--", no dashes, "=" and currency symbols.
        ("limits set lead 300 900", ("300", "900")),
        ("limits set lead —per-incident £300 —daily £900", ("300", "900")),
        ("limits set lead daily 900", ("250", "900")),
        ("limits set lead --per-incident=300", ("300", "750")),
    ],
)
async def test_limits_set_reads_what_people_type(
    teams: Teams, typed: str, expected: tuple[str, str]
) -> None:
    reply = await teams.say(as_admin(teams.personal(typed)))
    assert reply.body["text"].startswith("✔ role limits lead:"), reply.body["text"]
    [change] = await teams.coach.ledger.policy_changes(TENANT)
    assert (change.after["per_incident"], change.after["daily"]) == expected


@pytest.mark.parametrize(
    ("typed", "needle"),
    [
        ("limits set associate 40", "per-incident limit or the daily allowance?"),
        ("limits set associate --per-incident -5", "cannot be negative"),
        ("limits set associate --per-incident $40", "spends in GBP"),
        ("limits set associate --per-incident lots", "is not an amount"),
        ("limits set associate --per-incident 400", "more than the daily allowance"),
        ("limits set boss 40 120", "unknown role"),
        ("limits set associate --daily", "say the amount after --daily"),
        ("limits set", "which role?"),
        ("limits raise associate", "to change limits"),
    ],
)
async def test_bad_limits_get_one_short_message_and_record_nothing(
    teams: Teams, typed: str, needle: str
) -> None:
    reply = await teams.say(as_admin(teams.personal(typed)))
    assert reply.cards == []
    text = reply.body["text"]
    assert text.startswith("⚠") and needle in text and "\n" not in text, text
    assert await teams.coach.ledger.policy_changes(TENANT) == []


# -- role set ----------------------------------------------------------------------------------


async def test_role_set_by_mention_makes_that_user_a_lead_at_once(teams: Teams) -> None:
    teams.connector.members[SAM_ID] = {
        "id": SAM_ID,
        "name": "Sam Staff",
        "aadObjectId": SAM_AAD,
        "userPrincipalName": "sam@hotel.example",
        "tenantId": TENANT,
        "userRole": "user",
    }
    assert (await advice_facts(teams, as_sam(teams.personal(BILLING))))["On this"] == (
        "up to £100.00"
    )
    reply = await teams.say(as_admin(mentioning_sam(teams, "lead")))
    assert reply.body["text"] == "✔ user role Sam Staff: (none) → lead"
    # The mention carried only the Teams id: the connector was asked who that is.
    assert teams.connector.member_lookups == [SAM_ID]
    [change] = await teams.coach.ledger.policy_changes(TENANT)
    assert (change.target, change.after) == (SAM_AAD, "lead")

    # At once: Sam's next message is a lead's.
    assert (await advice_facts(teams, as_sam(teams.personal(BILLING))))["On this"] == (
        "up to £250.00"
    )
    home = await teams.say(as_sam(teams.personal("home")))
    assert facts(home.cards[0])["Role"] == "lead"


async def test_role_set_takes_a_raw_user_id_and_refuses_a_manager(teams: Teams) -> None:
    teams.connector.members[SAM_ID] = {"id": SAM_ID, "name": "Sam Staff", "aadObjectId": SAM_AAD}
    refused = await teams.say(as_manager(mentioning_sam(teams, "manager")))
    assert refused.body["text"].startswith("⚠ Sorry — only an admin")
    assert teams.connector.member_lookups == []  # nobody was looked up for a refusal
    reply = await teams.say(as_admin(teams.personal(f"role set {SAM_AAD} manager")))
    assert reply.body["text"] == f"✔ user role {SAM_AAD}: (none) → manager"
    listing = await teams.say(as_sam(teams.personal("pending")))
    assert "No spends are waiting" in listing.all_text


async def test_role_set_mentioning_someone_teams_cannot_find_changes_nothing(
    teams: Teams,
) -> None:
    reply = await teams.say(as_admin(mentioning_sam(teams, "lead")))
    assert "couldn't look up Sam Staff" in reply.body["text"]
    assert await teams.coach.ledger.policy_changes(TENANT) == []


async def test_the_last_admin_cannot_be_removed_in_teams(teams: Teams) -> None:
    reply = await teams.say(as_admin(teams.personal(f"role set {ADMIN_AAD} manager")))
    assert "the last admin cannot be removed" in reply.body["text"]
    assert await teams.coach.ledger.policy_changes(TENANT) == []
    await teams.say(as_admin(teams.personal(f"role set {MANAGER_AAD} admin")))
    reply = await teams.say(as_admin(teams.personal(f"role set {ADMIN_AAD} manager")))
    assert reply.body["text"].startswith("✔ user role")
    refused = await teams.say(as_admin(teams.personal("limits set lead 1 2")))
    assert refused.body["text"].startswith("⚠ Sorry — only an admin")


# -- playbooks ----------------------------------------------------------------------------------


async def test_playbooks_disable_and_enable_by_an_admin_only(teams: Teams) -> None:
    refused = await teams.say(as_manager(teams.personal("playbooks disable billing-dispute")))
    assert refused.body["text"].startswith("⚠ Sorry — only an admin")
    off = await teams.say(as_admin(teams.personal("playbooks disable billing-dispute")))
    assert off.body["text"] == "✔ playbook billing-dispute: enabled → disabled"
    advice = await teams.say(teams.personal(BILLING))
    assert "Billing" not in advice.cards[0]["body"][0]["text"]
    safety = await teams.say(as_admin(teams.personal("playbooks disable medical-emergency")))
    assert "cannot be switched off" in safety.body["text"]
    on = await teams.say(as_admin(teams.personal("playbooks enable billing-dispute")))
    assert on.body["text"] == "✔ playbook billing-dispute: disabled → enabled"
    changes = await teams.coach.ledger.policy_changes(TENANT)
    assert [(c.target, c.after) for c in changes] == [
        ("billing-dispute", "disabled"),
        ("billing-dispute", "enabled"),
    ]


# -- home ------------------------------------------------------------------------------------------


async def test_an_associates_home_shows_what_is_left_today(teams: Teams, clock: Clock) -> None:
    await teams.say(teams.personal(BILLING))
    await teams.say(teams.personal("spend £20 goodwill credit, room 214"))
    reply = await teams.say(teams.personal("home"))
    [card] = reply.cards
    assert facts(card) == {
        "Role": "associate",
        "Per incident": "up to £100.00",
        "Left today": "£280.00 of £300.00",
    }
    shown = json.dumps(card, ensure_ascii=False)
    assert "Open now: " in shown and "✔ £20.00 goodwill credit (room 214)" in shown
    # Nothing of a manager's or an admin's.
    assert "Waiting for a decision" not in shown and "Roles and limits" not in shown
    assert executes(card) == [] and "actions" not in card
    # Tomorrow the allowance is whole again.
    clock.advance(days=1)
    tomorrow = await teams.say(teams.personal("home"))
    assert facts(tomorrow.cards[0])["Left today"] == "£300.00 of £300.00"


async def test_home_asked_for_in_a_channel_goes_to_the_1_to_1_chat(teams: Teams) -> None:
    personal = teams.personal("hello")
    await teams.say(personal)  # the 1:1 chat the bot can write to later
    count = len(teams.connector.posted)
    status, _ = await teams.post(teams.mention("home"))
    assert status == 201
    posted = await teams.connector.wait_for(count + 2)
    [reply] = [p for p in posted[count:] if p.kind == "reply"]
    assert "Sent to our 1:1 chat" in reply.all_text and reply.cards == []
    [dm] = [p for p in posted[count:] if p.kind == "send"]
    assert dm.conversation_id == personal["conversation"]["id"]
    assert facts(dm.cards[0])["Left today"] == "£300.00 of £300.00"
    # Someone with no 1:1 chat yet is asked to open one; nothing is shown in the channel.
    other = await teams.say(as_sam(teams.mention("home")))
    assert "open a chat with me" in other.all_text and other.cards == []


async def test_a_managers_home_lists_a_pending_spend_with_a_working_approve(
    teams: Teams,
) -> None:
    await teams.say(teams.personal("spend £180 replacement coat, room 214"))
    [entry] = await teams.coach.ledger.pending(TENANT)
    reply = await teams.say(as_manager(teams.personal("home")))
    [card] = reply.cards
    shown = json.dumps(card, ensure_ascii=False)
    assert "Waiting for a decision" in shown and "£180.00 — replacement coat · room 214" in shown
    assert "Test User" in shown  # the employee's name as Teams gave it
    assert facts(card)["Pending"] == "£180.00 (1)"
    approve, deny = executes(card)
    assert (approve["title"], deny["title"]) == ("Approve", "Deny")
    assert approve["data"]["view"] == cards.VIEW_HOME

    # The employee cannot approve from it.
    status, body = await teams.post(
        teams.execute(approve["data"])
        | {"from": {"id": "29:1Staff", "name": "Test User", "aadObjectId": STAFF_AAD}}
    )
    assert status == 200 and "⚠" in body["value"]

    # The manager approves: the home comes back redrawn in the same HTTP response.
    status, body = await teams.post(as_manager(teams.execute(approve["data"])))
    assert status == 200 and body["type"] == cards.CARD_CONTENT_TYPE
    redrawn = json.dumps(body["value"], ensure_ascii=False)
    assert "Nothing is waiting for you" in redrawn
    assert facts(body["value"])["Approved"] == "£180.00 (1)"
    decided = await teams.coach.ledger.get(TENANT, entry.entry_id)
    assert decided is not None and decided.status is SpendStatus.APPROVED
    assert decided.decided_by == MANAGER_AAD


async def test_an_admins_home_has_the_limits_table_and_forms_that_the_core_checks(
    teams: Teams,
) -> None:
    await teams.say(as_admin(teams.personal("playbooks disable billing-dispute")))
    reply = await teams.say(as_admin(teams.personal("home")))
    [card] = reply.cards
    table = facts(card)
    assert table["associate"] == "£100.00 per incident, £300.00 a day"
    assert table["admin"] == "£5,000.00 per incident, £20,000.00 a day"
    shown = json.dumps(card, ensure_ascii=False)
    assert "Playbooks: " in shown and "1 off" in shown and "(billing-dispute)" in shown
    forms = {a["title"]: a["card"] for a in card["actions"]}
    assert list(forms) == ["Change limits", "Switch a playbook"]
    choices = {c["value"]: c["title"] for c in forms["Switch a playbook"]["body"][0]["choices"]}
    assert choices["billing-dispute"].endswith("(off)")
    assert "medical-emergency" not in choices  # always answered: not offered
    assert len(json.dumps(reply.body, ensure_ascii=True)) < 28 * 1024

    # The form's submit, as Teams sends it: the inputs merged into the button's data.
    save = forms["Change limits"]["actions"][0]["data"]
    bad = await teams.say(
        as_admin(teams.submit({**save, "role": "associate", "per_incident": "-5", "daily": ""}))
    )
    assert "cannot be negative" in bad.body["text"]
    assert len(await teams.coach.ledger.policy_changes(TENANT)) == 1  # the disable only

    count = len(teams.connector.posted)
    good = await teams.say(
        as_admin(teams.submit({**save, "role": "associate", "per_incident": "40", "daily": ""}))
    )
    assert good.body["text"] == (
        "✔ role limits associate: per-incident 100, daily 300 → per-incident 40, daily 300"
    )
    # …and the home it was pressed on is redrawn with the new table.
    for _ in range(100):
        updates = [p for p in teams.connector.posted[count:] if p.kind == "update"]
        if updates:
            break
        await asyncio.sleep(0.05)
    [update] = updates
    assert facts(update.cards[0])["associate"] == "£40.00 per incident, £300.00 a day"

    # The same form pressed by a manager (an old card, a forwarded one) is refused.
    refused = await teams.say(
        as_manager(teams.submit({**save, "role": "associate", "per_incident": "999"}))
    )
    assert refused.body["text"].startswith("⚠ Sorry — only an admin")
    switch_on = forms["Switch a playbook"]["actions"][1]["data"]
    on = await teams.say(as_admin(teams.submit({**switch_on, "playbook": "billing-dispute"})))
    assert on.body["text"] == "✔ playbook billing-dispute: disabled → enabled"


async def test_a_one_tap_situation_on_the_home_opens_its_coaching_card(teams: Teams) -> None:
    for _ in range(2):
        await teams.say(teams.personal(BILLING))
    home = await teams.say(teams.personal("home"))
    [tap] = [
        a
        for item in home.cards[0]["body"]
        if item.get("type") == "ActionSet"
        for a in item["actions"]
    ]
    assert tap["data"] == {"cmd": "start", "playbook": "billing-dispute"}
    advice = await teams.say(teams.submit(tap["data"]))
    assert advice.cards[0]["body"][0]["text"].startswith(tap["title"].rstrip("…"))


# -- the report ----------------------------------------------------------------------------------


async def test_the_report_card_lists_the_periods_policy_changes(teams: Teams) -> None:
    teams.connector.members[SAM_ID] = {"id": SAM_ID, "name": "Sam Staff", "aadObjectId": SAM_AAD}
    await teams.say(as_sam(teams.personal(BILLING)))  # Teams tells us Sam's name
    await teams.say(as_admin(teams.personal("limits set associate 40 120")))
    await teams.say(as_admin(mentioning_sam(teams, "lead")))
    reply = await teams.say(as_admin(teams.personal("report today")))
    [card] = reply.cards
    lines = [b["text"] for b in card["body"] if b.get("type") == "TextBlock"]
    start = lines.index("Policy changes (2)")
    assert lines[start + 1 : start + 3] == [
        "Tue 10 Mar 11:00 role limits associate: per-incident 100, daily 300 → "
        "per-incident 40, daily 120 — by Alex Admin",
        "Tue 10 Mar 11:00 user role Sam Staff: (none) → lead — by Alex Admin",
    ]

    # However many changes a period holds, the card stays within Teams' limit.
    coach = teams.coach
    report = await build_report(
        coach, Actor(TENANT, ADMIN_AAD, Role.ADMIN), ReportQuery.from_text("today")
    )
    many = tuple(
        PolicyChange(
            "user role",
            f"user-{i:04d}-" + "x" * 60,
            "associate",
            "lead",
            changed_by=ADMIN_AAD,
            created_at=datetime(2026, 3, 10, 11, 0, tzinfo=UTC) + timedelta(seconds=i),
        )
        for i in range(400)
    )
    big = cards.report_card(replace(report, policy_changes=many), names={ADMIN_AAD: "Alex"})
    assert cards.fits(big)
    texts = [b["text"] for b in big["body"] if b.get("type") == "TextBlock"]
    assert "Policy changes (400)" in texts
    assert any(t.startswith("…and ") and "coachbot report" in t for t in texts)


# -- bootstrap: a Teams tenant's admins from the shell -------------------------------------------


async def test_the_operator_names_a_tenants_admin_at_the_shell(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path, clock: Clock
) -> None:
    # Slack and Teams in one deployment: the file lists people per platform and names no
    # Teams admin; the operator names one with `coachbot role set … admin --org TENANT`.
    settings = teams_settings(tmp_path)
    async for client in _start(settings, BOTH_YAML, clock):
        teams = Teams(client, connector, shared_fixtures)
        refused = await teams.say(as_admin(teams.personal("limits set associate 40 120")))
        assert refused.body["text"].startswith("⚠ Sorry — only an admin")

        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("COACHBOT_", "DATABASE", "REDIS"))
            },
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": settings.effective_database_url(),
            "COACHBOT_ORG_FILE": str(settings.coachbot_org_file),
            "COACHBOT_DATA_DIR": str(tmp_path),
        }
        command = [sys.executable, "-m", "adapters.console.cli", "role", "set", ADMIN_AAD]
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, "admin", "--org", f"teams:{TENANT}", "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        [change] = json.loads(done.stdout)["changes"]
        assert (change["target"], change["after"]) == (ADMIN_AAD, "admin")

        await asyncio.sleep(1.1)  # another process's change reaches this one within 1 s
        reply = await teams.say(as_admin(teams.personal("limits set associate 40 120")))
        assert reply.body["text"].startswith("✔ role limits associate")
        stored = await teams.coach.policies.get(TENANT)
        assert stored.config.people("teams").users[ADMIN_AAD] is Role.ADMIN
        assert ADMIN_AAD not in stored.config.people("slack").users
        # Now the tenant's only admin: they cannot step down without a successor.
        last = await teams.say(as_admin(teams.personal(f"role set {ADMIN_AAD} lead")))
        assert "the last admin cannot be removed" in last.body["text"]


# -- two organisations on one database -----------------------------------------------------------


async def test_a_slack_workspace_and_a_teams_tenant_each_see_and_change_only_their_own(
    tmp_path: Path, connector: TeamsConnector, shared_fixtures: Path, clock: Clock
) -> None:
    recorder = SlackRecorder()
    await recorder.start()
    try:
        settings = slack_settings(tmp_path, recorder, coachbot_teams_emulator=True)
        yaml = BOTH_YAML.replace(
            f'teams:\n  users: {{ "{MANAGER_AAD}": manager }}',
            f'teams:\n  users: {{ "{MANAGER_AAD}": manager, "{ADMIN_AAD}": admin }}',
        )
        async for client in _start(settings, yaml, clock):
            teams = Teams(client, connector, shared_fixtures)
            slack = Slack(client, recorder, shared_fixtures)
            coach = teams.coach

            # Teams: the tenant's admin sets 40 / 120 in chat.
            await teams.say(as_admin(teams.personal("limits set associate 40 120")))
            # Slack: the workspace's admin sets 70 / 210 (Slack's own surface is the App
            # Home; the change is the same core call).
            slack_admin = coach.actor(TEAM_ID, SLACK_ADMIN, platform="slack")
            await coach.set_role_limits(slack_admin, Role.ASSOCIATE, "70", "210")

            teams_advice = await advice_facts(teams, teams.personal(BILLING))
            assert teams_advice["On this"] == "up to £40.00"
            _, _, _, path = await slack.command("/coach", BILLING, user=SLACK_STAFF)
            assert "£70.00" in (await slack.reply_at(path)).all_text
            _, _, _, path = await slack.command("/cx-limits", "", user=SLACK_MANAGER)
            slack_limits = (await slack.reply_at(path)).all_text
            assert "£70.00 per incident" in slack_limits and "£40.00" not in slack_limits
            teams_limits = await teams.say(as_manager(teams.personal("limits")))
            assert "£40.00 per incident" in teams_limits.all_text
            assert "£70.00" not in teams_limits.all_text

            # The Slack admin's id arriving from Teams is nobody there.
            forged = teams.personal("limits set associate 999 999")
            forged["from"] = {"id": "29:1Forged", "name": "Mallory", "aadObjectId": SLACK_ADMIN}
            refused = await teams.say(forged)
            assert refused.body["text"].startswith("⚠ Sorry — only an admin")

            teams_changes = await coach.ledger.policy_changes(TENANT)
            slack_changes = await coach.ledger.policy_changes(TEAM_ID)
            assert [(c.changed_by, c.after) for c in teams_changes] == [
                (ADMIN_AAD, {"per_incident": "40", "daily": "120"})
            ]
            assert [(c.changed_by, c.after) for c in slack_changes] == [
                (SLACK_ADMIN, {"per_incident": "70", "daily": "210"})
            ]
            assert (await coach.ledger.verify()).ok
    finally:
        await recorder.stop()


# -- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("associate --per-incident 40 --daily 120", (Role.ASSOCIATE, "40", "120")),
        ("Associate —per-incident £40 —daily £120", (Role.ASSOCIATE, "£40", "£120")),
        ("lead per incident 40 GBP", (Role.LEAD, "40 GBP", None)),
        ("manager --daily: 3,500", (Role.MANAGER, None, "3,500")),
        ("associate 40 120", (Role.ASSOCIATE, "40", "120")),
    ],
)
def test_limits_set_forms(args: str, expected: tuple[Role, str | None, str | None]) -> None:
    change = admin.parse_limits_set(args)
    assert (change.role, change.per_incident, change.daily) == expected


@pytest.mark.parametrize(
    "args",
    ["associate 40", "associate 40 120 160", "associate now --daily 5", "--daily 5", ""],
)
def test_limits_set_refuses_what_it_would_have_to_guess(args: str) -> None:
    with pytest.raises(InvalidInput):
        admin.parse_limits_set(args)
