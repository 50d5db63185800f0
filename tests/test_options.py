"""Every offered option combination bakes into a well-formed project (fast tier)."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import TEMPLATE, bake_ok

# A curated matrix: each row changes something a user can choose, ids say what.
MATRIX: dict[str, dict[str, Any]] = {
    "default": {},
    "regression-rmse": {"model_task": "regression"},
    "regression-r2-py312": {"model_task": "regression", "primary_metric": "r2", "python_version": "3.12"},
    "classification-average-precision-py313": {"primary_metric": "average_precision", "python_version": "3.13"},
    "multiclass-roc-auc-ovr": {"model_task": "multiclass"},
    "multiclass-f1-macro-py312-no-batch": {
        "model_task": "multiclass",
        "primary_metric": "f1_macro",
        "python_version": "3.12",
        "include_batch_inference": False,
    },
    "s3-remote-tracking-server": {
        "dvc_remote_url": "s3://bucket/path",
        "mlflow_tracking_uri": "http://mlflow.internal:5000",
    },
    "no-batch-inference-apache": {"include_batch_inference": False, "license": "Apache-2.0"},
    "proprietary-bsd-weekly": {"license": "Proprietary", "retrain_schedule": "0 3 * * mon"},
    "bsd-gs-remote": {"license": "BSD-3-Clause", "dvc_remote_url": "gs://bucket/dvc"},
    "absolute-local-remote": {"dvc_remote_url": "/tmp/shared-dvc-remote-for-tests"},
}


def baked_files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and ".git" not in p.relative_to(project).parts]


@pytest.fixture(params=list(MATRIX), ids=list(MATRIX))
def baked(request: pytest.FixtureRequest, cookies: Any) -> tuple[Path, dict[str, Any]]:
    context = MATRIX[request.param]
    return bake_ok(cookies, **context), context


def test_no_template_syntax_survives(baked: tuple[Path, dict[str, Any]]) -> None:
    project, _ = baked
    leftovers = []
    for path in baked_files(project):
        text = path.read_text(errors="ignore")
        for marker in ("{{", "{%", "{#", "cookiecutter."):
            if marker in text and not (path.name.endswith(".yml") and marker == "{{" and "${{" in text):
                leftovers.append(f"{path.relative_to(project)}: {marker}")
    # GitHub expressions `${{ ... }}` are legitimate in workflows; anything else is a leak.
    for path in (project / ".github").rglob("*.yml") if (project / ".github").exists() else []:
        text = path.read_text().replace("${{", "")
        assert "{{" not in text and "{%" not in text, path
    assert not leftovers, leftovers


def test_structured_files_parse(baked: tuple[Path, dict[str, Any]]) -> None:
    project, _ = baked
    parsed = 0
    for path in baked_files(project):
        if path.suffix in (".yaml", ".yml") or path.name == "dvc.lock":
            yaml.safe_load(path.read_text())
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())
        else:
            continue
        parsed += 1
    assert parsed >= 3


def test_answers_reach_the_project(baked: tuple[Path, dict[str, Any]]) -> None:
    project, context = baked
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    task = context.get("model_task", "classification")
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["project"]["task"] == task
    default_metric = {"classification": "roc_auc", "multiclass": "roc_auc_ovr"}.get(task, "rmse")
    metric = context.get("primary_metric", default_metric)
    assert params["evaluate"]["primary_metric"] == metric
    assert params["evaluate"]["metrics"][0] == metric
    assert params["mlflow"]["tracking_uri"] == context.get("mlflow_tracking_uri", "")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    python = context.get("python_version", answers["python_version"][0])
    assert pyproject["project"]["requires-python"] == f">={python}"
    package = project.name.replace("-", "_")
    assert pyproject["project"]["scripts"][package] == f"{package}.cli:run"
    assert (project / "src" / package / "cli" / "__init__.py").exists()
    license_choice = context.get("license", "MIT")
    assert (project / "LICENSE").exists() == (license_choice != "Proprietary")
    if license_choice != "Proprietary":
        assert pyproject["project"]["license"] == license_choice
    schedule = context.get("retrain_schedule")
    retrain = project / ".github/workflows/retrain.yml"
    if schedule and retrain.exists():
        assert schedule in retrain.read_text()
    batch = project / ".github/workflows/batch-inference.yml"
    if context.get("include_batch_inference") is False:
        assert not batch.exists()


def test_git_and_dvc_are_initialised(baked: tuple[Path, dict[str, Any]]) -> None:
    project, context = baked
    branch = subprocess.run(
        ["git", "branch", "--show-current"], cwd=project, capture_output=True, text=True, check=True
    )
    assert branch.stdout.strip() == "main"
    log = subprocess.run(["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    assert status.stdout == "", "the initial commit holds every baked file"
    config = (project / ".dvc/config").read_text()
    url = context.get("dvc_remote_url", f"../{project.name}-dvc-remote")
    if "://" in url or url.startswith("/"):
        assert f"url = {url}" in config
    else:
        # DVC stores a relative local remote relative to .dvc/
        assert f"url = ../{url}" in config
        assert (project / url).is_dir()


def test_post_gen_hook_is_safe_to_run_again(cookies: Any) -> None:
    project = bake_ok(cookies)
    hook = (TEMPLATE / "hooks/post_gen_project.py").read_text()
    # Render the hook's answers block the way cookiecutter would, then run it again in place.
    answers = {
        "author_name": "A",
        "author_email": "a@b.co",
        "license": "MIT",
        "dvc_remote_url": f"../{project.name}-dvc-remote",
        "remote_name": "storage",
        "include_batch_inference": True,
    }
    start = hook.index('r"""') + 4
    end = hook.index('"""', start)
    rendered = hook[:start] + json.dumps(answers) + hook[end:]
    script = project.parent / "rerun_hook.py"
    script.write_text(rendered)
    before_config = (project / ".dvc/config").read_text()
    (project / "params.yaml").write_text((project / "params.yaml").read_text() + "# local edit\n")
    subprocess.run(["python3", str(script)], cwd=project, check=True)
    assert (project / ".dvc/config").read_text() == before_config
    assert (project / "params.yaml").read_text().endswith("# local edit\n")
    log = subprocess.run(["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1, "re-running must not commit or rewrite history"
