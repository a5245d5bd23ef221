"""Train the situation classifier and write it where the matcher loads it.

    python3 benchmarks/train_situation_model.py [--training DIR] [--playbooks DIR] [--out FILE]

Training lines: one situation a line in ``playbooks/training/<playbook id>.txt`` (written
in staff voice by people who did not write the held-out sets), the playbook of each line
in ``playbooks/training/labelled/*.jsonl``, plus each playbook's own ``triggers.examples``.
Needs scipy (``pip install scipy``), a training-time tool only: the saved model is plain
numpy arrays. Prints the line counts and the training accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching.classifier import SHIPPED_MODEL, fit  # noqa: E402
from bot.playbooks import load_library  # noqa: E402

DEFAULT_OUT = SHIPPED_MODEL


def labelled_lines(training: Path, skip: frozenset[str] = frozenset()) -> list[dict[str, object]]:
    """The lines labelled with a playbook and an escalation verdict
    (``labelled/*.jsonl``: {"text", "playbook", "escalate", "reason"}), but for the files
    named in ``skip`` (stems)."""
    rows: list[dict[str, object]] = []
    for path in sorted((training / "labelled").glob("*.jsonl")):
        if path.stem in skip:
            continue
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def training_lines(training: Path, playbooks: Path | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for path in sorted(training.glob("*.txt")):
        label = path.stem
        pairs += [(line.strip(), label) for line in path.read_text().splitlines() if line.strip()]
    pairs += [(str(row["text"]), str(row["playbook"])) for row in labelled_lines(training)]
    if playbooks is not None:
        for playbook in load_library(playbooks):
            pairs += [(example, playbook.id) for example in playbook.triggers.examples]
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--training", type=Path, default=ROOT / "playbooks" / "training")
    parser.add_argument("--playbooks", type=Path, default=ROOT / "playbooks")
    parser.add_argument("--no-examples", action="store_true", help="training files only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--l2", type=float, default=3e-6)
    parser.add_argument("--iterations", type=int, default=1000)
    args = parser.parse_args()
    pairs = training_lines(args.training, None if args.no_examples else args.playbooks)
    started = time.perf_counter()
    model = fit(pairs, l2=args.l2, iterations=args.iterations)
    elapsed = time.perf_counter() - started
    right = sum(_best(model.probabilities(text)) == label for text, label in pairs)
    model.save(args.out)
    print(
        f"{len(pairs)} lines, {len(model.labels)} playbooks, {len(model.vocabulary)} features; "
        f"trained in {elapsed:.1f} s; training accuracy {right / len(pairs):.1%}; "
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)"
    )
    return 0


def _best(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=probabilities.__getitem__)


if __name__ == "__main__":
    raise SystemExit(main())
