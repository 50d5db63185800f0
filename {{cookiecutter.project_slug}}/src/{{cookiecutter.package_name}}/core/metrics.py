"""Metric definitions shared by evaluate, the gate and the decay trigger.

Every metric knows its direction, so "better" is never guessed from a name. For
classification, ``scores`` are the predicted probability of the positive class;
label metrics cut them at ``threshold``. For multiclass, ``y_true`` holds class
positions (0..K-1) and ``scores`` the K-column probability matrix; label metrics
take the most probable class, and ``log_loss`` / ``accuracy`` accept either shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    fn: Callable[[np.ndarray, np.ndarray, float], float]

    def __call__(self, y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> float:
        return float(self.fn(np.asarray(y_true), np.asarray(scores, dtype=float), threshold))

    def improvement(self, champion: float, candidate: float) -> float:
        """Positive when the candidate is better, whatever the direction."""
        return candidate - champion if self.higher_is_better else champion - candidate


def midranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (scipy.stats.rankdata's 'average'); O(n log n)."""
    x = np.ascontiguousarray(x)
    order = np.argsort(x)  # ties need no stable order: each tie group shares its midrank
    out = np.empty(len(x), dtype=float)
    out[order] = sorted_midranks(x[order])
    return out


def sorted_midranks(sorted_x: np.ndarray) -> np.ndarray:
    """``midranks`` of an array already in ascending order (no sort)."""
    n = len(sorted_x)
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], n]
    return np.repeat((starts + ends + 1) / 2.0, ends - starts)


def _roc_auc(y: np.ndarray, s: np.ndarray, _: float) -> float:
    """Mann-Whitney form of the ROC AUC (ties count half), as sklearn's roc_auc_score, in one sort."""
    positive = np.asarray(y) == 1
    m = int(positive.sum())
    n = len(positive) - m
    if m == 0 or n == 0:
        return float("nan")
    return float((midranks(s)[positive].sum() - m * (m + 1) / 2) / (m * n))


def _average_precision(y: np.ndarray, s: np.ndarray, _: float) -> float:
    """Step-wise area under the precision-recall curve (sklearn's average_precision_score), in one sort."""
    positive = np.asarray(y) == 1
    n = len(positive)
    if n == 0 or not positive.any():
        # No positives: recall has no denominator, so the metric is undefined (scikit-learn warns and
        # says 0.0, which would make a decay window of negatives look like a collapse). NaN, like
        # roc_auc on one class: the window is not scored, the gate refuses to judge.
        return float("nan")
    recall, precision = pr_points(positive, s)
    return float(np.sum(np.diff(recall) * precision[1:]))


