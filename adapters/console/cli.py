"""The ``coachbot`` command line (SPEC: Command line). Reads the environment once, here.

Every command takes ``--json``; bad input exits non-zero with one line on stderr and
records nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from adapters.console import render
from bot.authority import load_org_config
from bot.coach import Coach
from bot.errors import (
    AlreadyDecided,
    CoachError,
    InvalidInput,
    NotFound,
    NotPermitted,
    PlaybookError,
    StorageUnavailable,
)
from bot.ledger import PolicyChange
from bot.ledger.checkpoint import (
    Checkpoint,
    LedgerCheckpoints,
    dump_checkpoints,
    load_checkpoints,
)
from bot.models import Actor, Role
from bot.org_playbooks import check_own_playbook
from bot.orgs import canonical
from bot.playbooks import Playbook, load_library, load_playbook_file
from bot.policy import policy_change_dict, policy_change_line
from bot.pulse import pulse_link, pulse_message
from bot.reports import (
    DEFAULT_PERIOD,
    ReportQuery,
    build_report,
    playbook_stats,
    playbook_stats_dict,
)
from bot.runtime import open_coach
from bot.settings import Settings

DEFAULT_ORG = "local"
EXIT_FAILED = 1  # e.g. the audit found tampering
EXIT_BAD_INPUT = 2
EXIT_NOT_PERMITTED = 3
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5

_EXIT_FOR: list[tuple[type[CoachError], int]] = [
    (NotPermitted, EXIT_NOT_PERMITTED),
    (NotFound, EXIT_NOT_FOUND),
    (AlreadyDecided, EXIT_NOT_FOUND),
    (StorageUnavailable, EXIT_UNAVAILABLE),
    (CoachError, EXIT_BAD_INPUT),
]


def _for_operator(exc: CoachError) -> str:
    """What the CLI says about ``exc``: an outage's detail (store, host, reason), one line.

    Chat shows people ``str(exc)``; the operator at the shell wants to know where to look.
    """
    if isinstance(exc, StorageUnavailable):
        return " ".join(exc.detail.split())
    return str(exc)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line, as the CLI contract promises."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"coachbot: {message} (see coachbot --help)\n")


def _whole_number(option: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], else a one-line usage error."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(
                f"{option} wants a number from {low} to {high}, not {text!r}"
            )
        return number

    return parse


_workers = _whole_number("--workers", 1, 64)
# Out of range, the OS would pick another port (or wrap it) while the log says this one.
_port = _whole_number("--port", 1, 65535)


def _record_id(text: str) -> str:
    # An empty id would mean "the latest one" further in: refused here, as a usage error.
    if not text.strip():
        raise argparse.ArgumentTypeError("the id is empty")
    return text.strip()


def _png(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise argparse.ArgumentTypeError(
            f"the chart is a PNG image: name the file FILE.png, not {text!r}"
        )
    return path


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


ORG_HELP = (
    "organisation id: a Slack workspace id (T0123) or a Teams tenant id (its GUID); "
    "default: local"
)


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="coachbot", description="Service Coach: coaching for front-line staff."
    )
    # None until ``main`` sets the default: `playbooks check` reads an organisation's own
    # playbooks only when one is named.
    parser.add_argument("--org", default=None, help=f"organisation id (default: {DEFAULT_ORG})")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def who(p: argparse.ArgumentParser, user_required: bool) -> None:
        p.add_argument("--user", required=user_required, default=None if user_required else "cli")
        p.add_argument("--role", type=_role, help="role when the user is not in the org file")
        p.add_argument("--json", action="store_true", help="machine-readable output")

    def as_operator(p: argparse.ArgumentParser, json_help: str = "machine-readable output") -> None:
        """--user optional: without it the command runs as the operator at the server's
        shell (a local admin), as `report` does."""
        p.add_argument("--user", default=None, help="run as this user (default: local admin)")
        p.add_argument("--role", type=_role, help="role when the user is not in the org file")
        p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("advise", help="coach a situation (TEXT, or - for one a line on stdin)")
    p.add_argument("text")
    who(p, user_required=False)

    p = sub.add_parser("spend", help='log a spend: "AMOUNT REASON"')
    p.add_argument("text")
    p.add_argument("--playbook")
    p.add_argument("--customer", help="customer reference, e.g. 'room 214'")
    p.add_argument("--incident", help="the incident the spend belongs to (its id)")
    p.add_argument(
        "--idempotency-key",
        help="a key for this request: repeating it records nothing and prints the first receipt",
    )
    p.add_argument(
        "--confirm",
        action="store_true",
        help="log it even if you logged the same spend in the last 10 minutes",
    )
    who(p, user_required=True)

    p = sub.add_parser("approve", help="approve (or --deny) a pending spend")
    p.add_argument("entry_id", type=_record_id)
    p.add_argument("--deny", action="store_true")
    who(p, user_required=True)

    p = sub.add_parser(
        "limits",
        help="the organisation's spending authority (managers); `limits set ROLE` (admins)",
    )
    p.add_argument("action", nargs="?", choices=["show", "set"], default="show")
    p.add_argument("target_role", nargs="?", type=_role, metavar="ROLE")
    p.add_argument("--per-incident", metavar="AMOUNT", help="set: the new per-incident limit")
    p.add_argument("--daily", metavar="AMOUNT", help="set: the new daily allowance")
    p.add_argument("--org", default=argparse.SUPPRESS, help=ORG_HELP)
    who(p, user_required=True)

    p = sub.add_parser(
        "role",
        help="give a user a role: `role set USER_ID ROLE` (admins)",
        description=(
            "set: give USER_ID a role in the organisation, at once in every process; the "
            "last admin cannot be removed. Without --user it runs as the operator at the "
            "server's shell (an admin), which is how a Teams tenant gets its first admins: "
            "`coachbot role set AAD_OBJECT_ID admin --org TENANT_ID`."
        ),
    )
    p.add_argument("action", choices=["set"])
    p.add_argument("user_id", type=_record_id)
    p.add_argument("new_role", type=_role, metavar="ROLE")
    p.add_argument("--org", default=argparse.SUPPRESS, help=ORG_HELP)
    as_operator(p)

    p = sub.add_parser(
        "org",
        help="apply an organisation file to an organisation's stored policy (import)",
        description=(
            "import: apply FILE to the organisation's policy on purpose. Once an "
            "organisation's policy has been changed (limits set, role set, playbooks "
            "disable) the database holds it and the file no longer applies; this applies "
            "the file again, each difference recorded in the audit trail. Without --user "
            "it runs as the local operator (an admin), like `report`."
        ),
    )
    p.add_argument("action", choices=["import"])
    p.add_argument("file", type=Path)
    p.add_argument("--org", default=argparse.SUPPRESS, help="organisation id")
    as_operator(p)

    p = sub.add_parser(
        "pending", help="the spends waiting for a manager's decision, oldest first (managers)"
    )
    who(p, user_required=True)

    p = sub.add_parser(
        "report",
        help="spend and escalation figures (managers and admins)",
        description=(
            "Totals and breakdowns of discretionary spend, requests over authority, and "
            "escalation response times, for a period in the organisation's time zone. "
            "Without --user the report runs as a local admin: whoever has a shell on the "
            "server can read its database anyway. With --user the role comes from the "
            "organisation file (--role only for users it does not list), and anyone below "
            "manager is refused."
        ),
    )
    p.add_argument(
        "--period",
        default=DEFAULT_PERIOD,
        help="today, yesterday, week, month, last-week, last-month, or FROM..TO as ISO dates, "
        f"both included (default: {DEFAULT_PERIOD}, i.e. Monday to today)",
    )
    p.add_argument("--by", default="none", help="employee, playbook or none (default: none)")
    p.add_argument("--format", choices=["text", "json", "csv"], default=None, help="default: text")
    p.add_argument(
        "--chart",
        type=_png,
        metavar="FILE.png",
        help="also draw a PNG chart (and FILE-recovery.png when incidents have outcomes)",
    )
    as_operator(p, json_help="same as --format json")

    p = sub.add_parser(
        "audit",
        help="check the ledger's hash chain (verify), or save its heads (checkpoint)",
        description=(
            "verify: recompute the hash chain; with --checkpoint FILE, also check that the "
            "ledger still extends a checkpoint taken earlier (nothing rolled back or wiped). "
            "checkpoint: write every organisation's head as JSON (signed with "
            "COACHBOT_LEDGER_KEY when set), to keep somewhere the database cannot reach."
        ),
    )
    p.add_argument("action", choices=["verify", "checkpoint"])
    p.add_argument("--checkpoint", type=Path, metavar="FILE", help="verify: a checkpoint file")
    p.add_argument("--out", type=Path, metavar="FILE", help="checkpoint: write here (not stdout)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "playbooks",
        help="validate playbooks (check), see how they fare (stats), manage an organisation's",
        description=(
            "check: validate a playbook folder (with --org, also that organisation's own "
            "playbooks and their review dates). stats: each playbook's use, win-back rate, "
            "average spend and the phrases staff re-routed with 'Not this one' (managers; "
            "without --user, runs as a local admin like `report`). disable/enable ID "
            "--user ADMIN: stop (or resume) answering with a playbook in this organisation; "
            "never a safety playbook or general-recovery. Admins, for one organisation "
            "(without --user, as the local operator): import FILE|DIR adds its own "
            "playbooks (same format as the library's; an id it already has is replaced); "
            "say ID STEP 'LINE' sets what staff say at a step (--reset: the library's line "
            "again; never a safety playbook); remove ID removes one of its own."
        ),
    )
    p.add_argument(
        "action", choices=["check", "stats", "disable", "enable", "import", "say", "remove"]
    )
    p.add_argument(
        "dir",
        nargs="?",
        metavar="DIR|ID|FILE",
        help="check: a folder; import: a playbook file or folder; others: a playbook id",
    )
    p.add_argument("rest", nargs="*", metavar="STEP LINE", help="say: the step number and line")
    p.add_argument("--reset", action="store_true", help="say: back to the library's line")
    p.add_argument("--org", default=argparse.SUPPRESS, help="organisation id")
    p.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="check: warn about reviews due before this date (default: today)",
    )
    as_operator(p)

    p = sub.add_parser("outcome", help="record how an incident ended: won, calmed, lost, unsure")
    p.add_argument("incident_id", type=_record_id)
    p.add_argument("outcome", type=str.lower, choices=["won", "calmed", "lost", "unsure"])
    p.add_argument("--note", help="optional: what happened in the end")
    p.add_argument(
        "--review",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the customer posted a review (--no-review: they did not)",
    )
    who(p, user_required=True)

    p = sub.add_parser("pulse", help="a code for the customer: 'did we put it right?'")
    p.add_argument("incident_id", type=_record_id)
    who(p, user_required=True)

    p = sub.add_parser("chat", help="interactive console that behaves like the Slack bot")
    p.add_argument("--user", default=None)
    p.add_argument("--role", type=_role)
    p.add_argument("--json", action="store_true", help="print each reply as JSON")

    p = sub.add_parser("serve", help="the HTTP service: Slack, Teams, health and metrics")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=_port, default=3000)
    p.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="server processes sharing the port (SO_REUSEPORT), restarted if they die; "
        "one per CPU core uses the whole machine",
    )
    p.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="(accepted for uniformity)")
    return parser


def _emit(as_json: bool, data: dict[str, Any], text: str, out: TextIO = sys.stdout) -> None:
    print(json.dumps(data, ensure_ascii=False) if as_json else text, file=out)


async def _with_coach(settings: Settings, work: Callable[[Coach], Awaitable[int]]) -> int:
    async with open_coach(settings) as coach:
        return await work(coach)


async def _advise(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    if args.text != "-":
        advice = await coach.advise(actor, args.text)
        _emit(args.json, render.advice_json(advice), render.advice_text(advice))
        return 0
    # Batch mode: one situation a line in, one JSON object a line out (evaluation runs).
    # A bad line gets an {"error": ...} object in its place so lines stay aligned.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            advice = await coach.advise(actor, line)
            data = render.advice_json(advice)
        except CoachError as exc:
            data = {"error": _for_operator(exc), "text": line.strip()}
        print(json.dumps(data, ensure_ascii=False), flush=True)
    return 0


async def _spend(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    outcome = await coach.spend(
        actor,
        args.text,
        playbook_id=args.playbook,
        customer_ref=args.customer,
        incident_id=args.incident,
        request_key=args.idempotency_key,
        confirm=args.confirm,
    )
    if outcome.needs_confirmation and not args.json:
        # Nothing was recorded: ask at a terminal, else say how to log it anyway.
        question = render.duplicate_question(outcome)
        if not sys.stdin.isatty():
            print(f"{question} Nothing logged; add --confirm to log it.", file=sys.stderr)
            return EXIT_FAILED
        answer = await asyncio.to_thread(input, f"{question} [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("Not logged.")
            return 0
        outcome = await coach.spend(
            actor,
            args.text,
            playbook_id=args.playbook,
            customer_ref=args.customer,
            incident_id=args.incident,
            request_key=args.idempotency_key,
            confirm=True,
        )
    _emit(args.json, render.spend_json(outcome), render.spend_text(outcome))
    return 0


async def _approve(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    entry = await coach.decide(actor, args.entry_id, approve=not args.deny)
    _emit(args.json, render.entry_json(entry), render.entry_text(entry))
    return 0


async def _limits(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    if args.action == "set":
        changes = await coach.set_role_limits(
            actor, args.target_role, args.per_incident, args.daily
        )
        return _changed(args, changes)
    limits = await coach.limits(actor)
    _emit(args.json, render.limits_json(limits), render.limits_text(limits))
    return 0


async def _pending(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    queue = await coach.pending(actor)
    if args.json:
        print(json.dumps(render.pending_json(queue), ensure_ascii=False))
        return 0
    hint = "Decide one with: coachbot approve ENTRY_ID --user YOU [--deny]"
    print(render.pending_text(queue, ZoneInfo(coach.policy.config.timezone), hint))
    return 0


def _changed(args: argparse.Namespace, changes: list[PolicyChange]) -> int:
    lines = [f"✔ {policy_change_line(c)}" for c in changes] or ["Nothing to change."]
    data = {"ok": True, "changes": [policy_change_dict(c) for c in changes]}
    _emit(args.json, data, "\n".join(lines))
    return 0


async def _role_set(args: argparse.Namespace, coach: Coach) -> int:
    actor = _local_or(args, coach)
    return _changed(args, await coach.set_user_role(actor, args.user_id, args.new_role))


async def _org_import(args: argparse.Namespace, coach: Coach) -> int:
    config = load_org_config(args.file)  # names the file and every bad field
    return _changed(args, await coach.import_policy(_local_or(args, coach), config))


async def _playbooks(args: argparse.Namespace, coach: Coach) -> int:
    if args.action == "stats":
        return await _playbooks_stats(args, coach)
    if args.action == "check":
        return await _playbooks_check_org(args, coach)
    if args.action in ("import", "say", "remove"):
        return await _own_playbooks(args, coach)
    actor = coach.actor(args.org, args.user, args.role)
    enabled = args.action == "enable"
    return _changed(args, await coach.set_playbook_enabled(actor, args.dir, enabled))


async def _report(args: argparse.Namespace, coach: Coach) -> int:
    query = ReportQuery.parse(args.period, args.by)  # bad input fails before any I/O
    if args.user is None:
        # The operator at the server's shell: treated as an admin (see the help text).
        actor = Actor(args.org, f"local:{getpass.getuser()}", args.role or Role.ADMIN)
    else:
        actor = coach.actor(args.org, args.user, args.role)
    report = await build_report(coach, actor, query)
    fmt = "json" if args.json else (args.format or "text")
    chart: Path | None = args.chart
    recovery_chart: Path | None = None
    if chart is not None:
        from bot.charts import save_chart  # matplotlib loads only when a chart is wanted

        try:
            save_chart(report, chart)
            if report.recovery is not None and report.recovery.totals.incidents:
                from bot.charts import recovery_chart_path, save_recovery_chart

                recovery_chart = save_recovery_chart(report, recovery_chart_path(chart))
        except OSError as exc:
            raise InvalidInput(f"cannot write the chart to {chart}: {exc.strerror}") from None
    if fmt == "csv":
        sys.stdout.write(render.report_csv_text(report))
        # stdout is the CSV: the files written beside it are named on stderr.
        for label, path in (("Chart", chart), ("Recovery chart", recovery_chart)):
            if path is not None:
                print(f"{label}: {path}", file=sys.stderr)
    elif fmt == "json":
        data = render.report_json(report)
        if chart is not None:
            data["chart"] = str(chart)
        if recovery_chart is not None:
            data["recovery_chart"] = str(recovery_chart)
        print(json.dumps(data, ensure_ascii=False))
    else:
        text = render.report_text(report)
        if chart is not None:
            text += f"\nChart: {chart}"
        if recovery_chart is not None:
            text += f"\nRecovery chart: {recovery_chart}"
        print(text)
    return 0


def _checked_audit_args(args: argparse.Namespace, settings: Settings) -> list[Checkpoint] | None:
    """Options that do not fit the action, and an unreadable checkpoint file, fail before
    any storage is opened. Returns the checkpoints to verify against, if any."""
    if args.action == "verify" and args.out is not None:
        raise InvalidInput("--out is for `audit checkpoint`")
    if args.action == "checkpoint" and args.checkpoint is not None:
        raise InvalidInput("--checkpoint is for `audit verify`")
    if args.checkpoint is None:
        return None
    try:
        text = args.checkpoint.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InvalidInput(f"cannot read the checkpoint {args.checkpoint}: {reason}") from None
    return load_checkpoints(text, settings.ledger_key())


async def _audit(
    args: argparse.Namespace,
    coach: Coach,
    settings: Settings,
    checkpoints: list[Checkpoint] | None,
) -> int:
    result = await coach.ledger.verify()
    if not result.ok:
        # A checkpoint of a broken chain would vouch for the break.
        suffix = "; no checkpoint written" if args.action == "checkpoint" else ""
        _emit(
            args.json,
            render.verify_json(result),
            f"ledger TAMPERED: {result.problem}{suffix}",
            sys.stderr,
        )
        return EXIT_FAILED
    async with LedgerCheckpoints(
        settings.effective_database_url(), key=settings.ledger_key(), clock=coach.clock
    ) as store:
        if args.action == "checkpoint":
            return await _write_checkpoint(args, store, coach)
        text = f"ledger intact: {result.entries_checked} entries verified"
        data = render.verify_json(result)
        if checkpoints is not None:
            extends = await store.compare(checkpoints)
            data["checkpoint"] = render.verify_json(extends)
            if not extends.ok:
                data["ok"] = False
                _emit(args.json, data, f"ledger TAMPERED: {extends.problem}", sys.stderr)
                return EXIT_FAILED
            text += f"; it extends the checkpoint of {extends.entries_checked} organisation(s)"
    _emit(args.json, data, text)
    return 0


async def _write_checkpoint(
    args: argparse.Namespace, store: LedgerCheckpoints, coach: Coach
) -> int:
    taken_at = coach.clock()
    checkpoints = await store.take()
    document = dump_checkpoints(checkpoints, taken_at)
    if args.out is None:
        sys.stdout.write(document)
        return 0
    partial = args.out.with_name(args.out.name + ".partial")
    try:
        # Whole or not at all: a checkpoint cut short would fail every later verify.
        partial.write_text(document, encoding="utf-8")
        partial.replace(args.out)
    except OSError as exc:
        raise InvalidInput(f"cannot write the checkpoint to {args.out}: {exc.strerror}") from None
    signed = "signed" if store.signs else "unsigned: COACHBOT_LEDGER_KEY is not set"
    text = f"checkpoint of {len(checkpoints)} organisation(s) written to {args.out} ({signed})"
    data = {"ok": True, "file": str(args.out), "heads": [c.as_json() for c in checkpoints]}
    _emit(args.json, data, text)
    return 0


def _local_or(args: argparse.Namespace, coach: Coach) -> Actor:
    if args.user is None:
        # The operator at the server's shell: treated as an admin (as for `report`).
        return Actor(args.org, f"local:{getpass.getuser()}", args.role or Role.ADMIN)
    return coach.actor(args.org, args.user, args.role)


async def _playbooks_stats(args: argparse.Namespace, coach: Coach) -> int:
    stats = await playbook_stats(coach, _local_or(args, coach))
    _emit(args.json, playbook_stats_dict(stats), render.playbook_stats_text(stats, coach.currency))
    return 0


async def _outcome(args: argparse.Namespace, coach: Coach) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    record = await coach.record_outcome(
        actor, args.incident_id, args.outcome, args.note, args.review
    )
    _emit(args.json, render.incident_json(record), render.outcome_text(record))
    return 0


async def _pulse(args: argparse.Namespace, coach: Coach, settings: Settings) -> int:
    actor = coach.actor(args.org, args.user, args.role)
    code = await coach.create_pulse(actor, args.incident_id)
    base = settings.coachbot_public_url
    _emit(args.json, {"code": code, "link": pulse_link(code, base)}, pulse_message(code, base))
    return 0


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _review_warning(p: Playbook, prefix: str = "") -> str:
    return f"{prefix}{p.id}: review was due {p.review_by} (owner: {p.owner})"


def _playbooks_check(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.dir) if args.dir else settings.coachbot_playbooks_dir
    library = load_library(folder)  # raises PlaybookError naming file and field
    overdue = library.overdue(args.as_of or date.today())
    warnings = [_review_warning(p) for p in overdue]
    data = {"ok": True, "playbooks": len(library), "warnings": warnings}
    text = "\n".join([f"{len(library)} playbooks OK", *(f"warning: {w}" for w in warnings)])
    _emit(args.json, data, text)
    return 0


async def _playbooks_check_org(args: argparse.Namespace, coach: Coach) -> int:
    """`playbooks check --org ORG`: the library, then the organisation's own playbooks
    (checked again against today's library) and every review date."""
    library = load_library(Path(args.dir)) if args.dir else coach.library
    taken = coach.org_playbooks.taken | {p.id for p in library}
    today = args.as_of or date.today()
    own = (await coach.policy_for(args.org)).config.own_playbooks
    warnings = [_review_warning(p) for p in library.overdue(today)]
    problems = []
    for playbook in own:
        try:
            check_own_playbook(playbook, taken)
        except CoachError as exc:
            problems.append(f"{args.org}/{playbook.id}: {exc}")
        if playbook.review_by < today:
            warnings.append(_review_warning(playbook, f"{args.org}/"))
    data = {
        "ok": not problems,
        "playbooks": len(library),
        "own_playbooks": len(own),
        "errors": problems,
        "warnings": warnings,
    }
    lines = [f"{len(library)} playbooks OK, and {len(own)} of {args.org}'s own"]
    if problems:
        lines = [f"{len(library)} playbooks OK; {len(problems)} of {args.org}'s own are not used"]
    lines += [*(f"error: {p}" for p in problems), *(f"warning: {w}" for w in warnings)]
    _emit(args.json, data, "\n".join(lines))
    return EXIT_FAILED if problems else 0


def _playbook_files(path: Path) -> list[Playbook]:
    """One playbook file, or every playbook in a folder (errors name file and field)."""
    if path.is_dir():
        return list(load_library(path))
    if not path.is_file():
        raise InvalidInput(f"{path}: no such playbook file or folder")
    return [load_playbook_file(path)]


async def _own_playbooks(args: argparse.Namespace, coach: Coach) -> int:
    actor = _local_or(args, coach)
    if args.action == "import":
        path = Path(args.dir)
        playbooks = _playbook_files(path)  # nothing is recorded when one is invalid
        try:
            changes = await coach.import_playbooks(actor, playbooks)
        except InvalidInput as exc:
            raise InvalidInput(f"{path.name}: {exc}") from None
        return _changed(args, changes)
    if args.action == "remove":
        return _changed(args, await coach.remove_playbook(actor, args.dir))
    step, line = args.rest[0], (None if args.reset else args.rest[1])
    return _changed(args, await coach.set_say_line(actor, args.dir, int(step), line))

def _check_policy_args(args: argparse.Namespace) -> None:
    """Usage mistakes in the policy commands, before any storage is opened."""
    if args.command == "limits":
        if args.action == "set" and args.target_role is None:
            raise InvalidInput("which role? e.g. `limits set associate --per-incident 40`")
        if args.action == "show" and (args.per_incident or args.daily or args.target_role):
            raise InvalidInput("to change limits: `limits set ROLE --per-incident AMOUNT`")
    if args.command == "playbooks" and args.action in ("disable", "enable"):
        if not args.dir:
            raise InvalidInput(f"which playbook? `playbooks {args.action} ID --user ADMIN`")
        if args.user is None:
            raise InvalidInput(f"`playbooks {args.action}` needs --user (an admin)")
    if args.command == "playbooks":
        _check_own_playbook_args(args)


_OWN_USAGE = {
    "import": "`playbooks import FILE|DIR --org ORG [--user ADMIN]`",
    "remove": "`playbooks remove ID --org ORG [--user ADMIN]`",
    "say": "`playbooks say ID STEP \"LINE\" --org ORG [--user ADMIN]` (or STEP --reset)",
}


def _check_own_playbook_args(args: argparse.Namespace) -> None:
    usage = _OWN_USAGE.get(args.action)
    wanted = {"say": 1 if args.reset else 2}.get(args.action, 0)
    if args.rest and args.action != "say":
        raise InvalidInput(f"unexpected {' '.join(args.rest)!r}; see `playbooks {args.action}`")
    if args.reset and args.action != "say":
        raise InvalidInput("--reset is for `playbooks say ID STEP --reset`")
    if usage is None:
        return
    if not args.dir or len(args.rest) != wanted:
        raise InvalidInput(f"usage: {usage}")
    if args.action == "say" and not args.rest[0].isdigit():
        raise InvalidInput(f"STEP is a step number (1, 2, …), not {args.rest[0]!r}: {usage}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.org_given = args.org is not None
    # "teams:<tenant GUID>" is that tenant's organisation
    args.org = canonical(args.org or DEFAULT_ORG)
    try:
        settings = Settings()
        return _run(args, settings)
    except PlaybookError as exc:
        # Validation output may list several files: one line each.
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "errors": str(exc).splitlines()}))
        print(f"coachbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CoachError as exc:
        said = _for_operator(exc)
        if getattr(args, "json", False):
            print(json.dumps({"error": said}, ensure_ascii=False))
        print(f"coachbot: {said}", file=sys.stderr)
        return next(code for kind, code in _EXIT_FOR if isinstance(exc, kind))
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "playbooks" and args.action == "check" and not args.org_given:
        return _playbooks_check(args, settings)  # a folder alone: no storage needed
    if args.command == "serve":
        if args.workers > 1:
            from adapters.supervisor import supervise
            from bot.logging import configure

            configure(settings.coachbot_log_level)
            from adapters.server import warn_if_ledger_unkeyed

            warn_if_ledger_unkeyed(settings)
            return supervise(args.host, args.port, args.workers)
        from adapters.server import serve

        serve(settings, args.host, args.port, reuse_port=args.reuse_port)
        return 0
    if args.command == "chat":
        from adapters.console.chat import run_chat

        user = args.user or getpass.getuser()
        return asyncio.run(_with_coach(settings, lambda c: run_chat(c, args.org, user, args.role)))
    if args.command == "report":
        ReportQuery.parse(args.period, args.by)  # a typo fails before storage is opened
    _check_policy_args(args)
    checkpoints = _checked_audit_args(args, settings) if args.command == "audit" else None
    handlers: dict[str, Callable[[argparse.Namespace, Coach], Awaitable[int]]] = {
        "advise": _advise,
        "spend": _spend,
        "approve": _approve,
        "limits": _limits,
        "pending": _pending,
        "role": _role_set,
        "org": _org_import,
        "report": _report,
        "audit": lambda a, c: _audit(a, c, settings, checkpoints),
        "playbooks": _playbooks,
        "outcome": _outcome,
        "pulse": lambda a, c: _pulse(a, c, settings),
    }
    handler = handlers[args.command]
    return asyncio.run(_with_coach(settings, lambda c: handler(args, c)))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["InvalidInput", "main"]
