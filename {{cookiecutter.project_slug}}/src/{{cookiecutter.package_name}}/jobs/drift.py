"""Run the drift check on raw partitions: the champion's training range against the newest window.

Writes drift_summary.json and, when asked, Evidently's HTML report. The statistics live in core/drift.py.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..adapters.dataset import list_partitions, load_partitions
from ..adapters.history import train_range
from ..config import Params
from ..core.drift import DriftError, _run, drift_columns, fast_drift


def load_frames(
    params: Params, root: Path, reference_range: tuple[dt.date, dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw_dir = root / params.data.raw_dir
    ref_paths = list_partitions(raw_dir, *reference_range)
    if not ref_paths:
        raise DriftError(
            f"no raw partitions in {params.data.raw_dir} for the champion's training range "
            f"{reference_range[0]}..{reference_range[1]}; run `dvc pull` to restore them"
        )
    end = params.data.end_date
    start = end - dt.timedelta(days=params.drift.window_days - 1)
    cur_paths = list_partitions(raw_dir, start, end)
    if not cur_paths:
        raise DriftError(f"no raw partitions in {params.data.raw_dir} for the current window {start}..{end}")
    columns = drift_columns(params)
    return load_partitions(ref_paths, columns=columns), load_partitions(cur_paths, columns=columns)


def current_range(params: Params) -> tuple[dt.date, dt.date]:
    end = params.data.end_date
    return end - dt.timedelta(days=params.drift.window_days - 1), end


def run_drift(
    params: Params,
    root: Path,
    out_dir: Path,
    *,
    reference_range: tuple[dt.date, dt.date] | None = None,
    html: bool = True,
) -> dict[str, Any]:
    """Write drift_summary.json (and drift_report.html) comparing the champion's training data to the newest window."""
    if reference_range is None:
        reference_range = train_range(root, params.evaluate.champion_ref)
        if reference_range is None:
            raise DriftError(
                f"{params.evaluate.champion_ref} has no data/processed/split.json: no champion yet, "
                "so there is no training data to compare against"
            )
    reference, current = load_frames(params, root, reference_range)
    summary = None if html else fast_drift(reference, current, params)
    if summary is None:
        snapshot, summary = _run(reference, current, params)
        summary["engine"] = "evidently"
    cur_start, cur_end = current_range(params)
    summary["reference_range"] = [reference_range[0].isoformat(), reference_range[1].isoformat()]
    summary["current_range"] = [cur_start.isoformat(), cur_end.isoformat()]
    out_dir.mkdir(parents=True, exist_ok=True)
    if html:
        # save_html writes nothing when given a pathlib.Path (evidently 0.7): pass a str.
        snapshot.save_html(str(out_dir / "drift_report.html"))
    (out_dir / "drift_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
