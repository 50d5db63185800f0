"""Your own model: model.estimator as an import path, checked early; model files that cannot run code."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.adapters import model_store
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import ConfigError, Params, parse_params

from .conftest import small_params, write_params

TASK = "{{ cookiecutter.model_task }}"
PACKAGE = "{{ cookiecutter.package_name }}"
OWN = f"{PACKAGE}.core.estimators:" + (
    "FlooredRidgeRegressor" if TASK == "regression" else "BalancedLogisticClassifier"
)
OWN_PARAMS: dict[str, Any] = {"alpha": 2.0, "floor": 0.0} if TASK == "regression" else {"C": 0.5}
SKLEARN_LINEAR = "sklearn.linear_model:" + ("Ridge" if TASK == "regression" else "LogisticRegression")
SKLEARN_PARAM = "alpha" if TASK == "regression" else "C"
LGBM = "lightgbm:LGBMRegressor" if TASK == "regression" else "lightgbm:LGBMClassifier"
LGBM_PARAMS: dict[str, Any] = {"n_estimators": 40, "learning_rate": 0.1, "min_child_samples": 10, "verbose": -1}


def with_model(project: Path, estimator: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    raw = small_params()
    raw["model"].update({"estimator": estimator, "params": params, **extra})
    write_params(project, raw)
    return raw


def pipeline(project: Path, track: bool = False) -> None:
    for stage in ("ingest", "validate", "split", "train", "evaluate"):
        args = ["--root", str(project), stage] + (
            [] if track or stage in ("ingest", "validate", "split") else ["--no-track"]
        )
        assert main(args) == 0, stage


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_a_class_of_the_project_trains_and_evaluates(project: Path) -> None:
    with_model(project, OWN, OWN_PARAMS)
    pipeline(project)
    params = parse_params(small_params(**{"model.estimator": OWN, "model.params": OWN_PARAMS}))
    model = model_store.load(project / "models/model.skops", params)
    assert type(model.named_steps["model"]).__name__ == OWN.split(":")[1]
    assert model.named_steps["model"].get_params().items() >= OWN_PARAMS.items()
    metrics = json.loads((project / "metrics.json").read_text())
    assert set(metrics) == set(params.evaluate.metrics)


def test_an_estimator_that_is_not_installed_is_refused_at_params_load(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = with_model(project, "nosuchlib.models:Booster", {})
    with pytest.raises(
        ConfigError, match=r"model\.estimator: 'nosuchlib\.models:Booster' cannot be imported: no module"
    ):
        parse_params(raw)
    assert main(["--root", str(project), "ingest"]) == 2
    assert "model.estimator" in one_line_error(capsys)
    assert not (project / "data").exists()


@pytest.mark.parametrize(
    ("estimator", "params", "message"),
    [
        (
            f"{PACKAGE}.core.estimators:NoSuchModel",
            {},
            "model.estimator: module '{{ cookiecutter.package_name }}.core.estimators' has no attribute 'NoSuchModel'",
        ),
        ("collections:OrderedDict", {}, "is not a scikit-learn-compatible"),
        ("logistic_regresion", {}, "model.estimator: 'logistic_regresion' is neither"),
        (OWN, {"C_": 1.0, "alpha_": 1.0}, "model.params: unknown parameter(s) C_, alpha_ for"),
        # A value of the wrong kind: scikit-learn would refuse it only inside fit, after DVC removed the model.
        (SKLEARN_LINEAR, {SKLEARN_PARAM: "high"}, f"model.params: The '{SKLEARN_PARAM}' parameter of"),
    ],
    ids=["missing-class", "not-an-estimator", "misspelt-builtin", "misspelt-param", "wrong-kind-of-value"],
)
def test_model_mistakes_stop_ingest_before_any_data_is_touched(
    project: Path, capsys: pytest.CaptureFixture[str], estimator: str, params: dict[str, Any], message: str
) -> None:
    with_model(project, estimator, params)
    assert main(["--root", str(project), "ingest"]) == 2
    assert message in one_line_error(capsys)
    assert not (project / "data").exists(), "nothing fetched, nothing quarantined"


def test_a_value_of_the_wrong_kind_fails_train_in_one_line_and_keeps_the_model(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_model(project, SKLEARN_LINEAR, {})
    pipeline(project)
    model = project / "models/model.skops"
    before = model.read_bytes()
    with_model(project, SKLEARN_LINEAR, {SKLEARN_PARAM: "high"})
    capsys.readouterr()
    assert main(["--root", str(project), "train", "--no-track"]) == 2
    assert f"params.yaml: model.params: The '{SKLEARN_PARAM}' parameter of" in one_line_error(capsys)
    assert model.read_bytes() == before


class _Marker:
    """Unpickling this creates a file: proof that pickle bytes were (or were not) executed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))


