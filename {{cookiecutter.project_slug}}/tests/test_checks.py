"""Each kind of bad batch is caught, and the message names column, rule and value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.files import write_report
from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.config import Params, parse_params
from {{ cookiecutter.package_name }}.core.checks import CheckReport, run_checks

from .conftest import small_params


@pytest.fixture
def params() -> Params:
    return parse_params(small_params())


@pytest.fixture
def batch(params: Params) -> pd.DataFrame:
    return make_source(params).fetch(dt.date(2026, 1, 3))


def failures(report: CheckReport) -> list[str]:
    return [f.sentence() for f in report.failures]


def check(frame: pd.DataFrame, params: Params) -> CheckReport:
    return run_checks(frame, params.checks, params.project, subject="test batch")


def test_clean_batch_passes(batch: pd.DataFrame, params: Params) -> None:
    report = check(batch, params)
    assert report.passed, failures(report)
    assert len(report.results) > 20


def test_missing_column(batch: pd.DataFrame, params: Params) -> None:
    report = check(batch.drop(columns=["plan"]), params)
    assert failures(report) == ["column 'plan': required column present expected present, observed missing"]


def test_wrong_dtype(batch: pd.DataFrame, params: Params) -> None:
    batch["age"] = batch["age"].astype(str)
    assert "column 'age': dtype expected integer, observed object" in failures(check(batch, params))


def test_null_share(batch: pd.DataFrame, params: Params) -> None:
    batch.loc[: len(batch) // 2, "monthly_charges"] = np.nan
    [message] = failures(check(batch, params))
    assert message.startswith("column 'monthly_charges': null share expected <= 0.01, observed 0.5")


def test_range(batch: pd.DataFrame, params: Params) -> None:
    batch.loc[3, "age"] = 250
    assert "column 'age': maximum expected <= 110.0, observed 250.0" in failures(check(batch, params))


def _with_rule(params: Params, column: str, **update: object) -> Params:
    columns = dict(params.checks.columns)
    columns[column] = columns[column].model_copy(update=update)
    return params.model_copy(update={"checks": params.checks.model_copy(update={"columns": columns})})


def test_a_soft_rule_that_fails_warns_and_admits_the_day(batch: pd.DataFrame, params: Params) -> None:
    """Issue 25: a soft rule (a bound learned from a sample, not a physical one) warns instead of quarantining."""
    batch.loc[3, "age"] = 250
    batch.loc[4, "region"] = "atlantis"
    soft = _with_rule(_with_rule(params, "age", soft=("max",)), "region", soft=("allowed",))
    report = check(batch, soft)
    assert report.passed, failures(report)
    warned = [w.sentence() for w in report.warnings]
    assert "column 'age': maximum (soft) expected <= 110.0, observed 250.0" in warned
    assert any(w.startswith("column 'region': allowed categories (soft)") and "atlantis" in w for w in warned)
    # recorded in the checks report, both forms
    assert any(w["rule"] == "maximum (soft)" for w in report.to_dict()["warnings"])
    assert "column 'age': maximum (soft) expected <= 110.0, observed 250.0" in report.to_markdown()
    # the same rules hard (the default) still quarantine
    assert "column 'age': maximum expected <= 110.0, observed 250.0" in failures(check(batch, params))
    # soft covers only the rules it names: the min stays hard
    batch.loc[5, "age"] = 1
    assert failures(check(batch, soft)) == ["column 'age': minimum expected >= 18.0, observed 1.0"]


def test_soft_never_softens_the_type_or_a_missing_column(batch: pd.DataFrame, params: Params) -> None:
    raw = small_params()
    raw["checks"]["columns"]["age"]["soft"] = True  # true: every value rule of the column
    soft = parse_params(raw)
    assert soft.checks.columns["age"].soft == ("max_null_share", "min", "max", "allowed")
    text = batch.assign(age=batch["age"].astype(str))
    assert "column 'age': dtype expected integer, observed object" in failures(check(text, soft))
    assert "column 'age': required column present expected present, observed missing" in failures(
        check(batch.drop(columns=["age"]), soft)
    )


def test_off_never_checks(batch: pd.DataFrame, params: Params) -> None:
    batch.loc[3, "age"] = 250
    batch["region"] = 7.5
    off = _with_rule(_with_rule(params, "age", max=None), "region", enabled=False)
    report = check(batch, off)
    assert report.passed, failures(report)
    assert not [w for w in report.warnings if w.column in ("age", "region")]


def test_soft_names_only_value_rules() -> None:
    from {{ cookiecutter.package_name }}.config import ConfigError

    raw = small_params()
    raw["checks"]["columns"]["age"]["soft"] = ["dtype"]
    with pytest.raises(ConfigError, match="soft"):
        parse_params(raw)


def test_unknown_category(batch: pd.DataFrame, params: Params) -> None:
    batch.loc[0, "region"] = "atlantis"
    [message] = failures(check(batch, params))
    assert "column 'region': allowed categories" in message
    assert "atlantis" in message


def test_duplicates(batch: pd.DataFrame, params: Params) -> None:
    doubled = pd.concat([batch, batch.head(12)], ignore_index=True)
    [message] = failures(check(doubled, params))
    assert message.startswith("column 'customer_id,event_date': duplicate share expected <= 0.0, observed 0.0909")


def test_minimum_rows(batch: pd.DataFrame, params: Params) -> None:
    assert "dataset: minimum rows expected >= 20, observed 5" in failures(check(batch.head(5), params))


def test_label_missing_values(batch: pd.DataFrame, params: Params) -> None:
    target = params.project.target
    batch[target] = batch[target].astype(object)
    batch.loc[:9, target] = np.nan
    assert any(m.startswith(f"column '{target}': label null share") for m in failures(check(batch, params)))


def test_label_absent(batch: pd.DataFrame, params: Params) -> None:
    target = params.project.target
    report = check(batch.drop(columns=[target]), params)
    assert f"column '{target}': required column present expected present, observed missing" in failures(report)


{%- if cookiecutter.model_task in ("classification", "multiclass") %}


{%- if cookiecutter.model_task == "classification" %}


# binary labels (0/1); multiclass: test_label_rules_count_any_number_of_classes
def test_label_balance_is_a_window_rule(batch: pd.DataFrame, params: Params) -> None:
    target = params.project.target
    batch[target] = 0
    batch.loc[0, target] = 1
    assert check(batch, params).passed  # one quiet day is not bad data
    window = run_checks(batch, params.checks, params.project, subject="window", scope="window")
    messages = failures(window)
    assert any("label balance (smallest class share) expected >= 0.02, observed 0.0083" in m for m in messages)
    batch[target] = 0
    window = run_checks(batch, params.checks, params.project, subject="window", scope="window")
    assert f"column '{target}': label classes expected >= 2, observed 1" in failures(window)


{%- endif %}


def test_label_rules_count_any_number_of_classes(batch: pd.DataFrame, params: Params) -> None:
    """Label rules are generic over n classes: three balanced classes pass, a class outside checks.label.classes fails."""
    target = params.project.target
    batch[target] = np.resize(np.array(["a", "b", "c"], dtype=object), len(batch))
    q = params.model_copy(
        update={
            "checks": params.checks.model_copy(
                update={"label": params.checks.label.model_copy(update={"classes": ("a", "b", "c")})}
            )
        }
    )
    assert not [m for m in failures(check(batch, q)) if "label" in m]
    batch.loc[0, target] = "d"
    assert f"column '{target}': label values expected one of ['a', 'b', 'c'], observed ['d']" in failures(
        check(batch, q)
    )


{%- else %}


def test_label_range(batch: pd.DataFrame, params: Params) -> None:
    target = params.project.target
    batch.loc[0, target] = -50.0
    assert f"column '{target}': label minimum expected >= 0.0, observed -50.0" in failures(check(batch, params))


def test_a_soft_label_bound_warns(batch: pd.DataFrame, params: Params) -> None:
    target = params.project.target
    batch.loc[0, target] = 20_000.0
    assert f"column '{target}': label maximum expected <= 10000.0, observed 20000.0" in failures(check(batch, params))
    raw = small_params()
    raw["checks"]["label"]["soft"] = ["max"]
    report = check(batch, parse_params(raw))
    assert report.passed, failures(report)
    assert f"column '{target}': label maximum (soft) expected <= 10000.0, observed 20000.0" in [
        w.sentence() for w in report.warnings
    ]


{%- endif %}


def test_report_renders_json_and_markdown(batch: pd.DataFrame, params: Params, tmp_path) -> None:  # type: ignore[no-untyped-def]
    batch.loc[0, "region"] = "atlantis"
    report = check(batch, params)
    write_report(tmp_path / "r.json", tmp_path / "r.md", report.to_dict(), report.to_markdown())
    assert '"passed": false' in (tmp_path / "r.json").read_text()
    assert "| `region` | allowed categories |" in (tmp_path / "r.md").read_text()


def _days(params: Params, n: int) -> list[pd.DataFrame]:
    source = make_source(params)
    return [source.fetch(dt.date(2026, 1, 1) + dt.timedelta(days=i)) for i in range(n)]


def _spoil(parts: list[pd.DataFrame], seed: int) -> list[pd.DataFrame]:
    """Nulls, out-of-range values, unknown categories and duplicates scattered over the days."""
    rng = np.random.default_rng(seed)
    spoilt = []
    for original in parts:
        part = original.copy()
        rows = rng.choice(len(part), size=3, replace=False)
        part.loc[rows[0], "usage_hours"] = np.nan
        part.loc[rows[1], "monthly_charges"] = float(rng.choice([-5.0, 2000.0, 50.0]))
        part.loc[rows[2], "plan"] = str(rng.choice(["basic", "gold", "platinum"]))
        if rng.random() < 0.3:
            part = pd.concat([part, part.iloc[:2]], ignore_index=True)
        spoilt.append(part)
    return spoilt


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_window_from_day_summaries_equals_the_window_reread(params: Params, seed: int) -> None:
    """Merging per-day summaries gives the very report the concatenated window gives."""
    from {{ cookiecutter.package_name }}.core.checks import (
        PartitionSummary,
        check_summary,
        merge_summaries,
        summarize,
    )

    parts = _spoil(_days(params, 6), seed) if seed else _days(params, 6)
    summaries = [PartitionSummary.from_dict(summarize(p, params.checks, params.project).to_dict()) for p in parts]
    merged = merge_summaries(summaries)
    from_summaries = check_summary(merged, params.checks, params.project, "window", scope="window")
    reread = run_checks(pd.concat(parts, ignore_index=True), params.checks, params.project, "window", scope="window")
    assert from_summaries.to_dict() == reread.to_dict()


def test_summaries_of_days_that_differ_still_judge_the_window(params: Params) -> None:
    """A dtype change between days fails the window's dtype rule; duplicates across days need the exact count."""
    from {{ cookiecutter.package_name }}.core.checks import (
        check_summary,
        merge_summaries,
        summarize,
    )

    a, b = _days(params, 2)
    b = b.assign(age=b["age"].astype(float) + 0.5)
    merged = merge_summaries([summarize(a, params.checks, params.project), summarize(b, params.checks, params.project)])
    report = check_summary(merged, params.checks, params.project, "window", scope="window")
    assert "column 'age': dtype expected integer, observed int64|float64 with fractional values" in failures(report)
    no_date = params.checks.model_copy(update={"duplicate_subset": ("customer_id",)})
    a, b = _days(params, 2)
    b = pd.concat([b, a.head(3)], ignore_index=True)
    merged = merge_summaries(
        [summarize(a, no_date, params.project), summarize(b, no_date, params.project)],
        duplicates=int(pd.concat([a, b]).duplicated(subset=["customer_id"]).sum()),
    )
    assert merged.duplicates == 3
