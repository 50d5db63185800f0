"""Run the drift check on raw partitions: the champion's training range against the newest window.

Writes drift_summary.json and, when asked, Evidently's HTML report. The statistics live in core/drift.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..adapters.dataset import PartitionCache, list_partitions, load_partitions
from ..adapters.files import Outputs
from ..adapters.history import git_show, lock_out_md5, train_range
from ..config import Params
from ..core.drift import DriftError, _run, drift_columns, fast_drift, sample
from ..paths import SPLIT_INFO


def load_frames(
    params: Params, root: Path, reference_range: tuple[dt.date, dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reference, current) as drift compares them; the reference already sampled to ``drift.sample_cap``."""
    return load_reference(params, root, reference_range)[0], load_current(params, root)


def load_reference(
    params: Params, root: Path, reference_range: tuple[dt.date, dt.date], cache: PartitionCache | None = None
) -> tuple[pd.DataFrame, int]:
    """The champion's training data as drift compares it: (sampled frame, rows before sampling).

    From the sample persisted with the champion (:data:`REFERENCE`, pinned by its dvc.lock) when
    it was drawn from the same range with the same columns, cap and seed: exactly the rows the raw
    partitions would give, without rereading the training range. Otherwise from the raw partitions.
    """
    key = f"drift-reference {reference_range[0]}..{reference_range[1]}"
    if cache is not None and key in cache.extra:
        return cache.extra[key]  # type: ignore[no-any-return]
    found = reference_from_champion(params, root, reference_range)
    if found is None:
        paths = list_partitions(root / params.data.raw_dir, *reference_range)
        if not paths:
            raise DriftError(
                f"no raw partitions in {params.data.raw_dir} for the champion's training range "
                f"{reference_range[0]}..{reference_range[1]}; run `dvc pull` to restore them"
            )
        full = _read(paths, drift_columns(params), cache)
        found = sample(full, params.drift.sample_cap, params.drift.seed), len(full)
    if cache is not None:
        cache.extra[key] = found
    return found


def load_current(params: Params, root: Path, cache: PartitionCache | None = None) -> pd.DataFrame:
    start, end = current_range(params)
    paths = list_partitions(root / params.data.raw_dir, start, end)
    if not paths:
        raise DriftError(f"no raw partitions in {params.data.raw_dir} for the current window {start}..{end}")
    return _read(paths, drift_columns(params), cache)


def _read(paths: list[Path], columns: list[str], cache: PartitionCache | None) -> pd.DataFrame:
    if cache is None:
        return load_partitions(paths, columns=columns)
    try:
        return cache.frame(paths, columns)
    except KeyError as exc:
        raise DriftError(f"drift: {exc.args[0]}") from None


# --- the reference sample persisted with the champion --------------------------------------------
# The split stage writes the sample drift would draw from the training range; split.json (git)
# records how it was drawn and dvc.lock pins the file, so the daily check reads a fixed-size
# sample instead of the champion's whole training range.

REFERENCE = "data/processed/drift_reference.parquet"


def reference_meta(params: Params, reference_range: tuple[dt.date, dt.date], rows: int) -> dict[str, Any]:
    return {
        "path": REFERENCE,
        "range": [reference_range[0].isoformat(), reference_range[1].isoformat()],
        "columns": drift_columns(params),
        "sample_cap": params.drift.sample_cap,
        "seed": params.drift.seed,
        "rows": rows,
    }


def write_reference(
    params: Params, root: Path, reference_range: tuple[dt.date, dt.date], outputs: Outputs
) -> dict[str, Any]:
    """Stage the drift reference of a model trained on ``reference_range`` with the split's other outputs;
    returns its record for split.json."""
    paths = list_partitions(root / params.data.raw_dir, *reference_range)
    full = load_partitions(paths, columns=drift_columns(params))
    sample(full, params.drift.sample_cap, params.drift.seed).to_parquet(outputs.path(root / REFERENCE), index=False)
    return reference_meta(params, reference_range, len(full))


def reference_from_champion(
    params: Params, root: Path, reference_range: tuple[dt.date, dt.date]
) -> tuple[pd.DataFrame, int] | None:
    """The persisted sample when the champion's split.json and dvc.lock vouch for it, else None."""
    ref = params.evaluate.champion_ref
    text = git_show(root, ref, SPLIT_INFO)
    try:
        meta = (json.loads(text) if text else {}).get("drift_reference")
    except (ValueError, AttributeError):
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("rows"), int):
        return None
    rows = int(meta["rows"])
    if {**meta, "rows": 0} != reference_meta(params, reference_range, 0):
        return None  # none persisted, or drawn from other data or with other drift settings
    lock = git_show(root, ref, "dvc.lock")
    md5 = lock_out_md5(lock, REFERENCE) if lock else None
    if md5 is None:
        return None
    cached = root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    if cached.is_file():
        return pd.read_parquet(cached), rows
    workspace = root / REFERENCE
    if workspace.is_file() and hashlib.md5(workspace.read_bytes(), usedforsecurity=False).hexdigest() == md5:
        return pd.read_parquet(workspace), rows
    return None


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
    cache: PartitionCache | None = None,
) -> dict[str, Any]:
    """Write drift_summary.json (and drift_report.html) comparing the champion's training data to the newest window."""
    if reference_range is None:
        reference_range = train_range(root, params.evaluate.champion_ref)
        if reference_range is None:
            raise DriftError(
                f"{params.evaluate.champion_ref} has no data/processed/split.json: no champion yet, "
                "so there is no training data to compare against"
            )
    reference, reference_rows = load_reference(params, root, reference_range, cache)
    current = load_current(params, root, cache)
    summary = None if html else fast_drift(reference, current, params)
    if summary is None:
        snapshot, summary = _run(reference, current, params)
        summary["engine"] = "evidently"
    summary["rows"]["reference"] = reference_rows  # before sampling, whether sampled here or at split
    cur_start, cur_end = current_range(params)
    summary["reference_range"] = [reference_range[0].isoformat(), reference_range[1].isoformat()]
    summary["current_range"] = [cur_start.isoformat(), cur_end.isoformat()]
    with Outputs() as outputs:  # the summary and its HTML together, or the old pair as it was
        if html:
            # save_html writes nothing when given a pathlib.Path (evidently 0.7): pass a str.
            snapshot.save_html(str(outputs.path(out_dir / "drift_report.html")))
        outputs.json(out_dir / "drift_summary.json", summary)
    if not html:
        # An older run's HTML beside this summary would show other data (issue 24): no report beats a wrong one.
        (out_dir / "drift_report.html").unlink(missing_ok=True)
    return summary
