"""How far one model's metric on these rows may sit from its true value: closed form where one exists.

The decay trigger asks it of every scored window, the model card of every holdout metric. The
percentile bootstrap answers any metric but costs resamples x rows (400 x 210,000 rows is a
quarter of the daily check at 30,000 rows/day); the closed forms below cost one pass (one sort
for the AUC):

* ``roc_auc``: DeLong's variance of a single AUC from its structural components;
* ``mae``, ``brier``, ``log_loss``, ``accuracy``: the central limit theorem on the mean of the
  per-row losses (accuracy: of per-row correctness);
* ``rmse``, ``r2``: the delta method on the mean squared error (and, for r2, its ratio to the
  variance of the truth).

Anything else (multiclass probability matrices, metrics without a form here) falls back to the
bootstrap. ``test_intervals.py`` checks each form against the bootstrap on the same rows.
"""

from __future__ import annotations

import math

import numpy as np

from .gate import delong_components, metric_interval, normal_quantile

ANALYTIC_SINGLE = {
    "roc_auc": "DeLong",
    "mae": "normal, per-row losses",
    "brier": "normal, per-row losses",
    "log_loss": "normal, per-row losses",
    "accuracy": "normal, per-row correctness",
    "rmse": "delta method, squared errors",
    "r2": "delta method, squared errors",
}


def _normal(value: float, se: float, confidence: float) -> tuple[float, float]:
    half = normal_quantile(confidence) * se
    return value - half, value + half


def analytic_single_interval(
    name: str, y: np.ndarray, scores: np.ndarray, *, threshold: float, confidence: float
) -> tuple[float, float] | None:
    """Closed-form interval of ``name`` on these rows, or None when no form applies (or too few rows)."""
    y = np.asarray(y, dtype=float)
    s = np.asarray(scores, dtype=float)
    n = len(y)
    if s.ndim != 1 or n < 2 or name not in ANALYTIC_SINGLE:
        return None
    if name == "roc_auc":
        positives = int((y == 1).sum())
        negatives = int((y == 0).sum())
        if positives < 2 or negatives < 2 or positives + negatives != n:
            return None
        auc, v10, v01 = delong_components(y, s)
        var = float(v10.var(ddof=1)) / positives + float(v01.var(ddof=1)) / negatives
        low, high = _normal(auc, math.sqrt(max(var, 0.0)), confidence)
        return max(low, 0.0), min(high, 1.0)
    if name in ("mae", "brier", "log_loss", "accuracy"):
        if name == "mae":
            per_row = np.abs(y - s)
        elif name == "brier":
            per_row = (s - y) ** 2
        elif name == "log_loss":
            p = np.clip(s, 1e-15, 1 - 1e-15)
            per_row = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        else:
            per_row = ((s >= threshold).astype(float) == y).astype(float)
        low, high = _normal(float(per_row.mean()), float(per_row.std(ddof=1)) / math.sqrt(n), confidence)
        if name == "accuracy":
            return max(low, 0.0), min(high, 1.0)
        return max(low, 0.0), high
    squared = (y - s) ** 2
    mse = float(squared.mean())
    if name == "rmse":
        if mse <= 0:
            return None
        # d sqrt(m) = dm / (2 sqrt(m))
        se = float(squared.std(ddof=1)) / math.sqrt(n) / (2 * math.sqrt(mse))
        low, high = _normal(math.sqrt(mse), se, confidence)
        return max(low, 0.0), high
    # r2 = 1 - mse / var(y): delta method on the ratio of two means
    spread = (y - y.mean()) ** 2
    t = float(spread.mean())
    if t <= 0:
        return None
    gradient = np.array([1.0 / t, -mse / t**2])
    cov = np.cov(np.vstack([squared, spread])) / n
    se = math.sqrt(max(float(gradient @ cov @ gradient), 0.0))
    return _normal(1.0 - mse / t, se, confidence)


def single_interval(
    y: np.ndarray,
    scores: np.ndarray,
    metric_name: str,
    *,
    threshold: float,
    confidence: float,
    method: str,
    resamples: int,
    seed: int,
) -> tuple[tuple[float, float] | None, str]:
    """(interval or None, how it was computed). ``method``: ``auto`` (closed form, else bootstrap) or ``bootstrap``."""
    if method not in ("auto", "bootstrap"):
        raise ValueError(f"interval method must be auto or bootstrap, not {method!r}")
    if method == "auto":
        found = analytic_single_interval(metric_name, y, scores, threshold=threshold, confidence=confidence)
        if found is not None:
            return found, ANALYTIC_SINGLE[metric_name]
    interval = metric_interval(
        y, scores, metric_name, threshold=threshold, resamples=resamples, confidence=confidence, seed=seed
    )
    return interval, f"percentile bootstrap, {resamples} resamples"
