"""Each organisation's view of the playbook library: the deployment's playbooks with the
organisation's own say lines, plus the playbooks it added.

The rules, enforced here in the core whatever surface the change came from:

- An organisation's own playbook is a whole playbook, validated by the same models as
  the library's (``bot.playbooks.Playbook``: owner, review date, triggers and examples,
  steps, gestures, escalation rules). Its id may not be a library id: to change the
  words of a library playbook, override its say lines; to replace one, switch it off and
  add your own under another id. Importing an id the organisation already added replaces
  that playbook (audited, before and after).
- Say lines may be overridden step by step on any library playbook except the safety
  ones (``SAFETY_PLAYBOOKS``): their words were reviewed for emergencies and are the
  same for everyone. An override changes what to say, never the steps themselves (none
  is added, removed or reordered). On the organisation's own playbooks, ``say`` edits
  the playbook itself.

Matching: an organisation with playbooks of its own gets a matcher over the library plus
those playbooks (they compete on their triggers and examples: the classifier was never
trained on them), so they are matched for that organisation, the moment they are stored,
and for no other. Building one takes about half a second, so it happens once per
distinct set of own playbooks, off the event loop, and is kept (a few, least recently
used first out); an organisation with none shares the deployment's matcher.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import structlog

from bot.authority import OrgConfig
from bot.errors import InvalidInput, NotFound
from bot.inputs import plain_text
from bot.matching import PlaybookMatcher
from bot.matching.classifier import shipped_labels
from bot.matching.safety import SAFETY_PLAYBOOKS
from bot.models import PlaybookSummary
from bot.playbooks import Playbook, PlaybookLibrary, PlaybookStep
from bot.policy import PolicyEdit, with_fields

# A say line is one or two sentences said aloud (PLAYBOOK-GUIDE): far below this.
MAX_SAY_CHARS = 400
# Each own playbook adds its examples to the organisation's matcher.
MAX_OWN_PLAYBOOKS = 100
# Matchers kept for organisations with playbooks of their own (about 11 MB each for the
# shipped library); one evicted is rebuilt on its organisation's next request.
MAX_CACHED_MATCHERS = 16

log = structlog.get_logger(__name__)


# --------------------------------------------------------------------------- the rules


def check_own_playbook(playbook: Playbook, taken: Container[str]) -> None:
    """Refuse an own playbook whose id is taken (``OrgLibraries.taken``: the library's
    and the classifier's), with an InvalidInput naming the field."""
    if playbook.id in taken:
        raise InvalidInput(
            f"id: {playbook.id!r} is already a library playbook — change its words with "
            "`playbooks say`, or switch it off and add yours under another id"
        )


def check_own_playbooks(playbooks: Iterable[Playbook], taken: Container[str]) -> None:
    count = 0
    for playbook in playbooks:
        check_own_playbook(playbook, taken)
        count += 1
    if count > MAX_OWN_PLAYBOOKS:
        raise InvalidInput(f"an organisation may add up to {MAX_OWN_PLAYBOOKS} playbooks")


def say_line(text: str) -> str:
    """A say line as a person typed it: one line of plain text, validated as a step's."""
    line = plain_text(text or "", "say line", MAX_SAY_CHARS)
    if not line:
        raise InvalidInput("the say line is empty — to go back to the library's line, reset it")
    return line


def overridable_step(library: PlaybookLibrary, playbook_id: str, step: int) -> PlaybookStep:
    """The library step whose say line may be overridden, else why not."""
    if playbook_id not in library:
        raise NotFound(f"no playbook called {playbook_id!r}")
    if playbook_id in SAFETY_PLAYBOOKS:
        raise InvalidInput(
            f"{playbook_id} is a safety playbook: its words are the same for everyone "
            "and cannot be overridden"
        )
    return _step(library.get(playbook_id), step)


def _step(playbook: Playbook, step: int) -> PlaybookStep:
    if not 1 <= step <= len(playbook.steps):
        raise InvalidInput(f"step: {playbook.id} has steps 1 to {len(playbook.steps)}, not {step}")
    return playbook.steps[step - 1]


def with_say_line(playbook: Playbook, step: int, line: str) -> Playbook:
    """``playbook`` with step ``step``'s say line replaced (an own playbook's edit)."""
    _step(playbook, step)
    return with_say_lines(playbook, {step: line})


def with_say_lines(playbook: Playbook, lines: Mapping[int, str]) -> Playbook:
    """``playbook`` with the say lines of the steps numbered in ``lines`` (from 1)
    replaced; numbers beyond its steps are ignored."""
    steps = [
        step.model_copy(update={"say": lines[number]}) if number in lines else step
        for number, step in enumerate(playbook.steps, 1)
    ]
    return playbook.model_copy(update={"steps": steps})


def summary(
    playbook: Playbook, today: date, own: bool, *, enabled: bool = True, always_on: bool = False
) -> PlaybookSummary:
    return PlaybookSummary(
        playbook.id,
        playbook.title,
        playbook.owner,
        playbook.review_by,
        playbook.review_by < today,
        enabled=enabled,
        always_on=always_on,
        own=own,
    )


def overdue_reviews(
    view: OrgLibrary, today: date, disabled: Iterable[str] = ()
) -> tuple[PlaybookSummary, ...]:
    """The playbooks an organisation answers with whose review date has passed: its own
    first, then the library's, oldest due first."""
    off = frozenset(disabled)
    due = [
        summary(p, today, p.id in view.own)
        for p in view.library
        if p.review_by < today and p.id not in off
    ]
    return tuple(sorted(due, key=lambda s: (not s.own, s.review_by, s.playbook_id)))


# --------------------------------------------------------------------------- the views


@dataclass(frozen=True, slots=True)
class OrgLibrary:
    """One organisation's playbooks: the library with its say lines, then its own."""

    library: PlaybookLibrary
    own: frozenset[str]
    # Canonical JSON of the own playbooks in use (None: none, the shared matcher serves).
    matcher_key: str | None
    config: OrgConfig


def build_view(
    library: PlaybookLibrary, config: OrgConfig, taken: Container[str] = ()
) -> OrgLibrary:
    """The organisation's view of ``library``. Defensive: what the core would refuse
    (an own id the library has since taken, a safety playbook's say line, a step that is
    no longer there) is left out here rather than failing every request."""
    shipped = []
    for playbook in library:
        lines = config.say_overrides.get(playbook.id)
        if lines and playbook.id not in SAFETY_PLAYBOOKS:
            playbook = with_say_lines(playbook, lines)
        shipped.append(playbook)
    own = []
    for playbook in config.own_playbooks:
        if playbook.id in library or playbook.id in taken:
            log.warning("org_playbooks.clash", playbook=playbook.id)
            continue
        own.append(playbook)
    if not own and not config.say_overrides:
        return OrgLibrary(library, frozenset(), None, config)
    key = (
        json.dumps([p.model_dump(mode="json") for p in own], sort_keys=True) if own else None
    )
    combined = PlaybookLibrary((*shipped, *own))
    return OrgLibrary(combined, frozenset(p.id for p in own), key, config)


class OrgLibraries:
    """Each organisation's ``OrgLibrary`` and matcher, kept per policy: rebuilt only when
    its stored policy's playbooks change (a change of limits reuses them)."""

    def __init__(
        self,
        library: PlaybookLibrary,
        matcher: PlaybookMatcher | None = None,
        *,
        max_matchers: int = MAX_CACHED_MATCHERS,
    ) -> None:
        """``matcher``: the deployment's; None, the shared matcher over ``library``
        with the shipped models, built on first use (a spend, a report or an admin
        change never needs it, and it costs about a second to build)."""
        self.library = library
        self._matcher = matcher
        # Ids an own playbook may not have: the library's, and those the classifier was
        # trained on (an own playbook is ranked on its own words, never on the model's
        # idea of a library situation that shares its id).
        if matcher is None:
            model_labels = shipped_labels()
        else:
            model_labels = matcher.model.labels if matcher.model is not None else ()
        self.taken = frozenset((*(p.id for p in library), *model_labels))
        self._views: dict[str, OrgLibrary] = {}
        self._matchers: OrderedDict[str, PlaybookMatcher] = OrderedDict()
        self._building: dict[str, asyncio.Lock] = {}
        self._max_matchers = max_matchers

    @property
    def matcher(self) -> PlaybookMatcher:
        """The deployment's matcher (organisations without playbooks of their own)."""
        if self._matcher is None:
            self._matcher = PlaybookMatcher.shared(self.library)
        return self._matcher

    def view(self, org: str, config: OrgConfig) -> OrgLibrary:
        """The organisation's view under ``config`` (its policy as last read)."""
        found = self._views.get(org)
        if found is not None and found.config is config:
            return found
        if found is not None and _same_playbooks(found.config, config):
            found = OrgLibrary(found.library, found.own, found.matcher_key, config)
        else:
            found = build_view(self.library, config, self.taken)
        self._views[org] = found
        return found

    async def matcher_for(self, org: str, config: OrgConfig) -> PlaybookMatcher:
        """The matcher over the organisation's playbooks; built (off the event loop) the
        first time a set of own playbooks is seen, then kept."""
        key = self.view(org, config).matcher_key
        if key is None:
            return self.matcher
        found = self._matchers.get(key)
        if found is not None:
            self._matchers.move_to_end(key)
            return found
        lock = self._building.setdefault(key, asyncio.Lock())
        async with lock:  # one build per set of playbooks, however many ask at once
            found = self._matchers.get(key)
            if found is None:
                combined = PlaybookLibrary((*self.library, *self._own(org, config)))
                model = self.matcher.model
                found = await asyncio.to_thread(PlaybookMatcher, combined, model or None)
                self._matchers[key] = found
                while len(self._matchers) > self._max_matchers:
                    self._matchers.popitem(last=False)
        self._building.pop(key, None)
        return found

    def _own(self, org: str, config: OrgConfig) -> list[Playbook]:
        view = self.view(org, config)
        return [p for p in config.own_playbooks if p.id in view.own]


def _same_playbooks(a: OrgConfig, b: OrgConfig) -> bool:
    return a.own_playbooks == b.own_playbooks and a.say_overrides == b.say_overrides


# --------------------------------------------------------------------------- the changes
# Each returns a ``bot.policy.PolicyEdit``: run by ``Coach._change_policy`` under the
# organisation's lock, after the admin check, on the policy as it stands.


def check_playbooks(config: OrgConfig, library: PlaybookLibrary, taken: Container[str]) -> None:
    """A whole policy's own playbooks and say lines against the rules (``org import``)."""
    check_own_playbooks(config.own_playbooks, taken)
    for pid, lines in config.say_overrides.items():
        for step, line in lines.items():
            overridable_step(library, pid, step)
            say_line(line)


def adding(playbooks: Sequence[Playbook], taken: Container[str]) -> PolicyEdit:
    """Add these playbooks to the organisation's own; one with an id it already has
    replaces that one, in its place."""
    if not playbooks:
        raise InvalidInput("no playbook to import")
    check_own_playbooks(playbooks, taken)

    def edit(current: OrgConfig) -> OrgConfig:
        mine = {p.id: p for p in current.own_playbooks}
        mine.update((p.id, p) for p in playbooks)
        check_own_playbooks(mine.values(), taken)
        return with_fields(current, own_playbooks=list(mine.values()))

    return edit


def removing(library: PlaybookLibrary, playbook_id: str) -> PolicyEdit:
    def edit(current: OrgConfig) -> OrgConfig:
        mine = [p for p in current.own_playbooks if p.id != playbook_id]
        if len(mine) == len(current.own_playbooks):
            if playbook_id in library:
                raise InvalidInput(
                    f"{playbook_id} is a library playbook: switch it off instead "
                    f"(`playbooks disable {playbook_id}`)"
                )
            raise NotFound(f"this organisation has no playbook of its own called {playbook_id!r}")
        return with_fields(current, own_playbooks=mine)

    return edit


def saying(library: PlaybookLibrary, playbook_id: str, step: int, line: str | None) -> PolicyEdit:
    """Set (``line``) or reset (None) what to say at ``step`` of ``playbook_id``: an
    override for a library playbook, an edit of the organisation's own."""
    text = None if line is None else say_line(line)

    def edit(current: OrgConfig) -> OrgConfig:
        own = {p.id: p for p in current.own_playbooks}
        if playbook_id in own:
            if text is None:
                raise InvalidInput(
                    f"{playbook_id} is your own playbook: give the new line (or import its "
                    "file again)"
                )
            changed = with_say_line(own[playbook_id], step, text)
            mine = [changed if p.id == playbook_id else p for p in current.own_playbooks]
            return with_fields(current, own_playbooks=mine)
        overridable_step(library, playbook_id, step)
        lines = {pid: dict(steps) for pid, steps in current.say_overrides.items()}
        if text is None:
            lines.get(playbook_id, {}).pop(step, None)
            if not lines.get(playbook_id, True):
                del lines[playbook_id]
        else:
            lines.setdefault(playbook_id, {})[step] = text
        return with_fields(current, say_overrides=lines)

    return edit
