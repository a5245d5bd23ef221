"""Admins run their organisation from the Slack App Home, over real HTTP.

Signed ``app_home_opened`` events, *Edit* clicks (block_actions from the home view) and
``view_submission`` payloads go into the real Bolt app; what it opens (``views.open``),
publishes and posts reaches the Web API recorder, which also answers ``users.info``
for the workspace owner bootstrap. The core keeps its policy in the database (the
policy store on the test's SQLite file), as ``coachbot serve`` does.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.slack.admins import WorkspaceAdmins
from adapters.slack.home import MAX_HOME_BLOCKS, home_view
from adapters.slack.http import SLACK_BOT_KEY
from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.escalations import open_escalations
from bot.incidents import open_incidents
from bot.ledger import open_ledger
from bot.models import Home, PlaybookSummary, Role, SpendStatus
from bot.policy import OrgPolicies, open_policy_store
from bot.state import open_state
from tests.clock import Clock
from tests.slack_recorder import Call, SlackRecorder
from tests.test_slack import CHANNEL, MANAGER, ORG_YAML, STAFF, Slack, _library_and_matcher
from tests.test_slack import slack_settings as base_settings
from tests.test_slack_home import (
    home_click,
    home_showing,
    next_home,
    open_home,
    published,
    view_of,
    view_text,
)
from tests.test_slack_oauth import WS_A, as_workspace, install, service

ADMIN, ADMIN2 = "U0ADMIN001", "U0ADMIN002"
OWNER = "U0WSOWNER1"  # the workspace's owner in Slack, listed nowhere in the policy
ADMIN_ORG_YAML = ORG_YAML + f"  {ADMIN}: admin\n  {ADMIN2}: admin\n"
BILLING = "customer says we charged her card twice"
TEAM = "T00FAKE00BB"
__all__ = ["service"]  # the OAuth deployment's fixture, used by the installer's test


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    """The core as ``serve`` assembles it: policy changes stored and audited."""
    library, matcher = _library_and_matcher()
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    clock = Clock(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
    ledger = open_ledger(url, clock=clock)
    escalations = open_escalations(url, clock=clock)
    incidents, state = open_incidents(url), open_state(None)
    store = open_policy_store(url, ledger, clock=clock)
    parts = (ledger, escalations, incidents, store, state)
    for part in parts:
        await part.open()
    config = parse_org_config(yaml.safe_load(ADMIN_ORG_YAML))
    yield Coach(
        library=library,
        policy=AuthorityPolicy(config),
        ledger=ledger,
        state=state,
        escalations=escalations,
        matcher=matcher,
        clock=clock,
        incidents=incidents,
        policies=OrgPolicies(store, config),
    )
    for part in reversed(parts):
        await part.close()


@pytest.fixture
async def slack(
    tmp_path: Path, recorder: SlackRecorder, shared_fixtures: Path, coach: Coach
) -> AsyncIterator[Slack]:
    app = build_app(base_settings(tmp_path, recorder), coach=coach)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Slack(client, recorder, shared_fixtures)
    await client.close()


# -- what Slack sends and what the bot opened ---------------------------------------------


def edit_buttons(call: Call) -> dict[tuple[str, str], dict[str, Any]]:
    """The home's Edit buttons (section accessories and action buttons), by
    (action id, value)."""
    out = {}
    for block in view_of(call)["blocks"]:
        elements = [block.get("accessory"), *(block.get("elements") or [])]
        for e in elements:
            if isinstance(e, dict) and str(e.get("action_id", "")).startswith("admin_"):
                out[(e["action_id"], str(e.get("value", "")))] = e
    return out


async def open_form(slack: Slack, user: str, action_id: str, value: str) -> dict[str, Any]:
    """Press an Edit button in ``user``'s home; the modal views.open received."""
    before = len(slack.recorder.named("views.open"))
    assert await home_click(slack, user, action_id, value) == 200
    calls = await slack.recorder.wait_for(lambda c: c.method == "views.open", count=before + 1)
    opened = calls[-1]
    assert opened.args["trigger_id"]  # the click's own, as Slack requires
    view = opened.args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def _element_state(element: dict[str, Any], value: str | None) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind in ("multi_static_select", "checkboxes"):  # several values, comma separated
        wanted = (value or "").split(",")
        return {"type": kind, "selected_options": [o for o in element["options"]
                                                   if o["value"] in wanted]}  # fmt: skip
    chosen = next((o for o in element.get("options", []) if o["value"] == value), None)
    if chosen is None and value is not None:  # a value the form never offered (forged)
        chosen = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"type": kind, "selected_option": chosen}


