"""A linear classifier over staff wording: which playbook a situation belongs to.

Trained offline (``benchmarks/train_situation_model.py``) on thousands of example lines
in staff voice (``playbooks/training/``, written by people who did not write the
held-out sets, plus the playbooks' own examples) and shipped as plain arrays
(``situation_model.npz`` beside this file): numpy is all it needs at run time, nothing
is downloaded, and a prediction is a few hundred additions (~0.2 ms).

Features are what survives staff typing: word stems and adjacent stem pairs after the
matcher's own normalisation (shorthand, contractions), the slang concepts of
``bot.text``, and character 3-5-grams inside words so that a typo ("refnd", "overchraged")
still shares most of its pieces with the word it meant. Each text's feature vector is
binary and L2-normalised, so long run-ons do not outweigh short lines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from bot.text import concepts, stem, tokenise

CHAR_NGRAMS = (3, 4, 5)
FORMAT_VERSION = 1
SHIPPED_MODEL = Path(__file__).with_name("situation_model.npz")
# The same kind of model over escalation reasons (``bot.matching.escalation_model``).
SHIPPED_ESCALATION_MODEL = Path(__file__).with_name("escalation_model.npz")
# The MLP readers of the same features, averaged with the linear ones (``AveragedModel``):
# two for playbooks (the same lines, two seeds: one MLP's quirks are not the other's),
# one for escalation reasons.
SHIPPED_MLPS = (
    Path(__file__).with_name("situation_mlp_a.npz"),
    Path(__file__).with_name("situation_mlp_b.npz"),
)
SHIPPED_ESCALATION_MLP = Path(__file__).with_name("escalation_mlp.npz")


def load_shipped(linear: Path, mlps: Sequence[Path]) -> ClassifierModel | None:
    """The linear model and the MLPs at these paths: the linear model weighs half and
    the MLPs share the other half; whichever are present if some are absent; None if
    none is there."""
    found = [SituationModel.load(path) for path in (linear, *mlps) if path.is_file()]
    if not found:
        return None
    # Trained on the same lines: one dict of ~90,000 features (about 10 MB) and one
    # lookup a line serve them all.
    models = [
        replace(m, vocabulary=found[0].vocabulary) if m.vocabulary == found[0].vocabulary else m
        for m in found
    ]
    if len(models) == 1:
        return models[0]
    mlp_count = sum(isinstance(m, MlpSituationModel) for m in models)
    if not linear.is_file() or mlp_count == 0:
        return AveragedModel(tuple(models))
    weights = tuple(
        0.5 if not isinstance(m, MlpSituationModel) else 0.5 / mlp_count for m in models
    )
    return AveragedModel(tuple(models), weights)


@cache
def shipped_labels() -> tuple[str, ...]:
    """The ids the shipped classifier was trained on, without loading its arrays (the
    ids an organisation's own playbook may not take); () if no model is shipped."""
    for path in (SHIPPED_MODEL, *SHIPPED_MLPS):
        if path.is_file():
            with np.load(path, allow_pickle=False) as data:  # an npz reads one array
                return tuple(json.loads(str(data["labels"])))
    return ()


@cache
def shipped_model() -> ClassifierModel | None:
    """The model shipped with the library, loaded once per process (None if absent)."""
    return load_shipped(SHIPPED_MODEL, SHIPPED_MLPS)


def _softmax(labels: tuple[str, ...], scores: np.ndarray) -> dict[str, float]:
    scores = scores - scores.max()
    exp = np.exp(scores)
    exp /= exp.sum()
    return dict(zip(labels, (float(p) for p in exp), strict=True))


def situation_features(text: str) -> list[str]:
    """The distinct features of ``text``, in first-seen order."""
    tokens = tokenise(text)
    stems = [stem(t.word) for t in tokens]
    found: dict[str, None] = {}
    for s in stems:
        found[f"w:{s}"] = None
    for (a, sa), (b, sb) in pairwise(zip(tokens, stems, strict=True)):
        if a.clause == b.clause:
            found[f"b:{sa}_{sb}"] = None
    for concept in concepts(tokens):
        found[f"k:{concept}"] = None
    for token in tokens:
        word = f"<{token.word}>"
        for n in CHAR_NGRAMS:
            for i in range(len(word) - n + 1):
                found[f"c:{word[i : i + n]}"] = None
    return list(found)


class _FeatureTable:
    """What the linear model and the MLP share: a vocabulary of features, and a line read
    as the sum of its features' rows of a table over the square root of their count (the
    line's binary, L2-normalised feature vector times the table)."""

    vocabulary: dict[str, int]

    def known_stems(self) -> frozenset[str]:
        """The word stems the model has seen in training (its ``w:`` features)."""
        return frozenset(f[2:] for f in self.vocabulary if f.startswith("w:"))

    def probabilities(self, text: str) -> dict[str, float]:
        """Each label's probability for ``text`` (they sum to 1)."""
        return self.probabilities_of(situation_features(text))

    def probabilities_of(self, features: Iterable[str]) -> dict[str, float]:
        """Each label's probability from features already worked out (two models read
        one line once)."""
        return self.probabilities_of_rows(self.rows(features))

    def rows(self, features: Iterable[str]) -> list[int]:
        """The rows of the line's features this model knows (the rest are unseen)."""
        vocabulary = self.vocabulary
        return [vocabulary[f] for f in features if f in vocabulary]

    def probabilities_of_rows(self, rows: list[int]) -> dict[str, float]:
        raise NotImplementedError

    @staticmethod
    def _pooled(
        table: np.ndarray,
        start: np.ndarray,
        rows: list[int],
        dtype: type[np.floating[Any]] | None = None,
    ) -> np.ndarray:
        """``start`` (in float64) plus the line's pooled ``rows`` of ``table``, summed in
        ``dtype`` (None: the table's own)."""
        pooled = start.astype(np.float64)
        if rows:
            pooled = pooled + table[rows].sum(axis=0, dtype=dtype) / math.sqrt(len(rows))
        return pooled


@dataclass(frozen=True)
class SituationModel(_FeatureTable):
    """Softmax regression: ``labels[k]``'s score is ``bias[k] + sum(weights[f, k])``."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: np.ndarray  # (features, labels), float32
    bias: np.ndarray  # (labels,), float32

    def probabilities_of_rows(self, rows: list[int]) -> dict[str, float]:
        return _softmax(self.labels, self._pooled(self.weights, self.bias, rows))

    def save(self, path: Path) -> None:
        vocabulary = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            path,
            format_version=np.array(FORMAT_VERSION),
            labels=np.array(json.dumps(list(self.labels))),
            vocabulary=np.array(json.dumps(vocabulary)),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> SituationModel | MlpSituationModel:
        """A saved model of either kind (a ``kind`` array says "mlp"; none, linear)."""
        with np.load(path, allow_pickle=False) as data:
            if "kind" in data and str(data["kind"]) == MlpSituationModel.KIND:
                return MlpSituationModel.load(path)
            if int(data["format_version"]) != FORMAT_VERSION:
                raise ValueError(f"{path.name}: model format {int(data['format_version'])}")
            labels = tuple(json.loads(str(data["labels"])))
            vocabulary = json.loads(str(data["vocabulary"]))
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        if weights.shape != (len(vocabulary), len(labels)) or bias.shape != (len(labels),):
            raise ValueError(f"{path.name}: arrays do not match the labels and vocabulary")
        return cls(labels, {f: i for i, f in enumerate(vocabulary)}, weights, bias)


@dataclass(frozen=True)
class MlpSituationModel(_FeatureTable):
    """One hidden layer over the same features: ``softmax(relu(x @ w1 + b1) @ w2 + b2)``,
    where ``x`` is the line's binary, L2-normalised feature vector (so ``x @ w1`` is the
    sum of the line's rows of ``w1`` over the square root of their count). Trained by
    ``benchmarks/train_situation_mlp.py``, on playbooks or on escalation reasons."""

    KIND = "mlp"

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    w1: np.ndarray  # (features, hidden), float16
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (hidden, labels)
    b2: np.ndarray  # (labels,)

    def probabilities_of_rows(self, rows: list[int]) -> dict[str, float]:
        hidden = self._pooled(self.w1, self.b1, rows, dtype=np.float64)  # w1 is float16
        return _softmax(self.labels, np.maximum(hidden, 0.0) @ self.w2 + self.b2)

    def save(self, path: Path) -> None:
        vocabulary = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        # Not compressed: float16 weights do not shrink (44 vs 52 MB) and inflating them
        # cost 0.3 s of every start-up.
        np.savez(
            path,
            kind=np.array(self.KIND),
            format_version=np.array(FORMAT_VERSION),
            labels=np.array(json.dumps(list(self.labels))),
            vocabulary=np.array(json.dumps(vocabulary)),
            w1=self.w1.astype(np.float16),
            b1=self.b1.astype(np.float32),
            w2=self.w2.astype(np.float16),
            b2=self.b2.astype(np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> MlpSituationModel:
        with np.load(path, allow_pickle=False) as data:
            if str(data["kind"]) != cls.KIND or int(data["format_version"]) != FORMAT_VERSION:
                raise ValueError(f"{path.name}: not an MLP model of format {FORMAT_VERSION}")
            labels = tuple(json.loads(str(data["labels"])))
            vocabulary = json.loads(str(data["vocabulary"]))
            w1 = data["w1"]  # kept float16: half the memory; summed in float64
            b1 = data["b1"].astype(np.float32)
            w2 = data["w2"].astype(np.float32)
            b2 = data["b2"].astype(np.float32)
        hidden = b1.shape[0]
        if (
            w1.shape != (len(vocabulary), hidden)
            or w2.shape != (hidden, len(labels))
            or b2.shape != (len(labels),)
        ):
            raise ValueError(f"{path.name}: arrays do not match the labels and vocabulary")
        return cls(labels, {f: i for i, f in enumerate(vocabulary)}, w1, b1, w2, b2)


@dataclass(frozen=True)
class AveragedModel:
    """The weighted mean of several models' probabilities over the same labels. The
    linear model is well calibrated but blind to how words combine; an MLP reads
    combinations but is over-sure where it is wrong ("the tv keeps jerking and
    freezing": a seizure at 0.98), and two MLPs trained alike are over-sure in different
    places. On the development sets the mean beat each alone (README, "Matching
    quality")."""

    members: tuple[SituationModel | MlpSituationModel, ...]
    weights: tuple[float, ...] | None = None  # one a member, summing to 1; None: equal

    @property
    def labels(self) -> tuple[str, ...]:
        return self.members[0].labels

    def known_stems(self) -> frozenset[str]:
        return frozenset().union(*(m.known_stems() for m in self.members))

    def probabilities(self, text: str) -> dict[str, float]:
        return self.probabilities_of(situation_features(text))

    def probabilities_of(self, features: Iterable[str]) -> dict[str, float]:
        features = list(features)
        # Members over one vocabulary (the linear model and the MLP trained on the same
        # lines share the dict, ``load_shipped``) look the line's features up once.
        rows: dict[int, list[int]] = {}
        readings = []
        for member in self.members:
            key = id(member.vocabulary)
            if key not in rows:
                rows[key] = member.rows(features)
            readings.append(member.probabilities_of_rows(rows[key]))
        weights = self.weights or (1.0 / len(readings),) * len(readings)
        return {
            label: sum(w * r.get(label, 0.0) for w, r in zip(weights, readings, strict=True))
            for label in self.labels
        }


# Any kind of model: the matcher and the escalation reading use only the shared methods.
ClassifierModel = SituationModel | MlpSituationModel | AveragedModel


def design_matrix(
    pairs: list[tuple[str, str]], *, min_count: int = 2
) -> tuple[tuple[str, ...], dict[str, int], Any, np.ndarray]:
    """The training set as (labels, vocabulary, sparse rows, label indices): features seen
    in at least ``min_count`` lines, each row binary and L2-normalised. Needs scipy."""
    from scipy import sparse

    labels = tuple(sorted({label for _, label in pairs}))
    label_index = {label: i for i, label in enumerate(labels)}
    featured = [situation_features(text) for text, _ in pairs]
    counts: dict[str, int] = {}
    for features in featured:
        for f in features:
            counts[f] = counts.get(f, 0) + 1
    kept = sorted(f for f, c in counts.items() if c >= min_count)
    vocabulary = {f: i for i, f in enumerate(kept)}
    indptr: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    for features in featured:
        rows = [vocabulary[f] for f in features if f in vocabulary]
        indices.extend(rows)
        values.extend([1.0 / math.sqrt(len(rows))] * len(rows) if rows else [])
        indptr.append(len(indices))
    x = sparse.csr_matrix(
        (np.array(values), np.array(indices), np.array(indptr)),
        shape=(len(pairs), len(vocabulary)),
    )
    y = np.array([label_index[label] for _, label in pairs])
    return labels, vocabulary, x, y


def fit(
    lines: Iterable[tuple[str, str]],
    *,
    min_count: int = 2,
    l2: float = 1e-4,
    iterations: int = 300,
) -> SituationModel:
    """Train on (text, label) pairs. Needs scipy (a training-time tool, not a runtime
    dependency): L-BFGS over a sparse design matrix."""
    from scipy import optimize

    labels, vocabulary, x, y = design_matrix(list(lines), min_count=min_count)
    n, d, k = x.shape[0], x.shape[1], len(labels)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: d * k].reshape(d, k)
        b = theta[d * k :]
        scores = x @ w + b
        scores -= scores.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scores).sum(axis=1, keepdims=True))
        log_p = scores - log_norm
        value = -(onehot * log_p).sum() / n + 0.5 * l2 * (w * w).sum()
        delta = (np.exp(log_p) - onehot) / n
        grad_w = np.asarray(x.T @ delta) + l2 * w
        return float(value), np.concatenate([grad_w.ravel(), delta.sum(axis=0)])

    result = optimize.minimize(
        loss,
        np.zeros(d * k + k),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": iterations},
    )
    theta = result.x
    return SituationModel(
        labels,
        vocabulary,
        theta[: d * k].reshape(d, k).astype(np.float32),
        theta[d * k :].astype(np.float32),
    )
