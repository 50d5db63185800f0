from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import parse_params
from {{ cookiecutter.package_name }}.sources import make_source
from {{ cookiecutter.package_name }}.sources.file import SourceError

from .conftest import small_params

DAY = dt.date(2026, 1, 5)


def test_demo_is_deterministic_per_day() -> None:
    source = make_source(parse_params(small_params()))
    first, again = source.fetch(DAY), source.fetch(DAY)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(source.fetch(DAY + dt.timedelta(days=1)))
    assert (first["event_date"] == pd.Timestamp(DAY)).all()


def test_demo_drift_changes_inputs_and_relationship() -> None:
    params = parse_params(small_params(**{"data.demo.rows_per_day": 4000, "data.demo.drift_onset": "2026-02-01"}))
    source = make_source(params)
    before, after = source.fetch(dt.date(2026, 1, 20)), source.fetch(dt.date(2026, 2, 10))
    assert after["monthly_charges"].mean() > before["monthly_charges"].mean() * 1.2
    assert after["usage_hours"].mean() < before["usage_hours"].mean() - 5
    target = params.project.target
    # the label responds more strongly to support calls after the onset
    slope_before = before.groupby("support_calls")[target].mean().diff().mean()
    slope_after = after.groupby("support_calls")[target].mean().diff().mean()
    assert slope_after > slope_before


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


def test_file_source_errors_name_the_problem(tmp_path: Path) -> None:
    raw = small_params(**{"data.source": "file", "data.file.path": str(tmp_path / "none-*.csv")})
    with pytest.raises(SourceError, match="matches no file"):
        make_source(parse_params(raw)).fetch(DAY)
    (tmp_path / "nodate.csv").write_text("a,b\n1,2\n")
    raw = small_params(**{"data.source": "file", "data.file.path": str(tmp_path / "nodate.csv")})
    with pytest.raises(SourceError, match="column 'event_date'"):
        make_source(parse_params(raw)).fetch(DAY)