def initial(block: dict[str, Any]) -> str | None:
    element = block["element"]
    option = element.get("initial_option")
    options = element.get("initial_options")
    return (
        element.get("initial_value")
        or element.get("initial_conversation")
        or element.get("initial_date")
        or (option["value"] if option else None)
        or (",".join(o["value"] for o in options) if options else None)
    )


async def submit(
    slack: Slack, who: str, modal: dict[str, Any], **typed: str | None
) -> tuple[int, dict[str, Any] | None]:
    """Submit ``modal`` as ``who`` with ``typed`` in its inputs (the rest as drawn):
    Slack's view_submission, signed. Returns the HTTP status and the ack's JSON."""
    payload = json.loads((slack.fixtures / "view_submission.json").read_text())
    payload["user"].update(id=who, team_id=slack.team, username=who.lower())
    payload["team"]["id"] = slack.team
    view = payload["view"]
    view.update(
        team_id=slack.team,  # Bolt authorises a submission by the view's installed team
        app_installed_team_id=slack.team,
        callback_id=modal["callback_id"],
        private_metadata=modal["private_metadata"],
        blocks=modal["blocks"],
    )
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert set(typed) <= {b["block_id"] for b in inputs}, typed
    view["state"]["values"] = {
        b["block_id"]: {
            b["element"]["action_id"]: _element_state(
                b["element"], typed[b["block_id"]] if b["block_id"] in typed else initial(b)
            )
        }
        for b in inputs
    }
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    status, out, _ = await slack.post(body, "application/x-www-form-urlencoded")
    return status, (json.loads(out) if out else None)


async def changes(coach: Coach) -> list[tuple[str, str, str]]:
    return [(c.what, c.target, c.changed_by) for c in await coach.ledger.policy_changes(TEAM)]


# -- editing a role's limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_incident", "daily", "field", "says"),
    [
        ("-5", "300", "per_incident", "cannot be negative"),
        ("lots", "300", "per_incident", "type one such as 40 or £40.50"),
        ("£40", "$120", "daily", "GBP"),
        ("£5,000,000", "300", "per_incident", "is too large (at most £1,000,000)"),
        ("£200", "£150", "per_incident", "daily allowance"),
        ("40", "", "daily", "type an amount such as 40 or £40.50"),
    ],
)
async def test_an_admins_edit_form_shows_a_bad_limit_in_the_form_and_records_nothing(
    slack: Slack, coach: Coach, per_incident: str, daily: str, field: str, says: str
) -> None:
    await open_home(slack, ADMIN)
    home = await next_home(slack, ADMIN)
    assert ("admin_edit_role", "associate") in edit_buttons(home)
    form = await open_form(slack, ADMIN, "admin_edit_role", "associate")
    assert form["type"] == "modal"
    fields = {b["block_id"]: initial(b) for b in form["blocks"] if b["type"] == "input"}
    assert fields == {"per_incident": "£100.00", "daily": "£300.00"}

    status, answer = await submit(slack, ADMIN, form, per_incident=per_incident, daily=daily)
    assert status == 200
    assert answer is not None and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {field}
    assert says in answer["errors"][field]
    assert await changes(coach) == []
    assert (await coach.ledger.verify()).ok
    advice = await coach.advise(coach.actor(TEAM, STAFF, platform="slack"), BILLING)
    assert advice.authority.per_incident.minor == 10000


