"""The stages end to end through the CLI, with a real MLflow (sqlite in tmp)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import load_params

STAGES = ["ingest", "validate", "split", "train", "evaluate"]


def run_pipeline(root: Path) -> None:
    for stage in STAGES:
        assert main(["--root", str(root), stage]) == 0, stage


def test_pipeline_trains_evaluates_and_tracks(project: Path) -> None:
    import mlflow

    run_pipeline(project)
    params = load_params(project / "params.yaml")

    metrics = json.loads((project / "metrics.json").read_text())
    assert set(metrics) == set(params.evaluate.metrics)
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["champion"] is None  # not a git repository: no champion yet
    assert "no champion yet" in evaluation["champion_ref"]["reason"]
    assert evaluation["holdout"] == {"rows": 5 * 120, "start": "2026-01-16", "end": "2026-01-20"}
{%- if cookiecutter.model_task == "multiclass" %}
    assert metrics["roc_auc_ovr"] > 0.6  # the demo's signal is learnable
    assert evaluation["classes"] == ["churned", "downgraded", "stayed"]
{%- elif cookiecutter.model_task == "classification" %}
    assert metrics["roc_auc"] > 0.6  # the demo's signal is learnable
{%- else %}
    assert metrics["r2"] > 0.5  # the demo's signal is learnable
{%- endif %}

    predictions = pd.read_parquet(project / "reports/predictions.parquet")
    probabilities = [
        f"{who}_p{j}" for j in range(len(evaluation.get("classes", []))) for who in ("candidate", "champion")
    ]
    assert list(predictions.columns) == ["row_id", "date", "y_true", "candidate", "champion", *probabilities]
    assert len(predictions) == 600
    assert predictions["champion"].isna().all()

    info = json.loads((project / "models/model_info.json").read_text())
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    run = mlflow.get_run(info["run_id"])
    for tag in ("git_sha", "data.train_md5", "data.raw_dvc_md5", "data.start", "data.end", "model.md5"):
        assert tag in run.data.tags, tag
    assert run.data.tags["data.start"] == "2026-01-01"
    assert run.data.tags["data.end"] == "2026-01-15"
    assert f"holdout_{params.evaluate.primary_metric}" in run.data.metrics

    # The registered challenger loads back and predicts the same as the file DVC tracks.
    model = mlflow.sklearn.load_model(f"models:/{params.mlflow.registered_model}@challenger")
    holdout = pd.read_parquet(project / "data/processed/holdout.parquet")
    from {{ cookiecutter.package_name }}.core.features import (
        input_columns,
        truth_and_scores,
    )
    from {{ cookiecutter.package_name }}.core.gate import scores_of

    _, scores = truth_and_scores(
        model, holdout[input_columns(params)], holdout[params.project.target], params.project.task
    )
    assert scores == pytest.approx(scores_of(predictions, "candidate", evaluation))
    pyfunc = mlflow.pyfunc.load_model(f"models:/{params.mlflow.registered_model}@challenger")
    assert len(pyfunc.predict(holdout[input_columns(params)])) == len(holdout)


def test_champion_is_the_model_main_pins(project: Path) -> None:
    """With a committed dvc.lock on main pinning a cached model, evaluate scores it too."""
    run_pipeline(project)
    import hashlib
    import shutil

    model = project / "models/model.skops"
    md5 = hashlib.md5(model.read_bytes(), usedforsecurity=False).hexdigest()
    cache = project / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    cache.parent.mkdir(parents=True)
    shutil.copy(model, cache)
    lock = {
        "schema": "2.0",
        "stages": {"train": {"cmd": "train", "outs": [{"path": "models/model.skops", "md5": md5}]}},
    }
    (project / "dvc.lock").write_text(json.dumps(lock))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.x",
    }
    for cmd in (["init", "-q", "-b", "main"], ["add", "dvc.lock"], ["commit", "-q", "-m", "pin model"]):
        subprocess.run(["git", *cmd], cwd=project, check=True, env=env)

    assert main(["--root", str(project), "evaluate", "--no-track"]) == 0
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["champion"]["model_md5"] == md5
    assert evaluation["champion"]["metrics"] == evaluation["candidate"]["metrics"]
    predictions = pd.read_parquet(project / "reports/predictions.parquet")
    assert predictions["champion"].to_numpy() == pytest.approx(predictions["candidate"].to_numpy())


def test_champion_that_cannot_be_fetched_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_pipeline(project)
    lock = {
        "schema": "2.0",
        "stages": {"train": {"cmd": "t", "outs": [{"path": "models/model.skops", "md5": "0" * 32}]}},
    }
    (project / "dvc.lock").write_text(json.dumps(lock))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.x",
    }
    for cmd in (["init", "-q", "-b", "main"], ["add", "dvc.lock"], ["commit", "-q", "-m", "pin"]):
        subprocess.run(["git", *cmd], cwd=project, check=True, env=env)
    assert main(["--root", str(project), "evaluate", "--no-track"]) == 2
    assert "neither in the local DVC cache nor fetchable" in capsys.readouterr().err


def test_bad_model_params_name_the_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt model param is a config error caught before ingest fetches anything, not at train."""
    from .conftest import small_params, write_params

    raw = small_params()
    raw["model"]["params"] = {"no_such_knob": 3}
    write_params(project, raw)
    assert main(["--root", str(project), "ingest"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "model.params: unknown parameter(s) no_such_knob" in err
    assert not (project / "data").exists(), "nothing fetched, nothing quarantined"
