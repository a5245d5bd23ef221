"""The ``coachbot`` command line as users, scripts and evaluation runs call it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "coachbot.db"
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("COACHBOT_", "DATABASE", "REDIS"))
            },
            "DATABASE_URL": f"sqlite:///{self.db}",
            "COACHBOT_DATA_DIR": str(tmp_path),
        }
        self.cwd = tmp_path  # no stray .env is read

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "adapters.console.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, "PYTHONPATH": str(ROOT)},
            cwd=self.cwd,
            timeout=60,
        )

    def json(self, *args: str) -> dict:  # type: ignore[type-arg]
        out = self.run(*args, "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_advise_json_follows_the_contract(cli: Cli) -> None:
    data = cli.json("advise", "customer says we charged her card twice")
    assert data["playbook"]["id"] == "billing-dispute"
    assert data["playbook"]["title"]
    assert set(data["step"]) >= {"index", "do", "say"}
    assert set(data["authority"]) >= {"per_incident", "remaining_today", "currency"}
    assert isinstance(data["authority"]["per_incident"], int)
    assert set(data["escalate"]) == {"needed", "reasons"}
    assert all(set(a) == {"id", "score"} for a in data["alternatives"])
    assert 0 <= data["confidence"] <= 1


def test_advise_stdin_gives_one_json_line_per_situation(cli: Cli) -> None:
    lines = [
        "a guest fell in the car park and hurt her head",
        "",
        "qwzx",
        "table 5 got the wrong dishes",
    ]
    out = cli.run("advise", "-", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == 3  # blank lines are skipped, bad lines answered in place
    assert results[0]["playbook"]["id"] == "medical-emergency"
    assert results[0]["escalate"]["needed"] is True
    assert "error" in results[1]
    assert results[2]["playbook"]["id"] == "wrong-order"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["advise", ""], "tell me what is happening"),
        (["advise", "x", "--role", "boss"], "unknown role"),
        (["spend", "0 flowers", "--user", "sam"], "zero"),
        (["spend", "£48", "--user", "sam"], "what was it for"),
        (["spend", "lots of flowers", "--user", "sam"], "no amount"),
        (["spend", "£99999999 yacht", "--user", "sam"], "limit for one spend"),
        (["spend", "48 XYZ flowers", "--user", "sam"], "unknown currency"),
        (["spend", "£48 flowers"], "--user"),
        (["serve", "--workers", "0"], "--workers wants a number from 1 to 64"),
        (["serve", "--workers", "lots"], "--workers wants a number from 1 to 64"),
    ],
)
def test_bad_input_is_one_clear_line_and_records_nothing(
    cli: Cli, args: list[str], needle: str
) -> None:
    out = cli.run(*args)
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert needle.lower() in out.stderr.lower()
    if cli.db.exists():
        with sqlite3.connect(cli.db) as db:
            tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
            for table in tables:
                if "entr" in table or "event" in table:
                    assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0


@pytest.mark.parametrize("args", [["spend", "£5 coffee", "--user", "sam"], ["audit", "verify"]])
def test_database_down_prints_where_on_one_line_and_exits_unavailable(
    cli: Cli, args: list[str]
) -> None:
    # Port 1 refuses at once. Chat users get "try again"; the operator wants the host.
    cli.env["DATABASE_URL"] = "postgresql://coach:s3cret@127.0.0.1:1/nope"
    out = cli.run(*args)
    assert out.returncode == 5  # EXIT_UNAVAILABLE
    assert out.stdout == ""
    (line,) = out.stderr.splitlines()
    assert line.startswith(
        "coachbot: the spend ledger database is unavailable "
        "(postgresql://coach:***@127.0.0.1:1/nope): "
    ), line
    assert len(line) > len("coachbot: the spend ledger database is unavailable (…): ") + 30
    assert "s3cret" not in out.stderr
    assert "try again" not in line  # the staff wording is for chat, not for the shell

    as_json = cli.run(*args, "--json")
    assert as_json.returncode == 5
    assert json.loads(as_json.stdout)["error"] == line.removeprefix("coachbot: ")


def test_spend_then_approve_by_a_manager(cli: Cli) -> None:
    small = cli.json("spend", "£48 dry cleaning, lodge 12", "--user", "sam")
    assert (small["status"], small["amount"], small["currency"]) == ("approved", 4800, "GBP")
    assert small["entry_id"]

    # $ in a GBP organisation means US dollars: refused, never silently converted.
    dollars = cli.run("spend", "$1,200 new laptop", "--user", "sam")
    assert dollars.returncode != 0 and "GBP" in dollars.stderr


def test_a_repeated_spend_is_asked_about_and_a_repeated_key_logs_once(cli: Cli) -> None:
    first = cli.json("spend", "£80 dry cleaning, room 214", "--user", "sam")
    asked = cli.json("spend", "£80 dry cleaning room 214", "--user", "sam")
    assert asked["status"] == "needs_confirmation"
    assert asked["earlier"]["entry_id"] == first["entry_id"]
    assert asked["question"].startswith("You logged £80.00 for room 214 at ")
    plain = cli.run("spend", "£80 dry cleaning room 214", "--user", "sam")  # no terminal
    assert plain.returncode == 1 and "--confirm" in plain.stderr
    again = cli.json("spend", "£80 dry cleaning room 214", "--user", "sam", "--confirm")
    assert again["status"] == "approved" and again["entry_id"] != first["entry_id"]

    keyed = cli.json("spend", "£5 tea", "--user", "kim", "--idempotency-key", "till-7-0042")
    repeat = cli.json("spend", "£5 tea", "--user", "kim", "--idempotency-key", "till-7-0042")
    assert repeat["entry_id"] == keyed["entry_id"] and repeat["replayed"]
    assert repeat["remaining_today"] == keyed["remaining_today"]


def test_a_spend_joins_the_incident_it_names(cli: Cli) -> None:
    advice = cli.json("advise", "customer charged twice for the same room", "--user", "sam")
    spent = cli.json("spend", "£20 refund", "--user", "sam", "--incident", advice["incident_id"])
    assert (spent["incident"], spent["playbook"]) == (
        advice["incident_id"],
        advice["playbook"]["id"],
    )
    unknown = cli.run("spend", "£20 refund", "--user", "sam", "--incident", "in_nothere00")
    assert unknown.returncode == 4 and "no incident" in unknown.stderr


def test_approve_rules(cli: Cli) -> None:
    pending = cli.json("spend", "£180 replacement coat", "--user", "sam")
    assert pending["status"] == "pending"
    own = cli.run("approve", pending["entry_id"], "--user", "sam", "--role", "manager")
    assert own.returncode != 0 and "own" in own.stderr
    associate = cli.run("approve", pending["entry_id"], "--user", "kim")
    assert associate.returncode != 0 and "manager" in associate.stderr
    approved = cli.json("approve", pending["entry_id"], "--user", "max", "--role", "manager")
    assert approved["status"] == "approved"
    assert approved["decided_by"] == "max"
    again = cli.run("approve", pending["entry_id"], "--user", "lee", "--role", "manager", "--deny")
    assert again.returncode != 0 and "already" in again.stderr.lower()


def test_audit_verify_catches_an_amount_altered_in_the_database(cli: Cli) -> None:
    first = cli.json("spend", "£48 dry cleaning", "--user", "sam")
    cli.json("spend", "£20 flowers", "--user", "sam")
    ok = cli.run("audit", "verify")
    assert ok.returncode == 0, ok.stderr

    with sqlite3.connect(cli.db) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        table = next(t for t in tables if "entr" in t or "event" in t)
        columns = [r[1] for r in db.execute(f"pragma table_info({table})")]
        amount_col = next(c for c in columns if "amount" in c)
        id_col = next(c for c in columns if c in {"entry_id", "id"})
        db.execute(
            f"update {table} set {amount_col} = 480 where {id_col} = ?", (first["entry_id"],)
        )

    bad = cli.run("audit", "verify")
    assert bad.returncode != 0
    assert first["entry_id"] in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_playbooks_check_names_file_and_field(cli: Cli, tmp_path: Path) -> None:
    good = cli.run("playbooks", "check")
    assert good.returncode == 0 and "36 playbooks" in good.stdout
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: Bad Id\ntitle: x\nowner: me\nreview_by: 2020-01-01\n")
    bad = cli.run("playbooks", "check", str(folder))
    assert bad.returncode != 0
    assert "broken.yaml" in bad.stderr and "id" in bad.stderr and "steps" in bad.stderr


def test_playbooks_check_warns_of_reviews_due_before_the_given_date(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "pool.yaml").write_text(
        "id: pool-closed\ntitle: Pool closed\nowner: Spa Manager\nreview_by: 2027-03-01\n"
        "triggers: {keywords: [pool closed], examples: [the pool is shut]}\n"
        "steps: [{do: Offer the partner gym.}]\n"
    )
    before = cli.run("playbooks", "check", str(folder), "--as-of", "2027-02-28", "--json")
    assert before.returncode == 0 and json.loads(before.stdout)["warnings"] == []
    after = cli.run("playbooks", "check", str(folder), "--as-of", "2027-03-02", "--json")
    assert after.returncode == 0
    assert json.loads(after.stdout)["warnings"] == [
        "pool-closed: review was due 2027-03-01 (owner: Spa Manager)"
    ]
    bad = cli.run("playbooks", "check", str(folder), "--as-of", "soon")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_chat_reads_piped_lines_like_the_slack_bot(cli: Cli) -> None:
    script = "\n".join(
        [
            "washing machine broke with her clothes inside, rm 214",
            "next",
            "spend £48 dry cleaning",
            "other",
            "quit",
            "this line is never read",
        ]
    )
    out = cli.run("chat", "--user", "sam", stdin=script + "\n")
    assert out.returncode == 0, out.stderr
    assert "Step 1 of" in out.stdout and "Step 2 of" in out.stdout
    assert "Logged £48.00 for room 214" in out.stdout
    assert "Other playbooks" in out.stdout
    assert "never read" not in out.stdout


def test_chat_ends_at_end_of_input(cli: Cli) -> None:
    out = cli.run("chat", "--user", "sam", stdin="customer shouting at the till\n")
    assert out.returncode == 0
    assert "Step 1 of" in out.stdout


def test_chat_escalate_records_an_escalation_for_a_manager(cli: Cli) -> None:
    out = cli.run("chat", "--user", "sam", stdin="guest collapsed in the bar\nescalate\n")
    assert out.returncode == 0, out.stderr
    assert "Escalation es_" in out.stdout
    assert "manager" in out.stdout
    none_open = cli.run("chat", "--user", "kim", stdin="escalate\n")
    assert "tell me what is happening" in none_open.stdout.lower()


# -- tried as a new user would -------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://coach@db.example/coach", "not a url"])
@pytest.mark.parametrize("args", [["limits", "--user", "sam"], ["serve", "--port", "3999"]])
def test_an_unsupported_database_url_is_one_line_not_a_traceback(
    cli: Cli, url: str, args: list[str]
) -> None:
    cli.env["DATABASE_URL"] = url
    out = cli.run(*args)
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.strip().splitlines()[-1:]
    assert "Traceback" not in out.stderr
    assert line.startswith("coachbot: ") and "sqlite:///" in line and "postgresql://" in line
    # serve logs its start as JSON on stdout; the refusal is the only line on stderr.
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "0", "65536", "http"])
def test_serve_refuses_a_port_outside_1_to_65535(cli: Cli, port: str) -> None:
    out = cli.run("serve", "--port", port)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"coachbot: argument --port: --port wants a number from 1 to 65535, not {port!r} "
        "(see coachbot --help)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["outcome", "", "won", "--user", "U_SAM"],
        ["outcome", "  ", "lost", "--user", "U_SAM"],
        ["pulse", "", "--user", "U_SAM"],
        ["approve", "", "--user", "U_MGR"],
        ["approve", " ", "--deny", "--user", "U_MGR"],
    ],
)
def test_an_empty_id_is_a_usage_error_and_touches_nothing(cli: Cli, args: list[str]) -> None:
    advice = cli.json("advise", "table 5 got the wrong dishes", "--user", "U_SAM")
    out = cli.run(*args)
    assert out.returncode == 2, out.stderr
    assert "the id is empty" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    # The employee's incident is still open: an empty id did not mean "the latest one".
    with sqlite3.connect(cli.db) as db:
        (outcome, pulse) = db.execute(
            "select outcome, pulse_code from incidents where incident_id = ?",
            (advice["incident_id"],),
        ).fetchone()
    assert (outcome, pulse) == (None, None)


@pytest.mark.parametrize("name", ["week.jpg", "week.jpeg", "week", "week.png.txt"])
def test_report_charts_are_png_files_named_so(cli: Cli, tmp_path: Path, name: str) -> None:
    out = cli.run("report", "--chart", str(tmp_path / name))
    assert out.returncode == 2
    assert "name the file FILE.png" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("week*"))  # nothing written under any name


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_report_names_every_chart_file_it_writes(cli: Cli, tmp_path: Path, fmt: str) -> None:
    advice = cli.json("advise", "table 5 got the wrong dishes", "--user", "U_SAM")
    cli.json("outcome", advice["incident_id"], "won", "--user", "U_SAM")
    chart = tmp_path / "Week.PNG"  # the suffix in any case
    out = cli.run("report", "--period", "today", "--chart", str(chart), "--format", fmt)
    assert out.returncode == 0, out.stderr
    written = sorted(p.name for p in tmp_path.glob("Week*"))
    assert written == ["Week-recovery.PNG", "Week.PNG"]
    said = out.stderr if fmt == "csv" else out.stdout
    for name in written:
        assert name in said, (name, said)
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_ctrl_c_in_chat_exits_at_once(cli: Cli) -> None:
    # At a terminal (a pseudo-terminal here), waiting for the person to type.
    import pty
    import select
    import signal
    import time

    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.console.cli", "chat", "--user", "U_SAM"],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**cli.env, "PYTHONPATH": str(ROOT)},
        cwd=cli.cwd,
        # As a terminal starts it: a test run in the background (`pytest &`) has Ctrl-C
        # ignored, and an ignored signal stays ignored in the child, so Python would
        # never see it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(child)
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while b"you> " not in seen and time.monotonic() < deadline:
            if select.select([parent], [], [], 0.5)[0]:
                seen += os.read(parent, 4096)
        assert b"you> " in seen, seen
        proc.send_signal(signal.SIGINT)
        # Before: waited for Enter, for ever. What it says on the way out is read as it
        # comes, so a full terminal buffer cannot hold the exit up.
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([parent], [], [], 0.2)[0]:
                try:
                    seen += os.read(parent, 4096)
                except OSError:  # the child closed its end
                    break
        assert proc.wait(timeout=5) == 130, seen[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(parent)


# -- the managers' queue ---------------------------------------------------------------

LOW_LIMITS_ORG = """\
name: Test Hotel
currency: GBP
timezone: Europe/London
roles:
  associate: { per_incident: 40, daily: 120 }
  lead:      { per_incident: 250, daily: 750 }
  manager:   { per_incident: 1000, daily: 3000 }
  admin:     { per_incident: 5000, daily: 20000 }