async def test_a_valid_edit_changes_the_limit_for_the_next_advice_and_the_homes(
    slack: Slack, coach: Coach
) -> None:
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_role", "associate")
    status, answer = await submit(slack, ADMIN, form, per_incident="£40", daily="120")
    assert (status, answer) == (200, None)  # an empty ack closes the form
    assert await changes(coach) == [("role limits", "associate", ADMIN)]
    (change,) = await coach.ledger.policy_changes(TEAM)
    assert change.after == {"per_incident": "40", "daily": "120"}

    # The admin's home is re-published with the new limit.
    await home_showing(slack, ADMIN, "*associate*: £40.00 per incident, £120.00 a day")
    # The associate's next advice and home show it; £50 now waits for a manager.
    _, _, _, path = await slack.command("/coach", BILLING)
    assert "up to £40.00 on this" in (await slack.reply_at(path)).all_text
    await open_home(slack, STAFF)
    assert "£120.00 of £120.00" in view_text(await next_home(slack, STAFF))
    _, _, _, path = await slack.command("/spend", "£50 goodwill credit")
    assert "needs a manager" in (await slack.reply_at(path)).all_text


async def test_a_non_admin_can_neither_open_nor_submit_an_edit_form(
    slack: Slack, coach: Coach, recorder: SlackRecorder
) -> None:
    await open_home(slack, MANAGER)
    home = await next_home(slack, MANAGER)
    assert edit_buttons(home) == {}
    assert "Roles and limits" not in view_text(home)

    # A click forged with an admin's button: no form, the refusal in their home.
    assert await home_click(slack, MANAGER, "admin_edit_role", "associate") == 200
    refused = view_text(await home_showing(slack, MANAGER, "⚠"))
    assert "only an admin" in refused
    assert recorder.named("views.open") == []

    # A submission forged from an admin's form: refused inside the form.
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_role", "associate")
    for who in (MANAGER, STAFF):
        status, answer = await submit(slack, who, form, per_incident="1000", daily="3000")
        assert status == 200 and answer is not None
        assert "only an admin" in answer["errors"]["per_incident"]
    assert await changes(coach) == []


async def test_an_admin_demoted_while_the_form_is_open_is_refused_on_submit(
    slack: Slack, coach: Coach
) -> None:
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_role", "associate")
    # Meanwhile the other admin makes them a manager.
    await coach.set_user_role(coach.actor(TEAM, ADMIN2, platform="slack"), ADMIN, Role.MANAGER)

    status, answer = await submit(slack, ADMIN, form, per_incident="400", daily="900")
    assert status == 200 and answer is not None
    assert "only an admin" in answer["errors"]["per_incident"]
    assert await changes(coach) == [("user role", ADMIN, ADMIN2)]
    advice = await coach.advise(coach.actor(TEAM, STAFF, platform="slack"), BILLING)
    assert advice.authority.per_incident.minor == 10000


# -- roles, playbooks, the organisation's settings ------------------------------------------


async def test_an_admin_gives_someone_a_role_and_both_homes_follow(
    slack: Slack, coach: Coach
) -> None:
    await open_home(slack, ADMIN)
    home = await next_home(slack, ADMIN)
    assert ("admin_edit_user_role", "role") in edit_buttons(home)
    form = await open_form(slack, ADMIN, "admin_edit_user_role", "role")

    status, answer = await submit(slack, ADMIN, form, user=STAFF, role="sultan")
    assert answer is not None and "unknown role" in answer["errors"]["role"]
    assert await changes(coach) == []

    status, answer = await submit(slack, ADMIN, form, user=STAFF, role="lead")
    assert (status, answer) == (200, None)
    assert await changes(coach) == [("user role", STAFF, ADMIN)]
    # The person's home is re-published with their new role and limits, unasked.
    await home_showing(slack, STAFF, "*Role:* lead", "up to £250.00")

    # The last admin cannot go: with ADMIN2 gone too, nobody could change anything.
    await coach.set_user_role(coach.actor(TEAM, ADMIN, platform="slack"), ADMIN2, Role.MANAGER)
    status, answer = await submit(slack, ADMIN, form, user=ADMIN, role="manager")
    assert answer is not None and "last admin" in answer["errors"]["user"]


