"""Drift with real Evidently on the demo simulator's data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.sources.demo import DemoSource
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Params, parse_params
from {{ cookiecutter.package_name }}.core.drift import (
    DriftError,
    compute_drift,
    top_drifted,
)

from .conftest import small_params
from .test_decide import champion_repo, checkout  # noqa: F401  (module fixture reused)

DRIFTING = {"monthly_charges", "support_calls", "usage_hours", "plan"}


def params(**overrides: object) -> Params:
    return parse_params(small_params(**overrides))


def demo_frame(p: Params, start: str, n_days: int, rows_per_day: int) -> pd.DataFrame:
    cfg = p.data.demo.model_copy(update={"rows_per_day": rows_per_day})
    source = DemoSource(
        cfg,
        task=p.project.task,
        target=p.project.target,
        date_column=p.project.date_column,
        id_column=p.project.id_column,
    )
    first = dt.date.fromisoformat(start)
    return pd.concat([source.fetch(first + dt.timedelta(days=i)) for i in range(n_days)], ignore_index=True)


def test_undrifted_and_drifted_windows() -> None:
    p = params(**{"data.demo.drift_onset": "2026-02-01"})
    reference = demo_frame(p, "2026-01-01", 10, 200)
    same = compute_drift(reference, demo_frame(p, "2026-01-20", 5, 200), p)
    assert same["dataset_drift"] is False
    assert same["drifted_columns"] == []
    shifted = compute_drift(reference, demo_frame(p, "2026-02-05", 5, 200), p)
    assert shifted["dataset_drift"] is True
    assert set(shifted["drifted_columns"]) == DRIFTING
    for col, result in shifted["columns"].items():
        assert set(result) == {"method", "score", "threshold", "drifted"}, col
    assert top_drifted(shifted, 2)[0][0] in DRIFTING


def test_sample_cap_keeps_the_verdict() -> None:
    """30,000 rows each, capped at 3,000: every column is either clearly drifted or clearly stable."""
    full = params(**{"data.demo.drift_onset": "2026-02-01", "drift.sample_cap": 0})
    capped = params(**{"data.demo.drift_onset": "2026-02-01", "drift.sample_cap": 3000})
    reference = demo_frame(full, "2026-01-01", 10, 3000)
    current = demo_frame(full, "2026-02-05", 10, 3000)
    a, b = compute_drift(reference, current, full), compute_drift(reference, current, capped)
    assert b["rows_used"] == {"reference": 3000, "current": 3000}
    assert a["rows_used"] == {"reference": 30000, "current": 30000}
    assert a["dataset_drift"] == b["dataset_drift"] is True
    assert a["drifted_columns"] == b["drifted_columns"]
    for col in a["columns"]:
        assert a["columns"][col]["method"] == b["columns"][col]["method"]
        assert abs(a["columns"][col]["score"] - b["columns"][col]["score"]) < 0.05, col
    # The sample is seeded: the same cap gives the same numbers.
    assert compute_drift(reference, current, capped) == b


@pytest.mark.parametrize("rows_per_day", [300, 60], ids=["large-sample", "p-value-tests"])
@pytest.mark.parametrize("current_start", ["2026-01-20", "2026-02-05"], ids=["undrifted", "drifted"])
def test_fast_engine_matches_evidently(current_start: str, rows_per_day: int) -> None:
    """The SciPy fast path gives Evidently's own per-column methods, scores and verdicts: distances above
    1,000 reference rows, K-S, chi-squared and Z-test p-values at or below (a champion trained on the
    few days after a change has a small reference)."""
    p = params(**{"data.demo.drift_onset": "2026-02-01", "drift.per_column": {"age": {"threshold": 0.05}}})
    reference = demo_frame(p, "2026-01-01", 10, rows_per_day)
    current = demo_frame(p, current_start, 7, rows_per_day)
    # A two-valued column (Z-test when small) that shifts with the drift.
    reference["contract"] = np.where(reference["age"] > 40, "yearly", "monthly")
    current["contract"] = np.where(current["age"] > (40 if current_start < "2026-02" else 30), "yearly", "monthly")
    fast = compute_drift(reference, current, p, engine="fast")
    full = compute_drift(reference, current, p, engine="evidently")
    assert (fast["engine"], full["engine"]) == ("fast", "evidently")
    assert fast["dataset_drift"] == full["dataset_drift"]
    assert fast["drifted_columns"] == full["drifted_columns"]
    assert fast["drifted_share"] == pytest.approx(full["drifted_share"])
    for col, expected in full["columns"].items():
        got = fast["columns"][col]
        assert got["method"] == expected["method"], col
        assert got["score"] == pytest.approx(expected["score"], rel=1e-6, abs=1e-9), col
        assert got["threshold"] == expected["threshold"], col
        assert got["drifted"] == expected["drifted"], col
    methods = {r["method"] for r in full["columns"].values()}
    if rows_per_day == 60:
        assert methods == {"K-S p_value", "chi-square p_value", "Z-test p_value"}
    else:
        assert methods == {"Wasserstein distance (normed)", "Jensen-Shannon distance"}
    if current_start < "2026-02":
        assert full["drifted_columns"] == []
    else:
        assert set(full["drifted_columns"]) >= DRIFTING - ({"support_calls"} if rows_per_day == 60 else set())


def test_fast_engine_steps_aside_for_an_explicit_method() -> None:
    p = params()
    small = demo_frame(p, "2026-01-01", 3, 200)  # 600 reference rows: p-value tests, computed fast too
    assert compute_drift(small, small, p)["engine"] == "fast"
    explicit = params(**{"drift.method": "psi"})
    big = demo_frame(p, "2026-01-01", 5, 300)
    assert compute_drift(big, big, explicit)["engine"] == "evidently"
    with pytest.raises(DriftError, match="does not apply"):
        compute_drift(big, big, explicit, engine="fast")


def test_explicit_method_and_per_column_threshold() -> None:
    p = params(**{"drift.method": "psi", "drift.per_column": {"age": {"threshold": 0.5}}})
    reference = demo_frame(p, "2026-01-01", 5, 200)
    result = compute_drift(reference, demo_frame(p, "2026-01-10", 5, 200), p)
    assert all(r["method"].lower().startswith("psi") for r in result["columns"].values())
    assert result["columns"]["age"]["threshold"] == 0.5


def test_drift_command_writes_html_and_summary(champion_repo: Path, tmp_path: Path) -> None:
    root = checkout(champion_repo, tmp_path, "2026-01-31", **{"data.demo.drift_onset": "2026-01-21"})
    assert main(["--root", str(root), "drift"]) == 0
    html = root / "reports/drift/drift_report.html"
    assert html.stat().st_size > 10_000
    summary = json.loads((root / "reports/drift/drift_summary.json").read_text())
    assert summary["reference_range"] == ["2026-01-01", "2026-01-15"]
    assert summary["current_range"] == ["2026-01-25", "2026-01-31"]
    assert summary["dataset_drift"] is True


def test_drift_without_a_champion_says_why(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(project / "reports", ignore_errors=True)
    assert main(["--root", str(project), "drift"]) == 2
    assert "no champion yet" in capsys.readouterr().err
