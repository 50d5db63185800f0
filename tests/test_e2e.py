"""Slow tier: bake, install from the lockfile, lint, type-check, test and run for real.

Nothing is mocked here: real cookiecutter, real ``dvc repro`` with a real local
remote, real MLflow (sqlite), real git.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import BakedEnv, bake_ok, make_env, run

pytestmark = pytest.mark.slow


def find_python(version: str) -> str | None:
    """A working interpreter for ``version``: PATH first, then pyenv's versions (whose shims may refuse)."""
    import glob
    import shutil
    import subprocess

    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0 and probe.stdout.strip() == str(tuple(int(x) for x in version.split("."))):
            return candidate
    return None


# Baked test files whose logic no task changes (the CLI's plumbing, files, locks, GitHub and MLflow clients,
# sources, the import budget): they run on the default bake, in full; another task's bake runs the rest, every
# file that fits, scores, gates, decides or reports on that task's data (CI budget: each bake's suite costs
# minutes, and these files are a third of it).
TASK_INDEPENDENT = [
    f"tests/test_{name}.py"
    for name in ("architecture", "attempts", "cli", "compute", "export_env", "files", "health", "import_cost",
                 "keepalive", "late_rows", "notify", "sources", "sql_source", "template_update", "tracking_faults",
                 "writes")
]
SKIP_TASK_INDEPENDENT = [f"--ignore={path}" for path in TASK_INDEPENDENT]