def _params(**overrides: Any) -> Params:
    return parse_params(small_params(**overrides))


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    target = tmp_path / "model.skops"
    target.write_bytes(pickle.dumps(_Marker(str(marker))))
    with pytest.raises(model_store.UntrustedModelError, match="is not a skops model file"):
        model_store.load(target, _params())
    assert not marker.exists()


def test_untrusted_types_are_refused_and_named(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    model = LogisticRegression()
    model.hook_ = os.system  # what a tampered file would carry: a callable the loader would build
    model.score_fn_ = accuracy_score  # a function under a trusted library is not trusted either: only classes are
    target = tmp_path / "model.skops"
    target.write_bytes(sio.dumps(model))
    with pytest.raises(model_store.UntrustedModelError) as refused:
        model_store.load(target, _params(), "the model")
    message = str(refused.value)
    assert f"{os.system.__module__}.system" in message
    assert "sklearn.metrics._classification.accuracy_score" in message
    assert "model.trusted_types" in message
    assert "\n" not in message
    with pytest.raises(model_store.UntrustedModelError):
        model_store.save(model, tmp_path / "saved.skops", _params())
    assert not (tmp_path / "saved.skops").exists()
    # A person who trusts them says so in params.yaml; only then does the file load.
    trusted = _params(**{"model.trusted_types": [f"{os.system.__module__}.system", "sklearn.metrics"]})
    assert model_store.load(target, trusted).hook_ is os.system


@pytest.mark.slow
def test_lightgbm_end_to_end(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A library outside scikit-learn: params checked before ingest, trained, tracked (skops), evaluated as champion."""
    pytest.importorskip("lightgbm")
    import hashlib
    import shutil
    import subprocess

    import mlflow
    import pandas as pd

    from {{ cookiecutter.package_name }}.core.features import (
        input_columns,
        truth_and_scores,
    )

    with_model(project, LGBM, {**LGBM_PARAMS, "n_estimator": 10})
    assert main(["--root", str(project), "ingest"]) == 2
    assert "model.params: unknown parameter(s) n_estimator for LGBM" in one_line_error(capsys)
    assert not (project / "data").exists()

    with_model(project, LGBM, LGBM_PARAMS)
    pipeline(project, track=True)
    params = _params(**{"model.estimator": LGBM, "model.params": LGBM_PARAMS})
    model = model_store.load(project / "models/model.skops", params)
    assert type(model.named_steps["model"]).__module__.startswith("lightgbm")

    # MLflow's sklearn flavour stored it with skops too, and it loads back and predicts the same.
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    logged = mlflow.sklearn.load_model(f"models:/{params.mlflow.registered_model}@challenger")
    holdout = pd.read_parquet(project / "data/processed/holdout.parquet")
    y = holdout[params.project.target]
    assert truth_and_scores(logged, holdout[input_columns(params)], y, TASK)[1] == pytest.approx(
        truth_and_scores(model, holdout[input_columns(params)], y, TASK)[1]
    )

    # As the champion (pinned by main, in the DVC cache) it is loaded under the same trust rules ...
    md5 = hashlib.md5((project / "models/model.skops").read_bytes(), usedforsecurity=False).hexdigest()
    cache = project / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    cache.parent.mkdir(parents=True)
    shutil.copy(project / "models/model.skops", cache)
    lock = {"schema": "2.0", "stages": {"train": {"cmd": "t", "outs": [{"path": "models/model.skops", "md5": md5}]}}}
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
    assert main(["--root", str(project), "evaluate", "--no-track"]) == 0
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["champion"]["metrics"] == evaluation["candidate"]["metrics"]

    # ... so switching the estimator away from LightGBM refuses to load that champion until it is trusted by name.
    raw = with_model(project, OWN, OWN_PARAMS)
    capsys.readouterr()
    assert main(["--root", str(project), "evaluate", "--no-track"]) == 2
    err = one_line_error(capsys)
    assert "lightgbm.sklearn.LGBM" in err
    assert "model.trusted_types" in err
    raw["model"]["trusted_types"] = ["lightgbm"]
    write_params(project, raw)
    assert main(["--root", str(project), "evaluate", "--no-track"]) == 0
