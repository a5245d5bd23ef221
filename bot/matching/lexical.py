"""The lexical ranker: playbooks ranked for a free-text situation by their words, plus
the escalation signals of the text.

Staff type fast and loose ("gst's clothes stuck in the broken washer, she's fuming"),
so the matcher is lexical but forgiving, and fully offline:

1. ``bot.text`` folds the text, expands contractions and shorthand ("gst", "w/",
   "2x"), tokenises and stems; words of five letters or more that are neither library
   words nor common English words or slang (``bot/common_words.txt``) and lie one edit
   (or one transposition) from a library word are corrected to it (rapidfuzz, cached).
2. Features are content stems, adjacent-stem bigrams ("charg twice") and canonical
   slang concepts ("livid" → "angry", "packed in" → "broken").
3. Each playbook scores a blend of
   - BM25 over one document made of its title, summary, keywords and examples, which
     rewards a playbook whose vocabulary covers the text;
   - the best cosine similarity to any *single* example or the title (nearest
     neighbour), which rewards a close paraphrase even when the playbook's other
     examples talk about something else;
   - keyword hits: a keyword (or phrase) whose words all occur in the text, since
     authors list their strongest cues there.
4. Confidence comes from the top score and its margin over the runner-up; below the
   line the caller asks "did you mean" with the top three.

Escalation has two sources: the top playbook's ``escalation.always`` and the text
itself (``bot.signals``: injury, fire, solicitor, one-star review, closing the
account ...), checked whatever playbook wins.

Everything that depends only on the library is computed once in the constructor;
``match`` touches only the features of the query (inverted indexes), so it stays in
the low milliseconds even for a thousand playbooks. Results are deterministic: ties
break on library order.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from bot import signals
from bot.matching.result import Candidate, MatchResult
from bot.playbooks import Playbook, PlaybookLibrary
from bot.text import (
    ABBREVIATIONS,
    COMMON_WORDS,
    DIALECT,
    GENERIC_WORDS,
    NEGATORS,
    POSITIVE_WORDS,
    SCENE_WORDS,
    SLANG,
    STOPWORDS,
    Token,
    concepts,
    phrase_stems,
    stem,
    tokenise,
)

# --- tuning -----------------------------------------------------------------------------
# Measured on the dev set and held-out situations (benchmarks/matcher_quality.py); the
# values are round on purpose: small changes around them move nothing.
K1 = 1.2
B = 0.5  # partial length normalisation: shipped playbooks list more examples than custom
FIELD_WEIGHTS = {"title": 1.5, "summary": 0.5, "keyword": 2.0, "example": 1.0}
BIGRAM_WEIGHT = 0.6  # bigrams sharpen ("charged twice") but are rare, so high-idf
SLANG_WEIGHT = 0.8  # a canonical concept is a little less certain than the word itself
W_BM25, W_KNN, W_KW = 0.35, 0.45, 0.20
# Typo correction: only words this long (shorter ones collide: "bill" / "ball").
MIN_TYPO_LEN = 5
MAX_TYPO_EDITS = 1
# Confidence: the top score and its relative lead over the runner-up.
CONFIDENT_SCORE = 0.25
CONFIDENT_MARGIN = 0.2
# An "always escalate" top playbook alerts a manager on a lower bar than "confident":
# a missed safety or legal alert costs more than a needless one.
ESCALATE_SCORE = 0.2
ESCALATE_MARGIN = 0.1
MIN_MEANINGFUL_SCORE = 0.05
# Weight of the second-nearest example in the nearest-neighbour score.
KNN_SECOND = 0.5
# Large libraries: nearest-neighbour scoring only for this many BM25 leaders.
KNN_CANDIDATES = 64
# Added to playbooks whose escalation reasons match a signal found in the text.
SIGNAL_BOOST = 0.1
# Weight of a scene word ("till", "front desk", "caller"): where, not what; also of a
# generic word ("something", "problem"): that there is a situation, not which.
SCENE_WEIGHT = 0.35


@dataclass(frozen=True, slots=True)
class _Analysis:
    tokens: list[Token]  # corrected tokens, stopwords kept (for signals)
    features: dict[str, float]  # feature → weight
    surface: dict[str, list[str]]  # feature → words of the text behind it
    content: set[str]  # content stems plus canonical concepts (for keyword hits)
    corrections: list[tuple[str, str]]


class LexicalRanker:
    """Ranks a library's playbooks for a situation by their words. Build once per
    library; thread-safe for reads (the only mutable state is the typo cache, where a
    race costs a recompute).
    """

    def __init__(self, library: PlaybookLibrary) -> None:
        self.library = library
        self._playbooks: tuple[Playbook, ...] = tuple(library)
        self._ids: list[str] = [pb.id for pb in self._playbooks]
        self._slang = _SlangIndex(SLANG)
        self._typo_cache: dict[str, str | None] = {}

        # Vocabulary for typo correction and "does this text mean anything here".
        word_freq: Counter[str] = Counter()
        for pb in self._playbooks:
            for _, text in _fields(pb):
                word_freq.update(_content_words(tokenise(text)))
        for canonical, variants in SLANG.items():
            word_freq.update(_content_words(tokenise(" ".join((canonical, *variants)))))
        word_freq.update(signals.LEXICON_WORDS)
        word_freq.update(w for v in ABBREVIATIONS.values() for w in v.split())
        word_freq.update(w for v in DIALECT.values() for w in v.split())
        # Most frequent first: on a tie the common word is the likelier intent.
        ranked_words = sorted(word_freq.items(), key=lambda item: (-item[1], item[0]))
        self._vocab: list[str] = [w for w, _ in ranked_words]
        self._vocab_set = frozenset(self._vocab)
        self._known_stems = frozenset(stem(w) for w in self._vocab)

        # Per-playbook documents (BM25) and per-example vectors (nearest neighbour).
        doc_tf: list[defaultdict[str, float]] = []
        examples: list[tuple[int, dict[str, float]]] = []
        keywords: list[list[frozenset[str]]] = []
        for index, pb in enumerate(self._playbooks):
            tf: defaultdict[str, float] = defaultdict(float)
            kws: list[frozenset[str]] = []
            for kind, text in _fields(pb):
                analysis = self._analyse(text, correct=False)
                for feat, weight in analysis.features.items():
                    tf[feat] += weight * FIELD_WEIGHTS[kind]
                if kind in ("example", "title"):
                    examples.append((index, analysis.features))
                if kind == "keyword":
                    kws.extend(self._keyword_sets(text, analysis))
            doc_tf.append(tf)
            keywords.append(kws)

        n_docs = max(1, len(self._playbooks))
        df: Counter[str] = Counter()
        for tf in doc_tf:
            df.update(tf.keys())
        self._idf: dict[str, float] = {
            f: math.log(1.0 + (n_docs - d + 0.5) / (d + 0.5)) for f, d in df.items()
        }
        self._doc_features: list[frozenset[str]] = [frozenset(tf) for tf in doc_tf]

        # BM25 contributions precomputed per (feature, playbook): query time is a sum.
        lengths = [sum(tf.values()) for tf in doc_tf]
        avg_len = (sum(lengths) / len(lengths)) if lengths else 1.0
        self._bm25_post: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, tf in enumerate(doc_tf):
            norm = K1 * (1.0 - B + B * lengths[index] / avg_len)
            for feat, freq in tf.items():
                self._bm25_post[feat].append(
                    (index, self._idf[feat] * freq * (K1 + 1.0) / (freq + norm))
                )

        # Example vectors: idf-weighted, unit length; postings hold the normalised weight.
        # Examples are numbered across the library; ``_example_owner`` maps back.
        self._example_owner: list[int] = [owner for owner, _ in examples]
        # Feature → [(example number, weight)] over the whole library: one pass when
        # every playbook gets nearest-neighbour scoring (libraries up to KNN_CANDIDATES).
        self._knn_post_all: dict[str, list[tuple[int, float]]] = defaultdict(list)
        # The same per playbook, so for a large library the nearest-neighbour pass can
        # visit only the playbooks BM25 already finds plausible.
        self._knn_post: list[dict[str, list[tuple[int, float]]]] = [{} for _ in self._playbooks]
        for number, (owner, feats) in enumerate(examples):
            vec = {f: w * self._idf[f] for f, w in feats.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            post = self._knn_post[owner]
            for f, v in vec.items():
                post.setdefault(f, []).append((number, v / norm))
                self._knn_post_all[f].append((number, v / norm))

        self._by_reason: dict[str, list[int]] = defaultdict(list)
        for index, pb in enumerate(self._playbooks):
            for reason in pb.escalation.reasons:
                self._by_reason[reason].append(index)

        # Keyword coverage weight of each library feature (``_mass``); others weigh 0.
        self._mass: dict[str, float] = {f: _mass(self._idf, f) for f in self._idf}
        # Keyword sets, numbered across the library: feature → keyword numbers to find
        # hits without a scan, and per keyword its playbook, stems and phrase bonus.
        self._kw_post: dict[str, list[int]] = defaultdict(list)
        self._kw_owner: list[int] = []
        self._kw_stems: list[frozenset[str]] = []
        # A phrase hit in full counts half its stems' mass again (a single word: nothing).
        self._kw_phrase: list[float] = []
        for index, kws in enumerate(keywords):
            for stems in kws:
                for s in stems:
                    self._kw_post[s].append(len(self._kw_stems))
                self._kw_owner.append(index)
                self._kw_stems.append(stems)
                self._kw_phrase.append(
                    0.5 * sum(_mass(self._idf, x) for x in stems) if len(stems) > 1 else 0.0
                )

    # --- public ---------------------------------------------------------------------------

    def match(self, text: str) -> MatchResult:
        analysis = self._analyse(text, correct=True)
        detection = signals.inspect(analysis.tokens)
        found = detection.signals
        reasons = tuple(s.reason for s in found)
        phrases = tuple(s.phrase for s in found)
        corrections = tuple(analysis.corrections)

        query = {f: w for f, w in analysis.features.items() if f in self._idf}
        # "help", "customer has a problem": no situation in it yet, ask for one.
        vague = all(t.word in GENERIC_WORDS for t in analysis.tokens if _is_content(t.word))
        if not query or vague:
            # Nothing the library knows; signals still count (a "FIRE!!" must escalate).
            return MatchResult(
                ranked=(),
                confidence=0.0,
                confident=False,
                escalation_reasons=reasons,
                matched_terms=(),
                meaningful=bool(found),
                escalate=bool(found),
                signal_phrases=phrases,
                corrections=corrections,
            )

        scores = self._score(query, analysis.content)
        if found:
            # A signal in the text ("threw a bottle at staff") is evidence for the
            # playbooks that handle that kind of escalation, whatever their wording.
            for reason in {s.reason for s in found}:
                for index in self._by_reason.get(reason, ()):
                    scores[index] += SIGNAL_BOOST
        # ... and a reason raised only to rule it out ("lovely review", "nobody hurt")
        # is a little evidence against them.
        for reason in detection.ruled_out:
            for index in self._by_reason.get(reason, ()):
                scores[index] = max(0.0, scores[index] - SIGNAL_BOOST)
        # Stable sort, so ties keep library order: the same text always ranks the same.
        order = sorted(
            (i for i, sc in enumerate(scores) if sc > 0), key=scores.__getitem__, reverse=True
        )
        ids = self._ids
        ranked = tuple(Candidate(ids[i], round(scores[i], 4)) for i in order)
        top_score = ranked[0].score if ranked else 0.0
        second = ranked[1].score if len(ranked) > 1 else 0.0
        margin = (top_score - second) / top_score if top_score > 0 else 0.0
        # Confidence: absolute strength (saturating) times relative lead.
        strength = min(1.0, top_score / (2 * CONFIDENT_SCORE))
        confidence = round(strength * (0.4 + 0.6 * min(1.0, margin / (2 * CONFIDENT_MARGIN))), 4)
        confident = top_score >= CONFIDENT_SCORE and margin >= CONFIDENT_MARGIN
        meaningful = top_score >= MIN_MEANINGFUL_SCORE or bool(found)

        top_pb = self._playbooks[order[0]] if ranked else None
        # Word of mouth is only a threat when it is hostile: "will recommend us" must not
        # page a manager. Praise needs a word of praise: a post told with none ("putting
        # the whole saga on the village noticeboard page") is left to the escalation
        # model, which read 10 more due pages that way on the development sets (13,368
        # lines) and no more false alarms once "review" in its other senses ("rent
        # review", "review the bill") is ruled out (``signals``).
        praise_only_text = (
            not any(r in WORD_OF_MOUTH for r in reasons)
            and not signals.hostile(analysis.tokens)
            and analysis.content.isdisjoint(_NEGATIVE_CONCEPTS)
            and signals.praised(analysis.tokens)
        )
        matched: list[str] = []
        playbook_reasons: tuple[str, ...] = ()
        escalate = bool(found)
        if top_pb is not None:
            feats = self._doc_features[order[0]]
            for f in analysis.features:
                if f in feats:
                    matched.extend(w for w in analysis.surface.get(f, ()) if w not in matched)
            # An "always escalate" playbook counts only when we would show it as the answer.
            # Not when the text rules every one of its reasons out ("nobody was hurt").
            ruled_out = not set(top_pb.escalation.reasons).isdisjoint(detection.ruled_out)
            clear = top_score >= ESCALATE_SCORE and margin >= ESCALATE_MARGIN
            praise_only = set(top_pb.escalation.reasons) <= WORD_OF_MOUTH and praise_only_text
            if (
                top_pb.escalation.always
                and clear
                and meaningful
                and not ruled_out
                and not praise_only
            ):
                escalate = True
                playbook_reasons = tuple(top_pb.escalation.reasons)

        return MatchResult(
            ranked=ranked,
            confidence=confidence if meaningful else 0.0,
            confident=confident and meaningful,
            escalation_reasons=reasons,
            matched_terms=tuple(matched),
            meaningful=meaningful,
            escalate=escalate,
            signal_phrases=phrases,
            playbook_reasons=playbook_reasons,
            corrections=corrections,
            ruled_out=tuple(sorted(detection.ruled_out)),
            praise_only=praise_only_text,
        )

    # --- scoring --------------------------------------------------------------------------

    def _score(self, query: dict[str, float], content: set[str]) -> list[float]:
        n = len(self._playbooks)
        idf = self._idf

        bm25 = [0.0] * n
        bm25_max = 0.0
        for f, w in query.items():
            bm25_max += w * idf[f] * (K1 + 1.0)
            for index, contrib in self._bm25_post.get(f, ()):
                bm25[index] += w * contrib

        q_norm = math.sqrt(sum((w * idf[f]) ** 2 for f, w in query.items())) or 1.0
        q_vec = [(f, w * idf[f] / q_norm) for f, w in query.items()]
        # Similarity of the text to each example it shares a feature with.
        sims: dict[int, float] = {}
        if n > KNN_CANDIDATES:
            # Nearest neighbour only for the playbooks BM25 ranks highest: with a thousand
            # playbooks the rest cannot win anyway, and this keeps match() in milliseconds.
            for index in sorted(heapq.nlargest(KNN_CANDIDATES, range(n), key=bm25.__getitem__)):
                post = self._knn_post[index]
                for f, qv in q_vec:
                    for ex, ev in post.get(f, ()):
                        sims[ex] = sims.get(ex, 0.0) + qv * ev
        else:
            for f, qv in q_vec:
                for ex, ev in self._knn_post_all.get(f, ()):
                    sims[ex] = sims.get(ex, 0.0) + qv * ev
        # Best and second-best example per playbook: one lucky overlap counts less than
        # two examples that both resemble the text.
        best = [0.0] * n
        second = [0.0] * n
        owner = self._example_owner
        for ex, sim in sims.items():
            index = owner[ex]
            if sim > best[index]:
                best[index], second[index] = sim, best[index]
            elif sim > second[index]:
                second[index] = sim
        scale = 1.0 / (1.0 + KNN_SECOND)
        knn = [(b1 + KNN_SECOND * b2) * scale for b1, b2 in zip(best, second, strict=True)]

        # Keyword hits: every stem of the keyword present in the text.
        mass = self._mass
        kw_cover: dict[int, set[str]] = {}
        kw_phrase: dict[int, float] = defaultdict(float)
        checked: set[int] = set()
        for s in content:
            for kw in self._kw_post.get(s, ()):
                if kw in checked:
                    continue
                checked.add(kw)
                stems = self._kw_stems[kw]
                if stems <= content:
                    index = self._kw_owner[kw]
                    kw_cover.setdefault(index, set()).update(stems)
                    kw_phrase[index] += self._kw_phrase[kw]
        q_mass = sum(mass.get(s, 0.0) for s in content) or 1.0

        bm25_scale = W_BM25 / bm25_max if bm25_max else 0.0
        out = [bm25_scale * b + W_KNN * k for b, k in zip(bm25, knn, strict=True)]
        for index, cover in kw_cover.items():
            covered = sum(mass.get(x, 0.0) for x in cover) + kw_phrase[index]
            out[index] += W_KW * min(1.0, covered / q_mass)
        return out

    # --- text analysis --------------------------------------------------------------------

    def _analyse(self, text: str, *, correct: bool) -> _Analysis:
        tokens = tokenise(text)
        corrections: list[tuple[str, str]] = []
        if correct:
            fixed: list[Token] = []
            for tok in tokens:
                new = self._correct(tok.word)
                if new != tok.word:
                    corrections.append((tok.word, new))
                    fixed.append(Token(new, tok.clause))
                else:
                    fixed.append(tok)
            tokens = fixed

        features: dict[str, float] = {}
        surface: dict[str, list[str]] = defaultdict(list)
        stems = [stem(t.word) for t in tokens]
        content_idx = [i for i, t in enumerate(tokens) if _is_content(t.word)]
        content: set[str] = set()

        def add(feat: str, weight: float, words: Iterable[str]) -> None:
            if weight > features.get(feat, 0.0):
                features[feat] = weight
            surface[feat].extend(words)

        for i in content_idx:
            word = tokens[i].word
            if word in POSITIVE_WORDS and _negated(tokens, i):
                # "not happy" is a complaint, not a compliment: no "happy" feature.
                add(_UNHAPPY, SLANG_WEIGHT, (word,))
                content.add(_UNHAPPY)
                continue
            add(stems[i], SCENE_WEIGHT if stems[i] in _SCENE_STEMS else 1.0, (word,))
            content.add(stems[i])
        for a, b in itertools.pairwise(content_idx):
            # Bigrams only within a clause and across at most two stopwords.
            if tokens[a].clause == tokens[b].clause and b - a <= 3:
                add(f"{stems[a]} {stems[b]}", BIGRAM_WEIGHT, (tokens[a].word, tokens[b].word))
        for canonical, start, end in self._slang.find(stems):
            if canonical in _POSITIVE_CONCEPTS and _negated(tokens, start):
                # "not impressed", "wasn't happy": the opposite concept.
                canonical = _UNHAPPY
            add(canonical, SLANG_WEIGHT, (t.word for t in tokens[start:end]))
            content.add(canonical)
        for concept in concepts(tokens):
            # A two-word concept ("wrong order") is the bigram feature of those words.
            feat = " ".join(stem(w) for w in concept.split())
            add(feat, SLANG_WEIGHT, ())
            content.add(feat)
        return _Analysis(tokens, features, dict(surface), content, corrections)

    def _keyword_sets(self, keyword: str, analysis: _Analysis) -> list[frozenset[str]]:
        """Ways a keyword can be hit: all its content stems, or its canonical concept
        when the keyword is itself slang ("fuming" is hit by "livid" via "angry")."""
        stems = frozenset(stem(w) for w in _content_words(tokenise(keyword)))
        out = [stems] if stems else []
        canon = {f for f in analysis.features if f in self._slang.canonicals}
        if canon and len(stems) <= 2:
            out.extend(frozenset({c}) for c in sorted(canon))
        return out

    def _correct(self, word: str) -> str:
        """The library word ``word`` was probably meant to be, or ``word`` itself."""
        if (
            len(word) < MIN_TYPO_LEN
            or word in self._vocab_set
            or word in STOPWORDS
            or not word.isalpha()
            or stem(word) in self._known_stems
            # A real English word or slang is what the staff member meant ("fella" is
            # not a typo of "fell"), even when the library happens not to use it.
            or word in COMMON_WORDS
            or stem(word) in _COMMON_STEMS
        ):
            return word
        if word in self._typo_cache:
            return self._typo_cache[word] or word
        # One edit only (a transposition counts as one): two edits reach real words.
        hits = process.extract(
            word, self._vocab, scorer=OSA.distance, score_cutoff=MAX_TYPO_EDITS, limit=8
        )
        best: str | None = None
        # Only edits a thumb plausibly makes: a real word one letter away ("swapped" /
        # "snapped", "unimpressed" / "impressed") must not be rewritten into another.
        plausible = [h for h in hits if _plausible_typo(word, str(h[0]))]
        if plausible:
            # Nearest first, then the commonest (the vocabulary is sorted by frequency).
            best = str(min(plausible, key=lambda h: (h[1], h[2]))[0])
        self._typo_cache[word] = best
        return best or word


class _SlangIndex:
    """Finds slang variants (single words or phrases) in a stem sequence."""

    def __init__(self, slang: dict[str, tuple[str, ...]]) -> None:
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self.canonicals: set[str] = set()
        for canonical, variants in slang.items():
            canon_stem = stem(canonical)
            self.canonicals.add(canon_stem)
            for phrase in (canonical, *variants):
                seq = phrase_stems(phrase)
                if seq:
                    by_first[seq[0]].append((seq, canon_stem))
        # Phrases by their first two stems, so a common first word ("not", "no") does not
        # mean trying every phrase that starts with it; one-word variants by their stem.
        # Longest phrase first, then the one-word variants, in slang table order.
        self.phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self.words: dict[str, list[str]] = defaultdict(list)
        for entries in by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
            for seq, canonical in entries:
                if len(seq) > 1:
                    self.phrases[seq[0], seq[1]].append((seq, canonical))
                else:
                    self.words[seq[0]].append(canonical)

    def find(self, stems: Sequence[str]) -> list[tuple[str, int, int]]:
        out: list[tuple[str, int, int]] = []
        for i, s in enumerate(stems):
            if i + 1 < len(stems):
                for seq, canonical in self.phrases.get((s, stems[i + 1]), ()):
                    if tuple(stems[i : i + len(seq)]) == seq:
                        out.append((canonical, i, i + len(seq)))
            for canonical in self.words.get(s, ()):
                out.append((canonical, i, i + 1))
        return out


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiouy")
_KEY_POS = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}


def _adjacent_keys(a: str, b: str) -> bool:
    """Neighbouring keys on a QWERTY keyboard (a fat-finger substitution)."""
    pa, pb = _KEY_POS.get(a), _KEY_POS.get(b)
    if pa is None or pb is None:
        return False
    return abs(pa[0] - pb[0]) <= 1 and abs(pa[1] - pb[1]) <= 1


def _plausible_typo(word: str, candidate: str) -> bool:
    """Whether ``word`` is a believable mistyping of ``candidate``.

    Typos keep the first letter and the sense: they drop, double or swap letters, or hit
    a neighbouring key. A substitution between distant keys ("picked" / "packed") or an
    edit at the front ("unhappy" / "happy") is more likely a different real word.
    """
    if not word or not candidate or word[0] != candidate[0]:
        return False
    ops = Levenshtein.editops(word, candidate)
    replaces = [(op.src_pos, op.dest_pos) for op in ops if op.tag == "replace"]
    # An adjacent transposition shows up as two replaces at neighbouring positions.
    if len(replaces) == 2 and len(ops) == 2:
        (i, j), (k, m) = replaces
        if k == i + 1 and m == j + 1 and word[i] == candidate[m] and word[k] == candidate[j]:
            return True
    # Long words also get a wrong vowel ("solicter"): a spelling slip, not a new word.
    return all(
        _adjacent_keys(word[i], candidate[j])
        or (len(word) >= 8 and word[i] in _VOWELS and candidate[j] in _VOWELS)
        for i, j in replaces
    )


def _fields(pb: Playbook) -> list[tuple[str, str]]:
    out = [("title", pb.title)]
    if pb.summary:
        out.append(("summary", pb.summary))
    out.extend(("keyword", k) for k in pb.triggers.keywords)
    out.extend(("example", e) for e in pb.triggers.examples)
    return out


_UNHAPPY = stem("unhappy")
_POSITIVE_CONCEPTS = frozenset({stem("happy"), stem("thanks")})
_NEGATIVE_CONCEPTS = frozenset({_UNHAPPY, stem("angry"), stem("abusive")})
WORD_OF_MOUTH = frozenset({"review", "media"})
_COMMON_STEMS = frozenset(stem(w) for w in COMMON_WORDS)
# Scene words, and generic ones ("something", "problem"): little evidence either way.
_SCENE_STEMS = frozenset(stem(w) for w in SCENE_WORDS | GENERIC_WORDS)


def _mass(idf: dict[str, float], feat: str) -> float:
    """How much a stem says in keyword coverage: its idf, little for a scene word."""
    weight = idf.get(feat, 0.0)
    return weight * SCENE_WEIGHT if feat in _SCENE_STEMS else weight


def _negated(tokens: Sequence[Token], index: int) -> bool:
    """A negator one or two words before, in the same clause ("not very happy")."""
    for j in range(index - 1, max(-1, index - 3), -1):
        if tokens[j].clause != tokens[index].clause:
            return False
        if tokens[j].word in NEGATORS:
            return True
    return False


def _is_content(word: str) -> bool:
    return len(word) > 1 and word not in STOPWORDS


def _content_words(tokens: Sequence[Token]) -> list[str]:
    return [t.word for t in tokens if _is_content(t.word)]
