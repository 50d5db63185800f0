"""Shared fixtures: a throw-away project root with small data, MLflow in tmp."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
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


class DvcWorkspace:
    """A copy of the project (src, dvc.yaml, small params) as a git and DVC repository, whose stages run
    with this interpreter: the real `dvc repro` path the workflows take, without a bake."""

    def __init__(self, root: Path, **overrides: Any) -> None:
        self.root = root
        root.mkdir()
        shutil.copytree(PROJECT_ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(PROJECT_ROOT / "dvc.yaml", root / "dvc.yaml")
        write_params(root, small_params(**overrides))
        # dvc.yaml's commands say `python`: this interpreter's, with the copied package first on the path
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.env = {**os.environ, "PYTHONPATH": str(root / "src"), "PATH": path}
        for command in (["git", "init", "-q"], [sys.executable, "-m", "dvc", "init", "-q"]):
            assert self.run(*command).returncode == 0, command
        shutil.copy(PROJECT_ROOT / ".dvcignore", root / ".dvcignore")  # what DVC leaves out, as in the project

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=600, check=False
        )

    def repro(self, *targets: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "dvc", "repro", *targets)
