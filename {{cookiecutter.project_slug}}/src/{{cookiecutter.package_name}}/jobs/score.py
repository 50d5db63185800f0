"""Batch scoring: the champion's scores for raw partitions, on the configured compute engine.

Each partition is one task: the worker reads the Parquet file itself, scores it with the
model (scattered once per worker) and returns a small frame of (id, date, score). With
``compute.engine: local`` the same function runs in this process, so both engines give
exactly the same rows (a test runs both).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..adapters.compute import Engine
from ..config import Params
from ..core.features import input_columns, model_classes, predict_scores


def score_partition(
    path: str, *, model: Any, columns: list[str], task: str, id_column: str | None, date_column: str
) -> pd.DataFrame:
    """Scores of one partition (runs on a worker: takes a path, returns a small frame)."""
    return _score(pd.read_parquet(path), model, columns, task, id_column, date_column)


def score_frame(params: Params, frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Scores of a frame already in this process (a batch fetched and checked in memory)."""
    return _score(
        frame,
        model,
        input_columns(params),
        params.project.task,
        params.project.id_column or None,
        params.project.date_column,
    )


def _score(
    frame: pd.DataFrame, model: Any, columns: list[str], task: str, id_column: str | None, date_column: str
) -> pd.DataFrame:
    scores = predict_scores(model, frame[columns], task)
    ids = frame[id_column].astype(str) if id_column and id_column in frame else frame.index.astype(str)
    out: dict[str, Any] = {
        id_column or "row": ids.to_numpy(),
        date_column: frame[date_column].to_numpy() if date_column in frame else pd.NaT,
    }
    if scores.ndim == 2:  # multiclass: the most probable class, its probability, and every class's probability
        classes = model_classes(model)
        out["prediction"] = [str(classes[i]) for i in scores.argmax(axis=1)]
        out["score"] = scores.max(axis=1)
        out.update({f"proba_{c}": scores[:, j] for j, c in enumerate(classes)})
    else:
        out["score"] = scores
    return pd.DataFrame(out)


def score_partitions(params: Params, paths: list[Path], model: Any, engine: Engine) -> pd.DataFrame:
    """All partitions' scores in partition order (ids, dates, score)."""
    parts = engine.map(
        score_partition,
        [str(p) for p in paths],
        model=model,
        columns=input_columns(params),
        task=params.project.task,
        id_column=params.project.id_column or None,
        date_column=params.project.date_column,
    )
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
