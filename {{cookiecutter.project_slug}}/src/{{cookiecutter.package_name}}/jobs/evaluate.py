"""Evaluate: score the candidate and the champion on the identical holdout rows.

Both models' per-row predictions are written side by side, so the gate can compare
them pairwise (a paired bootstrap), not just as two summary numbers that might have
come from different rows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import paths
from ..adapters import champion as champion_mod
from ..adapters.files import Outputs
from ..config import Params
from ..core.features import input_columns, predict_scores
from ..core.metrics import compute


def _round(metrics: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else round(v, 6)) for k, v in metrics.items()}


def write_plots(
    params: Params,
    y: np.ndarray,
    scores: np.ndarray,
    plots_dir: Path,
    outputs: Outputs,
    classes: list[Any] | None = None,
) -> None:
    if params.project.task == "multiclass" and classes is not None:
        write_multiclass_plots(y, scores, classes, plots_dir, outputs)
    elif params.project.task == "classification":
        from sklearn.metrics import precision_recall_curve, roc_curve

        fpr, tpr, _ = roc_curve(y, scores)
        keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
        roc = [{"fpr": round(float(fpr[i]), 5), "tpr": round(float(tpr[i]), 5)} for i in keep]
        outputs.json(plots_dir / "roc.json", {"roc": roc}, indent=1)
        precision, recall, _ = precision_recall_curve(y, scores)
        keep = np.unique(np.linspace(0, len(precision) - 1, min(len(precision), 200)).astype(int))
        pr = [{"recall": round(float(recall[i]), 5), "precision": round(float(precision[i]), 5)} for i in keep]
        outputs.json(plots_dir / "precision_recall.json", {"precision_recall": pr}, indent=1)
        predicted = (scores >= params.evaluate.threshold).astype(int)
        confusion = pd.DataFrame({"actual": y, "predicted": predicted})
        confusion.to_csv(outputs.path(plots_dir / "confusion.csv"), index=False)
    else:
        frame = pd.DataFrame({"actual": y, "predicted": scores.round(4), "residual": (y - scores).round(4)})
        if len(frame) > 2000:
            frame = frame.sample(2000, random_state=0).sort_index()
        frame.to_csv(outputs.path(plots_dir / "residuals.csv"), index=False)


def write_multiclass_plots(
    y: np.ndarray, scores: np.ndarray, classes: list[Any], plots_dir: Path, outputs: Outputs
) -> None:
    """One-vs-rest ROC per class (one file, a ``class`` field per point) and the confusion matrix by class name."""
    from sklearn.metrics import roc_curve

    points = []
    for k, name in enumerate(classes):
        if not 0 < int(np.sum(y == k)) < len(y):
            continue  # a class absent from the holdout has no curve
        fpr, tpr, _ = roc_curve(y == k, scores[:, k])
        keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
        points += [{"class": str(name), "fpr": round(float(fpr[i]), 5), "tpr": round(float(tpr[i]), 5)} for i in keep]
    outputs.json(plots_dir / "roc.json", {"roc": points}, indent=1)
    names = np.array([str(c) for c in classes], dtype=object)
    frame = pd.DataFrame({"actual": names[y], "predicted": names[np.argmax(scores, axis=1)]})
    frame.to_csv(outputs.path(plots_dir / "confusion.csv"), index=False)


def score_both(
    params: Params, candidate_model: Any, champion_model: Any | None, holdout: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[Any] | None]:
    """Labels and each model's scores on the same holdout rows (multiclass: positions in one class list
    for both models, and aligned probability matrices); the champion's None without a champion."""
    from ..core.features import multiclass_scores
    from .train import labels

    y = labels(holdout, params)
    features = holdout[input_columns(params)]
    task = params.project.task
    if task == "multiclass":
        # One class list for both models (each may have seen different classes), labels as positions in it.
        models = [candidate_model] + ([champion_model] if champion_model is not None else [])
        classes, encoded, scored = multiclass_scores(models, features, y)
        return encoded, scored[0], (scored[1] if champion_model is not None else None), classes
    candidate = predict_scores(candidate_model, features, task)
    champion = predict_scores(champion_model, features, task) if champion_model is not None else None
    return y, candidate, champion, None


