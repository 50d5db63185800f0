"""Drift on the benchmark frames, one method per fresh process.

    python drift_probe.py project|evidently PACKAGE PROJECT_ROOT FRAMES_DIR same|drift

project:   the package's ``drift.compute_drift(reference, current, params)`` with
           params.yaml's drift section (sample cap, thresholds) and these 20 columns
           as features.
evidently: plain full-data ``Report([DataDriftPreset()]).run(current_data=...,
           reference_data=...)`` with an explicit DataDefinition (Evidently defaults).
Reading the Parquet files and the imports are timed apart from the drift call.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from _common import emit, load_params, timed_import
from drift_frames import CATEGORICAL, NUMERIC

method, package, root, frames, pair = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
start = time.perf_counter()
reference = pd.read_parquet(frames / "reference.parquet")
current = pd.read_parquet(frames / f"current_{pair}.parquet")
read_s = time.perf_counter() - start

if method == "project":
    drift, import_s = timed_import(f"{package}.core.drift")
    _, evidently_import_s = timed_import("evidently")  # compute_drift imports it lazily: count it as import
    import_s += evidently_import_s
    params = load_params(package, root, features={"numeric": NUMERIC, "categorical": CATEGORICAL, "dates": []})
    start = time.perf_counter()
    summary = drift.compute_drift(reference, current, params)
    call_s = time.perf_counter() - start
    verdict, share = bool(summary["dataset_drift"]), float(summary["drifted_share"])
    used = summary["rows_used"]
else:
    start = time.perf_counter()
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(
        current_data=Dataset.from_pandas(current, data_definition=definition),
        reference_data=Dataset.from_pandas(reference, data_definition=definition),
    )
    result = snapshot.dict()
    call_s = time.perf_counter() - start
    counts = [m for m in result["metrics"] if m["config"]["type"].endswith("DriftedColumnsCount")]
    share = float(counts[0]["value"]["share"])
    verdict = share >= 0.5  # DataDriftPreset's default drift_share
    used = {"reference": len(reference), "current": len(current)}

emit(call=round(call_s, 3), imports=round(import_s, 3), read=round(read_s, 3), dataset_drift=verdict,
     drifted_share=round(share, 4), rows=len(reference), rows_used=used)
