"""Latency of PlaybookMatcher.match() and of building a matcher.

    python benchmarks/advise_latency.py [--n 2000] [--big 1000] [--playbooks DIR]

Measures on the shipped library and on a synthetic library of ``--big`` playbooks made
by recombining the shipped playbooks' keywords and examples (shuffled words, mixed
sources, fresh ids), which has a realistic vocabulary and posting-list shape. Queries
are the situation files when present, else the shipped examples perturbed with typos.
Budgets (README/spec): p99 < 5 ms shipped, < 20 ms with 1,000 playbooks.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching import PlaybookMatcher  # noqa: E402
from bot.playbooks import Playbook, PlaybookLibrary, load_library  # noqa: E402

SITUATION_FILES = (
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT / "tests" / "data" / "situations_holdout.jsonl",
)


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries(library: PlaybookLibrary, rng: random.Random) -> list[str]:
    out: list[str] = []
    for path in SITUATION_FILES:
        if path.exists():
            out += [json.loads(x)["text"] for x in path.read_text().splitlines() if x.strip()]
    for pb in library:
        for ex in pb.triggers.examples:
            out.append(" ".join(typo(w, rng) if rng.random() < 0.2 else w for w in ex.split()))
    # A few that take the slow paths: nonsense (typo lookups), empty, very long.
    out += ["asdf qwerty zxcvb", "", "hello?", " ".join(out[:5])]
    return out


def synthetic_library(base: PlaybookLibrary, size: int, rng: random.Random) -> PlaybookLibrary:
    """``size`` playbooks recombined from ``base``: each mixes two source playbooks."""
    # Only playbooks with example lines to recombine (general-recovery has none: the
    # confidence threshold chooses it, not its triggers).
    sources = [pb for pb in base if pb.triggers.examples and pb.triggers.keywords]
    made: list[Playbook] = []
    for i in range(size):
        a, b = rng.sample(sources, 2)
        keywords = rng.sample(a.triggers.keywords, min(8, len(a.triggers.keywords)))
        keywords += rng.sample(b.triggers.keywords, min(4, len(b.triggers.keywords)))
        examples = []
        for ex in rng.sample(a.triggers.examples, min(10, len(a.triggers.examples))):
            words = ex.split()
            rng.shuffle(words)
            # Keep most of the sentence, swap in a word from the other source.
            donor = rng.choice(b.triggers.examples).split()
            words[rng.randrange(len(words))] = rng.choice(donor)
            examples.append(" ".join(words))
        data = a.model_dump()
        data.update(
            id=f"{a.id}-x{i}",
            title=f"{a.title} / {b.title} {i}",
            triggers={"keywords": keywords, "examples": examples},
        )
        made.append(Playbook.model_validate(data))
    return PlaybookLibrary(tuple(made))


def measure(
    matcher: PlaybookMatcher, texts: list[str], n: int, rng: random.Random
) -> dict[str, float]:
    for t in texts:  # warm caches (stems, typo lookups), as a running bot would be
        matcher.match(t)
    samples = []
    for _ in range(n):
        t = rng.choice(texts)
        start = time.perf_counter()
        matcher.match(t)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()

    def q(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))]

    return {
        "p50": q(0.50),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": samples[-1],
        "mean": statistics.fmean(samples),
    }


def cold(matcher: PlaybookMatcher, texts: list[str]) -> float:
    """p99 with empty typo cache: the first time each query is seen."""
    samples = []
    for t in texts:
        matcher.lexical._typo_cache.clear()
        start = time.perf_counter()
        matcher.match(t)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[min(len(samples) - 1, int(0.99 * len(samples)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="timed calls per library")
    parser.add_argument("--big", type=int, default=1000, help="synthetic library size")
    parser.add_argument("--playbooks", type=Path, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(7)

    shipped = load_library(args.playbooks)
    texts = queries(shipped, rng)
    libraries = [
        ("shipped", shipped),
        (f"synthetic-{args.big}", synthetic_library(shipped, args.big, rng)),
    ]
    for name, library in libraries:
        start = time.perf_counter()
        matcher = PlaybookMatcher(library)
        built = (time.perf_counter() - start) * 1000
        stats = measure(matcher, texts, args.n, rng)
        print(
            f"{name:>16}: {len(library):5d} playbooks  build {built:8.1f} ms  match "
            + "  ".join(f"{k} {v:6.3f} ms" for k, v in stats.items())
            + f"  cold-cache p99 {cold(matcher, texts):6.3f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