def predictions_frame(
    params: Params,
    holdout: pd.DataFrame,
    y: np.ndarray,
    candidate_scores: np.ndarray,
    champion_scores: np.ndarray | None,
    classes: list[Any] | None,
) -> pd.DataFrame:
    """predictions.parquet's rows: what the gate compares pairwise (multiclass: the predicted position
    and each class's probability per model)."""
    id_col, date_col = params.project.id_column, params.project.date_column
    columns: dict[str, Any] = {
        "row_id": holdout[id_col].astype(str) if id_col in holdout else holdout.index.astype(str),
        "date": holdout[date_col],
        "y_true": y,
    }
    if classes is not None:  # multiclass: predicted class position, then each class's probability
        columns["candidate"] = np.argmax(candidate_scores, axis=1).astype(float)
        columns["champion"] = (
            np.argmax(champion_scores, axis=1).astype(float) if champion_scores is not None else np.nan
        )
        for j in range(len(classes)):
            columns[f"candidate_p{j}"] = candidate_scores[:, j]
            columns[f"champion_p{j}"] = champion_scores[:, j] if champion_scores is not None else np.nan
    else:
        columns["candidate"] = candidate_scores
        columns["champion"] = champion_scores if champion_scores is not None else np.nan
    return pd.DataFrame(columns)


def evaluation_record(
    params: Params,
    holdout: pd.DataFrame,
    classes: list[Any] | None,
    candidate_metrics: dict[str, float],
    champion_metrics: dict[str, float] | None,
    ref: dict[str, Any],
    candidate: dict[str, Any],
) -> dict[str, Any]:
    """evaluation.json's comparison, as the gate reads it (the backtest builds the same record)."""
    ev = params.evaluate
    date_col = params.project.date_column
    return {
        "task": params.project.task,
        "primary_metric": ev.primary_metric,
        "threshold": ev.threshold,
        **({"classes": [c if isinstance(c, (int, float, bool)) else str(c) for c in classes]} if classes else {}),
        "holdout": {
            "rows": len(holdout),
            "start": holdout[date_col].min().date().isoformat(),
            "end": holdout[date_col].max().date().isoformat(),
        },
        "candidate": {"metrics": _round(candidate_metrics), **candidate},
        "champion": ({"metrics": _round(champion_metrics), **ref} if champion_metrics is not None else None),
        "champion_ref": ref,
    }


def run_evaluate(
    params: Params, root: Path, model_path: Path, holdout_path: Path, out: dict[str, Path], track: bool = True
) -> dict[str, Any]:
    from ..adapters import model_store
    from ..adapters.inputs import fingerprint

    inputs = fingerprint(params, root)  # what this evaluation is computed from; gate and report check it
    holdout = pd.read_parquet(holdout_path)
    candidate_model = model_store.load(model_path, params)
    ref = champion_mod.resolve(root, params.evaluate.champion_ref)
    champion_model = champion_mod.load(root, ref, params)
    y, candidate_scores, champion_scores, classes = score_both(params, candidate_model, champion_model, holdout)
    ev = params.evaluate
    candidate_metrics = compute(ev.metrics, y, candidate_scores, ev.threshold)
    champion_metrics = compute(ev.metrics, y, champion_scores, ev.threshold) if champion_scores is not None else None

    from .importance import permutation_table

    importance = permutation_table(
        params, {"candidate": candidate_model, "champion": champion_model}, holdout, y, seed=params.model.seed
    )
    predictions = predictions_frame(params, holdout, y, candidate_scores, champion_scores, classes)
    model_info = json.loads(out["model_info"].read_text()) if out["model_info"].exists() else {}
    candidate = {"model_md5": model_info.get("tags", {}).get("model.md5"), "mlflow_run_id": model_info.get("run_id")}
    evaluation = {
        **evaluation_record(params, holdout, classes, candidate_metrics, champion_metrics, ref.to_dict(), candidate),
        "inputs": inputs,
    }
    # All of the stage's outputs or none: a failure here keeps the last evaluation whole (issue 20).
    with Outputs() as outputs:
        outputs.json(root / paths.IMPORTANCE, importance)
        predictions.to_parquet(outputs.path(out["predictions"]), index=False)
        outputs.json(out["evaluation"], evaluation)
        outputs.json(out["metrics"], _round(candidate_metrics))
        write_plots(params, y, candidate_scores, out["plots"], outputs, classes)

    if track and model_info.get("run_id"):
        from ..adapters.tracking import log_evaluation

        log_evaluation(params, root, model_info["run_id"], candidate_metrics)
    return evaluation
