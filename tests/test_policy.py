"""Each organisation's policy in the database: changed by its admins, audited, seen at once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.schema import CreateTable

from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach
from bot.database import Database
from bot.errors import InvalidInput, InvalidSetting, NotFound, NotPermitted
from bot.escalations.sql import SqlEscalationStore
from bot.ledger.sql import SqlSpendLedger, events
from bot.models import Role, SpendStatus
from bot.playbooks import load_library
from bot.policy import OrgPolicies, SqlPolicyStore
from bot.state import open_state
from tests.clock import Clock
from tests.test_cli import Cli

ORG = {
    "name": "Test Hotel",
    "currency": "GBP",
    "timezone": "Europe/London",
    "roles": {
        "associate": {"per_incident": 100, "daily": 300},
        "lead": {"per_incident": 250, "daily": 750},
        "manager": {"per_incident": 1000, "daily": 3000},
        "admin": {"per_incident": 5000, "daily": 20000},
    },
    "max_single_spend": 10000,
    "customer_daily_cap": 250,
    "users": {"U_ADMIN": "admin", "U_MGR": "manager"},
}
ORG_FILE = """\
name: Test Hotel
currency: GBP
timezone: Europe/London
roles:
  associate: { per_incident: 100, daily: 300 }
  lead:      { per_incident: 250, daily: 750 }
  manager:   { per_incident: 1000, daily: 3000 }
  admin:     { per_incident: 5000, daily: 20000 }
max_single_spend: 10000
users:
  U_ADMIN: admin
  U_MGR: manager
