"""Matching quality of the lexical matcher on situation files (JSON lines).

    python benchmarks/matcher_quality.py [FILE ...] [--playbooks DIR] [--quiet]

Each line: {"text": ..., "expect": [ids, best first], "escalate": true|false (optional)}.
Prints per file: n, top-1 (first answer is any expected id), top-3 (an expected id in
the first three), escalation recall (escalate:true lines flagged), false alarms
(escalate:false lines flagged), "did you mean" rate, and every miss.

Default files: ../shared/eval/dev.jsonl (if present) and tests/data/situations_holdout.jsonl.
Exit status is 0 whatever the figures: this measures, CI gates live in the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching import MatchResult, PlaybookMatcher  # noqa: E402
from bot.playbooks import load_library  # noqa: E402

# Playbooks that answer a safety-critical line.
SAFETY_IDS = frozenset(
    {"safety-emergency", "medical-emergency", "missing-person", "self-harm-or-crisis"}
)

DEFAULT_FILES = (
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT / "tests" / "data" / "situations_holdout.jsonl",
)


@dataclass
class Report:
    name: str
    n: int = 0
    top1: int = 0
    top3: int = 0
    esc_pos: int = 0
    esc_hit: int = 0
    esc_neg: int = 0
    esc_false: int = 0
    unsure: int = 0
    unsure_wrong: int = 0
    wrong: int = 0
    fallback: int = 0  # answered general-recovery (unsure, or a language it cannot read)
    # Safety-critical lines (a safety id expected first, escalate true): how many were
    # answered with a safety playbook first and escalated for safety.
    safety_lines: int = 0
    safety_first: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, case: dict[str, Any], result: MatchResult) -> None:
        expect: list[str] = case["expect"]
        ids = [c.playbook_id for c in result.ranked]
        self.n += 1
        ok1 = bool(ids) and ids[0] in expect
        ok3 = any(i in expect for i in ids[:3])
        self.top1 += ok1
        self.top3 += ok3
        self.unsure += not result.confident
        self.wrong += not ok1
        self.unsure_wrong += (not ok1) and (not result.confident)
        self.fallback += result.fallback
        unsafe = False
        if expect[0] in SAFETY_IDS and case.get("escalate") is True:
            self.safety_lines += 1
            first = bool(ids) and ids[0] in SAFETY_IDS
            safe = first and result.escalate and "safety" in result.all_reasons
            self.safety_first += safe
            unsafe = not safe
        esc = case.get("escalate")
        flagged = result.escalate
        problems = []
        if not ok1:
            shown = ", ".join(f"{c.playbook_id}:{c.score:.2f}" for c in result.ranked[:3])
            problems.append(f"top-{'3 ' if ok3 else 'x '} got [{shown}] want {expect}")
        if esc is True:
            self.esc_pos += 1
            self.esc_hit += flagged
            if not flagged:
                problems.append("escalation missed")
        elif esc is False:
            self.esc_neg += 1
            self.esc_false += flagged
            if flagged:
                why = ",".join(result.all_reasons) or "?"
                problems.append(f"false alarm ({why}: {', '.join(result.signal_phrases)})")
        if unsafe:
            problems.append("safety line without a safety playbook first and an alert")
        if problems:
            conf = f"conf={result.confidence:.2f}{'' if result.confident else ' unsure'}"
            self.misses.append(f"  {case['text']!r}\n      {'; '.join(problems)} ({conf})")

    def summary(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:5.1f}%" if b else "  n/a"

        return (
            f"{self.name}: n={self.n}  top-1 {pct(self.top1, self.n)}"
            f"  top-3 {pct(self.top3, self.n)}"
            f"  esc recall {pct(self.esc_hit, self.esc_pos)} ({self.esc_hit}/{self.esc_pos})"
            f"  false alarms {pct(self.esc_false, self.esc_neg)} ({self.esc_false}/{self.esc_neg})"
            f"  unsure {pct(self.unsure, self.n)} (catches {self.unsure_wrong}/{self.wrong} wrong)"
            f"  fall back {pct(self.fallback, self.n)}"
            f"  safety first {pct(self.safety_first, self.safety_lines)}"
            f" ({self.safety_first}/{self.safety_lines})"
        )


def load_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            cases.append(json.loads(line))
    return cases


def evaluate(matcher: PlaybookMatcher, path: Path) -> Report:
    report = Report(path.name)
    for case in load_cases(path):
        report.add(case, matcher.match(case["text"]))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--playbooks", type=Path, default=None, help="library folder")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args(argv)
    files = args.files or [p for p in DEFAULT_FILES if p.exists()]
    if not files:
        print("no situation files found; pass some", file=sys.stderr)
        return 2
    matcher = PlaybookMatcher(load_library(args.playbooks))
    for path in files:
        report = evaluate(matcher, path)
        print(report.summary())
        if not args.quiet:
            print("\n".join(report.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
