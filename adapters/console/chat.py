"""``coachbot chat``: the Slack conversation, in a terminal (or fed by a pipe).

Commands mirror the Slack buttons: ``next``, ``spend …``, ``escalate``, ``other`` (Not
this one), a number to pick an alternative, ``approve``/``deny ID``, ``limits`` and
``pending`` for managers, ``outcome won|calmed|lost|unsure [note]``, ``pulse``, ``help``
and ``quit``.
Anything else is a situation.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.console import render
from bot.coach import USAGE_HINT, Coach
from bot.errors import CoachError, InvalidInput
from bot.incidents import Outcome
from bot.models import Advice, Role
from bot.pulse import pulse_message

HELP = """\
Describe what is happening and I'll coach you through it. Then:
  next                  the next step
  spend £48 reason      log what you spent (add 'room 214' to tie it to the customer)
  escalate              alert a manager
  other                 not this one: show other playbooks (then type 1, 2 or 3)
  approve ID / deny ID  managers: decide a pending spend
  limits                managers: the spending authority table
  pending               managers: the spends waiting for a decision, oldest first
  outcome won|calmed|lost|unsure [note]
                        how it ended (add 'review' if they posted one)
  pulse                 a code for the customer: "did we put it right?"
  quit                  leave"""


class ChatSession:
    """One employee's console conversation; holds only what the screen shows."""

    def __init__(self, coach: Coach, org: str, user_id: str, role: Role | None) -> None:
        self.coach = coach
        self.actor = coach.actor(org, user_id, role)
        self.last: Advice | None = None  # what the numbers 1-3 refer to
        self.options: list[str] = []
        self.confirming: str | None = None  # a spend waiting for "log another?" yes/no

    async def _spend(self, text: str, *, confirm: bool = False) -> str:
        outcome = await self.coach.spend(self.actor, text, confirm=confirm)
        if outcome.needs_confirmation:
            self.confirming = text
            return render.duplicate_question(outcome) + " (yes/no)"
        return render.spend_text(outcome)

    async def handle(self, line: str) -> str | None:
        """Reply to one line; None means the session is over."""
        text = line.strip()
        word, _, rest = text.partition(" ")
        command = word.lower().lstrip("/")
        try:
            if command in {"quit", "exit", "bye"} and not rest:
                return None
            if not text or command in {"help", "?"}:
                return HELP if text else USAGE_HINT
            if command == "next" and not rest:
                return self._show(await self.coach.next_step(self.actor))
            confirming, self.confirming = self.confirming, None
            if confirming is not None and command in {"yes", "y", "no", "n"} and not rest:
                if command in {"no", "n"}:
                    return "OK — not logged again."
                return await self._spend(confirming, confirm=True)
            if command == "spend":
                return await self._spend(rest)
            if command in {"escalate", "escalation"}:
                return await self._escalate(rest)
            if text.lower() in {"other", "not this one", "alternatives", "wrong"}:
                return await self._alternatives()
            if text.isdigit() and self.options:
                return await self._pick(int(text))
            if command in {"approve", "deny"} and rest:
                entry = await self.coach.decide(self.actor, rest, approve=command == "approve")
                return render.entry_text(entry)
            if command == "outcome" and rest:
                return await self._outcome(rest)
            if command == "pulse" and not rest:
                code = await self.coach.create_pulse(self.actor)
                return pulse_message(code)
            if command == "limits" and not rest:
                return render.limits_text(await self.coach.limits(self.actor))
            if command == "pending" and not rest:
                # The managers' queue: a word, not a situation ("pending" once matched
                # a billing dispute).
                queue = await self.coach.pending(self.actor)
                zone = ZoneInfo(self.coach.policy.config.timezone)
                return render.pending_text(queue, zone, "Type approve ID or deny ID to decide.")
            advice = await self.coach.advise(self.actor, text)
            return self._show(advice)
        except CoachError as exc:
            return f"⚠ {exc}"

    def _show(self, advice: Advice) -> str:
        self.last = advice
        shown = (
            [advice.playbook, *advice.alternatives]
            if not advice.confident and not advice.fallback
            else list(advice.alternatives)
        )
        self.options = [p.id for p in shown[:3]]
        return render.advice_text(advice)

    async def _alternatives(self) -> str:
        advice = self.last or await self.coach.current(self.actor)
        if advice is None:
            return "Tell me what is happening first."
        self.options = [p.id for p in advice.alternatives[:3]]
        return render.alternatives_text(advice)

    async def _pick(self, number: int) -> str:
        if not 1 <= number <= len(self.options):
            return f"Pick a number from 1 to {len(self.options)}."
        return self._show(await self.coach.choose_playbook(self.actor, self.options[number - 1]))

    async def _outcome(self, text: str) -> str:
        """'won', 'calmed but unhappy left early', 'lost review' (a review was posted)."""
        words = text.split()
        # Two-word outcomes ("won back", "not sure", "calmed but unhappy") first.
        for size in (3, 2, 1):
            try:
                outcome = Outcome.parse(" ".join(words[:size]))
            except InvalidInput:
                continue
            rest = words[size:]
            break
        else:
            raise InvalidInput("say outcome won, calmed, lost or unsure")
        review = None
        if rest and rest[0].lower() in {"review", "reviewed"}:
            review, rest = True, rest[1:]
        record = await self.coach.record_outcome(
            self.actor, None, outcome, " ".join(rest) or None, review
        )
        return render.outcome_text(record)

    async def _escalate(self, note: str) -> str:
        record = await self.coach.escalate(self.actor, note or None)
        reasons = ", ".join(record.reasons)
        return (
            f"⬆ Escalation {record.escalation_id} recorded for a {record.level.value} "
            f"({reasons}). The console has no managers' channel: fetch one in person now."
        )


async def _read_line(loop: asyncio.AbstractEventLoop, source: TextIO, interactive: bool) -> str:
    """The next line, keeping the event loop free while a person thinks.

    At a terminal, wait for the line with the loop's reader (no thread): a thread blocked
    in ``readline`` would keep Ctrl-C from ending the program until Enter is pressed,
    because ``asyncio.run`` waits for its executor's threads on the way out. A terminal
    delivers a line per read, so nothing waits in Python's buffer unseen. Pipes and
    loops without ``add_reader`` (Windows) read in a thread; there Ctrl-C is rare.
    """
    if interactive and hasattr(source, "fileno"):
        ready: asyncio.Future[None] = loop.create_future()

        def line_waiting() -> None:
            if not ready.done():
                ready.set_result(None)

        try:
            fd = source.fileno()
            loop.add_reader(fd, line_waiting)
        except (NotImplementedError, OSError, ValueError):
            pass
        else:
            try:
                await ready
            finally:
                loop.remove_reader(fd)
            return source.readline()
    return await loop.run_in_executor(None, source.readline)


async def run_chat(
    coach: Coach,
    org: str,
    user_id: str,
    role: Role | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Read lines until 'quit' or end of input; works interactively and from a pipe."""
    source = stdin or sys.stdin
    sink = stdout or sys.stdout
    session = ChatSession(coach, org, user_id, role)
    interactive = source.isatty()
    if interactive:
        print(
            f"Service Coach — you are {user_id} ({session.actor.role.value}). Type 'help'.",
            file=sink,
        )
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print("you> ", end="", file=sink, flush=True)
        line = await _read_line(loop, source, interactive)
        if not line:
            break
        reply = await session.handle(line)
        if reply is None:
            break
        print(reply, file=sink, flush=True)
    if interactive:
        print("Bye.", file=sink)
    return 0
