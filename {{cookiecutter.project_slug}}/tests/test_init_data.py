"""init-data: what it finds in a sample, what it writes, and how it refuses."""

from __future__ import annotations

import datetime as dt
import shutil
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from {{ cookiecutter.package_name }}.adapters.params_yaml import set_values
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Task, load_params
from {{ cookiecutter.package_name }}.core.categories import category_strings
from {{ cookiecutter.package_name }}.core.profile import (
    ProfileError,
    ProfileOptions,
    column_rule,
    profile,
)

from .byod_data import TARGET, diabetes_days, write_days
from .conftest import PROJECT_ROOT


def frame_with(n: int = 120, **extra: object) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2026-03-01") + pd.to_timedelta(np.arange(n) % 6, unit="D")
    data = {
        "order_id": [f"o{i}" for i in range(n)],
        "created": days.strftime("%Y-%m-%d"),
        "signup": (days - pd.to_timedelta(rng.integers(10, 900, n), unit="D")),
        "amount": rng.gamma(2.0, 30.0, n).round(2),
        "items": rng.integers(1, 60, n),
        "store_type": rng.choice([3, 7, 9], n),
        "channel": rng.choice(["web", "shop", "phone"], n),
        "comment": [f"free text {i}" for i in range(n)],
        "constant": 1,
        "label": rng.integers(0, 2, n),
    }
    data.update(extra)  # type: ignore[arg-type]
    return pd.DataFrame(data)


def test_profile_finds_dates_id_label_and_integer_codes() -> None:
    p = profile(frame_with())
    assert p.date_column == "created"
    assert set(p.date_candidates) == {"created", "signup"}
    assert p.id_column == "order_id"
    assert (p.target, p.task, p.classes) == ("label", "classification", ("0", "1"))
    assert p.features["numeric"] == ("amount", "items")
    assert p.features["categorical"] == ("store_type", "channel")  # integer codes 3/7/9 are categories
    assert p.features["dates"] == ("signup",)
    assert p.columns["store_type"].integer_coded
    assert p.columns["store_type"].values == ("3", "7", "9")
    assert (p.first_day, p.last_day, p.days, p.rows_per_day_min) == (dt.date(2026, 3, 1), dt.date(2026, 3, 6), 6, 20)
    notes = " ".join(p.notes)
    assert "comment" in notes
    assert "constant" in notes
    assert "--numeric store_type" in notes


def test_profile_options_override_what_is_detected() -> None:
    p = profile(
        frame_with(),
        ProfileOptions(numeric=("store_type",), categorical=("comment",), id_column="", date_column="signup"),
    )
    assert "store_type" in p.features["numeric"]
    assert "comment" in p.features["categorical"]
    assert p.id_column is None
    assert p.date_column == "signup"
    assert "created" in p.features["dates"]


@pytest.mark.parametrize(
    ("label", "task"),
    [
        (np.tile([0.5, 1.5, 2.25, 3.75], 30), "regression"),
        (np.tile([0, 1, 2], 40), "multiclass"),
        (np.tile(["cat", "dog", "fox"], 40), "multiclass"),
        (np.tile([True, False], 60), "classification"),
    ],
)
def test_profile_tells_the_task_from_the_label(label: np.ndarray, task: str) -> None:
    assert profile(frame_with(label=label)).task == task


def test_profile_refuses_without_a_label_or_a_date() -> None:
    with pytest.raises(ProfileError, match="pass --target NAME"):
        profile(frame_with().rename(columns={"label": "outcome_flag"}))
    with pytest.raises(ProfileError, match="no column parses as dates"):
        profile(frame_with().drop(columns=["created", "signup"]))
    with pytest.raises(ProfileError, match="--target 'nope' is not a column"):
        profile(frame_with(), ProfileOptions(target="nope"))


def test_ranges_have_headroom_and_nulls_follow_the_worst_day() -> None:
    frame = frame_with()
    frame.loc[frame.index[:10], "amount"] = np.nan  # all on the first days
    p = profile(frame)
    rule = column_rule(p.columns["amount"], 0.5)
    observed = frame["amount"].agg(["min", "max"])
    assert rule["min"] == 0
    assert rule["max"] >= observed["max"] + 0.4 * (observed["max"] - observed["min"])
    assert rule["max_null_share"] >= p.columns["amount"].day_null_share > p.columns["amount"].null_share
    assert column_rule(p.columns["store_type"], 0.5)["allowed"] == [3, 7, 9]


