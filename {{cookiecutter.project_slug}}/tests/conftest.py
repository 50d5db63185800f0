"""Shared fixtures: a throw-away project root with small data, MLflow in tmp."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def small_params(**overrides: Any) -> dict[str, Any]:
    params = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text())
    params["data"]["start_date"] = "2026-01-01"
    params["data"]["end_date"] = "2026-01-20"
    params["data"]["demo"]["rows_per_day"] = 120
    params["checks"]["min_rows"] = 20
    params["split"]["holdout_days"] = 5
    for dotted, value in overrides.items():
        node = params
        *path, last = dotted.split(".")
        for key in path:
            node = node[key]
        node[last] = value
    return params


@pytest.fixture(autouse=True)
def _isolated_mlflow(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never write to the project's own mlflow.db from a test."""
    store = tmp_path_factory.mktemp("mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store / 'mlflow.db'}")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root holding params.yaml (small demo window) and nothing else."""
    root = tmp_path / "project"
    root.mkdir()
    write_params(root, small_params())
    return root


def write_params(root: Path, params: dict[str, Any]) -> None:
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture
def git_project(project: Path) -> Path:
    """``project`` as a git repository with the real dvc.yaml and source beside it."""
    shutil.copy(PROJECT_ROOT / "dvc.yaml", project / "dvc.yaml")
    return project


def pin_workspace_model(root: Path) -> None:
    """Put the workspace model and drift reference into the DVC cache and dvc.lock, as `dvc commit`
    would: committing dvc.lock then makes them the champion the project's git ref pins."""
    outs = []
    for path in ("models/model.skops", "data/processed/drift_reference.parquet"):
        md5 = hashlib.md5((root / path).read_bytes(), usedforsecurity=False).hexdigest()
        cache = root / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
        cache.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / path, cache)
        outs.append({"path": path, "md5": md5})
    lock = {"schema": "2.0", "stages": {"train": {"cmd": "train", "outs": outs}}}
    (root / "dvc.lock").write_text(json.dumps(lock))
