"""Fit-only time: the package's ``train.fit(params, frame)`` on the training split.

    python fit_probe.py PACKAGE PROJECT_ROOT

Imports and the Parquet read are timed apart from the fit itself.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import emit, load_params, timed_import

package, root = sys.argv[1], Path(sys.argv[2])
train, import_s = timed_import(f"{package}.jobs.train")
params = load_params(package, root)
import pandas as pd  # noqa: E402  (already imported by train)

start = time.perf_counter()
frame = pd.read_parquet(root / "data/processed/train.parquet")
read_s = time.perf_counter() - start
start = time.perf_counter()
train.fit(params, frame)
fit_s = time.perf_counter() - start
emit(fit=round(fit_s, 3), read=round(read_s, 3), imports=round(import_s, 3), rows=len(frame))