def test_category_strings_make_codes_equal_however_stored() -> None:
    as_int = category_strings(pd.Series([1, 2, 2]))
    as_float = category_strings(pd.Series([1.0, np.nan, 2.0]))
    assert list(as_int) == ["1", "2", "2"]
    assert as_float[0] == "1"
    assert pd.isna(as_float[1])
    assert list(category_strings(pd.Series([True, False]))) == ["True", "False"]


def test_set_values_keeps_comments_and_is_idempotent() -> None:
    text = (PROJECT_ROOT / "params.yaml").read_text()
    values = {
        "project.target": "y",
        "checks.columns": {"a": {"dtype": "numeric", "min": 0}},
        "features.numeric": ["a"],
        "data.end_date": "2026-05-01",
        "drift.method": None,
    }
    new = set_values(text, values)
    assert set_values(new, values) == new
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            assert line in new, line
    loaded = yaml.safe_load(new)
    assert loaded["checks"]["columns"] == {"a": {"dtype": "numeric", "min": 0}}
    assert loaded["data"]["end_date"] == "2026-05-01"
    assert loaded["drift"]["method"] is None
    assert "    a: {dtype: numeric, min: 0}" in new
    assert "  numeric: [a]" in new


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "params.yaml", root / "params.yaml")
    return root


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_init_data_previews_then_writes_params_that_load(
    project: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_days(diabetes_days(), project / "data/external", fmt, 0, 9)
    before = (project / "params.yaml").read_text()
    assert main(["--root", str(project), "init-data", "data/external", "--target", TARGET]) == 0
    out = capsys.readouterr().out
    assert "+  target: high_progression" in out
    assert "--write" in out
    assert (project / "params.yaml").read_text() == before, "a preview writes nothing"

    assert main(["--root", str(project), "init-data", "data/external", "--target", TARGET, "--write"]) == 0
    params = load_params(project / "params.yaml")
    assert params.data.source == "file"
    assert params.data.file.path == f"data/external/*.{fmt}"
    assert params.project.id_column == "patient_id"
    assert params.features.categorical == ("sex",)
    assert params.checks.columns["sex"].allowed == ("1", "2")
    assert params.checks.label.batch_min_classes is None
    assert params.checks.label.min_classes == 2
    assert params.gate.min_holdout_rows <= 16 * params.split.holdout_days
    # about the rows of max_age_days (30) at the ~16 rows a day seen: not a week's, which made volume a
    # weekly schedule
    assert 16 * 20 < params.decide.triggers.volume.min_new_rows <= 20 * params.decide.triggers.age.max_age_days
    # Running it again on the same data changes nothing.
    assert main(["--root", str(project), "init-data", "--target", TARGET]) == 0
    assert "nothing to change" in capsys.readouterr().out


def test_init_data_bad_inputs_are_one_line_and_change_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / "params.yaml").read_text()
    (project / "empty").mkdir()
    write_days(diabetes_days(), project / "data/external", "csv", 0, 3)
    three = pd.read_csv(project / "data/external/2026-01-01.csv").assign(high_progression=[0, 1, 2] * 5 + [0])
    three.to_csv(project / "data/external/2026-01-01.csv", index=False)
    cases = [
        (["init-data", "empty"], "empty is a folder with no .csv or .parquet file in it"),
        (["init-data", "nothing/*.csv"], "nothing/*.csv matches no file"),
        (["init-data", "data/external"], "cannot tell which column is the label: pass --target NAME"),
        (
            ["init-data", "data/external", "--target", "sex"],
            "label 'sex' has the classes 1, 2: binary classification needs 0/1",
        ),
    ]
    for argv, message in cases:
        assert main(["--root", str(project), *argv]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err, (argv, err)
        assert len(err.splitlines()) == 1, (argv, err)
    assert (project / "params.yaml").read_text() == before
    # A label with three classes is multiclass: written where the project supports it, refused otherwise.
    code = main(["--root", str(project), "init-data", "data/external", "--target", TARGET, "--write"])
    if "multiclass" in typing.get_args(Task):
        assert code == 0
        assert load_params(project / "params.yaml").project.task == "multiclass"
    else:
        err = capsys.readouterr().err
        assert code == 2, err
        assert "label 'high_progression' has 3 classes (0, 1, 2): multiclass is not a task" in err, err
        assert (project / "params.yaml").read_text() == before


def test_a_partial_sample_says_its_row_counts_are_lower_bounds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_days(diabetes_days(), project / "data/external", "parquet", 0, 9)
    assert main(["--root", str(project), "init-data", "data/external", "--target", TARGET, "--sample-rows", "60"]) == 0
    out = capsys.readouterr().out
    assert "init-data: 60 sample rows" in out
    assert "the sample is part of the source (60 rows)" in out


@pytest.mark.parametrize(
    ("dates", "fmt", "ambiguous"),
    [
        (["31/01/2026", "01/02/2026", "15/02/2026"], "%d/%m/%Y", False),
        (["01.31.26", "02.01.26", "02.15.26"], "%m.%d.%y", False),
        (["01/02/2026", "03/04/2026"], "%m/%d/%Y", True),
        (["2026-01-31", "2026-02-01"], None, False),
    ],
)
def test_day_first_dates_are_told_from_month_first(dates: list[str], fmt: str | None, ambiguous: bool) -> None:
    n = len(dates)
    frame = frame_with(n=n * 20, created=dates * 20)
    p = profile(frame)
    assert p.date_column == "created"
    assert p.date_format == fmt
    assert any("could be day-first or month-first" in note for note in p.notes) is ambiguous
    first = pd.to_datetime(dates[0], format=fmt) if fmt else pd.Timestamp(dates[0])
    assert p.first_day <= first.date() <= p.last_day


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("mnth", [1, 2, 3], {"min": 1, "max": 12}),  # issue 25: the April day was quarantined
        ("dow", [1, 3, 7], {"min": 1, "max": 7}),
        ("hour", [0, 5, 9], {"min": 0, "max": 23}),
        ("random", list(range(1, 32)), {"min": 0}),  # "dom" inside a word is no day of the month
        ("support_calls", [0, 1, 2, 3, 4, 5, 6], {"min": 0}),  # issue 25: 7 calls were "unseen"
        ("region_code", [1, 2, 3], {"allowed": [1, 2, 3]}),  # named a code: stays categories
        ("delta", [-3.5, 0.25, 4.0], {"min": -11, "max": 11.5}),
    ],
)
def test_learned_ranges_follow_the_column_kind(column: str, values: list[float], expected: dict[str, object]) -> None:
    n = 120
    frame = frame_with(n=n, **{column: np.resize(values, n)})
    rule = column_rule(profile(frame).columns[column], 0.5)
    assert {k: rule[k] for k in ("min", "max", "allowed") if k in rule} == expected