async def test_an_admin_switches_a_playbook_off_but_never_a_safety_one(
    slack: Slack, coach: Coach
) -> None:
    await open_home(slack, ADMIN)
    home = await next_home(slack, ADMIN)
    buttons = edit_buttons(home)
    assert ("admin_edit_playbook", "billing-dispute") in buttons
    assert ("admin_edit_playbook", "medical-emergency") not in buttons
    assert ("admin_edit_playbook", "general-recovery") not in buttons

    form = await open_form(slack, ADMIN, "admin_edit_playbook", "billing-dispute")
    switch = next(initial(b) for b in form["blocks"] if b["type"] == "input")
    assert switch == "on"  # (the say lines follow: tests/test_slack_playbook_forms.py)
    assert await submit(slack, ADMIN, form, enabled="off") == (200, None)
    assert await changes(coach) == [("playbook", "billing-dispute", ADMIN)]
    advice = await coach.advise(coach.actor(TEAM, STAFF, platform="slack"), BILLING)
    assert advice.playbook.id == "general-recovery"
    after = view_text(await home_showing(slack, ADMIN, "1 off)"))
    assert "· *off*" in after

    # A safety playbook's form (opened by hand) cannot switch it off: said in the form.
    safety = await open_form(slack, ADMIN, "admin_edit_playbook", "medical-emergency")
    _, answer = await submit(slack, ADMIN, safety, enabled="off")
    assert answer is not None and "always answered" in answer["errors"]["enabled"]
    assert len(await changes(coach)) == 1


async def test_the_organisations_settings_and_its_own_escalation_channel(
    slack: Slack, coach: Coach, recorder: SlackRecorder
) -> None:
    await open_home(slack, ADMIN)
    home = await next_home(slack, ADMIN)
    assert "*Most one customer may receive a day:* £250.00" in view_text(home)
    form = await open_form(slack, ADMIN, "admin_edit_settings", "settings")
    fields = {b["block_id"]: initial(b) for b in form["blocks"] if b["type"] == "input"}
    assert fields == {
        "max_single_spend": "£10,000.00",
        "customer_daily_cap": "£250.00",
        "escalation_channel": None,
    }
    status, answer = await submit(slack, ADMIN, form, max_single_spend="0", customer_daily_cap="-1")
    assert answer is not None
    assert set(answer["errors"]) == {"max_single_spend", "customer_daily_cap"}
    assert "more than zero" in answer["errors"]["max_single_spend"]
    assert await changes(coach) == []

    status, answer = await submit(
        slack, ADMIN, form, customer_daily_cap=None, escalation_channel="C0OWNMGRS"
    )
    assert (status, answer) == (200, None)
    assert sorted(await changes(coach)) == [
        ("customer_daily_cap", "", ADMIN),
        ("escalation_channel", "", ADMIN),
    ]
    await home_showing(slack, ADMIN, "no cap", "<#C0OWNMGRS>")

    # The organisation's own channel wins over SLACK_ESCALATION_CHANNEL.
    _, _, _, path = await slack.command("/spend", "£150 taxi home, room 214")
    assert "needs a manager" in (await slack.reply_at(path)).all_text
    (card,) = await recorder.wait_for(
        lambda c: c.method == "chat.postMessage" and "Spend approval" in c.all_text
    )
    assert card.args["channel"] == "C0OWNMGRS" != CHANNEL
    (pending,) = await coach.ledger.spends(TEAM)
    assert pending.status is SpendStatus.PENDING


async def test_the_report_lists_the_periods_policy_changes(slack: Slack, coach: Coach) -> None:
    await open_home(slack, ADMIN)
    await next_home(slack, ADMIN)
    form = await open_form(slack, ADMIN, "admin_edit_role", "associate")
    assert await submit(slack, ADMIN, form, per_incident="40", daily="120") == (200, None)
    roles = await open_form(slack, ADMIN, "admin_edit_user_role", "role")
    assert await submit(slack, ADMIN, roles, user=STAFF, role="lead") == (200, None)

    _, _, _, path = await slack.command("/cx-report", "today", user=MANAGER)
    shown = (await slack.reply_at(path)).all_text
    assert "Policy changes (2)" in shown
    assert "role limits associate: per-incident 100, daily 300 → per-incident 40, daily 120" in (
        shown
    )
    assert f"user role <@{STAFF}>: (none) → lead" in shown  # not listed before
    assert f"by <@{ADMIN}>" in shown


