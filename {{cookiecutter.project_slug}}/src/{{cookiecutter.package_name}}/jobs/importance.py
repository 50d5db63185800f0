"""What changed in the model: permutation importance of candidate and champion on the same holdout.

scikit-learn's ``permutation_importance`` (no new dependency) shuffles one input
column at a time and measures how much the primary metric gets worse. The sign
follows the gate's convention: a positive importance means the model loses that
much of its primary metric without the feature, whatever the metric's direction.
Both models see the same rows and the same shuffles (one seed), so the two
columns of the table are comparable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config import Params
from ..core.metrics import get_metric

TOP = 10


def permutation_table(
    params: Params,
    models: dict[str, Any],
    holdout: pd.DataFrame,
    y: np.ndarray,
    *,
    repeats: int = 5,
    cap: int = 5000,
    seed: int = 0,
    top: int = TOP,
) -> dict[str, Any]:
    """Importance per input column for each model in ``models`` (a None model is skipped)."""
    # Here, not at the top: the report imports this module for ``to_markdown`` only, and the feature
    # pipeline's module imports scikit-learn (a second of the report's CPU).
    from sklearn.inspection import permutation_importance

    from ..core.features import input_columns, predict_scores

    primary = params.evaluate.primary_metric
    metric = get_metric(primary)
    task, threshold = params.project.task, params.evaluate.threshold
    columns = input_columns(params)
    frame = holdout[columns].reset_index(drop=True)
    labels = np.asarray(y)
    if len(frame) > cap:
        keep = np.sort(np.random.default_rng(seed).choice(len(frame), size=cap, replace=False))
        frame, labels = frame.iloc[keep].reset_index(drop=True), labels[keep]

    def score(estimator: Any, x: pd.DataFrame, y_true: np.ndarray) -> float:
        value = metric(y_true, predict_scores(estimator, x, task), threshold)
        return value if metric.higher_is_better else -value

    per_model: dict[str, dict[str, dict[str, float]]] = {}
    for who, model in models.items():
        if model is None:
            continue
        result = permutation_importance(
            model, frame, labels, scoring=score, n_repeats=repeats, random_state=seed, n_jobs=1
        )
        per_model[who] = {
            name: {"mean": round(float(m), 6), "std": round(float(s), 6)}
            for name, m, s in zip(columns, result.importances_mean, result.importances_std, strict=True)
        }
    ranked = sorted(
        columns, key=lambda c: max(abs(per_model[w][c]["mean"]) for w in per_model) if per_model else 0, reverse=True
    )
    features = [{"feature": c, **{w: per_model[w][c] for w in per_model}} for c in ranked[:top]]
    return {
        "metric": primary,
        "rows": len(frame),
        "repeats": repeats,
        "seed": seed,
        "models": sorted(per_model),
        "features": features,
        "total_features": len(columns),
    }


def to_markdown(table: dict[str, Any] | None) -> list[str]:
    """The side-by-side table for the PR body (empty list when there is nothing to show)."""
    if not table or not table.get("features"):
        return []
    who = [w for w in ("candidate", "champion") if w in table.get("models", [])]
    header = ["feature", *who, *(["change"] if len(who) == 2 else [])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table["features"]:
        cells = [f"{row[w]['mean']:+.4f} ± {row[w]['std']:.4f}" if row.get(w) else "–" for w in who]
        if len(who) == 2:
            both = row.get("candidate") and row.get("champion")
            cells.append(f"{row['candidate']['mean'] - row['champion']['mean']:+.4f}" if both else "–")
        lines.append("| " + " | ".join([str(row["feature"]), *cells]) + " |")
    more = table.get("total_features", 0) - len(table["features"])
    lines += [
        "",
        f"Drop in {table['metric']} when the column is shuffled (positive = the model relies on it; "
        f"mean ± sd over {table['repeats']} shuffles of {table['rows']} holdout rows)"
        + (f"; {more} less important columns not shown." if more > 0 else "."),
    ]
    return lines