"""
BILLING = "customer says we charged her card twice"


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def org_cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    (tmp_path / "org.yaml").write_text(ORG_FILE, encoding="utf-8")
    cli.env["COACHBOT_ORG_FILE"] = str(tmp_path / "org.yaml")
    return cli


def _authority(cli: Cli, user: str) -> dict:  # type: ignore[type-arg]
    return cli.json("advise", BILLING, "--user", user)["authority"]  # type: ignore[no-any-return]


def test_an_admin_changes_limits_and_roles_audited_and_nobody_else_can(org_cli: Cli) -> None:
    cli = org_cli
    limits = ["limits", "set", "associate", "--per-incident", "40", "--daily", "120"]
    for who in ("U_MGR", "U_ASSOC"):
        refused = cli.run(*limits, "--user", who, "--json")
        assert refused.returncode == 3, refused.stderr
        assert "admin" in json.loads(refused.stdout)["error"]
    before = _authority(cli, "U_ASSOC")
    assert (before["per_incident"], before["daily_allowance"]) == (10000, 30000)

    changed = cli.json(*limits, "--user", "U_ADMIN")
    assert [c["what"] for c in changed["changes"]] == ["role limits"]
    after = _authority(cli, "U_ASSOC")
    assert (after["per_incident"], after["daily_allowance"]) == (4000, 12000)
    text = cli.run("advise", BILLING, "--user", "U_ASSOC").stdout
    assert "up to £40.00" in text and "today's £120.00" in text
    spend = cli.json("spend", "£50 goodwill credit", "--user", "U_ASSOC")
    assert spend["status"] == "pending"

    assert cli.run("role", "set", "U_LEAD", "lead", "--user", "U_MGR").returncode == 3
    assert cli.json("role", "set", "U_LEAD", "lead", "--user", "U_ADMIN")["changes"]
    assert _authority(cli, "U_LEAD")["per_incident"] == 25000
    assert cli.json("advise", BILLING, "--user", "U_LEAD")["authority"]["role"] == "lead"

    report = cli.json("report", "--format", "json")
    changes = [(c["what"], c["target"], c["changed_by"]) for c in report["policy_changes"]]
    assert changes == [
        ("role limits", "associate", "U_ADMIN"),
        ("user role", "U_LEAD", "U_ADMIN"),
    ]
    assert report["policy_changes"][0]["after"] == {"per_incident": "40", "daily": "120"}
    assert "Policy changes: 2" in cli.run("report").stdout

    assert cli.run("audit", "verify").returncode == 0
    with sqlite3.connect(cli.db) as db:
        db.execute(
            "UPDATE ledger_events SET reason = replace(reason, '\"40\"', '\"400\"') "
            "WHERE kind = 'policy'"
        )
    tampered = cli.run("audit", "verify")
    assert tampered.returncode == 1
    assert "policy change" in tampered.stderr


def test_playbooks_are_switched_off_by_admins_and_never_the_safety_ones(org_cli: Cli) -> None:
    cli = org_cli
    assert cli.json("advise", BILLING)["playbook"]["id"] == "billing-dispute"
    off = ["playbooks", "disable", "billing-dispute"]
    assert cli.run(*off, "--user", "U_MGR").returncode == 3
    assert cli.json(*off, "--user", "U_ADMIN")["changes"][0]["after"] == "disabled"
    answer = cli.json("advise", BILLING)
    assert answer["playbook"]["id"] != "billing-dispute"
    assert "billing-dispute" not in [a["id"] for a in answer["alternatives"]]
    for protected in ("medical-emergency", "self-harm-or-crisis", "general-recovery"):
        refused = cli.run("playbooks", "disable", protected, "--user", "U_ADMIN")
        assert refused.returncode == 2 and "cannot be switched off" in refused.stderr
    cli.json("playbooks", "enable", "billing-dispute", "--user", "U_ADMIN")
    assert cli.json("advise", BILLING)["playbook"]["id"] == "billing-dispute"


def test_the_file_no_longer_overrides_a_stored_policy_until_imported(
    org_cli: Cli, tmp_path: Path
) -> None:
    cli = org_cli
    cli.json("role", "set", "U_NEW", "lead", "--user", "U_ADMIN")
    # The operator edits the file: the stored policy holds; `org import` applies it.
    edited = ORG_FILE.replace("associate: { per_incident: 100", "associate: { per_incident: 60")
    (tmp_path / "org.yaml").write_text(edited, encoding="utf-8")
    assert _authority(cli, "U_ASSOC")["per_incident"] == 10000
    assert _authority(cli, "U_NEW")["role"] == "lead"
    imported = cli.json("org", "import", str(tmp_path / "org.yaml"))
    whats = {(c["what"], c["target"]) for c in imported["changes"]}
    assert whats == {("role limits", "associate"), ("user role", "U_NEW")}
    assert _authority(cli, "U_ASSOC")["per_incident"] == 6000
    assert _authority(cli, "U_NEW")["role"] == "associate"


# --------------------------------------------------------------------------- in process


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _coach(
    db_url: str,
    clock: Clock,
    *,
    whole_file: bool,
    monotonic: Monotonic,
    org: dict | None = None,  # type: ignore[type-arg]
) -> AsyncIterator[Coach]:
    """A coach as one process of the service has it (its own pools and cache)."""
    ledger = SqlSpendLedger(db_url, clock=clock)
    escalations = SqlEscalationStore(db_url, clock=clock)
    store = SqlPolicyStore(db_url, ledger, clock=clock)
    state = open_state(None)
    for part in (ledger, escalations, store, state):
        await part.open()
    config = parse_org_config(ORG if org is None else org)
    yield Coach(
        library=load_library(),
        policy=AuthorityPolicy(config),
        ledger=ledger,
        state=state,
        escalations=escalations,
        clock=clock,
        policies=OrgPolicies(store, config, whole_file=whole_file, monotonic=monotonic),
    )
    for part in (state, store, escalations, ledger):
        await part.close()


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
async def coach(db_url: str, clock: Clock, monotonic: Monotonic) -> AsyncIterator[Coach]:
    async for c in _coach(db_url, clock, whole_file=True, monotonic=monotonic):
        yield c


async def test_a_change_reaches_another_process_within_a_second(
    coach: Coach, db_url: str, clock: Clock, monotonic: Monotonic
) -> None:
    async for other in _coach(db_url, clock, whole_file=True, monotonic=monotonic):
        associate = other.actor("hotel", "U_ASSOC")
        assert (await other.advise(associate, BILLING)).authority.per_incident.minor == 10000
        await coach.set_role_limits(coach.actor("hotel", "U_ADMIN"), Role.ASSOCIATE, "40")
        monotonic.now += 1.0
        advice = await other.advise(associate, BILLING)
        assert advice.authority.per_incident.minor == 4000
        await coach.set_user_role(coach.actor("hotel", "U_ADMIN"), "U_ASSOC", Role.LEAD)
        monotonic.now += 1.0
        # The role is looked up again at the click, whatever the actor was built with.
        assert (await other.advise(associate, BILLING)).authority.role is Role.LEAD


async def test_the_last_admin_cannot_be_removed(coach: Coach) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    with pytest.raises(InvalidInput, match="last admin"):
        await coach.set_user_role(admin, "U_ADMIN", Role.MANAGER)
    await coach.set_user_role(admin, "U_OTHER", Role.ADMIN)
    await coach.set_user_role(admin, "U_ADMIN", Role.MANAGER)
    # No longer an admin: refused at the next change, whatever the actor says.
    with pytest.raises(NotPermitted):
        await coach.set_role_limits(admin, Role.ASSOCIATE, daily="200")


async def test_role_set_on_a_file_with_platform_sections_edits_that_platforms_people(
    db_url: str, clock: Clock, monotonic: Monotonic
) -> None:
    both = {k: v for k, v in ORG.items() if k != "users"}
    both["slack"] = {"users": {"UADMIN": "admin"}, "locations": {"UADMIN": "Lobby"}}
    both["teams"] = {"users": {"UADMIN": "manager"}}
    tenant = "9f1c2d3e-0000-4000-8000-00000000abcd"
    async for coach in _coach(db_url, clock, whole_file=True, monotonic=monotonic, org=both):
        admin = coach.actor("T0HOTEL", "UADMIN")
        assert admin.role is Role.ADMIN
        changes = await coach.set_user_role(admin, "UNEW", Role.LEAD)
        assert [(c.what, c.target, c.after) for c in changes] == [
            ("user role", "UNEW", "lead")
        ]
        assert coach.actor("T0HOTEL", "UNEW").role is Role.LEAD
        # The same id in the Teams tenant is somebody else, and kept its own mapping.
        assert coach.actor(tenant, "UNEW").role is Role.ASSOCIATE
        assert coach.actor(tenant, "UADMIN").role is Role.MANAGER
        # The Lobby location survived the edit of the Slack section.
        stored = coach.policies.cached("T0HOTEL").config
        assert stored.people("slack").locations == {"UADMIN": "Lobby"}
        with pytest.raises(InvalidInput, match="last admin"):
            await coach.set_user_role(admin, "UADMIN", Role.MANAGER)
        assert (await coach.ledger.verify()).ok


async def test_a_users_own_limits_replace_their_roles(coach: Coach) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    changes = await coach.set_user_limits(admin, "U_NEW", "20", "40")
    assert [(c.what, c.target) for c in changes] == [("user limits", "U_NEW")]
    starter = coach.actor("hotel", "U_NEW")
    advice = await coach.advise(starter, BILLING)
    assert (advice.authority.per_incident.minor, advice.authority.daily_allowance.minor) == (
        2000,
        4000,
    )
    outcome = await coach.spend(starter, "£25 goodwill credit")
    assert outcome.entry is not None and outcome.entry.status is SpendStatus.PENDING
    with pytest.raises(NotPermitted):
        await coach.set_user_limits(coach.actor("hotel", "U_MGR"), "U_NEW", None, None)
    await coach.set_user_limits(admin, "U_NEW", None, None)  # back to the role's
    assert (await coach.advise(starter, BILLING)).authority.per_incident.minor == 10000


async def test_bad_limits_are_refused_and_change_nothing(coach: Coach) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    for per_incident, daily in (("-5", None), ("400", None), ("lots", None), (None, None)):
        with pytest.raises(InvalidInput):
            await coach.set_role_limits(admin, Role.ASSOCIATE, per_incident, daily)
    with pytest.raises(NotFound):
        await coach.set_playbook_enabled(admin, "no-such-playbook", False)
    assert await coach.ledger.policy_changes("hotel") == []
    assert (await coach.ledger.verify()).ok


async def test_a_roles_and_a_users_limits_are_read_and_refused_alike(coach: Coach) -> None:
    admin = coach.actor("hotel", "U_ADMIN")

    async def for_role(per_incident: str, daily: str) -> object:
        return await coach.set_role_limits(admin, Role.ASSOCIATE, per_incident, daily)

    async def for_user(per_incident: str, daily: str) -> object:
        return await coach.set_user_limits(admin, "U_NEW", per_incident, daily)

    for setter in (for_role, for_user):
        with pytest.raises(InvalidSetting) as caught:
            await setter("-5", "£5,000,000")
        assert caught.value.errors == {
            "per_incident": "cannot be negative",
            "daily": "is too large (at most £1,000,000)",
        }
        with pytest.raises(InvalidSetting) as caught:
            await setter("lots", "$40")
        assert caught.value.errors == {
            "per_incident": "'lots' is not an amount — type one such as 40 or £40.50",
            "daily": "this organisation spends in GBP; you typed USD",
        }
    assert await coach.ledger.policy_changes("hotel") == []
    # Zero is allowed to both: no authority of one's own, every spend goes to a manager.
    await for_role("0", "£0.00")
    await for_user("0", "0 GBP")
    starter = coach.actor("hotel", "U_NEW")
    assert (await coach.advise(starter, BILLING)).authority.per_incident.minor == 0


async def test_two_organisations_see_and_change_only_their_own(
    db_url: str, clock: Clock, monotonic: Monotonic
) -> None:
    # Many organisations: a new one starts from the file's limits, not its users.
    async for coach in _coach(db_url, clock, whole_file=False, monotonic=monotonic):
        a_admin = coach.actor("T_A", "U_A", Role.ADMIN)  # the operator names them
        b_admin = coach.actor("T_B", "U_B", Role.ADMIN)
        assert coach.actor("T_A", "U_ADMIN").role is Role.ASSOCIATE  # the file's users: not here
        await coach.set_role_limits(a_admin, Role.ASSOCIATE, "40", "120")
        await coach.set_role_limits(b_admin, Role.ASSOCIATE, "70", "210")
        await coach.set_user_role(b_admin, "U_B", Role.ADMIN)
        for org, expected in (("T_A", 4000), ("T_B", 7000), ("T_C", 10000)):
            advice = await coach.advise(coach.actor(org, "U_STAFF"), BILLING)
            assert advice.authority.per_incident.minor == expected, org
        # B's admin is nobody in A.
        with pytest.raises(NotPermitted):
            await coach.set_role_limits(coach.actor("T_A", "U_B"), Role.ASSOCIATE, "1000")
        a_changes = await coach.ledger.policy_changes("T_A")
        b_changes = await coach.ledger.policy_changes("T_B")
        assert [c.after for c in a_changes] == [{"per_incident": "40", "daily": "120"}]
        assert [c.target for c in b_changes] == ["associate", "U_B"]
        assert (await coach.ledger.verify()).ok


async def test_a_ledger_from_before_policy_changes_takes_them(db_url: str, clock: Clock) -> None:
    # A schema 3 ledger: ledger_events allowed only spends and decisions.
    database = Database(db_url)
    await database.open()
    try:
        async with database.connection("test", write=True) as conn:
            ddl = await conn.run_sync(lambda c: str(CreateTable(events).compile(dialect=c.dialect)))
            await conn.execute(text(ddl.replace(", 'policy'", "")))
    finally:
        await database.close()
    async for coach in _coach(db_url, clock, whole_file=True, monotonic=Monotonic()):
        await coach.spend(coach.actor("hotel", "U_ASSOC"), "£5 coffee")
        await coach.set_role_limits(coach.actor("hotel", "U_ADMIN"), Role.ASSOCIATE, "40")
        assert (await coach.ledger.verify()).entries_checked == 2


async def test_a_new_tenant_does_not_inherit_the_files_per_platform_people(
    db_url: str, clock: Clock, monotonic: Monotonic
) -> None:
    # Many organisations: the file's teams: admins are one organisation's, not every
    # tenant's; a new tenant starts from the file's limits only.
    both = {k: v for k, v in ORG.items() if k != "users"}
    both["teams"] = {"users": {"9f1c2d3e-0000-4000-8000-0000000000aa": "admin"}}
    tenant = "9f1c2d3e-0000-4000-8000-00000000abcd"
    async for coach in _coach(db_url, clock, whole_file=False, monotonic=monotonic, org=both):
        stranger = coach.actor(tenant, "9f1c2d3e-0000-4000-8000-0000000000aa")
        assert stranger.role is Role.ASSOCIATE
        with pytest.raises(NotPermitted):
            await coach.set_role_limits(stranger, Role.ASSOCIATE, "1000")
        advice = await coach.advise(stranger, BILLING)
        assert advice.authority.per_incident.minor == 10000  # the file's limits still apply