# -- who is an admin: Slack's owners and admins ----------------------------------------------


async def test_a_workspace_owner_administers_and_an_ordinary_member_does_not(
    slack: Slack, coach: Coach, recorder: SlackRecorder
) -> None:
    recorder.people[OWNER] = {"is_owner": True}
    await open_home(slack, OWNER)
    home = await next_home(slack, OWNER)
    shown = view_text(home)
    assert "Roles and limits" in shown and ("admin_edit_role", "associate") in edit_buttons(home)
    # Their own authority is still their role's: being an admin of the policy is not money.
    assert "*Role:* associate" in shown
    (asked,) = recorder.named("users.info")
    assert asked.args["user"] == OWNER

    form = await open_form(slack, OWNER, "admin_edit_role", "lead")
    assert await submit(slack, OWNER, form, per_incident="300") == (200, None)
    assert await changes(coach) == [("role limits", "lead", OWNER)]

    await open_home(slack, STAFF)
    plain = await next_home(slack, STAFF)
    assert "Roles and limits" not in view_text(plain) and edit_buttons(plain) == {}
    # Asked once per person, then remembered.
    await open_home(slack, OWNER)
    await next_home(slack, OWNER, after=2)
    assert [c.args["user"] for c in recorder.named("users.info")].count(OWNER) == 1


async def test_a_guest_or_a_member_slack_cannot_vouch_for_is_no_admin(
    slack: Slack, recorder: SlackRecorder
) -> None:
    recorder.people["U0GUESTADM"] = {"is_admin": True, "is_restricted": True}
    recorder.people["U0GONEUSER"] = None  # users.info: user_not_found
    for user in ("U0GUESTADM", "U0GONEUSER"):
        await open_home(slack, user)
        assert "Roles and limits" not in view_text(await next_home(slack, user))
        assert await home_click(slack, user, "admin_edit_role", "associate") == 200
        await home_showing(slack, user, "only an admin")
    assert recorder.named("views.open") == []


async def test_coaching_never_asks_slack_who_is_an_admin(
    slack: Slack, recorder: SlackRecorder
) -> None:
    recorder.people[STAFF] = {"is_owner": True}
    _, _, _, path = await slack.command("/coach", BILLING)
    assert "Step 1 of" in (await slack.reply_at(path)).all_text
    message = slack.event(
        "event_message_im.json", user=STAFF, text=BILLING, channel="D0STAFFDM1",
        ts="1773140510.000300", channel_type="im",
    )  # fmt: skip
    assert (await slack.send_event(message))[0] == 200
    await recorder.wait_for(lambda c: c.method == "chat.postMessage")
    await recorder.settle()
    assert recorder.named("users.info") == []
    assert published(slack, STAFF) == []


async def test_an_install_without_users_read_makes_nobody_an_admin_by_slack(
    slack: Slack, recorder: SlackRecorder
) -> None:
    # An older install, before users:read was asked for: Slack refuses the lookup.
    recorder.people[OWNER] = {"is_owner": True}
    recorder.fail("users.info", error="missing_scope")
    await open_home(slack, OWNER)
    assert "Roles and limits" not in view_text(await next_home(slack, OWNER))
    # Remembered like an answer (it will not change until the app is reinstalled).
    await open_home(slack, OWNER)
    await next_home(slack, OWNER, after=1)
    assert len(recorder.named("users.info")) == 1
    # Admins named in the policy are unaffected.
    await open_home(slack, ADMIN)
    assert "Roles and limits" in view_text(await next_home(slack, ADMIN))


