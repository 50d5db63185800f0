"""Where the champion started to fail: one change point in its per-row loss, day by day.

After an abrupt concept change every model trained on all history is mostly the old concept, and
a holdout of the newest days straddles the change: for a week the candidate learns nothing new and
the gate, correctly, finds it no better (issue 18: a better model served ten days after a switch).
So the split looks for the day the champion's loss stepped up and, when it finds one, trains and
judges on the days after it only.

The test is a single mean shift in the champion's per-row loss over the recent days: for every
day boundary, Welch's t between the rows before and the rows after; the boundary with the largest
t is the change when t passes ``min_t``. The search over boundaries is a multiple comparison, so
``min_t`` is far above a single test's 2 (the default 5 keeps a stationary stream quiet: the
benchmark's stationary control and ``tests/test_change.py`` measure it).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Change:
    day: dt.date  # first day of the new regime
    t: float  # Welch's t of the loss after against before (positive: worse after)
    loss_before: float
    loss_after: float
    rows_before: int
    rows_after: int
    days_after: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        for key in ("t", "loss_before", "loss_after"):
            out[key] = round(float(out[key]), 6)
        return out


def welch_t(before: np.ndarray, after: np.ndarray) -> float | None:
    """Welch's t of ``after``'s mean against ``before``'s (positive: higher after); None when either
    side has fewer than two values or neither varies."""
    if len(before) < 2 or len(after) < 2:
        return None
    se = math.sqrt(float(np.var(before, ddof=1)) / len(before) + float(np.var(after, ddof=1)) / len(after))
    return None if se == 0 else (float(np.mean(after)) - float(np.mean(before))) / se


def effect_size(before: np.ndarray, after: np.ndarray) -> float:
    """Cohen's d of ``after``'s mean against ``before``'s: the shift in pooled standard deviations
    (positive: higher after). Unlike t it does not grow with the rows: a size, not a significance.
    0 when neither side varies."""
    n1, n2 = len(before), len(after)
    if n1 < 2 or n2 < 2:
        return 0.0
    pooled = ((n1 - 1) * float(np.var(before, ddof=1)) + (n2 - 1) * float(np.var(after, ddof=1))) / (n1 + n2 - 2)
    return 0.0 if pooled == 0 else (float(np.mean(after)) - float(np.mean(before))) / math.sqrt(pooled)


def row_losses(y: np.ndarray, scores: np.ndarray, task: str) -> np.ndarray:
    """Each row's loss under the model: log loss (classification, multiclass), squared error (regression)."""
    if task == "regression":
        return (np.asarray(y, dtype=float) - np.asarray(scores, dtype=float)) ** 2
    eps = 1e-15
    if task == "multiclass":
        picked = np.asarray(scores, dtype=float)[np.arange(len(y)), np.asarray(y, dtype=int)]
        return -np.log(np.clip(picked, eps, 1.0))
    p = np.clip(np.asarray(scores, dtype=float), eps, 1 - eps)
    yy = np.asarray(y, dtype=float)
    return -(yy * np.log(p) + (1 - yy) * np.log(1 - p))


def find_change(days: list[dt.date], losses: list[np.ndarray], *, min_t: float, min_days_after: int) -> Change | None:
    """The day the loss stepped up, or None: ``days`` ascending, ``losses[i]`` the rows of ``days[i]``.

    Every boundary is tried and the one with the largest t is where the step is; it counts only with at
    least ``min_days_after`` days after it (a step on the last day leaves nothing to train on: wait a day,
    rather than move the change to a boundary where it is not). Only a step up (worse after) counts: a
    champion that improved needs no recovery.
    """
    counts = np.array([len(x) for x in losses], dtype=float)
    sums = np.array([float(np.sum(x)) for x in losses])
    squares = np.array([float(np.sum(np.square(x))) for x in losses])
    best: Change | None = None
    for k in range(1, len(days)):
        n1, n2 = counts[:k].sum(), counts[k:].sum()
        if n1 < 2 or n2 < 2:
            continue
        m1, m2 = sums[:k].sum() / n1, sums[k:].sum() / n2
        v1 = max(squares[:k].sum() / n1 - m1 * m1, 0.0) * n1 / (n1 - 1)
        v2 = max(squares[k:].sum() / n2 - m2 * m2, 0.0) * n2 / (n2 - 1)
        se = math.sqrt(v1 / n1 + v2 / n2)
        if se == 0:
            continue
        t = (m2 - m1) / se
        if t >= min_t and (best is None or t > best.t):
            best = Change(days[k], t, m1, m2, int(n1), int(n2), len(days) - k)
    return best if best is not None and best.days_after >= min_days_after else None
