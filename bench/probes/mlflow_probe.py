"""Time logging the trained Pipeline to MLflow the way the train stage does.

    python mlflow_probe.py PACKAGE PROJECT_ROOT

Calls ``tracking.log_training_run`` (explicit pip_requirements, skops, then
register + alias) on models/model.skops, against the project's sqlite store.
``import mlflow`` is timed separately: the train stage pays it once per process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import emit, load_params, timed_import

package, root = sys.argv[1], Path(sys.argv[2])
tracking, _ = timed_import(f"{package}.adapters.tracking")
_, mlflow_import_s = timed_import("mlflow")
timed_import("mlflow.sklearn")
model_store, _ = timed_import(f"{package}.adapters.model_store")

params = load_params(package, root)
model = model_store.load(root / "models/model.skops", params)
start = time.perf_counter()  # first call in a fresh process: what the train stage pays
info = tracking.log_training_run(params, root, model, {"bench": "mlflow_probe"}, metrics={"bench": 1.0})
log_s = time.perf_counter() - start
start = time.perf_counter()  # the same again, warm: shows how much of the first call is one-off lazy imports
tracking.log_training_run(params, root, model, {"bench": "mlflow_probe"}, metrics={"bench": 1.0})
warm_s = time.perf_counter() - start
start = time.perf_counter()
tracking.log_training_run(params, root, model, {"bench": "mlflow_probe"}, metrics={}, register=False)
log_only_s = time.perf_counter() - start
emit(log_and_register=round(log_s, 3), log_and_register_warm=round(warm_s, 3), log_only_warm=round(log_only_s, 3),
     import_mlflow=round(mlflow_import_s, 3), version=info.get("version"))
