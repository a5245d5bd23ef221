"""An organisation's own playbooks and say lines: added by its admins, audited, matched
for that organisation only, seen by every process at once, reviewed on time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.slack.home import home_view
from bot.coach import Coach
from bot.database import Database
from bot.errors import InvalidInput, NotFound, NotPermitted, PlaybookError
from bot.playbooks import load_playbook_file
from bot.reports import ReportQuery, build_report
from tests.clock import Clock
from tests.test_cli import Cli
from tests.test_policy import BILLING, ORG_FILE, Monotonic, _coach

POOL_PLAYBOOK = """\
# Why this order: the guest planned their day around it, so acknowledge that first,
# then check what is really open before offering anything.
id: pool-closed
title: "Pool or sauna closed when the guest expected it open"
owner: "Leisure Manager"
review_by: 2026-01-31
triggers:
  keywords: ["pool closed", "pool", "swimming", "sauna"]
  examples:
    - "guest came down for a swim and the pool is shut for maintenance"
    - "pool closed again, family booked because of the pool"
steps:
  - do: "Acknowledge the disappointment and apologise for the experience."
    say: "I'm so sorry, I know you were looking forward to a swim."
  - do: "Check when it reopens and what we can arrange meanwhile."
    say: "Let me find out exactly when it opens again."
gestures:
  - name: "Day pass to a partner pool"
    typical_cost: 15
