from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.adapters.sources.file import SourceError
from {{ cookiecutter.package_name }}.config import parse_params
from {{ cookiecutter.package_name }}.core.features import (
    input_columns,
    truth_and_scores,
)
from {{ cookiecutter.package_name }}.core.metrics import get_metric
from {{ cookiecutter.package_name }}.jobs.train import fit, labels

from .conftest import small_params

DAY = dt.date(2026, 1, 5)


def test_demo_is_deterministic_per_day() -> None:
    source = make_source(parse_params(small_params()))
    first, again = source.fetch(DAY), source.fetch(DAY)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(source.fetch(DAY + dt.timedelta(days=1)))
    assert (first["event_date"] == pd.Timestamp(DAY)).all()


def test_demo_drift_changes_inputs_and_relationship() -> None:
    params = parse_params(small_params(**{"data.demo.rows_per_day": 3000, "data.demo.drift_onset": "2026-02-01"}))
    source = make_source(params)
    before, after = source.fetch(dt.date(2026, 1, 20)), source.fetch(dt.date(2026, 2, 10))
    assert after["monthly_charges"].mean() > before["monthly_charges"].mean() * 1.2
    assert after["usage_hours"].mean() < before["usage_hours"].mean() - 5
    # Concept drift: on post-onset data, a model fitted after the onset beats one fitted before it.
    later = source.fetch(dt.date(2026, 2, 11))
    metric = get_metric(params.evaluate.primary_metric)
    y_later = labels(later, params)
    old_model, new_model = fit(params, before), fit(params, after)
    cols = input_columns(params)
    old_score = metric(*truth_and_scores(old_model, later[cols], y_later, params.project.task))
    new_score = metric(*truth_and_scores(new_model, later[cols], y_later, params.project.task))
    assert metric.improvement(old_score, new_score) > 0.02, (old_score, new_score)


def test_file_source_reads_glob_and_filters_day(tmp_path: Path) -> None:
    demo = make_source(parse_params(small_params()))
    folder = tmp_path / "external"
    folder.mkdir()
    demo.fetch(DAY).to_csv(folder / "a.csv", index=False)
    demo.fetch(DAY + dt.timedelta(days=1)).to_parquet(folder / "b.parquet")
    raw = small_params(**{"data.source": "file", "data.file.path": str(folder / "*")})
    source = make_source(parse_params(raw))
    batch = source.fetch(DAY)
    assert len(batch) == 120
    assert (batch["event_date"] == pd.Timestamp(DAY)).all()
    assert len(source.fetch(DAY + dt.timedelta(days=1))) == 120
    assert source.fetch(DAY + dt.timedelta(days=7)).empty


def test_a_relative_file_path_is_under_the_project_root_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    (root / "data" / "external").mkdir(parents=True)
    make_source(parse_params(small_params())).fetch(DAY).to_parquet(root / "data" / "external" / "a.parquet")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    params = parse_params(small_params(**{"data.source": "file", "data.file.path": "data/external/*.parquet"}))
    assert len(make_source(params, root).fetch(DAY)) == 120
    with pytest.raises(SourceError, match=r"'data/external/\*\.parquet' matches no file"):
        make_source(params).fetch(DAY)  # no root given: the cwd, where there is no such folder


def test_an_s3_path_without_s3fs_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    registry = importlib.import_module("fsspec.registry")  # the module (fsspec.registry is its read-only view)
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if the `s3` extra were not installed
    monkeypatch.delitem(registry._registry, "s3", raising=False)
    raw = small_params(**{"data.source": "file", "data.file.path": "s3://bucket/daily/*.parquet"})
    with pytest.raises(SourceError) as caught:
        make_source(parse_params(raw)).fetch(DAY)
    assert str(caught.value) == (
        "data.file.path 's3://bucket/daily/*.parquet': reading s3:// needs a library: "
        "install the project's `s3` extra (uv pip install -e '.[s3]')"
    )


def test_file_source_errors_name_the_problem(tmp_path: Path) -> None:
    raw = small_params(**{"data.source": "file", "data.file.path": str(tmp_path / "none-*.csv")})
    with pytest.raises(SourceError, match="matches no file"):
        make_source(parse_params(raw)).fetch(DAY)
    (tmp_path / "nodate.csv").write_text("a,b\n1,2\n")
    raw = small_params(**{"data.source": "file", "data.file.path": str(tmp_path / "nodate.csv")})
    with pytest.raises(SourceError, match="column 'event_date'"):
        make_source(parse_params(raw)).fetch(DAY)


def test_a_column_the_checks_declare_as_a_date_is_parsed_from_a_csv(tmp_path: Path) -> None:
    """Issue 20 item 6: a clean CSV was quarantined for `signup_date: dtype expected date, observed
    object` although the schema says it is a date; a CSV has no types, so the source parses a column
    the checks declare as a date (data.file.dtypes is needed only for other types or other formats).
    Text that does not parse stays text, and the check's failure names what to set."""
    from {{ cookiecutter.package_name }}.core.checks import run_checks

    demo = make_source(parse_params(small_params()))
    folder = tmp_path / "external"
    folder.mkdir()
    batch = demo.fetch(DAY)
    batch["signup_date"] = pd.Timestamp("2025-06-01")
    batch.to_csv(folder / "a.csv", index=False)
    params = parse_params(small_params(**{"data.source": "file", "data.file.path": str(folder / "*.csv")}))
    assert params.checks.columns["signup_date"].dtype == "date"  # declared, as init-data writes it
    assert "signup_date" not in params.data.file.dtypes
    read = make_source(params).fetch(DAY)
    assert pd.api.types.is_datetime64_any_dtype(read["signup_date"]), read.dtypes
    report = run_checks(read, params.checks, params.project, DAY.isoformat())
    assert not [f for f in report.failures if f.column == "signup_date"], report.failures

    batch["signup_date"] = "sometime in June"
    batch.to_csv(folder / "a.csv", index=False)
    read = make_source(params).fetch(DAY)
    report = run_checks(read, params.checks, params.project, DAY.isoformat())
    [failure] = [f for f in report.failures if f.column == "signup_date"]
    assert "data.file.dtypes" in failure.sentence(), failure.sentence()
