"""The promotion gate: is the candidate really better than the champion on the same rows?

It fails closed. Before comparing anything it checks its inputs: evaluation.json and
predictions.parquet exist, hold every configured metric, describe the same rows
(count, no missing scores, metrics recomputed from the rows match the recorded ones),
the holdout is at least ``gate.min_holdout_rows``, and the champion they were
computed against is still the one ``evaluate.champion_ref`` pins (else the
evaluation is stale). Any failure is a rejection with its reason.

Then, per metric in ``evaluate.metrics``:

* ``floor``: the worst acceptable value (a maximum for lower-is-better metrics);
* ``tolerance``: the minimum signed improvement over the champion; a negative
  value lets a guardrail metric regress by that much.

For the primary metric the gate computes a paired interval of the improvement on the
same holdout rows: in closed form where one exists (``gate.interval: auto``: DeLong for
roc_auc, DeLong per class for the multiclass roc_auc_ovr, normal intervals of paired per-row
losses, the delta method for rmse and r2),
else a seeded paired bootstrap that resamples the rows and recomputes candidate and
champion on the same resample (``gate.interval: bootstrap`` forces it); the candidate is promoted
only if the lower end of the ``confidence`` interval of the improvement is at least
``gate.required_improvement`` (0 means "not worse"). A candidate that is better by
less than the noise of the holdout is therefore not promoted.

With no champion yet only the floors apply. A floor never keeps in place a champion that fails it
too and is no better there than the candidate: the candidate is then judged on the other rules, and
the result (``below_floor``, the note) says plainly that both models are below the floor.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from ..config import Params
from .metrics import get_metric, sorted_midranks

REQUIRED_COLUMNS = ("row_id", "y_true", "candidate", "champion")


@dataclass
class MetricCheck:
    metric: str
    direction: str
    champion: float | None
    candidate: float | None
    delta: float | None
    improvement: float | None
    interval: list[float] | None
    rule: str
    passed: bool
    why: str = ""


@dataclass
class GateResult:
    promote: bool
    reasons: list[str]
    metrics: list[MetricCheck] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "promote": self.promote,
            "verdict": "promote" if self.promote else "reject",
            "reasons": self.reasons,
            "metrics": [asdict(m) for m in self.metrics],
            **self.info,
        }


def _weighted_metric(name: str, y: np.ndarray, s: np.ndarray, w: np.ndarray, threshold: float) -> np.ndarray | None:
    """Metric for each row of resample counts ``w`` (shape resamples x rows), vectorised; None if not supported."""
    if s.ndim == 2:
        return _weighted_multiclass(name, y, s, w, threshold)
    total = w.sum(axis=1)
    if name in ("rmse", "mae", "brier"):
        err = np.abs(y - s) if name == "mae" else (y - s) ** 2
        value = (w * err).sum(axis=1) / total
        return np.sqrt(value) if name == "rmse" else value
    if name == "log_loss":
        p = np.clip(s, 1e-15, 1 - 1e-15)
        return -(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum(axis=1) / total
    if name == "accuracy":
        return (w * ((s >= threshold).astype(int) == y)).sum(axis=1) / total
    if name == "r2":
        mean = (w * y).sum(axis=1) / total
        ss_tot = (w * (y[None, :] - mean[:, None]) ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ss_tot > 0, 1 - (w * (y - s) ** 2).sum(axis=1) / ss_tot, np.nan)
    if name == "roc_auc":
        order = np.argsort(s, kind="mergesort")
        sorted_s = s[order]
        starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
        pos = np.add.reduceat((w * y)[:, order], starts, axis=1)
        neg = np.add.reduceat((w * (1 - y))[:, order], starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        denominator = pos.sum(axis=1) * neg.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, (pos * (below + 0.5 * neg)).sum(axis=1) / denominator, np.nan)
    return None


def _weighted_multiclass(name: str, y: np.ndarray, s: np.ndarray, w: np.ndarray, threshold: float) -> np.ndarray | None:
    """Multiclass metrics (``y`` class positions, ``s`` the probability matrix) for each resample row of ``w``."""
    k = y.astype(int)
    total = w.sum(axis=1)
    if name == "log_loss":
        p = np.clip(s[np.arange(len(k)), k], 1e-15, 1.0)
        return -(w * np.log(p)).sum(axis=1) / total
    predicted = np.argmax(s, axis=1)
    if name == "accuracy":
        return (w * (predicted == k)).sum(axis=1) / total
    if name == "f1_macro":
        scores = []
        for c in range(s.shape[1]):
            tp = (w * ((predicted == c) & (k == c))).sum(axis=1)
            fp = (w * ((predicted == c) & (k != c))).sum(axis=1)
            fn = (w * ((predicted != c) & (k == c))).sum(axis=1)
            denominator = 2 * tp + fp + fn
            with np.errstate(divide="ignore", invalid="ignore"):
                scores.append(np.where(denominator > 0, 2 * tp / denominator, np.nan))
        with np.errstate(all="ignore"):
            stacked = np.vstack(scores)
            counted = (~np.isnan(stacked)).sum(axis=0)
            return np.where(counted > 0, np.nansum(stacked, axis=0) / np.maximum(counted, 1), np.nan)
    if name == "roc_auc_ovr":
        per_class = [
            _weighted_metric("roc_auc", (k == c).astype(float), s[:, c], w, threshold) for c in range(s.shape[1])
        ]
        stacked = np.vstack([v for v in per_class if v is not None])
        counted = (~np.isnan(stacked)).sum(axis=0)
        with np.errstate(all="ignore"):
            return np.where(counted > 0, np.nansum(stacked, axis=0) / np.maximum(counted, 1), np.nan)
    return None


def _resamples(rng: np.random.Generator, n: int, resamples: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Seeded bootstrap draws of ``n`` rows in batches: (row indices, per-row counts), each ``batch x n``.

    Batches keep the counts matrix near 4M cells whatever the row count."""
    batch = max(1, min(resamples, 4_000_000 // max(n, 1)))
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        idx = rng.integers(0, n, (size, n))
        yield idx, np.stack([np.bincount(row, minlength=n) for row in idx]).astype(float)
        done += size


def paired_bootstrap(
    y: np.ndarray,
    candidate: np.ndarray,
    champion: np.ndarray,
    metric_name: str,
    *,
    threshold: float,
    resamples: int,
    confidence: float,
    seed: int,
) -> tuple[float, float, int]:
    """Percentile interval of the improvement (positive = candidate better) over paired resamples of rows.

    Each resample draws the holdout rows with replacement (seeded) and scores both
    models on the same draw, so row difficulty cancels out of the difference.
    """
    metric = get_metric(metric_name)
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=float)
    n = len(y)
    diffs: list[np.ndarray] = []
    for idx, counts in _resamples(rng, n, resamples):
        cand = _weighted_metric(metric_name, y, candidate, counts, threshold)
        champ = _weighted_metric(metric_name, y, champion, counts, threshold)
        if cand is None or champ is None:  # metrics without a vectorised form: one resample at a time
            cand = np.array([metric(y[row], candidate[row], threshold) for row in idx])
            champ = np.array([metric(y[row], champion[row], threshold) for row in idx])
        diff = cand - champ if metric.higher_is_better else champ - cand
        diffs.append(diff[~np.isnan(diff)])
    usable = np.concatenate(diffs)
    if len(usable) < resamples // 2:
        raise ValueError(f"bootstrap: {metric_name} is undefined on most resamples ({len(usable)}/{resamples} usable)")
    alpha = (1 - confidence) / 2
    low, high = np.quantile(usable, [alpha, 1 - alpha])
    return float(low), float(high), len(usable)


def scores_of(predictions: Any, who: str, evaluation: dict[str, Any]) -> np.ndarray:
    """``who``'s scores from predictions.parquet: one column, or (multiclass) the ``<who>_p<j>`` probability matrix."""
    classes = evaluation.get("classes")
    if classes:
        return predictions[[f"{who}_p{j}" for j in range(len(classes))]].to_numpy(dtype=float)
    return predictions[who].to_numpy(dtype=float)


# --- analytic paired intervals ---------------------------------------------------------------
# The same question as the paired bootstrap (how far can the improvement be from what this holdout
# shows?) answered in closed form: DeLong's variance for the difference of two correlated AUCs,
# the central limit theorem for means of per-row losses (mae, brier, log_loss, accuracy), the delta
# method for rmse and r2. O(n log n) at most: 1M holdout rows take well under a second where 1,000
# resamples took minutes. test_gate.py checks each against the bootstrap on the same rows.


def delong_components(y: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and its structural components (Sun & Xu's fast DeLong: midranks, O(n log n), one sort).

    ``v10`` follows the positive rows and ``v01`` the negative rows in their original order, so two
    models' components on the same rows pair up.
    """
    scores = np.ascontiguousarray(scores)  # a column of a probability matrix sorts several times slower
    order = np.argsort(scores)  # ties need no stable order: each tie group shares its midrank
    sorted_s = scores[order]
    is_pos = y[order] == 1
    all_ranks = sorted_midranks(sorted_s)  # in sorted order
    within = np.empty(len(order), dtype=float)  # rank among the rows of the same class, sorted order
    within[is_pos] = sorted_midranks(sorted_s[is_pos])
    within[~is_pos] = sorted_midranks(sorted_s[~is_pos])
    m = int(is_pos.sum())
    n = len(order) - m
    by_row_all = np.empty(len(order), dtype=float)
    by_row_all[order] = all_ranks
    by_row_within = np.empty(len(order), dtype=float)
    by_row_within[order] = within
    positive = y == 1
    v10 = (by_row_all[positive] - by_row_within[positive]) / n
    v01 = 1.0 - (by_row_all[~positive] - by_row_within[~positive]) / m
    return float(v10.mean()), v10, v01


def delong_interval(
    y: np.ndarray, candidate: np.ndarray, champion: np.ndarray, confidence: float
) -> tuple[float, float]:
    """DeLong's interval of AUC(candidate) - AUC(champion) on the same rows (paired, analytic)."""
    a1, v10a, v01a = delong_components(y, candidate)
    a2, v10b, v01b = delong_components(y, champion)
    m, n = len(v10a), len(v01a)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    d = a1 - a2
    half = normal_quantile(confidence) * math.sqrt(max(float(var), 0.0))
    return d - half, d + half


def auc_influence(y: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray]:
    """AUC and each row's share of its deviation (DeLong's components over the row's group size).

    The sum of squares of these is DeLong's variance of the AUC (up to its ddof), and sums of them
    over several AUCs on the same rows give the variance of any linear combination: that is how the
    one-vs-rest macro AUC of a multiclass model gets a paired interval without resampling.
    """
    auc, v10, v01 = delong_components(y, scores)
    out = np.empty(len(y), dtype=float)
    positive = y == 1
    out[positive] = (v10 - auc) / len(v10)
    out[~positive] = (v01 - auc) / len(v01)
    return auc, out


def ovr_auc_interval(
    y: np.ndarray, candidate: np.ndarray, champion: np.ndarray, confidence: float
) -> tuple[float, float] | None:
    """Paired interval of macro one-vs-rest AUC(candidate) - AUC(champion) (``y`` class positions).

    Each class present with positives and negatives contributes DeLong components for both models;
    a row's influence on the difference of the macro averages is the mean over classes of its
    influences, and the variance is their sum of squares (the structural-components estimate).
    """
    k = y.astype(int)
    present = [c for c in range(candidate.shape[1]) if 0 < int(np.sum(k == c)) < len(k)]
    if not present:
        return None
    d = 0.0
    influence = np.zeros(len(k), dtype=float)
    for c in present:
        member = (k == c).astype(float)
        a_c, psi_c = auc_influence(member, candidate[:, c])
        a_p, psi_p = auc_influence(member, champion[:, c])
        d += a_c - a_p
        influence += psi_c - psi_p
    d /= len(present)
    influence /= len(present)
    half = normal_quantile(confidence) * math.sqrt(float(np.sum(influence**2)))
    return d - half, d + half


def _multiclass_losses(name: str, y: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """Per-row loss of a probability matrix for the metrics that are means of one (None: not one)."""
    k = y.astype(int)
    if name == "log_loss":
        return -np.log(np.clip(s[np.arange(len(k)), k], 1e-15, 1.0))
    if name == "accuracy":
        return (np.argmax(s, axis=1) != k).astype(float)
    return None


def normal_quantile(confidence: float) -> float:
    """z of a two-sided normal interval at ``confidence``."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _mean_interval(d: np.ndarray, confidence: float) -> tuple[float, float]:
    """Normal interval of the mean of paired per-row differences (CLT)."""
    mean = float(d.mean())
    half = normal_quantile(confidence) * float(d.std(ddof=1)) / math.sqrt(len(d))
    return mean - half, mean + half


def analytic_interval(
    name: str, y: np.ndarray, candidate: np.ndarray, champion: np.ndarray, *, threshold: float, confidence: float
) -> tuple[float, float] | None:
    """Interval of the improvement (positive = candidate better), or None when no analytic form applies."""
    y = np.asarray(y, dtype=float)
    c = np.asarray(candidate, dtype=float)
    p = np.asarray(champion, dtype=float)
    if c.ndim == 2:  # multiclass probability matrices, ``y`` class positions
        if name == "roc_auc_ovr":
            return ovr_auc_interval(y, c, p, confidence)
        loss_c, loss_p = _multiclass_losses(name, y, c), _multiclass_losses(name, y, p)
        if loss_c is None or loss_p is None or len(y) < 2:
            return None
        return _mean_interval(loss_p - loss_c, confidence)
    if name == "roc_auc":
        if len(np.unique(y)) < 2:
            return None
        return delong_interval(y, c, p, confidence)
    if name in ("mae", "brier", "log_loss", "accuracy"):
        if name == "mae":
            loss_c, loss_p = np.abs(y - c), np.abs(y - p)
        elif name == "brier":
            loss_c, loss_p = (c - y) ** 2, (p - y) ** 2
        elif name == "log_loss":
            cc, pp = np.clip(c, 1e-15, 1 - 1e-15), np.clip(p, 1e-15, 1 - 1e-15)
            loss_c = -(y * np.log(cc) + (1 - y) * np.log(1 - cc))
            loss_p = -(y * np.log(pp) + (1 - y) * np.log(1 - pp))
        else:  # accuracy: a "loss" of being wrong
            loss_c = ((c >= threshold).astype(float) != y).astype(float)
            loss_p = ((p >= threshold).astype(float) != y).astype(float)
        return _mean_interval(loss_p - loss_c, confidence)
    if name == "rmse":
        # delta method on sqrt(mean e_p^2) - sqrt(mean e_c^2)
        ec, ep = (y - c) ** 2, (y - p) ** 2
        a, b = float(ec.mean()), float(ep.mean())
        if a <= 0 or b <= 0:
            return None
        g = np.array([-0.5 / math.sqrt(a), 0.5 / math.sqrt(b)])
        cov = np.cov(np.vstack([ec, ep])) / len(y)
        se = math.sqrt(max(float(g @ cov @ g), 0.0))
        d = math.sqrt(b) - math.sqrt(a)
        h = normal_quantile(confidence) * se
        return d - h, d + h
    if name == "r2":
        # r2_c - r2_p = mean(e_p^2 - e_c^2) / mean((y - ybar)^2); delta method on the ratio
        ec, ep = (y - c) ** 2, (y - p) ** 2
        sq = (y - y.mean()) ** 2
        t = float(sq.mean())
        if t <= 0:
            return None
        num = ep - ec
        u = float(num.mean())
        g = np.array([1.0 / t, -u / t**2])
        cov = np.cov(np.vstack([num, sq])) / len(y)
        se = math.sqrt(max(float(g @ cov @ g), 0.0))
        h = normal_quantile(confidence) * se
        return u / t - h, u / t + h
    return None


def improvement_interval(
    y: np.ndarray, candidate: np.ndarray, champion: np.ndarray, metric_name: str, *, threshold: float, gate: Any
) -> tuple[float, float, str, int | None]:
    """(low, high, method, usable resamples) of the improvement: analytic where a closed form applies."""
    if gate.interval == "auto":
        found = analytic_interval(
            metric_name, y, candidate, champion, threshold=threshold, confidence=gate.bootstrap.confidence
        )
        if found is not None:
            method = ANALYTIC_METHODS_MULTICLASS if candidate.ndim == 2 else ANALYTIC_METHODS
            return found[0], found[1], method[metric_name], None
    low, high, used = paired_bootstrap(
        y,
        candidate,
        champion,
        metric_name,
        threshold=threshold,
        resamples=gate.bootstrap.resamples,
        confidence=gate.bootstrap.confidence,
        seed=gate.bootstrap.seed,
    )
    return low, high, f"paired bootstrap, {gate.bootstrap.resamples} resamples, seed {gate.bootstrap.seed}", used


ANALYTIC_METHODS = {
    "roc_auc": "DeLong (paired AUCs)",
    "mae": "normal, paired per-row losses",
    "brier": "normal, paired per-row losses",
    "log_loss": "normal, paired per-row losses",
    "accuracy": "normal, paired per-row errors",
    "rmse": "delta method, paired squared errors",
    "r2": "delta method, paired squared errors",
}
ANALYTIC_METHODS_MULTICLASS = {
    "roc_auc_ovr": "DeLong per class (paired macro one-vs-rest AUCs)",
    "log_loss": "normal, paired per-row losses",
    "accuracy": "normal, paired per-row errors",
}


def metric_interval(
    y: np.ndarray,
    scores: np.ndarray,
    metric_name: str,
    *,
    threshold: float,
    resamples: int,
    confidence: float,
    seed: int,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of one model's metric on these rows (None: undefined on most resamples).

    The decay trigger's evidence: how far a window's value may sit from the truth
    given only the rows it has.
    """
    metric = get_metric(metric_name)
    y = np.asarray(y, dtype=float)
    scores = np.asarray(scores, dtype=float)
    n = len(y)
    if n == 0:
        return None
    rng = np.random.default_rng(seed)
    values: list[np.ndarray] = []
    for idx, counts in _resamples(rng, n, resamples):
        got = _weighted_metric(metric_name, y, scores, counts, threshold)
        if got is None:
            got = np.array([metric(y[row], scores[row], threshold) for row in idx])
        values.append(got[~np.isnan(got)])
    usable = np.concatenate(values)
    if len(usable) < resamples // 2:
        return None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(usable, [alpha, 1 - alpha])
    return float(low), float(high)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


NO_FINGERPRINT = "no input fingerprint"


def stale_phrase(changed: list[str]) -> str:
    if changed == [NO_FINGERPRINT]:
        return (
            "it records no input fingerprint (written by hand or by an older version), so nothing shows it is current"
        )
    return f"{'; '.join(changed)} changed"


def input_differences(recorded: Any, current: dict[str, dict[str, Any]]) -> list[str]:
    """What changed between the input fingerprint recorded with a result and the current one.

    Both come from ``adapters.inputs.fingerprint``: {"params": {section: hash}, "code": {file: hash},
    "files": {path: md5}}. No recorded fingerprint is a difference too (fail closed).
    """
    if not isinstance(recorded, dict) or not recorded:
        return [NO_FINGERPRINT]
    labels = {"params": "params.yaml section", "code": "code", "files": "file"}
    changed = []
    for kind, now in current.items():
        was = recorded.get(kind) or {}
        names = [name for name in now if was.get(name) != now[name]]
        if names:
            changed.append(f"{labels.get(kind, kind)} {', '.join(f'`{n}`' for n in names)}")
    return changed


def champion_problems(evaluation: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The champion evaluate compared against: still the one production pins, and not the candidate itself.

    The champion is read from git, not a DVC dependency of evaluate, so once the ref moves a plain
    `dvc repro` leaves evaluate as it is: the advice names the command that re-runs it (issue 24).
    """
    problems = []
    was = (evaluation.get("champion_ref") or {}).get("model_md5")
    now = current.get("model_md5")
    if was != now:
        problems.append(
            f"evaluation is stale: it compared against champion model {was or 'none'} but "
            f"{current.get('ref')} now pins {now or 'none'}; re-run evaluate against it: `dvc repro -f -s evaluate` "
            "(a plain `dvc repro` does not, the champion is not one of its dependencies)"
        )
    candidate = (evaluation.get("candidate") or {}).get("model_md5")
    champion = (evaluation.get("champion") or {}).get("model_md5")
    if candidate and candidate == champion:
        problems.append(
            f"self-comparison: evaluation.json compared the candidate with itself (model {candidate}); "
            "a model is never promoted over itself"
        )
    return problems


def _input_problems(evaluation: dict[str, Any], predictions: Any, params: Params, current: dict[str, Any]) -> list[str]:
    problems = []
    names = params.evaluate.metrics
    if evaluation.get("primary_metric") != params.evaluate.primary_metric:
        problems.append(
            f"evaluation.json was made for primary metric {evaluation.get('primary_metric')!r}, "
            f"params.yaml says {params.evaluate.primary_metric!r}: re-run evaluate"
        )
    cand_metrics = (evaluation.get("candidate") or {}).get("metrics") or {}
    missing = [m for m in names if _num(cand_metrics.get(m)) is None]
    if missing:
        problems.append(f"candidate metric(s) missing or undefined in evaluation.json: {', '.join(missing)}")
    recorded = evaluation.get("champion")
    if recorded is not None:
        champ_missing = [m for m in names if _num((recorded.get("metrics") or {}).get(m)) is None]
        if champ_missing:
            problems.append(f"champion metric(s) missing or undefined in evaluation.json: {', '.join(champ_missing)}")
    problems += champion_problems(evaluation, current)
    now = current.get("model_md5")
    required = list(REQUIRED_COLUMNS)
    if params.project.task == "multiclass":
        classes = evaluation.get("classes") or []
        if len(classes) < 2:
            problems.append("evaluation.json lists no classes for a multiclass model: re-run evaluate")
        required += [f"{who}_p{j}" for who in ("candidate", "champion") for j in range(len(classes))]
    cols = [c for c in required if c not in predictions.columns]
    if cols:
        problems.append(f"predictions.parquet lacks column(s) {', '.join(cols)}")
        return problems
    rows = (evaluation.get("holdout") or {}).get("rows")
    if rows != len(predictions):
        problems.append(
            f"mismatched rows: evaluation.json counts {rows} holdout rows, predictions.parquet has {len(predictions)}"
        )
    if predictions["row_id"].duplicated().any():
        problems.append(f"predictions.parquet has {int(predictions['row_id'].duplicated().sum())} duplicated row_id(s)")
    for col in ("y_true", "candidate"):
        if predictions[col].isna().any():
            problems.append(f"predictions.parquet: {int(predictions[col].isna().sum())} missing value(s) in {col}")
    if recorded is not None and predictions["champion"].isna().any():
        problems.append(f"predictions.parquet: {int(predictions['champion'].isna().sum())} rows lack a champion score")
    if recorded is None and now is None and predictions["champion"].notna().any():
        problems.append("predictions.parquet holds champion scores but evaluation.json records no champion")
    if len(predictions) < params.gate.min_holdout_rows:
        problems.append(
            f"holdout has {len(predictions)} rows, fewer than gate.min_holdout_rows "
            f"{params.gate.min_holdout_rows}: too few to judge"
        )
    if not problems:
        y = predictions["y_true"].to_numpy()
        for who, block in (("candidate", evaluation["candidate"]), ("champion", recorded)):
            if block is None:
                continue
            scores = scores_of(predictions, who, evaluation)
            for name in names:
                value = get_metric(name)(y, scores, params.evaluate.threshold)
                if abs(value - float(block["metrics"][name])) > 1e-4 * max(1.0, abs(value)):
                    problems.append(
                        f"mismatched rows: {who} {name} recomputed from predictions.parquet is "
                        f"{value:.6f}, evaluation.json says {block['metrics'][name]}"
                    )
    return problems


def judge(
    evaluation: dict[str, Any] | None,
    predictions: Any,
    params: Params,
    current: dict[str, Any],
    inputs: dict[str, dict[str, Any]] | None = None,
    compared: int = 1,
) -> GateResult:
    """Decide promotion from evaluation.json (as a dict), the predictions frame and the current champion ref.

    ``compared``: training windows judged on this holdout to pick the candidate (split.choose_window).
    The pick is a multiple comparison: the primary metric is tested at 1 - (1 - confidence) / compared
    (Bonferroni), so over the windows the chance of promoting on noise stays at the configured level.
    """
    gate = params.gate
    if compared > 1:
        corrected = 1 - (1 - gate.bootstrap.confidence) / compared
        gate = gate.model_copy(update={"bootstrap": gate.bootstrap.model_copy(update={"confidence": corrected})})
    info: dict[str, Any] = {
        "primary_metric": params.evaluate.primary_metric,
        "required_improvement": gate.required_improvement,
        "bootstrap": gate.bootstrap.model_dump(),
        "champion_ref": current,
    }
    if compared > 1:
        info["windows_compared"] = {
            "windows": compared,
            "confidence": round(gate.bootstrap.confidence, 6),
            "method": "Bonferroni: the candidate is the best of the training windows split judged on this holdout",
        }
    if evaluation is None:
        return GateResult(
            False, ["reports/evaluation.json is missing: run `dvc repro` (evaluate stage) first"], info=info
        )
    if predictions is None:
        return GateResult(
            False, ["reports/predictions.parquet is missing: run `dvc repro` (evaluate stage) first"], info=info
        )
    info["holdout"] = evaluation.get("holdout")
    info["candidate"] = {k: v for k, v in (evaluation.get("candidate") or {}).items() if k != "metrics"}
    was = evaluation.get("champion_ref") or {}
    if was.get("commit") != current.get("commit") and was.get("model_md5") == current.get("model_md5"):
        info["champion_ref_moved"] = (
            f"{current.get('ref')} moved from {was.get('commit')} to {current.get('commit')} "
            "since evaluate ran, but pins the same champion model: the comparison holds"
        )
    problems = _input_problems(evaluation, predictions, params, current)
    if inputs is not None:  # stale: params, code or files changed since evaluate ran (issue 8 item 2)
        changed = input_differences(evaluation.get("inputs"), inputs)
        if changed:
            problems.insert(0, f"evaluation is stale: {stale_phrase(changed)} since evaluate ran; re-run `dvc repro`")
        info["inputs"] = evaluation.get("inputs")
    if problems:
        return GateResult(False, problems, info=info)

    has_champion = evaluation.get("champion") is not None
    info["first_model"] = not has_champion
    y = predictions["y_true"].to_numpy()
    checks: list[MetricCheck] = []
    below_floor: list[dict[str, Any]] = []
    for name in params.evaluate.metrics:
        metric = get_metric(name)
        rule = gate.metrics.get(name)
        cand = float(evaluation["candidate"]["metrics"][name])
        champ = float(evaluation["champion"]["metrics"][name]) if has_champion else None
        improvement = metric.improvement(champ, cand) if champ is not None else None
        check = MetricCheck(
            name,
            "higher is better" if metric.higher_is_better else "lower is better",
            champ,
            cand,
            None if champ is None else cand - champ,
            improvement,
            None,
            "",
            True,
        )
        rules, failures = [], []
        if rule is not None and rule.floor is not None:
            sign = ">=" if metric.higher_is_better else "<="
            rules.append(f"{sign} {rule.floor}")
            if _below(metric.higher_is_better, cand, rule.floor):
                # A floor never keeps in place a champion that fails it too, and worse (issue 18): the
                # candidate is then judged on the other rules alone, and the result says both are below.
                if (
                    champ is not None
                    and improvement is not None
                    and improvement >= 0
                    and _below(metric.higher_is_better, champ, rule.floor)
                ):
                    below_floor.append({"metric": name, "floor": rule.floor, "candidate": cand, "champion": champ})
                    rules[-1] += " (both below: candidate no worse)"
                else:
                    failures.append(f"{name} {cand:.4f} is worse than its floor {rule.floor}")
        if has_champion and improvement is not None:
            if name == params.evaluate.primary_metric:
                low, high, method, used = improvement_interval(
                    y,
                    scores_of(predictions, "candidate", evaluation),
                    scores_of(predictions, "champion", evaluation),
                    name,
                    threshold=params.evaluate.threshold,
                    gate=gate,
                )
                check.interval = [round(low, 6), round(high, 6)]
                info["interval_method"] = method
                info["detectable_effect"] = detectable_effect(
                    low, high, gate.bootstrap.confidence, gate.required_improvement
                )
                if used is not None:
                    info["bootstrap_usable_resamples"] = used
                level = percent(gate.bootstrap.confidence)
                rules.append(f"{level} CI of improvement, lower bound >= {gate.required_improvement}")
                if low < gate.required_improvement:
                    verdict = (
                        "better on paper but not significantly"
                        if improvement > gate.required_improvement
                        else "not better"
                    )
                    mde = info["detectable_effect"]["minimum"]
                    failures.append(
                        f"{name}: {verdict} (improvement {improvement:+.4f}); the {level} interval "
                        f"[{low:+.4f}, {high:+.4f}] has its lower bound below the required {gate.required_improvement}"
                        f" (this holdout detects {mde:+.4f} at 80% power)"
                    )
            elif rule is not None and rule.tolerance is not None:
                rules.append(f"improvement >= {rule.tolerance:+}")
                if improvement < rule.tolerance:
                    failures.append(
                        f"{name} changed from {champ:.4f} to {cand:.4f}, an improvement of "
                        f"{improvement:+.4f}, below the tolerance {rule.tolerance:+}"
                    )
        check.rule = "; ".join(rules) or "reported only"
        check.passed = not failures
        check.why = "; ".join(failures)
        checks.append(check)
    reasons = [c.why for c in checks if not c.passed]
    if not has_champion:
        info["note"] = "no champion yet: only absolute floors apply"
    if below_floor:
        info["below_floor"] = below_floor
        info["note"] = below_floor_note(below_floor, promote=not reasons)
    return GateResult(not reasons, reasons, checks, info)


POWER = 0.8  # the usual design power: the effect this holdout finds four times in five


def detectable_effect(low: float, high: float, confidence: float, required: float) -> dict[str, float]:
    """The smallest true improvement this holdout would promote with probability ``POWER``.

    The gate promotes when the lower end of the two-sided ``confidence`` interval is at least
    ``required``: a one-sided test at (1 - confidence) / 2. With the standard error read off the
    interval's width, a true improvement d passes with probability ``POWER`` when
    d = required + (z_confidence + z_power) * se. A reviewer compares the observed improvement with it:
    a rejection of a candidate better by less than this says "too few rows", not "no better".
    """
    z = normal_quantile(confidence)
    se = max(high - low, 0.0) / (2 * z)
    z_power = NormalDist().inv_cdf(POWER)
    return {
        "minimum": round(required + (z + z_power) * se, 6),
        "standard_error": round(se, 6),
        "confidence": confidence,
        "power": POWER,
    }


def _below(higher_is_better: bool, value: float, floor: float) -> bool:
    return value < floor if higher_is_better else value > floor


def below_floor_note(below: list[dict[str, Any]], *, promote: bool) -> str:
    """One plain paragraph for the gate table, the PR body and the alert: both models fail a floor."""
    each = "; ".join(
        f"{b['metric']} is below its floor {b['floor']} for both models "
        f"(candidate {b['candidate']:.4f}, champion {b['champion']:.4f})"
        for b in below
    )
    if promote:
        return (
            f"**Both models are below a floor.** {each}. The candidate is promoted because it passes every other "
            "rule and is no worse on these metrics: keeping the champion would serve the worse model. Neither "
            "meets the floor: look at the data and the model before trusting this one."
        )
    return f"**Both models are below a floor.** {each}. The candidate is not promoted for the reasons below."


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def percent(value: float) -> str:
    """A confidence as a reader writes it: 95%, 97.5%."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def to_markdown(result: dict[str, Any]) -> str:
    verdict = "PROMOTE" if result["promote"] else "REJECT"
    lines = [f"### Promotion gate: **{verdict}**", ""]
    if result.get("note"):
        lines += [result["note"], ""]
    if result["reasons"]:
        lines += [f"- {r}" for r in result["reasons"]] + [""]
    if result["metrics"]:
        # One sign convention for every metric: "improvement" is positive when the candidate is
        # better, whatever the metric's direction; the raw values stand beside it.
        lines += [
            "| metric | champion | candidate | improvement | interval of improvement | rule | result |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in result["metrics"]:
            interval = "–" if not m["interval"] else f"[{m['interval'][0]:+.4f}, {m['interval'][1]:+.4f}]"
            arrow = "↑" if m["direction"].startswith("higher") else "↓"
            lines.append(
                f"| {m['metric']} {arrow} | {_fmt(m['champion'])} | {_fmt(m['candidate'])} | "
                f"{_fmt(m['improvement'], True)} | {interval} | {m['rule']} | "
                f"{'pass' if m['passed'] else 'FAIL'} |"
            )
        lines += [
            "",
            "Improvement: positive = candidate better, for every metric (↑ higher is better, "
            "↓ lower is better); champion and candidate are the raw values.",
            "",
        ]
    effect = result.get("detectable_effect")
    if effect:
        lines += [
            f"Smallest improvement of {result.get('primary_metric')} this holdout can detect: "
            f"**{effect['minimum']:+.4f}** ({percent(effect['confidence'])} confidence, {effect['power']:.0%} power; "
            f"standard error {effect['standard_error']:.4f}). Only the primary metric is tested; the other rows "
            "are fixed floors and tolerances that must all pass as well, which can only make a promotion rarer: "
            "no correction for several comparisons is needed.",
            "",
        ]
    windows = result.get("windows_compared")
    if windows:
        lines += [
            f"The candidate is the better of {windows['windows']} training windows fitted on this holdout "
            "(split.json `after_change.windows`: the days since a change found in the champion's loss, and all "
            f"history); picking on the same rows is a multiple comparison, so its interval is at "
            f"{percent(windows['confidence'])} (Bonferroni) instead of "
            f"{percent(1 - (1 - windows['confidence']) * windows['windows'])}.",
            "",
        ]
    looks = result.get("holdout_looks") or 0
    if looks > 1:
        lines += [
            f"**This holdout has been judged {looks} times** against this champion (`data/attempts.json`). "
            f"The {percent(result['bootstrap']['confidence'])} interval holds for one look: after {looks} looks a "
            f"candidate that is no better passes by chance up to {looks} times as often "
            f"(up to {looks * (1 - result['bootstrap']['confidence']) / 2:.1%} here). Judge it on new days if it "
            "was tuned on this one.",
            "",
        ]
    holdout = result.get("holdout") or {}
    if holdout:
        lines.append(
            f"Holdout: {holdout.get('rows')} rows, {holdout.get('start')}..{holdout.get('end')}. "
            f"Interval of the improvement (positive = candidate better): "
            f"{result.get('interval_method') or 'paired bootstrap, ' + str(result['bootstrap']['resamples']) + ' resamples'}"
            f", {percent(result['bootstrap']['confidence'])}."
        )
        lines.append("")
    return "\n".join(lines)
