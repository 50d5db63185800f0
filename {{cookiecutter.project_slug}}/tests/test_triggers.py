"""Each trigger's rule on crafted numbers: it fires when it should and stays quiet otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from {{ cookiecutter.package_name }}.config import (
    AgeTrigger,
    DecayTrigger,
    VolumeTrigger,
)
from {{ cookiecutter.package_name }}.core.metrics import get_metric
from {{ cookiecutter.package_name }}.core.triggers import (
    Cooldown,
    TriggerResult,
    Window,
    age_trigger,
    combine,
    decay_trigger,
    drift_trigger,
    manual_trigger,
    volume_trigger,
)

NOW = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)


def test_age_fires_only_past_the_maximum() -> None:
    cfg = AgeTrigger(max_age_days=30)
    assert age_trigger(NOW - dt.timedelta(days=31), NOW, cfg).fired
    quiet = age_trigger(NOW - dt.timedelta(days=29), NOW, cfg)
    assert not quiet.fired
    assert quiet.value == pytest.approx(29.0)
    assert "within the 30-day maximum" in quiet.detail


def test_volume_fires_at_the_threshold() -> None:
    cfg = VolumeTrigger(min_new_rows=1000)
    since = dt.date(2026, 3, 1)
    assert volume_trigger(1000, since, cfg).fired
    assert not volume_trigger(999, since, cfg).fired


def windows(values: list[float | None]) -> list[Window]:
    start = dt.date(2026, 3, 1)
    return [
        Window(start + dt.timedelta(days=7 * i), start + dt.timedelta(days=7 * i + 6), 500, v)
        for i, v in enumerate(values)
    ]


AUC = get_metric("roc_auc")
GOOD, BAD = 0.80, 0.70  # baseline 0.80, max_relative_drop 5%: 0.70 is bad, 0.80 is fine
CFG = DecayTrigger(window_days=7, windows=4, min_bad=2, max_relative_drop=0.05)


@pytest.mark.parametrize(
    ("values", "fires"),
    [
        ([GOOD, GOOD, GOOD, GOOD], False),  # healthy
        ([GOOD, GOOD, GOOD, BAD], False),  # one bad window: noise, no flapping
        ([GOOD, BAD, GOOD, BAD], True),  # 2 of 4 and the latest
        ([BAD, BAD, BAD, GOOD], False),  # recovered: the latest is fine
        ([BAD, BAD, GOOD, GOOD, GOOD, BAD], False),  # old bad windows fall out of the last M=4
        ([GOOD, BAD, None, BAD], True),  # unscored windows are ignored
    ],
)
def test_decay_needs_n_of_m_and_the_latest(values: list[float | None], fires: bool) -> None:
    result = decay_trigger(windows(values), 0.80, AUC, CFG)
    assert result.fired is fires, result.detail


def test_decay_floor_and_lower_is_better_metrics() -> None:
    rmse = get_metric("rmse")
    cfg = DecayTrigger(windows=3, min_bad=2, floor=12.0, max_relative_drop=None)
    assert decay_trigger(windows([11.0, 12.5, 13.0]), 10.0, rmse, cfg).fired  # rmse above its ceiling
    assert not decay_trigger(windows([11.0, 11.5, 11.9]), 10.0, rmse, cfg).fired
    relative = DecayTrigger(windows=3, min_bad=2, max_relative_drop=0.1)
    assert decay_trigger(windows([10.0, 11.5, 11.2]), 10.0, rmse, relative).fired  # >10% higher error
    assert not decay_trigger(windows([9.0, 9.5, 10.5]), 10.0, rmse, relative).fired  # within 10%


def test_decay_without_windows_or_baseline() -> None:
    result = decay_trigger([], 0.8, AUC, CFG)
    assert not result.fired
    assert "no labelled window" in result.detail
    # No baseline at promotion: only the floor can judge.
    floor_only = DecayTrigger(windows=2, min_bad=1, floor=0.75, max_relative_drop=0.05)
    assert decay_trigger(windows([0.7]), None, AUC, floor_only).fired
    assert not decay_trigger(windows([0.76]), None, AUC, floor_only).fired


def test_decay_config_rejects_n_above_m() -> None:
    with pytest.raises(ValueError, match="min_bad"):
        DecayTrigger(windows=2, min_bad=3)


def summary(drifted: list[str], columns: int = 8, share_threshold: float = 0.5) -> dict[str, object]:
    cols = {
        f"c{i}": {"method": "x", "score": 0.0, "threshold": 0.1, "drifted": f"c{i}" in drifted} for i in range(columns)
    }
    share = len(drifted) / columns
    return {
        "dataset_drift": share >= share_threshold,
        "drifted_share": share,
        "drift_share_threshold": share_threshold,
        "drifted_columns": drifted,
        "columns": cols,
    }


def test_drift_trigger_follows_the_dataset_verdict() -> None:
    fired = drift_trigger(summary(["c0", "c1", "c2", "c3"]))
    assert fired.fired
    assert "c0" in fired.detail
    assert not drift_trigger(summary(["c0"])).fired


def test_manual_records_the_reason() -> None:
    assert manual_trigger(True, "new feature shipped").detail == "forced: new feature shipped"
    assert not manual_trigger(False, None).fired


def test_combine_any_and_all() -> None:
    a = TriggerResult("a", 1, 1, True, "")
    b = TriggerResult("b", 0, 1, False, "")
    skipped = TriggerResult("c", None, None, False, "", evaluated=False)
    assert combine([a, b], "any")
    assert not combine([a, b], "all")
    assert combine([a, skipped], "all")  # skipped triggers do not vote
    assert not combine([b], "any")
    assert not combine([], "any")


def test_cooldown_window() -> None:
    changed = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    assert Cooldown(7, changed, changed + dt.timedelta(days=6)).active
    assert not Cooldown(7, changed, changed + dt.timedelta(days=7)).active
    assert not Cooldown(0, changed, changed).active
    assert not Cooldown(7, None, changed).active
    assert Cooldown(7, changed, NOW).to_dict()["until"] == "2026-03-27T00:00:00+00:00"
