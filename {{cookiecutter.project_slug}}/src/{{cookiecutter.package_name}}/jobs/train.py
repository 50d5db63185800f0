"""Train: fit the Pipeline on the training split, save it, log it to MLflow."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Params
from ..core.features import build_pipeline, input_columns
from ..core.text import error_line


class TrainingError(RuntimeError):
    pass


def labels(frame: pd.DataFrame, params: Params) -> np.ndarray:
    y = frame[params.project.target]
    if y.isna().any():
        raise TrainingError(f"label column {params.project.target!r} has {int(y.isna().sum())} missing values")
    if params.project.task == "multiclass":
        classes = pd.unique(y)
        if len(classes) < 2:
            raise TrainingError(f"label column {params.project.target!r} has a single class in the training data")
        return y.to_numpy()
    if params.project.task == "classification":
        values = set(pd.unique(y))
        if not values <= {0, 1}:  # True/False compare equal to 1/0
            shown = sorted(map(str, values))[:5]
            raise TrainingError(
                f"label column {params.project.target!r} must be binary 0/1 for classification, found {shown}"
            )
        if len(values) < 2:
            raise TrainingError(f"label column {params.project.target!r} has a single class in the training data")
        return y.astype("int64").to_numpy()
    return y.astype("float64").to_numpy()


def fit(params: Params, train: pd.DataFrame) -> Any:
    missing = [c for c in input_columns(params) if c not in train.columns]
    if missing:
        raise TrainingError(
            f"training data lacks feature column(s) {', '.join(missing)} listed in params.yaml features"
        )
    model = build_pipeline(params)  # raises ModelConfigError (exit 2) for a bad model.estimator / model.params
    model.fit(train[input_columns(params)], labels(train, params))
    return model


def run_train(
    params: Params, root: Path, train_path: Path, model_path: Path, info_path: Path, track: bool = True
) -> dict[str, Any]:
    """Fit, log to MLflow, and only then put the model and its info in place.

    The tracking store is checked before fitting (a server that is down or hangs costs
    seconds, not minutes), and the model file is written to a temporary file that replaces
    ``model_path`` only after MLflow accepted the run: a failure leaves the previous model.
    """
    from ..adapters import files, model_store, tracking
    from ..adapters.compute import engine
    from ..adapters.mlflow_store import TrackingUnavailable

    uri = tracking.prepare(params, root, write=True) if track else None  # the fit is wasted if MLflow cannot store it
    train = pd.read_parquet(train_path)
    # compute.engine: dask fits joblib-parallel estimators (n_jobs) on the cluster; local fits here.
    with engine(params.compute) as compute, compute.training():
        model = fit(params, train)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=model_path.parent, prefix=f".tmp-{model_path.name}-")
    os.close(fd)
    staged = Path(name)
    try:
        staged.write_bytes(model_store.to_bytes(model, params))  # skops, every type trusted (or refused here)
        date_col = params.project.date_column
        tags = {
            **tracking.git_state(root),
            "data.train_md5": tracking.file_md5(train_path),
            "data.raw_dvc_md5": tracking.dvc_locked_md5(root, params.data.raw_dir) or "not locked yet",
            "data.start": train[date_col].min().date().isoformat(),
            "data.end": train[date_col].max().date().isoformat(),
            "data.rows": str(len(train)),
            "data.source": params.data.source,
            "model.md5": tracking.file_md5(staged),
        }
        info: dict[str, Any] = {"tags": tags}
        if track:
            try:
                info.update(
                    tracking.log_training_run(
                        params, root, model, tags, metrics={}, input_example=train[input_columns(params)].head(5)
                    )
                )
            except TrackingUnavailable:
                raise
            except Exception as exc:  # MLflow, SQLAlchemy, requests: one line, the old model kept
                first = error_line(exc)
                raise TrackingUnavailable(
                    f"logging the run to MLflow ({uri}) failed: {first}; {model_path.name} was not replaced. "
                    "Re-run when the tracking store works, or pass --no-track"
                ) from exc
        os.replace(staged, model_path)
    finally:
        staged.unlink(missing_ok=True)
    files.write_text_atomic(info_path, json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info
