"""Each playbook's record, for its owner: how often it is chosen, re-routed away from,
followed, and how its incidents end."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.errors import InvalidInput
from bot.incidents import Feedback
from bot.models import Actor
from bot.reports.build import ReportDeps, _library, _org_policy, _playbook_label
from bot.reports.recovery import IncidentHistory, RecoveryRow, _incident_spend


@dataclass(frozen=True, slots=True)
class RerouteSample:
    situation: str
    matched_terms: tuple[str, ...]
    chosen_playbook_id: str | None


@dataclass(frozen=True, slots=True)
class PlaybookStats:
    """One playbook's record, for its owner: is it chosen well, and does it work?"""

    playbook_id: str
    title: str
    owner: str | None
    matched: int  # incidents the matcher opened with it
    used: int  # incidents that followed it in the end
    rerouted_away: int  # "Not this one" pressed while it was shown
    recovery: RecoveryRow  # outcomes and spend of the incidents that followed it
    reroutes: tuple[RerouteSample, ...]  # newest first: the phrases that chose it wrongly
    weak_terms: tuple[tuple[str, int], ...]  # matched words behind re-routes, most first

    @property
    def reroute_rate(self) -> float | None:
        return None if not self.matched else self.rerouted_away / self.matched


class IncidentFeedbackStore(IncidentHistory, Protocol):
    async def feedback(self, org: str, since: datetime | None = None) -> list[Feedback]: ...


async def playbook_stats(
    coach: ReportDeps,
    actor: Actor,
    *,
    since: datetime | None = None,
    samples: int = 5,
) -> list[PlaybookStats]:
    """Every playbook's use, win-back rate, average spend and the re-routed phrases."""
    coach.require_manager(actor)
    store: IncidentFeedbackStore | None = getattr(coach, "incidents", None)
    if store is None:
        raise InvalidInput("incidents are not recorded in this setup")
    currency = coach.policy.config.currency
    opened = await store.opened_between(actor.org, since, None)
    feedback = await store.feedback(actor.org, since)
    spent = await _incident_spend(coach.ledger, actor.org, opened, currency)
    await _org_policy(coach, actor.org)  # read afresh: its own playbooks are in it
    library = _library(coach, actor.org)
    ids = [p.id for p in library]
    ids += sorted({i.playbook_id for i in opened} - set(ids))  # removed since: still shown
    rows = {pid: RecoveryRow(pid, _playbook_label(coach, pid, actor.org)) for pid in ids}
    matched: dict[str, int] = defaultdict(int)
    for incident in opened:
        rows[incident.playbook_id] = rows[incident.playbook_id].plus(
            incident, spent.get(incident.incident_id, 0)
        )
        matched[incident.first_playbook_id] += 1
    reroutes: dict[str, list[Feedback]] = defaultdict(list)
    for f in feedback:
        if f.kind == "reroute":
            reroutes[f.playbook_id].append(f)
    out = []
    for pid in ids:
        away = reroutes.get(pid, [])
        terms: dict[str, int] = defaultdict(int)
        for f in away:
            for term in f.matched_terms:
                terms[term] += 1
        owner = library.get(pid).owner if pid in library else None
        out.append(
            PlaybookStats(
                playbook_id=pid,
                title=rows[pid].label,
                owner=owner,
                matched=matched.get(pid, 0),
                used=rows[pid].incidents,
                rerouted_away=len(away),
                recovery=rows[pid],
                reroutes=tuple(
                    RerouteSample(f.situation, f.matched_terms, f.chosen_playbook_id)
                    for f in reversed(away[-samples:])
                ),
                weak_terms=tuple(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    # Most used first; playbooks nobody used sink to the bottom in library order.
    return sorted(out, key=lambda s: (-s.used, -s.matched))