def _counts_by_threshold(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives when cutting at each distinct score, highest first (one sort)."""
    positive = np.asarray(y) == 1
    order = np.argsort(-s, kind="mergesort")
    sorted_s = s[order]
    ends = np.r_[np.flatnonzero(sorted_s[1:] != sorted_s[:-1]), len(s) - 1]  # last row of each tied score
    tps = np.cumsum(positive[order])[ends]
    return tps, ends + 1 - tps


def roc_points(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) at every distinct threshold, from (0, 0): scikit-learn's
    ``roc_curve(..., drop_intermediate=False)`` without importing ``sklearn.metrics`` (the report's figures)."""
    tps, fps = _counts_by_threshold(y, np.asarray(scores, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):  # one class: NaN, as the AUC is
        return np.r_[0.0, fps] / fps[-1], np.r_[0.0, tps] / tps[-1]


def pr_points(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) at every distinct threshold, from (0, 1) as scikit-learn's
    ``precision_recall_curve`` ends; the step area under it is ``average_precision``."""
    tps, fps = _counts_by_threshold(y, np.asarray(scores, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.r_[0.0, tps / tps[-1]], np.r_[1.0, tps / (tps + fps)]


def _log_loss(y: np.ndarray, s: np.ndarray, _: float) -> float:
    if len(y) == 0:
        return float("nan")
    if s.ndim == 2:  # multiclass: mean negative log-probability of the true class
        p = np.clip(s[np.arange(len(y)), y.astype(int)], 1e-15, 1.0)
        return float(-np.mean(np.log(p)))
    p = np.clip(s, 1e-15, 1 - 1e-15)
    yy = np.asarray(y, dtype=float)
    return float(-np.mean(yy * np.log(p) + (1 - yy) * np.log(1 - p)))


def _brier(y: np.ndarray, s: np.ndarray, _: float) -> float:
    return float(np.mean((s - y) ** 2))


def _confusion(y: np.ndarray, s: np.ndarray, t: float) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of the labels ``s >= t`` against ``y``."""
    actual, predicted = np.asarray(y) == 1, s >= t
    tp = int(np.sum(actual & predicted))
    return tp, int(np.sum(predicted)) - tp, int(np.sum(actual)) - tp


# f1 / precision / recall as scikit-learn's, zero_division=0 (no scikit-learn import: the gate stays light)
def _f1(y: np.ndarray, s: np.ndarray, t: float) -> float:
    tp, fp, fn = _confusion(y, s, t)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _precision(y: np.ndarray, s: np.ndarray, t: float) -> float:
    tp, fp, _ = _confusion(y, s, t)
    return tp / (tp + fp) if tp else 0.0


def _recall(y: np.ndarray, s: np.ndarray, t: float) -> float:
    tp, _, fn = _confusion(y, s, t)
    return tp / (tp + fn) if tp else 0.0


def _accuracy(y: np.ndarray, s: np.ndarray, t: float) -> float:
    if s.ndim == 2:
        return float(np.mean(np.argmax(s, axis=1) == y))
    return float(np.mean((s >= t).astype(int) == y))


def _roc_auc_ovr(y: np.ndarray, s: np.ndarray, _: float) -> float:
    """Macro one-vs-rest ROC AUC over the classes present in ``y`` (each with positives and negatives)."""
    y = y.astype(int)
    values = [_roc_auc(y == k, s[:, k], 0.5) for k in range(s.shape[1]) if 0 < np.sum(y == k) < len(y)]
    return float(np.mean(values)) if values else float("nan")


def _f1_macro(y: np.ndarray, s: np.ndarray, _: float) -> float:
    """Unweighted mean of the per-class F1 over the classes in ``y`` or predicted (scikit-learn's macro F1)."""
    y = y.astype(int)
    predicted = np.argmax(s, axis=1)
    labels = np.union1d(y, predicted)
    if len(labels) == 0:
        return 0.0
    scores = []
    for c in labels:
        tp = int(np.sum((y == c) & (predicted == c)))
        wrong = int(np.sum(y == c)) + int(np.sum(predicted == c)) - 2 * tp  # fp + fn
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return float(np.mean(scores))


def _rmse(y: np.ndarray, s: np.ndarray, _: float) -> float:
    return float(np.sqrt(np.mean((y - s) ** 2)))


def _mae(y: np.ndarray, s: np.ndarray, _: float) -> float:
    return float(np.mean(np.abs(y - s)))


def _r2(y: np.ndarray, s: np.ndarray, _: float) -> float:
    denominator = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - s) ** 2)) / denominator if denominator else float("nan")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", True, _roc_auc),
        Metric("average_precision", True, _average_precision),
        Metric("log_loss", False, _log_loss),
        Metric("brier", False, _brier),
        Metric("f1", True, _f1),
        Metric("precision", True, _precision),
        Metric("recall", True, _recall),
        Metric("accuracy", True, _accuracy),
        Metric("rmse", False, _rmse),
        Metric("mae", False, _mae),
        Metric("r2", True, _r2),
        Metric("roc_auc_ovr", True, _roc_auc_ovr),
        Metric("f1_macro", True, _f1_macro),
    )
}


def class_key(value: Any) -> str:
    """A class label as text; integral floats lose their ".0" (a label column with gaps reads 1 as 1.0)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None


def compute(
    names: tuple[str, ...] | list[str], y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    return {name: get_metric(name)(y_true, scores, threshold) for name in names}
