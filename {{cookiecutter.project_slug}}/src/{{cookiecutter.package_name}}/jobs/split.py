"""Time-based split: the most recent ``holdout_days`` of the window are the holdout.

A random split would leak the future into training and flatter every model; a
time split asks the question production asks: how well does a model trained on
the past score the days that came after it?
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..adapters.dataset import list_partitions, load_partitions
from ..config import Params


class SplitError(RuntimeError):
    pass


def load_window(params: Params, root: Path) -> pd.DataFrame:
    paths = list_partitions(root / params.data.raw_dir, params.data.start_date, params.data.end_date)
    if not paths:
        raise SplitError(
            f"no partitions in {params.data.raw_dir} between {params.data.start_date} and {params.data.end_date}; run ingest first"
        )
    return load_partitions(paths)


def time_split(frame: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    date_col = params.project.date_column
    id_col = params.project.id_column
    frame = frame.sort_values([date_col, id_col] if id_col and id_col in frame else [date_col])
    frame = frame.reset_index(drop=True)
    dates = frame[date_col].dt.normalize()
    last = dates.max()
    cutoff = last - pd.Timedelta(days=params.split.holdout_days - 1)
    holdout = frame[dates >= cutoff]
    train = frame[dates < cutoff]
    if params.split.max_train_days:
        train = train[dates[dates < cutoff] >= cutoff - pd.Timedelta(days=params.split.max_train_days)]
    if train.empty:
        raise SplitError(
            f"no training rows before the {params.split.holdout_days}-day holdout starting {cutoff.date()}; "
            "widen data.start_date..data.end_date or shorten split.holdout_days"
        )
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def date_range(frame: pd.DataFrame, column: str) -> dict[str, Any]:
    return {
        "start": frame[column].min().date().isoformat(),
        "end": frame[column].max().date().isoformat(),
        "rows": len(frame),
    }


def holdout_warnings(holdout: pd.DataFrame, params: Params) -> list[str]:
    """Say when the window runs past the data, or the holdout has days without rows (never silently)."""
    days = holdout[params.project.date_column].dt.normalize()
    last = days.max().date()
    warnings = []
    end = params.data.end_date
    if last < end:
        warnings.append(
            f"no rows after {last} although data.end_date is {end} ({(end - last).days} day(s)): the holdout is the "
            f"last {params.split.holdout_days} days with data, {days.min().date()}..{last}; move data.end_date back"
        )
    seen = set(days.dt.date)
    first = days.min().date()
    missing = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [d for d in missing if d not in seen]
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:7]) + (" ..." if len(missing) > 7 else "")
        warnings.append(f"the holdout has no rows on {len(missing)} of its {params.split.holdout_days} days: {shown}")
    return warnings


def run_split(params: Params, root: Path, out_dir: Path) -> dict[str, Any]:
    frame = load_window(params, root)
    train, holdout = time_split(frame, params)
    out_dir.mkdir(parents=True, exist_ok=True)
    train.to_parquet(out_dir / "train.parquet", index=False)
    holdout.to_parquet(out_dir / "holdout.parquet", index=False)
    info: dict[str, Any] = {
        "train": date_range(train, params.project.date_column),
        "holdout": date_range(holdout, params.project.date_column),
        "created": dt.date.today().isoformat(),
    }
    info.pop("created")  # keep the output deterministic so `dvc repro` stays a no-op
    warnings = holdout_warnings(holdout, params)
    if warnings:
        info["warnings"] = warnings
    # The drift reference travels with the model trained on this split: the fixed-size sample the
    # daily check compares against, instead of rereading the whole training range (jobs/drift.py).
    from .drift import write_reference

    train_range = (dt.date.fromisoformat(info["train"]["start"]), dt.date.fromisoformat(info["train"]["end"]))
    info["drift_reference"] = write_reference(params, root, train_range)
    (out_dir / "split.json").write_text(json.dumps(info, indent=2) + "\n")
    return info
