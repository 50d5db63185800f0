"""Checks learned by init-data admit the normal life of real data (issue 25).

A seasonal, growing daily set is described from its first three weeks, then every later
day is judged by the per-batch checks ingest quarantines on: no clean day may fail, while
corrupt days (a negative count, a 13th month, text in a numeric column) still do.

Category sets: ``station`` shows its three values from the first day (a closed set, hard);
``payment`` gains a wallet late in the sample and a voucher two months on (a growing set: the
sample cannot vouch that it is closed, so a new value warns and the day is admitted).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Params, load_params
from {{ cookiecutter.package_name }}.core.checks import run_checks
from {{ cookiecutter.package_name }}.core.profile import ProfileOptions

from .conftest import PROJECT_ROOT
from .test_keepalive import Api, api, quiet_repo, run_step  # noqa: F401  (the GitHub stand-in fixture reused)

FIRST_DAY = dt.date(2026, 1, 15)
DAYS, SAMPLE_DAYS, ROWS_PER_DAY = 120, 21, 40
TARGET = "rentals"
WALLET_DAY, VOUCHER_DAY = 17, 60  # a payment means first seen in the sample's last week, then one after it


def payments(rng: np.random.Generator, offset: int, n: int) -> np.ndarray:
    """Card and cash from the start; a wallet from WALLET_DAY on, a voucher from VOUCHER_DAY on."""
    new = ["wallet"] * (offset >= WALLET_DAY) + ["voucher"] * (offset >= VOUCHER_DAY)
    paid = rng.choice(["card", "card", "cash", *new], n).astype(object)
    paid[: len(new)] = new  # a mean in use shows up on each day from its first
    return paid


def rental_days(seed: int = 0) -> pd.DataFrame:
    """Daily bike-rental-like rows: calendar parts, a seasonal measurement, a growing count label."""
    rng = np.random.default_rng(seed)
    frames = []
    for offset in range(DAYS):
        day = pd.Timestamp(FIRST_DAY + dt.timedelta(days=offset))
        n = ROWS_PER_DAY
        season = offset / DAYS  # spring comes: warmer, busier
        calls = rng.poisson(1.5, n)
        if offset < SAMPLE_DAYS:
            calls = np.minimum(calls, 6)  # the sample never sees 7 calls
        elif offset % 10 == 0:
            calls[0] = 7 + offset // 40
        rentals = rng.poisson(150 * 1.01 ** (offset / 7) * (1 + 1.5 * season), n)
        frames.append(
            pd.DataFrame(
                {
                    "rental_id": [f"r{offset}-{i}" for i in range(n)],
                    "date": day,
                    "mnth": day.month,
                    "month_name": day.strftime("%b"),
                    "weekday": day.dayofweek,
                    "day_of_year": day.dayofyear,
                    "temp": rng.normal(-2 + 20 * season, 4, n).round(1),
                    "humidity": rng.beta(5, 3, n).round(3),
                    "station": rng.choice(["north", "south", "east"], n),
                    "payment": payments(rng, offset, n),
                    "support_calls": calls,
                    "revenue": (rentals * rng.uniform(1.5, 2.5, n)).round(2),
                    TARGET: rentals,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def learned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Params, pd.DataFrame, str]:
    """init-data --write on the first three weeks; the params it wrote, the whole set and the preview."""
    root = tmp_path / "project"
    (root / "data/external").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "params.yaml", root / "params.yaml")
    frame = rental_days()
    sample = frame[frame["date"] < pd.Timestamp(FIRST_DAY + dt.timedelta(days=SAMPLE_DAYS))]
    sample.to_parquet(root / "data/external/sample.parquet", index=False)
    assert main(["--root", str(root), "init-data", "data/external", "--target", TARGET, "--write"]) == 0
    return load_params(root / "params.yaml"), frame, capsys.readouterr().out


def _judge(params: Params, day: pd.DataFrame) -> list[str]:
    report = run_checks(day, params.checks, params.project, "batch", expected=params.features.all)
    return [r.sentence() for r in report.failures]


def test_no_clean_day_is_quarantined_over_four_months(learned: tuple[Params, pd.DataFrame, str]) -> None:
    params, frame, _ = learned
    held = {}
    for day, rows in frame.groupby("date"):
        failures = _judge(params, rows.reset_index(drop=True))
        if failures:
            held[day.date().isoformat()] = failures
    assert not held, held
    # the data did move past the sample: the checks admitted new values, not a stale copy of the sample
    later = frame[frame["date"] >= pd.Timestamp(FIRST_DAY + dt.timedelta(days=SAMPLE_DAYS))]
    assert later["support_calls"].max() >= 7
    assert later[TARGET].max() > frame[TARGET].iloc[: SAMPLE_DAYS * ROWS_PER_DAY].max()
    assert set(later["month_name"]) - set(frame["month_name"].iloc[: SAMPLE_DAYS * ROWS_PER_DAY])
    assert "voucher" in set(later["payment"])  # a payment mean the sample never saw


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("support_calls", -1, "minimum"),
        ("mnth", 13, "maximum"),
        ("day_of_year", 400, "maximum"),
        ("humidity", 1.5, "maximum"),
        ("month_name", "Smarch", "allowed categories"),
        ("station", "west", "allowed categories"),  # a set stable across the sample's days stays closed
        ("temp", "n/a", "dtype"),
        (TARGET, -5, "label minimum"),
    ],
)
def test_corrupt_days_are_still_refused(
    learned: tuple[Params, pd.DataFrame, str], column: str, value: object, rule: str
) -> None:
    params, frame, _ = learned
    day = frame[frame["date"] == frame["date"].max()].reset_index(drop=True)
    if isinstance(value, str):
        day[column] = day[column].astype(str)  # text in a numeric column reads as a text column
    day.loc[0, column] = value
    failures = _judge(params, day)
    assert any(f"column {column!r}: {rule}" in f for f in failures), failures


def test_learned_rules_follow_the_column_kind(learned: tuple[Params, pd.DataFrame, str]) -> None:
    params, _, preview = learned
    cols = params.checks.columns
    assert (cols["mnth"].min, cols["mnth"].max) == (1, 12)
    assert (cols["weekday"].min, cols["weekday"].max) == (0, 6)
    assert (cols["day_of_year"].min, cols["day_of_year"].max) == (1, 366)
    assert (cols["humidity"].min, cols["humidity"].max) == (0, 1)
    assert cols["support_calls"].dtype == "integer"
    assert cols["support_calls"].allowed is None
    assert (cols["support_calls"].min, cols["support_calls"].max) == (0, None)
    assert "Apr" in (cols["month_name"].allowed or ())
    assert cols["station"].allowed == ("east", "north", "south")  # few stable values stay a closed set
    assert params.checks.label.min == 0
    assert params.checks.label.max is None
    assert "support_calls" in params.features.numeric
    # the preview says which rule each column got, and why
    assert "mnth: calendar month, 1..12" in preview
    assert "support_calls: count, >= 0" in preview
    assert "month_name: calendar month names" in preview
    assert "humidity: share, 0..1" in preview


def test_each_learned_rule_has_a_kind_and_the_preview_names_it(learned: tuple[Params, pd.DataFrame, str]) -> None:
    """Issue 25: hard where the column's kind bounds it, soft where the bound is the sample's extremes."""
    params, _, preview = learned
    cols = params.checks.columns
    hard = ("mnth", "weekday", "day_of_year", "humidity", "support_calls", "month_name", "station")
    assert {name: cols[name].soft for name in hard} == {name: () for name in hard}
    assert cols["revenue"].soft == ("max",)  # >= 0 is physical; 10 x the sample's maximum is a guess
    assert cols["temp"].soft == ("min", "max")  # a signed range widened from the sample
    assert cols["payment"].soft == ("allowed",)  # a set still growing in the sample's last days
    for name in hard:
        [line] = [line for line in preview.splitlines() if line.startswith(f"  note: check {name}: ")]
        assert line.endswith("[hard: a failure quarantines the day]"), line
    assert "[max soft: a failure warns and the day is admitted; the rest hard]" in preview
    assert "[min, max soft: a failure warns and the day is admitted; the rest hard]" in preview


def test_a_day_past_a_soft_bound_is_admitted_with_a_warning(learned: tuple[Params, pd.DataFrame, str]) -> None:
    params, frame, _ = learned
    day = frame[frame["date"] == frame["date"].max()].reset_index(drop=True)
    day.loc[0, "temp"] = 80.0  # a heat record past the learned range: unusual, not impossible
    report = run_checks(day, params.checks, params.project, "batch", expected=params.features.all)
    assert report.passed, [r.sentence() for r in report.failures]
    assert any(w.column == "temp" and w.rule == "maximum (soft)" for w in report.warnings)


def test_a_category_set_still_growing_in_the_sample_warns_a_stable_one_quarantines(
    learned: tuple[Params, pd.DataFrame, str],
) -> None:
    """Issue 25: a set is closed only where the data says so: few values, all seen early in the sample."""
    params, frame, preview = learned
    cols = params.checks.columns
    assert cols["payment"].allowed == ("card", "cash", "wallet")
    assert cols["payment"].soft == ("allowed",)
    assert cols["station"].soft == ()
    [line] = [line for line in preview.splitlines() if line.startswith("  note: check payment: ")]
    assert "1 of 3 values first seen in the sample's last 7 of 21 days (wallet)" in line, line
    assert line.endswith("[allowed soft: a failure warns and the day is admitted; the rest hard]"), line
    [line] = [line for line in preview.splitlines() if line.startswith("  note: check station: ")]
    assert "every value seen before the sample's last 7 of 21 days" in line, line
    # the first voucher day: warned and admitted, the new value named in the warning
    day = frame[frame["date"] == pd.Timestamp(FIRST_DAY + dt.timedelta(days=VOUCHER_DAY))].reset_index(drop=True)
    report = run_checks(day, params.checks, params.project, "batch", expected=params.features.all)
    assert report.passed, [r.sentence() for r in report.failures]
    [warning] = [w for w in report.warnings if w.column == "payment"]
    assert (warning.rule, warning.observed) == ("allowed categories (soft)", ["voucher"])
    # the same day with an unseen station: the closed set still quarantines it
    day.loc[0, "station"] = "west"
    report = run_checks(day, params.checks, params.project, "batch", expected=params.features.all)
    assert [r.column for r in report.failures] == ["station"]


def test_a_soft_finding_is_admitted_by_ingest_and_reaches_the_health_issue(
    learned: tuple[Params, pd.DataFrame, str], tmp_path: Path, api: Api
) -> None:
    """End to end: ingest admits the first voucher day (payment's set is soft) and records the warning;
    the check job's health step, run as retrain.yml runs it, lists it in the model-health issue."""
    _, frame, _ = learned
    root = tmp_path / "project"  # where the fixture ran init-data --write
    voucher = pd.Timestamp(FIRST_DAY + dt.timedelta(days=VOUCHER_DAY))
    after_sample = frame[(frame["date"] >= pd.Timestamp(FIRST_DAY + dt.timedelta(days=SAMPLE_DAYS)))]
    after_sample[after_sample["date"] <= voucher].to_parquet(root / "data/external/later.parquet", index=False)
    day = voucher.date().isoformat()
    assert main(["--root", str(root), "advance", "--to", day]) == 0
    assert main(["--root", str(root), "ingest"]) == 0
    assert (root / f"data/raw/{day}.parquet").exists()
    summary = json.loads((root / "reports/ingest.json").read_text())
    assert summary["quarantined"] == []
    [warning] = summary["warnings"][day]
    assert warning.startswith("column 'payment': allowed categories (soft)"), warning
    assert warning.endswith("observed ['voucher']"), warning
    run_step(quiet_repo(root, days=1), api)
    [issue] = api.issues
    assert "**Data warnings** (the days were admitted):" in issue["body"]
    assert f"- batch {day}: {warning}" in issue["body"], issue["body"]


def test_too_few_days_to_tell_leave_a_small_set_soft() -> None:
    from {{ cookiecutter.package_name }}.core.profile import learned_rule, profile

    p = profile(rental_days().iloc[: 4 * ROWS_PER_DAY], ProfileOptions(target=TARGET))
    rule, why = learned_rule(p.columns["station"], 0.5)
    assert rule["soft"] == ["allowed"]
    assert "only 4 days in the sample, too few to tell whether the set is closed" in why, why


def test_integer_codes_stay_categories_unless_they_count() -> None:
    from {{ cookiecutter.package_name }}.core.profile import profile

    frame = rental_days().iloc[: SAMPLE_DAYS * ROWS_PER_DAY]
    rng = np.random.default_rng(1)
    frame = frame.assign(store_type=rng.choice([3, 7, 9], len(frame)), sex=rng.choice([1, 2], len(frame)))
    p = profile(frame, ProfileOptions(target=TARGET))
    assert p.columns["store_type"].integer_coded  # 3/7/9: codes, not a count
    assert p.columns["sex"].integer_coded  # two codes
    assert not p.columns["support_calls"].integer_coded  # 0..6 in a run: a count
    assert p.columns["support_calls"].kind == "integer"
