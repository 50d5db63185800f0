from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.config import (
    ConfigError,
    load_params,
    parse_params,
)

from .conftest import PROJECT_ROOT, small_params


def test_shipped_params_are_valid() -> None:
    params = load_params(PROJECT_ROOT / "params.yaml")
    assert params.project.task == "{{ cookiecutter.model_task }}"
    assert params.evaluate.primary_metric in params.evaluate.metrics


def test_unknown_key_is_named() -> None:
    raw = small_params()
    raw["model"]["estimater"] = "oops"
    with pytest.raises(ConfigError, match=r"unknown key 'model\.estimater'"):
        parse_params(raw)


def test_missing_key_is_named() -> None:
    raw = small_params()
    del raw["project"]["target"]
    with pytest.raises(ConfigError, match=r"missing key 'project\.target'"):
        parse_params(raw)


def test_metric_must_fit_task() -> None:
    raw = small_params()
    wrong = "rmse" if raw["project"]["task"] == "classification" else "roc_auc"
    raw["evaluate"]["metrics"] = [*raw["evaluate"]["metrics"], wrong]
    with pytest.raises(ConfigError, match=re.escape(f"'{wrong}' is not a")):
        parse_params(raw)


def test_window_must_not_run_backwards() -> None:
    raw = small_params(**{"data.end_date": "2025-12-01"})
    with pytest.raises(ConfigError, match=r"before data\.start_date"):
        parse_params(raw)


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "params.yaml"
    bad.write_text("project: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "absent.yaml")


def test_params_round_trip_through_yaml() -> None:
    raw = small_params()
    assert parse_params(yaml.safe_load(yaml.safe_dump(raw))) == parse_params(raw)
