"""Train a one-hidden-layer MLP over the situation classifier's features (playbooks, or
escalation reasons) and write it as plain arrays (``classifier.MlpSituationModel``).

    python3 benchmarks/train_situation_mlp.py [--labels playbook|escalation] [--out FILE]
        [--hidden 128] [--epochs 4] [--batch 128] [--lr 1e-2] [--dropout 0.3]
        [--input-dropout 0.2] [--l2 1e-6] [--seed 0]

Same lines as the linear trainers (``train_situation_model.training_lines``,
``train_escalation_model.escalation_lines``), same features and vocabulary rule
(``classifier.design_matrix``). Minibatch Adam in numpy; needs scipy for the sparse
design matrix. Input dropout drops whole features of a line (then re-normalises), so the
model cannot lean on one word; hidden dropout is inverted dropout on the ReLU units.

Shipped, averaged with the linear models (``classifier.AveragedModel``: the linear
playbook model weighs half, the two playbook MLPs a quarter each):

    python3 benchmarks/train_situation_mlp.py --hidden 128 --epochs 3 --seed 2 \
        --out bot/matching/situation_mlp_a.npz                 # ~1 min on 2 cores, 31 MB
    python3 benchmarks/train_situation_mlp.py --hidden 128 --epochs 3 --seed 3 \
        --out bot/matching/situation_mlp_b.npz                 # ~1 min, 31 MB
    python3 benchmarks/train_situation_mlp.py --labels escalation --epochs 5 --seed 1 \
        --out bot/matching/escalation_mlp.npz                  # ~1 min, 30 MB

A line costs ~0.2 ms per model, as the linear ones.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.train_escalation_model import escalation_lines  # noqa: E402
from benchmarks.train_situation_model import training_lines  # noqa: E402
from bot.matching.classifier import MlpSituationModel, design_matrix  # noqa: E402


def train(
    pairs: list[tuple[str, str]],
    *,
    hidden: int = 128,
    epochs: int = 4,
    batch: int = 128,
    lr: float = 2e-3,
    dropout: float = 0.3,
    input_dropout: float = 0.2,
    l2: float = 1e-6,
    seed: int = 0,
    init: float = 0.1,
    log: bool = True,
) -> MlpSituationModel:
    from scipy import sparse

    labels, vocabulary, x, y = design_matrix(pairs)
    x = sparse.csr_matrix(x, dtype=np.float32)
    n, d, k = x.shape[0], x.shape[1], len(labels)
    rng = np.random.default_rng(seed)
    # A line has ~100 features of weight ~0.1: N(0, s) rows give hidden units of scale s.
    params = {
        "w1": rng.normal(0.0, init, (d, hidden)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": rng.normal(0.0, math.sqrt(2.0 / hidden), (hidden, k)).astype(np.float32),
        "b2": np.zeros(k, np.float32),
    }
    moment = {name: np.zeros_like(p) for name, p in params.items()}
    second = {name: np.zeros_like(p) for name, p in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    step = 0
    steps_total = epochs * math.ceil(n / batch)
    for epoch in range(epochs):
        order = rng.permutation(n)
        loss_sum = 0.0
        started = time.perf_counter()
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            xb = x[idx]
            if input_dropout > 0:
                xb = xb.copy()
                xb.data = (rng.random(xb.nnz) >= input_dropout).astype(np.float32)
                norms = np.sqrt(np.asarray(xb.sum(axis=1)).ravel())
                xb = sparse.diags(1.0 / np.maximum(norms, 1.0)).astype(np.float32) @ xb
                xb = sparse.csr_matrix(xb)
            yb = y[idx]
            m = len(idx)
            pre = np.asarray(xb @ params["w1"]) + params["b1"]
            act = np.maximum(pre, 0.0)
            if dropout > 0:
                mask = (rng.random(act.shape) >= dropout).astype(np.float32) / (1.0 - dropout)
                act = act * mask
            scores = act @ params["w2"] + params["b2"]
            scores -= scores.max(axis=1, keepdims=True)
            log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
            loss_sum += -float(log_p[np.arange(m), yb].sum())
            delta = np.exp(log_p)
            delta[np.arange(m), yb] -= 1.0
            delta /= m
            grads = {"w2": act.T @ delta, "b2": delta.sum(axis=0)}
            back = delta @ params["w2"].T
            if dropout > 0:
                back *= mask
            back *= pre > 0
            grads["b1"] = back.sum(axis=0)
            # Only the rows of w1 this batch touched have a gradient (lazy Adam on them).
            touched = np.unique(xb.indices)
            xt = xb[:, touched]
            step += 1
            rate = lr * 0.5 * (1 + math.cos(math.pi * step / steps_total))  # cosine decay
            correction = math.sqrt(1 - beta2**step) / (1 - beta1**step)
            for name, grad in grads.items():
                _adam(params[name], moment[name], second[name], grad + l2 * params[name],
                      rate * correction, beta1, beta2, eps)
            g1 = np.asarray(xt.T @ back) + l2 * params["w1"][touched]
            m1 = moment["w1"][touched] * beta1 + (1 - beta1) * g1
            s1 = second["w1"][touched] * beta2 + (1 - beta2) * g1 * g1
            moment["w1"][touched] = m1
            second["w1"][touched] = s1
            params["w1"][touched] -= rate * correction * m1 / (np.sqrt(s1) + eps)
        if log:
            print(
                f"epoch {epoch + 1}/{epochs}: loss {loss_sum / n:.4f} "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    return MlpSituationModel(
        labels, vocabulary, params["w1"], params["b1"], params["w2"], params["b2"]
    )


def _adam(
    param: np.ndarray,
    moment: np.ndarray,
    second: np.ndarray,
    grad: np.ndarray,
    rate: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    moment *= beta1
    moment += (1 - beta1) * grad
    second *= beta2
    second += (1 - beta2) * grad * grad
    param -= rate * moment / (np.sqrt(second) + eps)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", choices=("playbook", "escalation"), default="playbook")
    parser.add_argument("--training", type=Path, default=ROOT / "playbooks" / "training")
    parser.add_argument("--playbooks", type=Path, default=ROOT / "playbooks")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--input-dropout", type=float, default=0.2)
    parser.add_argument("--l2", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", type=float, default=0.1)
    args = parser.parse_args()
    if args.labels == "playbook":
        pairs = training_lines(args.training, args.playbooks)
    else:
        # All the labelled files, LEFT_OUT too: the MLP reads danger in them without
        # the linear model's loss (README, "Matching quality").
        pairs = escalation_lines(args.training, args.playbooks, frozenset())
    started = time.perf_counter()
    model = train(
        pairs,
        hidden=args.hidden,
        epochs=args.epochs,
        batch=args.batch,
        lr=args.lr,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        l2=args.l2,
        seed=args.seed,
        init=args.init,
    )
    elapsed = time.perf_counter() - started
    model.save(args.out)
    loaded = MlpSituationModel.load(args.out)  # accuracy of the float16 arrays as shipped
    right = sum(
        max(p := loaded.probabilities(text), key=p.__getitem__) == label for text, label in pairs
    )
    counts = Counter(label for _, label in pairs)
    print(
        f"{len(pairs)} lines, {len(counts)} labels, {len(model.vocabulary)} features, "
        f"{args.hidden} hidden; trained in {elapsed:.1f} s; training accuracy "
        f"{right / len(pairs):.1%}; wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
