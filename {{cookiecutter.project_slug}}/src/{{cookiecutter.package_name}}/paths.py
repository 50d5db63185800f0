"""Where each stage reads and writes, relative to the project root.

dvc.yaml names the same paths; keep the two in step.
"""

from __future__ import annotations

TRAIN = "data/processed/train.parquet"
HOLDOUT = "data/processed/holdout.parquet"
SPLIT_INFO = "data/processed/split.json"
MODEL = "models/model.skops"
MODEL_INFO = "models/model_info.json"
METRICS = "metrics.json"
EVALUATION = "reports/evaluation.json"
PREDICTIONS = "reports/predictions.parquet"
PLOTS = "reports/plots"
DATA_CHECKS_JSON = "reports/data_checks.json"
DATA_CHECKS_MD = "reports/data_checks.md"
INGEST_SUMMARY = "reports/ingest.json"
IMPORTANCE = "reports/importance.json"  # permutation importance, candidate and champion
FIGURES = "reports/figures"  # the promotion PR's pictures (committed to the promotion branch)
MODEL_CARD = "reports/model_card.md"
