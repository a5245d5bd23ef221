"""Ranking playbooks for a free-text situation, and spotting escalation signals.

(placeholder: the matcher is being written; interface fixed below)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.playbooks import PlaybookLibrary


@dataclass(frozen=True, slots=True)
class Candidate:
    playbook_id: str
    score: float  # 0..1, comparable across candidates of one query


@dataclass(frozen=True, slots=True)
class MatchResult:
    ranked: tuple[Candidate, ...]  # best first, every playbook with a non-zero score
    confidence: float  # 0..1: how sure the top candidate is right
    confident: bool  # False: ask "did you mean" with the top three
    escalation_reasons: tuple[str, ...]  # from the text itself (safety, legal, ...)
    matched_terms: tuple[str, ...]  # words of the text that drove the top match
    meaningful: bool  # False: empty or nonsense input -> usage hint


class PlaybookMatcher:
    def __init__(self, library: PlaybookLibrary) -> None:
        self.library = library

    def match(self, text: str) -> MatchResult:
        raise NotImplementedError
