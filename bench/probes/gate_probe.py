"""The gate's own cost on the project's evaluate outputs: ``jobs.gate.run_gate`` timed in this process.

    python gate_probe.py PACKAGE PROJECT_ROOT

Imports are timed apart from the call (the first in the process, as `gate` makes it; then the same
call again, and a third under cProfile for where its time goes); the call reads reports/evaluation.json and
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
# The same call again in this process: without the first call's lazy imports (sklearn.metrics, scipy ...).
start = time.perf_counter()
gate.run_gate(params, root)
warm_s = time.perf_counter() - start

# Where the warm call's time goes: a third, profiled call; the callees of the gate's own top-level functions
# (run_gate, judge, the input checks), by cumulative time. Names only, so it survives refactoring.
import cProfile  # noqa: E402
import pstats  # noqa: E402

profiler = cProfile.Profile()
profiler.runcall(gate.run_gate, params, root)
stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
parents = {"run_gate", "judge", "_input_problems", "improvement_interval", "metric_interval"}
rows = []
for (path, line, name), (_, _, _, cumulative, callers) in stats.items():
    if any(caller[2] in parents for caller in callers) and name not in parents | {"<built-in method builtins.exec>"}:
        where = Path(path).parent.name + "/" + Path(path).name if path != "~" else "builtin"
        rows.append((cumulative, f"{name} ({where}:{line})"))
rows.sort(reverse=True)
emit(
    call=round(call_s, 3),
    call_warm=round(warm_s, 3),
    imports=round(import_s, 3),
    promote=bool(result.get("promote")),
    interval_method=str(info.get("interval_method") or ""),
    holdout_rows=(info.get("holdout") or {}).get("rows"),
    profile=[[name, round(seconds, 3)] for seconds, name in rows[:8]],
)