async def test_the_person_who_installed_the_app_administers_its_workspace(
    service: TestClient, recorder: SlackRecorder, shared_fixtures: Path
) -> None:
    await install(service, recorder, WS_A, "code-a")
    workspace = as_workspace(service, recorder, shared_fixtures, WS_A)
    await open_home(workspace, WS_A.installer)
    home = await next_home(workspace, WS_A.installer)
    assert "Roles and limits" in view_text(home)
    assert ("admin_edit_role", "associate") in edit_buttons(home)
    # The stored installation said so: Slack was not asked.
    assert [c.args["user"] for c in recorder.named("users.info")] == []

    await open_home(workspace, STAFF)
    assert "Roles and limits" not in view_text(await next_home(workspace, STAFF))
    assert [c.args["user"] for c in recorder.named("users.info")] == [STAFF]


async def test_a_workspace_admin_demoted_in_slack_is_refused_within_a_minute(
    slack: Slack, coach: Coach, recorder: SlackRecorder
) -> None:
    now = [0.0]
    bot = slack.client.server.app[SLACK_BOT_KEY]
    bot.admins = WorkspaceAdmins(monotonic=lambda: now[0])
    recorder.people[OWNER] = {"is_admin": True}
    await open_home(slack, OWNER)
    await next_home(slack, OWNER)
    form = await open_form(slack, OWNER, "admin_edit_role", "associate")
    # Slack takes their admin rights away; the form is still open a minute later.
    recorder.people[OWNER] = {}
    now[0] = 61.0
    _, answer = await submit(slack, OWNER, form, per_incident="5000", daily="9000")
    assert answer is not None and "only an admin" in answer["errors"]["per_incident"]
    assert await changes(coach) == []


async def test_a_playbook_chosen_from_the_select_opens_its_form(slack: Slack) -> None:
    """The select a long library gets instead of a button per playbook."""
    payload = json.loads((slack.fixtures / "block_actions.json").read_text())
    payload["user"].update(id=ADMIN, team_id=slack.team, username="admin")
    payload["team"]["id"] = slack.team
    for key in ("channel", "message", "response_url", "state"):
        payload.pop(key, None)
    payload["container"] = {"type": "view", "view_id": "V0HOME0001"}
    payload["view"] = {"id": "V0HOME0001", "team_id": slack.team, "type": "home",
                       "blocks": [], "private_metadata": "", "callback_id": "coach_home",
                       "state": {"values": {}}}  # fmt: skip
    payload["actions"] = [
        {
            "type": "static_select",
            "action_id": "admin_pick_playbook_1",
            "block_id": "admin_playbooks",
            "selected_option": {
                "text": {"type": "plain_text", "text": "Billing"},
                "value": "billing-dispute",
            },
            "placeholder": {"type": "plain_text", "text": "Switch a playbook on or off…"},
            "action_ts": "1773140401.000200",
        }
    ]
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    assert (await slack.post(body, "application/x-www-form-urlencoded"))[0] == 200
    (opened,) = await slack.recorder.wait_for(lambda c: c.method == "views.open")
    view = opened.args["view"]
    meta = (json.loads(view) if isinstance(view, str) else view)["private_metadata"]
    assert json.loads(meta) == {"playbook_id": "billing-dispute"}


async def test_a_long_library_fits_the_home_with_one_select(coach: Coach) -> None:
    admin = await coach.admin_view(coach.actor(TEAM, ADMIN, platform="slack"))
    many = tuple(
        PlaybookSummary(f"own-{i:03d}", f"Our own situation {i}", "Ops", date(2027, 1, 1), False)
        for i in range(140)
    )
    view = home_view(Home(admin.authority, None, (), (), limits=admin.limits,
                          playbooks=many, settings=admin.settings))  # fmt: skip
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    listed = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    # Every playbook is still listed (a line each), though only 100 fit in a select.
    assert all(f"{p.title} — Ops" in listed for p in many)
    selects = [
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["type"] == "static_select"
    ]  # fmt: skip
    assert [s["action_id"] for s in selects] == ["admin_pick_playbook_1", "admin_pick_playbook_2"]
    offered = [o["value"] for s in selects for o in s["options"]]
    assert sorted(offered) == [p.playbook_id for p in many] and len(selects[0]["options"]) == 100
