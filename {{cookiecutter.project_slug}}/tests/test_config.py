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


def test_impossible_unquoted_date_names_the_file_and_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # YAML reads an unquoted 2026-02-30 as a date and fails before any key is known.
    params = project / "params.yaml"
    params.write_text(re.sub(r"(?m)^  end_date: .*$", "  end_date: 2026-02-30", params.read_text()))
    with pytest.raises(ConfigError, match=r"params\.yaml: data\.end_date: .*day"):
        load_params(params)
    from {{ cookiecutter.package_name }}.cli import main

    assert main(["--root", str(project), "ingest"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    assert "params.yaml: data.end_date:" in err, err


def test_unquoted_valid_date_is_still_a_date(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "params.yaml").read_text()
    (tmp_path / "params.yaml").write_text(re.sub(r"(?m)^  end_date: .*$", "  end_date: 2026-02-27", text))
    assert str(load_params(tmp_path / "params.yaml").data.end_date) == "2026-02-27"


@pytest.mark.parametrize(
    ("dotted", "typo", "meant"),
    [
        ("decide.triggers.volume", "min_new_row", "min_new_rows"),
        ("data", "end_dat", "end_date"),
        ("evaluate", "primary_metrc", "primary_metric"),
    ],
)
def test_misspelt_key_gets_a_did_you_mean(dotted: str, typo: str, meant: str) -> None:
    raw = small_params()
    node = raw
    for key in dotted.split("."):
        node = node.setdefault(key, {})
    node[typo] = node.pop(meant, 1)
    with pytest.raises(ConfigError, match=re.escape(f"unknown key '{dotted}.{typo}' (did you mean '{meant}'?)")):
        parse_params(raw)


def test_misspelt_key_inside_a_named_entry_gets_a_did_you_mean() -> None:
    raw = small_params()
    column = raw["features"]["numeric"][0]
    raw["checks"]["columns"][column] = {"mni": 0}
    with pytest.raises(ConfigError, match=re.escape(f"'checks.columns.{column}.mni' (did you mean 'min'?)")):
        parse_params(raw)


def test_unknown_key_with_nothing_close_gets_no_guess() -> None:
    raw = small_params()
    raw["model"]["zzzzqqq"] = 1
    with pytest.raises(ConfigError) as caught:
        parse_params(raw)
    assert "did you mean" not in str(caught.value)
