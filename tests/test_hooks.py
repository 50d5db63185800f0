"""Bad answers are refused with one clear line naming the field; hostile ones are safe."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import bake, bake_ok

# (answers, the one line the hook must print)
REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "slug-uppercase": (
        {"project_slug": "My-Project", "package_name": "ok_pkg"},
        "project_slug: must start with a letter",
    ),
    "slug-double-hyphen": (
        {"project_slug": "my--project", "package_name": "ok_pkg"},
        "project_slug: must start with a letter",
    ),
    "slug-too-long": ({"project_slug": "a" * 65, "package_name": "ok_pkg"}, "at most 64 characters"),
    "package-hyphen": ({"package_name": "my-package"}, "package_name: must be a Python identifier"),
    "package-digit-first": ({"package_name": "1model"}, "package_name: must be a Python identifier"),
    "package-keyword": ({"package_name": "import"}, "package_name: must not be a Python keyword or shadow"),
    "package-shadows-dependency": ({"package_name": "mlflow"}, "package_name: must not be a Python keyword or shadow"),
    "email": ({"author_email": "not-an-email"}, "author_email: must look like name@domain.tld"),
    "target-with-space": ({"target_column": "will churn"}, "target_column: must be a plain column name"),
    "metric-wrong-task": (
        {"primary_metric": "rmse"},
        "primary_metric: must be one of accuracy, average_precision, f1, log_loss, roc_auc for a classification model",
    ),
    "metric-regression-auc": (
        {"model_task": "regression", "primary_metric": "roc_auc"},
        "primary_metric: must be one of mae, r2, rmse for a regression model",
    ),
    "metric-unknown": ({"primary_metric": "vibes"}, "primary_metric: must be one of"),
    "metric-multiclass-binary-auc": (
        {"model_task": "multiclass", "primary_metric": "roc_auc"},
        "primary_metric: must be one of accuracy, f1_macro, log_loss, roc_auc_ovr for a multiclass model",
    ),
    "remote-http": ({"dvc_remote_url": "http://example.com/dvc"}, "dvc_remote_url: scheme http:// is not supported"),
    "remote-ftp": ({"dvc_remote_url": "ftp://host/x"}, "dvc_remote_url: scheme ftp:// is not supported"),
    "remote-quote": ({"dvc_remote_url": "../a'b"}, "dvc_remote_url: must not contain whitespace"),
    "remote-empty": ({"dvc_remote_url": " "}, "dvc_remote_url: must not be empty"),
    "tracking-uri-scheme": ({"mlflow_tracking_uri": "ftp://x"}, "mlflow_tracking_uri: must be empty, http(s)://"),
    "cron-four-fields": (
        {"retrain_schedule": "0 6 * *"},
        "retrain_schedule: invalid cron expression: needs 5 space-separated fields",
    ),
    "cron-hour-range": (
        {"retrain_schedule": "0 24 * * *"},
        "retrain_schedule: invalid cron expression: hour value 24 is outside 0-23",
    ),
    "cron-word": ({"retrain_schedule": "daily at six"}, "retrain_schedule: invalid cron expression: needs 5"),
    "cron-too-often": ({"retrain_schedule": "* * * * *"}, "at most every 5 minutes"),
    "cron-bad-step": ({"retrain_schedule": "*/0 * * * *"}, "minute step '0' must be a positive number"),
    "cron-backwards-range": ({"retrain_schedule": "0 6 * * 5-1"}, "day-of-week range '5-1' runs backwards"),
    "cron-bad-month-name": ({"retrain_schedule": "0 6 1 foo *"}, "month value 'foo' is not a number"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_bad_answer_is_refused_with_a_clear_line(case: str, cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    answers, message = REFUSED[case]
    result = bake(cookies, **answers)
    assert result.exit_code != 0
    assert result.project_path is None or not Path(result.project_path).exists()
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("ERROR: ")]
    assert len(lines) == 1, err
    assert message in lines[0]


def test_every_error_is_reported_at_once(cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake(cookies, package_name="Bad", retrain_schedule="nope", author_email="x")
    assert result.exit_code != 0
    fields = [line.split(":")[1].strip() for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert fields == ["package_name", "author_email", "retrain_schedule"]


VALID_CRONS = ["17 6 * * *", "0 */6 * * *", "30 2 * * 1-5", "0 0 1 * *", "*/15 8-18 * * mon-fri", "0 3 * jan,jul sun"]


@pytest.mark.parametrize("cron", VALID_CRONS)
def test_valid_cron_is_accepted(cron: str, cookies: Any) -> None:
    bake_ok(cookies, retrain_schedule=cron)


HOSTILE: dict[str, dict[str, Any]] = {
    "quotes-and-backslashes": {
        "project_name": 'Mr. "Quote\'s" \\ Model """',
        "project_slug": "quote-model",
        "description": 'Says "hi" \\n and \'bye\' """ ok',
        "author_name": 'O\'Brien "Bob" \\',
    },
    "unicode": {
        "project_name": "Modèle de désabonnement 🚀",
        "project_slug": "modele-churn",
        "description": "Prédire l'attrition — ünïcödé ✓",
        "author_name": "Zoë Ñúñez 山田",
    },
    "very-long": {
        "project_name": "A very long project name " * 7,
        "project_slug": "x" * 64,
        "package_name": "y" * 64,
        "description": "long " * 300,
    },
    "yaml-and-toml-specials": {
        "project_name": "key: value # comment",
        "project_slug": "yaml-specials",
        "description": "- [a, b] {c: d} & *alias !tag %",
        "author_name": '[table] = "x"',
    },
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_answers_bake_correctly(case: str, cookies: Any) -> None:
    answers = HOSTILE[case]
    project = bake_ok(cookies, **answers)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == answers.get("description", pyproject["project"]["description"])
    if "author_name" in answers:
        assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["mlflow"]["registered_model"] == answers["project_slug"]
    for path in project.rglob("*.json"):
        json.loads(path.read_text())
    if "project_name" in answers:
        assert answers["project_name"] in (project / "README.md").read_text()


def test_unicode_project_name_needs_an_explicit_slug(cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake(cookies, project_name="Modèle Ünïcode", package_name="modele")
    assert result.exit_code != 0
    assert "project_slug: must start with a letter" in capfd.readouterr().err