def quality_gates(project: Path, env: BakedEnv, tier: str | None, extra: list[str] | None = None) -> None:
    """What a user's CI runs on the baked project: lint, types, then its tests of ``tier`` (a pytest -m
    expression; None: none here, because another test runs this bake's suite).

    CI budget: the baked suite's slow tier (the demo walk-through, the bring-your-own-data loops) runs in
    full once, on the default bake; each other task's bake runs its default tier but TASK_INDEPENDENT (``extra``:
    every test left runs that task's code paths on that task's data) and its own walk through the real loop."""
    e = env.env()
    run([env.python, "-m", "ruff", "check", "src", "tests"], cwd=project, env=e)
    run([env.python, "-m", "ruff", "format", "--check", "--diff", "src"], cwd=project, env=e, check=False)
    run([env.python, "-m", "mypy"], cwd=project, env=e)
    if tier is None:
        return
    result = run(
        [env.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", tier, *(extra or [])],
        cwd=project,
        env=e,
        timeout=1800,
    )
    assert re.search(r"\d+ passed", result.stdout) and " failed" not in result.stdout, result.stdout[-3000:]


def repro_twice(project: Path, env: BakedEnv) -> str:
    e = env.env()
    first = run(["dvc", "repro"], cwd=project, env=e, timeout=1800)
    for stage in ("ingest", "validate", "split", "train", "evaluate"):
        assert f"Running stage '{stage}'" in first.stdout, stage
    second = run(["dvc", "repro"], cwd=project, env=e)
    assert "Running stage" not in second.stdout
    assert "Data and pipelines are up to date" in second.stdout
    status = run(["dvc", "status", "-q"], cwd=project, env=e, check=False)
    assert status.returncode == 0, status.stdout
    return first.stdout


@pytest.fixture(scope="module")
def default_project(cookies_session: Any, baked_env: BakedEnv) -> Path:
    project = bake_ok(cookies_session)
    baked_env.install_project(project)
    return project


@pytest.mark.xdist_group("e2e-default")  # one bake and install for both
def test_default_project_passes_its_own_quality_gates(default_project: Path, baked_env: BakedEnv) -> None:
    quality_gates(default_project, baked_env, tier="")  # -m "": the default tier and the slow one


@pytest.mark.xdist_group("e2e-default")  # one bake and install for both
def test_default_project_pipeline_end_to_end(default_project: Path, baked_env: BakedEnv) -> None:
    project, env = default_project, baked_env
    e = env.env()
    repro_twice(project, env)

    metrics = json.loads(run(["dvc", "metrics", "show", "--json"], cwd=project, env=e).stdout)
    shown = json.dumps(metrics)
    for key in ("roc_auc", "average_precision", "log_loss", "f1", "accuracy"):
        assert key in shown

    # Commit the first model and push data + model to the real local remote.
    run(["git", "add", "-A"], cwd=project, env=e)
    run(["git", "commit", "-q", "-m", "First model"], cwd=project, env=e)
    run(["dvc", "push"], cwd=project, env=e)
    remote = project.parent / f"{project.name}-dvc-remote"
    assert len(list(remote.rglob("*"))) > 10, "data and model reached the DVC remote"

    # A param change: only the affected stages re-run, and `dvc metrics diff main` shows the change.
    params = (project / "params.yaml").read_text().replace("C: 1.0", "C: 0.05")
    (project / "params.yaml").write_text(params)
    changed = run(["dvc", "repro"], cwd=project, env=e).stdout
    assert "Stage 'ingest' didn't change" in changed and "Running stage 'train'" in changed
    diff = json.loads(run(["dvc", "metrics", "diff", "main", "--json"], cwd=project, env=e).stdout)
    assert "roc_auc" in diff["metrics.json"], diff
    assert set(diff["metrics.json"]["roc_auc"]) == {"old", "new", "diff"}

    # The champion is the model main pins: evaluate scored both on the same rows.
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["champion"] is not None
    assert evaluation["champion"]["commit"] == run(["git", "rev-parse", "main"], cwd=project, env=e).stdout.strip()

    # MLflow has the run with its tags, and the registered model loads back and predicts.
    check = f"""
import json, mlflow, pandas as pd
mlflow.set_tracking_uri("sqlite:///{project}/mlflow.db")
info = json.load(open("models/model_info.json"))
run = mlflow.get_run(info["run_id"])
tags = run.data.tags
holdout = pd.read_parquet("data/processed/holdout.parquet")
model = mlflow.pyfunc.load_model("models:/{project.name}@challenger")
pred = model.predict(holdout)
print(json.dumps({{"tags": tags, "n": len(pred), "metrics": run.data.metrics}}))
"""
    out = json.loads(run([env.python, "-c", check], cwd=project, env=e).stdout.strip().splitlines()[-1])
    for tag in ("git_sha", "data.raw_dvc_md5", "data.start", "data.end", "data.train_md5", "model.md5"):
        assert tag in out["tags"], tag
    assert out["tags"]["git_sha"] == run(["git", "rev-parse", "HEAD"], cwd=project, env=e).stdout.strip()
    assert out["tags"]["data.raw_dvc_md5"].endswith(".dir")
    assert out["tags"]["data.start"] == "2026-01-01"
    assert out["n"] == evaluation["holdout"]["rows"]
    assert "holdout_roc_auc" in out["metrics"]


def test_regression_project_end_to_end(cookies_session: Any, baked_env: BakedEnv) -> None:
    project = bake_ok(
        cookies_session,
        project_name="Spend Forecast",
        model_task="regression",
        primary_metric="mae",
        license="Apache-2.0",
        include_batch_inference=False,
    )
    baked_env.install_project(project)
    # This bake's default tier runs in test_other_python_versions_install_and_pass[py312-regression-mae],
    # the same options on Python 3.12; here only where that test cannot run.
    quality_gates(project, baked_env, tier=None if find_python("3.12") else "not slow", extra=SKIP_TASK_INDEPENDENT)
    repro_twice(project, baked_env)
    metrics = json.loads((project / "metrics.json").read_text())
    assert set(metrics) == {"mae", "rmse", "r2"}
    assert (project / "reports/plots/residuals.csv").exists()


def test_multiclass_project_end_to_end(cookies_session: Any, baked_env: BakedEnv) -> None:
    """The third task across the loop: bake, quality gates, dvc repro, then a champion, drift and the gate."""
    project = bake_ok(cookies_session, project_name="Outcome Model", model_task="multiclass", license="MIT")
    baked_env.install_project(project)
    e = baked_env.env()
    quality_gates(project, baked_env, tier="not slow", extra=SKIP_TASK_INDEPENDENT)
    repro_twice(project, baked_env)
    metrics = json.loads((project / "metrics.json").read_text())
    assert set(metrics) == {"roc_auc_ovr", "log_loss", "f1_macro", "accuracy"}
    assert metrics["roc_auc_ovr"] > 0.6
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["classes"] == ["churned", "downgraded", "stayed"]
    roc = json.loads((project / "reports/plots/roc.json").read_text())["roc"]
    assert {point["class"] for point in roc} == set(evaluation["classes"])
    assert (project / "reports/plots/confusion.csv").read_text().startswith("actual,predicted")
    run(["git", "add", "-A"], cwd=project, env=e)
    run(["git", "commit", "-q", "-m", "First model"], cwd=project, env=e)

    # Past the demo's drift onset: decide scores the champion on multiclass windows, a retrain is gated
    # against it with the paired interval of the macro one-vs-rest AUC (DeLong per class).
    package = project.name.replace("-", "_")
    run([package, "advance", "--to", "2026-04-20"], cwd=project, env=e)
    run([package, "ingest"], cwd=project, env=e)
    run([package, "decide", "--now", "2026-04-21", "--force", "--reason", "evaluate every trigger", "--all-triggers"],
        cwd=project, env=e)
    decision = json.loads((project / "reports/decision.json").read_text())
    decay = next(t for t in decision["triggers"] if t["name"] == "decay")
    assert decay["evaluated"] and decay["extra"]["windows"], decay
    assert all(w["value"] is not None for w in decay["extra"]["windows"])
    run(["dvc", "repro"], cwd=project, env=e, timeout=1800)
    gate = run([package, "gate"], cwd=project, env=e, check=False)
    assert gate.returncode in (0, 1), gate.stderr
    verdict = json.loads((project / "reports/gate.json").read_text())
    primary = next(m for m in verdict["metrics"] if m["metric"] == "roc_auc_ovr")
    assert primary["champion"] is not None and primary["interval"] is not None
    assert primary["interval"][0] <= primary["improvement"] <= primary["interval"][1]


def test_lightgbm_estimator_end_to_end(cookies_session: Any, baked_env: BakedEnv) -> None:
    """model.estimator outside scikit-learn (LightGBM, locked as the `lightgbm` extra) through the real loop."""
    import yaml

    project = bake_ok(cookies_session, project_name="Boosted Churn")
    baked_env.install_project(project)
    e = baked_env.env()
    package = project.name.replace("-", "_")
    params_file = project / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["model"]["estimator"] = "lightgbm:LGBMClassifier"
    params["model"]["params"] = {"n_estimators": 60, "learning_rate": 0.05, "num_leaves": 15, "verbose": -1}
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    repro_twice(project, baked_env)
    first = json.loads((project / "metrics.json").read_text())
    assert first["roc_auc"] > 0.6
    run(["git", "add", "-A"], cwd=project, env=e)
    run(["git", "commit", "-q", "-m", "LightGBM champion"], cwd=project, env=e)

    # A misspelt LightGBM parameter is refused before anything runs, naming the key.
    params["model"]["params"]["num_leave"] = 7
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    refused = run([package, "ingest", "--end", "2026-03-01"], cwd=project, env=e, check=False)
    assert refused.returncode == 2
    assert "model.params: unknown parameter(s) num_leave for LGBMClassifier" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (project / "data/raw/2026-03-01.parquet").exists()

    # A real change: retrain, evaluate against the LightGBM champion (loaded from DVC under the trust rules), gate.
    del params["model"]["params"]["num_leave"]
    params["model"]["params"]["n_estimators"] = 120
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    changed = run(["dvc", "repro"], cwd=project, env=e, timeout=1800).stdout
    assert "Running stage 'train'" in changed
    evaluation = json.loads((project / "reports/evaluation.json").read_text())
    assert evaluation["champion"] is not None
    gate = run([package, "gate"], cwd=project, env=e, check=False)
    assert gate.returncode in (0, 1), gate.stderr
    verdict = json.loads((project / "reports/gate.json").read_text())
    assert next(m for m in verdict["metrics"] if m["metric"] == "roc_auc")["interval"] is not None

    check = f"""
import json, mlflow
mlflow.set_tracking_uri("sqlite:///{project}/mlflow.db")
model = mlflow.sklearn.load_model("models:/{project.name}@challenger")
print(json.dumps({{"type": type(model.named_steps["model"]).__module__}}))
"""
    out = json.loads(run([baked_env.python, "-c", check], cwd=project, env=e).stdout.strip().splitlines()[-1])
    assert out["type"].startswith("lightgbm")
    mlmodel = next((project / "mlartifacts").rglob("MLmodel")).read_text()
    assert "serialization_format: skops" in mlmodel


def test_lowest_declared_versions_pass_the_project_tests(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The lower bounds in the baked pyproject.toml are tested, not guessed."""
    project = bake_ok(cookies_session, project_name="Lowest Bounds")
    given = os.environ.get("LOWEST_VENV")
    root = Path(given) if given else tmp_path_factory.mktemp("lowest") / "venv"
    if not (root / "bin" / "python").exists():
        run(["uv", "venv", "-q", "-p", "3.11", str(root)], cwd=project)
    python = str(root / "bin" / "python")
    run(
        ["uv", "pip", "install", "-q", "-p", python, "--resolution", "lowest-direct",
         "-e", f"{project}[dev]"],
        cwd=project,
        timeout=1800,
    )
    env = BakedEnv(root, "3.11").env()
    versions = run(
        [
            python,
            "-c",
            "import pandas, sklearn, mlflow, dvc, evidently; "
            "print(pandas.__version__, sklearn.__version__, mlflow.__version__, evidently.__version__)",
        ],
        cwd=project,
        env=env,
    ).stdout.split()
    assert versions[0].startswith("2.2"), versions  # pandas lower bound really was installed
    # The demo (marked slow) already ran in the default project test; here the bounds matter.
    result = run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"], cwd=project, env=env, timeout=1800
    )
    assert " passed" in result.stdout and " failed" not in result.stdout
    # DVC itself at its lower bound (dvc<3.67 with pathspec>=1 could not even start: 3.66 caps it).
    repro_twice(project, BakedEnv(root, "3.11"))


PY313_FILES = [
    f"tests/test_{name}.py"
    for name in ("pipeline", "gate", "decide", "check", "model_store", "import_cost", "config", "estimators",
                 "predict", "ingest")
]


@pytest.mark.parametrize(
    ("python", "context"),
    [
        # mae: the lower-is-better gate, on the regression bake whose suite test_regression_... leaves to this
        (
            "3.12",
            {
                "model_task": "regression",
                "primary_metric": "mae",
                "include_batch_inference": False,
                "license": "BSD-3-Clause",
            },
        ),
        ("3.13", {"primary_metric": "average_precision", "license": "Proprietary"}),
    ],
    ids=["py312-regression-mae", "py313-classification-average-precision"],
)
def test_other_python_versions_install_and_pass(
    python: str, context: dict[str, Any], cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    interpreter = find_python(python)
    if interpreter is None:
        pytest.skip(f"no python{python} interpreter on this machine; the option is tested where one is")
    project = bake_ok(
        cookies_session, project_name=f"Py{python.replace('.', '')} Model", python_version=python, **context
    )
    root = tmp_path_factory.mktemp(f"py{python}") / "venv"
    run(["uv", "venv", "-q", "--no-python-downloads", "-p", interpreter, str(root)], cwd=project)
    env = make_env(root, python)
    env.install_project(project)
    # 3.12 runs the regression bake's default tier but the task-independent files (no other test runs it);
    # 3.13 the files that fit, score, gate on its metric, save and load the model and decide with it: the
    # default bake's tier runs whole on 3.11 and at the lowest versions, and the rest of the suite is logic
    # no interpreter changes.
    files = SKIP_TASK_INDEPENDENT if python == "3.12" else PY313_FILES
    result = run(
        [env.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", *files],
        cwd=project,
        env=env.env(),
        timeout=1800,
    )
    assert " passed" in result.stdout and " failed" not in result.stdout
