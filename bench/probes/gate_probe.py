"""The gate's own cost on the project's evaluate outputs: ``jobs.gate.run_gate`` timed in this process.

    python gate_probe.py PACKAGE PROJECT_ROOT

Imports are timed apart from the call; the call reads reports/evaluation.json and
reports/predictions.parquet, resolves the champion and computes the intervals, as `gate` does.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import emit, load_params, timed_import

package, root = sys.argv[1], Path(sys.argv[2])
gate, import_s = timed_import(f"{package}.jobs.gate")
params = load_params(package, root)
start = time.perf_counter()
result = gate.run_gate(params, root)
call_s = time.perf_counter() - start
info = {**(result.get("info") or {}), **result}  # gate.json's layout: flat (older: under `info`)
emit(call=round(call_s, 3), imports=round(import_s, 3), promote=bool(result.get("promote")),
     interval_method=str(info.get("interval_method") or ""), holdout_rows=(info.get("holdout") or {}).get("rows"))