max_single_spend: 10000
users:
  max: manager
"""


@pytest.fixture
def low_limits(cli: Cli, tmp_path: Path) -> Cli:
    org = tmp_path / "org.yaml"
    org.write_text(LOW_LIMITS_ORG)
    cli.env["COACHBOT_ORG_FILE"] = str(org)
    return cli


def test_pending_lists_the_managers_queue_oldest_first(low_limits: Cli) -> None:
    cli = low_limits
    assert cli.json("spend", "£20 flowers", "--user", "sam")["status"] == "approved"
    suit = cli.json("spend", "£50 dry cleaning, room 214", "--user", "sam")
    coat = cli.json("spend", "£45.50 replacement scarf", "--user", "kim")
    assert (suit["status"], coat["status"]) == ("pending", "pending")

    data = cli.json("pending", "--user", "max")
    assert data == [
        {
            "entry_id": suit["entry_id"],
            "user_id": "sam",
            "amount": 5000,
            "currency": "GBP",
            "reason": "dry cleaning",
            "customer": "room 214",
            "requested_at": suit["created_at"],
        },
        {
            "entry_id": coat["entry_id"],
            "user_id": "kim",
            "amount": 4550,
            "currency": "GBP",
            "reason": "replacement scarf",
            "customer": None,
            "requested_at": coat["created_at"],
        },
    ]
    table = cli.run("pending", "--user", "max")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ENTRY", "EMPLOYEE", "AMOUNT", "REQUESTED", "CUSTOMER", "REASON"]
    assert lines[1].startswith(suit["entry_id"]) and "£50.00" in lines[1]
    assert "room 214" in lines[1] and "dry cleaning" in lines[1]
    assert lines[2].startswith(coat["entry_id"]) and "£45.50" in lines[2]
    assert "2 spends waiting" in lines[3]

    cli.json("approve", suit["entry_id"], "--user", "max", "--deny")
    assert [p["entry_id"] for p in cli.json("pending", "--user", "max")] == [coat["entry_id"]]


@pytest.mark.parametrize("who", [["--user", "sam"], ["--user", "lee", "--role", "lead"]])
def test_pending_is_refused_below_manager_with_exit_3(low_limits: Cli, who: list[str]) -> None:
    low_limits.json("spend", "£50 dry cleaning", "--user", "sam")
    out = low_limits.run("pending", *who)
    assert out.returncode == 3
    assert out.stdout == "" and "managers and admins only" in out.stderr
    as_json = low_limits.run("pending", *who, "--json")
    assert as_json.returncode == 3 and "error" in json.loads(as_json.stdout)


def test_an_empty_queue_says_so(low_limits: Cli) -> None:
    assert low_limits.json("pending", "--user", "max") == []
    out = low_limits.run("pending", "--user", "max")
    assert out.returncode == 0 and "No spends are waiting" in out.stdout


def test_chat_pending_lists_the_queue_instead_of_coaching_it(low_limits: Cli) -> None:
    spent = low_limits.json("spend", "£50 dry cleaning, room 214", "--user", "sam")
    out = low_limits.run("chat", "--user", "max", stdin="pending\n")
    assert out.returncode == 0, out.stderr
    assert spent["entry_id"] in out.stdout and "£50.00" in out.stdout
    assert "approve ID or deny ID" in out.stdout
    assert "Step 1 of" not in out.stdout  # not matched as a situation (billing dispute)
    staff = low_limits.run("chat", "--user", "sam", stdin="pending\n")
    assert "managers and admins only" in staff.stdout and "Step 1 of" not in staff.stdout
