"""What the matcher answers: a ranking, how sure it is, and what to escalate."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Candidate:
    playbook_id: str
    score: float  # 0..1, comparable across candidates of one query


@dataclass(frozen=True, slots=True)
class MatchResult:
    # The answer first, then the alternatives in order. Usually the ranker's order; a
    # safety finding puts its playbook first, and an unsure ranking puts general-recovery
    # first with the ranker's best guesses behind it.
    ranked: tuple[Candidate, ...]
    confidence: float  # 0..1: the ranker's raw confidence in its own best guess
    confident: bool  # False: the answer is a fallback (or, without one, "did you mean")
    escalation_reasons: tuple[str, ...]  # from the text itself (safety, legal, ...)
    matched_terms: tuple[str, ...]  # words of the text that drove the top match
    meaningful: bool  # False: empty or nonsense input -> usage hint
    # True when a manager must be alerted: a signal in the text, or the top playbook
    # says always escalate (only counted when the top match is trustworthy).
    escalate: bool = False
    # The words that raised each of ``escalation_reasons``, same order ("fell", "sue").
    signal_phrases: tuple[str, ...] = ()
    # Reasons contributed by the answer's (and a second problem's) escalation rules.
    playbook_reasons: tuple[str, ...] = ()
    # Words corrected as typos, original → correction, for transparency in logs.
    corrections: tuple[tuple[str, str], ...] = field(default=())
    # --- Library v2: safety first, honest when unsure -----------------------------------
    # Who chose the answer: "ranking", "safety" (the detector), "signal" (an escalation
    # signal picked the playbook that handles it), "fallback" (nothing confident),
    # "language" (a line the bot cannot read), or "" when there is no answer.
    answered_by: str = ""
    # One sentence for the employee when the answer needs explaining ("I can only read
    # English ..."), else None.
    note: str | None = None
    # The ranker's own ranking, before safety and fallback reordered it.
    guesses: tuple[Candidate, ...] = ()
    # What the safety detector found ("medical", "weapon", ...), most urgent first.
    safety: tuple[str, ...] = ()
    # Escalation reasons the text itself rules out for any playbook ("nobody was hurt"),
    # and whether word-of-mouth reasons (review, media) are only praise here ("will
    # recommend us"): a re-ranked answer's "always escalate" is judged by them too.
    ruled_out: tuple[str, ...] = ()
    praise_only: bool = False
    # The classifier's own probability for the blended best guess (0 without a model).
    learned: float = 0.0
    # The classifier's probability that the line is one of the safety playbooks, all of
    # them together (an emergency told inside a complaint splits its mass among them).
    safety_mass: float = 0.0
    # The safety playbook the classifier rates highest, when it rates any.
    learned_safety: str | None = None
    # A reason to page a manager that only the escalation model read in the line (the
    # rules found none): "house has been cold for days and he sounds weak".
    learned_reasons: tuple[str, ...] = ()

    @property
    def top(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None

    @property
    def fallback(self) -> bool:
        """The answer is the general recovery steps, not a specific playbook."""
        return self.answered_by in ("fallback", "language")

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        """The top three, for "did you mean" and the *Not this one* button."""
        return self.ranked[:3]

    @property
    def all_reasons(self) -> tuple[str, ...]:
        """Escalation reasons from the text and the playbooks, without repeats."""
        return tuple(
            dict.fromkeys((*self.escalation_reasons, *self.playbook_reasons, *self.learned_reasons))
        )