def test_month_names_allow_the_whole_calendar_in_the_sample_case() -> None:
    frame = frame_with(mnth=np.resize(["jan", "feb", "march"], 120))
    rule = column_rule(profile(frame).columns["mnth"], 0.5)
    assert {"apr", "april", "dec", "jan", "march"} <= set(rule["allowed"])
    assert all(v.islower() for v in rule["allowed"])


@pytest.mark.parametrize("per_day", [300, 3000, 30_000])
def test_volume_is_the_rows_of_max_age_days_at_any_rate(per_day: int) -> None:
    """The decision benchmark at 3,000 rows/day (issue 18): init-data kept the template's 10,000 whenever
    the rows of max_age_days were more, so volume fired every 4 days on a stationary stream (28 retrains in
    122 days, 24 rejected). Sized to the rows of max_age_days at every rate, volume fires only when rows
    arrive faster than usual."""
    import dataclasses

    from {{ cookiecutter.package_name }}.core.profile import DataProfile, sizes

    fields = {f.name: None for f in dataclasses.fields(DataProfile) if f.name not in ("notes", "label_integral")}
    profile = DataProfile(**{**fields, "days": 60, "rows_per_day_min": per_day, "rows_per_day_median": per_day})
    current = {"decide": {"triggers": {"age": {"max_age_days": 30}, "volume": {"min_new_rows": 10_000}}}}
    assert sizes(profile, current)["decide.triggers.volume.min_new_rows"] == per_day * 30