"""
POOL_LINE = "guest came down for a swim and the pool is shut for maintenance"
POOL_SAY = "I'm so sorry, I know you were looking forward to a swim."
OUR_WORDS = "I'm really sorry about this charge, let's look at it together right now."


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- in process


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
async def coach(db_url: str, clock: Clock, monotonic: Monotonic) -> AsyncIterator[Coach]:
    async for c in _coach(db_url, clock, whole_file=True, monotonic=monotonic):
        yield c


@pytest.fixture
def pool(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_playbook_file(_write(tmp_path, "pool-closed.yaml", POOL_PLAYBOOK))


async def test_an_orgs_playbook_answers_its_staff_and_nobody_elses(
    coach: Coach, pool, db_url: str, clock: Clock, monotonic: Monotonic
) -> None:
    async for other_process in _coach(db_url, clock, whole_file=True, monotonic=monotonic):
        staff = other_process.actor("hotel", "U_ASSOC")
        assert (await other_process.advise(staff, POOL_LINE)).playbook.id != "pool-closed"

        changes = await coach.import_playbooks(coach.actor("hotel", "U_ADMIN"), [pool])
        assert [(c.what, c.target, c.before) for c in changes] == [
            ("own playbook", "pool-closed", None)
        ]
        assert changes[0].after["title"] == pool.title

        # The process that made the change answers with it at once; another within a
        # second (no restart), through its own triggers: the classifier never saw it.
        advice = await coach.advise(coach.actor("hotel", "U_ASSOC"), POOL_LINE)
        assert (advice.playbook.id, advice.step.say) == ("pool-closed", POOL_SAY)
        assert [g.name for g in advice.gestures] == ["Day pass to a partner pool"]
        monotonic.now += 1.0
        advice = await other_process.advise(staff, POOL_LINE)
        assert advice.playbook.id == "pool-closed"
        assert (await other_process.next_step(staff)).step.do.startswith("Check when")

        # Another organisation on the same database never sees it.
        elsewhere = await coach.advise(coach.actor("spa", "U_ASSOC"), POOL_LINE)
        assert elsewhere.playbook.id != "pool-closed"
        assert "pool-closed" not in [a.id for a in elsewhere.alternatives]
        with pytest.raises(NotFound):
            await coach.start_playbook(coach.actor("spa", "U_ASSOC"), "pool-closed")
        # Safety still comes first, whatever the organisation added.
        emergency = await coach.advise(
            coach.actor("hotel", "U_ASSOC"), "guest collapsed by the pool and is not breathing"
        )
        assert emergency.playbook.id == "medical-emergency"


async def test_say_lines_are_the_orgs_own_and_never_a_safety_playbooks(
    coach: Coach,
) -> None:
    admin, staff = coach.actor("hotel", "U_ADMIN"), coach.actor("hotel", "U_ASSOC")
    shipped_say = (await coach.advise(staff, BILLING)).step.say
    changes = await coach.set_say_line(admin, "billing-dispute", 1, OUR_WORDS)
    assert [(c.what, c.target, c.before, c.after) for c in changes] == [
        ("say line", "billing-dispute step 1", None, OUR_WORDS)
    ]
    advice = await coach.advise(staff, BILLING)
    assert (advice.playbook.id, advice.step.say) == ("billing-dispute", OUR_WORDS)
    assert advice.step.do == coach.library.get("billing-dispute").steps[0].do
    elsewhere = await coach.advise(coach.actor("spa", "U_ASSOC"), BILLING)
    assert elsewhere.step.say == shipped_say

    refusals = [
        (InvalidInput, "medical-emergency", 1, "Stay calm, it's fine."),
        (InvalidInput, "billing-dispute", 99, OUR_WORDS),
        (InvalidInput, "billing-dispute", 2, "   "),
        (NotFound, "no-such-playbook", 1, OUR_WORDS),
    ]
    for error, pid, step, line in refusals:
        with pytest.raises(error):
            await coach.set_say_line(admin, pid, step, line)
    with pytest.raises(NotPermitted):
        await coach.set_say_line(coach.actor("hotel", "U_MGR"), "billing-dispute", 2, OUR_WORDS)
    assert len(await coach.ledger.policy_changes("hotel")) == 1

    await coach.set_say_line(admin, "billing-dispute", 1, None)  # the library's line again
    assert (await coach.advise(staff, BILLING)).step.say == shipped_say


async def test_own_playbooks_follow_the_librarys_rules(coach: Coach, pool, tmp_path: Path) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    clash = POOL_PLAYBOOK.replace("id: pool-closed", "id: billing-dispute")
    with pytest.raises(InvalidInput, match="id: 'billing-dispute' is already a library"):
        await coach.import_playbooks(admin, [load_playbook_file(_write(tmp_path, "c.yaml", clash))])
    no_steps = POOL_PLAYBOOK.split("steps:")[0]
    with pytest.raises(PlaybookError, match=r"bad\.yaml: steps: Field required"):
        load_playbook_file(_write(tmp_path, "bad.yaml", no_steps))
    assert await coach.ledger.policy_changes("hotel") == []

    await coach.import_playbooks(admin, [pool])
    assert await coach.import_playbooks(admin, [pool]) == []  # the same again: no change
    # `say` on the organisation's own playbook edits it; removing it takes it away.
    edit = await coach.set_say_line(admin, "pool-closed", 2, "I'll check the times for you now.")
    assert [(c.what, c.target) for c in edit] == [("own playbook", "pool-closed")]
    assert edit[0].after["steps"][1]["say"] == "I'll check the times for you now."
    with pytest.raises(InvalidInput, match="switch it off"):
        await coach.remove_playbook(admin, "billing-dispute")
    removed = await coach.remove_playbook(admin, "pool-closed")
    assert (removed[0].before["id"], removed[0].after) == ("pool-closed", None)
    assert (await coach.advise(coach.actor("hotel", "U_ASSOC"), POOL_LINE)).playbook.id != (
        "pool-closed"
    )


async def test_the_chain_covers_playbook_changes_and_catches_an_edit(
    coach: Coach, pool, db_url: str
) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    await coach.spend(coach.actor("hotel", "U_ASSOC"), "£5 coffee")
    await coach.import_playbooks(admin, [pool])
    await coach.set_say_line(admin, "billing-dispute", 1, OUR_WORDS)
    recorded = await coach.ledger.policy_changes("hotel")
    assert [(c.what, c.changed_by) for c in recorded] == [
        ("own playbook", "U_ADMIN"),
        ("say line", "U_ADMIN"),
    ]
    assert (await coach.ledger.verify()).entries_checked == 3

    database = Database(db_url)
    await database.open()
    try:
        async with database.connection("test", write=True) as conn:
            # Someone with database access rewrites what staff were told to say.
            await conn.execute(
                text(
                    "UPDATE ledger_events SET reason = replace(reason, 'really sorry', 'not "
                    "sorry') WHERE kind = 'policy'"
                )
            )
    finally:
        await database.close()
    verdict = await coach.ledger.verify()
    assert not verdict.ok and "policy change" in (verdict.problem or "")


async def test_admins_see_overdue_reviews_of_their_own_playbooks(
    coach: Coach, pool, clock: Clock
) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    assert (await coach.home(admin)).overdue_reviews == ()  # the library is reviewed to 2027
    await coach.import_playbooks(admin, [pool])

    home = await coach.home(admin)
    [due] = home.overdue_reviews
    assert (due.playbook_id, due.review_by, due.own, due.overdue) == (
        "pool-closed",
        date(2026, 1, 31),
        True,
        True,
    )
    assert "pool-closed" in [p.playbook_id for p in home.playbooks if p.own]
    assert (await coach.home(coach.actor("hotel", "U_MGR"))).overdue_reviews == ()
    assert (await coach.home(coach.actor("spa", "U_ADMIN"))).overdue_reviews == ()
    shown = json.dumps(home_view(home), ensure_ascii=False)
    assert "Overdue for review" in shown and "your playbook, Leisure Manager, due 31 Jan 2026" in (
        shown
    )
    clock.now = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)  # before it was due: nothing
    assert (await coach.home(admin)).overdue_reviews == ()


async def test_reports_name_the_orgs_playbook_and_admins_can_switch_it_off(
    coach: Coach, pool
) -> None:
    admin, staff = coach.actor("hotel", "U_ADMIN"), coach.actor("hotel", "U_ASSOC")
    await coach.import_playbooks(admin, [pool])
    await coach.advise(staff, POOL_LINE)
    await coach.spend(staff, "£15 day pass for the partner pool")
    report = await build_report(coach, admin, ReportQuery.parse("today", "playbook"))
    assert [(r.key, r.label) for r in report.playbooks] == [("pool-closed", pool.title)]

    await coach.set_playbook_enabled(admin, "pool-closed", False)
    assert (await coach.advise(staff, POOL_LINE)).playbook.id != "pool-closed"


async def test_an_org_file_import_keeps_the_orgs_playbooks(coach: Coach, pool) -> None:
    admin = coach.actor("hotel", "U_ADMIN")
    await coach.import_playbooks(admin, [pool])
    await coach.set_say_line(admin, "billing-dispute", 1, OUR_WORDS)
    file_config = coach.policies.file_config
    changes = await coach.import_policy(admin, file_config)
    assert changes == []  # the file says nothing of playbooks: they stay
    assert (await coach.advise(coach.actor("hotel", "U_ASSOC"), POOL_LINE)).playbook.id == (
        "pool-closed"
    )


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def org_cli(tmp_path: Path, db_url: str) -> Cli:
    cli = Cli(tmp_path)
    cli.env["DATABASE_URL"] = db_url
    cli.env["COACHBOT_ORG_FILE"] = str(_write(tmp_path, "org.yaml", ORG_FILE))
    return cli


def test_playbooks_import_say_and_check_from_the_shell(org_cli: Cli, tmp_path: Path) -> None:
    cli = org_cli
    mine = tmp_path / "mine"
    mine.mkdir()
    pool = _write(mine, "pool-closed.yaml", POOL_PLAYBOOK)
    _write(tmp_path, "broken.yaml", POOL_PLAYBOOK.replace('  - do: "Check when', '  - say: "Check'))

    def answer(org: str, line: str = POOL_LINE) -> dict:  # type: ignore[type-arg]
        return cli.json("--org", org, "advise", line, "--user", "U_ASSOC")

    # Refused, and nothing recorded: a manager; an invalid file (named, with the field).
    refused = cli.run("playbooks", "import", str(pool), "--org", "hotel", "--user", "U_MGR")
    assert refused.returncode == 3, refused.stderr
    bad = cli.run("playbooks", "import", str(tmp_path / "broken.yaml"), "--org", "hotel")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "coachbot: broken.yaml: steps[1].do: Field required"
    assert answer("hotel")["playbook"]["id"] != "pool-closed"
    assert cli.json("--org", "hotel", "report", "--format", "json")["policy_changes"] == []

    # An admin imports a folder: the next advise for that organisation (another process)
    # answers with it; another organisation's does not.
    done = cli.json("playbooks", "import", str(mine), "--org", "hotel", "--user", "U_ADMIN")
    assert [(c["what"], c["target"]) for c in done["changes"]] == [("own playbook", "pool-closed")]
    assert answer("hotel")["playbook"]["id"] == "pool-closed"
    assert answer("spa")["playbook"]["id"] != "pool-closed"

    # Say lines, in the organisation's own words, for it only.
    said = cli.run("playbooks", "say", "billing-dispute", "1", OUR_WORDS, "--org", "hotel")
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith("✔ say line billing-dispute step 1: (the library's line) → “")
    assert answer("hotel", BILLING)["step"]["say"] == OUR_WORDS
    assert answer("spa", BILLING)["step"]["say"] != OUR_WORDS
    safety = cli.run("playbooks", "say", "medical-emergency", "1", "Relax.", "--org", "hotel")
    assert safety.returncode == 2 and "safety playbook" in safety.stderr
    assert cli.run("playbooks", "say", "billing-dispute", "one", "x").returncode == 2

    # Reviews: the organisation's own playbook is overdue at the date asked about.
    check = cli.json("playbooks", "check", "--org", "hotel", "--as-of", "2026-11-23")
    assert (check["own_playbooks"], check["warnings"]) == (
        1,
        ["hotel/pool-closed: review was due 2026-01-31 (owner: Leisure Manager)"],
    )
    assert cli.json("playbooks", "check", "--as-of", "2026-11-23")["warnings"] == []

    report = cli.json("--org", "hotel", "report", "--format", "json")
    assert [(c["what"], c["changed_by"]) for c in report["policy_changes"]] == [
        ("own playbook", "U_ADMIN"),
        ("say line", f"local:{report_user()}"),
    ]
    text_report = cli.run("--org", "hotel", "report").stdout
    assert "own playbook pool-closed: added “Pool or sauna closed" in text_report
    assert cli.run("audit", "verify").returncode == 0


def report_user() -> str:
    import getpass

    return getpass.getuser()
