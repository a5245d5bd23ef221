"""Matching a situation to playbooks: one face, ``PlaybookMatcher`` (alias ``Matcher``),
over parts named by what they do:

- ``language`` — can the bot read the line (English only);
- ``safety`` — the safety detector, run on every line; its verdict wins;
- ``lexical`` — today's ranker (BM25, nearest example, keywords) and the text's
  escalation signals (``bot.signals``);
- ``rules`` — escalation rules beyond one phrase (a customer leaving);
- ``matcher`` — the order they are asked in, the fallback threshold and two problems in
  one line;
- ``result`` — what ``match`` answers.
"""

from bot.matching.lexical import LexicalRanker
from bot.matching.matcher import CONFIDENCE_THRESHOLD, Matcher, PlaybookMatcher
from bot.matching.result import Candidate, MatchResult

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "Candidate",
    "LexicalRanker",
    "MatchResult",
    "Matcher",
    "PlaybookMatcher",
]
